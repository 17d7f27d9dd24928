import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { sharedData } from '../../../test/support/shared-data.js';
import { SimulatedClock } from '../../core/clock.js';
import type { Candle, MarkPrice, Quote, Trade } from '../../domain/market.js';
import { readCsvFile } from '../files/csv.js';
import { startServer, T0 as SIM_T0, trade, type Harness } from '../sim/server/test-support.js';
import { FuturesRestClient } from './clients.js';
import {
  BinanceKlineBackfill,
  BinanceMarketFeed,
  feedStreams,
  type KlineBackfillPort,
} from './market-feed.js';
import { defaultRateLimits } from './rate-limit.js';
import { LoopbackServer, type RecordedRequest } from './test-server.js';
import { BinanceTransport } from './transport.js';

// Combined-stream frames copied from the real captures in ../shared/data/raw:
// cryptofeed/BINANCE_FUTURES.ws.1.0.txt.gz (aggTrade, bookTicker) and
// hftbacktest/binance_usdm_btcusdt_20230404_ws.txt.gz (markPrice@1s).
const AGG_TRADE =
  '{"stream":"ctkusdt@aggTrade","data":{"e":"aggTrade","E":1626992741575,"a":16599292,"s":"CTKUSDT","p":"1.01100","q":"10","f":23961322,"l":23961322,"T":1626992741421,"m":false}}';
const BOOK_TICKER =
  '{"stream":"sushiusdt@bookTicker","data":{"e":"bookTicker","u":600859600576,"s":"SUSHIUSDT","b":"7.6110","B":"2","a":"7.6120","A":"297","T":1626992741012,"E":1626992741017}}';
const MARK_PRICE =
  '{"stream":"btcusdt@markPrice@1s","data":{"e":"markPriceUpdate","E":1680652701000,"s":"BTCUSDT","p":"28147.27373413","P":"28142.15563565","i":"28159.75642857","r":"0.00002754","T":1680652800000}}';

const io = (): Promise<void> => new Promise((r) => setImmediate(r));
async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check() && Date.now() < deadline) await io();
  expect(check()).toBe(true);
}

