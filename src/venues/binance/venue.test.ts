import { createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { SimulatedClock } from '../../core/clock.js';
import type { AegisError } from '../../core/errors.js';
import type { OrderRequest } from '../../domain/order.js';
import type { ExecutionUpdate } from '../../domain/ports.js';
import {
  EXAMPLE_KEY,
  EXAMPLE_SECRET,
  startServer,
  T0 as SIM_T0,
  trade,
  type Harness,
} from '../sim/server/test-support.js';
import { FuturesRestClient } from './clients.js';
import { defaultRateLimits } from './rate-limit.js';
import { HmacSigner } from './signing.js';
import { LoopbackServer, type CannedResponse, type RecordedRequest } from './test-server.js';
import { BinanceTransport } from './transport.js';
import { parseFuturesUserEvent } from './user-stream.js';
import { BinanceFuturesVenue } from './venue.js';

// Binance's documented example key pair (API docs "SIGNED endpoint examples"; reference §1).
const API_KEY = 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A';
const SECRET = 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j';
const T0 = 1_700_000_000_000;
const TIMEOUT_MS = 5_000;

// Response payloads: the "Response Example" of each Binance USDⓈ-M endpoint page (linked in venue.ts),
// reduced to the fields documented in ../shared/reference/binance-api.md §5.
const ORDER_NEW = {
  clientOrderId: 'aegis-1',
  cumQty: '0',
  cumQuote: '0',
  executedQty: '0',
  orderId: 22542179,
  avgPrice: '0.00000',
  origQty: '0.010',
  price: '42000.10',
  reduceOnly: false,
  side: 'BUY',
  positionSide: 'BOTH',
  status: 'NEW',
  stopPrice: '0',
  closePosition: false,
  symbol: 'BTCUSDT',
  timeInForce: 'GTC',
  type: 'LIMIT',
  origType: 'LIMIT',
  updateTime: 1566818724722,
  workingType: 'CONTRACT_PRICE',
  priceProtect: false,
};
const ALGO_NEW = {
  algoId: 2146760,
  clientAlgoId: 'aegis-sl-1',
  algoType: 'CONDITIONAL',
  orderType: 'STOP_MARKET',
  symbol: 'BTCUSDT',
  side: 'SELL',
  positionSide: 'BOTH',
  timeInForce: 'GTC',
  quantity: '0.010',
  algoStatus: 'NEW',
  triggerPrice: '40000.00',
  price: '0.00',
  icebergQuantity: null,
  selfTradePreventionMode: 'EXPIRE_MAKER',
  workingType: 'MARK_PRICE',
  priceMatch: 'NONE',
  closePosition: false,
  priceProtect: true,
  reduceOnly: true,
  createTime: 1750485492076,
  updateTime: 1750485492076,
  triggerTime: 0,
  goodTillDate: 0,
};
const NOT_EXIST: CannedResponse = { status: 400, body: { code: -2013, msg: 'Order does not exist.' } };

// User-stream payloads: the "Event: Order Update" / "Event: Balance and Position Update" examples.
const ORDER_TRADE_UPDATE =
  '{"e":"ORDER_TRADE_UPDATE","E":1568879465651,"T":1568879465650,"o":{"s":"BTCUSDT","c":"aegis-1","S":"BUY","o":"LIMIT","f":"GTC","q":"0.010","p":"42000.10","ap":"42000.10","sp":"0","x":"TRADE","X":"PARTIALLY_FILLED","i":22542179,"l":"0.004","z":"0.004","L":"42000.10","N":"USDT","n":"0.03360008","T":1568879465650,"t":987654,"b":"0","a":"0","m":true,"R":false,"wt":"CONTRACT_PRICE","ot":"LIMIT","ps":"BOTH","cp":false,"rp":"0","pP":false,"si":0,"ss":0,"V":"EXPIRE_TAKER","pm":"NONE","gtd":0}}';
const FUNDING_UPDATE =
  '{"e":"ACCOUNT_UPDATE","E":1564745798939,"T":1564745798938,"a":{"m":"FUNDING_FEE","B":[{"a":"USDT","wb":"122624.12345678","cw":"100.12345678","bc":"-0.42000000"}],"P":[{"s":"BTCUSDT","pa":"0.010","ep":"42000.10","bep":"0","cr":"200","up":"0","mt":"isolated","iw":"0.00000000","ps":"BOTH"}]}}';

const limitBuy: OrderRequest = {
  clientOrderId: 'aegis-1',
  symbol: 'BTCUSDT',
  side: 'BUY',
  type: 'LIMIT',
  quantity: '0.010',
  price: '42000.10',
};
const stopSell: OrderRequest = {
  clientOrderId: 'aegis-sl-1',
  symbol: 'BTCUSDT',
  side: 'SELL',
  type: 'STOP_MARKET',
  quantity: '0.010',
  stopPrice: '40000.00',
  reduceOnly: true,
};

type Routes = Record<string, (r: RecordedRequest) => CannedResponse | 'hang'>;

/** `signature` is the last parameter and is HMAC-SHA256(secret, everything sent before it), key header set. */
function expectSigned(r: RecordedRequest): void {
  const carrier = r.body.length > 0 ? r.body : r.query;
  const m = /^(.*)&signature=([0-9a-f]{64})$/.exec(carrier);
  expect(m, `signature last in ${carrier}`).not.toBeNull();
  const payload = r.body.length > 0 ? r.query + (m?.[1] ?? '') : (m?.[1] ?? '');
  expect(m?.[2]).toBe(createHmac('sha256', SECRET).update(payload).digest('hex'));
  expect(r.headers['x-mbx-apikey']).toBe(API_KEY);
  expect(r.params.timestamp).toBe(String(T0));
}

let server: LoopbackServer;
let clock: SimulatedClock;
let transport: BinanceTransport;
let client: FuturesRestClient;
let venue: BinanceFuturesVenue;
let routes: Routes;

beforeEach(async () => {
  server = await LoopbackServer.start();
  routes = {};
  server.handler = (r) => {
    const route = routes[`${r.method} ${r.path}`];
    return route === undefined ? { status: 404, body: { code: -1, msg: 'no route' } } : route(r);
  };
  clock = new SimulatedClock(T0);
  transport = new BinanceTransport({
    baseUrl: server.url,
    clock,
    scheduler: clock,
    rateLimits: defaultRateLimits('futures'),
    timeoutMs: TIMEOUT_MS,
  });
  client = new FuturesRestClient({
    transport,
    clock,
    credentials: { apiKey: API_KEY, signer: new HmacSigner(SECRET) },
  });
  venue = new BinanceFuturesVenue({ client });
});

afterEach(async () => {
  await venue.stop();
  transport.close();
  await server.close();
});

const paths = (): string[] => server.requests.map((r) => `${r.method} ${r.path}`);

describe('BinanceFuturesVenue submitOrder', () => {
  it('sends a LIMIT order to POST /fapi/v1/order, signed, and answers ack with the order state', async () => {
    routes['POST /fapi/v1/order'] = () => ({ body: ORDER_NEW });
    const result = await venue.submitOrder(limitBuy);
    expect(paths()).toEqual(['POST /fapi/v1/order']);
    const r = server.requests[0] as RecordedRequest;
    expectSigned(r);
    expect(r.params).toMatchObject({
      symbol: 'BTCUSDT',
      side: 'BUY',
      type: 'LIMIT',
      timeInForce: 'GTC',
      quantity: '0.010',
      price: '42000.10',
      newClientOrderId: 'aegis-1',
    });
    expect(result).toEqual({
      kind: 'ack',
      order: {
        clientOrderId: 'aegis-1',
        venueOrderId: '22542179',
        symbol: 'BTCUSDT',
        side: 'BUY',
        type: 'LIMIT',
        status: 'new',
        quantity: '0.010',
        filledQuantity: '0',
        price: '42000.10',
        time: 1566818724722,
      },
    });
  });

  it('routes STOP_MARKET to POST /fapi/v1/algoOrder with clientAlgoId = our client order id', async () => {
    routes['POST /fapi/v1/algoOrder'] = () => ({ body: ALGO_NEW });
    const result = await venue.submitOrder(stopSell);
    expect(paths()).toEqual(['POST /fapi/v1/algoOrder']);
    const r = server.requests[0] as RecordedRequest;
    expectSigned(r);
    expect(r.params).toMatchObject({
      algoType: 'CONDITIONAL',
      symbol: 'BTCUSDT',
      side: 'SELL',
      type: 'STOP_MARKET',
      quantity: '0.010',
      triggerPrice: '40000.00',
      reduceOnly: 'true',
      clientAlgoId: 'aegis-sl-1',
    });
    expect(r.params.newClientOrderId).toBeUndefined();
    expect(result).toMatchObject({
      kind: 'ack',
      order: { clientOrderId: 'aegis-sl-1', venueOrderId: '2146760', type: 'STOP_MARKET', status: 'new' },
    });
    expect(venue.isAlgoOrder('aegis-sl-1')).toBe(true);
  });

  it('answers rejected with the Binance code and message of a 4xx', async () => {
    routes['POST /fapi/v1/order'] = () => ({
      status: 400,
      body: { code: -2019, msg: 'Margin is insufficient.' },
    });
    expect(await venue.submitOrder(limitBuy)).toEqual({
      kind: 'rejected',
      clientOrderId: 'aegis-1',
      code: -2019,
      reason: 'Margin is insufficient.',
    });
  });

  it('answers unknown on a 5xx and does not send the order again', async () => {
    // reference §7: 503 "Unknown error..." means the execution status is unknown
    routes['POST /fapi/v1/order'] = () => ({
      status: 503,
      body: { code: -1000, msg: 'Unknown error, please check your request or try again later.' },
    });
    const result = await venue.submitOrder(limitBuy);
    expect(result).toMatchObject({ kind: 'unknown', clientOrderId: 'aegis-1' });
    expect(paths()).toEqual(['POST /fapi/v1/order']);
  });

  it('answers unknown when the venue never answers within the timeout (injected scheduler)', async () => {
    routes['POST /fapi/v1/algoOrder'] = () => 'hang';
    const received = server.nextRequest();
    const pending = venue.submitOrder(stopSell);
    await received;
    clock.advanceTo(T0 + TIMEOUT_MS);
    const result = await pending;
    expect(result).toMatchObject({ kind: 'unknown', clientOrderId: 'aegis-sl-1' });
    expect(result.kind === 'unknown' && result.reason).toContain('timed out');
    expect(paths()).toEqual(['POST /fapi/v1/algoOrder']);
    // the unknown algo order is resolved on the algo endpoint
    routes['GET /fapi/v1/algoOrder'] = () => ({ body: ALGO_NEW });
    expect(await venue.queryOrder('BTCUSDT', 'aegis-sl-1')).toMatchObject({
      status: 'new',
      type: 'STOP_MARKET',
    });
    expect(server.requests.at(-1)?.params.clientAlgoId).toBe('aegis-sl-1');
  });
});

describe('BinanceFuturesVenue query and cancel', () => {
  it('queryOrder resolves undefined when neither the order nor the algo endpoint knows the id (-2013)', async () => {
    routes['GET /fapi/v1/order'] = () => NOT_EXIST;
    routes['GET /fapi/v1/algoOrder'] = () => NOT_EXIST;
    expect(await venue.queryOrder('BTCUSDT', 'aegis-9')).toBeUndefined();
    expect(paths()).toEqual(['GET /fapi/v1/order', 'GET /fapi/v1/algoOrder']);
    expect(server.requests[0]?.params).toMatchObject({ symbol: 'BTCUSDT', origClientOrderId: 'aegis-9' });
    expect(server.requests[1]?.params.clientAlgoId).toBe('aegis-9');
    for (const r of server.requests) expectSigned(r);
  });

  it('queryOrder maps a regular order and rejects other errors with VENUE_REJECTED and the code', async () => {
    routes['GET /fapi/v1/order'] = () => ({
      body: { ...ORDER_NEW, status: 'PARTIALLY_FILLED', executedQty: '0.004' },
    });
    expect(await venue.queryOrder('BTCUSDT', 'aegis-1')).toMatchObject({
      status: 'partially_filled',
      filledQuantity: '0.004',
    });
    routes['GET /fapi/v1/order'] = () => ({ status: 400, body: { code: -1121, msg: 'Invalid symbol.' } });
    const error = (await venue.queryOrder('NOPE', 'aegis-1').then(
      () => undefined,
      (e: unknown) => e,
    )) as AegisError;
    expect(error.code).toBe('VENUE_REJECTED');
    expect(error.context.venueCode).toBe(-1121);
  });

  it('cancels a known algo order on DELETE /fapi/v1/algoOrder and answers its state after the cancel', async () => {
    routes['POST /fapi/v1/algoOrder'] = () => ({ body: ALGO_NEW });
    routes['DELETE /fapi/v1/algoOrder'] = () => ({
      body: { algoId: 2146760, clientAlgoId: 'aegis-sl-1', code: '200', msg: 'success' },
    });
    routes['GET /fapi/v1/algoOrder'] = () => ({
      body: { ...ALGO_NEW, algoStatus: 'CANCELED', updateTime: 1750485500000 },
    });
    await venue.submitOrder(stopSell);
    const after = await venue.cancelOrder('BTCUSDT', 'aegis-sl-1');
    expect(paths()).toEqual([
      'POST /fapi/v1/algoOrder',
      'DELETE /fapi/v1/algoOrder',
      'GET /fapi/v1/algoOrder',
    ]);
    expect(server.requests[1]?.params.clientAlgoId).toBe('aegis-sl-1');
    expectSigned(server.requests[1] as RecordedRequest);
    expect(after).toMatchObject({ clientOrderId: 'aegis-sl-1', status: 'canceled', time: 1750485500000 });
  });

  it('after a restart (no memory of the id) finds a conditional order on the algo endpoints', async () => {
    routes['GET /fapi/v1/order'] = () => NOT_EXIST;
    routes['GET /fapi/v1/algoOrder'] = () => ({ body: ALGO_NEW });
    routes['DELETE /fapi/v1/order'] = () => ({
      status: 400,
      body: { code: -2011, msg: 'Unknown order sent.' },
    });
    routes['DELETE /fapi/v1/algoOrder'] = () => ({
      body: { algoId: 2146760, clientAlgoId: 'aegis-sl-1', code: '200', msg: 'success' },
    });
    const fresh = new BinanceFuturesVenue({ client });
    expect(await fresh.queryOrder('BTCUSDT', 'aegis-sl-1')).toMatchObject({
      type: 'STOP_MARKET',
      status: 'new',
    });
    expect(paths()).toEqual(['GET /fapi/v1/order', 'GET /fapi/v1/algoOrder']);
    expect(fresh.isAlgoOrder('aegis-sl-1')).toBe(true);

    const other = new BinanceFuturesVenue({ client });
    routes['GET /fapi/v1/algoOrder'] = () => ({ body: { ...ALGO_NEW, algoStatus: 'CANCELED' } });
    expect(await other.cancelOrder('BTCUSDT', 'aegis-sl-1')).toMatchObject({ status: 'canceled' });
    expect(paths().slice(2)).toEqual([
      'DELETE /fapi/v1/order',
      'DELETE /fapi/v1/algoOrder',
      'GET /fapi/v1/algoOrder',
    ]);
  });

  it("a cancel of an id no endpoint knows rejects with the regular endpoint's -2011", async () => {
    const unknown: CannedResponse = { status: 400, body: { code: -2011, msg: 'Unknown order sent.' } };
    routes['DELETE /fapi/v1/order'] = () => unknown;
    routes['DELETE /fapi/v1/algoOrder'] = () => unknown;
    const error = (await venue.cancelOrder('BTCUSDT', 'ghost').then(
      () => undefined,
      (e: unknown) => e,
    )) as AegisError;
    expect(error.code).toBe('VENUE_REJECTED');
    expect(error.context.venueCode).toBe(-2011);
    expect(error.context.request).toBe('DELETE /fapi/v1/order');
  });

  it('a submit refused by a 429 (certainly not placed) rejects with VENUE_RATE_LIMITED', async () => {
    routes['POST /fapi/v1/order'] = () => ({
      status: 429,
      headers: { 'Retry-After': '7' },
      body: { code: -1003, msg: 'Too many requests.' },
    });
    const error = (await venue.submitOrder(limitBuy).then(
      () => undefined,
      (e: unknown) => e,
    )) as AegisError;
    expect(error.code).toBe('VENUE_RATE_LIMITED');
  });

  it('cancels a regular order on DELETE /fapi/v1/order by origClientOrderId', async () => {
    routes['DELETE /fapi/v1/order'] = () => ({ body: { ...ORDER_NEW, status: 'CANCELED' } });
    expect(await venue.cancelOrder('BTCUSDT', 'aegis-1')).toMatchObject({ status: 'canceled' });
    expect(paths()).toEqual(['DELETE /fapi/v1/order']);
    expect(server.requests[0]?.params).toMatchObject({ symbol: 'BTCUSDT', origClientOrderId: 'aegis-1' });
  });

  it('openOrders merges regular and algo orders, and learns the algo ids (a restart)', async () => {
    routes['GET /fapi/v1/openOrders'] = () => ({ body: [ORDER_NEW] });
    routes['GET /fapi/v1/openAlgoOrders'] = () => ({ body: [ALGO_NEW] });
    const open = await venue.openOrders('BTCUSDT');
    expect(open.map((o) => [o.clientOrderId, o.type, o.status])).toEqual([
      ['aegis-1', 'LIMIT', 'new'],
      ['aegis-sl-1', 'STOP_MARKET', 'new'],
    ]);
    expect(server.requests.map((r) => r.params.symbol)).toEqual(['BTCUSDT', 'BTCUSDT']);
    expect(venue.isAlgoOrder('aegis-sl-1')).toBe(true);
    expect(venue.isAlgoOrder('aegis-1')).toBe(false);
  });
});

describe('BinanceFuturesVenue account endpoints', () => {
  it('positions come from GET /fapi/v2/positionRisk with a signed decimal quantity', async () => {
    routes['GET /fapi/v2/positionRisk'] = () => ({
      body: [
        {
          entryPrice: '42000.5',
          breakEvenPrice: '0.0',
          marginType: 'isolated',
          isAutoAddMargin: 'false',
          isolatedMargin: '0.00000000',
          leverage: '10',
          liquidationPrice: '0',
          markPrice: '6679.50671178',
          maxNotionalValue: '20000000',
          positionAmt: '-0.250',
          notional: '0',
          isolatedWallet: '0',
          symbol: 'BTCUSDT',
          unRealizedProfit: '0.00000000',
          positionSide: 'BOTH',
          updateTime: 0,
        },
      ],
    });
    expect(await venue.positions()).toEqual([
      { symbol: 'BTCUSDT', quantity: '-0.25', entryPrice: '42000.5', leverage: 10 },
    ]);
    expectSigned(server.requests[0] as RecordedRequest);
  });

  it('balances: free = availableBalance, locked = balance + crossUnPnl - available', async () => {
    routes['GET /fapi/v3/balance'] = () => ({
      body: [
        {
          accountAlias: 'SgsR',
          asset: 'USDT',
          balance: '122607.35137903',
          crossWalletBalance: '23.72469206',
          crossUnPnl: '0.00000000',
          availableBalance: '23.72469206',
          maxWithdrawAmount: '23.72469206',
          marginAvailable: true,
          updateTime: 1617939110373,
        },
      ],
    });
    // 122607.35137903 - 23.72469206 = 122583.62668697
    expect(await venue.balances()).toEqual([
      { asset: 'USDT', free: '23.72469206', locked: '122583.62668697' },
    ]);
    expect(paths()).toEqual(['GET /fapi/v3/balance']);
  });

  it('setLeverage posts symbol and leverage to /fapi/v1/leverage', async () => {
    routes['POST /fapi/v1/leverage'] = () => ({
      body: { leverage: 21, maxNotionalValue: '1000000', symbol: 'BTCUSDT' },
    });
    await venue.setLeverage('BTCUSDT', 21);
    const r = server.requests[0] as RecordedRequest;
    expect(r.params).toMatchObject({ symbol: 'BTCUSDT', leverage: '21' });
    expectSigned(r);
  });

  it('instruments come from GET /fapi/v1/exchangeInfo (TRADING symbols, filters as decimal strings)', async () => {
    const filters = [
      { filterType: 'PRICE_FILTER', minPrice: '556.80', maxPrice: '4529764', tickSize: '0.10' },
      { filterType: 'LOT_SIZE', minQty: '0.001', maxQty: '1000', stepSize: '0.001' },
      { filterType: 'MARKET_LOT_SIZE', minQty: '0.001', maxQty: '120', stepSize: '0.001' },
      { filterType: 'MIN_NOTIONAL', notional: '100' },
    ];
    const sym = { baseAsset: 'BTC', quoteAsset: 'USDT', orderTypes: ['LIMIT', 'MARKET'], filters };
    routes['GET /fapi/v1/exchangeInfo'] = () => ({
      body: {
        serverTime: T0,
        rateLimits: [],
        symbols: [
          { ...sym, symbol: 'BTCUSDT', status: 'TRADING' },
          { ...sym, symbol: 'OLDUSDT', status: 'SETTLING' },
        ],
      },
    });
    expect(await venue.instruments()).toEqual([
      {
        symbol: 'BTCUSDT',
        market: 'futures',
        baseAsset: 'BTC',
        quoteAsset: 'USDT',
        tickSize: '0.10',
        minPrice: '556.80',
        maxPrice: '4529764',
        stepSize: '0.001',
        minQty: '0.001',
        maxQty: '1000',
        marketStepSize: '0.001',
        marketMinQty: '0.001',
        marketMaxQty: '120',
        minNotional: '100',
      },
    ]);
    expect(server.requests[0]?.params.signature).toBeUndefined();
  });
});

describe('BinanceFuturesVenue execution updates', () => {
  it('maps ALGO_UPDATE and the triggered order (same client id) to updates of the conditional order', async () => {
    routes['POST /fapi/v1/algoOrder'] = () => ({ body: ALGO_NEW });
    await venue.submitOrder(stopSell);
    const updates: ExecutionUpdate[] = [];
    venue.onExecution((u) => updates.push(u));
    const algo = (status: string): string =>
      `{"e":"ALGO_UPDATE","T":1750515742297,"E":1750515742303,"o":{"caid":"aegis-sl-1","aid":2146760,"at":"CONDITIONAL","o":"STOP_MARKET","s":"BTCUSDT","S":"SELL","ps":"BOTH","f":"GTC","q":"0.010","X":"${status}","tp":"40000.00","p":"0","wt":"MARK_PRICE","cp":false,"pP":true,"R":true}}`;
    venue.handleUserEvent(parseFuturesUserEvent(algo('TRIGGERED')));
    const filled = ORDER_TRADE_UPDATE.replace('"c":"aegis-1"', '"c":"aegis-sl-1"')
      .replace('"S":"BUY"', '"S":"SELL"')
      .replace('"o":"LIMIT"', '"o":"MARKET"')
      .replace('"X":"PARTIALLY_FILLED"', '"X":"FILLED"')
      .replace('"l":"0.004","z":"0.004"', '"l":"0.010","z":"0.010"');
    venue.handleUserEvent(parseFuturesUserEvent(filled));
    venue.handleUserEvent(parseFuturesUserEvent(algo('FINISHED')));
    expect(
      updates.map((u) => (u.kind === 'order' ? [u.order.type, u.order.status, u.fill?.quantity] : u.kind)),
    ).toEqual([
      ['STOP_MARKET', 'new', undefined],
      ['STOP_MARKET', 'filled', '0.010'],
      // ALGO_UPDATE FINISHED repeats 'filled': not delivered a second time
    ]);
    // one identity: every update carries the algoId, never the triggered order's engine id
    expect(new Set(updates.map((u) => (u.kind === 'order' ? u.order.venueOrderId : u.kind)))).toEqual(
      new Set(['2146760']),
    );
  });

  it('a listener that throws is counted and the others still get the update', () => {
    const seen: string[] = [];
    const errors: string[] = [];
    const v = new BinanceFuturesVenue({ client, onError: (e) => errors.push(e.message) });
    v.onExecution(() => {
      throw new Error('boom');
    });
    v.onExecution((u) => seen.push(u.kind));
    v.handleUserEvent(parseFuturesUserEvent(FUNDING_UPDATE));
    expect(seen).toEqual(['funding']);
    expect(errors).toEqual(['boom']);
    expect(v.listenerErrors).toBe(1);
  });
});

describe('BinanceFuturesVenue over a loopback user data stream', () => {
  let wss: WebSocketServer;
  const sockets: WebSocket[] = [];
  const io = (): Promise<void> => new Promise((r) => setImmediate(r));
  async function until(check: () => boolean): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!check() && Date.now() < deadline) await io();
    expect(check()).toBe(true);
  }

  beforeEach(async () => {
    sockets.length = 0;
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((r) => wss.once('listening', r));
    wss.on('connection', (socket) => sockets.push(socket));
  });

  afterEach(async () => {
    for (const c of wss.clients) c.terminate();
    await new Promise<void>((r) => {
      wss.close(() => {
        r();
      });
    });
  });

  it('delivers ORDER_TRADE_UPDATE as an order update with its fill, and FUNDING_FEE as funding', async () => {
    routes['POST /fapi/v1/listenKey'] = () => ({ body: { listenKey: 'key-1' } });
    routes['DELETE /fapi/v1/listenKey'] = () => ({ body: {} });
    routes['GET /fapi/v1/openAlgoOrders'] = () => ({ body: [ALGO_NEW] });
    const readiness: boolean[] = [];
    venue = new BinanceFuturesVenue({
      client,
      userStream: {
        wsBaseUrl: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
        clock,
        scheduler: clock,
        random: () => 0.5,
        onReady: (r) => readiness.push(r),
      },
    });
    const updates: ExecutionUpdate[] = [];
    venue.onExecution((u) => updates.push(u));
    await venue.start();
    await until(() => venue.ready);
    expect(readiness).toEqual([true]);
    // the resync after connecting learned the open algo order
    expect(paths()).toEqual(['POST /fapi/v1/listenKey', 'GET /fapi/v1/openAlgoOrders']);
    expect(venue.isAlgoOrder('aegis-sl-1')).toBe(true);

    sockets[0]?.send(ORDER_TRADE_UPDATE);
    sockets[0]?.send(FUNDING_UPDATE);
    await until(() => updates.length === 2);
    expect(updates[0]).toEqual({
      kind: 'order',
      order: {
        clientOrderId: 'aegis-1',
        venueOrderId: '22542179',
        symbol: 'BTCUSDT',
        side: 'BUY',
        type: 'LIMIT',
        status: 'partially_filled',
        quantity: '0.010',
        filledQuantity: '0.004',
        price: '42000.10',
        reason: 'TRADE',
        time: 1568879465650,
      },
      fill: {
        clientOrderId: 'aegis-1',
        tradeId: '987654',
        symbol: 'BTCUSDT',
        side: 'BUY',
        price: '42000.10',
        quantity: '0.004',
        commission: '0.03360008',
        commissionAsset: 'USDT',
        maker: true,
        time: 1568879465650,
      },
    });
    expect(updates[1]).toEqual({
      kind: 'funding',
      symbol: 'BTCUSDT',
      asset: 'USDT',
      amount: '-0.42000000',
      time: 1564745798938,
    });
    await venue.stop();
    expect(paths().at(-1)).toBe('DELETE /fapi/v1/listenKey');
  });
});

