import { checkPeriod } from './common.js';

/**
 * MACD, TA-Lib `MACD(close, fast, slow, signal)` (default 12/26/9) in TA-Lib's own seeding:
 *
 * - Both EMAs start at 0-based row `slow - 1`: the slow EMA is seeded with the SMA of closes
 *   0..slow-1, the fast EMA with the SMA of the last `fast` of those closes (not of the first `fast`).
 *   The factors are 2 / (period + 1), as TA-Lib uses for any non-zero period.
 * - `macd = fastEma - slowEma`; the signal EMA is seeded with the SMA of the first `signal` macd values.
 * - Warm-up: `slow + signal - 2` closes; first output at 0-based row `slow + signal - 2` (33 for
 *   12/26/9), where `macd`, `signal` and `histogram` all become available together (as in TA-Lib).
 * - If `slow < fast` the two are swapped (TA-Lib does the same).
 * - `value` (= `macd`), `signal`, `histogram` are NaN and `ready` false during warm-up.
 * - `update`/`add` commit a closed bar; `replace` previews the forming bar. O(1), no allocation.
 */
export class MACD {
  readonly fastPeriod: number;
  readonly slowPeriod: number;
  readonly signalPeriod: number;
  /** MACD line (fast EMA - slow EMA); NaN while not ready. */
  value = Number.NaN;
  /** Signal line (EMA of the MACD line). */
  signal = Number.NaN;
  /** MACD - signal. */
  histogram = Number.NaN;
  ready = false;

  private readonly kFast: number;
  private readonly kSlow: number;
  private readonly kSignal: number;
  /** The last `fast` closes (needed once, to seed the fast EMA at row slow-1). */
  private readonly closes: Float64Array;
  private n = 0;
  private head = 0;
  private slowSum = 0;
  private fast = Number.NaN;
  private slow = Number.NaN;
  private signalSum = 0;
  private sig = Number.NaN;

  constructor(fastPeriod = 12, slowPeriod = 26, signalPeriod = 9) {
    checkPeriod('MACD fast period', fastPeriod);
    checkPeriod('MACD slow period', slowPeriod);
    checkPeriod('MACD signal period', signalPeriod);
    if (slowPeriod < fastPeriod) [fastPeriod, slowPeriod] = [slowPeriod, fastPeriod];
    this.fastPeriod = fastPeriod;
    this.slowPeriod = slowPeriod;
    this.signalPeriod = signalPeriod;
    this.kFast = 2 / (fastPeriod + 1);
    this.kSlow = 2 / (slowPeriod + 1);
    this.kSignal = 2 / (signalPeriod + 1);
    this.closes = new Float64Array(fastPeriod);
  }

  /** Commit a closed bar; returns the MACD line (NaN during warm-up). */
  update(close: number): number {
    this.step(close, true);
    return this.value;
  }

  add(close: number): number {
    return this.update(close);
  }

  /** Preview the forming bar: sets the outputs as if `close` were added, commits nothing. */
  replace(close: number): number {
    this.step(close, false);
    return this.value;
  }

  get count(): number {
    return this.n;
  }

  private step(close: number, commit: boolean): void {
    const n = this.n + 1; // closes including this one
    const s = this.slowPeriod;
    let fast: number;
    let slow: number;
    if (n > s) {
      fast = (close - this.fast) * this.kFast + this.fast;
      slow = (close - this.slow) * this.kSlow + this.slow;
    } else {
      const slowSum = this.slowSum + close;
      if (commit) {
        this.slowSum = slowSum;
        this.closes[this.head] = close;
        this.head = this.head + 1 === this.fastPeriod ? 0 : this.head + 1;
      }
      if (n < s) {
        if (commit) this.n = n;
        this.setNotReady();
        return;
      }
      // n === s: seed both EMAs. Fast seed = SMA of the last `fast` closes, oldest first, this one last.
      const f = this.fastPeriod;
      let sum = 0;
      if (commit) {
        // the ring now holds the last f closes; the oldest is at `head`
        let j = this.head;
        for (let i = 0; i < f; i++) {
          sum += this.closes[j] as number;
          j = j + 1 === f ? 0 : j + 1;
        }
      } else {
        // the ring holds the previous f closes; skip the oldest, then add this close
        let j = this.head + 1 === f ? 0 : this.head + 1;
        for (let i = 1; i < f; i++) {
          sum += this.closes[j] as number;
          j = j + 1 === f ? 0 : j + 1;
        }
        sum += close;
      }
      fast = sum / f;
      slow = slowSum / s;
    }
    const macd = fast - slow;
    // signal: its i-th input is the macd of close number s + i - 1 (i = 1..)
    const m = n - s + 1;
    const sp = this.signalPeriod;
    let sig: number;
    let signalSum = this.signalSum;
    if (m > sp) {
      sig = (macd - this.sig) * this.kSignal + this.sig;
    } else {
      signalSum += macd;
      sig = m === sp ? signalSum / sp : Number.NaN;
    }
    if (commit) {
      this.n = n;
      this.fast = fast;
      this.slow = slow;
      this.signalSum = signalSum;
      this.sig = sig;
    }
    if (m >= sp) {
      this.value = macd;
      this.signal = sig;
      this.histogram = macd - sig;
      this.ready = true;
    } else {
      this.setNotReady();
    }
  }

  private setNotReady(): void {
    this.value = Number.NaN;
    this.signal = Number.NaN;
    this.histogram = Number.NaN;
    this.ready = false;
  }
}
