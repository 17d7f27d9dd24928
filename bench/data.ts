/**
 * Data layer benchmark: parsed Trade events -> DataEngine (boundary checks, conflation, candle builder,
 * ring buffers, higher intervals, CANDLE_CLOSED on the bus) end to end, on one core.
 *
 *   node --expose-gc --import tsx bench/data.ts
 *
 * Prints a throughput table (3 warm-up rounds + 7 measured rounds, median) and a memory table for 200 symbols
 * x 3 intervals with full ring buffers. Results: docs/benchmarks.md (data layer section).
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { SimulatedClock, type MonotonicClock } from '../src/core/clock.js';
import { EventBus } from '../src/core/event-bus.js';
import { silentLogger } from '../src/core/logger.js';
import { DataEngine, type DataEngineOptions } from '../src/data/engine.js';
import { TOPICS, type AegisTopics } from '../src/domain/events.js';
import type { Interval, Trade } from '../src/domain/market.js';

const monotonic: MonotonicClock = { nowNs: () => performance.now() * 1e6 };
const WARMUP = 3;
const ROUNDS = 7;
const T0 = 1_700_000_000_000 - (1_700_000_000_000 % 3_600_000);

interface MutableTrade {
  symbol: string;
  time: number;
  price: number;
  qty: number;
  buyerIsMaker: boolean;
  id: number;
}

/** `n` trades round-robin over `symbols`, `stepMs` apart, a random walk in price (seeded LCG). */
function makeTrades(n: number, symbols: readonly string[], stepMs: number): Trade[] {
  let seed = 42;
  const rnd = (): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  const prices = symbols.map(() => 100);
  const out: MutableTrade[] = new Array<MutableTrade>(n);
  for (let i = 0; i < n; i++) {
    const s = i % symbols.length;
    const p = Math.max(1, (prices[s] ?? 100) * (1 + (rnd() - 0.5) * 0.001));
    prices[s] = p;
    out[i] = {
      symbol: symbols[s] ?? 'X',
      time: T0 + i * stepMs,
      price: Math.round(p * 100) / 100,
      qty: Math.round(rnd() * 1e6) / 1e4,
      buyerIsMaker: rnd() < 0.5,
      id: i,
    };
  }
  return out;
}

function newEngine(options: Partial<DataEngineOptions>): { engine: DataEngine; closed: () => number } {
  const bus = new EventBus<AegisTopics>(TOPICS, { logger: silentLogger });
  let closed = 0;
  bus.subscribe('CANDLE_CLOSED', 'bench', () => {
    closed++;
  });
  const clock = new SimulatedClock(T0);
  const engine = new DataEngine({
    bus,
    logger: silentLogger,
    clock,
    scheduler: clock,
    monotonic,
    higherIntervals: ['5m', '1h'],
    publishForming: false,
    staleAfterMs: 0,
    ...options,
  });
  return { engine, closed: () => closed };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

interface Row {
  scenario: string;
  'wall trades/s (median)': string;
  'wall min..max M/s': string;
  'CPU-time trades/s (median)': string;
  'CPU ns/trade': string;
  'closed candles/round': number;
  'intake p50/p99 ns': string;
}

function throughput(scenario: string, trades: readonly Trade[], options: Partial<DataEngineOptions>): Row {
  const rates: number[] = [];
  const cpuRates: number[] = [];
  let closed = 0;
  let lat = '';
  const symbols = [...new Set(trades.map((t) => t.symbol))];
  for (let round = 0; round < WARMUP + ROUNDS; round++) {
    // Symbols registered (ring buffers allocated) before the clock starts. No forced gc() here: a full GC just
    // before the loop was measured to halve the rate of the following round (objects moved, caches cold).
    const { engine, closed: count } = newEngine({ symbols, ...options });
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (const t of trades) engine.onTrade(t);
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(c0);
    if (round < WARMUP) continue; // JIT warm-up
    rates.push(trades.length / (ms / 1000));
    // CPU time of the process (user + system, includes GC threads): what one core costs when the machine is shared.
    cpuRates.push(trades.length / ((cpu.user + cpu.system) / 1e6));
    closed = count();
    const h = engine.metrics().intakeToCandleNs;
    lat = `${h.p50} / ${h.p99}`;
  }
  const med = median(rates);
  const cpuMed = median(cpuRates);
  return {
    scenario,
    'wall trades/s (median)': `${(med / 1e6).toFixed(2)} M`,
    'wall min..max M/s': `${(Math.min(...rates) / 1e6).toFixed(2)}..${(Math.max(...rates) / 1e6).toFixed(2)}`,
    'CPU-time trades/s (median)': `${(cpuMed / 1e6).toFixed(2)} M`,
    'CPU ns/trade': (1e9 / cpuMed).toFixed(0),
    'closed candles/round': closed,
    'intake p50/p99 ns': lat,
  };
}

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g === undefined) throw new Error('run with node --expose-gc');
  g();
  g();
}

