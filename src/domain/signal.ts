import type { Interval } from './market.js';

export type Side = 'BUY' | 'SELL';

/** teacher: confidence >= TEACHER_THRESHOLD (leverage up to MAX_LEVERAGE_TEACHER); student otherwise. */
export type Tier = 'teacher' | 'student';

export function tierOf(confidence: number, teacherThreshold: number): Tier {
  return confidence >= teacherThreshold ? 'teacher' : 'student';
}

/** What fired, with its levels and times, so a trader can see why a signal exists. */
export interface PatternRef {
  readonly kind: string;
  readonly direction: 'up' | 'down';
  readonly level?: number;
  readonly top?: number;
  readonly bottom?: number;
  /** Open time of the candle the pattern refers to (pivot, order-block candle...). */
  readonly refTime?: number;
  /** Open time of the candle whose close made the pattern known. */
  readonly decidedTime: number;
}

export interface Signal {
  readonly id: string;
  readonly symbol: string;
  readonly interval: Interval;
  readonly side: Side;
  /** In [0, 1]. */
  readonly confidence: number;
  readonly tier: Tier;
  /** Base-asset quantity: risk fraction of equity over the stop distance (before exchange filters). */
  readonly position_size: number;
  readonly entry: number;
  readonly stop: number;
  readonly take_profit: number;
  readonly patterns: readonly PatternRef[];
  /** Open time of the closed candle the signal was decided on. */
  readonly candleOpenTime: number;
  /** Engine time of the decision. */
  readonly decidedAt: number;
  readonly strategy: string;
}
