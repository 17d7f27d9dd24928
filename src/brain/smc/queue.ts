/**
 * A priority queue of items keyed by a number, smallest key first; ties leave in insertion order, so the
 * order of events is deterministic. Stored as arrays sorted from the largest key to the smallest (ties:
 * newest first): the next item is at the end, so `peekKey` and `pop` are O(1) with no sifting.
 *
 * `push` walks from the end past the items that must leave before the new one, so it costs O(1) when the
 * new key is the smallest, which is the common case for the FVG detector: a new gap's near edge is the
 * nearest to price (any open gap nearer would have been touched already), and a gap mitigated now
 * usually has the nearest far edge too. Worst case O(size) (an item that leaves after many waiting ones).
 */
export class KeyedQueue<T> {
  private readonly keys: number[] = [];
  private readonly items: T[] = [];

  get length(): number {
    return this.items.length;
  }

  push(key: number, item: T): void {
    const keys = this.keys;
    const items = this.items;
    let i = items.length;
    // grow by one, then move every item with a key <= `key` (they leave first: smaller, or older on a tie)
    keys.push(key);
    items.push(item);
    while (i > 0 && (keys[i - 1] as number) <= key) {
      keys[i] = keys[i - 1] as number;
      items[i] = items[i - 1] as T;
      i--;
    }
    keys[i] = key;
    items[i] = item;
  }

  /** Smallest key; only valid when length > 0. */
  peekKey(): number {
    return this.keys[this.keys.length - 1] as number;
  }

  /** Remove and return the item with the smallest key (the oldest on a tie); only valid when length > 0. */
  pop(): T {
    this.keys.pop();
    return this.items.pop() as T;
  }
}
