import { afterEach, describe, expect, it } from 'vitest';
import { Decimal } from '../../../domain/decimal.js';
import { Probe, startServer, T0, trade, type Harness } from './test-support.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.server.stop();
  h = undefined;
});

const quote = (time: number) => ({
  symbol: 'BTCUSDT',
  time,
  bidPrice: 50000,
  bidQty: 1.5,
  askPrice: 50000.1,
  askQty: 2,
  updateId: 77,
});

async function listenKey(hh: Harness): Promise<string> {
  const res = await hh.client.send('POST', '/fapi/v1/listenKey');
  return (res.body as { listenKey: string }).listenKey;
}

describe('SimServer market streams', () => {
  it('combined stream: SUBSCRIBE/LIST_SUBSCRIPTIONS answers and wrapped aggTrade/bookTicker for fed events', async () => {
    h = await startServer();
    const ws = await Probe.open(`${h.urls.wsUrl}/stream?streams=btcusdt@aggTrade`);
    ws.send({ method: 'SUBSCRIBE', params: ['btcusdt@bookTicker'], id: 1 });
    expect(await ws.next()).toEqual({ result: null, id: 1 });
    ws.send({ method: 'LIST_SUBSCRIPTIONS', id: 2 });
    expect(await ws.next()).toEqual({ result: ['btcusdt@aggTrade', 'btcusdt@bookTicker'], id: 2 });

    h.server.feedTrade({
      symbol: 'BTCUSDT',
      time: T0 + 5,
      price: 50012.3,
      qty: 0.25,
      buyerIsMaker: true,
      id: 901,
    });
    // Futures aggTrade layout (reference binance-api.md section 4): no "M" field.
    expect(await ws.next()).toEqual({
      stream: 'btcusdt@aggTrade',
      data: {
        e: 'aggTrade',
        E: T0 + 5,
        a: 901,
        s: 'BTCUSDT',
        p: '50012.30',
        q: '0.250',
        f: 901,
        l: 901,
        T: T0 + 5,
        m: true,
      },
    });
    h.server.feedQuote(quote(T0 + 6));
    expect(await ws.next()).toEqual({
      stream: 'btcusdt@bookTicker',
      data: {
        e: 'bookTicker',
        u: 77,
        s: 'BTCUSDT',
        b: '50000.00',
        B: '1.500',
        a: '50000.10',
        A: '2.000',
        T: T0 + 6,
        E: T0 + 6,
      },
    });

    ws.send({ method: 'UNSUBSCRIBE', params: ['btcusdt@aggTrade'], id: 3 });
    expect(await ws.next()).toEqual({ result: null, id: 3 });
    h.server.feedTrade(trade(50013, 1, T0 + 7, 902));
    h.server.feedQuote(quote(T0 + 8));
    const after = await ws.next();
    expect(after.stream).toBe('btcusdt@bookTicker'); // the trade was not sent
    ws.close();
  });

  it('closes a socket that sends more than the allowed control messages in one second (USD-M: 10)', async () => {
    h = await startServer();
    const ws = await Probe.open(`${h.urls.wsUrl}/ws`);
    for (let id = 1; id <= 11; id++) ws.send({ method: 'LIST_SUBSCRIPTIONS', id });
    const closed = await ws.closed;
    expect(closed.code).toBe(1008);
    expect(ws.frames.length).toBe(10);
  });

  it('raw /ws/<stream> frames are unwrapped; markPrice and kline payloads follow Binance fields', async () => {
    h = await startServer();
    const ws = await Probe.open(`${h.urls.wsUrl}/ws/btcusdt@markPrice@1s/btcusdt@kline_1m`);
    h.server.feedMarkPrice({
      symbol: 'BTCUSDT',
      time: T0,
      markPrice: 50001.2,
      indexPrice: 50000.9,
      fundingRate: 0.0001,
      nextFundingTime: T0 + 3_600_000,
    });
    expect(await ws.next()).toEqual({
      e: 'markPriceUpdate',
      E: T0,
      s: 'BTCUSDT',
      p: '50001.20',
      i: '50000.90',
      P: '50000.90',
      r: '0.00010000',
      T: T0 + 3_600_000,
    });
    h.server.feedCandle({
      symbol: 'BTCUSDT',
      interval: '1m',
      openTime: T0,
      open: 1,
      high: 2,
      low: 0.5,
      close: 1.5,
      volume: 3,
      quoteVolume: 4,
      trades: 5,
      takerBuyVolume: 1,
      takerBuyQuoteVolume: 2,
      closed: false,
      synthetic: false,
    });
    const k = await ws.next();
    expect(k.e).toBe('kline');
    expect(k.k).toMatchObject({ t: T0, T: T0 + 59_999, i: '1m', o: '1.00', c: '1.50', x: false, n: 5 });
    ws.close();
  });
});

