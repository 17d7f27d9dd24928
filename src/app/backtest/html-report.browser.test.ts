/**
 * The HTML report in a real browser (Debian's headless Chromium via playwright-core): the page must
 * draw its chart offline, without errors, with one entry and one exit marker per trade.
 *
 * Without /usr/bin/chromium the suite is skipped with a printed reason, except under CI=true, where it
 * fails instead (the CI image must have Chromium).
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedData } from '../../../test/support/shared-data.js';
import { loadConfig } from '../../config/load.js';
import { silentLogger } from '../../core/logger.js';
import { loadKlines } from '../../venues/files/market-csv.js';
import { buildReportData, reportBars, writeHtmlReport, type ReportData } from './html-report.js';
import { summaryRows } from './report.js';
import { runBacktestDetailed, type BacktestRun } from './run.js';

const CHROMIUM = '/usr/bin/chromium';

function at<T>(xs: readonly T[], i: number): T {
  const v = xs[i];
  if (v === undefined) throw new Error(`no element ${i} (length ${xs.length})`);
  return v;
}
const CI = process.env.CI === 'true';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM && !CI) {
  console.warn(`html-report.browser.test: skipped, ${CHROMIUM} not found (under CI=true this fails)`);
}

// ../shared/data: Binance spot BTCUSDT 5m klines, 2020-12-01 .. 2021-07-17; the first 6 000 candles
const FILE = sharedData('klines/binance_spot_BTCUSDT_5m_20201201_20210717.csv.gz');
const CANDLES = 6000;
const { config } = loadConfig({ env: {}, cwd: tmpdir() });

// The page functions below run in Chromium; the project compiles without the DOM library, so the few
// browser objects they touch are typed here (module-local, no global DOM types).
interface Canvas2d {
  getImageData(x: number, y: number, w: number, h: number): { readonly data: Uint8ClampedArray };
  drawImage(image: unknown, x: number, y: number): void;
}
interface CanvasLike {
  readonly width: number;
  readonly height: number;
  getContext(kind: '2d'): Canvas2d | null;
}
interface CellLike {
  readonly textContent: string | null;
  querySelectorAll(selector: string): Iterable<CellLike>;
}
interface Marker {
  readonly id?: string;
}
interface ReportGlobal {
  readonly ready: boolean;
  readonly zonesDrawn: number;
  readonly linesDrawn: number;
  readonly chart: { takeScreenshot(): CanvasLike; panes(): unknown[] };
  readonly candleSeries: { data(): readonly unknown[] };
  readonly equitySeries: { data(): readonly unknown[] };
  readonly drawdownSeries: { data(): readonly { value: number }[] };
  readonly tradeMarkers: { markers(): readonly Marker[] };
  readonly structureMarkers: { markers(): readonly Marker[] };
}
interface BrowserGlobal {
  readonly aegisReport?: ReportGlobal;
  createImageBitmap(blob: unknown): Promise<{ readonly width: number; readonly height: number }>;
  readonly OffscreenCanvas: new (w: number, h: number) => CanvasLike;
  readonly Blob: new (parts: unknown[], options: { type: string }) => unknown;
  atob(b64: string): string;
}

interface PageFacts {
  readonly ready: boolean;
  readonly tradeMarkers: number;
  readonly entryMarkers: number;
  readonly exitMarkers: number;
  readonly structureMarkers: number;
  readonly candles: number;
  readonly equityPoints: number;
  readonly minDrawdown: number;
  readonly panes: number;
}

describe.skipIf(!HAVE_CHROMIUM && !CI)('HTML backtest report in headless Chromium', () => {
  let run: BacktestRun;
  let data: ReportData;
  let file: string;
  let browser: Browser | undefined;
  let page: Page;
  const consoleErrors: string[] = [];
  const pageErrors: string[] = [];
  const blocked: string[] = [];
  const requested: string[] = [];

  beforeAll(async () => {
    expect(existsSync(CHROMIUM), `CI=true: ${CHROMIUM} must be installed`).toBe(true);
    const candles = loadKlines(FILE, 'BTCUSDT', '5m').slice(0, CANDLES);
    run = await runBacktestDetailed({
      config,
      candles,
      symbol: 'BTCUSDT',
      interval: '5m',
      logger: silentLogger,
    });
    data = buildReportData(run);
    file = path.join(mkdtempSync(path.join(tmpdir(), 'aegis-report-')), 'report.html');
    writeHtmlReport(run, file);

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    page.on('request', (r) => requested.push(r.url()));
    await page.route('**/*', async (route) => {
      const url = route.request().url();
      if (url.startsWith('file:')) return route.continue();
      blocked.push(url);
      return route.abort('blockedbyclient');
    });
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    await page.waitForFunction(() => (globalThis as unknown as BrowserGlobal).aegisReport?.ready === true);
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('loads without console errors, page errors or any network request', () => {
    expect(run.result.trades).toBeGreaterThan(2);
    expect(consoleErrors).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(blocked).toEqual([]);
    expect(requested.length).toBeGreaterThan(0);
    for (const u of requested) expect(u.startsWith('file:')).toBe(true);
  });

  it('draws the chart: canvases of non-zero size, a screenshot that is not blank', async () => {
    const sizes = await page.$$eval('#chart canvas', (cs) =>
      cs.map((c) => [(c as unknown as CanvasLike).width, (c as unknown as CanvasLike).height]),
    );
    expect(sizes.length).toBeGreaterThan(0);
    expect(sizes.some(([w, h]) => (w ?? 0) > 100 && (h ?? 0) > 100)).toBe(true);

    // 1. the chart's own readback (all panes composed): a blank chart has one or two colours
    const readback = await page.evaluate(() => {
      const r = (globalThis as unknown as BrowserGlobal).aegisReport;
      if (r === undefined) throw new Error('window.aegisReport is missing');
      const c = r.chart.takeScreenshot();
      const ctx = c.getContext('2d');
      if (ctx === null) throw new Error('takeScreenshot: no 2d context');
      const px = ctx.getImageData(0, 0, c.width, c.height).data;
      const colours = new Set<number>();
      for (let i = 0; i < px.length; i += 4) {
        colours.add(((px[i] ?? 0) << 16) | ((px[i + 1] ?? 0) << 8) | (px[i + 2] ?? 0));
      }
      return { w: c.width, h: c.height, colours: colours.size };
    });
    expect(readback.w).toBeGreaterThan(100);
    expect(readback.h).toBeGreaterThan(100);
    expect(readback.colours).toBeGreaterThan(20);

    // 2. a real screenshot of the chart element, decoded by the browser's PNG decoder: the share of
    //    pixels that differ from the background (white) must be substantial
    const png = await page.locator('#chart').screenshot();
    const stats = await page.evaluate(async (b64: string) => {
      const g = globalThis as unknown as BrowserGlobal;
      const bytes = Uint8Array.from(g.atob(b64), (ch) => ch.charCodeAt(0));
      const bmp = await g.createImageBitmap(new g.Blob([bytes], { type: 'image/png' }));
      const canvas = new g.OffscreenCanvas(bmp.width, bmp.height);
      const ctx = canvas.getContext('2d');
      if (ctx === null) throw new Error('OffscreenCanvas: no 2d context');
      ctx.drawImage(bmp, 0, 0);
      const px = ctx.getImageData(0, 0, bmp.width, bmp.height).data;
      let ink = 0;
      const colours = new Set<number>();
      for (let i = 0; i < px.length; i += 4) {
        const rgb = ((px[i] ?? 0) << 16) | ((px[i + 1] ?? 0) << 8) | (px[i + 2] ?? 0);
        colours.add(rgb);
        if (rgb !== 0xffffff) ink++;
      }
      return { w: bmp.width, h: bmp.height, ink: ink / (px.length / 4), colours: colours.size };
    }, png.toString('base64'));
    expect(stats.w).toBeGreaterThan(100);
    expect(stats.colours).toBeGreaterThan(20);
    expect(stats.ink).toBeGreaterThan(0.02);
  });

  it('shows every candle, one entry and one exit marker per trade, the equity and drawdown panes', async () => {
    const facts = await page.evaluate((): PageFacts => {
      const r = (globalThis as unknown as BrowserGlobal).aegisReport;
      if (r === undefined) throw new Error('window.aegisReport is missing');
      const tm = r.tradeMarkers.markers();
      return {
        ready: r.ready,
        tradeMarkers: tm.length,
        entryMarkers: tm.filter((m) => m.id?.startsWith('entry-') === true).length,
        exitMarkers: tm.filter((m) => m.id?.startsWith('exit-') === true).length,
        structureMarkers: r.structureMarkers.markers().length,
        candles: r.candleSeries.data().length,
        equityPoints: r.equitySeries.data().length,
        minDrawdown: Math.min(...r.drawdownSeries.data().map((p) => p.value)),
        panes: r.chart.panes().length,
      };
    });
    const trades = run.result.trades;
    expect(facts.ready).toBe(true);
    expect(facts.candles).toBe(reportBars(run.candles).length);
    expect(facts.tradeMarkers).toBe(trades * 2);
    expect(facts.entryMarkers).toBe(trades);
    expect(facts.exitMarkers).toBe(trades);
    expect(facts.structureMarkers).toBe(data.structure.length);
    expect(facts.structureMarkers).toBeGreaterThan(0);
    expect(facts.panes).toBe(3);
    expect(facts.equityPoints).toBe(facts.candles);
    // the drawdown pane's deepest point is the metrics' maximum drawdown
    expect(-facts.minDrawdown / 100).toBeCloseTo(run.result.metrics.max_drawdown, 6);
  });

  it('draws SMC zones and lines in the visible range', async () => {
    await page.waitForFunction(() => {
      const r = (globalThis as unknown as BrowserGlobal).aegisReport;
      return r !== undefined && r.zonesDrawn > 0 && r.linesDrawn > 0;
    });
    expect(data.zones.length).toBeGreaterThan(0);
    expect(data.liquidity.length).toBeGreaterThan(0);
  });

  it('lists every trade and the same summary numbers as the terminal', async () => {
    const rows = await page.$$eval('#trades tbody tr', (trs) => trs.length);
    expect(rows).toBe(run.result.trades);
    const firstCells = await page.$$eval('#trades tbody tr:first-child td', (tds) =>
      tds.map((td) => (td as unknown as CellLike).textContent),
    );
    const first = at(run.result.trade_list, 0);
    expect(firstCells[0]).toBe(String(first.n));
    expect(firstCells[1]).toBe(first.side);
    expect(firstCells[8]).toBe(first.exitReason);
    const summary = await page.$$eval('#summary tr', (trs) =>
      trs.map((tr) => Array.from((tr as unknown as CellLike).querySelectorAll('td'), (td) => td.textContent)),
    );
    expect(summary).toEqual(summaryRows(run.result));
  });
});
