import { MonotonicDeque } from './deque.js';
import type { Dir, OrderBlockEvent, SmcEvent } from './types.js';

interface Block {
  readonly id: number;
  readonly direction: Dir;
  readonly row: number;
  readonly time: number;
  readonly top: number;
  readonly bottom: number;
  readonly volume: number;
  readonly strength: number;
  readonly createdRow: number;
  readonly pivotRow: number;
  mitigated: boolean;
}

/**
 * Order blocks (spec section 3). The OB candle of a bullish break of swing high s at candle t is the
 * lowest low strictly between s and t (latest on ties): a monotonic deque of lows, pruned through the row
 * of the latest swing high, holds it at its front, so creation is O(1) amortised. Live blocks are kept
 * per side (at most `maxPerSide`) and tested against every later candle: active → mitigated (breaker) →
 * invalidated.
 */
export class OrderBlockDetector {
  /** Lows of rows after the latest swing high (front = lowest, latest on ties). */
  private readonly lowsSinceHigh = new MonotonicDeque(false, true);
  /** Highs of rows after the latest swing low (front = highest, latest on ties). */
  private readonly highsSinceLow = new MonotonicDeque(true, true);
  private readonly live: [Block[], Block[]] = [[], []];
  private nextId = 0;

  constructor(
    private readonly maxPerSide: number,
    private readonly closeMitigation: boolean,
  ) {}

  /** A new latest swing (pending or replacement) at `row`: rows up to it can no longer hold an OB. */
  onPivot(side: Dir, row: number): void {
    if (side === 1) this.lowsSinceHigh.dropThrough(row);
    else this.highsSinceLow.dropThrough(row);
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
  onCandle(t: number, tTime: number, o: number, h: number, l: number, c: number, out: SmcEvent[]): void {
    const bullLow = this.closeMitigation ? Math.min(o, c) : l;
    if (bullLow < this.bullActiveMaxBottom || h > this.bullBreakerMinTop) {
      const bull = this.live[0];
      for (let k = 0; k < bull.length;) {
        const b = bull[k] as Block;
        if (b.mitigated) {
          if (h > b.top) {
            out.push(blockEvent('invalidated', b, t, tTime));
            bull.splice(k, 1);
            continue;
          }
        } else if (bullLow < b.bottom) {
          b.mitigated = true;
          out.push(blockEvent('mitigated', b, t, tTime));
        }
        k++;
      }
      this.refreshThresholds(1);
    }
    const bearHigh = this.closeMitigation ? Math.max(o, c) : h;
    if (bearHigh > this.bearActiveMinTop || l < this.bearBreakerMaxBottom) {
      const bear = this.live[1];
      for (let k = 0; k < bear.length;) {
        const b = bear[k] as Block;
        if (b.mitigated) {
          if (l < b.bottom) {
            out.push(blockEvent('invalidated', b, t, tTime));
            bear.splice(k, 1);
            continue;
          }
        } else if (bearHigh > b.top) {
          b.mitigated = true;
          out.push(blockEvent('mitigated', b, t, tTime));
        }
        k++;
      }
      this.refreshThresholds(-1);
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
    out: SmcEvent[],
  ): void {
    let row = t - 1;
    let time = prevTime;
    let top = prevHigh;
    let bottom = prevLow;
    if (direction === 1) {
      const q = this.lowsSinceHigh;
      if (q.length > 0 && q.frontRow() > pivotRow) {
        row = q.frontRow();
        time = q.frontTime();
        bottom = q.frontValue();
        top = q.frontAux();
      }
    } else {
      const q = this.highsSinceLow;
      if (q.length > 0 && q.frontRow() > pivotRow) {
        row = q.frontRow();
        time = q.frontTime();
        top = q.frontValue();
        bottom = q.frontAux();
      }
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
    if (list.length >= this.maxPerSide) {
      const old = list.shift();
      if (old !== undefined) out.push(blockEvent('evicted', old, t, tTime));
    }
    list.push(block);
    this.refreshThresholds(direction);
    out.push(blockEvent('created', block, t, tTime));
  }

  /** Add candle t to the since-swing extremes (after `create`). */
  pushRow(t: number, h: number, l: number, time: number): void {
    this.lowsSinceHigh.push(t, l, h, time);
    this.highsSinceLow.push(t, h, l, time);
  }
}

function blockEvent(action: OrderBlockEvent['action'], b: Block, t: number, tTime: number): OrderBlockEvent {
  return {
    type: 'orderBlock',
    action,
    id: b.id,
    direction: b.direction,
    row: b.row,
    time: b.time,
    top: b.top,
    bottom: b.bottom,
    volume: b.volume,
    strength: b.strength,
    createdRow: b.createdRow,
    pivotRow: b.pivotRow,
    decidedRow: t,
    decidedTime: tTime,
  };
}
