/**
 * A client nobody here wrote talks to SimServer unchanged except for its base URLs: ccxt's binanceusdm
 * (ccxt 4.5.x, dev dependency) loads markets, reads balance and positions, places, queries and cancels
 * orders, lists open orders, orders and trades. Every API base URL ccxt knows is pointed at the
 * simulator, and ccxt's fetch is wrapped so that a request to any host but 127.0.0.1 fails the test
 * instead of leaving the machine. Options that would reach other Binance APIs are turned off:
 * fetchCurrencies (sapi capital/config), fetchMarkets limited to linear (no spot / inverse exchangeInfo),
 * adjustForTimeDifference (stays false: ccxt signs with its own clock, the server uses the wall clock).
 */
import ccxt from 'ccxt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Decimal } from '../../../domain/decimal.js';
import { USDM_BTCUSDT } from '../instruments.js';
import { SimServer, type SimServerUrls } from './server.js';
import { EXAMPLE_KEY, EXAMPLE_SECRET, T0 } from './test-support.js';

const SYMBOL = 'BTC/USDT:USDT';

let server: SimServer;
let urls: SimServerUrls;
/** Every request ccxt made: "METHOD path". */
let calls: string[];
/** Requests ccxt tried to send elsewhere than 127.0.0.1 (refused). */
let foreign: string[];

type Fetch = (url: string, method?: string, headers?: unknown, body?: unknown) => Promise<unknown>;

function client(): InstanceType<typeof ccxt.binanceusdm> {
  // every API family ccxt's binance class knows, pointed at the simulator (unused ones 404 there)
  const defaults = new ccxt.binanceusdm().urls as { api: Record<string, string> };
  const api: Record<string, string> = {};
  for (const [name, remote] of Object.entries(defaults.api)) {
    api[name] = `${urls.restUrl}${new URL(remote).pathname}`;
  }
  const ex = new ccxt.binanceusdm({
    apiKey: EXAMPLE_KEY,
    secret: EXAMPLE_SECRET,
    urls: { api },
    options: {
      fetchCurrencies: false,
      fetchMarkets: { types: ['linear'] },
      adjustForTimeDifference: false,
    },
  });
  const target = ex as unknown as { fetch: Fetch };
  const original: Fetch = target.fetch.bind(ex);
  target.fetch = async (url, method = 'GET', headers, body) => {
    const u = new URL(url);
    if (u.hostname !== '127.0.0.1') {
      foreign.push(`${method} ${url}`);
      throw new Error(`test refused a request off loopback: ${method} ${url}`);
    }
    calls.push(`${method} ${u.pathname}`);
    return original(url, method, headers, body);
  };
  return ex;
}

beforeEach(async () => {
  calls = [];
  foreign = [];
  // wall clock: ccxt timestamps its signed requests with Date.now()
  server = new SimServer({
    apiKey: EXAMPLE_KEY,
    apiSecret: EXAMPLE_SECRET,
    engine: { instruments: [USDM_BTCUSDT], balances: { USDT: '10000' } },
    housekeepingIntervalMs: 0,
  });
  urls = await server.start();
  // book 30000.0 / 30000.1, 5 BTC each side (the engine's quote fill model)
  server.feedQuote({
    symbol: 'BTCUSDT',
    time: T0,
    bidPrice: 30000,
    bidQty: 5,
    askPrice: 30000.1,
    askQty: 5,
    updateId: 1,
  });
});

afterEach(async () => {
  await server.stop();
  expect(foreign).toEqual([]);
});

