import { InvariantError } from '../core/errors.js';
import { Bar, barOpenTime, type BarLike } from './bar.js';
import type { Trade } from '../domain/market.js';
import type { TradeBatch } from './conflation.js';

export type BarSink = (bar: Bar) => void;

/**
 * Time bars from trades (or conflated trade batches), the way Binance builds its klines: a bar covers
 * [openTime, openTime + interval) aligned to the epoch; open/close are the first/last trade prices, high/low
 * the extremes, volume the base quantity, quote volume sum(price * qty), taker buy volume the trades whose
 * buyer was the taker. A bar in which nothing traded is still emitted, flat at the previous close with zero
 * volume (Binance's zero-volume kline).
 *
 * The forming bar is reported on every update (`onForming`); a bar is closed (`onClosed`) when a trade of a
 * later bar arrives or when `advanceTo` passes its end. The same `Bar` object is reused: sinks copy it.
 */
export class TradeCandleBuilder {
  readonly intervalMs: number;
  private readonly bar = new Bar();
  private has = false;
  /** End (exclusive) of the forming bar. */
  private barEnd = -Infinity;
  private readonly onForming: BarSink;
  private readonly onClosed: BarSink;

  /** Consecutive zero-volume bars emitted so far, and whether emission is suspended (the silence is too long). */
  private quiet = 0;
  private suspended = false;
  private readonly maxQuietBars: number;

  /**
   * `maxQuietBars` (default unlimited, Binance's behaviour): after that many consecutive bars without trades the
   * builder stops inventing flat bars, so a longer silence (a feed outage, an exchange halt) reaches the series
   * as a gap, which is repaired from the venue's klines (they hold the real zero-volume bars if the market was
   * only quiet) or handled by the gap policy.
   */
  constructor(intervalMs: number, onForming: BarSink, onClosed: BarSink, maxQuietBars = Infinity) {
    if (!Number.isInteger(intervalMs) || intervalMs <= 0) {
      throw new InvariantError(`candle interval must be an integer > 0 ms, got ${intervalMs}`, { intervalMs });
    }
    this.intervalMs = intervalMs;
    this.onForming = onForming;
    this.onClosed = onClosed;
    this.maxQuietBars = maxQuietBars;
  }

  /** Open time of the forming bar, or -Infinity before the first trade. */
  get formingOpenTime(): number {
    return this.has ? this.bar.openTime : -Infinity;
  }

  /**
   * Add one trade (the pass-through path: no batch is filled). Returns false (and changes nothing) when the
   * trade belongs to a bar that is already closed.
   */
  addTrade(t: Trade): boolean {
    const bar = this.bar;
    const time = t.time;
    if (time >= this.barEnd || !this.has) {
      const ot = barOpenTime(time, this.intervalMs);
      if (!this.has) {
        bar.resetFlat(ot, t.price);
        this.has = true;
        this.barEnd = ot + this.intervalMs;
      } else this.closeUntil(ot);
    } else if (time < bar.openTime) return false;
    const price = t.price;
    const qty = t.qty;
    const q = price * qty;
    if (bar.trades === 0) {
      bar.open = price;
      bar.high = price;
      bar.low = price;
    } else if (price > bar.high) bar.high = price;
    else if (price < bar.low) bar.low = price;
    bar.close = price;
    bar.volume += qty;
    bar.quoteVolume += q;
    bar.trades++;
    if (!t.buyerIsMaker) {
      bar.takerBuyVolume += qty;
      bar.takerBuyQuoteVolume += q;
    }
    this.suspended = false;
    this.onForming(bar);
    return true;
  }

  /**
   * Add a batch whose trades all lie in one bar (the conflation window divides the interval).
   * Returns false (and changes nothing) when the batch belongs to a bar that is already closed.
   */
  addBatch(b: TradeBatch): boolean {
    const bar = this.bar;
    const ot = barOpenTime(b.startTime, this.intervalMs);
    if (!this.has) {
      bar.resetFlat(ot, b.open);
      this.has = true;
      this.barEnd = ot + this.intervalMs;
    } else if (ot !== bar.openTime) {
      if (ot < bar.openTime) return false;
      this.closeUntil(ot);
    }
    if (bar.trades === 0) {
      bar.open = b.open;
      bar.high = b.high;
      bar.low = b.low;
    } else {
      if (b.high > bar.high) bar.high = b.high;
      if (b.low < bar.low) bar.low = b.low;
    }
    bar.close = b.close;
    bar.volume += b.volume;
    bar.quoteVolume += b.quoteVolume;
    bar.trades += b.count;
    bar.takerBuyVolume += b.buyVolume;
    bar.takerBuyQuoteVolume += b.buyQuoteVolume;
    this.suspended = false;
    this.onForming(bar);
    return true;
  }

