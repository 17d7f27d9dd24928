/**
 * What "best" means on an in-sample span. A run with fewer than `minTrades` trades is not eligible
 * (its ratios are noise), whatever its score.
 */
import { ConfigError } from '../../core/errors.js';
import type { RunSummary } from './evaluate.js';

export const OBJECTIVES = ['sharpe', 'net_pnl', 'expectancy', 'profit_factor'] as const;
export type Objective = (typeof OBJECTIVES)[number];

export function isObjective(x: string): x is Objective {
  return (OBJECTIVES as readonly string[]).includes(x);
}

export function parseObjective(x: string): Objective {
  if (!isObjective(x))
    throw new ConfigError([`objective must be one of ${OBJECTIVES.join(', ')}, got "${x}"`]);
  return x;
}

/**
 * The score of a run: annualised Sharpe of daily returns, net PnL (quote), expectancy (mean R per
 * trade) or profit factor; null when the run is not eligible (too few trades, or the ratio is undefined).
 */
export function score(run: RunSummary, objective: Objective, minTrades: number): number | null {
  if (run.trades < minTrades) return null;
  const v = {
    sharpe: run.sharpe,
    net_pnl: run.net_pnl,
    expectancy: run.expectancy_r,
    profit_factor: run.profit_factor,
  }[objective];
  return v === null || !Number.isFinite(v) ? null : v;
}

/**
 * Index of the best eligible run (highest score; on a tie the earlier candidate, so the choice never
 * depends on the order results arrive in); undefined when no run is eligible.
 */
export function pickBest(
  runs: readonly RunSummary[],
  objective: Objective,
  minTrades: number,
): { readonly index: number; readonly score: number } | undefined {
  let best: { index: number; score: number } | undefined;
  runs.forEach((r, i) => {
    const s = score(r, objective, minTrades);
    if (s !== null && (best === undefined || s > best.score)) best = { index: i, score: s };
  });
  return best;
}
