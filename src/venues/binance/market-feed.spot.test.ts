import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { SimulatedClock } from '../../core/clock.js';
import type { MarkPrice, Trade } from '../../domain/market.js';
import { BinanceMarketFeed, feedStreams } from './market-feed.js';

// Binance spot market streams (https://developers.binance.com/docs/binance-spot-api-docs/web-socket-streams)
// have aggTrade and bookTicker but no markPrice stream (a USDⓈ-M futures stream). A spot aggTrade frame
// as Binance spot sends it on a combined stream (its fields: e, E, s, a, p, q, f, l, T, m, M).
const SPOT_AGG_TRADE =
  '{"stream":"btcusdt@aggTrade","data":{"e":"aggTrade","E":1672531200100,"s":"BTCUSDT","a":2000000001,"p":"16541.77000000","q":"0.00100000","f":2500000001,"l":2500000001,"T":1672531200099,"m":true,"M":true}}';

const io = (): Promise<void> => new Promise((r) => setImmediate(r));
async function until(check: () => boolean): Promise<void> {
  // bounded by iterations of the event loop, never by wall time
  for (let i = 0; i < 100_000 && !check(); i++) await io();
  expect(check()).toBe(true);
}

describe('BinanceMarketFeed streams per market', () => {
  let wss: WebSocketServer;
  let sockets: { socket: WebSocket; url: string; messages: string[] }[];
  let feed: BinanceMarketFeed | undefined;

  beforeEach(async () => {
    sockets = [];
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((r) => wss.once('listening', r));
    wss.on('connection', (socket, req) => {
      const entry = { socket, url: req.url ?? '', messages: [] as string[] };
      socket.on('message', (data) => {
        entry.messages.push(Buffer.isBuffer(data) ? data.toString('utf8') : '');
      });
      sockets.push(entry);
    });
  });

  afterEach(async () => {
    feed?.stop();
    feed = undefined;
    for (const c of wss.clients) c.terminate();
    await new Promise<void>((r) => {
      wss.close(() => {
        r();
      });
    });
  });

  function start(market: 'spot' | 'futures' | undefined, trades: Trade[], marks: MarkPrice[]): void {
    const clock = new SimulatedClock(1_672_531_200_000);
    feed = new BinanceMarketFeed({
      wsBaseUrl: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
      symbols: ['BTCUSDT', 'ETHUSDT'],
      ...(market === undefined ? {} : { market }),
      clock,
      scheduler: clock,
      random: () => 0.5,
      onTrade: (t) => trades.push(t),
      onMarkPrice: (m) => marks.push(m),
    });
    feed.start();
  }

  it('subscribes no markPrice stream on spot, at connect and on addSymbol', async () => {
    const trades: Trade[] = [];
    start('spot', trades, []);
    await until(() => sockets.length === 1);
    expect(sockets[0]?.url).toBe(
      '/stream?streams=btcusdt@aggTrade/btcusdt@bookTicker/ethusdt@aggTrade/ethusdt@bookTicker',
    );
    expect(feed?.streams).toEqual([
      'btcusdt@aggTrade',
      'btcusdt@bookTicker',
      'ethusdt@aggTrade',
      'ethusdt@bookTicker',
    ]);
    const f = feed;
    await until(() => f?.counters.connects === 1);
    f?.addSymbol('SOLUSDT');
    await until(() => (sockets[0]?.messages.length ?? 0) === 1);
    const sub = JSON.parse(sockets[0]?.messages[0] ?? '{}') as { method: string; params: string[] };
    expect(sub.method).toBe('SUBSCRIBE');
    expect(sub.params).toEqual(['solusdt@aggTrade', 'solusdt@bookTicker']);
    // the spot streams still reach the callbacks
    sockets[0]?.socket.send(SPOT_AGG_TRADE);
    await until(() => trades.length === 1);
    expect(trades[0]).toMatchObject({ symbol: 'BTCUSDT', price: 16541.77, qty: 0.001, id: 2000000001 });
  });

  it('keeps markPrice@1s on futures, the default', async () => {
    start(undefined, [], []);
    await until(() => sockets.length === 1);
    expect(sockets[0]?.url).toBe(
      '/stream?streams=btcusdt@aggTrade/btcusdt@bookTicker/btcusdt@markPrice@1s/ethusdt@aggTrade/ethusdt@bookTicker/ethusdt@markPrice@1s',
    );
    expect(feedStreams('BTCUSDT', 'futures')).toEqual(feedStreams('BTCUSDT'));
    expect(feedStreams('BTCUSDT', 'spot')).toEqual(['btcusdt@aggTrade', 'btcusdt@bookTicker']);
  });
});
