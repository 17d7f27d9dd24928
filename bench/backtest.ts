/**
 * Full-pipeline backtest throughput (issue 7): runBacktest = data layer (kline intake, gap checks, ring),
 * EventBus, brain (SMC strategy), risk gate, trade layer, in-process simulator (candle fill model),
 * SQLite journal in memory, heartbeats — on one core, on a simulated clock.
 *
 * Data: ../shared/data BTCUSDT 5m (65,741 candles), and the same file repeated 16 times, each copy
 * shifted in time after the previous one (1,051,856 candles). Rows per data set: the default SMC strategy
 * trading (runBacktest's defaults: SQLite journal in memory, writes batched); the same without a journal
 * (`journal: false`, as a parameter sweep would run it); the same strategy with its intents dropped (its
 * analysis cost, no trading); a strategy that never trades (the plumbing alone: data layer, bus, brain
 * dispatch, candle matching, clock). A second table turns the rows into per-candle CPU costs by stage
 * (plumbing, SMC analysis, trading, journal: differences between rows) and the trading cost per signal.
 * Run: node --import tsx bench/backtest.ts
 */
import { tmpdir } from 'node:os';
import path from 'node:path';
import { analyzeLookahead, evenCuts } from '../src/app/backtest/lookahead.js';
import { runBacktest, type BacktestResult } from '../src/app/backtest/run.js';
import { defaultSmcStrategyOptions, SmcStrategy } from '../src/brain/smc-strategy.js';
import type { Strategy, StrategyFactory } from '../src/brain/strategy.js';
import { loadConfig } from '../src/config/load.js';
import { silentLogger } from '../src/core/logger.js';
import { INTERVAL_MS, type Candle } from '../src/domain/market.js';
import { loadKlines } from '../src/venues/files/market-csv.js';
import { machineLine, printTable } from './util.js';

const FILE = path.resolve(
  import.meta.dirname,
  '..',
  '..',
  'shared',
  'data',
  'klines',
  'binance_spot_BTCUSDT_5m_20201201_20210717.csv.gz',
);
const { config } = loadConfig({ env: {}, cwd: tmpdir() });

const t0 = performance.now();
const base = loadKlines(FILE, 'BTCUSDT', '5m');
const loadMs = performance.now() - t0;

/** `copies` copies of `candles`, each shifted to start one interval after the previous copy ends. */
function repeat(candles: readonly Candle[], copies: number): Candle[] {
  const first = candles[0];
  const last = candles[candles.length - 1];
  if (first === undefined || last === undefined) return [];
  const span = last.openTime + INTERVAL_MS['5m'] - first.openTime;
  const out: Candle[] = [];
  for (let k = 0; k < copies; k++)
    for (const c of candles) out.push({ ...c, openTime: c.openTime + k * span });
  return out;
}
const big = repeat(base, 16);

const idle: StrategyFactory = (): Strategy => ({ name: 'idle', trend: () => 0, onCandle: () => undefined });
/** The SMC strategy doing all its analysis, its intents dropped: the strategy's cost without trading. */
const smcMuted: StrategyFactory = (): Strategy => {
  const smc = new SmcStrategy(defaultSmcStrategyOptions(config.rsiPeriod, config.atrPeriod));
  return {
    name: 'smc-muted',
    trend: () => smc.trend(),
    onCandle: (c, view) => {
      smc.onCandle(c, view);
      return undefined;
    },
  };
};

async function measure(
  candles: readonly Candle[],
  strategy: StrategyFactory | undefined,
  journal: false | undefined,
  warmup: number,
  rounds: number,
): Promise<{ median: BacktestResult; rates: number[]; cpuRate: number }> {
  const cpuRates: number[] = [];
  const run = async (): Promise<BacktestResult> => {
    const c0 = process.cpuUsage();
    const r = await runOnce();
    const c = process.cpuUsage(c0);
    cpuRates.push(candles.length / ((c.user + c.system) / 1e6));
    return r;
  };
  const runOnce = (): Promise<BacktestResult> =>
    runBacktest({
      config,
      candles,
      symbol: 'BTCUSDT',
      interval: '5m',
      logger: silentLogger,
      // the daily-loss kill switch trips in the first copy; resume each day so every copy is traded
      resumeAfterHalt: 'next-day',
      ...(strategy === undefined ? {} : { strategy }),
      ...(journal === undefined ? {} : { journal }),
    });
  for (let i = 0; i < warmup; i++) await run();
  cpuRates.length = 0;
  const results: BacktestResult[] = [];
  for (let i = 0; i < rounds; i++) results.push(await run());
  results.sort((a, b) => a.candles_per_sec - b.candles_per_sec);
  const median = results[Math.floor(results.length / 2)] as BacktestResult;
  cpuRates.sort((a, b) => a - b);
  const cpuRate = cpuRates[Math.floor(cpuRates.length / 2)] ?? NaN;
  return { median, rates: results.map((r) => r.candles_per_sec), cpuRate };
}

