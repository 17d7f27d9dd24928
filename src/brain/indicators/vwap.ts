/**
 * Session / anchored VWAP: Σ(typical price × volume) / Σ volume since the last {@link VWAP.reset}
 * (construction counts as a reset), with typical price = (high + low + close) / 3.
 *
 * - Call `reset()` at the session boundary (e.g. 00:00 UTC, from the candle's open time) or at the
 *   anchor bar; the next added bar starts the new session.
 * - Zero volume: while the session's volume is 0 the value is the latest typical price (defined, never
 *   NaN / division by zero).
 * - Warm-up: none; ready from the first bar of the session. `value` is NaN before it.
 * - `update`/`add` commit a closed bar; `replace` previews the forming bar. O(1), no allocation.
 */
export class VWAP {
  value = Number.NaN;
  ready = false;
  private pv = 0;
  private vol = 0;
  private n = 0;

  update(high: number, low: number, close: number, volume: number): number {
    const tp = (high + low + close) / 3;
    const pv = this.pv + tp * volume;
    const vol = this.vol + volume;
    this.pv = pv;
    this.vol = vol;
    this.n++;
    const v = vol > 0 ? pv / vol : tp;
    this.value = v;
    this.ready = true;
    return v;
  }

  add(high: number, low: number, close: number, volume: number): number {
    return this.update(high, low, close, volume);
  }

  replace(high: number, low: number, close: number, volume: number): number {
    const tp = (high + low + close) / 3;
    const vol = this.vol + volume;
    const v = vol > 0 ? (this.pv + tp * volume) / vol : tp;
    this.value = v;
    this.ready = true;
    return v;
  }

  /** Start a new session / anchor: the next added bar is the first of the new VWAP. */
  reset(): void {
    this.pv = 0;
    this.vol = 0;
    this.n = 0;
    this.value = Number.NaN;
    this.ready = false;
  }

  /** Volume since the last reset. */
  get volume(): number {
    return this.vol;
  }

  /** Bars since the last reset. */
  get count(): number {
    return this.n;
  }
}
