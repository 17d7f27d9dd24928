import { describe, expect, it } from 'vitest';
import type { Trade } from '../domain/market.js';
import { tradeOrder } from './trade-order.js';

const trade = (id: number, time: number, price = 100, qty = 1): Trade =>
  ({ symbol: 'BTCUSDT', id, time, price, qty, buyerIsMaker: false });

describe('tradeOrder', () => {
  const last = trade(10, 1_000);
  it('accepts the first valid trade and any later one', () => {
    expect(tradeOrder(undefined, trade(1, 0))).toBe('accept');
    expect(tradeOrder(last, trade(11, 1_000))).toBe('accept');
    expect(tradeOrder(last, trade(10, 1_000, 101))).toBe('accept'); // same id, another price: kept
  });
  it('flags invalid values before order', () => {
    expect(tradeOrder(last, trade(11, 2_000, 0))).toBe('invalid');
    expect(tradeOrder(last, trade(11, 2_000, 100, -1))).toBe('invalid');
    expect(tradeOrder(undefined, trade(1, Number.NaN))).toBe('invalid');
    expect(tradeOrder(last, trade(9, 500, Infinity))).toBe('invalid');
  });
  it('orders older time, repeat, then older id', () => {
    expect(tradeOrder(last, trade(11, 999))).toBe('older-time');
    expect(tradeOrder(last, trade(10, 1_000))).toBe('repeat');
    expect(tradeOrder(last, trade(9, 1_000))).toBe('older-id');
  });
});
