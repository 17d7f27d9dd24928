import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../core/clock.js';
import type { OrderRequest } from '../../domain/order.js';
import { FuturesRestClient, SpotRestClient } from './clients.js';
import { OrderOutcomeUnknownError, VenueRejectedError } from './errors.js';
import { defaultRateLimits } from './rate-limit.js';
import { HmacSigner } from './signing.js';
import { LoopbackServer, type CannedResponse, type RecordedRequest } from './test-server.js';
import { BinanceTransport } from './transport.js';

// Binance's documented example key pair (spot API docs signing examples; reference §1).
const API_KEY = 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A';
const SECRET = 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j';
const signer = new HmacSigner(SECRET);
const T0 = 1_700_000_000_000;

type Routes = Record<string, (r: RecordedRequest) => CannedResponse | 'hang'>;

/** The signature is the last parameter, it signs exactly query + body before it, and the API key header is set. */
function expectSigned(r: RecordedRequest): void {
  const carrier = r.body.length > 0 ? r.body : r.query;
  const m = /^(.*)&signature=([0-9a-f]{64})$/.exec(carrier);
  expect(m, `signature last in ${carrier}`).not.toBeNull();
  const payload = r.body.length > 0 ? r.query + (m?.[1] ?? '') : (m?.[1] ?? '');
  expect(m?.[2]).toBe(signer.sign(payload));
  expect(r.headers['x-mbx-apikey']).toBe(API_KEY);
  expect(r.params.recvWindow).toBe('5000');
  expect(r.params.timestamp).toMatch(/^\d{13}$/);
}

function expectUnsigned(r: RecordedRequest, apiKey: boolean): void {
  expect(r.params.signature).toBeUndefined();
  expect(r.params.timestamp).toBeUndefined();
  expect(r.headers['x-mbx-apikey']).toBe(apiKey ? API_KEY : undefined);
}

let server: LoopbackServer;
let clock: SimulatedClock;
let transport: BinanceTransport;
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
    rateLimits: defaultRateLimits('spot'),
  });
});

afterEach(async () => {
  transport.close();
  await server.close();
});

const spot = (): SpotRestClient =>
  new SpotRestClient({ transport, clock, credentials: { apiKey: API_KEY, signer } });
const futures = (): FuturesRestClient =>
  new FuturesRestClient({ transport, clock, credentials: { apiKey: API_KEY, signer } });

const limitOrder: OrderRequest = {
  clientOrderId: 'aegis-1',
  symbol: 'BTCUSDT',
  side: 'BUY',
  type: 'LIMIT',
  quantity: '0.00100',
  price: '28000.00',
};

// Response bodies below follow the field lists in ../shared/reference/binance-api.md §5 and the response
// examples on the endpoint pages linked in clients.ts.
const SPOT_ORDER_FULL = {
  symbol: 'BTCUSDT',
  orderId: 28,
  orderListId: -1,
  clientOrderId: 'aegis-1',
  transactTime: 1507725176595,
  price: '28000.00000000',
  origQty: '0.00100000',
  executedQty: '0.00100000',
  cummulativeQuoteQty: '28.00000000',
  status: 'FILLED',
  timeInForce: 'GTC',
  type: 'LIMIT',
  side: 'BUY',
  workingTime: 1507725176595,
  selfTradePreventionMode: 'NONE',
  fills: [
    {
      price: '28000.00000000',
      qty: '0.00100000',
      commission: '0.00000100',
      commissionAsset: 'BTC',
      tradeId: 56,
    },
  ],
};

const FUTURES_ORDER = {
  clientOrderId: 'aegis-2',
  cumQty: '0',
  cumQuote: '0',
  executedQty: '0.010',
  orderId: 22542179,
  avgPrice: '28010.50',
  origQty: '0.010',
  price: '0',
  reduceOnly: true,
  side: 'SELL',
  positionSide: 'BOTH',
  status: 'FILLED',
  stopPrice: '0',
  closePosition: false,
  symbol: 'BTCUSDT',
  timeInForce: 'GTC',
  type: 'MARKET',
  origType: 'MARKET',
  updateTime: 1566818724722,
  workingType: 'CONTRACT_PRICE',
  priceProtect: false,
};

