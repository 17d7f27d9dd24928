/**
 * Trade-data backtest throughput (issue 7): runBacktest on trades = per trade the simulated clock, the
 * simulator's trade fill model (resting stops / targets) and the data layer's candle builder; per candle
 * the brain (SMC strategy), risk gate, trade layer, marks and the equity curve. One core, simulated clock.
 *
 * Data (../shared/data):
 * - XRPETH aggTrades 2019-10-11..13 (12,477 trades, 3,560 1m candles, 8 round trips with the default
 *   config), and the same trades repeated 10 times, each copy shifted in time (and ids) after the previous
 *   one (124,770 trades, 35,600 candles). XRPETH is run with an instrument whose quote is labelled USDT
 *   (see src/app/backtest/run-trades.test.ts).
 * - BTCUSDT USDⓈ-M trades 2024-08-08 23:54..00:00 (21,313 trades) repeated 10 times, 1s candles (the
 *   busiest tape in the folder: ~62 trades per second; no position is opened, so this is the plumbing).
 * Rows: marks at each candle close (default) vs at every trade while a position is open; without a
 * journal (journal: false) vs the default in-memory SQLite journal; and the kline backtest on the same
 * XRPETH minutes for comparison. trades/s and candles/s are over the replay (file parsing excluded: it is
 * the "parse" row). Each row: `ROUNDS` runs after one warm-up; min and median.
 * Run: node --import tsx bench/backtest-trades.ts
 */
import { loadavg } from 'node:os';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runBacktest, type BacktestOptions } from '../src/app/backtest/run.js';
import { loadConfig } from '../src/config/load.js';
import { silentLogger } from '../src/core/logger.js';
import type { Instrument } from '../src/domain/instrument.js';
import type { Candle, Trade } from '../src/domain/market.js';
import { loadMarketFile } from '../src/venues/replay/sources.js';
import { machineLine, printTable } from './util.js';

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const COPIES = 10;
const DATA = path.resolve(import.meta.dirname, '..', '..', 'shared', 'data');
const XRP_TRADES = path.join(DATA, 'trades', 'binance_spot_XRPETH_aggtrades_20191011_20191013.csv.gz');
const XRP_KLINES = path.join(DATA, 'klines', 'binance_spot_XRPETH_1m_20191011_20191013.csv');
const BTC_TRADES = path.join(DATA, 'trades', 'binance_usdm_BTCUSDT_trades_20240808_ws.csv.gz');
const { config } = loadConfig({ env: {}, cwd: tmpdir() });

const XRPETH: Instrument = {
  symbol: 'XRPETH',
  market: config.market,
  baseAsset: 'XRP',
  quoteAsset: 'USDT',
  tickSize: '0.00000001',
  minPrice: '0.00000001',
  maxPrice: '0',
  stepSize: '1',
  minQty: '1',
  maxQty: '90000000',
  minNotional: '0.01',
  maintMarginRate: '0.01',
};

function timed<T>(fn: () => T): [T, number] {
  const t0 = performance.now();
  const v = fn();
  return [v, performance.now() - t0];
}

/** `copies` copies of `trades`, each shifted to start `step`-aligned after the previous copy ends. */
function repeatTrades(trades: readonly Trade[], copies: number, step: number): Trade[] {
  const first = trades[0];
  const last = trades[trades.length - 1];
  if (first === undefined || last === undefined) return [];
  const span = (Math.floor(last.time / step) + 1) * step - Math.floor(first.time / step) * step;
  const ids = last.id - first.id + 1;
  const out: Trade[] = [];
  for (let k = 0; k < copies; k++)
    for (const t of trades) out.push({ ...t, time: t.time + k * span, id: t.id + k * ids });
  return out;
}

function repeatCandles(candles: readonly Candle[], copies: number): Candle[] {
  const first = candles[0];
  const last = candles[candles.length - 1];
  if (first === undefined || last === undefined) return [];
  const span = last.openTime + 60_000 - first.openTime;
  const out: Candle[] = [];
  for (let k = 0; k < copies; k++)
    for (const c of candles) out.push({ ...c, openTime: c.openTime + k * span });
  return out;
}

