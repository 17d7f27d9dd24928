/**
 * Look-ahead analysis: a decision may depend only on what was known when it was made. Run the backtest
 * on the full data, then again on the data cut at each point; every signal decided on a candle before
 * the cut must come out of the cut run identical (every field, in the same order) and no signal may
 * appear in the cut run that the full run does not have. Any difference means the engine (or the
 * strategy) used data from after the cut: look-ahead.
 *
 * A strategy that reads its data from somewhere other than the candles the brain feeds it (a file, a
 * closure) must be given that data through `strategyFor(candles)`, so a cut run really is cut.
 */
import type { StrategyFactory } from '../../brain/strategy.js';
import type { AegisConfig } from '../../config/schema.js';
import type { Logger } from '../../core/logger.js';
import type { Candle, Interval } from '../../domain/market.js';
import type { Signal } from '../../domain/signal.js';
import { runBacktestDetailed } from './run.js';
import { canonicalSignal } from './trades.js';

export interface LookaheadOptions {
  readonly symbol: string;
  readonly interval: Interval;
  readonly logger: Logger;
  /** Builds the strategy from the data of the run (full or cut); default: the engine's own strategy. */
  readonly strategyFor?: (candles: readonly Candle[]) => StrategyFactory;
  readonly balance?: number;
  readonly resumeAfterHalt?: 'never' | 'next-day';
}

export interface LookaheadDifference {
  /** Index of the first candle left out by the cut. */
  readonly cut: number;
  readonly cutTime: number;
  /** changed: same position, different signal; missing: in the full run only; extra: in the cut run only. */
  readonly kind: 'changed' | 'missing' | 'extra';
  readonly full: string | null;
  readonly cutRun: string | null;
}

export interface LookaheadReport {
  readonly candles: number;
  readonly cuts: readonly number[];
  /** Signals of the full run that were checked (summed over the cuts). */
  readonly compared: number;
  readonly differences: readonly LookaheadDifference[];
}

/** `count` cut points spread evenly inside (0, n), skipping the first `warmup` candles. */
export function evenCuts(n: number, count: number, warmup = 0): number[] {
  const out: number[] = [];
  const span = n - warmup;
  for (let k = 1; k <= count; k++) {
    const c = warmup + Math.floor((span * k) / (count + 1));
    if (c > 0 && c < n && out[out.length - 1] !== c) out.push(c);
  }
  return out;
}

/**
 * Compare the signals of the full run with those of runs on `candles.slice(0, cut)` for each cut.
 * A cut run's signals must equal the full run's signals decided on candles before the cut.
 */
export async function analyzeLookahead(
  candles: readonly Candle[],
  config: AegisConfig,
  cuts: readonly number[],
  options: LookaheadOptions,
): Promise<LookaheadReport> {
  const run = async (data: readonly Candle[]): Promise<readonly Signal[]> =>
    (
      await runBacktestDetailed({
        config,
        candles: data,
        symbol: options.symbol,
        interval: options.interval,
        logger: options.logger,
        journal: false, // only the signals are compared; same results without it (run-journal.test.ts)
        ...(options.balance === undefined ? {} : { balance: options.balance }),
        ...(options.resumeAfterHalt === undefined ? {} : { resumeAfterHalt: options.resumeAfterHalt }),
        ...(options.strategyFor === undefined ? {} : { strategy: options.strategyFor(data) }),
      })
    ).signals;
  const full = await run(candles);
  const differences: LookaheadDifference[] = [];
  let compared = 0;
  for (const cut of cuts) {
    const cutCandle = candles[cut];
    if (cutCandle === undefined || cut <= 0) continue;
    const cutTime = cutCandle.openTime;
    const expected = full.filter((s) => s.candleOpenTime < cutTime).map(canonicalSignal);
    const got = (await run(candles.slice(0, cut))).map(canonicalSignal);
    compared += expected.length;
    const n = Math.max(expected.length, got.length);
    for (let i = 0; i < n; i++) {
      const a = expected[i];
      const b = got[i];
      if (a === b) continue;
      differences.push({
        cut,
        cutTime,
        kind: a === undefined ? 'extra' : b === undefined ? 'missing' : 'changed',
        full: a ?? null,
        cutRun: b ?? null,
      });
    }
  }
  return { candles: candles.length, cuts, compared, differences };
}