const ALGO_ORDER = {
  algoId: 2146760,
  clientAlgoId: 'aegis-3-sl',
  algoType: 'CONDITIONAL',
  orderType: 'STOP_MARKET',
  symbol: 'BTCUSDT',
  side: 'SELL',
  positionSide: 'BOTH',
  timeInForce: 'GTC',
  quantity: '0',
  algoStatus: 'NEW',
  triggerPrice: '27000.00',
  price: '0',
  workingType: 'MARK_PRICE',
  closePosition: true,
  priceProtect: true,
  reduceOnly: false,
  createTime: 1750485492076,
  updateTime: 1750485492076,
};

describe('time sync through the client', () => {
  it('GET /api/v3/time is public; the measured offset stamps signed requests', async () => {
    routes['GET /api/v3/time'] = () => {
      clock.advanceTo(T0 + 20); // 20 ms round trip
      return { body: { serverTime: T0 + 1010 } };
    };
    routes['GET /api/v3/account'] = () => ({ body: { balances: [] } });
    const c = spot();
    await c.timeSync.measure();
    expect(c.timeSync.offsetMs).toBe(1000);
    await c.balances();
    const [time, account] = server.requests;
    if (time === undefined || account === undefined) throw new Error('requests missing');
    expectUnsigned(time, false);
    expectSigned(account);
    expect(account.params.timestamp).toBe(String(T0 + 20 + 1000));
  });

  it('on -1021 re-measures server time and sends the signed request once more', async () => {
    let serverAhead = 0;
    routes['GET /fapi/v1/time'] = () => {
      serverAhead = 3000;
      return { body: { serverTime: clock.now() + serverAhead } };
    };
    routes['GET /fapi/v3/balance'] = (r) =>
      Number(r.params.timestamp) < clock.now() + serverAhead - 1000
        ? {
            status: 400,
            body: { code: -1021, msg: 'Timestamp for this request is outside of the recvWindow.' },
          }
        : { body: [{ asset: 'USDT', balance: '100.5', availableBalance: '90', crossUnPnl: '0.0' }] };
    serverAhead = 3000;
    const balances = await futures().balances();
    expect(balances).toEqual([
      { asset: 'USDT', balance: '100.5', availableBalance: '90', crossUnPnl: '0.0' },
    ]);
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /fapi/v3/balance',
      'GET /fapi/v1/time',
      'GET /fapi/v3/balance',
    ]);
    expect(server.requests[2]?.params.timestamp).toBe(String(T0 + 3000));
  });
});

