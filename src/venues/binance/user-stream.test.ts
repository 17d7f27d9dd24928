import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { SimulatedClock } from '../../core/clock.js';
import { FuturesRestClient } from './clients.js';
import { defaultRateLimits } from './rate-limit.js';
import { HmacSigner } from './signing.js';
import { LoopbackServer, type CannedResponse } from './test-server.js';
import { BinanceTransport } from './transport.js';
import {
  FuturesListenKey,
  FuturesUserStream,
  parseFuturesUserEvent,
  type FuturesUserEvent,
} from './user-stream.js';

// Payloads: the response examples of the USDⓈ-M "Event: Order Update", "Event: Balance and Position
// Update" and "Event: Algo Order Update" pages (field lists also in ../shared/reference/binance-api.md §6).
const ORDER_NEW =
  '{"e":"ORDER_TRADE_UPDATE","E":1568879465651,"T":1568879465650,"o":{"s":"BTCUSDT","c":"TEST","S":"SELL","o":"TRAILING_STOP_MARKET","f":"GTC","q":"0.001","p":"0","ap":"0","sp":"7103.04","x":"NEW","X":"NEW","i":8886774,"l":"0","z":"0","L":"0","N":"USDT","n":"0","T":1568879465650,"t":0,"b":"0","a":"9.91","m":false,"R":false,"wt":"CONTRACT_PRICE","ot":"TRAILING_STOP_MARKET","ps":"LONG","cp":false,"AP":"7476.89","cr":"5.0","pP":false,"si":0,"ss":0,"rp":"0","V":"EXPIRE_TAKER","pm":"OPPONENT","gtd":0}}';
const ORDER_TRADE = ORDER_NEW.replace('"c":"TEST"', '"c":"aegis-7"')
  .replace('"o":"TRAILING_STOP_MARKET"', '"o":"MARKET"')
  .replace('"x":"NEW","X":"NEW"', '"x":"TRADE","X":"PARTIALLY_FILLED"')
  .replace(
    '"l":"0","z":"0","L":"0","N":"USDT","n":"0"',
    '"l":"0.0005","z":"0.0005","L":"7100.10","N":"USDT","n":"0.00142002"',
  )
  .replace('"t":0', '"t":123456');
const ACCOUNT =
  '{"e":"ACCOUNT_UPDATE","E":1564745798939,"T":1564745798938,"a":{"m":"ORDER","B":[{"a":"USDT","wb":"122624.12345678","cw":"100.12345678","bc":"50.12345678"},{"a":"BUSD","wb":"1.00000000","cw":"0.00000000","bc":"-49.12345678"}],"P":[{"s":"BTCUSDT","pa":"0","ep":"0.00000","bep":"0","cr":"200","up":"0","mt":"isolated","iw":"0.00000000","ps":"BOTH"},{"s":"BTCUSDT","pa":"20","ep":"6563.66500","bep":"0","cr":"0","up":"2850.21200","mt":"isolated","iw":"13200.70726908","ps":"LONG"}]}}';
const ALGO =
  '{"e":"ALGO_UPDATE","T":1750515742297,"E":1750515742303,"o":{"caid":"Q5xaq5EGKgXXa0fD7fs0Ip","aid":2148719,"at":"CONDITIONAL","o":"TAKE_PROFIT","s":"BNBUSDT","S":"SELL","ps":"BOTH","f":"GTC","q":"0.01","X":"CANCELED","tp":"750","p":"750","wt":"CONTRACT_PRICE","cp":false,"pP":false,"R":true}}';

