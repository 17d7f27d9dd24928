import { checkPeriod, isZeroTa, trueRange } from './common.js';

/**
 * Wilder's ADX, TA-Lib `ADX(high, low, close, period)`.
 *
 * - +DM/-DM: an up-move counts as +DM only if it is positive and larger than the down-move, a
 *   down-move as -DM only if positive and larger than the up-move; equal moves count as neither.
 * - DM and TR are summed over bars 1..period-1, then Wilder-smoothed (`x - x/period + new`); DX is
 *   averaged over bars period..2·period-1 to seed the ADX, then `adx = (adx*(period-1) + dx)/period`.
 * - A zero smoothed TR or a zero DI sum (TA-Lib's zero test) leaves the ADX unchanged, never NaN.
 * - Warm-up: `2·period - 1` bars; first output at 0-based row `2·period - 1` (27 for 14).
 * - `value` (the ADX), `plusDI`, `minusDI` are NaN and `ready` false during warm-up.
 * - `update`/`add` commit a closed bar; `replace` previews the forming bar. O(1), no allocation.
 */
export class ADX {
  readonly period: number;
  value = Number.NaN;
  /** +DI of the latest bar (NaN until the first DI, at row `period`). */
  plusDI = Number.NaN;
  minusDI = Number.NaN;
  ready = false;
  private readonly pm1: number;
  private n = 0;
  private prevHigh = Number.NaN;
  private prevLow = Number.NaN;
  private prevClose = Number.NaN;
  private plusDM = 0;
  private minusDM = 0;
  private tr = 0;
  private sumDX = 0;
  private adx = Number.NaN;
  private pdi = Number.NaN;
  private mdi = Number.NaN;

  constructor(period = 14) {
    checkPeriod('ADX period', period, 2);
    this.period = period;
    this.pm1 = period - 1;
  }

  update(high: number, low: number, close: number): number {
    this.step(high, low, close, true);
    return this.value;
  }

  add(high: number, low: number, close: number): number {
    return this.update(high, low, close);
  }

  replace(high: number, low: number, close: number): number {
    this.step(high, low, close, false);
    return this.value;
  }

  get count(): number {
    return this.n;
  }

  private step(high: number, low: number, close: number, commit: boolean): void {
    const n = this.n; // bars before this one
    const p = this.period;
    if (n === 0) {
      if (commit) {
        this.n = 1;
        this.prevHigh = high;
        this.prevLow = low;
        this.prevClose = close;
      }
      this.plusDI = Number.NaN;
      this.minusDI = Number.NaN;
      this.setOutput(false, Number.NaN);
      return;
    }
    const diffP = high - this.prevHigh;
    const diffM = this.prevLow - low;
    const tr1 = trueRange(high, low, this.prevClose);
    let plusDM = this.plusDM;
    let minusDM = this.minusDM;
    let tr = this.tr;
    let sumDX = this.sumDX;
    let adx = this.adx;
    let pdi = this.pdi;
    let mdi = this.mdi;
    if (n < p) {
      if (diffM > 0 && diffP < diffM) minusDM += diffM;
      else if (diffP > 0 && diffP > diffM) plusDM += diffP;
      tr += tr1;
    } else {
      minusDM -= minusDM / p;
      plusDM -= plusDM / p;
      if (diffM > 0 && diffP < diffM) minusDM += diffM;
      else if (diffP > 0 && diffP > diffM) plusDM += diffP;
      tr = tr - tr / p + tr1;
      if (!isZeroTa(tr)) {
        mdi = 100 * (minusDM / tr);
        pdi = 100 * (plusDM / tr);
        const s = mdi + pdi;
        if (!isZeroTa(s)) {
          const dx = 100 * (Math.abs(mdi - pdi) / s);
          if (n <= 2 * p - 1) sumDX += dx;
          else adx = (adx * this.pm1 + dx) / p;
        }
      } else {
        // TA-Lib PLUS_DI / MINUS_DI output 0 on a zero true range
        mdi = 0;
        pdi = 0;
      }
      if (n === 2 * p - 1) adx = sumDX / p;
    }
    if (commit) {
      this.n = n + 1;
      this.prevHigh = high;
      this.prevLow = low;
      this.prevClose = close;
      this.plusDM = plusDM;
      this.minusDM = minusDM;
      this.tr = tr;
      this.sumDX = sumDX;
      this.adx = adx;
      this.pdi = pdi;
      this.mdi = mdi;
    }
    this.plusDI = pdi;
    this.minusDI = mdi;
    this.setOutput(n >= 2 * p - 1, adx);
  }

  private setOutput(ready: boolean, adx: number): void {
    this.ready = ready;
    this.value = ready ? adx : Number.NaN;
  }
}
