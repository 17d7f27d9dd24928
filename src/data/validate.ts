import type { Candle, MarkPrice, Quote } from '../domain/market.js';

/** Finite and > 0 (false for NaN and ±Infinity). */
export function isPositive(x: number): boolean {
  return x > 0 && x < Infinity;
}

/** Finite and >= 0 (false for NaN and ±Infinity). */
export function isNonNegative(x: number): boolean {
  return x >= 0 && x < Infinity;
}

export function isTime(x: number): boolean {
  return Number.isFinite(x);
}

/** Why a kline is corrupt, or undefined when it is sound. */
export function klineProblem(c: Candle, intervalMs: number): string | undefined {
  if (!isTime(c.openTime)) return 'open time is not finite';
  if (c.openTime % intervalMs !== 0) return `open time ${c.openTime} is not aligned to the ${c.interval} interval`;
  if (!isPositive(c.open) || !isPositive(c.high) || !isPositive(c.low) || !isPositive(c.close)) {
    return 'a price is not a finite number > 0';
  }
  if (
    !isNonNegative(c.volume) ||
    !isNonNegative(c.quoteVolume) ||
    !isNonNegative(c.trades) ||
    !isNonNegative(c.takerBuyVolume) ||
    !isNonNegative(c.takerBuyQuoteVolume)
  ) {
    return 'a volume or count is not a finite number >= 0';
  }
  if (c.high < c.low || c.high < c.open || c.high < c.close || c.low > c.open || c.low > c.close) {
    return 'high/low do not bound open/close';
  }
  return undefined;
}

export function quoteProblem(q: Quote): string | undefined {
  if (!isTime(q.time)) return 'time is not finite';
  if (!isPositive(q.bidPrice) || !isPositive(q.askPrice)) return 'a price is not a finite number > 0';
  if (!isNonNegative(q.bidQty) || !isNonNegative(q.askQty)) return 'a quantity is not a finite number >= 0';
  return undefined;
}

export function markPriceProblem(m: MarkPrice): string | undefined {
  if (!isTime(m.time)) return 'time is not finite';
  if (!isPositive(m.markPrice)) return 'mark price is not a finite number > 0';
  if (!Number.isFinite(m.indexPrice) || !Number.isFinite(m.fundingRate)) return 'a value is not finite';
  return undefined;
}
