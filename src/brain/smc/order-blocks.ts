import type { BlockView, SmcSink } from './sink.js';
import type { Dir } from './types.js';

interface Block extends BlockView {
  mitigated: boolean;
}

/** The engine's ring of recent candles (row r at index r & mask). */
export interface CandleRing {
  readonly h: Float64Array;
  readonly l: Float64Array;
  readonly t: Float64Array;
  readonly mask: number;
}

/**
 * Order blocks (spec section 3). The OB candle of a bullish break of swing high s at candle t is the
 * lowest low strictly between s and t (latest on ties): a running minimum of the lows since the latest
 * swing high, restarted when that swing changes, so creation is O(1). A swing becomes known L candles
 * after its row, so the restart rescans those L − 1 rows from the engine's ring. Live blocks are kept per
 * side (at most `maxPerSide`) and tested against every later candle: active → mitigated (breaker) →
 * invalidated.
 */
export class OrderBlockDetector {
  /** Lowest low of the rows after the latest swing high (latest on ties): row (−1: none), high, time. */
  private minLow = Number.POSITIVE_INFINITY;
  private minLowRow = -1;
  private minLowHigh = 0;
  private minLowTime = 0;
  /** Highest high of the rows after the latest swing low (latest on ties): row (−1: none), low, time. */
  private maxHigh = Number.NEGATIVE_INFINITY;
  private maxHighRow = -1;
  private maxHighLow = 0;
  private maxHighTime = 0;
  private readonly live: [Block[], Block[]] = [[], []];
  private nextId = 0;

  constructor(
    private readonly maxPerSide: number,
    private readonly closeMitigation: boolean,
    private readonly ring: CandleRing,
  ) {}

  /**
   * A new latest swing (pending or replacement) at `row`, known at candle t (before `pushRow(t)`): rows up
   * to it can no longer hold an OB; the extreme restarts over rows row + 1 … t − 1 (still in the ring).
   */
  onPivot(side: Dir, row: number, t: number): void {
    const { h, l, t: times, mask } = this.ring;
    if (side === 1) {
      let min = Number.POSITIVE_INFINITY;
      let minRow = -1;
      for (let r = row + 1; r < t; r++) {
        const x = l[r & mask] as number;
        if (x <= min) {
          min = x;
          minRow = r;
        }
      }
      this.minLow = min;
      this.minLowRow = minRow;
      if (minRow >= 0) {
        this.minLowHigh = h[minRow & mask] as number;
        this.minLowTime = times[minRow & mask] as number;
      }
    } else {
      let max = Number.NEGATIVE_INFINITY;
      let maxRow = -1;
      for (let r = row + 1; r < t; r++) {
        const x = h[r & mask] as number;
        if (x >= max) {
          max = x;
          maxRow = r;
        }
      }
      this.maxHigh = max;
      this.maxHighRow = maxRow;
      if (maxRow >= 0) {
        this.maxHighLow = l[maxRow & mask] as number;
        this.maxHighTime = times[maxRow & mask] as number;
      }
    }
  }

  /**
   * Thresholds that let a candle skip the per-block loop: a bullish block reacts only to a low below the
   * highest active bottom or a high above the lowest breaker top (bearish mirrors). Recomputed when a side
   * changes.
   */
  private bullActiveMaxBottom = Number.NEGATIVE_INFINITY;
  private bullBreakerMinTop = Number.POSITIVE_INFINITY;
  private bearActiveMinTop = Number.POSITIVE_INFINITY;
  private bearBreakerMaxBottom = Number.NEGATIVE_INFINITY;

