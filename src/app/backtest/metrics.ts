/**
 * Backtest metrics: pure functions of the trade list and the equity curve (definitions in
 * docs/backtest.md). Ratios that need a sample are null ("n/a") below `minTrades` trades.
 */
import type { BacktestTrade } from './trades.js';

export const DAY_MS = 86_400_000;
export const DAYS_PER_YEAR = 365;
export const DEFAULT_MIN_TRADES = 10;

export interface EquityPoint {
  readonly time: number;
  readonly equity: number;
}

export interface Drawdown {
  /** Deepest fall from a running peak, as a fraction of that peak (0.25 = -25 %); 0 without a fall. */
  readonly depth: number;
  /** The same fall in quote currency. */
  readonly amount: number;
  /** Longest time spent below a previous peak (peak to recovery, or to the last point), ms. */
  readonly durationMs: number;
}

/** Maximum drawdown (depth and duration) of an equity curve in time order. */
export function maxDrawdown(curve: readonly EquityPoint[]): Drawdown {
  let peak = -Infinity;
  let peakTime = 0;
  let depth = 0;
  let amount = 0;
  let duration = 0;
  let below = false;
  for (const p of curve) {
    if (p.equity >= peak) {
      if (below) duration = Math.max(duration, p.time - peakTime);
      below = false;
      peak = p.equity;
      peakTime = p.time;
      continue;
    }
    below = true;
    const fall = peak - p.equity;
    if (fall > amount) amount = fall;
    const d = peak > 0 ? fall / peak : 0;
    if (d > depth) depth = d;
  }
  const last = curve[curve.length - 1];
  if (below && last !== undefined) duration = Math.max(duration, last.time - peakTime);
  return { depth, amount, durationMs: duration };
}

/**
 * Equity at the end of each UTC day (the last point of the day), in day order. The first element is the
 * equity at the start (the first point), so n days give n + 1 values and n daily returns.
 */
export function dailyEquity(curve: readonly EquityPoint[]): number[] {
  const first = curve[0];
  if (first === undefined) return [];
  const out = [first.equity];
  let day = Math.floor(first.time / DAY_MS);
  let last = first.equity;
  for (const p of curve) {
    const d = Math.floor(p.time / DAY_MS);
    if (d !== day) {
      out.push(last);
      day = d;
    }
    last = p.equity;
  }
  out.push(last);
  return out;
}

/** Simple returns between consecutive values. */
export function returns(values: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < values.length; i++) {
    const prev = values[i - 1] as number;
    out.push(prev === 0 ? 0 : (values[i] as number) / prev - 1);
  }
  return out;
}

