import { KeyedMinHeap } from './heap.js';
import type { Dir, FvgEvent, SmcEvent } from './types.js';

interface Gap {
  readonly id: number;
  readonly direction: Dir;
  readonly row: number;
  readonly time: number;
  readonly top: number;
  readonly bottom: number;
  readonly createdRow: number;
}

/**
 * Fair value gaps (spec section 4, = ref). At candle t the middle row t − 1 is tested; open gaps wait in
 * heaps ordered by the edge that must be reached, so each candle pops only the gaps it touches
 * (O(log open gaps) per event, nothing per untouched gap).
 *
 * mitigated = first later candle touching the near edge (bullish l ≤ top, bearish h ≥ bottom);
 * filled = first candle (the mitigating one or later) trading beyond the far edge (bullish l < bottom,
 * bearish h > top).
 */
export class FvgDetector {
  /** Bullish gaps waiting for l ≤ top: keyed by −top (largest top first). */
  private readonly bullMit = new KeyedMinHeap<Gap>();
  /** Bullish gaps waiting for l < bottom: keyed by −bottom. */
  private readonly bullFill = new KeyedMinHeap<Gap>();
  /** Bearish gaps waiting for h ≥ bottom: keyed by bottom. */
  private readonly bearMit = new KeyedMinHeap<Gap>();
  /** Bearish gaps waiting for h > top: keyed by top. */
  private readonly bearFill = new KeyedMinHeap<Gap>();
  private nextId = 0;

  /** Test the gaps created before candle t against it. */
  onCandle(t: number, tTime: number, h: number, l: number, out: SmcEvent[]): void {
    const bm = this.bullMit;
    while (bm.length > 0 && -bm.peekKey() >= l) {
      const g = bm.pop();
      out.push(gapEvent('mitigated', g, t, tTime));
      this.bullFill.push(-g.bottom, g);
    }
    const bf = this.bullFill;
    while (bf.length > 0 && -bf.peekKey() > l) out.push(gapEvent('filled', bf.pop(), t, tTime));
    const sm = this.bearMit;
    while (sm.length > 0 && sm.peekKey() <= h) {
      const g = sm.pop();
      out.push(gapEvent('mitigated', g, t, tTime));
      this.bearFill.push(g.top, g);
    }
    const sf = this.bearFill;
    while (sf.length > 0 && sf.peekKey() < h) out.push(gapEvent('filled', sf.pop(), t, tTime));
  }

  /**
   * Test middle row i = t − 1 (candles i − 1, i, t) and register a gap; call after `onCandle(t)`, so the
   * gap is first tested on candle t + 1.
   */
  detect(
    t: number,
    tTime: number,
    hPrev2: number,
    lPrev2: number,
    oMid: number,
    cMid: number,
    midTime: number,
    h: number,
    l: number,
    out: SmcEvent[],
  ): void {
    if (cMid > oMid && hPrev2 < l) {
      const g: Gap = {
        id: this.nextId++,
        direction: 1,
        row: t - 1,
        time: midTime,
        top: l,
        bottom: hPrev2,
        createdRow: t,
      };
      this.bullMit.push(-g.top, g);
      out.push(gapEvent('created', g, t, tTime));
    } else if (cMid < oMid && lPrev2 > h) {
      const g: Gap = {
        id: this.nextId++,
        direction: -1,
        row: t - 1,
        time: midTime,
        top: lPrev2,
        bottom: h,
        createdRow: t,
      };
      this.bearMit.push(g.bottom, g);
      out.push(gapEvent('created', g, t, tTime));
    }
  }
}

function gapEvent(action: FvgEvent['action'], g: Gap, t: number, tTime: number): FvgEvent {
  return {
    type: 'fvg',
    action,
    id: g.id,
    direction: g.direction,
    row: g.row,
    time: g.time,
    top: g.top,
    bottom: g.bottom,
    createdRow: g.createdRow,
    decidedRow: t,
    decidedTime: tTime,
  };
}
