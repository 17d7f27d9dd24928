import { afterEach, describe, expect, it } from 'vitest';
import { Decimal } from '../../../domain/decimal.js';
import { USDM_BTCUSDT, USDM_ETHUSDT } from '../instruments.js';
import { EXAMPLE_SECRET, Probe, sign, startServer, T0, trade, type Harness } from './test-support.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.server.stop();
  h = undefined;
});

const num = (v: unknown): number => Number(v);
const dec = (v: unknown): string => Decimal.parse(String(v)).toString();

describe('SimServer public REST', () => {
  it('answers ping with {}, time with the injected clock and a weight header on each', async () => {
    h = await startServer();
    const ping = await h.client.send('GET', '/fapi/v1/ping');
    expect(ping.status).toBe(200);
    expect(ping.body).toEqual({});
    expect(ping.headers.get('x-mbx-used-weight-1m')).toBe('1');
    h.clock.advanceTo(T0 + 1234);
    const time = await h.client.send('GET', '/fapi/v1/time');
    expect(time.body).toEqual({ serverTime: T0 + 1234 });
    expect(time.headers.get('x-mbx-used-weight-1m')).toBe('2');
  });

  it('answers an unknown path with 404 and a wrong method with 405, both with the weight header', async () => {
    h = await startServer();
    const missing = await h.client.send('GET', '/fapi/v1/nothing');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-mbx-used-weight-1m')).toBe('1');
    const wrong = await h.client.send('PUT', '/fapi/v1/ping');
    expect(wrong.status).toBe(405);
  });

  it('lists the engine instruments in exchangeInfo with Binance filter shapes and the USD-M rate limits', async () => {
    h = await startServer();
    const res = await h.client.send('GET', '/fapi/v1/exchangeInfo');
    const body = res.body as { rateLimits: unknown[]; symbols: { symbol: string; filters: unknown[] }[] };
    // Limits: Binance USD-M exchangeInfo (REQUEST_WEIGHT 2400/min, ORDERS 1200/min and 300/10 s).
    expect(body.rateLimits).toEqual([
      { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 2400 },
      { rateLimitType: 'ORDERS', interval: 'MINUTE', intervalNum: 1, limit: 1200 },
      { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 300 },
    ]);
    expect(body.symbols.map((s) => s.symbol)).toEqual(['BTCUSDT']);
    // BTCUSDT values as Binance's fapi exchangeInfo published them (src/venues/sim/instruments.ts).
    expect(body.symbols[0]?.filters).toEqual(
      expect.arrayContaining([
        { filterType: 'PRICE_FILTER', minPrice: '556.80', maxPrice: '4529764', tickSize: '0.10' },
        { filterType: 'LOT_SIZE', minQty: '0.001', maxQty: '1000', stepSize: '0.001' },
        { filterType: 'MARKET_LOT_SIZE', minQty: '0.001', maxQty: '120', stepSize: '0.001' },
        { filterType: 'MIN_NOTIONAL', notional: '100' },
      ]),
    );
  });

  it('serves fed and seeded candles from GET /fapi/v1/klines as Binance rows', async () => {
    h = await startServer();
    const bar = (openTime: number, close: number) => ({
      symbol: 'BTCUSDT',
      interval: '1m' as const,
      openTime,
      open: 50000,
      high: 50100,
      low: 49900,
      close,
      volume: 12.5,
      quoteVolume: 625000,
      trades: 42,
      takerBuyVolume: 6,
      takerBuyQuoteVolume: 300000,
      closed: true,
      synthetic: false,
    });
    h.server.seedKlines([bar(T0 - 120_000, 50010)]);
    h.server.feedCandle(bar(T0 - 60_000, 50020));
    const res = await h.client.send('GET', '/fapi/v1/klines', {
      query: 'symbol=BTCUSDT&interval=1m&limit=1',
    });
    expect(res.body).toEqual([
      [
        T0 - 60_000,
        '50000.00',
        '50100.00',
        '49900.00',
        '50020.00',
        '12.500',
        T0 - 1,
        '625000.00000000',
        42,
        '6.000',
        '300000.00000000',
        '0',
      ],
    ]);
    const all = await h.client.send('GET', '/fapi/v1/klines', { query: 'symbol=BTCUSDT&interval=1m' });
    expect((all.body as unknown[]).length).toBe(2);
    const bad = await h.client.send('GET', '/fapi/v1/klines', { query: 'symbol=BTCUSDT&interval=7m' });
    expect(bad.body).toEqual({ code: -1120, msg: 'Invalid interval.' });
  });
});

