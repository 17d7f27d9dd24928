import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../core/clock.js';
import {
  OrderOutcomeUnknownError,
  VenueRateLimitedError,
  VenueRejectedError,
  VenueTransportError,
} from './errors.js';
import { defaultRateLimits, RateLimitTracker } from './rate-limit.js';
import { buildRequest, type BuiltRequest } from './request.js';
import { LoopbackServer } from './test-server.js';
import { BinanceTransport } from './transport.js';

const T0 = 1_700_000_000_000; // a minute boundary + 20 s (1_700_000_000_000 % 60_000 = 20_000)
const get = (path: string): BuiltRequest =>
  buildRequest({ method: 'GET', path, security: 'none' }, undefined, undefined);
const post = (path: string): BuiltRequest =>
  buildRequest(
    { method: 'POST', path, security: 'none', query: { symbol: 'BTCUSDT' } },
    undefined,
    undefined,
  );

/** Let pending socket I/O and promise callbacks run (no timers involved). */
const io = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('BinanceTransport against a loopback server', () => {
  let server: LoopbackServer;
  let clock: SimulatedClock;
  let transport: BinanceTransport;
  let halts: number[];

  beforeEach(async () => {
    server = await LoopbackServer.start();
    clock = new SimulatedClock(T0);
    halts = [];
    transport = new BinanceTransport({
      baseUrl: server.url,
      clock,
      scheduler: clock,
      rateLimits: defaultRateLimits('futures'),
      timeoutMs: 5000,
      onHalt: (until) => halts.push(until),
    });
  });

  afterEach(async () => {
    transport.close();
    await server.close();
  });

  it('reuses one keep-alive connection for consecutive requests', async () => {
    server.handler = () => ({ body: { serverTime: 1 } });
    for (let i = 0; i < 3; i++) expect(await transport.send(get('/fapi/v1/time'))).toEqual({ serverTime: 1 });
    expect(server.requests).toHaveLength(3);
    expect(server.connections).toBe(1);
  });

  it('maps a 4xx Binance error body to VenueRejectedError with code and msg', async () => {
    server.handler = () => ({ status: 400, body: { code: -1013, msg: 'Filter failure: LOT_SIZE' } });
    const error = await transport.send(post('/fapi/v1/order')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VenueRejectedError);
    expect(error).toMatchObject({
      code: 'VENUE_REJECTED',
      venueCode: -1013,
      venueMsg: 'Filter failure: LOT_SIZE',
      status: 400,
    });
  });

  it('on 429 stops, waits Retry-After on the injected clock, then sends again', async () => {
    server.handler = () => ({
      status: 429,
      headers: { 'Retry-After': '7' },
      body: { code: -1003, msg: 'Too many requests' },
    });
    const first = await transport.send(get('/fapi/v1/time')).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(VenueRateLimitedError);
    expect(first).toMatchObject({ status: 429, retryAt: T0 + 7000, halted: false });

    server.handler = () => ({ body: { serverTime: 2 } });
    await expect(transport.send(get('/fapi/v1/time'), { whenPaused: 'reject' })).rejects.toMatchObject({
      code: 'VENUE_RATE_LIMITED',
      retryAt: T0 + 7000,
    });
    const waiting = transport.send(get('/fapi/v1/time'));
    await io();
    clock.advanceTo(T0 + 6999);
    await io();
    expect(server.requests).toHaveLength(1); // nothing sent during the pause
    clock.advanceTo(T0 + 7000);
    expect(await waiting).toEqual({ serverTime: 2 });
    expect(server.requests).toHaveLength(2);
  });

  it('on 418 halts every later request without sending it and reports the halt', async () => {
    server.handler = () => ({
      status: 418,
      headers: { 'Retry-After': '120' },
      body: { code: -1003, msg: 'banned' },
    });
    await expect(transport.send(get('/fapi/v1/time'))).rejects.toMatchObject({ status: 418, halted: true });
    expect(halts).toEqual([T0 + 120_000]);
    await expect(transport.send(get('/fapi/v1/time'))).rejects.toMatchObject({ halted: true });
    expect(server.requests).toHaveLength(1);
  });

  it('throttles before the weight limit: waits for the next minute window', async () => {
    // futures REQUEST_WEIGHT 2400/min, headroom 90% = 2160
    server.handler = () => ({ headers: { 'X-MBX-USED-WEIGHT-1M': '2150' }, body: {} });
    await transport.send(get('/fapi/v1/exchangeInfo'));
    expect(transport.limits.used('REQUEST_WEIGHT', 60_000, clock.now())).toBe(2150);
    const waiting = transport.send(get('/fapi/v1/klines'), { weight: 20 });
    await io();
    expect(server.requests).toHaveLength(1);
    clock.advanceTo(T0 + 40_000); // next minute boundary (T0 is 20 s into its minute)
    await waiting;
    expect(server.requests).toHaveLength(2);
  });

  it('records order-count headers', async () => {
    server.handler = () => ({
      headers: { 'X-MBX-ORDER-COUNT-10S': '3', 'X-MBX-ORDER-COUNT-1M': '9' },
      body: {},
    });
    await transport.send(post('/fapi/v1/order'), { isOrder: true });
    expect(transport.limits.used('ORDERS', 10_000, clock.now())).toBe(3);
    expect(transport.limits.used('ORDERS', 60_000, clock.now())).toBe(9);
  });

  it('a 5xx on an order submit is ORDER_OUTCOME_UNKNOWN and is not retried', async () => {
    server.handler = () => ({
      status: 503,
      body: { code: -1000, msg: 'Unknown error, please check your request or try again later.' },
    });
    const error = await transport
      .send(post('/fapi/v1/order'), { isOrder: true, clientOrderId: 'cid-1' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OrderOutcomeUnknownError);
    expect(error).toMatchObject({ code: 'ORDER_OUTCOME_UNKNOWN', clientOrderId: 'cid-1' });
    await io();
    expect(server.requests).toHaveLength(1);
  });

  it('a 5xx on a read is a retryable VENUE_TRANSPORT error', async () => {
    server.handler = () => ({ status: 502, body: 'Bad gateway' });
    await expect(transport.send(get('/fapi/v1/time'))).rejects.toBeInstanceOf(VenueTransportError);
  });

  it('a submit that times out (injected clock) is ORDER_OUTCOME_UNKNOWN; a read that times out is VENUE_TRANSPORT', async () => {
    server.handler = () => 'hang';
    const received = server.nextRequest();
    const submit = transport
      .send(post('/fapi/v1/order'), { isOrder: true, clientOrderId: 'cid-2' })
      .catch((e: unknown) => e);
    await received;
    clock.advanceTo(T0 + 5000);
    const error = await submit;
    expect(error).toBeInstanceOf(OrderOutcomeUnknownError);
    expect(error).toMatchObject({ context: { timedOut: true } });

    const received2 = server.nextRequest();
    const read = transport.send(get('/fapi/v1/time')).catch((e: unknown) => e);
    await received2;
    clock.advanceTo(T0 + 10_000);
    expect(await read).toBeInstanceOf(VenueTransportError);
    expect(server.requests).toHaveLength(2);
  });

  it('each request times out at its own deadline, also after earlier requests were answered in time', async () => {
    // requests at T0 (answered), T0+1000 (hangs), T0+3000 (hangs): one shared timer, re-armed per deadline
    let n = 0;
    server.handler = () => (n++ === 0 ? { body: { serverTime: 1 } } : 'hang');
    expect(await transport.send(get('/fapi/v1/time'))).toEqual({ serverTime: 1 });
    clock.advanceTo(T0 + 1000);
    let received = server.nextRequest();
    let firstDone = false;
    const first = transport
      .send(get('/fapi/v1/time'))
      .catch((e: unknown) => e)
      .finally(() => (firstDone = true));
    await received;
    clock.advanceTo(T0 + 3000);
    received = server.nextRequest();
    let secondDone = false;
    const second = transport
      .send(get('/fapi/v1/time'))
      .catch((e: unknown) => e)
      .finally(() => (secondDone = true));
    await received;
    clock.advanceTo(T0 + 5000); // the first request's (already answered) deadline: nothing fails
    await io();
    expect([firstDone, secondDone]).toEqual([false, false]);
    clock.advanceTo(T0 + 5999);
    await io();
    expect(firstDone).toBe(false);
    clock.advanceTo(T0 + 6000);
    expect(await first).toMatchObject({ context: { timedOut: true } });
    await io();
    expect(secondDone).toBe(false);
    clock.advanceTo(T0 + 8000);
    expect(await second).toMatchObject({ context: { timedOut: true } });
  });

  it('a submit refused before connecting was not placed: VENUE_TRANSPORT, not unknown', async () => {
    const closed = await LoopbackServer.start();
    const url = closed.url;
    await closed.close();
    const t = new BinanceTransport({ baseUrl: url, clock, scheduler: clock, rateLimits: [] });
    const error = await t.send(post('/fapi/v1/order'), { clientOrderId: 'cid-3' }).catch((e: unknown) => e);
    t.close();
    expect(error).toBeInstanceOf(VenueTransportError);
    expect(error).toMatchObject({ context: { errno: 'ECONNREFUSED' } });
  });

  it('a submit that times out while still queued behind another was not placed: VENUE_TRANSPORT with sent false', async () => {
    // one connection: the second submit waits in the client's queue and never reaches the server
    const t = new BinanceTransport({
      baseUrl: server.url,
      clock,
      scheduler: clock,
      rateLimits: [],
      timeoutMs: 5000,
      maxSockets: 1,
    });
    server.handler = () => 'hang';
    const received = server.nextRequest();
    const first = t
      .send(post('/fapi/v1/order'), { isOrder: true, clientOrderId: 'cid-4' })
      .catch((e: unknown) => e);
    await received;
    const second = t
      .send(post('/fapi/v1/order'), { isOrder: true, clientOrderId: 'cid-5' })
      .catch((e: unknown) => e);
    await io();
    clock.advanceTo(T0 + 5000);
    const [e1, e2] = await Promise.all([first, second]);
    t.close();
    expect(e1).toBeInstanceOf(OrderOutcomeUnknownError);
    expect(e2).toBeInstanceOf(VenueTransportError);
    expect(e2).toMatchObject({ context: { timedOut: true, sent: false } });
    expect(server.requests).toHaveLength(1);
  });

  it('keeps a base URL path prefix (e.g. a simulator mounted under /binance)', async () => {
    const t = new BinanceTransport({
      baseUrl: `${server.url}/binance/`,
      clock,
      scheduler: clock,
      rateLimits: [],
    });
    await t.send(get('/api/v3/time'));
    t.close();
    expect(server.requests[0]?.path).toBe('/binance/api/v3/time');
  });
});

describe('RateLimitTracker', () => {
  it('forgets a counter once its window has rolled over', () => {
    const t = new RateLimitTracker(defaultRateLimits('spot'));
    t.update({ 'x-mbx-used-weight-1m': '5990' }, 60_000 * 10 + 5);
    expect(t.used('REQUEST_WEIGHT', 60_000, 60_000 * 10 + 59_999)).toBe(5990);
    expect(t.used('REQUEST_WEIGHT', 60_000, 60_000 * 11)).toBe(0);
    expect(t.sendableAt(60_000 * 10 + 10, 1, false)).toBe(60_000 * 11);
  });

  it('counts reserved orders against the 10 s order limit before headers arrive', () => {
    const t = new RateLimitTracker(defaultRateLimits('spot')); // ORDERS 100 / 10 s, headroom 90
    for (let i = 0; i < 90; i++) t.reserve(1000, 1, true);
    expect(t.sendableAt(1000, 1, true)).toBe(10_000);
    expect(t.sendableAt(1000, 1, false)).toBe(1000);
  });
});

describe('rate-limit policy', () => {
  it('while paused, an order submit is refused at once (reads wait); a request heavier than the headroom still goes in an empty window', async () => {
    const server = await LoopbackServer.start();
    const clock = new SimulatedClock(T0);
    const t = new BinanceTransport({
      baseUrl: server.url,
      clock,
      scheduler: clock,
      rateLimits: defaultRateLimits('futures'),
    });
    try {
      server.handler = () => ({
        status: 429,
        headers: { 'Retry-After': '5' },
        body: { code: -1003, msg: 'Too many requests' },
      });
      await expect(t.send(get('/fapi/v1/time'))).rejects.toMatchObject({ status: 429 });
      await expect(
        t.send(post('/fapi/v1/order'), { isOrder: true, clientOrderId: 'c' }),
      ).rejects.toMatchObject({
        code: 'VENUE_RATE_LIMITED',
        status: 0,
        retryAt: T0 + 5000,
      });
      expect(server.requests).toHaveLength(1);
      clock.advanceTo(T0 + 40_000); // pause over and a new minute window (T0 is 20 s into its minute)
      server.handler = () => ({ body: {} });
      await t.send(get('/fapi/v1/exchangeInfo'), { weight: 5000 });
      expect(server.requests).toHaveLength(2);
    } finally {
      t.close();
      await server.close();
    }
  });
});