describe('spot endpoints', () => {
  it('exchangeInfo maps filters to decimal strings and rate limits to rules', async () => {
    routes['GET /api/v3/exchangeInfo'] = () => ({
      body: {
        timezone: 'UTC',
        serverTime: 1565246363776,
        rateLimits: [
          { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000 },
          { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 100 },
          { rateLimitType: 'RAW_REQUESTS', interval: 'MINUTE', intervalNum: 5, limit: 61000 },
        ],
        symbols: [
          {
            symbol: 'ETHBTC',
            status: 'TRADING',
            baseAsset: 'ETH',
            quoteAsset: 'BTC',
            orderTypes: ['LIMIT', 'LIMIT_MAKER', 'MARKET', 'STOP_LOSS', 'TAKE_PROFIT'],
            filters: [
              {
                filterType: 'PRICE_FILTER',
                minPrice: '0.00001000',
                maxPrice: '922327.00000000',
                tickSize: '0.00001000',
              },
              {
                filterType: 'LOT_SIZE',
                minQty: '0.00010000',
                maxQty: '100000.00000000',
                stepSize: '0.00010000',
              },
              { filterType: 'ICEBERG_PARTS', limit: 10 },
              {
                filterType: 'MARKET_LOT_SIZE',
                minQty: '0.00000000',
                maxQty: '2161.48315938',
                stepSize: '0.00000000',
              },
              {
                filterType: 'NOTIONAL',
                minNotional: '0.00010000',
                applyMinToMarket: true,
                maxNotional: '9000000.00000000',
                applyMaxToMarket: false,
                avgPriceMins: 5,
              },
            ],
            newFieldFromTheFuture: { x: 1 },
          },
        ],
      },
    });
    const info = await spot().exchangeInfo(['ETHBTC']);
    const r = server.requests[0];
    expect(r?.params.symbols).toBe('["ETHBTC"]');
    expect(info.rateLimits).toEqual([
      { kind: 'REQUEST_WEIGHT', intervalMs: 60_000, limit: 6000 },
      { kind: 'ORDERS', intervalMs: 10_000, limit: 100 },
    ]);
    expect(info.instruments).toEqual([
      {
        symbol: 'ETHBTC',
        market: 'spot',
        status: 'TRADING',
        baseAsset: 'ETH',
        quoteAsset: 'BTC',
        tickSize: '0.00001000',
        minPrice: '0.00001000',
        maxPrice: '922327.00000000',
        stepSize: '0.00010000',
        minQty: '0.00010000',
        maxQty: '100000.00000000',
        marketStepSize: '0.00000000',
        marketMinQty: '0.00000000',
        marketMaxQty: '2161.48315938',
        minNotional: '0.00010000',
        orderTypes: ['LIMIT', 'LIMIT_MAKER', 'MARKET', 'STOP_LOSS', 'TAKE_PROFIT'],
      },
    ]);
  });

  it('klines: GET /api/v3/klines with symbol, interval, limit; rows become candles, the forming one open', async () => {
    routes['GET /api/v3/klines'] = () => ({
      body: [
        [T0 - 120_000, '1.0', '2.0', '0.5', '1.5', '10.0', T0 - 60_001, '15.0', 7, '4.0', '6.0', '0'],
        [T0 - 60_000, '1.5', '1.6', '1.4', '1.6', '1.0', T0 - 1, '1.5', 1, '1.0', '1.5', '0'],
        [T0, '1.6', '1.6', '1.6', '1.6', '0.0', T0 + 59_999, '0.0', 0, '0.0', '0.0', '0'],
      ],
    });
    const candles = await spot().klines('BTCUSDT', '1m', { limit: 3 });
    expect(server.requests[0]?.query).toBe('symbol=BTCUSDT&interval=1m&limit=3');
    expectUnsigned(server.requests[0] as RecordedRequest, false);
    expect(candles[0]).toEqual({
      symbol: 'BTCUSDT',
      interval: '1m',
      openTime: T0 - 120_000,
      open: 1,
      high: 2,
      low: 0.5,
      close: 1.5,
      volume: 10,
      quoteVolume: 15,
      trades: 7,
      takerBuyVolume: 4,
      takerBuyQuoteVolume: 6,
      closed: true,
      synthetic: false,
    });
    expect(candles.map((c) => c.closed)).toEqual([true, true, false]);
  });

  it('account balances: signed GET /api/v3/account, balances as decimal strings', async () => {
    routes['GET /api/v3/account'] = () => ({
      body: {
        makerCommission: 15,
        balances: [{ asset: 'BTC', free: '4723846.89208129', locked: '0.00000000' }],
      },
    });
    expect(await spot().balances()).toEqual([
      { asset: 'BTC', free: '4723846.89208129', locked: '0.00000000' },
    ]);
    expectSigned(server.requests[0] as RecordedRequest);
  });

  it('new order: signed POST /api/v3/order with the order parameters; FULL answer mapped with fills', async () => {
    routes['POST /api/v3/order'] = () => ({ body: SPOT_ORDER_FULL });
    const o = await spot().newOrder(limitOrder);
    const r = server.requests[0] as RecordedRequest;
    expectSigned(r);
    expect(r.query.split('&recvWindow=')[0]).toBe(
      'symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.00100&price=28000.00&newClientOrderId=aegis-1&newOrderRespType=FULL',
    );
    expect(o).toEqual({
      symbol: 'BTCUSDT',
      orderId: '28',
      clientOrderId: 'aegis-1',
      side: 'BUY',
      type: 'LIMIT',
      status: 'filled',
      venueStatus: 'FILLED',
      price: '28000.00000000',
      quantity: '0.00100000',
      filledQuantity: '0.00100000',
      avgPrice: undefined,
      reduceOnly: false,
      time: 1507725176595,
      fills: [
        {
          price: '28000.00000000',
          qty: '0.00100000',
          commission: '0.00000100',
          commissionAsset: 'BTC',
          tradeId: '56',
        },
      ],
    });
  });

  it('cancel: signed DELETE /api/v3/order by origClientOrderId; the original client id is reported', async () => {
    routes['DELETE /api/v3/order'] = () => ({
      body: {
        ...SPOT_ORDER_FULL,
        origClientOrderId: 'aegis-1',
        clientOrderId: 'cancelMyOrder1',
        status: 'CANCELED',
        executedQty: '0.00000000',
        fills: undefined,
      },
    });
    const o = await spot().cancelOrder('BTCUSDT', { clientOrderId: 'aegis-1' });
    const r = server.requests[0] as RecordedRequest;
    expectSigned(r);
    expect(r.params.origClientOrderId).toBe('aegis-1');
    expect(o).toMatchObject({ clientOrderId: 'aegis-1', status: 'canceled' });
  });

  it('query and open orders: signed GETs mapped to orders', async () => {
    const open = {
      ...SPOT_ORDER_FULL,
      status: 'PARTIALLY_FILLED',
      executedQty: '0.00050000',
      time: 1,
      updateTime: 2,
      fills: undefined,
    };
    routes['GET /api/v3/order'] = () => ({ body: open });
    routes['GET /api/v3/openOrders'] = () => ({ body: [open] });
    const c = spot();
    expect(await c.queryOrder('BTCUSDT', { orderId: '28' })).toMatchObject({
      status: 'partially_filled',
      time: 2,
    });
    expect((await c.openOrders('BTCUSDT')).map((o) => o.filledQuantity)).toEqual(['0.00050000']);
    expect(server.requests[0]?.params.orderId).toBe('28');
    expect(server.requests[1]?.params.symbol).toBe('BTCUSDT');
    for (const r of server.requests) expectSigned(r);
  });

  it('a response that does not match the schema is a DATA_PARSE_FAILED error, not a silent default', async () => {
    routes['GET /api/v3/account'] = () => ({
      body: { balances: [{ asset: 'BTC', free: 4.5, locked: '0' }] },
    });
    await expect(spot().balances()).rejects.toMatchObject({ code: 'DATA_PARSE_FAILED' });
  });
});

