/**
 * `aegis backtest --html FILE`: one self-contained HTML page that works offline (docs/backtest.md).
 *
 * - lightweight-charts v5 (the standalone build from node_modules, read when the report is written) is
 *   inlined in a <script>; the page loads nothing else: no CDN, no fonts, no network.
 * - The data is one JSON document in a <script type="application/json"> (every '<' written as \u003c,
 *   so no text in it can close the element); all text in the HTML itself is escaped.
 * - Chart, pane 0: the candles, order blocks and fair value gaps as boxes while they are fresh (from
 *   their candle to the first touch, invalidation, eviction or fill, else to the end: the zones the
 *   default strategy trades), liquidity pools as lines (anchor to the candle that
 *   took them), BOS / CHoCH as markers with a dashed line from the broken swing, entries and exits as
 *   markers (side, price, exit reason). Pane 1: equity; pane 2: drawdown from the running peak (%).
 * - Tables: the numbers of the terminal summary (report.ts summaryRows / groupRows / calibrationRows,
 *   the same functions), then the trade list.
 *
 * SMC annotations are recomputed here with the public SMC API (runSmc) over the candles the data layer
 * keeps (exact repeats and out-of-order bars dropped), with the default strategy's SMC options: the
 * structure the default strategy saw. Annotations are capped (most recent kept; the page says how many
 * of how many are shown) so that a 60k-candle run stays a few MB; every candle is embedded.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { defaultSmcStrategyOptions } from '../../brain/smc-strategy.js';
import { runSmc, type SmcEvent, type SmcOptions } from '../../brain/smc/index.js';
import type { Candle } from '../../domain/market.js';
import type { EquityPoint } from './metrics.js';
import { calibrationRows, groupRows, headline, num, summaryRows } from './report.js';
import type { BacktestResult } from './run.js';

/** What the report reads of a run (runBacktestDetailed's BacktestRun satisfies it). */
export interface HtmlReportInput {
  readonly result: BacktestResult;
  /** The candles given to the engine (BacktestRun.candles). */
  readonly candles: readonly Candle[];
  /** Mark-to-market equity (BacktestRun.curve). */
  readonly curve: readonly EquityPoint[];
}

/** Most annotations of each kind drawn (the most recent are kept). */
export interface AnnotationCaps {
  readonly orderBlocks: number;
  readonly fvgs: number;
  readonly structure: number;
  readonly liquidity: number;
  /** Trades drawn as entry + exit markers. */
  readonly tradeMarkers: number;
  /** Rows of the trade table. */
  readonly tradeRows: number;
}

export const DEFAULT_CAPS: AnnotationCaps = {
  orderBlocks: 300,
  fvgs: 300,
  structure: 400,
  liquidity: 200,
  tradeMarkers: 5000,
  tradeRows: 2000,
};

export interface HtmlReportOptions {
  /** SMC options of the annotations; default the default strategy's; false: no SMC annotations. */
  readonly smc?: SmcOptions | false;
  readonly caps?: Partial<AnnotationCaps>;
  /** The lightweight-charts standalone script; default read from node_modules. */
  readonly chartScript?: string;
}

/** A box: order block or fair value gap, from bar index `from` to `to` (inclusive). */
export interface ZoneData {
  readonly kind: 'OB' | 'FVG';
  readonly dir: 1 | -1;
  readonly from: number;
  readonly to: number;
  readonly top: number;
  readonly bottom: number;
  /**
   * What ended the box (the first of): mitigated (first touch: no longer fresh), invalidated / evicted
   * (OB), filled (FVG); open = still fresh at the end of the data.
   */
  readonly end: 'mitigated' | 'invalidated' | 'evicted' | 'filled' | 'open';
}

export interface StructureData {
  readonly kind: 'BOS' | 'CHOCH';
  readonly dir: 1 | -1;
  /** Bar of the broken swing and bar of the breaking candle. */
  readonly pivot: number;
  readonly at: number;
  readonly level: number;
}