describe('BinanceFuturesVenue against the exchange simulator (SimServer) over real sockets', () => {
  let harness: Harness;
  let simTransport: BinanceTransport;
  let simVenue: BinanceFuturesVenue;
  const io = (): Promise<void> => new Promise((r) => setImmediate(r));
  async function until(check: () => boolean): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!check() && Date.now() < deadline) await io();
    expect(check()).toBe(true);
  }

  beforeEach(async () => {
    harness = await startServer();
    simTransport = new BinanceTransport({
      baseUrl: harness.urls.restUrl,
      clock: harness.clock,
      scheduler: harness.clock,
      rateLimits: defaultRateLimits('futures'),
    });
    const simClient = new FuturesRestClient({
      transport: simTransport,
      clock: harness.clock,
      credentials: { apiKey: EXAMPLE_KEY, signer: new HmacSigner(EXAMPLE_SECRET) },
    });
    simVenue = new BinanceFuturesVenue({
      client: simClient,
      name: 'binance-futures-sim',
      userStream: {
        wsBaseUrl: harness.urls.wsUrl,
        clock: harness.clock,
        scheduler: harness.clock,
        random: () => 0.5,
      },
    });
  });

  afterEach(async () => {
    await simVenue.stop();
    simTransport.close();
    await harness.server.stop();
  });

  it('places an entry and a protective stop, and reports fills, the trigger and positions like SimVenue', async () => {
    harness.server.feedTrade(trade(30_000, 1, SIM_T0, 1));
    const updates: ExecutionUpdate[] = [];
    simVenue.onExecution((u) => updates.push(u));
    await simVenue.start();
    await until(() => simVenue.ready);

    await simVenue.setLeverage('BTCUSDT', 10);
    const entry = await simVenue.submitOrder({
      clientOrderId: 'e2e-entry',
      symbol: 'BTCUSDT',
      side: 'BUY',
      type: 'MARKET',
      quantity: '0.010',
    });
    expect(entry).toMatchObject({ kind: 'ack', order: { clientOrderId: 'e2e-entry', status: 'filled' } });
    await until(() => updates.some((u) => u.kind === 'order' && u.fill?.clientOrderId === 'e2e-entry'));
    expect(await simVenue.positions()).toContainEqual(
      expect.objectContaining({ symbol: 'BTCUSDT', quantity: '0.01', leverage: 10 }),
    );

    const stop = await simVenue.submitOrder({
      clientOrderId: 'e2e-stop',
      symbol: 'BTCUSDT',
      side: 'SELL',
      type: 'STOP_MARKET',
      quantity: '0.010',
      stopPrice: '29000.0',
      reduceOnly: true,
    });
    expect(stop).toMatchObject({
      kind: 'ack',
      order: { clientOrderId: 'e2e-stop', type: 'STOP_MARKET', status: 'new' },
    });
    expect(await simVenue.queryOrder('BTCUSDT', 'e2e-stop')).toMatchObject({
      status: 'new',
      type: 'STOP_MARKET',
    });
    expect((await simVenue.openOrders('BTCUSDT')).map((o) => o.clientOrderId)).toEqual(['e2e-stop']);
    expect(await simVenue.queryOrder('BTCUSDT', 'never-sent')).toBeUndefined();
    // below MIN_NOTIONAL (0.001 * 30000 < 100): refused with the venue's own code (-4164, reference §8)
    const small = await simVenue.submitOrder({
      clientOrderId: 'e2e-small',
      symbol: 'BTCUSDT',
      side: 'BUY',
      type: 'MARKET',
      quantity: '0.001',
    });
    expect(small).toMatchObject({ kind: 'rejected', clientOrderId: 'e2e-small', code: -4164 });

    harness.server.feedTrade(trade(28_900, 1, SIM_T0 + 1000, 2));
    await until(() =>
      updates.some(
        (u) =>
          u.kind === 'order' &&
          u.order.clientOrderId === 'e2e-stop' &&
          u.order.status === 'filled' &&
          u.fill !== undefined,
      ),
    );
    const stopFill = updates.find(
      (u) => u.kind === 'order' && u.order.clientOrderId === 'e2e-stop' && u.fill,
    );
    expect(stopFill).toMatchObject({
      order: { type: 'STOP_MARKET' },
      fill: { side: 'SELL', quantity: '0.01' },
    });
    const stopStates = updates.flatMap((u) =>
      u.kind === 'order' && u.order.clientOrderId === 'e2e-stop' ? [[u.order.status, u.order.reason]] : [],
    );
    // the wire carries ALGO_UPDATE NEW / TRIGGERING / TRIGGERED, the triggered order's NEW and TRADE, then
    // ALGO_UPDATE FINISHED; the domain sees what SimVenue reports: one 'new', one 'filled'
    expect(stopStates).toEqual([
      ['new', 'NEW'],
      ['filled', 'TRADE'],
    ]);
    expect(await simVenue.openOrders()).toEqual([]);
    const flat = (await simVenue.positions()).find((p) => p.symbol === 'BTCUSDT');
    expect(flat?.quantity ?? '0').toBe('0');
    expect(await simVenue.queryOrder('BTCUSDT', 'e2e-stop')).toMatchObject({ status: 'filled' });
  });
});
