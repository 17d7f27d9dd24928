/**
 * SMC detectors, all together (swings, structure, order blocks, FVG, liquidity, premium/discount):
 * ns per closed candle on the BTCUSDT 5m file (65,741 bars), L = 5 and L = 50.
 *
 *   node --import tsx bench/smc.ts [rounds]
 *
 * Each round feeds the whole file through a fresh SmcEngine (construction included) and keeps every
 * emitted event (as a consumer would); a third row feeds the same bars into a sink that only counts the
 * calls (`feedBar`, the path the SMC strategy uses: no event object is built). Warm-up rounds first; the table reports the median, min and max
 * wall time and the median and min CPU time of this process per candle (CPU time is the steadier figure
 * when other processes share the machine; its min is the closest to an unloaded machine).
 */
import { loadavg } from 'node:os';
import path from 'node:path';
import { readCsvFile } from '../src/venues/files/csv.js';
import { SmcEngine } from '../src/brain/smc/engine.js';
import type { SmcSink } from '../src/brain/smc/sink.js';
import type { SmcBar, SmcEvent } from '../src/brain/smc/types.js';

const FILE = path.resolve(
  import.meta.dirname,
  '..',
  '..',
  'shared',
  'data',
  'klines',
  'binance_spot_BTCUSDT_5m_20201201_20210717.csv.gz',
);
const ROUNDS = Number(process.argv[2] ?? 15);
const WARMUP = 5;

const bars: SmcBar[] = readCsvFile(FILE, true).rows.map((r) => ({
  openTime: Number(r[0]),
  open: Number(r[1]),
  high: Number(r[2]),
  low: Number(r[3]),
  close: Number(r[4]),
  volume: Number(r[5]),
}));
const n = bars.length;
const cols = {
  t: Float64Array.from(bars, (b) => b.openTime),
  o: Float64Array.from(bars, (b) => b.open),
  h: Float64Array.from(bars, (b) => b.high),
  l: Float64Array.from(bars, (b) => b.low),
  c: Float64Array.from(bars, (b) => b.close),
  v: Float64Array.from(bars, (b) => b.volume),
};

interface Round {
  /** Wall-clock ns. */
  ns: number;
  /** CPU ns of this process (user + system): less sensitive to other processes on a busy machine. */
  cpuNs: number;
  events: number;
}

function roundObjects(L: number): Round {
  const sink: SmcEvent[] = [];
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const engine = new SmcEngine({ swingLength: L });
  for (let i = 0; i < n; i++) {
    const out = engine.update(bars[i] as SmcBar);
    for (const e of out) sink.push(e);
  }
  const ns = Number(process.hrtime.bigint() - t0);
  const cpu = process.cpuUsage(cpu0);
  return { ns, cpuNs: (cpu.user + cpu.system) * 1000, events: sink.length };
}

function roundColumns(L: number): Round {
  let events = 0;
  const { t, o, h, l, c, v } = cols;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const engine = new SmcEngine({ swingLength: L });
  for (let i = 0; i < n; i++) {
    events += engine.step(
      t[i] as number,
      o[i] as number,
      h[i] as number,
      l[i] as number,
      c[i] as number,
      v[i] as number,
    ).length;
  }
  const ns = Number(process.hrtime.bigint() - t0);
  const cpu = process.cpuUsage(cpu0);
  return { ns, cpuNs: (cpu.user + cpu.system) * 1000, events };
}

/** A sink that ignores every call: the engine's own cost, no event object built (the strategy's path). */
class CountingSink implements SmcSink {
  calls = 0;
  swing(): void {
    this.calls++;
  }
  structure(): void {
    this.calls++;
  }
  orderBlock(): void {
    this.calls++;
  }
  fvg(): void {
    this.calls++;
  }
  liquidity(): void {
    this.calls++;
  }
  range(): void {
    this.calls++;
  }
}

function roundSink(L: number): Round {
  const sink = new CountingSink();
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const engine = new SmcEngine({ swingLength: L });
  for (let i = 0; i < n; i++) engine.feedBar(sink, bars[i] as SmcBar);
  const ns = Number(process.hrtime.bigint() - t0);
  const cpu = process.cpuUsage(cpu0);
  return { ns, cpuNs: (cpu.user + cpu.system) * 1000, events: sink.calls };
}

const INPUT_NAMES = new Map<(L: number) => Round, string>([
  [roundObjects, 'update(bar), events kept'],
  [roundColumns, 'step(numbers), events counted'],
  [roundSink, 'feedBar(sink, bar), no event objects'],
]);

function measure(fn: (L: number) => Round, L: number): string[] {
  for (let k = 0; k < WARMUP; k++) fn(L);
  const per: number[] = [];
  const cpuPer: number[] = [];
  let events = 0;
  for (let k = 0; k < ROUNDS; k++) {
    const r = fn(L);
    per.push(r.ns / n);
    cpuPer.push(r.cpuNs / n);
    events = r.events;
  }
  per.sort((a, b) => a - b);
  cpuPer.sort((a, b) => a - b);
  const median = per[Math.floor(per.length / 2)] as number;
  const cpuMedian = cpuPer[Math.floor(cpuPer.length / 2)] as number;
  const cpuMin = cpuPer[0] as number;
  const fmt = (x: number): string => x.toFixed(0);
  return [
    String(L),
    INPUT_NAMES.get(fn) ?? '?',
    fmt(median),
    fmt(per[0] as number),
    fmt(per[per.length - 1] as number),
    fmt(cpuMedian),
    fmt(cpuMin),
    (1e3 / median).toFixed(2),
    String(events),
  ];
}

const header = [
  'L',
  'input',
  'median ns/candle (wall)',
  'min',
  'max',
  'median CPU ns/candle',
  'min CPU',
  'M candles/s',
  'events',
];
const rows: string[][] = [];
for (const L of [5, 50]) {
  rows.push(measure(roundObjects, L));
  rows.push(measure(roundColumns, L));
  rows.push(measure(roundSink, L));
}
process.stdout.write(
  `SMC all detectors, ${n} candles (BTCUSDT 5m), ${ROUNDS} rounds after ${WARMUP} warm-up, node ${process.version}, load average ${loadavg()[0]?.toFixed(1) ?? '?'} at the end\n\n`,
);
process.stdout.write(`| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|\n`);
for (const r of rows) process.stdout.write(`| ${r.join(' | ')} |\n`);