export interface LiquidityData {
  readonly side: 'buy' | 'sell';
  readonly from: number;
  readonly to: number;
  readonly level: number;
  readonly members: number;
  readonly taken: 'sweep' | 'breakout' | null;
}

export interface TradeData {
  readonly n: number;
  readonly side: 'LONG' | 'SHORT';
  /** Bar indices of the entry and the exit. */
  readonly entryBar: number;
  readonly exitBar: number;
  readonly entryPrice: number;
  readonly exitPrice: number;
  readonly reason: string;
  readonly pnl: number;
}

export interface CapInfo {
  readonly shown: number;
  readonly total: number;
}

/** The JSON document embedded in the page. */
export interface ReportData {
  readonly symbol: string;
  readonly interval: string;
  /** Bars: open time (epoch seconds, strictly increasing), OHLC. */
  readonly t: readonly number[];
  readonly o: readonly number[];
  readonly h: readonly number[];
  readonly l: readonly number[];
  readonly c: readonly number[];
  /** Equity at the close of each bar (null: no point for that bar). */
  readonly equity: readonly (number | null)[];
  readonly zones: readonly ZoneData[];
  readonly structure: readonly StructureData[];
  readonly liquidity: readonly LiquidityData[];
  readonly trades: readonly TradeData[];
  readonly caps: Readonly<
    Record<'orderBlocks' | 'fvgs' | 'structure' | 'liquidity' | 'tradeMarkers', CapInfo>
  >;
}

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => ESCAPES[ch] ?? ch);
}

/** JSON that is safe inside a <script> element: no '<' (so no '</script>'), no U+2028/U+2029. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

let cachedScript: string | undefined;

/** The lightweight-charts standalone build (defines the global `LightweightCharts`). */
export function chartLibrary(): string {
  if (cachedScript !== undefined) return cachedScript;
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('lightweight-charts/package.json');
  const file = path.join(path.dirname(pkg), 'dist', 'lightweight-charts.standalone.production.js');
  const text = readFileSync(file, 'utf8');
  checkInlineScript(text, file);
  cachedScript = text;
  return text;
}

/** A script inlined in <script> must not contain '</script' or '<!--' (they would end or bend the element). */
export function checkInlineScript(text: string, source: string): void {
  const bad = /<\/script|<!--/i.exec(text);
  if (bad !== null) {
    throw new Error(`cannot inline ${source}: it contains "${bad[0]}" at offset ${bad.index}`);
  }
}

/** Candles the data layer keeps, in order: a bar whose open time is not after the previous one is dropped. */
export function reportBars(candles: readonly Candle[]): Candle[] {
  const out: Candle[] = [];
  let last = -Infinity;
  for (const c of candles) {
    if (c.openTime > last) {
      out.push(c);
      last = c.openTime;
    }
  }
  return out;
}