const rows: (string | number)[][] = [];
/** Per data set: CPU rate (candles per CPU s) of each strategy row, and the default row's signals. */
const stageRates = new Map<string, { rates: Map<string, number>; signals: number; candles: number }>();
for (const [name, data, warmup, rounds] of [
  // 3 warm-up runs on the short file: a fresh process needs 2-3 runs of 65k candles before the JIT settles
  ['BTCUSDT 5m file', base, 3, 5],
  ['BTCUSDT 5m x16', big, 1, 3],
] as const) {
  for (const [label, strategy, journal] of [
    ['SMC (default)', undefined, undefined],
    ['SMC, no journal', undefined, false],
    ['SMC, intents dropped', smcMuted, undefined],
    ['never trades', idle, undefined],
  ] as const) {
    const { median: r, rates, cpuRate } = await measure(data, strategy, journal, warmup, rounds);
    const stage = stageRates.get(name) ?? {
      rates: new Map<string, number>(),
      signals: 0,
      candles: data.length,
    };
    stage.rates.set(label, cpuRate);
    if (label === 'SMC (default)') stage.signals = r.signals;
    stageRates.set(name, stage);
    rows.push([
      name,
      label,
      r.candles,
      r.trades,
      r.elapsed_ms,
      r.candles_per_sec,
      Math.round(cpuRate),
      rates.map((x) => Math.round(x / 1000)).join(' / '),
      r.fingerprint.slice(0, 12),
    ]);
  }
}

printTable(
  `Full-pipeline backtest throughput, one thread (${machineLine()}); medians of the rounds; CPU s = process user + system`,
  [
    'data',
    'strategy',
    'candles',
    'trades',
    'wall ms',
    'candles/s (wall)',
    'candles/CPU s',
    'rounds (k candles/s wall)',
    'fingerprint',
  ],
  rows,
);
// Where a candle's time goes: differences between the rows above (CPU time per candle, medians).
const us = (rate: number | undefined): number => (rate === undefined || rate <= 0 ? NaN : 1e6 / rate);
const stageRows: (string | number)[][] = [];
for (const [name, st] of stageRates) {
  const total = us(st.rates.get('SMC (default)'));
  const noJournal = us(st.rates.get('SMC, no journal'));
  const muted = us(st.rates.get('SMC, intents dropped'));
  const plumbing = us(st.rates.get('never trades'));
  const trading = noJournal - muted;
  const fmt = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');
  stageRows.push([
    name,
    fmt(plumbing),
    fmt(muted - plumbing),
    fmt(trading),
    fmt(total - noJournal),
    fmt(total),
    st.signals,
    fmt((trading * st.candles) / Math.max(1, st.signals)),
  ]);
}
printTable(
  'Per-candle CPU cost by stage (µs per candle, from the rows above: plumbing = never trades; SMC analysis = intents dropped - never trades; trading = no journal - intents dropped; journal = default - no journal)',
  [
    'data',
    'plumbing µs',
    'SMC analysis µs',
    'trading µs',
    'journal µs',
    'total µs',
    'signals',
    'trading µs per signal',
  ],
  stageRows,
);
console.log(
  `\nfile parse (gzip CSV -> Candle[]): ${base.length.toLocaleString('en-US')} candles in ${loadMs.toFixed(0)} ms ` +
    `(${Math.round((base.length / loadMs) * 1000).toLocaleString('en-US')} candles/s), not included above`,
);
// Look-ahead analysis on the whole file (issue 7 "done when"): 10 cuts, both kill-switch policies.
for (const resumeAfterHalt of ['never', 'next-day'] as const) {
  const a0 = performance.now();
  const report = await analyzeLookahead(base, config, evenCuts(base.length, 10, 1_000), {
    symbol: 'BTCUSDT',
    interval: '5m',
    logger: silentLogger,
    resumeAfterHalt,
  });
  console.log(
    `look-ahead (resume ${resumeAfterHalt}): ${report.cuts.length} cuts, ${report.compared.toLocaleString('en-US')} signals ` +
      `compared, ${report.differences.length} differences (${((performance.now() - a0) / 1000).toFixed(1)} s)`,
  );
}
console.log(`peak RSS ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`);
