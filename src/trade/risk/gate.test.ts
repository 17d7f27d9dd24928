import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../core/clock.js';
import { EventBus } from '../../core/event-bus.js';
import { silentLogger } from '../../core/logger.js';
import { Decimal } from '../../domain/decimal.js';
import {
  type AegisTopics,
  type RiskRejected,
  TOPICS,
  type TradingStateChanged,
} from '../../domain/events.js';
import type { Instrument } from '../../domain/instrument.js';
import type { Signal } from '../../domain/signal.js';
import { BTCUSDT, d, ETHUSDT, likeBtc, RISK, signal } from '../test-support/fixtures.js';
import { type ExposureView, type RiskConfig, type RiskDecision, RiskGate, type RiskView } from './gate.js';

const INSTRUMENTS = new Map<string, Instrument>(
  [BTCUSDT, ETHUSDT, likeBtc('SOLUSDT'), likeBtc('XRPUSDT')].map((i) => [i.symbol, i]),
);

function exposure(symbol: string, notional = '1000', confidence = 0.7): ExposureView {
  return { symbol, notional: d(notional), confidence, openedAt: 0, closable: true };
}

interface Setup {
  readonly config?: Partial<RiskConfig>;
  readonly stale?: (s: string) => boolean;
  readonly now?: number;
}

function setup(opts: Setup = {}) {
  const bus = new EventBus<AegisTopics>(TOPICS, { logger: silentLogger });
  const clock = new SimulatedClock(opts.now ?? 1_700_000_000_000);
  const gate = new RiskGate({
    bus,
    clock,
    config: { ...RISK, ...opts.config },
    isStale: opts.stale ?? (() => false),
  });
  const rejected: RiskRejected[] = [];
  const states: TradingStateChanged[] = [];
  bus.subscribe('RISK_REJECTED', 'test', (e) => rejected.push(e));
  bus.subscribe('TRADING_STATE_CHANGED', 'test', (e) => states.push(e));
  function evaluate(sig: Signal, view: Partial<RiskView> = {}): RiskDecision {
    const before = rejected.length;
    const decision = gate.evaluate(sig, {
      exposures: [],
      equity: d('10000'),
      freeBalance: d('10000'),
      instrument: (s) => INSTRUMENTS.get(s),
      ...view,
    });
    // every denial is published once, with the same reason and detail
    if (decision.kind === 'denied') {
      expect(rejected.slice(before)).toEqual([
        {
          signalId: sig.id,
          symbol: sig.symbol,
          reason: decision.reason,
          detail: decision.detail,
          time: clock.now(),
        },
      ]);
    } else {
      expect(rejected.length).toBe(before);
    }
    return decision;
  }
  return { bus, clock, gate, rejected, states, evaluate };
}

function reason(decision: RiskDecision): string {
  return decision.kind === 'denied' ? decision.reason : 'approved';
}

