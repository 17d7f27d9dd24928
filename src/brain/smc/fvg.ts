import { KeyedQueue } from './queue.js';
import type { GapView, SmcSink } from './sink.js';

type Gap = GapView;

/**
 * Fair value gaps (spec section 4, = ref). At candle t the middle row t − 1 is tested; open gaps wait in
 * queues ordered by the edge that must be reached, so each candle pops only the gaps it touches (O(1)
 * per pop, nothing per untouched gap; a push is O(1) when the gap's edge is the nearest to price, the
 * usual case: see KeyedQueue).
 *
 * mitigated = first later candle touching the near edge (bullish l ≤ top, bearish h ≥ bottom);
 * filled = first candle (the mitigating one or later) trading beyond the far edge (bullish l < bottom,
 * bearish h > top).
 */
export class FvgDetector {
  /** Bullish gaps waiting for l ≤ top: keyed by −top (largest top first). */
  private readonly bullMit = new KeyedQueue<Gap>();
  /** Bullish gaps waiting for l < bottom: keyed by −bottom. */
  private readonly bullFill = new KeyedQueue<Gap>();
  /** Bearish gaps waiting for h ≥ bottom: keyed by bottom. */
  private readonly bearMit = new KeyedQueue<Gap>();
  /** Bearish gaps waiting for h > top: keyed by top. */
  private readonly bearFill = new KeyedQueue<Gap>();
  private nextId = 0;

  /** Test the gaps created before candle t against it. */
  onCandle(t: number, tTime: number, h: number, l: number, sink: SmcSink): void {
    const bm = this.bullMit;
    while (bm.length > 0 && -bm.peekKey() >= l) {
      const g = bm.pop();
      sink.fvg('mitigated', g, t, tTime);
      this.bullFill.push(-g.bottom, g);
    }
    const bf = this.bullFill;
    while (bf.length > 0 && -bf.peekKey() > l) sink.fvg('filled', bf.pop(), t, tTime);
    const sm = this.bearMit;
    while (sm.length > 0 && sm.peekKey() <= h) {
      const g = sm.pop();
      sink.fvg('mitigated', g, t, tTime);
      this.bearFill.push(g.top, g);
    }
    const sf = this.bearFill;
    while (sf.length > 0 && sf.peekKey() < h) sink.fvg('filled', sf.pop(), t, tTime);
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
    sink: SmcSink,
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
      sink.fvg('created', g, t, tTime);
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
      sink.fvg('created', g, t, tTime);
    }
  }
}
