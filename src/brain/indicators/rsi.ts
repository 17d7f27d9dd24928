import { checkPeriod, isZeroTa } from './common.js';

/**
 * Wilder's RSI, TA-Lib `RSI(close, period)` bit for bit (default compatibility, unstable period 0).
 *
 * - Warm-up: `period` closes; the first value comes with close number `period + 1` (0-based row
 *   `period`): average gain/loss = plain mean of the first `period` changes.
 * - Then `avg = (avg * (period - 1) + change) / period` and `rsi = 100 * (gain / (gain + loss))`, in
 *   TA-Lib's arithmetic order.
 * - Flat window (gain + loss is zero in TA-Lib's sense, |sum| < 1e-14): TA-Lib outputs 0 and so does
 *   this class; `flat` is then true so a caller can treat it as neutral (the batch {@link rsi} helper
 *   returns 50 there).
 * - `value` is NaN and `ready` false during warm-up.
 * - `period` >= 2 (TA-Lib's RSI passes the input through for period 1; that is not offered).
 * - `update`/`add` commit a closed bar; `replace` previews the forming bar. O(1), no allocation.
 */
export class RSI {
  readonly period: number;
  value = Number.NaN;
  ready = false;
  /** True when the latest value came from a flat window (average gain + average loss == 0). */
  flat = false;
  private readonly pm1: number;
  private n = 0;
  private prev = Number.NaN;
  private gain = 0;
  private loss = 0;

  constructor(period = 14) {
    checkPeriod('RSI period', period, 2);
    this.period = period;
    this.pm1 = period - 1;
  }

  update(close: number): number {
    const d = close - this.prev;
    this.prev = close;
    const n = this.n;
    if (n > this.period) {
      this.n = n + 1;
      // hot path: Wilder smoothing in TA-Lib's order (multiply, add, divide)
      let g = this.gain * this.pm1;
      let l = this.loss * this.pm1;
      if (d < 0) l -= d;
      else g += d;
      g /= this.period;
      l /= this.period;
      this.gain = g;
      this.loss = l;
      const s = g + l;
      let v = 0;
      if (isZeroTa(s)) this.flat = true;
      else {
        v = 100 * (g / s);
        this.flat = false;
      }
      this.value = v;
      return v;
    }
    return this.warmUp(n, d);
  }

  /** Bars 0..period: sum the first `period` changes, then average them (the first output). */
  private warmUp(n: number, d: number): number {
    this.n = n + 1;
    if (n === 0) return Number.NaN;
    let g = this.gain;
    let l = this.loss;
    if (d < 0) l -= d;
    else g += d;
    if (n < this.period) {
      this.gain = g;
      this.loss = l;
      this.value = Number.NaN;
      this.ready = false;
      return Number.NaN;
    }
    g /= this.period;
    l /= this.period;
    this.gain = g;
    this.loss = l;
    this.ready = true;
    const s = g + l;
    const flat = isZeroTa(s);
    const v = flat ? 0 : 100 * (g / s);
    this.flat = flat;
    this.value = v;
    return v;
  }

  add(close: number): number {
    return this.update(close);
  }

  /** Preview the forming bar: sets `value`/`ready`/`flat` as if `close` were added, commits nothing. */
  replace(close: number): number {
    const n = this.n;
    const p = this.period;
    if (n < p) {
      this.value = Number.NaN;
      this.ready = false;
      this.flat = false;
      return Number.NaN;
    }
    const d = close - this.prev;
    let g = this.gain;
    let l = this.loss;
    if (n > p) {
      g *= this.pm1;
      l *= this.pm1;
    }
    if (d < 0) l -= d;
    else g += d;
    g /= p;
    l /= p;
    const s = g + l;
    const flat = isZeroTa(s);
    const v = flat ? 0 : 100 * (g / s);
    this.value = v;
    this.ready = true;
    this.flat = flat;
    return v;
  }

  /** Average gain / average loss of the committed bars (0 during warm-up sums). */
  get averageGain(): number {
    return this.n > this.period ? this.gain : 0;
  }
  get averageLoss(): number {
    return this.n > this.period ? this.loss : 0;
  }

  get count(): number {
    return this.n;
  }
}
