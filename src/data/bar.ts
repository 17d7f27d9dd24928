import type { Candle, Interval } from '../domain/market.js';

/**
 * A mutable OHLCV bar: the working state of the candle builders. It is reused (never allocated per trade or
 * per candle); a frozen `Candle` is made from it only when something is published.
 */
export class Bar {
  openTime = 0;
  open = 0;
  high = 0;
  low = 0;
  close = 0;
  volume = 0;
  quoteVolume = 0;
  trades = 0;
  takerBuyVolume = 0;
  takerBuyQuoteVolume = 0;
  closed = false;
  synthetic = false;

  /** Start a flat bar at `price` with no trades (Binance's zero-volume bar: O = H = L = C = previous close). */
  resetFlat(openTime: number, price: number): void {
    this.openTime = openTime;
    this.open = price;
    this.high = price;
    this.low = price;
    this.close = price;
    this.volume = 0;
    this.quoteVolume = 0;
    this.trades = 0;
    this.takerBuyVolume = 0;
    this.takerBuyQuoteVolume = 0;
    this.closed = false;
    this.synthetic = false;
  }

  copyFrom(c: BarLike): void {
    this.openTime = c.openTime;
    this.open = c.open;
    this.high = c.high;
    this.low = c.low;
    this.close = c.close;
    this.volume = c.volume;
    this.quoteVolume = c.quoteVolume;
    this.trades = c.trades;
    this.takerBuyVolume = c.takerBuyVolume;
    this.takerBuyQuoteVolume = c.takerBuyQuoteVolume;
    this.closed = c.closed;
    this.synthetic = c.synthetic;
  }

  toCandle(symbol: string, interval: Interval): Candle {
    return {
      symbol,
      interval,
      openTime: this.openTime,
      open: this.open,
      high: this.high,
      low: this.low,
      close: this.close,
      volume: this.volume,
      quoteVolume: this.quoteVolume,
      trades: this.trades,
      takerBuyVolume: this.takerBuyVolume,
      takerBuyQuoteVolume: this.takerBuyQuoteVolume,
      closed: this.closed,
      synthetic: this.synthetic,
    };
  }
}

/** The numeric part of a candle (a `Candle` or a `Bar` both fit). */
export interface BarLike {
  readonly openTime: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
  readonly quoteVolume: number;
  readonly trades: number;
  readonly takerBuyVolume: number;
  readonly takerBuyQuoteVolume: number;
  readonly closed: boolean;
  readonly synthetic: boolean;
}

/** Same bar, field by field (used to drop exact duplicates). */
export function sameBar(a: BarLike, b: BarLike): boolean {
  return (
    a.openTime === b.openTime &&
    a.open === b.open &&
    a.high === b.high &&
    a.low === b.low &&
    a.close === b.close &&
    a.volume === b.volume &&
    a.quoteVolume === b.quoteVolume &&
    a.trades === b.trades &&
    a.takerBuyVolume === b.takerBuyVolume &&
    a.takerBuyQuoteVolume === b.takerBuyQuoteVolume
  );
}

/** Open time of the bar of length `intervalMs` that contains `time` (bars are aligned to the epoch, like Binance's). */
export function barOpenTime(time: number, intervalMs: number): number {
  return time - (((time % intervalMs) + intervalMs) % intervalMs);
}