const [xrpFile, xrpParseMs] = timed(() => loadMarketFile({ file: XRP_TRADES }));
const [btcFile, btcParseMs] = timed(() => loadMarketFile({ file: BTC_TRADES }));
const xrp = xrpFile.trades;
const xrp10 = repeatTrades(xrp, COPIES, 60_000);
const btc10 = repeatTrades(btcFile.trades, COPIES, 1_000);
const xrpK = loadMarketFile({ file: XRP_KLINES }).candles;
const xrpK10 = repeatCandles(xrpK, COPIES);

interface Case {
  readonly name: string;
  readonly options: Omit<BacktestOptions, 'config' | 'logger'>;
}
const xrpBase = { instrument: XRPETH, balance: 100, symbol: 'XRPETH' } as const;
const cases: Case[] = [
  { name: 'XRPETH 1m, trades, marks per candle', options: { ...xrpBase, trades: xrp, journal: false } },
  {
    name: 'XRPETH 1m, trades, marks per trade',
    options: { ...xrpBase, trades: xrp, journal: false, markEvery: 'trade' },
  },
  { name: 'XRPETH 1m x10, trades, marks per candle', options: { ...xrpBase, trades: xrp10, journal: false } },
  {
    name: 'XRPETH 1m x10, trades, marks per trade',
    options: { ...xrpBase, trades: xrp10, journal: false, markEvery: 'trade' },
  },
  { name: 'XRPETH 1m x10, trades, SQLite journal', options: { ...xrpBase, trades: xrp10 } },
  {
    name: 'XRPETH 1m x10, klines (reference)',
    options: { ...xrpBase, candles: xrpK10, interval: '1m', journal: false },
  },
  {
    name: 'BTCUSDT 1s x10, trades (no position)',
    options: { symbol: 'BTCUSDT', trades: btc10, interval: '1s', journal: false },
  },
];

const loadBefore = loadavg()
  .map((x) => x.toFixed(2))
  .join(' ');
const rows: (string | number)[][] = [];
for (const c of cases) {
  const tps: number[] = [];
  const cps: number[] = [];
  let last: Awaited<ReturnType<typeof runBacktest>> | undefined;
  for (let i = 0; i <= ROUNDS; i++) {
    const r = await runBacktest({ config, logger: silentLogger, ...c.options });
    if (i === 0) continue; // warm-up
    last = r;
    if (r.trade_data !== null) tps.push(r.trade_data.trades_per_sec);
    cps.push(r.candles_per_sec);
  }
  const stats = (xs: number[]): [number, number] => {
    const s = [...xs].sort((a, b) => a - b);
    return [s[0] ?? 0, s[Math.floor(s.length / 2)] ?? 0];
  };
  const [tMin, tMed] = stats(tps);
  const [cMin, cMed] = stats(cps);
  rows.push([
    c.name,
    last?.trade_data?.trades_read ?? 0,
    last?.candles ?? 0,
    last?.trades ?? 0,
    last?.trade_data?.marks ?? 0,
    tps.length > 0 ? tMin : '-',
    tps.length > 0 ? tMed : '-',
    cMin,
    cMed,
  ]);
}
const loadAfter = loadavg()
  .map((x) => x.toFixed(2))
  .join(' ');

printTable(
  `Trade-data backtest throughput (${ROUNDS} runs per row after 1 warm-up; ${machineLine()})`,
  [
    'case',
    'trades in',
    'candles',
    'round trips',
    'marks',
    'trades/s min',
    'trades/s med',
    'candles/s min',
    'candles/s med',
  ],
  rows,
);
printTable(
  'File parsing (loadMarketFile, one run)',
  ['file', 'trades', 'ms', 'trades/s'],
  [
    [
      path.basename(XRP_TRADES),
      xrp.length,
      Math.round(xrpParseMs),
      Math.round((xrp.length / xrpParseMs) * 1000),
    ],
    [
      path.basename(BTC_TRADES),
      btcFile.trades.length,
      Math.round(btcParseMs),
      Math.round((btcFile.trades.length / btcParseMs) * 1000),
    ],
  ],
);
console.log(
  `\nload average (1/5/15 min) before: ${loadBefore}; after: ${loadAfter} (2 cores shared with other work)`,
);
