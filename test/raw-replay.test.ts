import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../src/core/clock.js';
import { EventBus } from '../src/core/event-bus.js';
import { MemoryLogger } from '../src/core/logger.js';
import { DataEngine } from '../src/data/engine.js';
import { TOPICS, type AegisTopics } from '../src/domain/events.js';
import type { Candle, Trade } from '../src/domain/market.js';
import { parseMarketMessage } from '../src/venues/binance/market-parse.js';
import { readTextFile } from '../src/venues/files/csv.js';
import { sharedData } from './support/shared-data.js';

/**
 * Issue 3's oracle: the raw Binance WebSocket captures in ../shared/data/raw/hftbacktest, replayed
 * line by line through the Binance parser into the data layer, give 1m candles consistent with the
 * trades in them (OHLC, volume and count recomputed here independently from the parsed trades).
 */
const CAPTURES = [
  'binance_spot_btcusdt_20230405_ws.txt.gz',
  'binance_spot_btcusdt_20240808_ws.txt.gz',
  'binance_spot_btcusdt_20240809_ws.txt.gz',
  'binance_usdm_btcusdt_20230404_ws.txt.gz',
  'binance_usdm_btcusdt_20230405_ws.txt.gz',
  'binance_usdm_btcusdt_20240808_ws.txt.gz',
];

/** Local receive stamps are µs or ns from the recording machine (data README); to ms. */
function recvMs(stamp: string): number {
  const n = Number(stamp);
  return n > 1e17 ? n / 1e6 : n > 1e14 ? n / 1e3 : n;
}

function replay(file: string) {
  const logger = new MemoryLogger();
  const bus = new EventBus<AegisTopics>(TOPICS, { logger });
  const clock = new SimulatedClock(0);
  const data = new DataEngine({ bus, logger, clock, baseInterval: '1m', staleAfterMs: 0 });
  const closed: Candle[] = [];
  let quotes = 0;
  bus.subscribe('CANDLE_CLOSED', 'test', (c) => closed.push(c));
  bus.subscribe('MARKET_QUOTE', 'test', () => quotes++);
  const trades: Trade[] = [];
  let lastTime = 0;
  for (const line of readTextFile(sharedData(`raw/hftbacktest/${file}`)).split('\n')) {
    const space = line.indexOf(' ');
    if (space < 0) continue;
    const msg = parseMarketMessage(line.slice(space + 1), recvMs(line.slice(0, space)));
    if (msg.type === 'trade' || msg.type === 'aggTrade') {
      trades.push(msg.event);
      lastTime = Math.max(lastTime, msg.event.time);
      data.onTrade(msg.event);
    } else if (msg.type === 'bookTicker') {
      data.onQuote(msg.event);
    }
  }
  data.advanceTo(lastTime + 60_000); // close the last minute
  return { closed, trades, quotes, metrics: data.metrics() };
}

function expectedMinutes(trades: readonly Trade[]) {
  const bars = new Map<
    number,
    { open: number; high: number; low: number; close: number; volume: number; n: number }
  >();
  for (const t of trades) {
    const m = Math.floor(t.time / 60_000) * 60_000;
    const b = bars.get(m);
    if (b === undefined)
      bars.set(m, { open: t.price, high: t.price, low: t.price, close: t.price, volume: t.qty, n: 1 });
    else {
      b.high = Math.max(b.high, t.price);
      b.low = Math.min(b.low, t.price);
      b.close = t.price;
      b.volume += t.qty;
      b.n++;
    }
  }
  return bars;
}

describe('raw WebSocket captures replayed through the parser and the data layer', () => {
  for (const file of CAPTURES) {
    it(`${file}: every closed 1m candle equals the trades of its minute`, () => {
      const { closed, trades, quotes } = replay(file);
      expect(trades.length).toBeGreaterThan(1000);
      expect(quotes).toBeGreaterThan(1000);
      const expected = expectedMinutes(trades);
      expect(closed.map((c) => c.openTime)).toEqual([...expected.keys()]);
      for (const c of closed) {
        const e = expected.get(c.openTime);
        expect([c.open, c.high, c.low, c.close, c.trades]).toEqual([
          e?.open,
          e?.high,
          e?.low,
          e?.close,
          e?.n,
        ]);
        // volume: a float sum in a different order can differ in the last bits
        expect(Math.abs(c.volume - (e?.volume ?? 0))).toBeLessThanOrEqual(1e-9 * Math.max(1, c.volume));
      }
      const totalIn = trades.reduce((a, t) => a + t.qty, 0);
      const totalOut = closed.reduce((a, c) => a + c.volume, 0);
      expect(Math.abs(totalIn - totalOut)).toBeLessThanOrEqual(1e-8 * totalIn);
    });
  }
});
