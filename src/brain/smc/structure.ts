import type { SmcSink } from './sink.js';
import type { Dir } from './types.js';

/** The latest swing high or low for break tests (spec section 2). */
interface Pivot {
  row: number;
  time: number;
  level: number;
  broken: boolean;
}

export const BREAK_UP = 1;
export const BREAK_DOWN = 2;

/**
 * BOS / CHoCH on a trend state (spec section 2). The most recent swing high `H` and low `Lw` (pending or
 * final; a replacement starts unbroken) are each broken at most once; a break against the trend is a CHoCH.
 */
export class StructureDetector {
  trend: 0 | Dir = 0;
  readonly high: Pivot = { row: -1, time: 0, level: 0, broken: true };
  readonly low: Pivot = { row: -1, time: 0, level: 0, broken: true };

  constructor(private readonly closeBreak: boolean) {}

  onSwing(side: Dir, row: number, time: number, level: number): void {
    const p = side === 1 ? this.high : this.low;
    p.row = row;
    p.time = time;
    p.level = level;
    p.broken = false;
  }

  /** Test candle t; returns BREAK_UP and/or BREAK_DOWN. Bullish is checked first. */
  check(t: number, tTime: number, h: number, l: number, c: number, sink: SmcSink): number {
    let result = 0;
    const H = this.high;
    if (!H.broken && (this.closeBreak ? c : h) > H.level) {
      H.broken = true;
      sink.structure(1, this.trend === -1 ? 'CHOCH' : 'BOS', H, t, tTime);
      this.trend = 1;
      result |= BREAK_UP;
    }
    const Lw = this.low;
    if (!Lw.broken && (this.closeBreak ? c : l) < Lw.level) {
      Lw.broken = true;
      sink.structure(-1, this.trend === 1 ? 'CHOCH' : 'BOS', Lw, t, tTime);
      this.trend = -1;
      result |= BREAK_DOWN;
    }
    return result;
  }
}
