/**
 * Spot sizing in the risk gate (docs/strategies.md, "Position sizing in the risk gate"). Instrument: Binance spot BTCUSDT
 * exchangeInfo filters (GET /api/v3/exchangeInfo: PRICE_FILTER tick 0.01, LOT_SIZE step 0.00001 / min
 * 0.00001, NOTIONAL min 5 applied to market orders), the same values as src/venues/sim/instruments.ts
 * SPOT_BTCUSDT (src/trade/test-support/fixtures.ts). Fee: Binance spot's regular taker rate,
 * 0.1 %, taken from the base received.
 */
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../core/clock.js';
import { EventBus } from '../../core/event-bus.js';
import { silentLogger } from '../../core/logger.js';
import { type AegisTopics, TOPICS } from '../../domain/events.js';
import type { Instrument } from '../../domain/instrument.js';
import type { Signal } from '../../domain/signal.js';
import { BTCUSDT, d, RISK, signal, SPOT_BTCUSDT } from '../test-support/fixtures.js';
import {
  type RiskConfig,
  type RiskDecision,
  RiskGate,
  SPOT_PRICE_ALLOWANCE,
  SPOT_TAKER_FEE,
} from './gate.js';

function gate(config: Partial<RiskConfig> = {}): RiskGate {
  return new RiskGate({
    bus: new EventBus<AegisTopics>(TOPICS, { logger: silentLogger }),
    clock: new SimulatedClock(1_700_000_000_000),
    config: { ...RISK, ...config },
    isStale: () => false,
  });
}

function evaluate(
  sig: Signal,
  freeBalance: string,
  instrument: Instrument = SPOT_BTCUSDT,
  config: Partial<RiskConfig> = {},
): RiskDecision {
  return gate(config).evaluate(sig, {
    exposures: [],
    equity: d('10000'),
    freeBalance: d(freeBalance),
    instrument: () => instrument,
  });
}

function approved(decision: RiskDecision) {
  if (decision.kind !== 'approved')
    throw new Error(`expected approval, got ${decision.reason}: ${decision.detail}`);
  return decision;
}

describe('spot sizing (leverage 1)', () => {
  it('the default taker fee is the regular Binance spot (VIP 0) rate, 0.1 % (binance.com/en/fee/schedule)', () => {
    expect(SPOT_TAKER_FEE).toBe(0.001);
  });

  it('keeps the risk size when the free balance buys it: 0.1 BTC, stop for the 0.0999 BTC received', () => {
    // risk 1 % x 10000 / (50000 - 49000) = 0.1 BTC; 0.1 x 50000 x 1.002 = 5010 <= 10000
    const a = approved(evaluate(signal(), '10000'));
    expect(a.leverage).toBe(1);
    expect(a.quantity).toBe('0.1');
    expect(a.entry.quantity).toBe('0.1');
    // the venue keeps 0.1 % of the 0.1 BTC bought: the stop sells 0.0999
    expect(a.stopLoss.quantity).toBe('0.0999');
    expect(a.stopLoss.stopPrice).toBe('49000');
  });

  it('caps a tight stop to what the free balance buys instead of denying it', () => {
    // stop 49900: risk size 100 / 100 = 1 BTC (50000 USDT) > free 5000;
    // cap = 5000 / (50000 x 1.002) = 0.09980039... -> 0.0998 (step 0.00001)
    const a = approved(evaluate(signal({ stop: 49_900 }), '5000'));
    expect(a.quantity).toBe('0.0998');
    expect(a.notional.toString()).toBe('4990');
    // 0.0998 x 0.999 = 0.0997002 -> 0.0997
    expect(a.stopLoss.quantity).toBe('0.0997');
    // the quote it may cost at the allowance fits the free balance
    expect(a.notional.toNumber() * (1 + SPOT_PRICE_ALLOWANCE)).toBeLessThanOrEqual(5000);
  });

  it('caps on the allowance, not on the bare entry price: 5000 USDT buy 0.0998 BTC, not 0.1', () => {
    // 0.1 x 50000 = 5000 would fit exactly at the entry price, but not at 50000 x 1.002
    expect(approved(evaluate(signal(), '5000')).quantity).toBe('0.0998');
    expect(approved(evaluate(signal(), '5010')).quantity).toBe('0.1');
  });

  it('denies insufficient_balance only when even the cap is below one lot or the minimum notional', () => {
    for (const free of ['0', '-5', '4.99', '0.0004']) {
      const r = evaluate(signal(), free);
      expect(r.kind === 'denied' && r.reason, free).toBe('insufficient_balance');
    }
    // 5.02 USDT buy 0.0001 BTC (notional 5, the minimum) but the stop sells 0.00009 BTC at 49000 = 4.41 < 5
    const r = evaluate(signal(), '5.02');
    expect(r.kind === 'denied' && r.reason).toBe('insufficient_balance');
    expect(r.kind === 'denied' && r.detail).toContain('stop-loss');
    // 5.62 USDT buy 0.00011 BTC -> stop 0.00010 x 49000 = 4.9 < 5
    expect(evaluate(signal(), '5.62').kind).toBe('denied');
    // 6.02 buy 0.00012 -> stop 0.00011 x 49000 = 5.39 >= 5: the smallest affordable protected position
    const a = approved(evaluate(signal(), '6.02'));
    expect([a.quantity, a.stopLoss.quantity]).toEqual(['0.00012', '0.00011']);
  });

  it('a risk size below the minimums is still filter_violation when the balance is not the limit', () => {
    // risk 0.000004 % x 10000 / 1000 = 0.0000004 BTC: below one lot with 10000 USDT free
    const r = evaluate(signal(), '10000', SPOT_BTCUSDT, { riskPerTrade: 0.00000004 });
    expect(r.kind === 'denied' && r.reason).toBe('filter_violation');
  });

  it('takes the allowance and the fee from the config', () => {
    const a = approved(
      evaluate(signal({ stop: 49_900 }), '5000', SPOT_BTCUSDT, {
        spotPriceAllowance: 0,
        spotTakerFee: 0,
      }),
    );
    expect([a.quantity, a.stopLoss.quantity]).toEqual(['0.1', '0.1']);
  });

  it('futures are unchanged: no cap, margin above the free balance is denied', () => {
    // futures BTCUSDT teacher leverage 10: 1 BTC at 50000 = 50000 notional, margin 5000 > free 4000
    const r = evaluate(signal({ stop: 49_900 }), '4000', BTCUSDT, {
      maxNotionalPerSymbol: '100000',
      maxNotionalTotal: '100000',
    });
    expect(r.kind === 'denied' && r.reason).toBe('insufficient_balance');
    expect(r.kind === 'denied' && r.detail).toContain('margin 5000');
    const a = approved(evaluate(signal(), '10000', BTCUSDT));
    expect([a.quantity, a.stopLoss.quantity, a.takeProfit.quantity]).toEqual(['0.1', '0.1', '0.1']);
  });
});