  /** Lifecycle tests of the blocks created before candle t. */
  onCandle(t: number, tTime: number, o: number, h: number, l: number, c: number, sink: SmcSink): void {
    const bullLow = this.closeMitigation ? Math.min(o, c) : l;
    if (bullLow < this.bullActiveMaxBottom || h > this.bullBreakerMinTop) {
      // invalidated blocks leave the list (compacted in place, order kept); thresholds recomputed on the way
      const bull = this.live[0];
      const n = bull.length;
      let kept = 0;
      let activeMaxBottom = Number.NEGATIVE_INFINITY;
      let breakerMinTop = Number.POSITIVE_INFINITY;
      for (let k = 0; k < n; k++) {
        const b = bull[k] as Block;
        if (b.mitigated) {
          if (h > b.top) {
            sink.orderBlock('invalidated', b, t, tTime);
            continue;
          }
        } else if (bullLow < b.bottom) {
          b.mitigated = true;
          sink.orderBlock('mitigated', b, t, tTime);
        }
        bull[kept++] = b;
        if (b.mitigated) {
          if (b.top < breakerMinTop) breakerMinTop = b.top;
        } else if (b.bottom > activeMaxBottom) activeMaxBottom = b.bottom;
      }
      while (bull.length > kept) bull.pop();
      this.bullActiveMaxBottom = activeMaxBottom;
      this.bullBreakerMinTop = breakerMinTop;
    }
    const bearHigh = this.closeMitigation ? Math.max(o, c) : h;
    if (bearHigh > this.bearActiveMinTop || l < this.bearBreakerMaxBottom) {
      const bear = this.live[1];
      const n = bear.length;
      let kept = 0;
      let activeMinTop = Number.POSITIVE_INFINITY;
      let breakerMaxBottom = Number.NEGATIVE_INFINITY;
      for (let k = 0; k < n; k++) {
        const b = bear[k] as Block;
        if (b.mitigated) {
          if (l < b.bottom) {
            sink.orderBlock('invalidated', b, t, tTime);
            continue;
          }
        } else if (bearHigh > b.top) {
          b.mitigated = true;
          sink.orderBlock('mitigated', b, t, tTime);
        }
        bear[kept++] = b;
        if (b.mitigated) {
          if (b.bottom > breakerMaxBottom) breakerMaxBottom = b.bottom;
        } else if (b.top < activeMinTop) activeMinTop = b.top;
      }
      while (bear.length > kept) bear.pop();
      this.bearActiveMinTop = activeMinTop;
      this.bearBreakerMaxBottom = breakerMaxBottom;
    }
  }

  private refreshThresholds(side: Dir): void {
    if (side === 1) {
      let activeMaxBottom = Number.NEGATIVE_INFINITY;
      let breakerMinTop = Number.POSITIVE_INFINITY;
      for (const b of this.live[0]) {
        if (b.mitigated) breakerMinTop = Math.min(breakerMinTop, b.top);
        else activeMaxBottom = Math.max(activeMaxBottom, b.bottom);
      }
      this.bullActiveMaxBottom = activeMaxBottom;
      this.bullBreakerMinTop = breakerMinTop;
    } else {
      let activeMinTop = Number.POSITIVE_INFINITY;
      let breakerMaxBottom = Number.NEGATIVE_INFINITY;
      for (const b of this.live[1]) {
        if (b.mitigated) breakerMaxBottom = Math.max(breakerMaxBottom, b.bottom);
        else activeMinTop = Math.min(activeMinTop, b.top);
      }
      this.bearActiveMinTop = activeMinTop;
      this.bearBreakerMaxBottom = breakerMaxBottom;
    }
  }

  /**
   * Create the block of a break at candle t of the swing at `pivotRow` (call before `pushRow(t)`).
   * `prev*` describe candle t − 1 (the fallback when no row lies strictly between the swing and t).
   */
  create(
    direction: Dir,
    pivotRow: number,
    t: number,
    tTime: number,
    prevHigh: number,
    prevLow: number,
    prevTime: number,
    volume: number,
    strength: number,
    sink: SmcSink,
  ): void {
    let row = t - 1;
    let time = prevTime;
    let top = prevHigh;
    let bottom = prevLow;
    if (direction === 1) {
      if (this.minLowRow > pivotRow) {
        row = this.minLowRow;
        time = this.minLowTime;
        bottom = this.minLow;
        top = this.minLowHigh;
      }
    } else if (this.maxHighRow > pivotRow) {
      row = this.maxHighRow;
      time = this.maxHighTime;
      top = this.maxHigh;
      bottom = this.maxHighLow;
    }
    const block: Block = {
      id: this.nextId++,
      direction,
      row,
      time,
      top,
      bottom,
      volume,
      strength,
      createdRow: t,
      pivotRow,
      mitigated: false,
    };
    const list = this.live[direction === 1 ? 0 : 1];
    let evicted = false;
    if (list.length >= this.maxPerSide) {
      const old = list.shift();
      if (old !== undefined) {
        evicted = true;
        sink.orderBlock('evicted', old, t, tTime);
      }
    }
    list.push(block);
    // a new block is active: it can only widen its side's active threshold (an eviction: recompute)
    if (evicted) this.refreshThresholds(direction);
    else if (direction === 1) {
      if (bottom > this.bullActiveMaxBottom) this.bullActiveMaxBottom = bottom;
    } else if (top < this.bearActiveMinTop) this.bearActiveMinTop = top;
    sink.orderBlock('created', block, t, tTime);
  }

  /** Add candle t to the since-swing extremes (after `create`). */
  pushRow(t: number, h: number, l: number, time: number): void {
    if (l <= this.minLow) {
      this.minLow = l;
      this.minLowRow = t;
      this.minLowHigh = h;
      this.minLowTime = time;
    }
    if (h >= this.maxHigh) {
      this.maxHigh = h;
      this.maxHighRow = t;
      this.maxHighLow = l;
      this.maxHighTime = time;
    }
  }
}
