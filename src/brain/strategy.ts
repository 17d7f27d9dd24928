import type { Candle, Interval } from '../domain/market.js';
import type { PatternRef, Side } from '../domain/signal.js';

/**
 * What a strategy proposes on a closed candle. The Brain turns it into a Signal: it adds the tier (from
 * TEACHER_THRESHOLD), the position size (risk fraction of equity over the stop distance), ids and times,
 * and rejects an intent that is not self-consistent (stop on the wrong side, confidence outside [0, 1]).
 */
export interface SignalIntent {
  readonly side: Side;
  /** In [0, 1]. */
  readonly confidence: number;
  readonly entry: number;
  readonly stop: number;
  readonly takeProfit: number;
  /** What fired, with levels and times. */
  readonly patterns: readonly PatternRef[];
  /** Name of the setup, e.g. 'continuation' or 'reversal'. */
  readonly setup: string;
}

/** Read-only view of the other timeframes of the same symbol, given to a strategy by the Brain. */
export interface TimeframeView {
  /** Trend of the next higher configured interval: 1 up, -1 down, 0 unknown/none. */
  higherTrend(): -1 | 0 | 1;
}

/**
 * A trading strategy: one instance per symbol and interval, fed closed candles in time order. It must be
 * causal (decide only from candles it has been given) and deterministic (no clock, no randomness).
 * See docs/strategies.md.
 */
export interface Strategy {
  readonly name: string;
  /** A closed candle. Return an intent to trade on this candle's close, or undefined. */
  onCandle(candle: Candle, view: TimeframeView): SignalIntent | undefined;
  /** Trend this strategy sees on its own interval (used as the higher-timeframe view of lower ones). */
  trend(): -1 | 0 | 1;
}

export type StrategyFactory = (symbol: string, interval: Interval) => Strategy;