function mem(): { heapMB: number; arrayBuffersMB: number; rssMB: number } {
  gc();
  const m = process.memoryUsage();
  const mb = (x: number): number => Math.round((x / 1_048_576) * 10) / 10;
  return { heapMB: mb(m.heapUsed), arrayBuffersMB: mb(m.arrayBuffers), rssMB: mb(m.rss) };
}

function memory(): Record<string, string | number>[] {
  const symbols = Array.from({ length: 200 }, (_, i) => `SYM${i}USDT`);
  const intervals: Interval[] = ['5m', '1h'];
  const depth = 500;
  // One trade per symbol per minute: filling 500 one-hour bars takes 30 000 minutes per symbol.
  const minutesToFill = depth * 60;
  const before = mem();
  const { engine, closed } = newEngine({ symbols, higherIntervals: intervals, depth });
  let minute = 0;
  let id = 0;
  const feed = (minutes: number): void => {
    for (let k = 0; k < minutes; k++, minute++) {
      for (const s of symbols) {
        // a fresh object per trade, as a parser would hand over
        engine.onTrade({
          symbol: s,
          time: T0 + minute * 60_000 + 1,
          price: 100.5 + (minute % 50),
          qty: 1.5,
          buyerIsMaker: false,
          id: id++,
        });
      }
    }
    engine.advanceTo(T0 + minute * 60_000);
  };
  feed(minutesToFill + 60);
  const full = engine.series('SYM0USDT', '1h')?.length;
  const warm = mem();
  const closedWarm = closed();
  feed(minutesToFill);
  const after = mem();
  const closedAfter = closed() - closedWarm;
  feed(minutesToFill);
  const after2 = mem();
  return [
    { stage: 'before engine', ...before, 'closed candles': 0, '1h ring length': '-' },
    { stage: 'warm (buffers full)', ...warm, 'closed candles': closedWarm, '1h ring length': full ?? 0 },
    {
      stage: `+${closedAfter} candles`,
      ...after,
      'closed candles': closedAfter,
      '1h ring length': full ?? 0,
    },
    { stage: `+${closedAfter} more`, ...after2, 'closed candles': closedAfter, '1h ring length': full ?? 0 },
  ];
}

console.log(
  `node ${process.version}, load average ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')} (machine shared: compare the sampled intake p50 too)\n`,
);
/** Scoped so that the 4M trade objects are garbage before the memory measurement. */
function runThroughput(): void {
  const one = makeTrades(2_000_000, ['BTCUSDT'], 10);
  const many = makeTrades(
    2_000_000,
    Array.from({ length: 200 }, (_, i) => `SYM${i}USDT`),
    1,
  );
  console.log(
    '\nthroughput: 1m base + 5m + 1h, depth 1000, 2M trades per round, median of 7 rounds after 3 warm-up rounds',
  );
  console.table([
    throughput('1 symbol, pass-through, forming not published', one, {}),
    throughput('200 symbols, pass-through, forming not published', many, {}),
    throughput('1 symbol, conflation 100 ms, forming published', one, {
      conflationMs: 100,
      publishForming: true,
    }),
    throughput('200 symbols, conflation 100 ms, forming published', many, {
      conflationMs: 100,
      publishForming: true,
    }),
    throughput('200 symbols, conflation 1 s, forming published', many, {
      conflationMs: 1_000,
      publishForming: true,
    }),
    throughput('1 symbol, pass-through, forming published per trade', one, { publishForming: true }),
  ]);
}

runThroughput();
console.log('');
console.log('memory: 200 symbols x 3 intervals (1m, 5m, 1h), depth 500, after gc');
console.table(memory());