describe('SimServer signing (Binance published example vectors)', () => {
  // Reference: /work/shared/reference/binance-api.md section 1 (Binance "SIGNED endpoint examples").
  const QUERY =
    'symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559';
  const SIG = 'c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71';
  const MIXED_Q = 'symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC';
  const MIXED_B = 'quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559';
  const MIXED_SIG = '0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77';

  it('the test signer reproduces both published signatures', () => {
    expect(sign(EXAMPLE_SECRET, QUERY)).toBe(SIG);
    expect(sign(EXAMPLE_SECRET, MIXED_Q + MIXED_B)).toBe(MIXED_SIG);
  });

  it('accepts the published query, body and query+body requests (they pass auth and reach the order check)', async () => {
    // The server clock sits 100 ms after the example's timestamp.
    h = await startServer({}, 1_499_827_319_559 + 100);
    const client = h.client;
    const invalidSymbol = { code: -1121, msg: 'Invalid symbol.' };
    const q = await client.send('POST', '/fapi/v1/order', { query: `${QUERY}&signature=${SIG}` });
    expect(q.body).toEqual(invalidSymbol);
    const b = await client.send('POST', '/fapi/v1/order', { body: `${QUERY}&signature=${SIG}` });
    expect(b.body).toEqual(invalidSymbol);
    const m = await client.send('POST', '/fapi/v1/order', {
      query: MIXED_Q,
      body: `${MIXED_B}&signature=${MIXED_SIG}`,
    });
    expect(m.body).toEqual(invalidSymbol);
    // One parameter changed after signing: the same signature no longer matches.
    const tampered = await client.send('POST', '/fapi/v1/order', {
      query: `${QUERY.replace('quantity=1', 'quantity=2')}&signature=${SIG}`,
    });
    expect(tampered.status).toBe(400);
    expect(tampered.body).toEqual({ code: -1022, msg: 'Signature for this request is not valid.' });
  });
});

describe('SimServer security errors', () => {
  it('answers -2015 (HTTP 401) for a wrong or missing API key', async () => {
    h = await startServer();
    const wrong = await h.client.signed('GET', '/fapi/v2/balance', {}, { key: 'not-the-key' });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ code: -2015, msg: 'Invalid API-key, IP, or permissions for action.' });
    const missing = await h.client.signed('GET', '/fapi/v2/balance', {}, { key: null });
    expect(missing.status).toBe(401);
    const listenKey = await h.client.send('POST', '/fapi/v1/listenKey', { key: 'nope' });
    expect(listenKey.body).toEqual({ code: -2015, msg: 'Invalid API-key, IP, or permissions for action.' });
  });

  it('answers -1022 for a request signed with another secret', async () => {
    h = await startServer();
    const res = await h.client.signed('GET', '/fapi/v2/balance', {}, { secret: 'another-secret' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ code: -1022, msg: 'Signature for this request is not valid.' });
  });

  it('answers -1021 outside recvWindow (default 5000 ms) and 1000 ms ahead, and accepts a wider recvWindow', async () => {
    h = await startServer();
    const old = await h.client.signed('GET', '/fapi/v2/balance', {}, { timestamp: T0 - 5001 });
    expect(old.status).toBe(400);
    expect(old.body).toEqual({
      code: -1021,
      msg: 'Timestamp for this request is outside of the recvWindow.',
    });
    const edge = await h.client.signed('GET', '/fapi/v2/balance', {}, { timestamp: T0 - 5000 });
    expect(edge.status).toBe(200);
    const ahead = await h.client.signed('GET', '/fapi/v2/balance', {}, { timestamp: T0 + 1000 });
    expect(ahead.body).toEqual({
      code: -1021,
      msg: "Timestamp for this request was 1000ms ahead of the server's time.",
    });
    const nearlyAhead = await h.client.signed('GET', '/fapi/v2/balance', {}, { timestamp: T0 + 999 });
    expect(nearlyAhead.status).toBe(200);
    const wide = await h.client.signed(
      'GET',
      '/fapi/v2/balance',
      { recvWindow: '10000' },
      { timestamp: T0 - 5001 },
    );
    expect(wide.status).toBe(200);
  });
});

