import { tmpdir } from 'node:os';
import { beforeAll, describe, expect, it } from 'vitest';
import { sharedData } from '../../../test/support/shared-data.js';
import { defaultSmcStrategyOptions } from '../../brain/smc-strategy.js';
import { runSmc } from '../../brain/smc/index.js';
import { loadConfig } from '../../config/load.js';
import { silentLogger } from '../../core/logger.js';
import type { Candle } from '../../domain/market.js';
import { loadKlines } from '../../venues/files/market-csv.js';
import {
  buildReportData,
  chartLibrary,
  checkInlineScript,
  escapeHtml,
  renderHtmlReport,
  reportBars,
  scriptJson,
  smcAnnotations,
  type ReportData,
} from './html-report.js';
import { calibrationRows, groupRows, summaryRows } from './report.js';
import { runBacktestDetailed, type BacktestRun } from './run.js';
import type { BacktestTrade } from './trades.js';

// ../shared/data: Binance spot BTCUSDT 5m klines, 2020-12-01 .. 2021-07-17; the first 6 000 candles
const FILE = sharedData('klines/binance_spot_BTCUSDT_5m_20201201_20210717.csv.gz');
const { config } = loadConfig({ env: {}, cwd: tmpdir() });
function at<T>(xs: readonly T[], i: number): T {
  const v = xs[i];
  if (v === undefined) throw new Error(`no element ${i} (length ${xs.length})`);
  return v;
}

/** A tiny stand-in for the chart library (the real one is 200 kB; it is tested separately below). */
const STUB = 'window.LightweightCharts = {};';

function embedded(html: string): ReportData {
  const m = /<script type="application\/json" id="aegis-data">([^<]*)<\/script>/.exec(html);
  if (m === null) throw new Error('no aegis-data script in the page');
  return JSON.parse(m[1] as string) as ReportData;
}

describe('escaping', () => {
  it('escapes the five HTML metacharacters', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });

  it('writes JSON without "<" or line separators and reads back the same value', () => {
    const v = { s: '</script><!-- \u2028 \u2029 <b>', n: [1.5, -2] };
    const out = scriptJson(v);
    expect(out).not.toMatch(/[<\u2028\u2029]/);
    expect(JSON.parse(out)).toEqual(v);
  });

  it('refuses to inline a script that would close its element', () => {
    expect(() => {
      checkInlineScript('var a = "</SCRIPT>";', 'x.js');
    }).toThrow(/x\.js.*<\/SCRIPT/);
    expect(() => {
      checkInlineScript('var a = "<!--";', 'y.js');
    }).toThrow(/y\.js/);
    expect(() => {
      checkInlineScript('var a = 1 < 2;', 'z.js');
    }).not.toThrow();
  });

  it('inlines the lightweight-charts v5 standalone build from node_modules', () => {
    const lib = chartLibrary();
    expect(lib).toMatch(/Lightweight Charts.{0,20} v5\./);
    expect(lib).toContain('LightweightCharts');
  });
});

describe('reportBars', () => {
  const bar = (t: number): Candle =>
    ({ openTime: t, open: 1, high: 2, low: 0.5, close: 1.5, volume: 1 }) as unknown as Candle;
  it('drops exact repeats and out-of-order bars, as the data layer does', () => {
    expect(reportBars([bar(0), bar(300), bar(300), bar(200), bar(600)]).map((b) => b.openTime)).toEqual([
      0, 300, 600,
    ]);
  });
});

