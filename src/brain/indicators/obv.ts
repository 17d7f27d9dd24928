/**
 * On-balance volume, TA-Lib `OBV(close, volume)`: starts at the first bar's volume (OBV[0] =
 * volume[0], not 0), then adds the volume on an up-close, subtracts it on a down-close, keeps it on an
 * unchanged close.
 *
 * - Warm-up: none; ready from the first bar. `value` is NaN before any bar.
 * - `update`/`add` commit a closed bar; `replace` previews the forming bar. O(1), no allocation.
 */
export class OBV {
  value = Number.NaN;
  ready = false;
  private n = 0;
  private prevClose = Number.NaN;
  private obv = 0;

  update(close: number, volume: number): number {
    const v = this.peek(close, volume);
    this.obv = v;
    this.prevClose = close;
    this.n++;
    this.value = v;
    this.ready = true;
    return v;
  }

  add(close: number, volume: number): number {
    return this.update(close, volume);
  }

  peek(close: number, volume: number): number {
    if (this.n === 0) return volume;
    const pc = this.prevClose;
    if (close > pc) return this.obv + volume;
    if (close < pc) return this.obv - volume;
    return this.obv;
  }

  replace(close: number, volume: number): number {
    const v = this.peek(close, volume);
    this.value = v;
    this.ready = true;
    return v;
  }

  get count(): number {
    return this.n;
  }
}