describe('futures user-data events', () => {
  it('maps ORDER_TRADE_UPDATE NEW to an order event without a fill', () => {
    const e = parseFuturesUserEvent(ORDER_NEW);
    expect(e).toMatchObject({
      type: 'order',
      venueType: 'TRAILING_STOP_MARKET',
      fill: undefined,
      order: {
        clientOrderId: 'TEST',
        venueOrderId: '8886774',
        side: 'SELL',
        status: 'new',
        quantity: '0.001',
        time: 1568879465650,
      },
    });
  });

  it('maps a TRADE execution to an order event plus a fill with exact decimal strings', () => {
    const e = parseFuturesUserEvent(ORDER_TRADE);
    expect(e.type === 'order' && e.order.status).toBe('partially_filled');
    expect(e.type === 'order' && e.fill).toEqual({
      clientOrderId: 'aegis-7',
      tradeId: '123456',
      symbol: 'BTCUSDT',
      side: 'SELL',
      price: '7100.10',
      quantity: '0.0005',
      commission: '0.00142002',
      commissionAsset: 'USDT',
      maker: false,
      time: 1568879465650,
    });
  });

  it('maps ACCOUNT_UPDATE balances and positions', () => {
    const e = parseFuturesUserEvent(ACCOUNT);
    expect(e).toEqual({
      type: 'account',
      reason: 'ORDER',
      time: 1564745798938,
      balances: [
        {
          asset: 'USDT',
          walletBalance: '122624.12345678',
          crossWalletBalance: '100.12345678',
          balanceChange: '50.12345678',
        },
        {
          asset: 'BUSD',
          walletBalance: '1.00000000',
          crossWalletBalance: '0.00000000',
          balanceChange: '-49.12345678',
        },
      ],
      positions: [
        {
          symbol: 'BTCUSDT',
          positionSide: 'BOTH',
          positionAmt: '0',
          entryPrice: '0.00000',
          unrealizedPnl: '0',
          marginType: 'isolated',
        },
        {
          symbol: 'BTCUSDT',
          positionSide: 'LONG',
          positionAmt: '20',
          entryPrice: '6563.66500',
          unrealizedPnl: '2850.21200',
          marginType: 'isolated',
        },
      ],
    });
  });

  it('maps ALGO_UPDATE, listenKeyExpired, ignores other events and rejects malformed ones', () => {
    expect(parseFuturesUserEvent(ALGO)).toEqual({
      type: 'algo',
      algo: {
        algoId: '2148719',
        clientAlgoId: 'Q5xaq5EGKgXXa0fD7fs0Ip',
        symbol: 'BNBUSDT',
        side: 'SELL',
        type: 'TAKE_PROFIT',
        status: 'CANCELED',
        triggerPrice: '750',
        time: 1750515742297,
      },
    });
    expect(parseFuturesUserEvent('{"e":"listenKeyExpired","E":1576653824250,"listenKey":"x"}')).toEqual({
      type: 'listenKeyExpired',
      time: 1576653824250,
    });
    expect(parseFuturesUserEvent('{"e":"MARGIN_CALL","E":1}')).toEqual({
      type: 'ignored',
      event: 'MARGIN_CALL',
    });
    expect(parseFuturesUserEvent('{')).toEqual({ type: 'rejected', detail: 'not JSON' });
    expect(parseFuturesUserEvent(ORDER_NEW.replace('"q":"0.001"', '"q":0.001'))).toMatchObject({
      type: 'rejected',
    });
  });
});

describe('FuturesListenKey', () => {
  let server: LoopbackServer;
  let clock: SimulatedClock;
  let transport: BinanceTransport;

  beforeEach(async () => {
    server = await LoopbackServer.start();
    clock = new SimulatedClock(1_700_000_000_000);
    transport = new BinanceTransport({
      baseUrl: server.url,
      clock,
      scheduler: clock,
      rateLimits: defaultRateLimits('futures'),
    });
  });

  afterEach(async () => {
    transport.close();
    await server.close();
  });

  it('creates a key, keeps it alive every 30 min, and replaces it when the venue answers -1125', async () => {
    let n = 0;
    let put: CannedResponse = { body: {} };
    server.handler = (r) =>
      r.method === 'POST' ? { body: { listenKey: `key-${++n}` } } : r.method === 'PUT' ? put : { body: {} };
    const client = new FuturesRestClient({
      transport,
      clock,
      credentials: { apiKey: 'k', signer: new HmacSigner('s') },
    });
    const keys: string[] = [];
    const lk = new FuturesListenKey({ client, scheduler: clock, clock, onKey: (k) => keys.push(k) });
    expect(await lk.start()).toBe('key-1');

    const put1 = server.nextRequest();
    clock.advanceTo(clock.now() + 30 * 60_000);
    await put1;
    put = { status: 400, body: { code: -1125, msg: 'This listenKey does not exist.' } };
    const put2 = server.nextRequest();
    clock.advanceTo(clock.now() + 30 * 60_000);
    await put2;
    for (const deadline = Date.now() + 10_000; keys.length < 2 && Date.now() < deadline;) {
      await new Promise((r) => setImmediate(r));
    }
    expect(keys).toEqual(['key-1', 'key-2']);
    expect(lk.current).toBe('key-2');
    expect(server.requests.map((r) => r.method)).toEqual(['POST', 'PUT', 'PUT', 'POST']);

    expect(await lk.expired()).toBe('key-3');
    await lk.stop();
    expect(server.requests.at(-1)?.method).toBe('DELETE');
  });
});

