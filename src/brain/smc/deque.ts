/**
 * A monotonic deque of (row, value, aux, time) entries: O(1) amortised push, front and expiry. Used for the
 * sliding-window extremes of the swing test and the "lowest low / highest high since the swing" query of
 * the order-block detector.
 *
 * Storage: one ring of `cap` entries in a single Float64Array, 4 slots per entry (row, value, aux, time)
 * side by side, so an entry is one cache line and every access goes through one typed array.
 */
const ROW = 0;
const VAL = 1;
const AUX = 2;
const TIME = 3;

export class MonotonicDeque {
  private buf: Float64Array;
  /** Index of the front entry (in entries, not slots). */
  private head = 0;
  private size = 0;
  /** Capacity − 1 (capacity in entries, a power of two). */
  private mask: number;

  /**
   * `max` true keeps the maximum at the front, false the minimum. With `latestOnTies` a pushed value also
   * drops equal values at the back, so among equal extremes the latest survives; without it the earliest.
   * Both are fixed per instance, so `push` runs one of four tight loops (no per-element re-branching).
   */
  constructor(
    private readonly max: boolean,
    private readonly latestOnTies: boolean,
  ) {
    this.buf = new Float64Array(64 * 4);
    this.mask = 63;
  }

  get length(): number {
    return this.size;
  }

  /** Append a value; values at the back that are not better than it (see the constructor) are dropped. */
  push(row: number, value: number, aux: number, time: number): void {
    const buf = this.buf;
    const mask = this.mask;
    const head = this.head;
    let size = this.size;
    if (this.max) {
      if (this.latestOnTies)
        while (size > 0 && (buf[((head + size - 1) & mask) * 4 + VAL] as number) <= value) size--;
      else while (size > 0 && (buf[((head + size - 1) & mask) * 4 + VAL] as number) < value) size--;
    } else if (this.latestOnTies)
      while (size > 0 && (buf[((head + size - 1) & mask) * 4 + VAL] as number) >= value) size--;
    else while (size > 0 && (buf[((head + size - 1) & mask) * 4 + VAL] as number) > value) size--;
    if (size > mask) {
      this.size = size;
      this.grow();
      this.push(row, value, aux, time);
      return;
    }
    const at = ((head + size) & mask) * 4;
    buf[at + ROW] = row;
    buf[at + VAL] = value;
    buf[at + AUX] = aux;
    buf[at + TIME] = time;
    this.size = size + 1;
  }

  /** Drop entries at the front whose row is <= `row`. */
  dropThrough(row: number): void {
    const buf = this.buf;
    const mask = this.mask;
    let head = this.head;
    let size = this.size;
    while (size > 0 && (buf[head * 4 + ROW] as number) <= row) {
      head = (head + 1) & mask;
      size--;
    }
    this.head = head;
    this.size = size;
  }

  /** Front (the extreme) or -1 when empty. */
  frontRow(): number {
    return this.size > 0 ? (this.buf[this.head * 4 + ROW] as number) : -1;
  }

  frontValue(): number {
    return this.buf[this.head * 4 + VAL] as number;
  }

  /** The payload stored with the front value (e.g. the other edge of that candle). */
  frontAux(): number {
    return this.buf[this.head * 4 + AUX] as number;
  }

  frontTime(): number {
    return this.buf[this.head * 4 + TIME] as number;
  }

  /** Double the capacity, unrolling the ring to start at 0. */
  private grow(): void {
    const cap = this.mask + 1;
    const buf = new Float64Array(cap * 2 * 4);
    for (let k = 0; k < this.size; k++) {
      const from = ((this.head + k) & this.mask) * 4;
      buf.set(this.buf.subarray(from, from + 4), k * 4);
    }
    this.buf = buf;
    this.head = 0;
    this.mask = cap * 2 - 1;
  }
}