describe('SimServer user data stream', () => {
  it('an algo STOP_MARKET fires when a fed trade crosses it: ALGO_UPDATE then ORDER_TRADE_UPDATE', async () => {
    h = await startServer();
    h.server.feedTrade(trade(50000, 5, T0 - 10));
    const user = await Probe.open(`${h.urls.wsUrl}/ws/${await listenKey(h)}`);
    await h.client.signed('POST', '/fapi/v1/order', {
      symbol: 'BTCUSDT',
      side: 'BUY',
      type: 'MARKET',
      quantity: '0.01',
    });
    for (const e of ['ORDER_TRADE_UPDATE', 'ORDER_TRADE_UPDATE', 'ACCOUNT_UPDATE'])
      expect((await user.next()).e).toBe(e);

    const res = await h.client.signed('POST', '/fapi/v1/algoOrder', {
      algoType: 'CONDITIONAL',
      symbol: 'BTCUSDT',
      side: 'SELL',
      type: 'STOP_MARKET',
      triggerPrice: '49000.0',
      closePosition: 'true',
      workingType: 'CONTRACT_PRICE',
      clientAlgoId: 'stop-1',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      clientAlgoId: 'stop-1',
      algoType: 'CONDITIONAL',
      orderType: 'STOP_MARKET',
      algoStatus: 'NEW',
      closePosition: true,
    });
    const algoId = (res.body as { algoId: number }).algoId;
    expect((await user.next()).o).toMatchObject({ caid: 'stop-1', aid: algoId, X: 'NEW', o: 'STOP_MARKET' });
    const openAlgo = await h.client.signed('GET', '/fapi/v1/openAlgoOrders', { symbol: 'BTCUSDT' });
    expect((openAlgo.body as { algoId: number }[]).map((a) => a.algoId)).toEqual([algoId]);
    // Regular order queries do not see algo orders (reference section 5).
    const open = await h.client.signed('GET', '/fapi/v1/openOrders', { symbol: 'BTCUSDT' });
    expect(open.body).toEqual([]);

    h.server.feedTrade(trade(49500, 1, T0 + 1, 2)); // above the trigger: nothing
    h.server.feedTrade(trade(48900, 1, T0 + 2, 3)); // crosses 49000
    const seen: string[] = [];
    for (;;) {
      const ev = await user.next();
      const o = ev.o as Record<string, unknown> | undefined;
      seen.push(
        ev.e === 'ALGO_UPDATE'
          ? `ALGO:${String(o?.X)}`
          : ev.e === 'ORDER_TRADE_UPDATE'
            ? `OTU:${String(o?.x)}`
            : String(ev.e),
      );
      if (ev.e === 'ORDER_TRADE_UPDATE' && o?.x === 'TRADE') {
        expect(o).toMatchObject({ c: 'stop-1', S: 'SELL', o: 'MARKET', ot: 'STOP_MARKET', X: 'FILLED' });
        expect(Number(o.L)).toBe(48900);
        expect(Decimal.parse(String(o.z)).toString()).toBe('0.01');
      }
      if (seen.includes('ALGO:FINISHED') && seen.includes('ACCOUNT_UPDATE')) break;
    }
    expect(seen).toEqual([
      'ALGO:TRIGGERING',
      'ALGO:TRIGGERED',
      'OTU:NEW',
      'OTU:TRADE',
      'ALGO:FINISHED',
      'ACCOUNT_UPDATE',
    ]);
    const pos = await h.client.signed('GET', '/fapi/v2/positionRisk', { symbol: 'BTCUSDT' });
    expect(Decimal.parse(String((pos.body as { positionAmt: string }[])[0]?.positionAmt)).isZero()).toBe(
      true,
    );
    const after = await h.client.signed('GET', '/fapi/v1/openAlgoOrders');
    expect(after.body).toEqual([]);
    user.close();
  });

  it('a canceled algo order reports ALGO_UPDATE CANCELED and leaves the open list', async () => {
    h = await startServer();
    h.server.feedTrade(trade(50000, 5, T0 - 10));
    const user = await Probe.open(`${h.urls.wsUrl}/ws/${await listenKey(h)}`);
    const res = await h.client.signed('POST', '/fapi/v1/algoOrder', {
      algoType: 'CONDITIONAL',
      symbol: 'BTCUSDT',
      side: 'BUY',
      type: 'STOP_MARKET',
      triggerPrice: '51000.0',
      quantity: '0.01',
    });
    const algoId = String((res.body as { algoId: number }).algoId);
    expect(((await user.next()).o as { X: string }).X).toBe('NEW');
    const del = await h.client.signed('DELETE', '/fapi/v1/algoOrder', { algoId });
    expect(del.body).toMatchObject({ algoId: Number(algoId), code: '200', msg: 'success' });
    expect(((await user.next()).o as { X: string }).X).toBe('CANCELED');
    const again = await h.client.signed('DELETE', '/fapi/v1/algoOrder', { algoId });
    expect((again.body as { code: number }).code).toBe(-2011);
    user.close();
  });

  it('a listenKey expires after its TTL: listenKeyExpired, the socket closes, PUT answers -1125', async () => {
    h = await startServer({ listenKeyTtlMs: 60_000 });
    const key = await listenKey(h);
    const user = await Probe.open(`${h.urls.wsUrl}/ws/${key}`);
    h.clock.advanceTo(T0 + 30_000);
    const put = await h.client.send('PUT', '/fapi/v1/listenKey');
    expect(put.body).toEqual({ listenKey: key }); // extended to T0 + 90 s
    h.clock.advanceTo(T0 + 89_999);
    h.server.housekeep();
    expect(h.server.connections).toBe(1);
    h.clock.advanceTo(T0 + 90_000);
    h.server.housekeep();
    expect(await user.next()).toEqual({ e: 'listenKeyExpired', E: T0 + 90_000, listenKey: key });
    expect((await user.closed).code).toBe(1000);
    const late = await h.client.send('PUT', '/fapi/v1/listenKey');
    expect(late.body).toEqual({ code: -1125, msg: 'This listenKey does not exist.' });
    const fresh = await listenKey(h);
    expect(fresh).not.toBe(key);
  });

  it('closes every socket at the maximum connection age, measured on the server clock', async () => {
    h = await startServer({ maxConnectionAgeMs: 5_000 });
    const first = await Probe.open(`${h.urls.wsUrl}/ws/btcusdt@aggTrade`);
    h.clock.advanceTo(T0 + 3_000);
    const second = await Probe.open(`${h.urls.wsUrl}/stream?streams=btcusdt@bookTicker`);
    h.clock.advanceTo(T0 + 5_000);
    h.server.feedTrade(trade(50000, 1, T0 + 5_000)); // feeds check the deadlines too
    expect((await first.closed).code).toBe(1000);
    expect(h.server.connections).toBe(1);
    h.clock.advanceTo(T0 + 8_000);
    h.server.housekeep();
    expect((await second.closed).code).toBe(1000);
    expect(h.server.connections).toBe(0);
  });

  it('pings every socket on the server clock and closes the one that never answers with a pong', async () => {
    h = await startServer({ pingIntervalMs: 1_000, pongTimeoutMs: 3_000 });
    const answering = await Probe.open(`${h.urls.wsUrl}/ws/btcusdt@aggTrade`);
    const silent = await Probe.open(`${h.urls.wsUrl}/ws/btcusdt@bookTicker`, { autoPong: false });
    h.clock.advanceTo(T0 + 999);
    h.server.housekeep();
    h.clock.advanceTo(T0 + 1_000);
    h.server.housekeep();
    await Promise.all([answering.pinged(1), silent.pinged(1)]);
    expect(answering.pings).toBe(1); // nothing was sent at T0 + 999
    // The pong left before this request on the same connection, so the server has seen it once answered.
    answering.send({ method: 'LIST_SUBSCRIPTIONS', id: 9 });
    expect(await answering.next()).toEqual({ result: ['btcusdt@aggTrade'], id: 9 });
    h.clock.advanceTo(T0 + 3_000);
    h.server.housekeep();
    expect((await silent.closed).code).toBe(1000);
    expect(h.server.connections).toBe(1);
    answering.close();
  });

  it('stop() closes every socket and the listener', async () => {
    h = await startServer();
    const a = await Probe.open(`${h.urls.wsUrl}/ws/btcusdt@aggTrade`);
    const b = await Probe.open(`${h.urls.wsUrl}/ws/${await listenKey(h)}`);
    const { restUrl } = h.urls;
    await h.server.stop();
    h = undefined;
    await Promise.all([a.closed, b.closed]);
    await expect(fetch(`${restUrl}/fapi/v1/ping`)).rejects.toThrow();
  });

  it('DELETE listenKey closes its user stream; the key is then unknown to PUT', async () => {
    h = await startServer();
    const user = await Probe.open(`${h.urls.wsUrl}/ws/${await listenKey(h)}`);
    expect((await h.client.send('DELETE', '/fapi/v1/listenKey')).body).toEqual({});
    expect((await user.closed).code).toBe(1000);
    expect((await h.client.send('PUT', '/fapi/v1/listenKey')).body).toEqual({
      code: -1125,
      msg: 'This listenKey does not exist.',
    });
  });

  it('refuses a WebSocket to an unknown listenKey', async () => {
    h = await startServer();
    await expect(Probe.open(`${h.urls.wsUrl}/ws/notAKey`)).rejects.toThrow(/400/);
  });
});
