import { checkPeriod, trueRange } from './common.js';

/**
 * Wilder's average true range, TA-Lib `ATR(high, low, close, period)` bit for bit.
 *
 * - Warm-up: `period` bars; the first value at 0-based row `period` is the mean true range of bars
 *   1..period (bar 0 has no previous close and gives no true range).
 * - Then `atr = (atr * (period - 1) + tr) / period` (TA-Lib's order).
 * - Zero ranges give 0, never NaN. `value` is NaN and `ready` false during warm-up.
 * - `update`/`add` commit a closed bar; `replace` previews the forming bar. O(1), no allocation.
 */
export class ATR {
  readonly period: number;
  value = Number.NaN;
  ready = false;
  private readonly pm1: number;
  private n = 0;
  private prevClose = Number.NaN;
  private sum = 0;
  private atr = Number.NaN;

  constructor(period = 14) {
    checkPeriod('ATR period', period);
    this.period = period;
    this.pm1 = period - 1;
  }

  update(high: number, low: number, close: number): number {
    const n = this.n;
    this.n = n + 1;
    const pc = this.prevClose;
    this.prevClose = close;
    if (n > this.period) {
      const a = (this.atr * this.pm1 + trueRange(high, low, pc)) / this.period;
      this.atr = a;
      this.value = a;
      return a;
    }
    if (n === 0) return Number.NaN;
    const s = this.sum + trueRange(high, low, pc);
    this.sum = s;
    if (n < this.period) {
      this.value = Number.NaN;
      this.ready = false;
      return Number.NaN;
    }
    const a = s / this.period;
    this.atr = a;
    this.value = a;
    this.ready = true;
    return a;
  }

  add(high: number, low: number, close: number): number {
    return this.update(high, low, close);
  }

  /** The value the forming bar would give, without changing any state (its close only matters for the next bar). */
  peek(high: number, low: number, _close: number): number {
    const n = this.n;
    if (n > this.period) return (this.atr * this.pm1 + trueRange(high, low, this.prevClose)) / this.period;
    if (n < this.period) return Number.NaN;
    return (this.sum + trueRange(high, low, this.prevClose)) / this.period;
  }

  replace(high: number, low: number, close: number): number {
    const v = this.peek(high, low, close);
    this.value = v;
    this.ready = this.n >= this.period;
    return v;
  }

  get count(): number {
    return this.n;
  }
}
