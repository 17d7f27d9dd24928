import { checkNonNegative, checkPeriod } from './common.js';

/**
 * Bollinger Bands: middle = SMA(close, period), upper/lower = middle ± k × population standard
 * deviation of the same window (TA-Lib `BBANDS(close, period, k, k, SMA)` semantics).
 *
 * Numerics differ from TA-Lib on purpose: TA-Lib's one-pass variance (E[x²] - E[x]²) cancels badly at
 * BTC price levels (up to 2e-6 absolute, ~3e-4 on windows of identical closes whose true width is 0).
 * This class recomputes the window in two passes, shifted by the newest close, so it stays within 1e-9
 * of the exact bands and gives width exactly 0 on a flat window. That costs O(period) per update (20
 * subtractions and multiply-adds for the default period), not O(1): exactness was preferred here.
 *
 * - Warm-up: `period - 1` closes; first output at 0-based row `period - 1`.
 * - `value` (= `middle`), `upper`, `lower` are NaN and `ready` false during warm-up.
 * - `update`/`add` commit a closed bar; `replace` previews the forming bar. No allocation per update.
 */
export class BollingerBands {
  readonly period: number;
  readonly k: number;
  /** Middle band (the SMA); NaN while not ready. */
  value = Number.NaN;
  upper = Number.NaN;
  lower = Number.NaN;
  /** Population standard deviation of the window. */
  stdDev = Number.NaN;
  ready = false;
  private readonly buf: Float64Array;
  private n = 0;
  private head = 0;

  constructor(period = 20, k = 2) {
    checkPeriod('Bollinger period', period);
    checkNonNegative('Bollinger k', k);
    this.period = period;
    this.k = k;
    this.buf = new Float64Array(period);
  }

  get middle(): number {
    return this.value;
  }

  update(close: number): number {
    const p = this.period;
    this.buf[this.head] = close;
    this.head = this.head + 1 === p ? 0 : this.head + 1;
    this.n++;
    if (this.n < p) {
      this.setNotReady();
      return Number.NaN;
    }
    // window = all p slots, the oldest first at head; the newest close is the shift
    this.compute(close, -1, 0);
    return this.value;
  }

  add(close: number): number {
    return this.update(close);
  }

  replace(close: number): number {
    if (this.n + 1 < this.period) {
      this.setNotReady();
      return Number.NaN;
    }
    // window = the committed slots except the oldest (at head), plus `close`
    this.compute(close, this.head, close);
    return this.value;
  }

  get count(): number {
    return this.n;
  }

  /** Two-pass mean/variance over the ring, skipping slot `skip` (-1: none) and adding `extra` deviations. */
  private compute(shift: number, skip: number, extra: number): void {
    const p = this.period;
    const buf = this.buf;
    let s = 0;
    for (let i = 0; i < p; i++) if (i !== skip) s += (buf[i] as number) - shift;
    if (skip >= 0) s += extra - shift;
    const meanDev = s / p;
    let q = 0;
    for (let i = 0; i < p; i++) {
      if (i !== skip) {
        const d = (buf[i] as number) - shift - meanDev;
        q += d * d;
      }
    }
    if (skip >= 0) {
      const d = extra - shift - meanDev;
      q += d * d;
    }
    const mean = shift + meanDev;
    const sd = Math.sqrt(q / p);
    this.value = mean;
    this.stdDev = sd;
    this.upper = mean + this.k * sd;
    this.lower = mean - this.k * sd;
    this.ready = true;
  }

  private setNotReady(): void {
    this.value = Number.NaN;
    this.upper = Number.NaN;
    this.lower = Number.NaN;
    this.stdDev = Number.NaN;
    this.ready = false;
  }
}