describe('the HTML report of a real backtest', () => {
  let run: BacktestRun;
  let html: string;
  let data: ReportData;

  beforeAll(async () => {
    const candles = loadKlines(FILE, 'BTCUSDT', '5m').slice(0, 6000);
    run = await runBacktestDetailed({
      config,
      candles,
      symbol: 'BTCUSDT',
      interval: '5m',
      logger: silentLogger,
    });
    html = renderHtmlReport(run, { chartScript: STUB });
    data = embedded(html);
  });

  it('embeds every kept candle, the equity per bar and every trade at its bar', () => {
    const bars = reportBars(run.candles);
    expect(run.result.trades).toBeGreaterThan(2);
    expect(data.t).toHaveLength(bars.length);
    expect(data.t.map((t) => t * 1000)).toEqual(bars.map((b) => b.openTime));
    expect(data.c).toEqual(bars.map((b) => b.close));
    expect(data.h).toEqual(bars.map((b) => b.high));
    expect(data.equity.filter((e) => e === null)).toHaveLength(0);
    // the last bar's equity is the curve's last point
    expect(data.equity[data.equity.length - 1]).toBeCloseTo(at(run.curve, run.curve.length - 1).equity, 3);
    expect(data.trades).toHaveLength(run.result.trades);
    const step = 300_000;
    run.result.trade_list.forEach((t, i) => {
      const d = at(data.trades, i);
      expect(d.n).toBe(t.n);
      expect(d.side).toBe(t.side);
      expect(d.entryPrice).toBe(t.entryPrice);
      expect(d.reason).toBe(t.exitReason);
      // the marker's bar contains the event time
      const entryOpen = at(data.t, d.entryBar) * 1000;
      expect(t.entryTime).toBeGreaterThanOrEqual(entryOpen);
      expect(t.entryTime).toBeLessThan(entryOpen + step);
      const exitOpen = at(data.t, d.exitBar) * 1000;
      expect(t.exitTime).toBeGreaterThanOrEqual(exitOpen);
      expect(t.exitTime).toBeLessThan(exitOpen + step);
    });
  });

  it('shows the numbers of the terminal summary, escaped, and one table row per trade', () => {
    for (const row of [
      ...summaryRows(run.result),
      ...groupRows(run.result.metrics),
      ...calibrationRows(run.result.metrics),
    ]) {
      for (const cell of row) expect(html).toContain(`>${escapeHtml(cell)}</t`);
    }
    const tbody = /<table id="trades">.*?<tbody>([\s\S]*?)<\/tbody>/.exec(html);
    expect(tbody).not.toBeNull();
    expect(tbody?.[1]?.match(/<tr>/g)).toHaveLength(run.result.trades);
  });

  it('escapes hostile text everywhere and keeps the data script closed', () => {
    const evil = '</script><img src=x onerror=alert(1)>';
    const trades = run.result.trade_list.map((t): BacktestTrade => ({
      ...t,
      exitReason: evil as BacktestTrade['exitReason'],
      tier: evil as BacktestTrade['tier'],
    }));
    const result = {
      ...run.result,
      symbol: evil,
      trade_list: trades,
      halts: [{ time: 0, state: 'halted', reason: evil }],
    };
    const page = renderHtmlReport({ ...run, result }, { chartScript: STUB });
    expect(page).not.toContain('<img');
    expect(page).toContain(escapeHtml(evil));
    // three script elements (data, library, page script) and nothing else closes one
    expect(page.match(/<\/script>/g)).toHaveLength(3);
    const d = embedded(page);
    expect(d.symbol).toBe(evil);
    expect(d.trades[0]?.reason).toBe(evil);
  });

  it('caps annotations (the most recent kept) and says so in the page', () => {
    const all = 1_000_000;
    const full = buildReportData(run, {
      caps: { orderBlocks: all, fvgs: all, structure: all, liquidity: all, tradeMarkers: all },
    });
    const obs = full.zones.filter((z) => z.kind === 'OB');
    expect(obs.length).toBeGreaterThan(2);
    expect(full.structure.length).toBeGreaterThan(4);
    const caps = { orderBlocks: 2, fvgs: 3, structure: 4, liquidity: 1, tradeMarkers: 2, tradeRows: 1 };
    const page = renderHtmlReport(run, { chartScript: STUB, caps });
    const d = embedded(page);
    expect(d.zones.filter((z) => z.kind === 'OB')).toEqual(obs.slice(-2));
    expect(d.zones.filter((z) => z.kind === 'FVG')).toHaveLength(3);
    expect(d.structure).toEqual(full.structure.slice(-4));
    expect(d.liquidity).toHaveLength(1);
    expect(d.trades).toEqual(full.trades.slice(-2));
    expect(d.caps.orderBlocks).toEqual({ shown: 2, total: obs.length });
    expect(page).toContain(`order blocks: the last 2 of ${obs.length.toLocaleString('en-US')} drawn`);
    expect(page).toContain(`trades with markers: the last 2 of ${run.result.trades} drawn`);
    expect(page).toContain(`The last 1 of ${run.result.trades} trades are listed`);
    // every candle is still there
    expect(d.t).toHaveLength(full.t.length);
  });

  it('rejects a bad cap, naming it', () => {
    expect(() => buildReportData(run, { caps: { fvgs: -1 } })).toThrow(/caps\.fvgs.*-1/);
    expect(() => buildReportData(run, { caps: { structure: 1.5 } })).toThrow(/caps\.structure.*1\.5/);
  });

  it('can leave the SMC annotations out', () => {
    const d = buildReportData(run, { smc: false });
    expect(d.zones).toHaveLength(0);
    expect(d.structure).toHaveLength(0);
    expect(d.liquidity).toHaveLength(0);
    expect(d.trades).toHaveLength(run.result.trades);
  });

  it("draws the brain's own SMC tables (tabulateSmc) as zones, breaks and pools", () => {
    const bars = reportBars(run.candles);
    const smc = runSmc(bars, defaultSmcStrategyOptions().smc);
    const a = smcAnnotations(smc.events, bars.length);
    expect(a.obs).toHaveLength(smc.order_blocks.length);
    expect(a.fvgs).toHaveLength(smc.fvg.length);
    expect(a.structure).toHaveLength(smc.structure.length);
    expect(a.liquidity).toHaveLength(smc.liquidity.length);
    const last = bars.length - 1;
    smc.order_blocks.forEach((ob, i) => {
      const z = at(a.obs, i);
      expect([z.from, z.top, z.bottom, z.dir]).toEqual([ob.row, ob.top, ob.bottom, ob.direction]);
      // fresh until the first of mitigation / invalidation (eviction is not in the table: never later)
      const ends = [ob.mitigated_row, ob.invalidated_row].filter((x): x is number => x !== null);
      expect(z.to).toBeLessThanOrEqual(ends.length === 0 ? last : Math.min(...ends));
      if (z.end === 'mitigated') expect(z.to).toBe(ob.mitigated_row);
      if (z.end === 'open') expect(ends).toHaveLength(0);
    });
    smc.fvg.forEach((g, i) => {
      const z = at(a.fvgs, i);
      expect([z.from, z.top, z.bottom, z.dir]).toEqual([g.row, g.top, g.bottom, g.direction]);
      if (g.mitigated_row !== null) expect(z.to).toBeLessThanOrEqual(g.mitigated_row);
    });
    smc.structure.forEach((s, i) => {
      const b = at(a.structure, i);
      expect([b.kind, b.dir, b.level, b.pivot, b.at]).toEqual([
        s.kind,
        s.direction,
        s.level,
        s.pivot_row,
        s.decided_row,
      ]);
    });
    smc.liquidity.forEach((p, i) => {
      const l = at(a.liquidity, i);
      expect([l.side, l.level, l.members, l.from]).toEqual([p.side, p.level, p.members, p.anchor_row]);
      expect(l.to).toBe(p.taken_row ?? last);
      expect(l.taken).toBe(p.sweep === null ? null : p.sweep === 1 ? 'sweep' : 'breakout');
    });
  });
});
