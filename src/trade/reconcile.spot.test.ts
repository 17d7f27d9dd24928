/**
 * `spotPositions` (src/trade/reconcile.ts): the spot positions reconciliation adopts, derived from our
 * fills, the base balance and our open stop-loss sells. Instrument: Binance spot BTCUSDT exchangeInfo
 * filters (step 0.00001, min 0.00001, min notional 5), as SPOT_BTCUSDT in
 * src/trade/test-support/fixtures.ts.
 * Commission: Binance spot takes the buy's 0.1 % in the base asset received.
 */
import { describe, expect, it } from 'vitest';
import { Decimal } from '../domain/decimal.js';
import type { Fill, OrderEvent } from '../domain/order.js';
import type { VenueBalance } from '../domain/ports.js';
import { signalKey } from './orders/client-id.js';
import { type SpotPositionsInput, spotPositionCost, spotPositions } from './reconcile.js';
import { BTCUSDT, signal, SPOT_BTCUSDT as SPOT } from './test-support/fixtures.js';

const KEY = signalKey('sig1');

function fill(over: Partial<Fill>): Fill {
  return {
    clientOrderId: `T1-${KEY}-e`,
    tradeId: '1',
    symbol: 'BTCUSDT',
    side: 'BUY',
    price: '50000',
    quantity: '0.1',
    commission: '0.0001',
    commissionAsset: 'BTC',
    maker: false,
    time: 1,
    ...over,
  };
}

const stop = (quantity = '0.0999', id = `T1-${KEY}-s`): OrderEvent => ({
  clientOrderId: id,
  symbol: 'BTCUSDT',
  side: 'SELL',
  type: 'STOP_MARKET',
  status: 'new',
  quantity,
  filledQuantity: '0',
  time: 2,
});

const btc = (free: string, locked: string): VenueBalance[] => [
  { asset: 'USDT', free: '5000', locked: '0' },
  { asset: 'BTC', free, locked },
];

function run(over: Partial<SpotPositionsInput>) {
  return spotPositions({
    instruments: [SPOT, { ...BTCUSDT, symbol: 'ETHUSDT', baseAsset: 'ETH' }],
    balances: btc('0', '0.0999'),
    openOrders: [stop()],
    fills: [fill({})],
    signals: [signal()],
    prefix: 'T1',
    ...over,
  });
}

describe('spotPositions', () => {
  it('adopts the base our entry bought (0.1 minus the 0.0001 BTC commission) at the fill price', () => {
    expect(run({})).toEqual({
      positions: [{ symbol: 'BTCUSDT', quantity: '0.0999', entryPrice: '50000', leverage: 1 }],
      unresolved: [],
    });
    expect(spotPositionCost(run({}).positions).toString()).toBe('4995');
  });

  it('never adopts other holdings of the base asset: min(last known, held)', () => {
    expect(run({ balances: btc('1.5', '0.0999') }).positions[0]?.quantity).toBe('0.0999');
    // less held than our fills say (sold by hand while down): what is held
    expect(run({ balances: btc('0.05', '0') }).positions[0]?.quantity).toBe('0.05');
  });

  it('is flat once our stop-loss fill is known, and the dust left is no position', () => {
    const sold = fill({
      clientOrderId: `T1-${KEY}-s`,
      side: 'SELL',
      quantity: '0.0999',
      commissionAsset: 'USDT',
      commission: '4.9',
    });
    expect(run({ fills: [fill({}), sold], openOrders: [], balances: btc('0', '0') }).positions).toEqual([]);
    // fills not yet known (no stop fill) but the venue holds only dust: below one lot, nothing adopted
    expect(run({ openOrders: [], balances: btc('0.000004', '0') }).positions).toEqual([]);
  });

  it('ignores foreign fills and weighs our entries by the base received', () => {
    const second = fill({ clientOrderId: `T1-${KEY}-e1`, tradeId: '2', price: '51000' });
    const foreign = fill({ clientOrderId: 'web_123', tradeId: '3', price: '1', quantity: '5' });
    const p = run({ fills: [fill({}), foreign, second], balances: btc('0', '0.1998') }).positions[0];
    expect(p?.quantity).toBe('0.1998');
    expect(Decimal.parse(p?.entryPrice ?? '0').toString()).toBe('50500');
  });

  it('takes the engine book when it still holds the position (a reconnect)', () => {
    const p = run({
      fills: [],
      known: () => ({ quantity: Decimal.parse('0.0999'), avgEntry: Decimal.parse('49990') }),
    }).positions[0];
    expect(p).toEqual({ symbol: 'BTCUSDT', quantity: '0.0999', entryPrice: '49990', leverage: 1 });
  });

  it('without fills (journal lost) adopts from our open stop at its signal entry, else reports it unresolved', () => {
    expect(run({ fills: [] }).positions).toEqual([
      { symbol: 'BTCUSDT', quantity: '0.0999', entryPrice: '50000', leverage: 1 },
    ]);
    const lost = run({ fills: [], signals: [] });
    expect(lost.positions).toEqual([]);
    expect(lost.unresolved.map((u) => u.symbol)).toEqual(['BTCUSDT']);
    // a stop of another run prefix is not ours
    expect(run({ fills: [], openOrders: [stop('0.0999', 'X9-abc-s')] })).toEqual({
      positions: [],
      unresolved: [],
    });
  });

  it('adopts nothing from an open stop when our fills of its trade say flat, though the account holds other base', () => {
    // our entry bought 0.1 (0.0999 received), our take-profit sell sold the 0.0999, the stop is still
    // open (an orphan) and the account holds 2 BTC of its own: none of it is ours
    const tp = fill({
      clientOrderId: `T1-${KEY}-t`,
      side: 'SELL',
      quantity: '0.0999',
      commissionAsset: 'USDT',
      commission: '5.1',
    });
    expect(run({ fills: [fill({}), tp], balances: btc('2', '0') })).toEqual({
      positions: [],
      unresolved: [],
    });
  });

  it("sizes a position known only from its stop by the stop's unfilled quantity", () => {
    const partly = { ...stop('0.0999'), status: 'partially_filled' as const, filledQuantity: '0.0499' };
    expect(run({ fills: [], openOrders: [partly], balances: btc('0.5', '0.05') }).positions).toEqual([
      { symbol: 'BTCUSDT', quantity: '0.05', entryPrice: '50000', leverage: 1 },
    ]);
  });

  it('looks at spot instruments only', () => {
    expect(run({ instruments: [BTCUSDT] })).toEqual({ positions: [], unresolved: [] });
  });
});