describe('FuturesUserStream against loopback REST + WebSocket servers', () => {
  let rest: LoopbackServer;
  let wss: WebSocketServer;
  let sockets: { socket: WebSocket; url: string }[];
  let clock: SimulatedClock;
  let transport: BinanceTransport;
  let stream: FuturesUserStream | undefined;

  const io = (): Promise<void> => new Promise((r) => setImmediate(r));
  async function until(check: () => boolean): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!check() && Date.now() < deadline) await io();
    expect(check()).toBe(true);
  }

  beforeEach(async () => {
    rest = await LoopbackServer.start();
    let n = 0;
    rest.handler = (r) => (r.method === 'POST' ? { body: { listenKey: `key-${++n}` } } : { body: {} });
    sockets = [];
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((r) => wss.once('listening', r));
    wss.on('connection', (socket, req) => sockets.push({ socket, url: req.url ?? '' }));
    clock = new SimulatedClock(1_700_000_000_000);
    transport = new BinanceTransport({
      baseUrl: rest.url,
      clock,
      scheduler: clock,
      rateLimits: defaultRateLimits('futures'),
    });
  });

  afterEach(async () => {
    await stream?.stop();
    stream = undefined;
    transport.close();
    await rest.close();
    for (const c of wss.clients) c.terminate();
    await new Promise<void>((r) => {
      wss.close(() => {
        r();
      });
    });
  });

  it('is ready only after the REST resync that follows each (re)connect; a new listenKey moves the connection', async () => {
    const client = new FuturesRestClient({
      transport,
      clock,
      credentials: { apiKey: 'k', signer: new HmacSigner('s') },
    });
    let resyncs = 0;
    let releaseResync: () => void = () => undefined;
    const readiness: boolean[] = [];
    const events: FuturesUserEvent[] = [];
    stream = new FuturesUserStream({
      wsBaseUrl: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
      client,
      clock,
      scheduler: clock,
      random: () => 0.5,
      onEvent: (e) => events.push(e),
      resync: () => {
        resyncs++;
        return new Promise<void>((r) => (releaseResync = r));
      },
      onReady: (ready) => readiness.push(ready),
    });
    const s = stream;
    await s.start();
    await until(() => sockets.length === 1 && resyncs === 1);
    expect(sockets[0]?.url).toBe('/ws/key-1');
    expect(s.ready).toBe(false); // connected, resync still running
    releaseResync();
    await until(() => s.ready);

    sockets[0]?.socket.send(ORDER_TRADE);
    await until(() => events.length === 1);
    expect(events[0]?.type).toBe('order');

    sockets[0]?.socket.close(); // unexpected disconnect
    await until(() => !s.ready);
    clock.advanceTo(clock.now() + 250); // backoff: 0.5 * 500 ms
    await until(() => sockets.length === 2 && resyncs === 2);
    expect(sockets[1]?.url).toBe('/ws/key-1');
    expect(s.ready).toBe(false);
    releaseResync();
    await until(() => s.ready);

    sockets[1]?.socket.send('{"e":"listenKeyExpired","E":1576653824250,"listenKey":"key-1"}');
    await until(() => sockets.length === 3 && resyncs === 3);
    expect(sockets[2]?.url).toBe('/ws/key-2');
    releaseResync();
    await until(() => s.ready);
    expect(readiness).toEqual([true, false, true, false, true]);
  });
});
