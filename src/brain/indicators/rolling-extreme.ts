import { checkPeriod } from './common.js';

/**
 * Maximum (or minimum) of the last `period` inputs with a monotonic deque: amortized O(1) per push,
 * O(1) peek, no allocation after construction. Before `period` pushes the window is the inputs so far.
 */
export class RollingExtreme {
  readonly period: number;
  private readonly sign: number;
  private readonly vals: Float64Array;
  private readonly idx: Float64Array;
  private head = 0;
  private size = 0;
  private n = 0;

  /** `kind` 'max' keeps the highest input of the window, 'min' the lowest. */
  constructor(period: number, kind: 'max' | 'min') {
    checkPeriod('rolling window', period);
    this.period = period;
    this.sign = kind === 'max' ? 1 : -1;
    this.vals = new Float64Array(period);
    this.idx = new Float64Array(period);
  }

  /** Commit `x`; returns the extreme of the last `period` inputs including `x`. */
  push(x: number): number {
    const p = this.period;
    const n = this.n;
    const v = this.sign * x;
    const vals = this.vals;
    const idx = this.idx;
    if (this.size > 0 && (idx[this.head] as number) <= n - p) {
      this.head = this.head + 1 === p ? 0 : this.head + 1;
      this.size--;
    }
    // drop from the back every value the new one dominates
    while (this.size > 0) {
      let back = this.head + this.size - 1;
      if (back >= p) back -= p;
      if ((vals[back] as number) > v) break;
      this.size--;
    }
    let tail = this.head + this.size;
    if (tail >= p) tail -= p;
    vals[tail] = v;
    idx[tail] = n;
    this.size++;
    this.n = n + 1;
    return this.sign * (vals[this.head] as number);
  }

  /** The extreme the window would have if `x` were pushed, without changing anything. */
  peek(x: number): number {
    const v = this.sign * x;
    const lo = this.n - this.period + 1; // oldest index that stays in the window
    let best = v;
    if (this.size > 0) {
      let j = this.head;
      if ((this.idx[j] as number) < lo) {
        if (this.size === 1) return x;
        j = j + 1 === this.period ? 0 : j + 1;
      }
      const w = this.vals[j] as number;
      if (w > best) best = w;
    }
    return this.sign * best;
  }

  get count(): number {
    return this.n;
  }
}
