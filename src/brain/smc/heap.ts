/**
 * A binary min-heap of items keyed by a number; ties pop in insertion order (a sequence number breaks
 * them), so the order of events is deterministic and independent of the heap's internal layout.
 */
export class KeyedMinHeap<T> {
  private keys: number[] = [];
  private seqs: number[] = [];
  private items: T[] = [];
  private seq = 0;

  get length(): number {
    return this.items.length;
  }

  push(key: number, item: T): void {
    const keys = this.keys;
    const seqs = this.seqs;
    const items = this.items;
    let i = items.length;
    const s = this.seq++;
    keys.push(key);
    seqs.push(s);
    items.push(item);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pk = keys[p] as number;
      if (pk < key || (pk === key && (seqs[p] as number) < s)) break;
      keys[i] = pk;
      seqs[i] = seqs[p] as number;
      items[i] = items[p] as T;
      i = p;
    }
    keys[i] = key;
    seqs[i] = s;
    items[i] = item;
  }

  /** Smallest key; only valid when length > 0. */
  peekKey(): number {
    return this.keys[0] as number;
  }

  /** Remove and return the item with the smallest key; only valid when length > 0. */
  pop(): T {
    const keys = this.keys;
    const seqs = this.seqs;
    const items = this.items;
    const top = items[0] as T;
    const lastKey = keys.pop() as number;
    const lastSeq = seqs.pop() as number;
    const lastItem = items.pop() as T;
    const n = items.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        let c = l;
        if (r < n) {
          const lk = keys[l] as number;
          const rk = keys[r] as number;
          if (rk < lk || (rk === lk && (seqs[r] as number) < (seqs[l] as number))) c = r;
        }
        const ck = keys[c] as number;
        if (lastKey < ck || (lastKey === ck && lastSeq < (seqs[c] as number))) break;
        keys[i] = ck;
        seqs[i] = seqs[c] as number;
        items[i] = items[c] as T;
        i = c;
      }
      keys[i] = lastKey;
      seqs[i] = lastSeq;
      items[i] = lastItem;
    }
    return top;
  }
}