describe('RiskGate', () => {
  it('approves the reference signal with 0.1 BTC (1 % of 10000 over a 1000 stop distance), leverage 10, notional 5000', () => {
    const { evaluate } = setup();
    const decision = evaluate(signal());
    expect(decision.kind).toBe('approved');
    if (decision.kind !== 'approved') return;
    expect(decision.quantity).toBe('0.1');
    expect(decision.leverage).toBe(10);
    expect(decision.notional.toString()).toBe('5000');
    expect(decision.margin.toString()).toBe('500');
    expect(decision.entry).toEqual({
      clientOrderId: 'T1-sig1-e',
      symbol: 'BTCUSDT',
      side: 'BUY',
      type: 'MARKET',
      quantity: '0.1',
    });
    expect(decision.stopLoss).toMatchObject({
      side: 'SELL',
      type: 'STOP_MARKET',
      stopPrice: '49000',
      reduceOnly: true,
    });
    expect(decision.takeProfit).toMatchObject({
      side: 'SELL',
      type: 'TAKE_PROFIT_MARKET',
      stopPrice: '52000',
      reduceOnly: true,
    });
  });

  it('checks the trading state first: halted and reducing deny even a signal that fails every other rule', () => {
    const { gate, evaluate } = setup({ stale: () => true });
    const bad = signal({ confidence: 0.1 });
    gate.setState('halted', 'operator');
    expect(reason(evaluate(bad))).toBe('trading_halted');
    gate.setState('reducing', 'operator');
    expect(reason(evaluate(bad))).toBe('trading_reducing');
    gate.setState('active', 'operator');
    expect(reason(evaluate(bad))).toBe('data_stale');
  });

  it('denies every entry while not reconciled with the venue (after the trading state, before the rest)', () => {
    const { gate, evaluate } = setup({ stale: () => true });
    gate.setReconciled(false, 'user stream disconnected');
    expect(reason(evaluate(signal({ confidence: 0.1 })))).toBe('not_reconciled');
    gate.setState('halted', 'operator');
    expect(reason(evaluate(signal()))).toBe('trading_halted');
    gate.setState('active', 'operator');
    gate.setReconciled(true, 'reconciled');
    expect(reason(evaluate(signal({ confidence: 0.1 })))).toBe('data_stale');
  });

  it('denies a signal whose own symbol has stale data, not one for a symbol whose data is fresh', () => {
    const { evaluate } = setup({ stale: (s) => s === 'BTCUSDT' });
    expect(reason(evaluate(signal()))).toBe('data_stale');
    expect(reason(evaluate(signal({ symbol: 'ETHUSDT', entry: 3000, stop: 2900, take_profit: 3200 })))).toBe(
      'approved',
    );
  });

  it('denies at MAX_OPEN_POSITIONS (3 open) and approves at 2 open', () => {
    const { evaluate } = setup();
    const two = [exposure('ETHUSDT'), exposure('SOLUSDT')];
    expect(reason(evaluate(signal(), { exposures: two }))).toBe('approved');
    const three = [...two, exposure('XRPUSDT')];
    const denied = evaluate(signal(), { exposures: three });
    expect(denied).toMatchObject({
      reason: 'max_open_positions',
      detail: 'open positions 3 >= MAX_OPEN_POSITIONS 3',
    });
  });

  it('denies a second position on the same symbol, not a position on another symbol', () => {
    const { evaluate } = setup();
    expect(reason(evaluate(signal(), { exposures: [exposure('BTCUSDT')] }))).toBe('position_exists');
    expect(reason(evaluate(signal(), { exposures: [exposure('ETHUSDT')] }))).toBe('approved');
  });

  it('approves confidence exactly at the minimum 0.6 and denies 0.5999', () => {
    const { evaluate } = setup();
    expect(reason(evaluate(signal({ confidence: 0.6, tier: 'student' })))).toBe('approved');
    const denied = evaluate(signal({ confidence: 0.5999, tier: 'student' }));
    expect(denied).toMatchObject({ reason: 'min_confidence', detail: 'confidence 0.5999 < minimum 0.6' });
  });

  it('denies during the stop-out cooldown (1 ms before its end) and approves when it has fully elapsed', () => {
    const { gate, clock, evaluate } = setup({ now: 1_000_000 });
    gate.recordStopOut('BTCUSDT', 1_000_000);
    clock.advanceTo(1_000_000 + RISK.stopOutCooldownMs - 1);
    const denied = evaluate(signal());
    expect(denied).toMatchObject({ reason: 'cooldown' });
    expect(reason(evaluate(signal({ symbol: 'ETHUSDT', entry: 3000, stop: 2900, take_profit: 3200 })))).toBe(
      'approved',
    );
    clock.advanceTo(1_000_000 + RISK.stopOutCooldownMs);
    expect(reason(evaluate(signal()))).toBe('approved');
  });

  it('caps leverage by tier: 0.75 is teacher (10x), 0.7499 is student (3x), and a 0.7499 signal claiming teacher is denied', () => {
    const { evaluate } = setup();
    const teacher = evaluate(signal({ confidence: 0.75, tier: 'teacher' }));
    expect(teacher.kind === 'approved' ? teacher.leverage : 0).toBe(10);
    const student = evaluate(signal({ confidence: 0.7499, tier: 'student' }));
    expect(student.kind === 'approved' ? student.leverage : 0).toBe(3);
    const claimed = evaluate(signal({ confidence: 0.7499, tier: 'teacher' }));
    expect(claimed).toMatchObject({ reason: 'leverage_tier' });
    expect(claimed.kind === 'denied' ? claimed.detail : '').toContain('0.7499');
  });

  it('sizes risk per trade by rounding down to the step: 100 / 700 = 0.142857... -> 0.142 BTC', () => {
    const { evaluate } = setup({ config: { maxNotionalPerSymbol: '8000' } });
    const decision = evaluate(signal({ stop: 49300 }));
    expect(decision.kind === 'approved' ? decision.quantity : '').toBe('0.142');
  });

  it('denies risk per trade when the stop is at the entry, and not when it is one tick below', () => {
    const { evaluate } = setup({
      config: { maxNotionalPerSymbol: '1000000000', maxNotionalTotal: '1000000000' },
    });
    const atEntry = evaluate(signal({ stop: 50000 }));
    expect(atEntry).toMatchObject({
      reason: 'risk_per_trade',
      detail: 'BUY stop 50000 must be below entry 50000',
    });
    // one tick (0.1) below: 100 / 0.1 = 1000 BTC -> passes the risk rule, stopped by the margin check
    expect(reason(evaluate(signal({ stop: 49999.9 })))).toBe('insufficient_balance');
    expect(reason(evaluate(signal({ side: 'SELL', stop: 49000, take_profit: 48000 })))).toBe(
      'risk_per_trade',
    );
    expect(reason(evaluate(signal({ take_profit: 50000 })))).toBe('risk_per_trade');
  });

  it('approves a notional exactly at the per-symbol maximum (5000) and denies 5000.01', () => {
    const { evaluate } = setup({ config: { maxNotionalPerSymbol: '5000' } });
    expect(reason(evaluate(signal()))).toBe('approved');
    // entry 50000.1, stop 49000.1: still 0.1 BTC, notional 5000.01
    const denied = evaluate(signal({ entry: 50000.1, stop: 49000.1 }));
    expect(denied).toMatchObject({
      reason: 'max_notional_symbol',
      detail: 'notional 5000.01 (qty 0.1 x 50000.1) > max per symbol 5000',
    });
  });

  it('approves total notional exactly at the maximum (6000 open + 5000 = 11000) and denies it with a 10999.99 limit', () => {
    const open = [exposure('ETHUSDT', '3000'), exposure('SOLUSDT', '3000')];
    expect(
      reason(setup({ config: { maxNotionalTotal: '11000' } }).evaluate(signal(), { exposures: open })),
    ).toBe('approved');
    const denied = setup({ config: { maxNotionalTotal: '10999.99' } }).evaluate(signal(), {
      exposures: open,
    });
    expect(denied).toMatchObject({
      reason: 'max_notional_total',
      detail: 'open notional 6000 + 5000 > max total 10999.99',
    });
  });

  it('halts trading when the day loss reaches 5 % of the day-start equity (500 of 10000), not at 499.99', () => {
    const { gate, states, evaluate } = setup();
    gate.recordPnl(d('-499.99'), d('9500.01'));
    expect(gate.state).toBe('active');
    expect(reason(evaluate(signal(), { equity: d('9500.01') }))).toBe('approved');
    gate.recordPnl(d('-0.01'), d('9500'));
    expect(gate.state).toBe('halted');
    expect(states).toHaveLength(1);
    expect(states[0]).toMatchObject({ state: 'halted' });
    expect(states[0]?.reason).toContain('daily loss 500 >= limit 500');
    expect(reason(evaluate(signal()))).toBe('trading_halted');
    // an operator re-activates the same day: the gate denies with daily_loss_limit and halts again
    gate.setState('active', 'operator');
    expect(reason(evaluate(signal(), { equity: d('9500') }))).toBe('daily_loss_limit');
    expect(gate.state).toBe('halted');
    expect(states.map((s) => s.state)).toEqual(['halted', 'active', 'halted']);
  });

  it('counts the day by UTC engine time: a loss yesterday does not count today', () => {
    const day = 86_400_000;
    const { gate, clock, evaluate } = setup({ now: 100 * day + 1000 });
    gate.recordPnl(d('-400'), d('9600'));
    clock.advanceTo(101 * day);
    gate.recordPnl(d('-400'), d('9200'));
    expect(gate.state).toBe('active');
    expect(gate.dailyPnl.toString()).toBe('-400');
    expect(reason(evaluate(signal(), { equity: d('9200') }))).toBe('approved');
  });

  it('approves when the free balance equals the margin (5000 / 10 = 500) and denies 499.99999999', () => {
    const { evaluate } = setup();
    expect(reason(evaluate(signal(), { freeBalance: d('500') }))).toBe('approved');
    const denied = evaluate(signal(), { freeBalance: d('499.99999999') });
    expect(denied).toMatchObject({
      reason: 'insufficient_balance',
      detail: 'margin 500 (notional 5000 / leverage 10) > free balance 499.99999999',
    });
  });

  it('approves a notional exactly at MIN_NOTIONAL 100 (0.002 BTC x 50000) and denies 0.001 BTC (notional 50)', () => {
    // riskPerTrade 0.0002 x 10000 = 2 over 1000 -> 0.002; 0.00019 -> 0.0019, rounded down to 0.001
    expect(reason(setup({ config: { riskPerTrade: 0.0002 } }).evaluate(signal()))).toBe('approved');
    const denied = setup({ config: { riskPerTrade: 0.00019 } }).evaluate(signal());
    expect(denied).toMatchObject({ reason: 'filter_violation' });
    expect(denied.kind === 'denied' ? denied.detail : '').toContain('MIN_NOTIONAL -4164');
  });

  it('denies a size below the minimum quantity (0.0009 BTC rounds down to 0) as a filter violation', () => {
    const denied = setup({ config: { riskPerTrade: 0.00009 } }).evaluate(signal());
    expect(denied).toMatchObject({ reason: 'filter_violation' });
    expect(denied.kind === 'denied' ? denied.detail : '').toContain('LOT_SIZE -4003');
  });

  it('rounds the stop and take-profit prices to the 0.10 tick in exact decimals', () => {
    const decision = setup().evaluate(signal({ stop: 49000.04, take_profit: 52000.06 }));
    expect(decision.kind).toBe('approved');
    if (decision.kind !== 'approved') return;
    expect(decision.stopLoss.stopPrice).toBe('49000');
    expect(decision.takeProfit.stopPrice).toBe('52000.1');
    expect(decision.notional.eq(Decimal.parse('5000'))).toBe(true);
  });

  it('denies a symbol without an instrument as a filter violation', () => {
    expect(reason(setup().evaluate(signal({ symbol: 'DOGEUSDT' })))).toBe('filter_violation');
  });

  it('denies a SELL entry on a spot instrument (spot cannot short) and lets a BUY through', () => {
    const spot: Instrument = { ...BTCUSDT, market: 'spot' };
    const view = { instrument: (s: string) => (s === 'BTCUSDT' ? spot : undefined) };
    const { evaluate } = setup();
    const short = signal({ side: 'SELL', stop: 51000, take_profit: 48000 });
    expect(reason(evaluate(short, view))).toBe('spot_no_short');
    // the same signal on the futures instrument is not refused for its side
    expect(reason(evaluate(short))).not.toBe('spot_no_short');
    expect(evaluate(signal({ tier: 'student', confidence: 0.6 }), view).kind).toBe('approved');
  });
});
