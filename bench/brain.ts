/**
 * The whole brain per closed candle: the default SMC strategy (SMC engine + RSI + ATR + signal evaluation)
 * through Brain.processCandle, and the same plus every other streaming indicator.
 * Data: real BTCUSDT 5m klines (65,741 bars) from ../shared/data.
 * Run: node --import tsx bench/brain.ts
 * CPU time of this process (preemption by other processes does not count); median and min of 15 runs
 * after 3 warm-up runs (the min is the closest to an unloaded machine). The title gives the load average:
 * on a shared 2-core machine CPU time still grows with the load (caches, SMT siblings).
 */
import { loadavg } from 'node:os';
import path from 'node:path';
import { Brain } from '../src/brain/brain.js';
import { ADX, BollingerBands, EMA, MACD, OBV, SMA, Stochastic } from '../src/brain/indicators/index.js';
import { defaultSmcStrategyOptions, SmcStrategy } from '../src/brain/smc-strategy.js';
import { SimulatedClock } from '../src/core/clock.js';
import { EventBus } from '../src/core/event-bus.js';
import { silentLogger } from '../src/core/logger.js';
import { TOPICS, type AegisTopics } from '../src/domain/events.js';
import { loadKlines } from '../src/venues/files/market-csv.js';
import { machineLine, printTable } from './util.js';

/** CPU time (user + system) since `c0`, in ns: preemption on a shared machine does not count. */
function cpuNs(c0: NodeJS.CpuUsage): number {
  const c = process.cpuUsage(c0);
  return (c.user + c.system) * 1000;
}

const FILE = path.resolve(
  import.meta.dirname,
  '../../shared/data/klines/binance_spot_BTCUSDT_5m_20201201_20210717.csv.gz',
);
const candles = loadKlines(FILE, 'BTCUSDT', '5m');

function makeBrain(): Brain {
  const bus = new EventBus<AegisTopics>(TOPICS, { logger: silentLogger, freezePayloads: false });
  return new Brain(bus, {
    intervals: ['5m'],
    teacherThreshold: 0.75,
    riskPerTrade: 0.01,
    equity: () => 10_000,
    strategy: () => new SmcStrategy(defaultSmcStrategyOptions()),
    clock: new SimulatedClock(0),
    logger: silentLogger,
  });
}

function brainOnly(): number {
  const brain = makeBrain();
  const c0 = process.cpuUsage();
  for (const c of candles) brain.processCandle(c);
  return cpuNs(c0) / candles.length;
}

function brainPlusIndicators(): number {
  const brain = makeBrain();
  const ema = new EMA(20);
  const sma = new SMA(20);
  const macd = new MACD();
  const bb = new BollingerBands();
  const st = new Stochastic();
  const adx = new ADX();
  const obv = new OBV();
  const c0 = process.cpuUsage();
  for (const c of candles) {
    ema.update(c.close);
    sma.update(c.close);
    macd.update(c.close);
    bb.update(c.close);
    st.update(c.high, c.low, c.close);
    adx.update(c.high, c.low, c.close);
    obv.update(c.close, c.volume);
    brain.processCandle(c);
  }
  return cpuNs(c0) / candles.length;
}

/** Median and min of `rounds` runs of `fn` after `warmup` runs. */
function medianMin(rounds: number, warmup: number, fn: () => number): [number, number] {
  for (let i = 0; i < warmup; i++) fn();
  const xs: number[] = [];
  for (let i = 0; i < rounds; i++) xs.push(fn());
  xs.sort((x, y) => x - y);
  return [xs[Math.floor(xs.length / 2)] ?? Number.NaN, xs[0] ?? Number.NaN];
}

const ROUNDS = 15;
const [a, aMin] = medianMin(ROUNDS, 3, brainOnly);
const [b, bMin] = medianMin(ROUNDS, 3, brainPlusIndicators);
printTable(
  `Brain per closed candle, CPU ns (${ROUNDS} runs over ${candles.length.toLocaleString('en-US')} real 5m bars; ${machineLine()}; load average ${loadavg()[0]?.toFixed(1) ?? '?'})`,
  ['pipeline', 'median CPU ns / candle', 'min CPU ns / candle', 'candles / s (median)'],
  [
    ['default SMC strategy (SMC + RSI + ATR + signal)', a, aMin, 1e9 / a],
    ['+ EMA, SMA, MACD, BB, Stoch, ADX, OBV', b, bMin, 1e9 / b],
  ],
);
