/** The terminal summary of a backtest (a plain table) and the `--json FILE` document. */
import type { BacktestMetrics, TradeStats } from './metrics.js';
import type { BacktestResult } from './run.js';

const NA = 'n/a';

export function pct(x: number | null, digits = 2): string {
  return x === null || !Number.isFinite(x) ? NA : `${(x * 100).toFixed(digits)} %`;
}

export function num(x: number | null, digits = 2): string {
  return x === null || !Number.isFinite(x) ? NA : x.toFixed(digits);
}

/** Duration as "3d 4h 05m" (minutes resolution). */
export function duration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return NA;
  const m = Math.round(ms / 60_000);
  const d = Math.floor(m / 1440);
  const h = Math.floor((m % 1440) / 60);
  const mm = String(m % 60).padStart(2, '0');
  return d > 0 ? `${d}d ${h}h ${mm}m` : `${h}h ${mm}m`;
}

function iso(t: number | null): string {
  return t === null ? '-' : new Date(t).toISOString().slice(0, 16).replace('T', ' ');
}

/** Columns padded to their widest cell: the first left-aligned, the others right-aligned (or all left). */
function table(rows: readonly (readonly string[])[], allLeft = false): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((r) =>
    r
      .map((cell, i) => (i === 0 || allLeft ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

function statsRow(name: string, s: TradeStats): string[] {
  return [
    name,
    String(s.trades),
    num(s.net_pnl),
    pct(s.win_rate, 1),
    num(s.profit_factor),
    num(s.expectancy_r, 3),
    duration(s.avg_holding_ms),
  ];
}

/** The first line of the summary. */
export function headline(r: BacktestResult): string {
  const first = r.trade_list[0];
  const span = first === undefined ? '' : ` (first trade ${iso(first.entryTime)})`;
  const what =
    r.trade_data === null
      ? `${r.candles.toLocaleString('en-US')} candles`
      : `${r.candles.toLocaleString('en-US')} candles built from ${r.trade_data.trades_read.toLocaleString('en-US')} trades`;
  return `AEGIS backtest ${r.symbol} ${r.interval}: ${what}${span}`;
}

/** The key / value rows of the summary (shared by the terminal summary and the HTML report). */
export function summaryRows(r: BacktestResult): string[][] {
  const m = r.metrics;
  return [
    ['net PnL', `${num(m.net_pnl)} (${pct(m.return)})`],
    ['equity', `${num(m.start_equity)} -> ${num(m.end_equity)}`],
    ['CAGR', pct(m.cagr)],
    ['Sharpe (daily, 365)', num(m.sharpe)],
    ['Sortino (daily, 365)', num(m.sortino)],
    ['Calmar', num(m.calmar)],
    [
      'max drawdown',
      `${pct(m.max_drawdown)} (${num(m.max_drawdown_amount)}), ${duration(m.max_drawdown_duration_ms)}`,
    ],
    ['trades', `${m.all.trades} (${r.open_positions} still open), ${r.signals} signals`],
    ['win rate', pct(m.all.win_rate, 1)],
    ['profit factor', num(m.all.profit_factor)],
    ['expectancy', `${num(m.all.expectancy_r, 3)} R`],
    ['exposure', pct(m.exposure, 1)],
    ['average holding', duration(m.all.avg_holding_ms)],
    ['fees paid', num(m.fees_paid)],
    ...dataRows(r),
    [
      'risk denials',
      Object.entries(r.denials)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') || 'none',
    ],
    ['kill switch', killSwitch(r)],
    ['errors', String(r.errors)],
    ['fingerprint', r.fingerprint],
    [
      'speed',
      (r.trade_data === null ? '' : `${n(r.trade_data.trades_per_sec)} trades/s, `) +
        `${n(r.candles_per_sec)} candles/s (${r.elapsed_ms} ms, of which ${r.load_ms} ms loading)`,
    ],
  ];
}

const n = (x: number): string => x.toLocaleString('en-US');

/** What the data layer made of the input: kline counts, or trade counts and the candles built. */
function dataRows(r: BacktestResult): string[][] {
  const files = r.data_files.length > 1 ? [['files', `${r.data_files.length} (${r.data_kind})`]] : [];
  const t = r.trade_data;
  if (t === null) {
    return [
      ...files,
      [
        'data',
        `${r.gaps} gaps (${r.missing_bars} bars missing), ${r.duplicates} duplicates dropped, ${r.rejected} rejected`,
      ],
    ];
  }
  return [
    ...files,
    [
      'trade data',
      `${n(t.trades_read)} trades read, ${n(r.duplicates)} duplicates, ${n(t.out_of_order)} out of order ` +
        `(${n(r.rejected)} rejected), ${n(t.marks)} marks (per ${t.mark_every})`,
    ],
    [
      'candles',
      `${n(r.candles)} built, ${n(t.flat_bars)} flat (no trade; longest run ${n(t.longest_flat_run)}), ` +
        `${r.gaps} gaps (${r.missing_bars} bars missing)`,
    ],
  ];
}

/** Per-group table (all, per symbol, per tier), header row first. */
export function groupRows(m: BacktestMetrics): string[][] {
  return [
    ['group', 'trades', 'net PnL', 'win rate', 'PF', 'exp. R', 'avg hold'],
    statsRow('all', m.all),
    ...Object.entries(m.by_symbol).map(([k, v]) => statsRow(k, v)),
    ...Object.entries(m.by_tier).map(([k, v]) => statsRow(k, v)),
  ];
}

/** Confidence calibration table, header row first. */
export function calibrationRows(m: BacktestMetrics): string[][] {
  return [
    ['confidence', 'trades', 'hit rate', 'avg R'],
    ...m.calibration.map((c) => [
      `${c.from.toFixed(1)}-${c.to.toFixed(1)}`,
      String(c.trades),
      pct(c.hit_rate, 1),
      num(c.avg_r, 3),
    ]),
  ];
}

/** The summary printed at the end of `aegis backtest`. */
export function formatBacktest(r: BacktestResult): string {
  const m = r.metrics;
  const lines = [
    headline(r),
    '',
    ...table(summaryRows(r), true),
    '',
    ...table(groupRows(m)),
    '',
    ...table(calibrationRows(m)),
    '',
    `n/a: fewer than ${m.min_trades} trades in the group`,
  ];
  return lines.join('\n') + '\n';
}

function killSwitch(r: BacktestResult): string {
  const halted = r.halts.filter((h) => h.state === 'halted');
  const first = halted[0];
  if (first === undefined) return 'never tripped';
  const last = r.halts[r.halts.length - 1];
  const end = last?.state === 'halted' ? `, still halted at the end (since ${iso(last.time)})` : '';
  return `halted ${halted.length}x, first ${iso(first.time)}: ${first.reason}${end}`;
}

/** The `--json FILE` document: the result object as stable, indented JSON. */
export function backtestJson(r: BacktestResult): string {
  return JSON.stringify(r, null, 2) + '\n';
}
