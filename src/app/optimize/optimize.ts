/**
 * `aegis optimize`: walk-forward optimisation of a strategy's declared parameters (docs/optimize.md).
 *
 * For every window: each candidate parameter set is backtested on the in-sample (train) span; the best
 * eligible one by the objective is chosen; that one alone is backtested on the out-of-sample (test) span
 * that follows. Only out-of-sample results are reported: per window, aggregated over windows, the
 * parameters chosen most often and how stable the choice is. In-sample scores are used to choose and
 * then dropped.
 */
import os from 'node:os';
import { ConfigError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { AegisConfig } from '../../config/schema.js';
import type { ParamValue, ParamValues, StrategyDefinition } from '../../brain/parameters.js';
import { INTERVAL_MS, type Candle, type Interval } from '../../domain/market.js';
import { maxDrawdown, mean, returns, sharpe, stdev } from '../backtest/metrics.js';
import type { BacktestSettings, EvalJob, EvalSetup, RunSummary } from './evaluate.js';
import { pickBest, type Objective } from './objective.js';
import { inProcessRunner, workerPool, type JobRunner } from './pool.js';
import { candidates, enumerateGrid, gridSize, paramKey, sampleGrid, type ParamRange } from './space.js';
import { baseParams, strategyDefinition } from './strategies.js';
import { windowsByCount, windowsByTime, type WalkForwardWindow, type WindowOptions } from './walk-forward.js';

export interface OptimizeOptions {
  readonly config: AegisConfig;
  readonly candles: readonly Candle[];
  readonly symbol: string;
  readonly interval: Interval;
  readonly strategy: string;
  /** Searched parameters (others keep their base value). */
  readonly ranges: readonly ParamRange[];
  readonly search: 'grid' | 'random';
  /** Random search: number of grid points drawn. */
  readonly samples?: number;
  readonly seed?: number;
  readonly windows: WindowOptions;
  readonly objective: Objective;
  /** A run with fewer trades is not eligible in-sample; out-of-sample ratios are n/a below it. Default 10. */
  readonly minTrades?: number;
  /** Worker threads; 0 = in this thread. Default os.availableParallelism(). */
  readonly workers?: number;
  readonly backtest?: Omit<BacktestSettings, 'minTrades'>;
  readonly logger: Logger;
  readonly onProgress?: (phase: 'in-sample' | 'out-of-sample', done: number, total: number) => void;
}

/** Out-of-sample statistics of one run (a window's test span). */
export interface OosStats {
  readonly candles: number;
  readonly trades: number;
  readonly net_pnl: number;
  readonly return: number;
  readonly sharpe: number | null;
  readonly expectancy_r: number | null;
  readonly win_rate: number | null;
  readonly profit_factor: number | null;
  readonly max_drawdown: number;
  readonly fees: number;
  readonly fingerprint: string;
}

export interface WindowReport {
  readonly index: number;
  readonly train: { readonly from: number; readonly to: number; readonly candles: number };
  readonly test: { readonly from: number; readonly to: number; readonly candles: number };
  /** Candidates with enough in-sample trades and a defined score. */
  readonly eligible: number;
  /** The in-sample winner; null when no candidate was eligible (the window is then not traded). */
  readonly chosen: ParamValues | null;
  readonly oos: OosStats | null;
}

export interface ParamStability {
  readonly name: string;
  /** Distinct values chosen across the windows that chose something. */
  readonly distinct: number;
  readonly mode: ParamValue;
  /** Share of those windows that chose the mode. */
  readonly mode_share: number;
  /** Numeric parameters: mean and sample stdev of the chosen values, and the stdev over the searched span. */
  readonly mean: number | null;
  readonly stdev: number | null;
  readonly stdev_of_range: number | null;
}

export interface OptimizeReport {
  readonly strategy: string;
  readonly symbol: string;
  readonly interval: Interval;
  readonly candles: number;
  readonly search: 'grid' | 'random';
  readonly seed: number | null;
  readonly objective: Objective;
  readonly min_trades: number;
  readonly ranges: readonly { readonly name: string; readonly values: readonly ParamValue[] }[];
  readonly grid_points: number;
  /** Candidates evaluated (after the strategy's own check). */
  readonly candidates: number;
  readonly refused: number;
  readonly walk_forward: {
    readonly unit: 'candles' | 'ms';
    readonly train: number;
    readonly test: number;
    readonly step: number;
    readonly anchored: boolean;
  };
  readonly windows: readonly WindowReport[];
  /** Every out-of-sample span, back to back, each started from the same balance. */
  readonly oos: {
    readonly windows_traded: number;
    readonly windows_positive: number;
    readonly candles: number;
    readonly trades: number;
    /** Sum of the windows' net PnL. */
    readonly net_pnl: number;
    /** The windows' returns compounded. */
    readonly return: number;
    /** Annualised Sharpe of the daily returns of all out-of-sample days. */
    readonly sharpe: number | null;
    /** Deepest fall of the compounded daily equity. */
    readonly max_drawdown: number;
    readonly win_rate: number | null;
    readonly profit_factor: number | null;
    readonly expectancy_r: number | null;
    readonly fees: number;
  };
  readonly best: {
    /** The parameter set chosen in most windows (a tie goes to the one chosen latest). */
    readonly params: ParamValues | null;
    readonly chosen_in: number;
    readonly of: number;
    /** The last window's choice: what a walk-forward deployment would trade next. */
    readonly latest: ParamValues | null;
  };
  readonly stability: {
    /** Distinct parameter sets chosen. */
    readonly distinct_sets: number;
    /** Share of choosing windows whose choice is the best (most frequent) set. */
    readonly best_share: number;
    /** Consecutive choosing windows that changed the set. */
    readonly switches: number;
    readonly params: readonly ParamStability[];
  };
  readonly backtests: number;
  /** Engine errors counted over every backtest (should be 0). */
  readonly errors: number;
  /** Not deterministic: wall time and the worker count. */
  readonly timing: {
    readonly workers: number;
    readonly elapsed_ms: number;
    readonly backtests_per_sec: number;
  };
}

const DEFAULT_MIN_TRADES = 10;
const DEFAULT_SEED = 1;

export function defaultWorkers(): number {
  return os.availableParallelism();
}

function buildWindows(candles: readonly Candle[], interval: Interval, w: WindowOptions): WalkForwardWindow[] {
  if (w.unit === 'candles') return windowsByCount(candles.length, w);
  const times = candles.map((c) => c.openTime);
  const last = candles[candles.length - 1];
  const end = last === undefined ? 0 : last.openTime + INTERVAL_MS[interval];
  return windowsByTime(times, end, w);
}

function oosStats(r: RunSummary): OosStats {
  return {
    candles: r.candles,
    trades: r.trades,
    net_pnl: r.net_pnl,
    return: r.return,
    sharpe: r.sharpe,
    expectancy_r: r.expectancy_r,
    win_rate: r.win_rate,
    profit_factor: r.profit_factor,
    max_drawdown: r.max_drawdown,
    fees: r.fees,
    fingerprint: r.fingerprint,
  };
}

export async function optimize(o: OptimizeOptions): Promise<OptimizeReport> {
  const t0 = performance.now();
  const def = strategyDefinition(o.strategy);
  const minTrades = o.minTrades ?? DEFAULT_MIN_TRADES;
  if (!Number.isInteger(minTrades) || minTrades < 1)
    throw new ConfigError([`min trades must be an integer >= 1, got ${minTrades}`]);
  const points =
    o.search === 'grid'
      ? enumerateGrid(o.ranges)
      : sampleGrid(o.ranges, o.samples ?? 50, o.seed ?? DEFAULT_SEED);
  const cands = candidates(def, points, baseParams(def, o.config));
  if (cands.list.length === 0) {
    throw new ConfigError([
      `no parameter set to try: all ${points.length} were refused by strategy ${def.name} (${cands.firstRefusal ?? ''})`,
    ]);
  }
  if (cands.refused > 0) {
    o.logger.warn(
      { refused: cands.refused, reason: cands.firstRefusal },
      'optimize: parameter sets refused by the strategy',
    );
  }
  const windows = buildWindows(o.candles, o.interval, o.windows);
  const setup: EvalSetup = {
    // a backtest signs nothing; secrets would not survive the copy to a worker anyway
    config: Object.freeze({ ...o.config, binanceApiKey: undefined, binanceApiSecret: undefined }),
    symbol: o.symbol,
    interval: o.interval,
    strategy: def.name,
    settings: { ...o.backtest, minTrades },
  };
  const workers = o.workers ?? defaultWorkers();
  if (!Number.isInteger(workers) || workers < 0)
    throw new ConfigError([`workers must be an integer >= 0, got ${workers}`]);
  const runner: JobRunner =
    workers === 0
      ? inProcessRunner(setup, o.candles, o.logger)
      : await workerPool(workers, setup, o.candles, o.logger);

  let trainRuns: RunSummary[];
  let testRuns: RunSummary[];
  const chosen: (number | undefined)[] = [];
  const eligible: number[] = [];
  try {
    // 1. in-sample: every candidate on every train span
    const trainJobs: EvalJob[] = [];
    for (const w of windows) {
      for (const params of cands.list) {
        trainJobs.push({ id: trainJobs.length, params, start: w.trainStart, end: w.trainEnd, detail: false });
      }
    }
    trainRuns = await runner.run(trainJobs, (d, t) => o.onProgress?.('in-sample', d, t));
    const k = cands.list.length;
    for (const w of windows) {
      const runs = trainRuns.slice(w.index * k, (w.index + 1) * k);
      chosen.push(pickBest(runs, o.objective, minTrades)?.index);
      eligible.push(runs.filter((r) => pickBest([r], o.objective, minTrades) !== undefined).length);
    }
    // 2. out-of-sample: each window's choice on its test span
    const testJobs: EvalJob[] = [];
    windows.forEach((w, i) => {
      const c = chosen[i];
      if (c === undefined) return;
      testJobs.push({
        id: trainJobs.length + testJobs.length,
        params: cands.list[c] as ParamValues,
        start: w.testStart,
        end: w.testEnd,
        detail: true,
      });
    });
    testRuns = await runner.run(testJobs, (d, t) => o.onProgress?.('out-of-sample', d, t));
  } finally {
    await runner.close();
  }

  const time = (i: number): number => (o.candles[i] as Candle).openTime;
  const endTime = (i: number): number =>
    i > 0 ? (o.candles[i - 1] as Candle).openTime + INTERVAL_MS[o.interval] : time(0);
  let t = 0;
  const windowReports: WindowReport[] = windows.map((w, i) => {
    const c = chosen[i];
    const run = c === undefined ? undefined : testRuns[t++];
    return {
      index: w.index,
      train: { from: time(w.trainStart), to: endTime(w.trainEnd), candles: w.trainEnd - w.trainStart },
      test: { from: time(w.testStart), to: endTime(w.testEnd), candles: w.testEnd - w.testStart },
      eligible: eligible[i] as number,
      chosen: c === undefined ? null : (cands.list[c] as ParamValues),
      oos: run === undefined ? null : oosStats(run),
    };
  });

  const step = o.windows.step ?? o.windows.test;
  const elapsed = performance.now() - t0;
  const backtests = trainRuns.length + testRuns.length;
  return {
    strategy: def.name,
    symbol: o.symbol,
    interval: o.interval,
    candles: o.candles.length,
    search: o.search,
    seed: o.search === 'random' ? (o.seed ?? DEFAULT_SEED) : null,
    objective: o.objective,
    min_trades: minTrades,
    ranges: o.ranges.map((r) => ({ name: r.name, values: r.values })),
    grid_points: gridSize(o.ranges),
    candidates: cands.list.length,
    refused: cands.refused,
    walk_forward: {
      unit: o.windows.unit,
      train: o.windows.train,
      test: o.windows.test,
      step,
      anchored: o.windows.anchored === true,
    },
    windows: windowReports,
    oos: aggregateOos(testRuns, minTrades, o.backtest?.balance ?? 10_000),
    ...choiceSummary(def, o.ranges, windowReports),
    backtests,
    errors: [...trainRuns, ...testRuns].reduce((s, r) => s + r.errors, 0),
    timing: {
      workers: runner.workers,
      elapsed_ms: Math.round(elapsed),
      backtests_per_sec: elapsed > 0 ? Number(((backtests / elapsed) * 1000).toFixed(2)) : 0,
    },
  };
}

/** Out-of-sample runs only (detail runs: daily equity and trade outcomes). */
export function aggregateOos(
  runs: readonly RunSummary[],
  minTrades: number,
  balance: number,
): OptimizeReport['oos'] {
  const daily: number[] = [];
  const outcomes = runs.flatMap((r) => r.outcomes ?? []);
  for (const r of runs) daily.push(...returns(r.daily ?? []));
  // compounded daily equity over every out-of-sample day, for the drawdown
  let eq = balance;
  const curve = [{ time: 0, equity: eq }];
  daily.forEach((d, i) => {
    eq *= 1 + d;
    curve.push({ time: i + 1, equity: eq });
  });
  const enough = outcomes.length >= minTrades && outcomes.length > 0;
  const wins = outcomes.filter((x) => x.pnl > 0);
  const grossWin = wins.reduce((s, x) => s + x.pnl, 0);
  const grossLoss = -outcomes.filter((x) => x.pnl < 0).reduce((s, x) => s + x.pnl, 0);
  const rs = outcomes.map((x) => x.r).filter((x): x is number => x !== null);
  return {
    windows_traded: runs.length,
    windows_positive: runs.filter((r) => r.net_pnl > 0).length,
    candles: runs.reduce((s, r) => s + r.candles, 0),
    trades: outcomes.length,
    net_pnl: runs.reduce((s, r) => s + r.net_pnl, 0),
    return: runs.reduce((g, r) => g * (1 + r.return), 1) - 1,
    sharpe: enough ? sharpe(daily) : null,
    max_drawdown: maxDrawdown(curve).depth,
    win_rate: enough ? wins.length / outcomes.length : null,
    profit_factor: enough && grossLoss > 0 ? grossWin / grossLoss : null,
    expectancy_r: enough && rs.length > 0 ? mean(rs) : null,
    fees: runs.reduce((s, r) => s + r.fees, 0),
  };
}

/** Best parameters (most often chosen) and how stable the choice is across windows. */
export function choiceSummary(
  def: StrategyDefinition,
  ranges: readonly ParamRange[],
  windows: readonly WindowReport[],
): Pick<OptimizeReport, 'best' | 'stability'> {
  const picks = windows.map((w) => w.chosen).filter((c): c is ParamValues => c !== null);
  const count = new Map<string, { n: number; last: number; params: ParamValues }>();
  picks.forEach((p, i) => {
    const k = paramKey(def, p);
    const e = count.get(k);
    count.set(k, { n: (e?.n ?? 0) + 1, last: i, params: p });
  });
  let best: { n: number; last: number; params: ParamValues } | undefined;
  for (const e of count.values()) {
    if (best === undefined || e.n > best.n || (e.n === best.n && e.last > best.last)) best = e;
  }
  let switches = 0;
  for (let i = 1; i < picks.length; i++) {
    if (paramKey(def, picks[i] as ParamValues) !== paramKey(def, picks[i - 1] as ParamValues)) switches++;
  }
  const params: ParamStability[] = ranges.map((r) => {
    const vals = picks.map((p) => p[r.name] as ParamValue);
    const freq = new Map<ParamValue, number>();
    for (const v of vals) freq.set(v, (freq.get(v) ?? 0) + 1);
    let mode: ParamValue = r.values[0] as ParamValue;
    let modeN = 0;
    // ties go to the value listed first in the range (deterministic)
    for (const v of r.values) {
      const n = freq.get(v) ?? 0;
      if (n > modeN) {
        mode = v;
        modeN = n;
      }
    }
    const numeric = vals.length > 0 && vals.every((v) => typeof v === 'number');
    const nums = vals as number[];
    const span = r.values.every((v) => typeof v === 'number')
      ? Math.max(...(r.values as number[])) - Math.min(...(r.values as number[]))
      : 0;
    const sd = numeric && nums.length >= 2 ? stdev(nums) : null;
    return {
      name: r.name,
      distinct: freq.size,
      mode,
      mode_share: vals.length > 0 ? modeN / vals.length : 0,
      mean: numeric ? mean(nums) : null,
      stdev: sd,
      stdev_of_range: sd !== null && span > 0 ? sd / span : null,
    };
  });
  return {
    best: {
      params: best?.params ?? null,
      chosen_in: best?.n ?? 0,
      of: windows.length,
      latest: picks[picks.length - 1] ?? null,
    },
    stability: {
      distinct_sets: count.size,
      best_share: picks.length > 0 ? (best?.n ?? 0) / picks.length : 0,
      switches,
      params,
    },
  };
}