describe('ccxt binanceusdm against SimServer', () => {
  it('every API base URL ccxt holds is on 127.0.0.1', () => {
    const ex = client();
    const api = (ex.urls as { api: Record<string, string> }).api;
    expect(Object.keys(api).length).toBeGreaterThan(10);
    for (const [name, url] of Object.entries(api))
      expect([name, new URL(url).hostname]).toEqual([name, '127.0.0.1']);
  });

  it('loads markets with the exchangeInfo filters as precision and limits', async () => {
    const ex = client();
    const markets = await ex.loadMarkets();
    expect(Object.keys(markets)).toEqual([SYMBOL]);
    const m = markets[SYMBOL];
    expect(m?.id).toBe('BTCUSDT');
    expect(m?.linear).toBe(true);
    expect(m?.settle).toBe('USDT');
    // tickSize 0.10 / stepSize 0.001 / MIN_NOTIONAL 100 (src/venues/sim/instruments.ts, Binance's values)
    expect(m?.precision.price).toBe(0.1);
    expect(m?.precision.amount).toBe(0.001);
    expect(m?.limits.cost?.min).toBe(100);
    expect(calls).toEqual(['GET /fapi/v1/exchangeInfo']);
  });

  it('reads balance, trades a limit order (create, fetch, cancel) and a market order, then sees the position', async () => {
    const ex = client();
    await ex.loadMarkets();

    const balance = await ex.fetchBalance();
    expect(balance.USDT?.total).toBe(10000);
    expect(balance.USDT?.free).toBe(10000);

    expect(await ex.fetchPositions()).toEqual([]);

    const limit = await ex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 29000);
    expect(limit.status).toBe('open');
    expect(limit.price).toBe(29000);
    expect(limit.amount).toBe(0.01);
    const fetched = await ex.fetchOrder(String(limit.id), SYMBOL);
    expect([fetched.id, fetched.status, fetched.clientOrderId]).toEqual([
      limit.id,
      'open',
      limit.clientOrderId,
    ]);
    expect((await ex.fetchOpenOrders(SYMBOL)).map((o) => o.id)).toEqual([limit.id]);
    const canceled = await ex.cancelOrder(String(limit.id), SYMBOL);
    expect(canceled.status).toBe('canceled');
    expect(await ex.fetchOpenOrders(SYMBOL)).toEqual([]);

    const market = await ex.createOrder(SYMBOL, 'market', 'buy', 0.01);
    expect(market.status).toBe('closed');
    expect(market.filled).toBe(0.01);
    // taker at the best ask
    expect(market.average).toBe(30000.1);

    const positions = await ex.fetchPositions();
    expect(positions.length).toBe(1);
    const p = positions[0];
    expect([p?.symbol, p?.side, p?.contracts, p?.entryPrice]).toEqual([SYMBOL, 'long', 0.01, 30000.1]);

    const trades = await ex.fetchMyTrades(SYMBOL);
    expect(trades.length).toBe(1);
    const t = trades[0];
    expect([t?.order, t?.side, t?.price, t?.amount, t?.takerOrMaker]).toEqual([
      market.id,
      'buy',
      30000.1,
      0.01,
      'taker',
    ]);
    // USD-M default taker fee 0.05 % of 300.001 USDT (src/venues/sim/types.ts USDM_DEFAULT_FEES)
    expect(Decimal.parse(String(t?.fee?.cost)).toString()).toBe(
      Decimal.parse('300.001').mul(Decimal.parse('0.0005')).toString(),
    );
    expect(t?.fee?.currency).toBe('USDT');

    const orders = await ex.fetchOrders(SYMBOL);
    expect(orders.map((o) => [o.id, o.status])).toEqual([
      [limit.id, 'canceled'],
      [market.id, 'closed'],
    ]);

    // the wallet paid the fee; the position's margin is no longer available
    const after = await ex.fetchBalance();
    expect(after.USDT?.total).toBeLessThan(10000);
    expect(after.USDT?.free).toBeLessThan(after.USDT?.total ?? 0);

    expect([...new Set(calls)].sort()).toEqual([
      'DELETE /fapi/v1/order',
      'GET /fapi/v1/allOrders',
      'GET /fapi/v1/exchangeInfo',
      'GET /fapi/v1/leverageBracket',
      'GET /fapi/v1/openOrders',
      'GET /fapi/v1/order',
      'GET /fapi/v1/userTrades',
      'GET /fapi/v3/account',
      'GET /fapi/v3/positionRisk',
      'POST /fapi/v1/order',
    ]);
    expect(server.internalErrors).toBe(0);
  });

  it('surfaces the simulator’s Binance error codes as ccxt’s mapped exceptions', async () => {
    const ex = client();
    await ex.loadMarkets();
    // notional 0.001 x 29000 = 29 < MIN_NOTIONAL 100 -> Binance -4164. ccxt picks its per-market error
    // table by hostname (binance.js getExceptionsByUrl: https://fapi.binance.com/...), so with a loopback
    // base URL only its global table applies, where -4164 is absent: a generic ExchangeError with the code.
    await expect(ex.createOrder(SYMBOL, 'limit', 'buy', 0.001, 29000)).rejects.toThrow(/"code":-4164/);
    // unknown order -> -2013 -> OrderNotFound
    await expect(ex.fetchOrder('999999', SYMBOL)).rejects.toBeInstanceOf(ccxt.OrderNotFound);
    const wrongKey = new ccxt.binanceusdm({
      apiKey: EXAMPLE_KEY,
      secret: 'not-the-secret',
      urls: ex.urls,
      options: { fetchCurrencies: false, fetchMarkets: { types: ['linear'] } },
    });
    // -1022 bad signature -> AuthenticationError
    await expect(wrongKey.fetchBalance()).rejects.toBeInstanceOf(ccxt.AuthenticationError);
  });
});