describe('futures endpoints', () => {
  it('exchangeInfo reads MIN_NOTIONAL.notional', async () => {
    routes['GET /fapi/v1/exchangeInfo'] = () => ({
      body: {
        serverTime: 1,
        rateLimits: [{ rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 2400 }],
        symbols: [
          {
            symbol: 'BTCUSDT',
            status: 'TRADING',
            baseAsset: 'BTC',
            quoteAsset: 'USDT',
            contractType: 'PERPETUAL',
            filters: [
              { filterType: 'PRICE_FILTER', minPrice: '556.80', maxPrice: '4529764', tickSize: '0.10' },
              { filterType: 'LOT_SIZE', stepSize: '0.001', maxQty: '1000', minQty: '0.001' },
              { filterType: 'MIN_NOTIONAL', notional: '100' },
            ],
          },
        ],
      },
    });
    const [btc] = (await futures().exchangeInfo()).instruments;
    expect(btc).toMatchObject({
      market: 'futures',
      tickSize: '0.10',
      stepSize: '0.001',
      minQty: '0.001',
      minNotional: '100',
      marketMinQty: undefined,
      marketStepSize: undefined,
    });
  });

  it('positionRisk (v2): signed GET, amounts stay decimal strings, leverage and margin type read', async () => {
    routes['GET /fapi/v2/positionRisk'] = () => ({
      body: [
        {
          entryPrice: '6563.66500',
          marginType: 'isolated',
          isAutoAddMargin: 'false',
          isolatedMargin: '15517.54150468',
          leverage: '10',
          liquidationPrice: '5930.78',
          markPrice: '6679.50671178',
          maxNotionalValue: '20000000',
          positionAmt: '-20.000',
          notional: '-133590.13423556',
          symbol: 'BTCUSDT',
          unRealizedProfit: '-2316.83423560',
          positionSide: 'BOTH',
          updateTime: 1625474304765,
        },
      ],
    });
    expect(await futures().positionRisk('BTCUSDT')).toEqual([
      {
        symbol: 'BTCUSDT',
        positionSide: 'BOTH',
        positionAmt: '-20.000',
        entryPrice: '6563.66500',
        markPrice: '6679.50671178',
        unrealizedProfit: '-2316.83423560',
        liquidationPrice: '5930.78',
        leverage: 10,
        marginType: 'isolated',
      },
    ]);
    expectSigned(server.requests[0] as RecordedRequest);
  });

  it('set leverage: signed POST /fapi/v1/leverage {symbol, leverage}', async () => {
    routes['POST /fapi/v1/leverage'] = () => ({
      body: { leverage: 21, maxNotionalValue: '1000000', symbol: 'BTCUSDT' },
    });
    expect(await futures().setLeverage('BTCUSDT', 21)).toEqual({
      leverage: 21,
      maxNotionalValue: '1000000',
      symbol: 'BTCUSDT',
    });
    const r = server.requests[0] as RecordedRequest;
    expectSigned(r);
    expect([r.params.symbol, r.params.leverage]).toEqual(['BTCUSDT', '21']);
  });

  it('set margin type: -4046 "No need to change margin type." counts as success, other codes throw', async () => {
    let answer: CannedResponse = { body: { code: 200, msg: 'success' } };
    routes['POST /fapi/v1/marginType'] = () => answer;
    const c = futures();
    expect(await c.setMarginType('BTCUSDT', 'ISOLATED')).toEqual({ changed: true });
    answer = { status: 400, body: { code: -4046, msg: 'No need to change margin type.' } };
    expect(await c.setMarginType('BTCUSDT', 'ISOLATED')).toEqual({ changed: false });
    answer = {
      status: 400,
      body: { code: -4048, msg: 'Margin type cannot be changed if there exists position.' },
    };
    await expect(c.setMarginType('BTCUSDT', 'CROSSED')).rejects.toBeInstanceOf(VenueRejectedError);
    expect(server.requests[0]?.params.marginType).toBe('ISOLATED');
    expectSigned(server.requests[0] as RecordedRequest);
  });

  it('new MARKET order: signed POST /fapi/v1/order with reduceOnly; RESULT answer mapped', async () => {
    routes['POST /fapi/v1/order'] = () => ({ body: FUTURES_ORDER });
    const o = await futures().newOrder({
      clientOrderId: 'aegis-2',
      symbol: 'BTCUSDT',
      side: 'SELL',
      type: 'MARKET',
      quantity: '0.010',
      reduceOnly: true,
    });
    const r = server.requests[0] as RecordedRequest;
    expectSigned(r);
    expect(r.query.split('&recvWindow=')[0]).toBe(
      'symbol=BTCUSDT&side=SELL&type=MARKET&quantity=0.010&reduceOnly=true&newClientOrderId=aegis-2&newOrderRespType=RESULT',
    );
    expect(o).toMatchObject({
      orderId: '22542179',
      status: 'filled',
      avgPrice: '28010.50',
      reduceOnly: true,
      time: 1566818724722,
    });
  });

  it('cancel / query / open orders use /fapi/v1/order and /fapi/v1/openOrders', async () => {
    routes['DELETE /fapi/v1/order'] = () => ({ body: { ...FUTURES_ORDER, status: 'CANCELED' } });
    routes['GET /fapi/v1/order'] = () => ({ body: { ...FUTURES_ORDER, status: 'NEW' } });
    routes['GET /fapi/v1/openOrders'] = () => ({ body: [FUTURES_ORDER] });
    const c = futures();
    expect((await c.cancelOrder('BTCUSDT', { clientOrderId: 'aegis-2' })).status).toBe('canceled');
    expect((await c.queryOrder('BTCUSDT', { clientOrderId: 'aegis-2' })).status).toBe('new');
    expect(await c.openOrders()).toHaveLength(1);
    expect(server.requests.map((r) => `${r.method} ${r.path} ${r.params.origClientOrderId ?? '-'}`)).toEqual([
      'DELETE /fapi/v1/order aegis-2',
      'GET /fapi/v1/order aegis-2',
      'GET /fapi/v1/openOrders -',
    ]);
    for (const r of server.requests) expectSigned(r);
  });

  it('stop-loss goes to POST /fapi/v1/algoOrder as CONDITIONAL STOP_MARKET; cancel, query and list by algo endpoints', async () => {
    routes['POST /fapi/v1/algoOrder'] = () => ({ body: ALGO_ORDER });
    routes['DELETE /fapi/v1/algoOrder'] = () => ({
      body: { algoId: 2146760, clientAlgoId: 'aegis-3-sl', code: '200', msg: 'success' },
    });
    routes['GET /fapi/v1/algoOrder'] = () => ({ body: { ...ALGO_ORDER, algoStatus: 'CANCELED' } });
    routes['GET /fapi/v1/openAlgoOrders'] = () => ({ body: [ALGO_ORDER] });
    const c = futures();
    const algo = await c.newAlgoOrder({
      clientOrderId: 'aegis-3-sl',
      symbol: 'BTCUSDT',
      side: 'SELL',
      type: 'STOP_MARKET',
      quantity: '0.010',
      stopPrice: '27000.00',
      closePosition: true,
    });
    expect(algo).toEqual({
      algoId: '2146760',
      clientAlgoId: 'aegis-3-sl',
      symbol: 'BTCUSDT',
      side: 'SELL',
      type: 'STOP_MARKET',
      status: 'NEW',
      triggerPrice: '27000.00',
      quantity: '0',
      closePosition: true,
      reduceOnly: false,
      workingType: 'MARK_PRICE',
      time: 1750485492076,
    });
    const post = server.requests[0] as RecordedRequest;
    expectSigned(post);
    expect(post.params).toMatchObject({
      algoType: 'CONDITIONAL',
      type: 'STOP_MARKET',
      triggerPrice: '27000.00',
      closePosition: 'true',
      clientAlgoId: 'aegis-3-sl',
    });
    expect(post.params.quantity).toBeUndefined();
    expect(await c.cancelAlgoOrder({ clientAlgoId: 'aegis-3-sl' })).toEqual({
      algoId: '2146760',
      clientAlgoId: 'aegis-3-sl',
    });
    expect((await c.queryAlgoOrder({ algoId: '2146760' })).status).toBe('CANCELED');
    expect((await c.openAlgoOrders('BTCUSDT')).map((a) => a.algoId)).toEqual(['2146760']);
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /fapi/v1/algoOrder',
      'DELETE /fapi/v1/algoOrder',
      'GET /fapi/v1/algoOrder',
      'GET /fapi/v1/openAlgoOrders',
    ]);
    expect(server.requests[1]?.params.clientAlgoId).toBe('aegis-3-sl');
    expect(server.requests[2]?.params.algoId).toBe('2146760');
    for (const r of server.requests) expectSigned(r);
  });

  it('listenKey create / keep-alive / close carry the API key and no signature', async () => {
    routes['POST /fapi/v1/listenKey'] = () => ({
      body: { listenKey: 'pqia91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a81va65sdf19v8a65a1' },
    });
    routes['PUT /fapi/v1/listenKey'] = () => ({ body: {} });
    routes['DELETE /fapi/v1/listenKey'] = () => ({ body: {} });
    const c = futures();
    expect(await c.createListenKey()).toBe(
      'pqia91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a81va65sdf19v8a65a1',
    );
    await c.keepAliveListenKey();
    await c.closeListenKey();
    expect(server.requests.map((r) => r.method)).toEqual(['POST', 'PUT', 'DELETE']);
    for (const r of server.requests) expectUnsigned(r, true);
  });

  it('an order id beyond 2^53 arrives exactly as a string', async () => {
    routes['GET /fapi/v1/order'] = () => ({
      body: JSON.stringify(FUTURES_ORDER).replace('22542179', '8389765519993908929'),
    });
    expect((await futures().queryOrder('BTCUSDT', { orderId: '8389765519993908929' })).orderId).toBe(
      '8389765519993908929',
    );
  });
});

