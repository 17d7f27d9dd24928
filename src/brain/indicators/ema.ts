import { checkPeriod } from './common.js';

/**
 * Exponential moving average, TA-Lib `EMA(close, period)` bit for bit.
 *
 * - Warm-up: `period - 1` closes; the first value comes with close number `period` (0-based row
 *   `period - 1`) and is the SMA of the first `period` closes (TA-Lib's default seed).
 * - Then `ema = (close - ema) * k + ema` with `k = 2 / (period + 1)` (TA-Lib's order).
 * - `value` is NaN and `ready` false during warm-up.
 * - `update`/`add` commit a closed bar; `replace` previews the forming bar without committing it (the
 *   next `add` commits a new bar from the committed state). O(1), no allocation.
 */
export class EMA {
  readonly period: number;
  /** Smoothing factor 2 / (period + 1). */
  readonly k: number;
  /** Latest EMA (of the last add, or of the forming bar after replace); NaN while not ready. */
  value = Number.NaN;
  ready = false;
  private n = 0;
  private sum = 0;
  private ema = Number.NaN;

  constructor(period: number) {
    checkPeriod('EMA period', period);
    this.period = period;
    this.k = 2 / (period + 1);
  }

  /** Commit a closed bar's close; returns the new value (NaN during warm-up). */
  update(close: number): number {
    const n = this.n + 1;
    this.n = n;
    if (n > this.period) {
      const e = (close - this.ema) * this.k + this.ema;
      this.ema = e;
      this.value = e;
      return e;
    }
    const s = this.sum + close;
    this.sum = s;
    if (n === this.period) {
      const e = s / this.period;
      this.ema = e;
      this.value = e;
      this.ready = true;
      return e;
    }
    this.value = Number.NaN;
    this.ready = false;
    return Number.NaN;
  }

  /** Same as {@link update}. */
  add(close: number): number {
    return this.update(close);
  }

  /** The value the forming bar would give, without changing any state (NaN if it would still be warming up). */
  peek(close: number): number {
    const n = this.n + 1;
    if (n > this.period) return (close - this.ema) * this.k + this.ema;
    if (n === this.period) return (this.sum + close) / this.period;
    return Number.NaN;
  }

  /** Preview the forming bar: sets `value`/`ready` as if `close` were added, commits nothing. */
  replace(close: number): number {
    const v = this.peek(close);
    this.value = v;
    this.ready = this.n + 1 >= this.period;
    return v;
  }

  /** Committed closes so far. */
  get count(): number {
    return this.n;
  }
}
