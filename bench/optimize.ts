/**
 * Optimiser speed-up from one to two worker threads (issue 7): the same walk-forward optimisation of the
 * default SMC strategy (grid of 6 parameter sets) on real BTCUSDT 5m klines, run with 1 and 2 workers,
 * alternating, `ROUNDS` times each; the best (lowest) wall time of each is kept, since other processes
 * on the machine only ever add time. CPU time is the whole process (main thread + workers).
 *
 * Also measured: how the candles reach the workers. Packing them once into a SharedArrayBuffer and
 * unpacking in each worker, against each worker parsing the kline file itself.
 *
 * Run: node --import tsx bench/optimize.ts [rounds=2] [candles=30000]
 */
import os from 'node:os';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { packCandles, unpackCandles } from '../src/app/optimize/evaluate.js';
import { optimize, type OptimizeOptions, type OptimizeReport } from '../src/app/optimize/optimize.js';
import { workerPool } from '../src/app/optimize/pool.js';
import { parseRanges } from '../src/app/optimize/space.js';
import { SMC_DEFINITION } from '../src/brain/smc-strategy.js';
import { loadConfig } from '../src/config/load.js';
import { silentLogger } from '../src/core/logger.js';
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
const ROUNDS = Number(process.argv[2] ?? 2);
const N = Number(process.argv[3] ?? 30_000);
const { config } = loadConfig({ env: {}, cwd: tmpdir() });

// 1. how candles reach a worker
const tLoad = performance.now();
const all = loadKlines(FILE, 'BTCUSDT', '5m');
const loadMs = performance.now() - tLoad;
const candles = all.slice(0, N);
const tPack = performance.now();
const shared = packCandles(candles);
const packMs = performance.now() - tPack;
const tUnpack = performance.now();
const back = unpackCandles(shared, 'BTCUSDT', '5m');
const unpackMs = performance.now() - tUnpack;
if (back.length !== candles.length || back[N - 1]?.close !== candles[N - 1]?.close)
  throw new Error('pack/unpack round trip lost candles');

const setup = {
  config: Object.freeze({ ...config, binanceApiKey: undefined, binanceApiSecret: undefined }),
  symbol: 'BTCUSDT',
  interval: '5m' as const,
  strategy: 'smc',
  settings: { minTrades: 10 },
};
const tStart = performance.now();
const pool = await workerPool(1, setup, candles, silentLogger);
const startMs = performance.now() - tStart;
await pool.close();

printTable(
  `Candles to workers (${N.toLocaleString('en-US')} candles; ${machineLine()}, ${os.availableParallelism()} cores)`,
  ['step', 'ms'],
  [
    ['parse the .csv.gz (loadKlines, whole file 65,741 rows) — per worker if each loaded the file', loadMs],
    ['pack into a SharedArrayBuffer (once, main thread)', packMs],
    ['unpack in a worker (once per worker)', unpackMs],
    ['start one worker (tsx bootstrap + engine modules + unpack)', startMs],
  ],
);

// 2. the optimisation with 1 and 2 workers
const opts: OptimizeOptions = {
  config,
  candles,
  symbol: 'BTCUSDT',
  interval: '5m',
  strategy: 'smc',
  ranges: parseRanges(SMC_DEFINITION, ['swingLength=3,5,7', 'rewardR=1.5,2.5']),
  search: 'grid',
  windows: { unit: 'candles', train: 6_000, test: 3_000 },
  objective: 'sharpe',
  logger: silentLogger,
};

interface Run {
  readonly wall: number;
  readonly cpu: number;
  readonly report: OptimizeReport;
}
const best = new Map<number, Run>();
for (let round = 0; round < ROUNDS; round++) {
  for (const workers of [1, 2]) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const report = await optimize({ ...opts, workers });
    const wall = performance.now() - t0;
    const c = process.cpuUsage(c0);
    const cpu = (c.user + c.system) / 1000;
    console.log(
      `round ${round + 1}, ${workers} worker(s): ${Math.round(wall)} ms wall, ${Math.round(cpu)} ms CPU`,
    );
    const prev = best.get(workers);
    if (prev === undefined || wall < prev.wall) best.set(workers, { wall, cpu, report });
  }
}
const one = best.get(1);
const two = best.get(2);
if (one === undefined || two === undefined) throw new Error('no runs');
const { timing: _a, ...r1 } = one.report;
const { timing: _b, ...r2 } = two.report;
if (JSON.stringify(r1) !== JSON.stringify(r2)) throw new Error('1 and 2 workers gave different reports');

const rows = [one, two].map((r, i) => [
  String(i + 1),
  r.report.backtests,
  Math.round(r.wall),
  Math.round(r.cpu),
  (r.report.backtests / r.wall) * 1000,
  one.wall / r.wall,
]);
printTable(
  `Walk-forward optimisation: smc, ${N.toLocaleString('en-US')} candles, ${one.report.windows.length} windows ` +
    `(train 6,000 / test 3,000), ${one.report.candidates} parameter sets; best of ${ROUNDS} rounds; ` +
    `load average ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  ['workers', 'backtests', 'wall ms', 'CPU ms (process)', 'backtests/s', 'speed-up'],
  rows,
);
console.log('\nreports identical across worker counts: yes');