  /** Event time reached `time`: close every bar that ended at or before it (flat bars for quiet intervals). */
  advanceTo(time: number): void {
    if (!this.has || time < this.bar.openTime + this.intervalMs) return;
    this.closeUntil(barOpenTime(time, this.intervalMs));
    if (!this.suspended) this.onForming(this.bar);
  }

  /** Close the forming bar and every empty bar before `openTime`; the forming bar becomes a flat bar at `openTime`. */
  private closeUntil(openTime: number): void {
    const bar = this.bar;
    const step = this.intervalMs;
    const max = this.maxQuietBars;
    if (!this.suspended) {
      bar.closed = true;
      this.onClosed(bar);
      this.quiet = bar.trades === 0 ? this.quiet + 1 : 0;
    }
    const prevClose = bar.close;
    for (let t = bar.openTime + step; t < openTime && this.quiet < max; t += step) {
      bar.resetFlat(t, prevClose);
      bar.closed = true;
      this.onClosed(bar);
      this.quiet++;
    }
    this.suspended = this.quiet >= max;
    bar.resetFlat(openTime, prevClose);
    this.barEnd = openTime + step;
  }

}

/**
 * A higher-interval bar built from closed lower-interval bars (e.g. 1m -> 5m): first open, highest high,
 * lowest low, last close, summed volumes and counts. The bar closes as soon as the last lower bar of its
 * period arrives, or when a lower bar of a later period arrives (the period had missing lower bars), or when
 * `advanceTo` passes its end. A period with no lower bar at all emits nothing (as the exchange does over an
 * outage). Lower bars without trades (zero volume) give no price when the period has trades, as in Binance's
 * own higher-interval klines. A bar with any synthetic part is synthetic.
 */
export class CandleAggregator {
  readonly fromMs: number;
  readonly toMs: number;
  private readonly bar = new Bar();
  private has = false;
  /** Whether any lower bar with trades went into the forming bar. */
  private traded = false;
  private readonly onForming: BarSink;
  private readonly onClosed: BarSink;

  constructor(fromMs: number, toMs: number, onForming: BarSink, onClosed: BarSink) {
    if (!(fromMs > 0) || !(toMs > fromMs) || toMs % fromMs !== 0) {
      throw new InvariantError(`cannot build ${toMs} ms bars from ${fromMs} ms bars (needs a whole multiple)`, {
        fromMs,
        toMs,
      });
    }
    this.fromMs = fromMs;
    this.toMs = toMs;
    this.onForming = onForming;
    this.onClosed = onClosed;
  }

  /** Add one closed lower bar; lower bars must come in increasing open time. */
  addClosed(c: BarLike): void {
    const bar = this.bar;
    const ot = barOpenTime(c.openTime, this.toMs);
    if (this.has && ot !== bar.openTime) {
      if (ot < bar.openTime) {
        throw new InvariantError('lower bar older than the forming higher bar', {
          openTime: c.openTime,
          forming: bar.openTime,
        });
      }
      this.close();
    }
    const traded = c.volume > 0 || c.trades > 0;
    if (!this.has) {
      bar.copyFrom(c);
      bar.openTime = ot;
      bar.closed = false;
      this.has = true;
      this.traded = traded;
    } else {
      if (traded && !this.traded) {
        // Binance builds every interval from trades: a zero-volume lower bar (flat at the previous close) sets
        // no price of the higher bar when the period trades later (XRPETH 5m 2019-10-11 00:50 shows it).
        bar.open = c.open;
        bar.high = c.high;
        bar.low = c.low;
        this.traded = true;
      } else if (traded) {
        if (c.high > bar.high) bar.high = c.high;
        if (c.low < bar.low) bar.low = c.low;
      }
      bar.close = c.close;
      bar.volume += c.volume;
      bar.quoteVolume += c.quoteVolume;
      bar.trades += c.trades;
      bar.takerBuyVolume += c.takerBuyVolume;
      bar.takerBuyQuoteVolume += c.takerBuyQuoteVolume;
      if (c.synthetic) bar.synthetic = true;
    }
    if (c.openTime + this.fromMs === ot + this.toMs) this.close();
    else this.onForming(bar);
  }

  advanceTo(time: number): void {
    if (this.has && time >= this.bar.openTime + this.toMs) this.close();
  }

  private close(): void {
    this.bar.closed = true;
    this.has = false;
    this.onClosed(this.bar);
  }
}
