/**
 * A monotonic deque of (row, value, aux, time) entries: O(1) amortised push, front and expiry. Used for the
 * sliding-window extremes of the swing test and the "lowest low / highest high since the swing" query of
 * the order-block detector.
 */
export class MonotonicDeque {
  private rows: Float64Array;
  private vals: Float64Array;
  private times: Float64Array;
  private auxs: Float64Array;
  private head = 0;
  private size = 0;
  private mask: number;

  /** `max` true keeps the maximum at the front, false the minimum. */
  constructor(private readonly max: boolean) {
    this.rows = new Float64Array(64);
    this.vals = new Float64Array(64);
    this.times = new Float64Array(64);
    this.auxs = new Float64Array(64);
    this.mask = 63;
  }

  get length(): number {
    return this.size;
  }

  /**
   * Append a value. Values at the back that are not better than it are dropped; with `keepLatestOnTies`
   * an equal value is dropped too, so among equal extremes the latest survives.
   */
  push(row: number, value: number, aux: number, time: number, keepLatestOnTies: boolean): void {
    const max = this.max;
    while (this.size > 0) {
      const back = this.vals[(this.head + this.size - 1) & this.mask] as number;
      const drop = max
        ? keepLatestOnTies
          ? back <= value
          : back < value
        : keepLatestOnTies
          ? back >= value
          : back > value;
      if (!drop) break;
      this.size--;
    }
    if (this.size === this.rows.length) this.grow();
    const at = (this.head + this.size) & this.mask;
    this.rows[at] = row;
    this.vals[at] = value;
    this.times[at] = time;
    this.auxs[at] = aux;
    this.size++;
  }

  /** Drop entries at the front whose row is <= `row`. */
  dropThrough(row: number): void {
    while (this.size > 0 && (this.rows[this.head] as number) <= row) {
      this.head = (this.head + 1) & this.mask;
      this.size--;
    }
  }

  /** Front (the extreme) or -1 when empty. */
  frontRow(): number {
    return this.size > 0 ? (this.rows[this.head] as number) : -1;
  }

  frontValue(): number {
    return this.vals[this.head] as number;
  }

  /** The payload stored with the front value (e.g. the other edge of that candle). */
  frontAux(): number {
    return this.auxs[this.head] as number;
  }

  frontTime(): number {
    return this.times[this.head] as number;
  }

  private grow(): void {
    const n = this.rows.length;
    const rows = new Float64Array(n * 2);
    const vals = new Float64Array(n * 2);
    const times = new Float64Array(n * 2);
    const auxs = new Float64Array(n * 2);
    for (let k = 0; k < this.size; k++) {
      const at = (this.head + k) & this.mask;
      rows[k] = this.rows[at] as number;
      vals[k] = this.vals[at] as number;
      times[k] = this.times[at] as number;
      auxs[k] = this.auxs[at] as number;
    }
    this.rows = rows;
    this.vals = vals;
    this.times = times;
    this.auxs = auxs;
    this.head = 0;
    this.mask = n * 2 - 1;
  }
}
