/** Text and JSON forms of an optimisation report (out-of-sample results only). */
import type { ParamValues } from '../../brain/parameters.js';
import type { OptimizeReport } from './optimize.js';

const day = (t: number): string => new Date(t).toISOString().slice(0, 16).replace('T', ' ');
const fmt = (x: number | null, digits = 2): string => (x === null ? 'n/a' : x.toFixed(digits));
const pct = (x: number | null): string => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`);

function params(p: ParamValues | null, names: readonly string[]): string {
  if (p === null) return '(none eligible)';
  return names.map((n) => `${n}=${String(p[n])}`).join(' ');
}

function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** A span as given: candles, or a duration in the largest whole unit (30d, 12h, 90m). */
function span(value: number, unit: 'candles' | 'ms'): string {
  if (unit === 'candles') return `${value} candles`;
  for (const [u, ms] of [
    ['w', 604_800_000],
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
  ] as const) {
    if (value % ms === 0) return `${value / ms}${u}`;
  }
  return `${value} ms`;
}

export function formatOptimize(r: OptimizeReport): string {
  const names = r.ranges.map((x) => x.name);
  const wf = r.walk_forward;
  const lines: string[] = [];
  lines.push(
    `optimize ${r.strategy} on ${r.symbol} ${r.interval}: ${r.candles} candles, ${r.search} search` +
      `${r.seed === null ? '' : ` (seed ${r.seed})`}, ${r.candidates} parameter sets` +
      `${r.refused > 0 ? ` (${r.refused} refused by the strategy)` : ''}, objective ${r.objective}, min ${r.min_trades} trades`,
  );
  lines.push(
    `walk-forward: ${wf.anchored ? 'anchored' : 'rolling'}, train ${span(wf.train, wf.unit)}, test ${span(wf.test, wf.unit)}, step ${span(wf.step, wf.unit)}; ` +
      `${r.windows.length} windows, ${r.backtests} backtests`,
  );
  lines.push('');
  lines.push('OUT-OF-SAMPLE RESULTS PER WINDOW (parameters chosen on the in-sample span before it)');
  const rows: string[][] = [
    [
      'win',
      'test from (UTC)',
      'candles',
      'eligible',
      'trades',
      'net pnl',
      'return',
      'sharpe',
      'max dd',
      'chosen',
    ],
  ];
  for (const w of r.windows) {
    rows.push([
      String(w.index),
      day(w.test.from),
      String(w.test.candles),
      `${w.eligible}/${r.candidates}`,
      w.oos === null ? '-' : String(w.oos.trades),
      w.oos === null ? '-' : w.oos.net_pnl.toFixed(2),
      w.oos === null ? '-' : pct(w.oos.return),
      w.oos === null ? '-' : fmt(w.oos.sharpe),
      w.oos === null ? '-' : pct(w.oos.max_drawdown),
      params(w.chosen, names),
    ]);
  }
  lines.push(table(rows));
  const a = r.oos;
  lines.push('');
  lines.push('OUT-OF-SAMPLE AGGREGATE');
  lines.push(
    table([
      ['windows traded', `${a.windows_traded} of ${r.windows.length} (${a.windows_positive} positive)`],
      ['candles', String(a.candles)],
      ['trades', String(a.trades)],
      ['net pnl (sum)', a.net_pnl.toFixed(2)],
      ['return (compounded)', pct(a.return)],
      ['sharpe (daily, annualised)', fmt(a.sharpe)],
      ['max drawdown', pct(a.max_drawdown)],
      ['win rate', pct(a.win_rate)],
      ['profit factor', fmt(a.profit_factor)],
      ['expectancy (R)', fmt(a.expectancy_r, 3)],
      ['fees', a.fees.toFixed(2)],
    ]),
  );
  lines.push('');
  lines.push(
    `BEST PARAMETERS: ${params(r.best.params, names)} (chosen in ${r.best.chosen_in} of ${r.best.of} windows)`,
  );
  lines.push(`latest window's choice: ${params(r.best.latest, names)}`);
  lines.push(
    `stability: ${r.stability.distinct_sets} distinct sets chosen, best set ${pct(r.stability.best_share)} of choices, ` +
      `${r.stability.switches} switches between consecutive windows`,
  );
  const prow: string[][] = [['param', 'distinct', 'mode', 'mode share', 'mean', 'stdev', 'stdev/range']];
  for (const p of r.stability.params) {
    prow.push([
      p.name,
      String(p.distinct),
      String(p.mode),
      pct(p.mode_share),
      fmt(p.mean, 3),
      fmt(p.stdev, 3),
      pct(p.stdev_of_range),
    ]);
  }
  lines.push(table(prow));
  if (r.errors > 0) lines.push(`WARNING: ${r.errors} engine errors were counted during the backtests`);
  lines.push(
    `${r.backtests} backtests on ${r.timing.workers === 0 ? 'the main thread' : `${r.timing.workers} worker thread(s)`} ` +
      `in ${(r.timing.elapsed_ms / 1000).toFixed(1)} s (${r.timing.backtests_per_sec} backtests/s)`,
  );
  return lines.join('\n') + '\n';
}

export function optimizeJson(r: OptimizeReport): string {
  return JSON.stringify(r, null, 2) + '\n';
}
