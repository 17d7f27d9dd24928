import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { SimulatedClock } from '../../core/clock.js';
import { MemoryLogger } from '../../core/logger.js';
import { BinanceMarketStream, rawText, type MarketEvent } from './market-stream.js';

// Messages copied from ../shared/data/raw/hftbacktest/binance_usdm_btcusdt_20230404_ws.txt.gz (lines 1-3).
const BOOK =
  '{"stream":"btcusdt@bookTicker","data":{"e":"bookTicker","u":2710246762461,"s":"BTCUSDT","b":"28145.10","B":"3.868","a":"28145.20","A":"6.887","T":1680652700430,"E":1680652700435}}';
const TRADE_1 =
  '{"stream":"btcusdt@trade","data":{"e":"trade","E":1680652700455,"T":1680652700452,"s":"BTCUSDT","t":3535186032,"p":"28145.10","q":"0.002","X":"MARKET","m":true}}';
const TRADE_2 =
  '{"stream":"btcusdt@trade","data":{"e":"trade","E":1680652700455,"T":1680652700452,"s":"BTCUSDT","t":3535186033,"p":"28145.10","q":"0.020","X":"MARKET","m":true}}';

interface ServerSide {
  readonly socket: WebSocket;
  readonly url: string;
  readonly received: string[];
}

let wss: WebSocketServer;
let connections: ServerSide[];
let waiters: (() => void)[];
let clock: SimulatedClock;
let events: MarketEvent[];
let logger: MemoryLogger;
let stream: BinanceMarketStream | undefined;

const io = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Resolves once the server holds `n` connections in total. */
async function connectionCount(n: number): Promise<void> {
  while (connections.length < n) await new Promise<void>((r) => waiters.push(r));
}

/** Wait for socket I/O (polling between event-loop turns, no timers) until `check` holds; 10 s at most. */
async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check() && Date.now() < deadline) await io();
  expect(check()).toBe(true);
}

beforeEach(async () => {
  connections = [];
  waiters = [];
  events = [];
  logger = new MemoryLogger();
  clock = new SimulatedClock(1_000_000);
  wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => wss.once('listening', r));
  wss.on('connection', (socket, req) => {
    const side: ServerSide = { socket, url: req.url ?? '', received: [] };
    socket.on('message', (d: WebSocket.RawData) => {
      side.received.push(rawText(d));
    });
    connections.push(side);
    for (const w of waiters.splice(0)) w();
  });
});

afterEach(async () => {
  stream?.stop();
  stream = undefined;
  for (const c of wss.clients) c.terminate();
  await new Promise<void>((r) => {
    wss.close(() => {
      r();
    });
  });
});

function open(
  extra: Partial<ConstructorParameters<typeof BinanceMarketStream>[0]> = {},
): BinanceMarketStream {
  const port = (wss.address() as AddressInfo).port;
  stream = new BinanceMarketStream({
    baseUrl: `ws://127.0.0.1:${port}`,
    streams: ['btcusdt@bookTicker', 'btcusdt@trade'],
    clock,
    scheduler: clock,
    random: () => 0.5,
    onEvent: (e) => events.push(e),
    logger,
    staleAfterMs: 60_000,
    ...extra,
  });
  stream.start();
  return stream;
}

