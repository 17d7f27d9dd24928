import type { SmcSink, SwingPoint } from './sink.js';
import type { Dir } from './types.js';

export type { SwingPoint } from './sink.js';

/** What one candidate test changed (bit flags). */
export const SWING_PENDING_CHANGED = 1;
export const SWING_FINALISED = 2;

/**
 * Alternation of swing candidates (spec section 1, step 2): one pending swing; a same-side candidate
 * replaces it only when strictly more extreme; an opposite candidate finalises it and becomes pending.
 * The candidate test itself (window extremes) is done by the engine on its ring of recent candles.
 */
export class SwingAlternation {
  pending: SwingPoint | null = null;
  /** The swing finalised by the last call that returned SWING_FINALISED. */
  lastFinal: SwingPoint | null = null;

  /**
   * Offer a candidate at row `row` (side, level, time), decided at candle `t` (time `tTime`).
   * Returns a combination of SWING_PENDING_CHANGED and SWING_FINALISED.
   */
  offer(
    side: Dir,
    row: number,
    time: number,
    level: number,
    t: number,
    tTime: number,
    sink: SmcSink,
  ): number {
    const p = this.pending;
    if (p !== null && p.side === side && !(side === 1 ? level > p.level : level < p.level)) return 0;
    // only a candidate that changes something is allocated
    const cand: SwingPoint = { side, row, time, level, detectedRow: t };
    if (p === null) {
      this.pending = cand;
      sink.swing('pending', cand, t, tTime, null);
      return SWING_PENDING_CHANGED;
    }
    if (p.side === side) {
      this.pending = cand;
      sink.swing('replaced', cand, t, tTime, p.row);
      return SWING_PENDING_CHANGED;
    }
    this.lastFinal = p;
    sink.swing('final', p, t, tTime, null);
    this.pending = cand;
    sink.swing('pending', cand, t, tTime, null);
    return SWING_PENDING_CHANGED | SWING_FINALISED;
  }
}