export function mean(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Sample standard deviation (n - 1). */
export function stdev(xs: readonly number[]): number {
  if (xs.length < 2) return NaN;
  const m = mean(xs);
  let s = 0;
  for (const x of xs) s += (x - m) * (x - m);
  return Math.sqrt(s / (xs.length - 1));
}

/** Annualised Sharpe ratio of daily returns (risk-free rate 0): mean / sample stdev x sqrt(365). */
export function sharpe(daily: readonly number[], periodsPerYear = DAYS_PER_YEAR): number | null {
  const sd = stdev(daily);
  if (!(sd > 0)) return null;
  return (mean(daily) / sd) * Math.sqrt(periodsPerYear);
}

/**
 * Annualised Sortino ratio of daily returns (target 0): mean / downside deviation x sqrt(365), the
 * downside deviation being sqrt(sum(min(r, 0)^2) / n) over all n returns.
 */
export function sortino(daily: readonly number[], periodsPerYear = DAYS_PER_YEAR): number | null {
  if (daily.length === 0) return null;
  let s = 0;
  for (const r of daily) if (r < 0) s += r * r;
  const dd = Math.sqrt(s / daily.length);
  if (!(dd > 0)) return null;
  return (mean(daily) / dd) * Math.sqrt(periodsPerYear);
}

/** Compound annual growth rate over `ms` of time (365-day years). */
export function cagr(start: number, end: number, ms: number): number | null {
  if (!(start > 0) || !(ms > 0) || end < 0) return null;
  return Math.pow(end / start, (DAYS_PER_YEAR * DAY_MS) / ms) - 1;
}

/** CAGR over the maximum drawdown depth. */
export function calmar(cagrValue: number | null, drawdownDepth: number): number | null {
  if (cagrValue === null || !(drawdownDepth > 0)) return null;
  return cagrValue / drawdownDepth;
}

/** Fraction of trades with pnl > 0. */
export function winRate(trades: readonly BacktestTrade[]): number | null {
  if (trades.length === 0) return null;
  return trades.filter((t) => t.pnl > 0).length / trades.length;
}

/** Gross profit / gross loss (null without a loss). */
export function profitFactor(trades: readonly BacktestTrade[]): number | null {
  let win = 0;
  let loss = 0;
  for (const t of trades) {
    if (t.pnl > 0) win += t.pnl;
    else loss -= t.pnl;
  }
  return loss > 0 ? win / loss : null;
}

/** Mean R over the trades that have one. */
export function expectancyR(trades: readonly BacktestTrade[]): number | null {
  const rs = trades.map((t) => t.r).filter((r): r is number => r !== null);
  return rs.length === 0 ? null : mean(rs);
}

/** Fraction of [start, end) covered by at least one open trade (overlapping trades counted once). */
export function exposure(trades: readonly BacktestTrade[], start: number, end: number): number {
  if (!(end > start)) return 0;
  const spans = trades
    .map((t) => [Math.max(start, t.entryTime), Math.min(end, t.exitTime)] as const)
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  let covered = 0;
  let curA = -Infinity;
  let curB = -Infinity;
  for (const [a, b] of spans) {
    if (a > curB) {
      if (curB > curA) covered += curB - curA;
      curA = a;
      curB = b;
    } else if (b > curB) curB = b;
  }
  if (curB > curA) covered += curB - curA;
  return covered / (end - start);
}

export function averageHoldingMs(trades: readonly BacktestTrade[]): number | null {
  if (trades.length === 0) return null;
  return mean(trades.map((t) => t.exitTime - t.entryTime));
}

export interface TradeStats {
  readonly trades: number;
  readonly net_pnl: number;
  readonly fees: number;
  readonly win_rate: number | null;
  readonly profit_factor: number | null;
  readonly expectancy_r: number | null;
  readonly avg_holding_ms: number | null;
}

/** Trade-list statistics; the ratios are null below `minTrades`. */
export function tradeStats(trades: readonly BacktestTrade[], minTrades = DEFAULT_MIN_TRADES): TradeStats {
  const enough = trades.length >= minTrades && trades.length > 0;
  let pnl = 0;
  let fees = 0;
  for (const t of trades) {
    pnl += t.pnl;
    fees += t.fees;
  }
  return {
    trades: trades.length,
    net_pnl: pnl,
    fees,
    win_rate: enough ? winRate(trades) : null,
    profit_factor: enough ? profitFactor(trades) : null,
    expectancy_r: enough ? expectancyR(trades) : null,
    avg_holding_ms: averageHoldingMs(trades),
  };
}

export interface CalibrationRow {
  /** [from, to): 0.5-0.6 ... 0.9-1.0 (the last bucket includes 1.0). */
  readonly from: number;
  readonly to: number;
  readonly trades: number;
  readonly hit_rate: number | null;
  readonly avg_r: number | null;
}

export const CALIBRATION_EDGES = [0.5, 0.6, 0.7, 0.8, 0.9, 1.0] as const;

/**
 * Confidence buckets -> trades, hit rate (pnl > 0) and average R. Trades below 0.5 are not listed (the
 * risk gate's minimum confidence is 0.5 by default). Hit rate and R are null below `minTrades`.
 */
export function calibration(
  trades: readonly BacktestTrade[],
  minTrades = DEFAULT_MIN_TRADES,
): CalibrationRow[] {
  const rows: CalibrationRow[] = [];
  for (let i = 0; i + 1 < CALIBRATION_EDGES.length; i++) {
    const from = CALIBRATION_EDGES[i] as number;
    const to = CALIBRATION_EDGES[i + 1] as number;
    const last = i + 2 === CALIBRATION_EDGES.length;
    const inBucket = trades.filter(
      (t) => t.confidence >= from && (t.confidence < to || (last && t.confidence <= to)),
    );
    const enough = inBucket.length >= minTrades && inBucket.length > 0;
    rows.push({
      from,
      to,
      trades: inBucket.length,
      hit_rate: enough ? winRate(inBucket) : null,
      avg_r: enough ? expectancyR(inBucket) : null,
    });
  }
  return rows;
}

export function groupBy<K extends string>(
  trades: readonly BacktestTrade[],
  key: (t: BacktestTrade) => K,
): Map<K, BacktestTrade[]> {
  const out = new Map<K, BacktestTrade[]>();
  for (const t of trades) {
    const k = key(t);
    const list = out.get(k);
    if (list === undefined) out.set(k, [t]);
    else list.push(t);
  }
  return out;
}

export interface BacktestMetrics {
  readonly start_equity: number;
  readonly end_equity: number;
  readonly net_pnl: number;
  readonly return: number;
  readonly cagr: number | null;
  readonly sharpe: number | null;
  readonly sortino: number | null;
  readonly calmar: number | null;
  readonly max_drawdown: number;
  readonly max_drawdown_amount: number;
  readonly max_drawdown_duration_ms: number;
  readonly exposure: number;
  readonly fees_paid: number;
  readonly min_trades: number;
  readonly all: TradeStats;
  readonly by_symbol: Readonly<Record<string, TradeStats>>;
  readonly by_tier: Readonly<Record<string, TradeStats>>;
  readonly calibration: readonly CalibrationRow[];
}

export interface MetricsInput {
  readonly trades: readonly BacktestTrade[];
  /** Mark-to-market equity, one point per candle close (first point = the starting equity). */
  readonly curve: readonly EquityPoint[];
  /** Fees of every fill, including those of positions still open at the end. */
  readonly feesPaid: number;
  readonly start: number;
  readonly end: number;
  readonly minTrades?: number;
}

export function computeMetrics(input: MetricsInput): BacktestMetrics {
  const min = input.minTrades ?? DEFAULT_MIN_TRADES;
  const { trades, curve } = input;
  const startEq = curve[0]?.equity ?? 0;
  const endEq = curve[curve.length - 1]?.equity ?? startEq;
  const enough = trades.length >= min && trades.length > 0;
  const dd = maxDrawdown(curve);
  const daily = returns(dailyEquity(curve));
  const growth = cagr(startEq, endEq, input.end - input.start);
  const stats = (list: readonly BacktestTrade[]): TradeStats => tradeStats(list, min);
  const bySymbol: Record<string, TradeStats> = {};
  for (const [k, v] of groupBy(trades, (t) => t.symbol)) bySymbol[k] = stats(v);
  const byTier: Record<string, TradeStats> = {};
  for (const tier of ['teacher', 'student'] as const)
    byTier[tier] = stats(trades.filter((t) => t.tier === tier));
  return {
    start_equity: startEq,
    end_equity: endEq,
    net_pnl: endEq - startEq,
    return: startEq > 0 ? endEq / startEq - 1 : 0,
    cagr: enough ? growth : null,
    sharpe: enough ? sharpe(daily) : null,
    sortino: enough ? sortino(daily) : null,
    calmar: enough ? calmar(growth, dd.depth) : null,
    max_drawdown: dd.depth,
    max_drawdown_amount: dd.amount,
    max_drawdown_duration_ms: dd.durationMs,
    exposure: exposure(trades, input.start, input.end),
    fees_paid: input.feesPaid,
    min_trades: min,
    all: stats(trades),
    by_symbol: bySymbol,
    by_tier: byTier,
    calibration: calibration(trades, min),
  };
}