describe('SimServer orders', () => {
  it('fills a signed MARKET order: response, ORDER_TRADE_UPDATE on the user stream, balance and positionRisk after', async () => {
    h = await startServer();
    h.server.feedTrade(trade(50000, 5, T0 - 10));
    const lk = await h.client.send('POST', '/fapi/v1/listenKey');
    const listenKey = (lk.body as { listenKey: string }).listenKey;
    expect(listenKey).toMatch(/^[A-Za-z0-9]{64}$/);
    const user = await Probe.open(`${h.urls.wsUrl}/ws/${listenKey}`);

    const res = await h.client.signed('POST', '/fapi/v1/order', {
      symbol: 'BTCUSDT',
      side: 'BUY',
      type: 'MARKET',
      quantity: '0.010',
      newClientOrderId: 'round-trip-1',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-mbx-order-count-10s')).toBe('1');
    expect(res.headers.get('x-mbx-order-count-1m')).toBe('1');
    // POST listenKey weighs 1; POST order 0 on the IP limit (Binance USD-M "New Order" page).
    expect(res.headers.get('x-mbx-used-weight-1m')).toBe('1');
    const order = res.body as Record<string, unknown>;
    expect(order).toMatchObject({
      symbol: 'BTCUSDT',
      clientOrderId: 'round-trip-1',
      status: 'FILLED',
      side: 'BUY',
      type: 'MARKET',
      positionSide: 'BOTH',
    });
    expect(dec(order.executedQty)).toBe('0.01');
    expect(num(order.avgPrice)).toBe(50000);

    const otuNew = await user.next();
    expect(otuNew.e).toBe('ORDER_TRADE_UPDATE');
    expect(otuNew.o).toMatchObject({ s: 'BTCUSDT', c: 'round-trip-1', x: 'NEW', X: 'NEW', i: order.orderId });
    const otuTrade = await user.next();
    const o = otuTrade.o as Record<string, unknown>;
    expect(o).toMatchObject({
      x: 'TRADE',
      X: 'FILLED',
      S: 'BUY',
      o: 'MARKET',
      N: 'USDT',
      m: false,
      ps: 'BOTH',
    });
    expect(dec(o.l)).toBe('0.01');
    expect(num(o.L)).toBe(50000);
    // Taker fee, Binance USD-M VIP 0: 0.05 % of 0.01 x 50000 = 0.25 USDT.
    expect(num(o.n)).toBe(0.25);
    const acct = await user.next();
    expect(acct.e).toBe('ACCOUNT_UPDATE');
    expect((acct.a as { m: string }).m).toBe('ORDER');

    const bal = await h.client.signed('GET', '/fapi/v2/balance');
    const usdt = (bal.body as Record<string, unknown>[]).find((b) => b.asset === 'USDT');
    expect(num(usdt?.balance)).toBe(9999.75);
    const pos = await h.client.signed('GET', '/fapi/v2/positionRisk', { symbol: 'BTCUSDT' });
    const p = (pos.body as Record<string, unknown>[])[0];
    expect(p).toMatchObject({ symbol: 'BTCUSDT', positionSide: 'BOTH', marginType: 'cross', leverage: '20' });
    expect(dec(p?.positionAmt)).toBe('0.01');
    expect(num(p?.entryPrice)).toBe(50000);

    const q = await h.client.signed('GET', '/fapi/v1/order', {
      symbol: 'BTCUSDT',
      origClientOrderId: 'round-trip-1',
    });
    expect((q.body as { status: string }).status).toBe('FILLED');
    const acc = await h.client.signed('GET', '/fapi/v2/account');
    expect(num((acc.body as { totalWalletBalance: string }).totalWalletBalance)).toBe(9999.75);
    user.close();
  });

  it('passes the engine filter rejections with Binance USD-M codes (-4004 min qty, -4014 tick, -4164 notional)', async () => {
    h = await startServer();
    h.server.feedTrade(trade(50000, 5, T0 - 10));
    const base = { symbol: 'BTCUSDT', side: 'BUY', timeInForce: 'GTC', type: 'LIMIT' };
    const minQty = await h.client.signed('POST', '/fapi/v1/order', {
      ...base,
      quantity: '0.0005',
      price: '49000',
    });
    expect(minQty.status).toBe(400);
    expect(minQty.body).toEqual({ code: -4004, msg: 'Quantity less than min quantity.' });
    const tick = await h.client.signed('POST', '/fapi/v1/order', {
      ...base,
      quantity: '0.01',
      price: '49000.05',
    });
    expect(tick.body).toEqual({ code: -4014, msg: 'Price not increased by tick size.' });
    const notional = await h.client.signed('POST', '/fapi/v1/order', {
      ...base,
      quantity: '0.001',
      price: '49000',
    });
    expect((notional.body as { code: number }).code).toBe(-4164);
    const stop = await h.client.signed('POST', '/fapi/v1/order', {
      ...base,
      type: 'STOP_MARKET',
      quantity: '0.01',
    });
    expect(stop.body).toEqual({
      code: -4120,
      msg: 'Order type not supported for this endpoint. Please use the Algo Order API endpoints instead.',
    });
  });

  it('rests, lists and cancels a LIMIT order; unknown cancels answer -2011', async () => {
    h = await startServer();
    h.server.feedTrade(trade(50000, 5, T0 - 10));
    const res = await h.client.signed('POST', '/fapi/v1/order', {
      symbol: 'BTCUSDT',
      side: 'BUY',
      type: 'LIMIT',
      timeInForce: 'GTC',
      quantity: '0.01',
      price: '49000.0',
    });
    expect((res.body as { status: string }).status).toBe('NEW');
    const open = await h.client.signed('GET', '/fapi/v1/openOrders', { symbol: 'BTCUSDT' });
    expect((open.body as unknown[]).length).toBe(1);
    const id = String((res.body as { orderId: number }).orderId);
    const del = await h.client.signed('DELETE', '/fapi/v1/order', { symbol: 'BTCUSDT', orderId: id });
    expect((del.body as { status: string }).status).toBe('CANCELED');
    const again = await h.client.signed('DELETE', '/fapi/v1/order', { symbol: 'BTCUSDT', orderId: id });
    expect(again.body).toEqual({ code: -2011, msg: 'Unknown order sent.' });
    const lev = await h.client.signed('POST', '/fapi/v1/leverage', { symbol: 'BTCUSDT', leverage: '10' });
    expect(lev.body).toMatchObject({ symbol: 'BTCUSDT', leverage: 10 });
    const mt = await h.client.signed('POST', '/fapi/v1/marginType', {
      symbol: 'BTCUSDT',
      marginType: 'CROSSED',
    });
    expect(mt.body).toEqual({ code: -4046, msg: 'No need to change margin type.' });
  });
});

describe('SimServer v3 account endpoints and premiumIndex', () => {
  it('v3 positionRisk lists open positions only, v3 balance matches v2, premiumIndex echoes the fed mark price', async () => {
    h = await startServer({
      engine: {
        instruments: [USDM_BTCUSDT, USDM_ETHUSDT],
        balances: { USDT: '10000' },
      },
    });
    h.server.feedTrade(trade(50000, 5, T0 - 10));
    h.server.feedMarkPrice({
      symbol: 'BTCUSDT',
      time: T0 - 5,
      markPrice: 50100,
      indexPrice: 50090,
      fundingRate: 0.0001,
      nextFundingTime: T0 + 3_600_000,
    });
    await h.client.signed('POST', '/fapi/v1/order', {
      symbol: 'BTCUSDT',
      side: 'SELL',
      type: 'MARKET',
      quantity: '0.01',
    });
    const v2 = await h.client.signed('GET', '/fapi/v2/positionRisk');
    expect((v2.body as { symbol: string }[]).map((p) => p.symbol).sort()).toEqual(['BTCUSDT', 'ETHUSDT']);
    const v3 = await h.client.signed('GET', '/fapi/v3/positionRisk');
    const rows = v3.body as Record<string, unknown>[];
    expect(rows.map((p) => p.symbol)).toEqual(['BTCUSDT']);
    expect(dec(rows[0]?.positionAmt)).toBe('-0.01');
    // Short 0.01 from 50000, mark 50100: unrealised -1 USDT; initial margin 0.01 x 50100 / 20 = 25.05.
    expect(num(rows[0]?.unRealizedProfit)).toBe(-1);
    expect(num(rows[0]?.initialMargin)).toBe(25.05);
    const b2 = await h.client.signed('GET', '/fapi/v2/balance');
    const b3 = await h.client.signed('GET', '/fapi/v3/balance');
    expect(b3.body).toEqual(b2.body);
    const premium = await h.client.send('GET', '/fapi/v1/premiumIndex', { query: 'symbol=BTCUSDT' });
    expect(premium.body).toMatchObject({
      symbol: 'BTCUSDT',
      markPrice: '50100.00',
      indexPrice: '50090.00',
      lastFundingRate: '0.00010000',
      nextFundingTime: T0 + 3_600_000,
    });
  });

  it('takes the query-string value when a parameter is sent in both query and body (Binance rule)', async () => {
    h = await startServer();
    const query = `symbol=BTCUSDT&leverage=5&timestamp=${T0}`;
    const body = 'leverage=7';
    const res = await h.client.send('POST', '/fapi/v1/leverage', {
      query: `${query}&signature=${sign(EXAMPLE_SECRET, query + body)}`,
      body,
    });
    expect(res.body).toMatchObject({ symbol: 'BTCUSDT', leverage: 5 });
  });
});

describe('SimServer rate limits', () => {
  it('answers 429 with Retry-After over the weight limit, then 418 when the client keeps going', async () => {
    h = await startServer({ rateLimits: { requestWeightPerMinute: 3, banAfter429s: 1, banMs: 120_000 } });
    // T0 is 20 s into its minute: the window resets in 40 s.
    for (const used of ['1', '2', '3']) {
      const r = await h.client.send('GET', '/fapi/v1/ping');
      expect(r.status).toBe(200);
      expect(r.headers.get('x-mbx-used-weight-1m')).toBe(used);
    }
    const limited = await h.client.send('GET', '/fapi/v1/ping');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('40');
    expect((limited.body as { code: number }).code).toBe(-1003);
    const banned = await h.client.send('GET', '/fapi/v1/ping');
    expect(banned.status).toBe(418);
    expect(banned.headers.get('retry-after')).toBe('120');
    // Still banned in the next minute window; served again once the ban is over.
    h.clock.advanceTo(T0 + 60_000);
    expect((await h.client.send('GET', '/fapi/v1/ping')).status).toBe(418);
    h.clock.advanceTo(T0 + 120_000);
    expect((await h.client.send('GET', '/fapi/v1/ping')).status).toBe(200);
  });

  it('answers 429 -1015 over the 10 s order count', async () => {
    h = await startServer({ rateLimits: { ordersPer10s: 1 } });
    h.server.feedTrade(trade(50000, 5, T0 - 10));
    const params = { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.01' };
    expect((await h.client.signed('POST', '/fapi/v1/order', params)).status).toBe(200);
    const second = await h.client.signed('POST', '/fapi/v1/order', params);
    expect(second.status).toBe(429);
    expect((second.body as { code: number }).code).toBe(-1015);
    expect(second.headers.get('x-mbx-order-count-10s')).toBe('2');
  });
});
