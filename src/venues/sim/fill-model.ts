/**
 * The pure parts of the fill models (docs/fill-model.md): the intra-candle price path, where on that
 * path a price level is first reached, and the quote model's size-based slippage.
 */
import type { Candle, Quote } from '../../domain/market.js';
import type { Side } from '../../domain/signal.js';

/** Four points a candle is assumed to visit, in order. */
export type CandlePath = readonly [number, number, number, number];

/**
 * Up (or flat) candle: open -> low -> high -> close. Down candle: open -> high -> low -> close.
 * (The bar first moves against its final direction, then makes its extreme in that direction.)
 */
export function candlePath(c: Pick<Candle, 'open' | 'high' | 'low' | 'close'>): CandlePath {
  return c.close >= c.open ? [c.open, c.low, c.high, c.close] : [c.open, c.high, c.low, c.close];
}

/** Not reached on this path. */
export const NOT_REACHED = 99;

/**
 * Where on `path` the price first gets to `level` or below (strict: below only).
 * -1 = already at the open (a gap), 0..2 = during the segment from point i to point i + 1,
 * NOT_REACHED = never.
 */
export function firstReachDown(path: CandlePath, level: number, strict: boolean): number {
  if (strict ? path[0] < level : path[0] <= level) return -1;
  for (let i = 0; i < 3; i++) {
    const lo = Math.min(path[i] as number, path[i + 1] as number);
    if (strict ? lo < level : lo <= level) return i;
  }
  return NOT_REACHED;
}

/** Where on `path` the price first gets to `level` or above (strict: above only). */
export function firstReachUp(path: CandlePath, level: number, strict: boolean): number {
  if (strict ? path[0] > level : path[0] >= level) return -1;
  for (let i = 0; i < 3; i++) {
    const hi = Math.max(path[i] as number, path[i + 1] as number);
    if (strict ? hi > level : hi >= level) return i;
  }
  return NOT_REACHED;
}

/**
 * Quote model price for a market order of `qty`: the best ask (buy) or bid (sell), moved against the
 * taker by `slippagePerBook` for each multiple of the top-of-book size that the order exceeds it by.
 * An order no larger than the top-of-book size fills exactly at the best price.
 * Example: ask 100, askQty 2, qty 5, slippagePerBook 0.0001 -> excess 3 = 1.5 books -> 100 * 1.00015.
 */
export function quoteFillPrice(side: Side, qty: number, quote: Quote, slippagePerBook: number): number {
  const best = side === 'BUY' ? quote.askPrice : quote.bidPrice;
  const size = side === 'BUY' ? quote.askQty : quote.bidQty;
  const excess = qty - size;
  if (!(excess > 0) || !(size > 0)) return best;
  const frac = (slippagePerBook * excess) / size;
  return side === 'BUY' ? best * (1 + frac) : best * (1 - frac);
}
