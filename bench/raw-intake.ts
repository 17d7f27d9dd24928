/**
 * Raw WebSocket text -> Binance parser -> data layer (trades into candles, quotes conflated), per message.
 * Input: the real spot BTCUSDT capture of 2024-08-08 (../shared/data/raw/hftbacktest), trade and
 * bookTicker lines, replayed 8 times with event times and trade ids shifted so each pass continues the last.
 * Run: node --import tsx bench/raw-intake.ts
 */
import path from 'node:path';
import { SimulatedClock } from '../src/core/clock.js';
import { EventBus } from '../src/core/event-bus.js';
import { silentLogger } from '../src/core/logger.js';
import { DataEngine } from '../src/data/engine.js';
import { TOPICS, type AegisTopics } from '../src/domain/events.js';
import { parseMarketMessage, parseMarketMessageBytes } from '../src/venues/binance/market-parse.js';
import { readTextFile } from '../src/venues/files/csv.js';
import { machineLine, medianOf, printTable } from './util.js';

const FILE = path.resolve(
  import.meta.dirname,
  '../../shared/data/raw/hftbacktest/binance_spot_btcusdt_20240808_ws.txt.gz',
);
const base = readTextFile(FILE)
  .split('\n')
  .map((l) => l.slice(l.indexOf(' ') + 1))
  .filter((l) => l.includes('@trade') || l.includes('@bookTicker'));
const SPAN_MS = 3_600_000;
const PASSES = 8;
const lines: string[] = [];
for (let p = 0; p < PASSES; p++) {
  for (const l of base) {
    // fresh flat strings, as a decoded WebSocket frame would be
    lines.push(
      (p === 0
        ? l
        : l.replace(
            /"([ETt])":(\d+)/g,
            (_m, k: string, v: string) => `"${k}":${Number(v) + p * (k === 't' ? 10_000_000 : SPAN_MS)}`,
          )
      )
        .split('')
        .join(''),
    );
  }
}

const frames = lines.map((l) => Buffer.from(l, 'utf8'));

function run(mode: 'parse' | 'parse+data' | 'bytes' | 'bytes+data'): number {
  const bus = new EventBus<AegisTopics>(TOPICS, { logger: silentLogger, freezePayloads: false });
  const data = new DataEngine({
    bus,
    logger: silentLogger,
    clock: new SimulatedClock(0),
    baseInterval: '1m',
    higherIntervals: ['5m', '1h'],
    staleAfterMs: 0,
    publishForming: false,
  });
  let sink = 0;
  const c0 = process.cpuUsage();
  let recv = 1_723_161_253_000;
  const bytes = mode === 'bytes' || mode === 'bytes+data';
  for (let n = 0; n < lines.length; n++) {
    recv += 1;
    const m = bytes
      ? parseMarketMessageBytes(frames[n] as Buffer, recv)
      : parseMarketMessage(lines[n] as string, recv);
    if (mode === 'parse' || mode === 'bytes') {
      sink += m.type.length;
      continue;
    }
    if (m.type === 'trade') data.onTrade(m.event);
    else if (m.type === 'bookTicker') data.onQuote(m.event);
  }
  const c = process.cpuUsage(c0);
  if (sink < 0) console.log(sink);
  return ((c.user + c.system) * 1000) / lines.length;
}

const bytesOnly = medianOf(5, 1, () => run('bytes'));
const bytesFull = medianOf(5, 1, () => run('bytes+data'));
const parseOnly = medianOf(5, 1, () => run('parse'));
const full = medianOf(5, 1, () => run('parse+data'));
printTable(
  `Raw WebSocket text -> domain -> data layer, CPU ns per message (${lines.length.toLocaleString('en-US')} real trade + bookTicker lines, median of 5; ${machineLine()})`,
  ['path', 'ns / message', 'messages / s'],
  [
    ['frame bytes, parse only (parseMarketMessageBytes)', bytesOnly, 1e9 / bytesOnly],
    ['frame bytes, parse + DataEngine', bytesFull, 1e9 / bytesFull],
    ['string, parse only (parseMarketMessage)', parseOnly, 1e9 / parseOnly],
    ['string, parse + DataEngine (1m/5m/1h candles, quotes)', full, 1e9 / full],
  ],
);
