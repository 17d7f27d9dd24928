import { checkPeriod } from './common.js';
import { RollingExtreme } from './rolling-extreme.js';
import { SMA } from './sma.js';

/**
 * Slow stochastic oscillator, TA-Lib `STOCH(high, low, close, kPeriod, kSmooth, SMA, dPeriod, SMA)`
 * (default 14, 3, 3).
 *
 * - fast %K = (close - lowestLow) / ((highestHigh - lowestLow) / 100) over the last `kPeriod` bars,
 *   0 when the range is 0 (TA-Lib's rule); %K (slow) = SMA(fast %K, kSmooth); %D = SMA(%K, dPeriod),
 *   both SMAs with TA-Lib's running sum (so values in a zero-range window can be ±1e-13, as in TA-Lib).
 * - Warm-up: `kPeriod + kSmooth + dPeriod - 3` bars; first output at that 0-based row (17 for 14/3/3),
 *   where `k` and `d` become available together (as in TA-Lib).
 * - `value` (= `k`) and `d` are NaN and `ready` false during warm-up.
 * - `update`/`add` commit a closed bar; `replace` previews the forming bar. Amortized O(1) (monotonic
 *   deques for the highest high / lowest low), no allocation per update.
 */
export class Stochastic {
  readonly kPeriod: number;
  readonly kSmoothing: number;
  readonly dPeriod: number;
  /** Slow %K; NaN while not ready. */
  value = Number.NaN;
  /** %D (SMA of slow %K). */
  d = Number.NaN;
  ready = false;
  private readonly highs: RollingExtreme;
  private readonly lows: RollingExtreme;
  private readonly smaK: SMA;
  private readonly smaD: SMA;
  private n = 0;

  constructor(kPeriod = 14, kSmoothing = 3, dPeriod = 3) {
    checkPeriod('Stochastic %K period', kPeriod);
    checkPeriod('Stochastic %K smoothing', kSmoothing);
    checkPeriod('Stochastic %D period', dPeriod);
    this.kPeriod = kPeriod;
    this.kSmoothing = kSmoothing;
    this.dPeriod = dPeriod;
    this.highs = new RollingExtreme(kPeriod, 'max');
    this.lows = new RollingExtreme(kPeriod, 'min');
    this.smaK = new SMA(kSmoothing);
    this.smaD = new SMA(dPeriod);
  }

  get k(): number {
    return this.value;
  }

  update(high: number, low: number, close: number): number {
    const hh = this.highs.push(high);
    const ll = this.lows.push(low);
    this.n++;
    if (this.n < this.kPeriod) {
      this.setNotReady();
      return Number.NaN;
    }
    const slowK = this.smaK.update(fastK(close, hh, ll));
    if (!this.smaK.ready) {
      this.setNotReady();
      return Number.NaN;
    }
    const d = this.smaD.update(slowK);
    if (!this.smaD.ready) {
      this.setNotReady();
      return Number.NaN;
    }
    this.value = slowK;
    this.d = d;
    this.ready = true;
    return slowK;
  }

  add(high: number, low: number, close: number): number {
    return this.update(high, low, close);
  }

  replace(high: number, low: number, close: number): number {
    if (this.n + 1 < this.kPeriod) {
      this.setNotReady();
      return Number.NaN;
    }
    const slowK = this.smaK.peek(fastK(close, this.highs.peek(high), this.lows.peek(low)));
    const d = Number.isNaN(slowK) ? Number.NaN : this.smaD.peek(slowK);
    if (Number.isNaN(d)) {
      this.setNotReady();
      return Number.NaN;
    }
    this.value = slowK;
    this.d = d;
    this.ready = true;
    return slowK;
  }

  get count(): number {
    return this.n;
  }

  private setNotReady(): void {
    this.value = Number.NaN;
    this.d = Number.NaN;
    this.ready = false;
  }
}

function fastK(close: number, highest: number, lowest: number): number {
  const diff = (highest - lowest) / 100;
  return diff !== 0 ? (close - lowest) / diff : 0;
}
