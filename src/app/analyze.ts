import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ADX, ATR, BollingerBands, EMA, MACD, OBV, RSI, SMA, Stochastic } from '../brain/indicators/index.js';
import { runSmc, smcTablesToCsv } from '../brain/smc/index.js';
import { DataError } from '../core/errors.js';
import { INTERVAL_MS, type Candle, type Interval } from '../domain/market.js';
import { readCsvFile } from '../venues/files/csv.js';
import { klinesFromTable } from '../venues/files/market-csv.js';

/** Periods of `aegis analyze indicators`; the defaults are those of ../shared/data/indicator-reference. */
export interface IndicatorPeriods {
  readonly rsi: number;
  readonly atr: number;
  readonly ema: number;
  readonly sma: number;
  readonly macdFast: number;
  readonly macdSlow: number;
  readonly macdSignal: number;
  readonly bbPeriod: number;
  readonly bbK: number;
  readonly stochK: number;
  readonly stochSmooth: number;
  readonly stochD: number;
  readonly adx: number;
}

export const INDICATOR_COLUMNS =
  'open_time_ms,rsi,atr,ema,sma,macd,macd_signal,macd_hist,bb_upper,bb_middle,bb_lower,stoch_k,stoch_d,adx,obv';

/**
 * Load a kline file in the ../shared/data layout (plain or .gz); the interval is read off the timestamps.
 * A file holding several intervals (an `interval` column) needs `interval` to pick one.
 */
export function loadKlineFile(file: string, interval?: string): Candle[] {
  const table = readCsvFile(file, true);
  const col = table.header.indexOf('interval');
  if (col >= 0) {
    const present = [...new Set(table.rows.map((r) => r[col] ?? ''))];
    if (interval === undefined || !present.includes(interval)) {
      throw new DataError(
        `${file} holds several intervals (${present.join(', ')}): choose one with --interval, got ${interval === undefined ? 'none' : `"${interval}"`}`,
        { file },
        'DATA_PARSE_FAILED',
      );
    }
  }
  const rows =
    col >= 0 ? { header: table.header, rows: table.rows.filter((r) => r[col] === interval) } : table;
  const probe = klinesFromTable(rows, file, 'FILE', '1m');
  const step = smallestStep(probe);
  const found = (Object.keys(INTERVAL_MS) as Interval[]).find((i) => INTERVAL_MS[i] === step) ?? '1m';
  return probe.map((c) => ({ ...c, interval: found }));
}

function smallestStep(candles: readonly Candle[]): number {
  let step = Number.POSITIVE_INFINITY;
  for (let i = 1; i < candles.length; i++) {
    const d = (candles[i]?.openTime ?? 0) - (candles[i - 1]?.openTime ?? 0);
    if (d > 0 && d < step) step = d;
  }
  return step;
}

const cell = (ready: boolean, v: number): string => (ready && Number.isFinite(v) ? String(v) : '');

/** Streaming indicators over every closed candle, one CSV row per input row (empty cells in warm-up). */
export function indicatorsCsv(candles: readonly Candle[], p: IndicatorPeriods): string {
  const rsi = new RSI(p.rsi);
  const atr = new ATR(p.atr);
  const ema = new EMA(p.ema);
  const sma = new SMA(p.sma);
  const macd = new MACD(p.macdFast, p.macdSlow, p.macdSignal);
  const bb = new BollingerBands(p.bbPeriod, p.bbK);
  const stoch = new Stochastic(p.stochK, p.stochSmooth, p.stochD);
  const adx = new ADX(p.adx);
  const obv = new OBV();
  const lines = [INDICATOR_COLUMNS];
  for (const c of candles) {
    rsi.update(c.close);
    atr.update(c.high, c.low, c.close);
    ema.update(c.close);
    sma.update(c.close);
    macd.update(c.close);
    bb.update(c.close);
    stoch.update(c.high, c.low, c.close);
    adx.update(c.high, c.low, c.close);
    obv.update(c.close, c.volume);
    lines.push(
      [
        String(c.openTime),
        cell(rsi.ready, rsi.value),
        cell(atr.ready, atr.value),
        cell(ema.ready, ema.value),
        cell(sma.ready, sma.value),
        cell(macd.ready, macd.value),
        cell(macd.ready, macd.signal),
        cell(macd.ready, macd.histogram),
        cell(bb.ready, bb.upper),
        cell(bb.ready, bb.middle),
        cell(bb.ready, bb.lower),
        cell(stoch.ready, stoch.k),
        cell(stoch.ready, stoch.d),
        cell(adx.ready, adx.value),
        cell(obv.ready, obv.value),
      ].join(','),
    );
  }
  return lines.join('\n') + '\n';
}

export function analyzeIndicators(
  file: string,
  outDir: string,
  periods: IndicatorPeriods,
  interval?: string,
): { rows: number; out: string } {
  const candles = loadKlineFile(file, interval);
  if (candles.length === 0) throw new DataError(`no klines in ${file}`, { file }, 'DATA_PARSE_FAILED');
  mkdirSync(outDir, { recursive: true });
  const out = path.join(outDir, 'indicators.csv');
  writeFileSync(out, indicatorsCsv(candles, periods));
  return { rows: candles.length, out };
}

export function analyzeSmc(
  file: string,
  outDir: string,
  swingLength: number,
  interval?: string,
): { rows: number; files: string[]; counts: Record<string, number> } {
  const candles = loadKlineFile(file, interval);
  if (candles.length === 0) throw new DataError(`no klines in ${file}`, { file }, 'DATA_PARSE_FAILED');
  const run = runSmc(candles, { swingLength });
  const csv = smcTablesToCsv(run);
  mkdirSync(outDir, { recursive: true });
  const files: string[] = [];
  for (const [name, text] of Object.entries(csv)) {
    const f = path.join(outDir, `${name}.csv`);
    writeFileSync(f, text);
    files.push(f);
  }
  return {
    rows: candles.length,
    files,
    counts: {
      swings: run.swings.length,
      fvg: run.fvg.length,
      structure: run.structure.length,
      order_blocks: run.order_blocks.length,
      liquidity: run.liquidity.length,
    },
  };
}