describe('order outcome safety', () => {
  it('a submit that times out is unknown; the order is then found by its client id, not sent again', async () => {
    routes['POST /fapi/v1/order'] = () => 'hang';
    routes['GET /fapi/v1/order'] = () => ({
      body: { ...FUTURES_ORDER, clientOrderId: 'aegis-9', status: 'NEW' },
    });
    const c = futures();
    const received = server.nextRequest();
    const submit = c
      .newOrder({
        clientOrderId: 'aegis-9',
        symbol: 'BTCUSDT',
        side: 'BUY',
        type: 'MARKET',
        quantity: '0.010',
      })
      .catch((e: unknown) => e);
    await received;
    clock.advanceTo(T0 + 10_000); // default transport timeout
    const error = await submit;
    expect(error).toBeInstanceOf(OrderOutcomeUnknownError);
    const found = await c.findOrder('BTCUSDT', 'aegis-9');
    expect(found).toMatchObject({ clientOrderId: 'aegis-9', status: 'new' });
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /fapi/v1/order',
      'GET /fapi/v1/order',
    ]);
    expect(server.requests[1]?.params.origClientOrderId).toBe('aegis-9');
  });

  it('findOrder answers undefined when the venue does not know the order (-2013)', async () => {
    routes['GET /api/v3/order'] = () => ({
      status: 400,
      body: { code: -2013, msg: 'Order does not exist.' },
    });
    expect(await spot().findOrder('BTCUSDT', 'aegis-10')).toBeUndefined();
  });
});
