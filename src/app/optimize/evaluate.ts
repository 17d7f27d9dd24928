/**
 * One optimiser job: a backtest (runBacktestDetailed, the engine of every mode) of one parameter set on
 * one span of candles, boiled down to what the optimiser needs. The same function runs in the worker
 * threads and in-process, so the worker count cannot change a result.
 */
import type { Logger } from '../../core/logger.js';
import type { AegisConfig } from '../../config/schema.js';
import type { ParamValues } from '../../brain/parameters.js';
import type { Candle, Interval } from '../../domain/market.js';
import type { FeeRates } from '../../venues/sim/types.js';
import { dailyEquity } from '../backtest/metrics.js';
import { runBacktestDetailed } from '../backtest/run.js';
import { strategyDefinition } from './strategies.js';

/** Backtest settings shared by every job of a run. */
export interface BacktestSettings {
  readonly fees?: FeeRates;
  readonly slippage?: number;
  readonly balance?: number;
  readonly resumeAfterHalt?: 'never' | 'next-day';
  /** Ratios (Sharpe, expectancy, ...) are n/a below this many trades, and such a run is not eligible. */
  readonly minTrades: number;
}

/** What a worker needs besides the candles (plain data: it crosses the thread boundary). */
export interface EvalSetup {
  /** The config without its secrets (a backtest signs nothing). */
  readonly config: AegisConfig;
  readonly symbol: string;
  readonly interval: Interval;
  readonly strategy: string;
  readonly settings: BacktestSettings;
}

export interface EvalJob {
  readonly id: number;
  readonly params: ParamValues;
  /** Candle index range [start, end). */
  readonly start: number;
  readonly end: number;
  /** Keep the daily equity and per-trade results (out-of-sample runs, for the aggregate). */
  readonly detail: boolean;
}

export interface TradeOutcome {
  readonly pnl: number;
  readonly r: number | null;
  readonly fees: number;
}

export interface RunSummary {
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
  /** Engine errors counted during the run (should be 0). */
  readonly errors: number;
  readonly fingerprint: string;
  /** detail only: equity at the start and at the end of each UTC day. */
  readonly daily?: readonly number[];
  /** detail only. */
  readonly outcomes?: readonly TradeOutcome[];
}

export async function evaluate(
  setup: EvalSetup,
  candles: readonly Candle[],
  job: EvalJob,
  logger: Logger,
): Promise<RunSummary> {
  const def = strategyDefinition(setup.strategy);
  const s = setup.settings;
  const run = await runBacktestDetailed({
    config: setup.config,
    candles: candles.slice(job.start, job.end),
    symbol: setup.symbol,
    interval: setup.interval,
    strategy: def.create(job.params),
    logger,
    journal: false, // nothing reads a sweep's journal; same results (run-journal.test.ts), 40-50 % faster
    minTrades: s.minTrades,
    ...(s.fees === undefined ? {} : { fees: s.fees }),
    ...(s.slippage === undefined ? {} : { slippage: s.slippage }),
    ...(s.balance === undefined ? {} : { balance: s.balance }),
    ...(s.resumeAfterHalt === undefined ? {} : { resumeAfterHalt: s.resumeAfterHalt }),
  });
  const r = run.result;
  const m = r.metrics;
  const summary: RunSummary = {
    candles: r.candles,
    trades: r.trades,
    net_pnl: m.net_pnl,
    return: m.return,
    sharpe: m.sharpe,
    expectancy_r: m.all.expectancy_r,
    win_rate: m.all.win_rate,
    profit_factor: m.all.profit_factor,
    max_drawdown: m.max_drawdown,
    fees: m.fees_paid,
    errors: r.errors,
    fingerprint: r.fingerprint,
  };
  if (!job.detail) return summary;
  return {
    ...summary,
    daily: dailyEquity(run.curve),
    outcomes: r.trade_list.map((t) => ({ pnl: t.pnl, r: t.r, fees: t.fees })),
  };
}

/** Candle fields packed as columns of one shared buffer: one copy for all workers. */
const COLUMNS = 12;

export function packCandles(candles: readonly Candle[]): SharedArrayBuffer {
  const n = candles.length;
  const buf = new SharedArrayBuffer(n * COLUMNS * Float64Array.BYTES_PER_ELEMENT);
  const a = new Float64Array(buf);
  candles.forEach((c, i) => {
    const o = i * COLUMNS;
    a[o] = c.openTime;
    a[o + 1] = c.open;
    a[o + 2] = c.high;
    a[o + 3] = c.low;
    a[o + 4] = c.close;
    a[o + 5] = c.volume;
    a[o + 6] = c.quoteVolume;
    a[o + 7] = c.trades;
    a[o + 8] = c.takerBuyVolume;
    a[o + 9] = c.takerBuyQuoteVolume;
    a[o + 10] = c.closed ? 1 : 0;
    a[o + 11] = c.synthetic ? 1 : 0;
  });
  return buf;
}

export function unpackCandles(buf: SharedArrayBuffer, symbol: string, interval: Interval): Candle[] {
  const a = new Float64Array(buf);
  const n = a.length / COLUMNS;
  const out: Candle[] = new Array<Candle>(n);
  for (let i = 0; i < n; i++) {
    const o = i * COLUMNS;
    const v = (k: number): number => a[o + k] as number;
    out[i] = {
      symbol,
      interval,
      openTime: v(0),
      open: v(1),
      high: v(2),
      low: v(3),
      close: v(4),
      volume: v(5),
      quoteVolume: v(6),
      trades: v(7),
      takerBuyVolume: v(8),
      takerBuyQuoteVolume: v(9),
      closed: v(10) === 1,
      synthetic: v(11) === 1,
    };
  }
  return out;
}