/** Index of the last bar with openTime <= t (0 before the first bar). `open` is ascending. */
function barAt(open: readonly number[], t: number): number {
  let lo = 0;
  let hi = open.length - 1;
  if (hi < 0 || t < (open[0] as number)) return 0;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((open[mid] as number) <= t) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function lastN<T>(xs: readonly T[], n: number): T[] {
  return n >= xs.length ? [...xs] : xs.slice(xs.length - Math.max(0, n));
}

function resolveCaps(caps: Partial<AnnotationCaps> | undefined): AnnotationCaps {
  const r = { ...DEFAULT_CAPS, ...caps };
  for (const [k, v] of Object.entries(r)) {
    if (!Number.isInteger(v) || v < 0)
      throw new Error(`html report: caps.${k} must be an integer >= 0 (got ${v})`);
  }
  return r;
}

interface SmcAnnotations {
  readonly obs: ZoneData[];
  readonly fvgs: ZoneData[];
  readonly structure: StructureData[];
  readonly liquidity: LiquidityData[];
}

/** Boxes, breaks and pools from an SMC event stream whose rows are bar indices (0 .. bars - 1). */
export function smcAnnotations(events: readonly SmcEvent[], bars: number): SmcAnnotations {
  const last = Math.max(0, bars - 1);
  const obs: ZoneData[] = [];
  const obIndex = new Map<number, number>();
  const fvgs: ZoneData[] = [];
  const fvgIndex = new Map<number, number>();
  const structure: StructureData[] = [];
  const liquidity: LiquidityData[] = [];
  const poolIndex = new Map<number, number>();
  for (const e of events) {
    switch (e.type) {
      case 'orderBlock':
        if (e.action === 'created') {
          obIndex.set(e.id, obs.length);
          obs.push({
            kind: 'OB',
            dir: e.direction,
            from: e.row,
            to: last,
            top: e.top,
            bottom: e.bottom,
            end: 'open',
          });
        } else {
          // mitigated (first touch: it is no longer fresh), invalidated or evicted: the box ends there
          const k = obIndex.get(e.id);
          const z = k === undefined ? undefined : obs[k];
          if (k !== undefined && z?.end === 'open') obs[k] = { ...z, to: e.decidedRow, end: e.action };
        }
        break;
      case 'fvg':
        if (e.action === 'created') {
          fvgIndex.set(e.id, fvgs.length);
          fvgs.push({
            kind: 'FVG',
            dir: e.direction,
            from: e.row,
            to: last,
            top: e.top,
            bottom: e.bottom,
            end: 'open',
          });
        } else {
          // mitigated (first touch of the near edge) or filled: the box ends there
          const k = fvgIndex.get(e.id);
          const z = k === undefined ? undefined : fvgs[k];
          if (k !== undefined && z?.end === 'open') fvgs[k] = { ...z, to: e.decidedRow, end: e.action };
        }
        break;
      case 'structure':
        structure.push({ kind: e.kind, dir: e.direction, pivot: e.row, at: e.decidedRow, level: e.level });
        break;
      case 'liquidity': {
        const k = poolIndex.get(e.id);
        const old = k === undefined ? undefined : liquidity[k];
        if (e.action === 'taken') {
          if (k !== undefined && old !== undefined)
            liquidity[k] = { ...old, to: e.decidedRow, taken: e.sweep === true ? 'sweep' : 'breakout' };
        } else {
          const pool: LiquidityData = {
            side: e.side,
            from: e.row,
            to: last,
            level: e.level,
            members: e.members,
            taken: null,
          };
          if (k === undefined) {
            poolIndex.set(e.id, liquidity.length);
            liquidity.push(pool);
          } else liquidity[k] = pool;
        }
        break;
      }
      case 'swing':
      case 'range':
        break;
    }
  }
  return { obs, fvgs, structure, liquidity };
}

const round = (x: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

/** The embedded JSON document (exported for tests). */
export function buildReportData(input: HtmlReportInput, options: HtmlReportOptions = {}): ReportData {
  const caps = resolveCaps(options.caps);
  const r = input.result;
  const bars = reportBars(input.candles);
  const open = bars.map((b) => b.openTime);
  const equity: (number | null)[] = Array.from({ length: bars.length }, () => null);
  for (const p of input.curve) {
    if (bars.length > 0) equity[barAt(open, p.time)] = round(p.equity, 4);
  }
  const smcOptions =
    options.smc === undefined
      ? defaultSmcStrategyOptions().smc
      : options.smc === false
        ? undefined
        : options.smc;
  const smc =
    smcOptions === undefined
      ? { obs: [], fvgs: [], structure: [], liquidity: [] }
      : smcAnnotations(runSmc(bars, smcOptions).events, bars.length);
  const allTrades = r.trade_list.map((t): TradeData => ({
    n: t.n,
    side: t.side,
    entryBar: barAt(open, t.entryTime),
    exitBar: barAt(open, t.exitTime),
    entryPrice: t.entryPrice,
    exitPrice: t.exitPrice,
    reason: t.exitReason,
    pnl: round(t.pnl, 4),
  }));
  const info = (shown: number, total: number): CapInfo => ({ shown, total });
  const obs = lastN(smc.obs, caps.orderBlocks);
  const fvgs = lastN(smc.fvgs, caps.fvgs);
  const structure = lastN(smc.structure, caps.structure);
  const liquidity = lastN(smc.liquidity, caps.liquidity);
  const trades = lastN(allTrades, caps.tradeMarkers);
  return {
    symbol: r.symbol,
    interval: r.interval,
    t: open.map((x) => Math.floor(x / 1000)),
    o: bars.map((b) => b.open),
    h: bars.map((b) => b.high),
    l: bars.map((b) => b.low),
    c: bars.map((b) => b.close),
    equity,
    zones: [...obs, ...fvgs],
    structure,
    liquidity,
    trades,
    caps: {
      orderBlocks: info(obs.length, smc.obs.length),
      fvgs: info(fvgs.length, smc.fvgs.length),
      structure: info(structure.length, smc.structure.length),
      liquidity: info(liquidity.length, smc.liquidity.length),
      tradeMarkers: info(trades.length, allTrades.length),
    },
  };
}

function htmlTable(rows: readonly (readonly string[])[], id: string, header = true): string {
  const [head, ...body] = header ? rows : [undefined, ...rows];
  const th =
    head === undefined
      ? ''
      : `<thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead>`;
  const tb = body
    .filter((r): r is readonly string[] => r !== undefined)
    .map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`)
    .join('\n');
  return `<table id="${id}">${th}<tbody>\n${tb}\n</tbody></table>`;
}

function iso(t: number): string {
  return new Date(t).toISOString().slice(0, 19).replace('T', ' ');
}

function capNote(name: string, c: CapInfo): string {
  return c.shown < c.total
    ? `${name}: the last ${c.shown.toLocaleString('en-US')} of ${c.total.toLocaleString('en-US')} drawn`
    : `${name}: ${c.total.toLocaleString('en-US')}`;
}

/** The report page. */
export function renderHtmlReport(input: HtmlReportInput, options: HtmlReportOptions = {}): string {
  const caps = resolveCaps(options.caps);
  const data = buildReportData(input, options);
  const r = input.result;
  const m = r.metrics;
  const script = options.chartScript ?? chartLibrary();
  if (options.chartScript !== undefined) checkInlineScript(script, 'options.chartScript');
  const shownRows = lastN(r.trade_list, caps.tradeRows);
  const tradeRows = [
    [
      '#',
      'side',
      'tier',
      'conf.',
      'entry (UTC)',
      'entry price',
      'exit (UTC)',
      'exit price',
      'reason',
      'PnL',
      'R',
    ],
    ...shownRows.map((t) => [
      String(t.n),
      t.side,
      t.tier,
      t.confidence.toFixed(2),
      iso(t.entryTime),
      String(t.entryPrice),
      iso(t.exitTime),
      String(t.exitPrice),
      t.exitReason,
      num(t.pnl),
      num(t.r, 2),
    ]),
  ];
  const smcNote =
    options.smc === false
      ? 'SMC annotations: off.'
      : 'SMC annotations: recomputed with the default strategy’s SMC options over the candles the engine kept; ' +
        'order blocks and FVGs are drawn while fresh (to their first touch), liquidity pools until taken ' +
        '(dashed while untaken), BOS / CHoCH with a dashed line from the broken swing.';
  const notes = [
    capNote('order blocks', data.caps.orderBlocks),
    capNote('fair value gaps', data.caps.fvgs),
    capNote('BOS / CHoCH', data.caps.structure),
    capNote('liquidity pools', data.caps.liquidity),
    capNote('trades with markers', data.caps.tradeMarkers),
  ].join('; ');
  const rowsNote =
    shownRows.length < r.trade_list.length
      ? `<p class="note">The last ${shownRows.length.toLocaleString('en-US')} of ${r.trade_list.length.toLocaleString('en-US')} trades are listed (the --json output has them all).</p>`
      : '';
  const title = `AEGIS backtest ${r.symbol} ${r.interval}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>${escapeHtml(headline(r))}</h1>
<p class="note">${escapeHtml(smcNote)} ${escapeHtml(notes)}.</p>
<p class="legend"><span class="sw ob-up"></span>bullish order block <span class="sw ob-down"></span>bearish order block <span class="sw fvg-up"></span>bullish FVG <span class="sw fvg-down"></span>bearish FVG <span class="sw liq-buy"></span>buy-side liquidity <span class="sw liq-sell"></span>sell-side liquidity; markers: entries (L / S at the fill price), exits (reason, price, PnL), BOS / CHoCH.</p>
<div id="chart"></div>
<p id="chart-error" class="error" hidden></p>
<h2>Summary</h2>
${htmlTable(summaryRows(r), 'summary', false)}
<h2>By group</h2>
${htmlTable(groupRows(m), 'groups')}
<h2>Confidence calibration</h2>
${htmlTable(calibrationRows(m), 'calibration')}
<p class="note">${escapeHtml(`n/a: fewer than ${m.min_trades} trades in the group`)}</p>
<h2>Trades (${r.trade_list.length.toLocaleString('en-US')})</h2>
${rowsNote}
${htmlTable(tradeRows, 'trades')}
<script type="application/json" id="aegis-data">${scriptJson(data)}</script>
<script>
${script}
</script>
<script>
${PAGE_SCRIPT}
</script>
</body>
</html>
`;
}

/** Render and write the report; returns the number of bytes written. */
export function writeHtmlReport(
  input: HtmlReportInput,
  file: string,
  options: HtmlReportOptions = {},
): number {
  const html = renderHtmlReport(input, options);
  writeFileSync(file, html);
  return Buffer.byteLength(html);
}

const CSS = `
body { font: 13px/1.4 system-ui, sans-serif; margin: 16px; color: #1d2330; background: #fff; }
h1 { font-size: 18px; margin: 0 0 8px; }
h2 { font-size: 15px; margin: 20px 0 6px; }
#chart { width: 100%; height: 760px; border: 1px solid #d8dce3; }
table { border-collapse: collapse; margin: 4px 0; }
td, th { border: 1px solid #d8dce3; padding: 2px 8px; text-align: right; white-space: nowrap; }
td:first-child, th:first-child { text-align: left; }
#summary td:nth-child(2) { text-align: left; }
th { background: #f1f3f6; }
.note { color: #5b6475; margin: 4px 0; }
.error { color: #b00020; font-weight: bold; }
.legend { margin: 4px 0 8px; color: #5b6475; }
.sw { display: inline-block; width: 12px; height: 10px; margin: 0 4px 0 10px; vertical-align: middle; }
.ob-up { background: rgba(38,166,154,0.35); } .ob-down { background: rgba(239,83,80,0.35); }
.fvg-up { background: rgba(66,133,244,0.30); } .fvg-down { background: rgba(255,152,0,0.30); }
.liq-buy { height: 2px; background: #8e24aa; } .liq-sell { height: 2px; background: #00897b; }
`;

/**
 * The page's own script (plain browser JavaScript, no modules). It exposes `window.aegisReport` (chart,
 * series, marker plugins, counts) for the browser test and for anyone poking at the page in devtools.
 */
const PAGE_SCRIPT = String.raw`
(function () {
  'use strict';
  var LC = window.LightweightCharts;
  var D = JSON.parse(document.getElementById('aegis-data').textContent);
  var report = { ready: false, zonesDrawn: 0, linesDrawn: 0 };
  window.aegisReport = report;
  try {
    var n = D.t.length;
    var el = document.getElementById('chart');
    var chart = LC.createChart(el, {
      autoSize: true,
      layout: { background: { color: '#ffffff' }, textColor: '#1d2330', attributionLogo: false,
        panes: { separatorColor: '#c3c8d1', enableResize: true } },
      grid: { vertLines: { color: '#eef0f4' }, horzLines: { color: '#eef0f4' } },
      timeScale: { timeVisible: true, secondsVisible: false },
      rightPriceScale: { borderColor: '#d8dce3' },
    });
    var candles = new Array(n);
    for (var i = 0; i < n; i++) candles[i] = { time: D.t[i], open: D.o[i], high: D.h[i], low: D.l[i], close: D.c[i] };
    var cs = chart.addSeries(LC.CandlestickSeries, {
      upColor: '#26a69a', downColor: '#ef5350', borderVisible: false,
      wickUpColor: '#26a69a', wickDownColor: '#ef5350',
    }, 0);
    cs.setData(candles);

    // equity and drawdown (from the running peak, %)
    var eq = [], dd = [], peak = -Infinity;
    for (var k = 0; k < n; k++) {
      var v = D.equity[k];
      if (v === null || v === undefined) continue;
      if (v > peak) peak = v;
      eq.push({ time: D.t[k], value: v });
      dd.push({ time: D.t[k], value: peak > 0 ? (v / peak - 1) * 100 : 0 });
    }
    var es = chart.addSeries(LC.LineSeries, { color: '#1565c0', lineWidth: 2, priceLineVisible: false,
      title: 'equity' }, 1);
    es.setData(eq);
    var ds = chart.addSeries(LC.AreaSeries, { lineColor: '#c62828', topColor: 'rgba(198,40,40,0.05)',
      bottomColor: 'rgba(198,40,40,0.35)', lineWidth: 1, priceLineVisible: false, title: 'drawdown %',
      invertFilledArea: true }, 2);
    ds.setData(dd);
    var panes = chart.panes();
    if (panes.length === 3) { panes[0].setStretchFactor(3); panes[1].setStretchFactor(1); panes[2].setStretchFactor(1); }

    // zones and lines: one series primitive drawing boxes / segments between bar indices
    var zones = [], lines = [];
    D.zones.forEach(function (z) {
      var fill = z.kind === 'OB'
        ? (z.dir === 1 ? 'rgba(38,166,154,0.22)' : 'rgba(239,83,80,0.22)')
        : (z.dir === 1 ? 'rgba(66,133,244,0.18)' : 'rgba(255,152,0,0.20)');
      zones.push({ from: z.from, to: z.to, top: z.top, bottom: z.bottom, fill: fill });
    });
    D.liquidity.forEach(function (p) {
      lines.push({ from: p.from, to: p.to, y: p.level, color: p.side === 'buy' ? '#8e24aa' : '#00897b', dash: p.taken === null });
    });
    D.structure.forEach(function (s) {
      lines.push({ from: s.pivot, to: s.at, y: s.level, color: s.dir === 1 ? '#2e7d32' : '#c62828', dash: true });
    });
    function ZonesPrimitive() {
      var self = this;
      this._chart = null; this._series = null;
      this._renderer = { draw: function (target) { self._draw(target); } };
      this._view = { zOrder: function () { return 'bottom'; }, renderer: function () { return self._renderer; } };
    }
    ZonesPrimitive.prototype.attached = function (p) { this._chart = p.chart; this._series = p.series; };
    ZonesPrimitive.prototype.detached = function () { this._chart = null; this._series = null; };
    ZonesPrimitive.prototype.updateAllViews = function () {};
    ZonesPrimitive.prototype.paneViews = function () { return [this._view]; };
    ZonesPrimitive.prototype._draw = function (target) {
      var chart = this._chart, series = this._series;
      if (chart === null || series === null) return;
      var ts = chart.timeScale();
      var range = ts.getVisibleLogicalRange();
      if (range === null) return;
      var drawnZones = 0, drawnLines = 0;
      target.useBitmapCoordinateSpace(function (scope) {
        var ctx = scope.context, hr = scope.horizontalPixelRatio, vr = scope.verticalPixelRatio;
        var half = ts.options().barSpacing / 2;
        zones.forEach(function (z) {
          if (z.to < range.from - 1 || z.from > range.to + 1) return;
          var x1 = ts.logicalToCoordinate(z.from), x2 = ts.logicalToCoordinate(z.to);
          var y1 = series.priceToCoordinate(z.top), y2 = series.priceToCoordinate(z.bottom);
          if (x1 === null || x2 === null || y1 === null || y2 === null) return;
          var left = Math.round((x1 - half) * hr), right = Math.round((x2 + half) * hr);
          var top = Math.round(Math.min(y1, y2) * vr), bottom = Math.round(Math.max(y1, y2) * vr);
          ctx.fillStyle = z.fill;
          ctx.fillRect(left, top, Math.max(1, right - left), Math.max(1, bottom - top));
          drawnZones++;
        });
        ctx.lineWidth = Math.max(1, Math.round(hr));
        lines.forEach(function (l) {
          if (l.to < range.from - 1 || l.from > range.to + 1) return;
          var x1 = ts.logicalToCoordinate(l.from), x2 = ts.logicalToCoordinate(l.to);
          var y = series.priceToCoordinate(l.y);
          if (x1 === null || x2 === null || y === null) return;
          var yy = Math.round(y * vr) + 0.5;
          ctx.strokeStyle = l.color;
          ctx.setLineDash(l.dash ? [4 * hr, 3 * hr] : []);
          ctx.beginPath(); ctx.moveTo(Math.round(x1 * hr), yy); ctx.lineTo(Math.round(x2 * hr), yy); ctx.stroke();
          drawnLines++;
        });
        ctx.setLineDash([]);
      });
      report.zonesDrawn = drawnZones; report.linesDrawn = drawnLines;
    };
    cs.attachPrimitive(new ZonesPrimitive());

    // entries and exits
    var fmt = function (x) { return Number(x).toLocaleString('en-US', { maximumFractionDigits: 8 }); };
    var reasonColor = { target: '#2e7d32', stop: '#c62828', close: '#546e7a', liquidation: '#6a1b9a' };
    var tm = [];
    D.trades.forEach(function (t) {
      var long = t.side === 'LONG';
      tm.push({ time: D.t[t.entryBar], position: 'atPriceMiddle', price: t.entryPrice,
        shape: long ? 'arrowUp' : 'arrowDown', color: long ? '#1b5e20' : '#b71c1c',
        text: (long ? 'L ' : 'S ') + fmt(t.entryPrice), id: 'entry-' + t.n });
      tm.push({ time: D.t[t.exitBar], position: 'atPriceMiddle', price: t.exitPrice, shape: 'circle',
        color: reasonColor[t.reason] || '#37474f',
        text: t.reason + ' ' + fmt(t.exitPrice) + ' (' + (t.pnl >= 0 ? '+' : '') + t.pnl.toFixed(2) + ')',
        id: 'exit-' + t.n });
    });
    tm.sort(function (a, b) { return a.time - b.time; });
    var tradeMarkers = LC.createSeriesMarkers(cs, tm);

    // BOS / CHoCH at the breaking candle
    var sm = D.structure.map(function (s) {
      var up = s.dir === 1;
      return { time: D.t[s.at], position: up ? 'aboveBar' : 'belowBar', shape: 'square', size: 0.5,
        color: up ? '#2e7d32' : '#c62828', text: s.kind === 'CHOCH' ? 'CHoCH' : 'BOS' };
    });
    sm.sort(function (a, b) { return a.time - b.time; });
    var structureMarkers = LC.createSeriesMarkers(cs, sm);

    if (n > 1500) chart.timeScale().setVisibleLogicalRange({ from: n - 1000, to: n + 5 });
    else chart.timeScale().fitContent();

    report.chart = chart;
    report.candleSeries = cs;
    report.equitySeries = es;
    report.drawdownSeries = ds;
    report.tradeMarkers = tradeMarkers;
    report.structureMarkers = structureMarkers;
    report.counts = { candles: n, trades: D.trades.length, zones: zones.length, lines: lines.length,
      structure: sm.length, equity: eq.length };
    report.ready = true;
  } catch (e) {
    var box = document.getElementById('chart-error');
    box.hidden = false;
    box.textContent = 'The chart could not be drawn: ' + (e && e.message ? e.message : String(e));
    console.error('aegis report:', e);
    throw e;
  }
})();
`;
