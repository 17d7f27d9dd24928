import { InvariantError } from '../core/errors.js';
import type { Interval } from '../domain/market.js';
import type { Candle } from '../domain/market.js';
import type { BarLike } from './bar.js';

const OPEN_TIME = 0;
const OPEN = 1;
const HIGH = 2;
const LOW = 3;
const CLOSE = 4;
const VOLUME = 5;
const QUOTE_VOLUME = 6;
const TRADES = 7;
const TAKER_BUY_VOLUME = 8;
const TAKER_BUY_QUOTE_VOLUME = 9;
const FLAGS = 10;
/** Fields per candle in the interleaved Float64Array. */
export const CANDLE_STRIDE = 11;

const FLAG_CLOSED = 1;
const FLAG_SYNTHETIC = 2;

/** Read-only view of a candle series: index 0 is the newest candle (the forming one when `isClosed(0)` is false). */
export interface CandleSeriesView {
  readonly capacity: number;
  readonly length: number;
  openTime(i: number): number;
  open(i: number): number;
  high(i: number): number;
  low(i: number): number;
  close(i: number): number;
  volume(i: number): number;
  quoteVolume(i: number): number;
  trades(i: number): number;
  takerBuyVolume(i: number): number;
  takerBuyQuoteVolume(i: number): number;
  isClosed(i: number): boolean;
  isSynthetic(i: number): boolean;
  /** Allocates a Candle (for tests, snapshots and publishing; not for hot loops). */
  candle(i: number, symbol: string, interval: Interval): Candle;
}

/**
 * Fixed-capacity ring of candles in one interleaved Float64Array (11 numbers per candle). append and
 * replaceLast are O(1) and never allocate; when full, append overwrites the oldest candle.
 */
export class CandleRing implements CandleSeriesView {
  readonly capacity: number;
  private readonly data: Float64Array;
  /** Slot of the newest candle. */
  private head = -1;
  private count = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new InvariantError(`CandleRing capacity must be an integer >= 1, got ${capacity}`, { capacity });
    }
    this.capacity = capacity;
    this.data = new Float64Array(capacity * CANDLE_STRIDE);
  }

  get length(): number {
    return this.count;
  }

  /** Append a candle as the newest; overwrites the oldest when full. */
  append(c: BarLike): void {
    this.head = this.head + 1 === this.capacity ? 0 : this.head + 1;
    if (this.count < this.capacity) this.count++;
    this.write(this.head * CANDLE_STRIDE, c);
  }

  /** Overwrite the newest candle (the forming one) in place; appends when empty. */
  replaceLast(c: BarLike): void {
    if (this.count === 0) {
      this.append(c);
      return;
    }
    this.write(this.head * CANDLE_STRIDE, c);
  }

  /** Drop the newest candle (an abandoned forming candle). */
  removeLast(): void {
    if (this.count === 0) return;
    this.count--;
    this.head = this.head === 0 ? this.capacity - 1 : this.head - 1;
  }

  clear(): void {
    this.count = 0;
    this.head = -1;
  }

  openTime(i: number): number {
    return this.field(i, OPEN_TIME);
  }
  open(i: number): number {
    return this.field(i, OPEN);
  }
  high(i: number): number {
    return this.field(i, HIGH);
  }
  low(i: number): number {
    return this.field(i, LOW);
  }
  close(i: number): number {
    return this.field(i, CLOSE);
  }
  volume(i: number): number {
    return this.field(i, VOLUME);
  }
  quoteVolume(i: number): number {
    return this.field(i, QUOTE_VOLUME);
  }
  trades(i: number): number {
    return this.field(i, TRADES);
  }
  takerBuyVolume(i: number): number {
    return this.field(i, TAKER_BUY_VOLUME);
  }
  takerBuyQuoteVolume(i: number): number {
    return this.field(i, TAKER_BUY_QUOTE_VOLUME);
  }
  isClosed(i: number): boolean {
    return (this.field(i, FLAGS) & FLAG_CLOSED) !== 0;
  }
  isSynthetic(i: number): boolean {
    return (this.field(i, FLAGS) & FLAG_SYNTHETIC) !== 0;
  }

  candle(i: number, symbol: string, interval: Interval): Candle {
    const b = this.slot(i);
    const d = this.data;
    const flags = d[b + FLAGS] as number;
    return {
      symbol,
      interval,
      openTime: d[b + OPEN_TIME] as number,
      open: d[b + OPEN] as number,
      high: d[b + HIGH] as number,
      low: d[b + LOW] as number,
      close: d[b + CLOSE] as number,
      volume: d[b + VOLUME] as number,
      quoteVolume: d[b + QUOTE_VOLUME] as number,
      trades: d[b + TRADES] as number,
      takerBuyVolume: d[b + TAKER_BUY_VOLUME] as number,
      takerBuyQuoteVolume: d[b + TAKER_BUY_QUOTE_VOLUME] as number,
      closed: (flags & FLAG_CLOSED) !== 0,
      synthetic: (flags & FLAG_SYNTHETIC) !== 0,
    };
  }

  private field(i: number, f: number): number {
    return this.data[this.slot(i) + f] as number;
  }

  /** Offset of the i-th newest candle; throws on an index outside [0, length). */
  private slot(i: number): number {
    if (!(i >= 0 && i < this.count) || !Number.isInteger(i)) {
      throw new InvariantError(`CandleRing index ${i} outside [0, ${this.count})`, { index: i, length: this.count });
    }
    let s = this.head - i;
    if (s < 0) s += this.capacity;
    return s * CANDLE_STRIDE;
  }

  private write(o: number, c: BarLike): void {
    const d = this.data;
    d[o + OPEN_TIME] = c.openTime;
    d[o + OPEN] = c.open;
    d[o + HIGH] = c.high;
    d[o + LOW] = c.low;
    d[o + CLOSE] = c.close;
    d[o + VOLUME] = c.volume;
    d[o + QUOTE_VOLUME] = c.quoteVolume;
    d[o + TRADES] = c.trades;
    d[o + TAKER_BUY_VOLUME] = c.takerBuyVolume;
    d[o + TAKER_BUY_QUOTE_VOLUME] = c.takerBuyQuoteVolume;
    d[o + FLAGS] = (c.closed ? FLAG_CLOSED : 0) | (c.synthetic ? FLAG_SYNTHETIC : 0);
  }
}
