import { checkPeriod } from './common.js';

/**
 * Simple moving average with TA-Lib's running sum (TA_INT_SMA: add the new close, output sum/period,
 * subtract the oldest), so it follows `SMA(close, period)` including its ~1e-14 relative drift.
 *
 * - Warm-up: `period - 1` closes; first value at 0-based row `period - 1`.
 * - `value` is NaN and `ready` false during warm-up.
 * - `update`/`add` commit a closed bar; `replace` previews the forming bar. O(1), no allocation
 *   (one Float64Array of `period` allocated in the constructor).
 */
export class SMA {
  readonly period: number;
  value = Number.NaN;
  ready = false;
  private readonly buf: Float64Array;
  private n = 0;
  private head = 0;
  /** Sum of the last period-1 committed inputs (TA-Lib's periodTotal after the subtraction). */
  private total = 0;

  constructor(period: number) {
    checkPeriod('SMA period', period);
    this.period = period;
    this.buf = new Float64Array(period);
  }

  update(x: number): number {
    const p = this.period;
    const n = this.n + 1;
    this.n = n;
    const buf = this.buf;
    let h = this.head;
    buf[h] = x;
    h = h + 1 === p ? 0 : h + 1;
    this.head = h;
    if (n < p) {
      this.total += x;
      this.value = Number.NaN;
      this.ready = false;
      return Number.NaN;
    }
    const t = this.total + x;
    const v = t / p;
    // after the write, buf[h] is the oldest input of the current window
    this.total = t - (buf[h] as number);
    this.value = v;
    this.ready = true;
    return v;
  }

  add(x: number): number {
    return this.update(x);
  }

  peek(x: number): number {
    return this.n + 1 < this.period ? Number.NaN : (this.total + x) / this.period;
  }

  replace(x: number): number {
    const v = this.peek(x);
    this.value = v;
    this.ready = this.n + 1 >= this.period;
    return v;
  }

  get count(): number {
    return this.n;
  }
}