describe('BinanceMarketFeed over a loopback combined stream', () => {
  let wss: WebSocketServer;
  let sockets: { socket: WebSocket; url: string }[];
  let feed: BinanceMarketFeed | undefined;

  beforeEach(async () => {
    sockets = [];
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((r) => wss.once('listening', r));
    wss.on('connection', (socket, req) => sockets.push({ socket, url: req.url ?? '' }));
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

  it('subscribes aggTrade, bookTicker and markPrice@1s per symbol and hands parsed events to the callbacks', async () => {
    const trades: Trade[] = [];
    const quotes: Quote[] = [];
    const marks: MarkPrice[] = [];
    const clock = new SimulatedClock(1_700_000_000_000);
    feed = new BinanceMarketFeed({
      wsBaseUrl: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
      symbols: ['BTCUSDT', 'CTKUSDT'],
      clock,
      scheduler: clock,
      random: () => 0.5,
      onTrade: (t) => trades.push(t),
      onQuote: (q) => quotes.push(q),
      onMarkPrice: (m) => marks.push(m),
    });
    feed.start();
    await until(() => sockets.length === 1);
    expect(sockets[0]?.url).toBe(
      '/stream?streams=btcusdt@aggTrade/btcusdt@bookTicker/btcusdt@markPrice@1s/ctkusdt@aggTrade/ctkusdt@bookTicker/ctkusdt@markPrice@1s',
    );
    for (const text of [AGG_TRADE, BOOK_TICKER, MARK_PRICE]) sockets[0]?.socket.send(text);
    await until(() => trades.length + quotes.length + marks.length === 3);
    // values are the capture's fields; aggTrade time is the trade time T, id the aggregate id a
    expect(trades).toEqual([
      { symbol: 'CTKUSDT', time: 1626992741421, price: 1.011, qty: 10, buyerIsMaker: false, id: 16599292 },
    ]);
    expect(quotes).toEqual([
      {
        symbol: 'SUSHIUSDT',
        time: 1626992741017,
        bidPrice: 7.611,
        bidQty: 2,
        askPrice: 7.612,
        askQty: 297,
        updateId: 600859600576,
      },
    ]);
    expect(marks).toEqual([
      {
        symbol: 'BTCUSDT',
        time: 1680652701000,
        markPrice: 28147.27373413,
        indexPrice: 28159.75642857,
        fundingRate: 0.00002754,
        nextFundingTime: 1680652800000,
      },
    ]);
  });

  it('names the streams in lower case', () => {
    expect(feedStreams('ETHUSDT')).toEqual([
      'ethusdt@aggTrade',
      'ethusdt@bookTicker',
      'ethusdt@markPrice@1s',
    ]);
  });
});

describe('BinanceKlineBackfill against a loopback /fapi/v1/klines', () => {
  const NOW = 1_700_000_000_000;
  const HOUR = 3_600_000;
  let server: LoopbackServer;
  let transport: BinanceTransport;
  let backfill: KlineBackfillPort & BinanceKlineBackfill;
  let rows: unknown[][];

  /** Serves `rows` like Binance: open time within [startTime, endTime], at most `limit` rows. */
  function serveKlines(r: RecordedRequest): { body: unknown[][] } {
    const start = Number(r.params.startTime);
    const end = Number(r.params.endTime);
    const limit = Number(r.params.limit ?? '500');
    return { body: rows.filter((k) => (k[0] as number) >= start && (k[0] as number) <= end).slice(0, limit) };
  }

  beforeEach(async () => {
    server = await LoopbackServer.start();
    server.handler = (r) => (r.path === '/fapi/v1/klines' ? serveKlines(r) : { status: 404, body: {} });
    const clock = new SimulatedClock(NOW);
    transport = new BinanceTransport({
      baseUrl: server.url,
      clock,
      scheduler: clock,
      rateLimits: defaultRateLimits('futures'),
    });
    backfill = new BinanceKlineBackfill(new FuturesRestClient({ transport, clock }));
  });

  afterEach(async () => {
    transport.close();
    await server.close();
  });

  it('asks once per gap with startTime, endTime and limit, and maps the rows exactly', async () => {
    // reference rows: Binance kline rows with all 11 fields (../shared/data/klines, "_full" file)
    const file = sharedData('klines/binance_spot_BTCUSDT_1h_20221231_20230108_full.csv');
    const table = readCsvFile(file);
    rows = table.rows.map((c) => [
      Number(c[0]),
      c[1],
      c[2],
      c[3],
      c[4],
      c[5],
      Number(c[6]),
      c[7],
      Number(c[8]),
      c[9],
      c[10],
      '0',
    ]);
    const first = table.rows[3] ?? [];
    const from = Number(first[0]);
    const to = from + 4 * HOUR;
    const candles = await backfill.backfill('BTCUSDT', '1h', from, to);
    expect(server.requests).toHaveLength(1);
    const r = server.requests[0] as RecordedRequest;
    expect(r.method).toBe('GET');
    expect(r.query).toBe(`symbol=BTCUSDT&interval=1h&startTime=${from}&endTime=${to}&limit=5`);
    expect(candles.map((c) => c.openTime)).toEqual([0, 1, 2, 3, 4].map((i) => from + i * HOUR));
    expect(candles[0]).toEqual({
      symbol: 'BTCUSDT',
      interval: '1h',
      openTime: from,
      open: Number(first[1]),
      high: Number(first[2]),
      low: Number(first[3]),
      close: Number(first[4]),
      volume: Number(first[5]),
      quoteVolume: Number(first[7]),
      trades: Number(first[8]),
      takerBuyVolume: Number(first[9]),
      takerBuyQuoteVolume: Number(first[10]),
      closed: true,
      synthetic: false,
    });
  });

  it('pages only beyond 1500 bars, each page starting one interval after the last bar', async () => {
    // 2000 hourly open times of the USDⓈ-M BTCUSDT file (../shared/data/futures), OHLCV from the file
    const table = readCsvFile(sharedData('futures/binance_usdm_BTCUSDT_1h_20190908_20220727.csv.gz'));
    rows = table.rows.map((c) => {
      const open = Number(c[0]);
      return [open, c[1], c[2], c[3], c[4], c[5], open + HOUR - 1, '0', 1, '0', '0', '0'];
    });
    const from = rows[100]?.[0] as number;
    const to = from + 1999 * HOUR;
    const candles = await backfill.backfill('BTCUSDT', '1h', from, to);
    const expected = rows.filter((k) => (k[0] as number) >= from && (k[0] as number) <= to).length;
    expect(candles).toHaveLength(expected);
    expect(server.requests.map((r) => [r.params.startTime, r.params.limit])).toEqual([
      [String(from), '1500'],
      [
        String((candles[1499]?.openTime ?? 0) + HOUR),
        String(Math.floor((to - (candles[1499]?.openTime ?? 0) - HOUR) / HOUR) + 1),
      ],
    ]);
    expect(backfill.requests).toBe(2);
  });

  it('leaves out a bar that is still forming and answers [] for an empty range', async () => {
    const open = NOW - HOUR / 2; // closes after NOW
    rows = [[open, '1', '1', '1', '1', '1', open + HOUR - 1, '1', 1, '0', '0', '0']];
    expect(await backfill.backfill('BTCUSDT', '1h', open, open)).toEqual([]);
    expect(await backfill.backfill('BTCUSDT', '1h', open + HOUR, open)).toEqual([]);
    expect(server.requests).toHaveLength(1);
  });
});

describe('BinanceMarketFeed and BinanceKlineBackfill against the exchange simulator (SimServer)', () => {
  let harness: Harness;
  let feed: BinanceMarketFeed | undefined;
  let transport: BinanceTransport | undefined;

  beforeEach(async () => {
    harness = await startServer();
  });

  afterEach(async () => {
    feed?.stop();
    feed = undefined;
    transport?.close();
    transport = undefined;
    await harness.server.stop();
  });

  it('receives what the simulator publishes on aggTrade, bookTicker and markPrice@1s', async () => {
    const got: string[] = [];
    feed = new BinanceMarketFeed({
      wsBaseUrl: harness.urls.wsUrl,
      symbols: ['BTCUSDT'],
      clock: harness.clock,
      scheduler: harness.clock,
      random: () => 0.5,
      onTrade: (t) => got.push(`trade ${t.price} ${t.qty} ${t.id}`),
      onQuote: (q) => got.push(`quote ${q.bidPrice}/${q.askPrice}`),
      onMarkPrice: (m) => got.push(`mark ${m.markPrice} ${m.fundingRate}`),
    });
    feed.start();
    const f = feed;
    await until(() => f.counters.connects === 1);
    harness.server.feedTrade(trade(30_000.5, 0.25, SIM_T0, 7));
    harness.server.feedQuote({
      symbol: 'BTCUSDT',
      time: SIM_T0 + 1,
      bidPrice: 30_000.4,
      bidQty: 1,
      askPrice: 30_000.6,
      askQty: 2,
      updateId: 11,
    });
    harness.server.feedMarkPrice({
      symbol: 'BTCUSDT',
      time: SIM_T0 + 2,
      markPrice: 30_001.1,
      indexPrice: 30_000.9,
      fundingRate: 0.0001,
      nextFundingTime: SIM_T0 + 3_600_000,
    });
    await until(() => got.length === 3);
    expect(got).toEqual(['trade 30000.5 0.25 7', 'quote 30000.4/30000.6', 'mark 30001.1 0.0001']);
  });

  it('backfills the bars the simulator holds, as the same candles', async () => {
    const HOUR = 3_600_000;
    // five closed hourly bars of ../shared/data/klines (a "_full" Binance kline dump)
    const table = readCsvFile(sharedData('klines/binance_spot_BTCUSDT_1h_20221231_20230108_full.csv'));
    const candles: Candle[] = table.rows.slice(0, 5).map((c) => ({
      symbol: 'BTCUSDT',
      interval: '1h',
      openTime: Number(c[0]),
      open: Number(c[1]),
      high: Number(c[2]),
      low: Number(c[3]),
      close: Number(c[4]),
      volume: Number(c[5]),
      quoteVolume: Number(c[7]),
      trades: Number(c[8]),
      takerBuyVolume: Number(c[9]),
      takerBuyQuoteVolume: Number(c[10]),
      closed: true,
      synthetic: false,
    }));
    for (const c of candles) harness.server.feedCandle(c);
    transport = new BinanceTransport({
      baseUrl: harness.urls.restUrl,
      clock: harness.clock,
      scheduler: harness.clock,
      rateLimits: defaultRateLimits('futures'),
    });
    const backfill = new BinanceKlineBackfill(new FuturesRestClient({ transport, clock: harness.clock }));
    const from = candles[1]?.openTime ?? 0;
    const got = await backfill.backfill('BTCUSDT', '1h', from, from + 2 * HOUR);
    // the simulator states base volumes at the symbol's step (0.001), like USDⓈ-M
    const noVolume = ({ volume: _v, takerBuyVolume: _t, ...rest }: Candle) => rest;
    expect(got.map(noVolume)).toEqual(candles.slice(1, 4).map(noVolume));
    got.forEach((c, i) => {
      expect(Math.abs(c.volume - (candles[i + 1]?.volume ?? NaN))).toBeLessThan(0.001);
      expect(Math.abs(c.takerBuyVolume - (candles[i + 1]?.takerBuyVolume ?? NaN))).toBeLessThan(0.001);
    });
    expect(backfill.requests).toBe(1);
  });
});
