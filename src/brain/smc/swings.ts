import type { Dir, SmcEvent, SwingEvent } from './types.js';

/** A swing known to the detector (pending or final). */
export interface SwingPoint {
  readonly side: Dir;
  readonly row: number;
  readonly time: number;
  readonly level: number;
  /** Row at which it became known (row + L). */
  readonly detectedRow: number;
}

/** What one candidate test changed (bit flags). */
export const SWING_PENDING_CHANGED = 1;
export const SWING_FINALISED = 2;

/**
 * Alternation of swing candidates (spec section 1, step 2): one pending swing; a same-side candidate
 * replaces it only when strictly more extreme; an opposite candidate finalises it and becomes pending.
 * The candidate test itself (window extremes) is done by the engine with monotonic deques.
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
    out: SmcEvent[],
  ): number {
    const p = this.pending;
    if (p !== null && p.side === side && !(side === 1 ? level > p.level : level < p.level)) return 0;
    // only a candidate that changes something is allocated
    const cand: SwingPoint = { side, row, time, level, detectedRow: t };
    if (p === null) {
      this.pending = cand;
      out.push(swingEvent('pending', cand, t, tTime, null));
      return SWING_PENDING_CHANGED;
    }
    if (p.side === side) {
      this.pending = cand;
      out.push(swingEvent('replaced', cand, t, tTime, p.row));
      return SWING_PENDING_CHANGED;
    }
    this.lastFinal = p;
    out.push(swingEvent('final', p, t, tTime, null));
    this.pending = cand;
    out.push(swingEvent('pending', cand, t, tTime, null));
    return SWING_PENDING_CHANGED | SWING_FINALISED;
  }
}

function swingEvent(
  action: SwingEvent['action'],
  s: SwingPoint,
  t: number,
  tTime: number,
  replacesRow: number | null,
): SwingEvent {
  return {
    type: 'swing',
    action,
    side: s.side,
    row: s.row,
    time: s.time,
    level: s.level,
    detectedRow: s.detectedRow,
    replacesRow,
    decidedRow: t,
    decidedTime: tTime,
  };
}
