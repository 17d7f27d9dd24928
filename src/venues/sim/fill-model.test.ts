import { describe, expect, it } from 'vitest';
import type { Quote } from '../../domain/market.js';
import { candlePath, firstReachDown, firstReachUp, NOT_REACHED, quoteFillPrice } from './fill-model.js';

describe('candle path', () => {
  it('visits open, low, high, close for an up candle and open, high, low, close for a down candle', () => {
    expect(candlePath({ open: 100, high: 110, low: 90, close: 108 })).toEqual([100, 90, 110, 108]);
    expect(candlePath({ open: 100, high: 110, low: 90, close: 92 })).toEqual([100, 110, 90, 92]);
    // a flat candle (close == open) is treated as an up candle
    expect(candlePath({ open: 100, high: 101, low: 99, close: 100 })).toEqual([100, 99, 101, 100]);
  });

  it('locates the first segment where a level is reached, -1 for a gap at the open', () => {
    const up = candlePath({ open: 100, high: 110, low: 90, close: 108 }); // 100 -> 90 -> 110 -> 108
    expect(firstReachDown(up, 95, true)).toBe(0); // on the way down to the low
    expect(firstReachUp(up, 105, false)).toBe(1); // on the way up from the low to the high
    expect(firstReachUp(up, 111, false)).toBe(NOT_REACHED);
    expect(firstReachDown(up, 101, false)).toBe(-1); // the open is already below 101
    // strict: touching the low exactly is not trading through it
    expect(firstReachDown(up, 90, true)).toBe(NOT_REACHED);
    expect(firstReachDown(up, 90, false)).toBe(0);
  });
});

describe('quote fill price', () => {
  const q: Quote = { symbol: 'X', time: 0, bidPrice: 99.9, bidQty: 4, askPrice: 100, askQty: 2, updateId: 1 };

  it('fills an order no larger than the top of book at the best price', () => {
    expect(quoteFillPrice('BUY', 2, q, 0.0001)).toBe(100);
    expect(quoteFillPrice('SELL', 4, q, 0.0001)).toBe(99.9);
  });

  it('moves the price by slippagePerBook for each top-of-book size beyond the first', () => {
    // buy 5 with 2 at the ask: excess 3 = 1.5 books -> 100 * (1 + 0.0001 * 1.5) = 100.015
    expect(quoteFillPrice('BUY', 5, q, 0.0001)).toBeCloseTo(100.015, 9);
    // sell 12 with 4 at the bid: excess 8 = 2 books -> 99.9 * (1 - 0.0002) = 99.88002
    expect(quoteFillPrice('SELL', 12, q, 0.0001)).toBeCloseTo(99.88002, 9);
  });
});