describe('BinanceMarketStream against a loopback WebSocket server', () => {
  it('connects to the combined-stream URL and delivers parsed events; bad messages are counted and dropped', async () => {
    const s = open();
    await connectionCount(1);
    expect(connections[0]?.url).toBe('/stream?streams=btcusdt@bookTicker/btcusdt@trade');
    for (const m of [BOOK, 'not json', TRADE_1, '{"e":"somethingNew"}']) connections[0]?.socket.send(m);
    await until(() => s.counters.received === 4);
    expect(events.map((e) => e.type)).toEqual(['bookTicker', 'trade']);
    expect(s.counters.rejected).toBe(2);
    expect(logger.records.filter((r) => r.message === 'binance market message dropped')).toHaveLength(1); // rate-limited log
  });

  it('sends SUBSCRIBE / UNSUBSCRIBE and reconnects with the current stream list', async () => {
    const s = open();
    await connectionCount(1);
    await until(() => s.counters.connects === 1);
    s.subscribe(['ethusdt@aggTrade']);
    s.unsubscribe(['btcusdt@trade']);
    await until(() => connections[0]?.received.length === 2);
    expect(connections[0]?.received.map((m) => JSON.parse(m) as unknown)).toEqual([
      { method: 'SUBSCRIBE', params: ['ethusdt@aggTrade'], id: 1 },
      { method: 'UNSUBSCRIBE', params: ['btcusdt@trade'], id: 2 },
    ]);
    connections[0]?.socket.close();
    await until(() => s.counters.reconnectsScheduled === 1);
    clock.advanceTo(clock.now() + 250); // random 0.5 * initial 500 ms
    await connectionCount(2);
    expect(connections[1]?.url).toBe('/stream?streams=btcusdt@bookTicker/ethusdt@aggTrade');
  });

  it('backs off exponentially with jitter while the server keeps closing, on the injected clock', async () => {
    const s = open({ random: () => 0.999, backoffInitialMs: 1000, backoffMaxMs: 5000 });
    const delays = [999, 1998, 3996, 4995]; // floor(0.999 * min(5000, 1000 * 2^n))
    for (let n = 0; n < delays.length; n++) {
      await connectionCount(n + 1);
      connections[n]?.socket.close();
      await until(() => s.counters.reconnectsScheduled === n + 1);
      clock.advanceTo(clock.now() + (delays[n] ?? 0) - 1);
      await io();
      expect(connections).toHaveLength(n + 1); // not before the backoff has passed
      clock.advanceTo(clock.now() + 1);
    }
    await connectionCount(delays.length + 1);
  });

  it('drops a stale connection and reconnects', async () => {
    const s = open();
    await connectionCount(1);
    await until(() => s.counters.connects === 1);
    clock.advanceTo(clock.now() + 90_000); // watchdog runs every 30 s; silence > 60 s
    await until(() => s.counters.stale === 1 && s.counters.reconnectsScheduled === 1);
    clock.advanceTo(clock.now() + 250);
    await connectionCount(2);
  });

  it('rolls over before 24 h: new connection first, old one closed after, overlap de-duplicated', async () => {
    const s = open({ rolloverAfterMs: 1000, staleAfterMs: 10_000_000 });
    await connectionCount(1);
    await until(() => s.counters.connects === 1);
    connections[0]?.socket.send(TRADE_1);
    await until(() => events.length === 1);
    clock.advanceTo(clock.now() + 1000);
    await connectionCount(2);
    const old = connections[0]?.socket;
    const fresh = connections[1]?.socket;
    let oldClosed = false;
    old?.on('close', () => (oldClosed = true));
    old?.send(TRADE_2); // the old connection still delivers during the overlap
    await until(() => events.length === 2);
    expect(oldClosed).toBe(false);
    for (const m of [TRADE_1, TRADE_2, BOOK]) fresh?.send(m); // overlap repeats, then new data
    await until(() => s.counters.received === 5);
    await io();
    expect(oldClosed).toBe(false); // overlap: the old connection stays open for overlapMs
    clock.advanceTo(clock.now() + 2000);
    await until(() => oldClosed);
    expect(events.map((e) => (e.type === 'trade' ? e.event.id : e.type))).toEqual([
      3535186032,
      3535186033,
      'bookTicker',
    ]);
    expect(s.counters.duplicates).toBe(2);
    expect(s.counters.reconnectsScheduled).toBe(0); // closing the retired connection is not a disconnect
  });
});

describe('BinanceMarketStream connection limits', () => {
  it('sends at most 5 control messages per second and refuses more than maxStreams streams', async () => {
    const s = open({ maxStreams: 8 });
    await connectionCount(1);
    await until(() => s.counters.connects === 1);
    for (let i = 0; i < 6; i++) s.subscribe([`sym${i}usdt@trade`]);
    expect(() => {
      s.subscribe(['x@trade']);
    }).toThrow(/at most 8 streams/);
    await until(() => connections[0]?.received.length === 5);
    await io();
    expect(connections[0]?.received).toHaveLength(5);
    clock.advanceTo(clock.now() + 1000);
    await until(() => connections[0]?.received.length === 6);
    expect(JSON.parse(connections[0]?.received[5] ?? '{}')).toEqual({
      method: 'SUBSCRIBE',
      params: ['sym5usdt@trade'],
      id: 6,
    });
  });
});
