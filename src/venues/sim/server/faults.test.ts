/**
 * SimServer fault injection (faults.ts), one fault at a time, through the control endpoint POST
 * /sim/faults and through SimServerOptions.faults. The client is the plain fetch + HMAC client of
 * test-support.ts; socket checks await frames (a control-message reply is the barrier proving that a
 * frame was not sent before it: one socket delivers in order). No wall-clock sleep anywhere; the only
 * timer is the injected response delay itself, which the test awaits as a response.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ConfigError } from '../../../core/errors.js';
import { faultSpecFromArg } from './faults.js';
import { Probe, startServer, T0, trade, type Harness } from './test-support.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.server.stop();
  h = undefined;
});

const limitBuy = (cid: string): Record<string, string> => ({
  symbol: 'BTCUSDT',
  side: 'BUY',
  type: 'LIMIT',
  timeInForce: 'GTC',
  quantity: '0.010',
  price: '20000.0',
  newClientOrderId: cid,
});

async function control(
  harness: Harness,
  method: string,
  spec?: unknown,
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${harness.urls.restUrl}/sim/faults`, {
    method,
    ...(spec === undefined ? {} : { body: typeof spec === 'string' ? spec : JSON.stringify(spec) }),
  });
  return { status: res.status, body: await res.json() };
}

async function orderByCid(harness: Harness, cid: string): Promise<unknown> {
  const r = await harness.client.signed('GET', '/fapi/v1/order', {
    symbol: 'BTCUSDT',
    origClientOrderId: cid,
  });
  return r.body;
}

/** A socket that keeps every frame as text (Probe parses JSON, which a malformed frame is not). */
async function rawSocket(
  url: string,
): Promise<{ ws: WebSocket; texts: string[]; next: () => Promise<string> }> {
  const ws = new WebSocket(url);
  const texts: string[] = [];
  let read = 0;
  let wake: (() => void) | undefined;
  ws.on('message', (d: Buffer) => {
    texts.push(d.toString('utf8'));
    wake?.();
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => {
      resolve();
    });
    ws.once('error', reject);
  });
  const next = async (): Promise<string> => {
    while (read >= texts.length) {
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
    return texts[read++] as string;
  };
  return { ws, texts, next };
}

describe('SimServer /sim/faults control endpoint', () => {
  it('shows the armed faults, refuses a bad spec naming the field and value, and clears on DELETE', async () => {
    h = await startServer();
    const bad = await control(h, 'POST', { http: [{ kind: 'error', status: 404 }] });
    expect(bad.status).toBe(400);
    expect((bad.body as { msg: string }).msg).toMatch(/http\.0\.status.*\(got 404\)/);
    const unknownField = await control(h, 'POST', { dropSocket: 'market' });
    expect(unknownField.status).toBe(400);
    expect((unknownField.body as { msg: string }).msg).toMatch(/dropSocket/);
    const notJson = await control(h, 'POST', '{oops');
    expect(notJson.status).toBe(400);
    expect((notJson.body as { msg: string }).msg).toMatch(/not JSON/);

    const armed = await control(h, 'POST', {
      clockSkewMs: 250,
      http: [{ kind: 'error', path: '/fapi/v1/order', count: 2 }],
    });
    expect(armed.status).toBe(200);
    expect(armed.body).toMatchObject({
      clockSkewMs: 250,
      http: [{ spec: { kind: 'error', path: '/fapi/v1/order', count: 2 }, remaining: 2 }],
    });
    const cleared = await control(h, 'DELETE');
    expect(cleared.body).toMatchObject({ clockSkewMs: 0, http: [] });
  });

  it('arms faults from SimServerOptions.faults and refuses a malformed config with a ConfigError', async () => {
    h = await startServer({ faults: { clockSkewMs: -3000 } });
    const time = await h.client.send('GET', '/fapi/v1/time');
    expect(time.body).toEqual({ serverTime: T0 - 3000 });
    await expect(startServer({ faults: { clockSkewMs: 1.5 } })).rejects.toBeInstanceOf(ConfigError);
  });
});

describe('SimServer HTTP faults', () => {
  it('5xx without execution: 503 + Binance unknown-error body, no order exists, the next request is served', async () => {
    h = await startServer();
    await control(h, 'POST', { http: [{ kind: 'error', method: 'POST', path: '/fapi/v1/order' }] });
    // another path is not affected by a path-bound fault
    expect((await h.client.send('GET', '/fapi/v1/ping')).status).toBe(200);
    const failed = await h.client.signed('POST', '/fapi/v1/order', limitBuy('e-1'));
    expect(failed.status).toBe(503);
    expect(failed.body).toEqual({
      code: -1000,
      msg: 'Unknown error, please check your request or try again later.',
    });
    expect(h.server.engine.openOrders()).toEqual([]);
    expect(await orderByCid(h, 'e-1')).toEqual({ code: -2013, msg: 'Order does not exist.' });
    const again = await h.client.signed('POST', '/fapi/v1/order', limitBuy('e-1'));
    expect(again.status).toBe(200);
    expect(h.server.faultStats.errors).toBe(1);
  });

  it('5xx with execution: the order is placed although the answer is 502', async () => {
    h = await startServer();
    await control(h, 'POST', {
      http: [{ kind: 'error', status: 502, executed: true, path: '/fapi/v1/order' }],
    });
    const failed = await h.client.signed('POST', '/fapi/v1/order', limitBuy('e-2'));
    expect(failed.status).toBe(502);
    expect(await orderByCid(h, 'e-2')).toMatchObject({ clientOrderId: 'e-2', status: 'NEW' });
  });

  it('lost response: the order is placed and the connection is destroyed without an answer', async () => {
    h = await startServer();
    await control(h, 'POST', { http: [{ kind: 'lose-response', method: 'POST', path: '/fapi/v1/order' }] });
    await expect(h.client.signed('POST', '/fapi/v1/order', limitBuy('lost-1'))).rejects.toThrow(
      /fetch failed/,
    );
    expect(h.server.faultStats.lostResponses).toBe(1);
    expect(h.server.engine.openOrders().map((o) => o.clientOrderId)).toEqual(['lost-1']);
    expect(await orderByCid(h, 'lost-1')).toMatchObject({ clientOrderId: 'lost-1', status: 'NEW' });
  });

  it('delay: the request is served at once and answered later; count 2 affects exactly two requests', async () => {
    h = await startServer();
    await control(h, 'POST', { http: [{ kind: 'delay', ms: 20, path: '/fapi/v1/time', count: 2 }] });
    for (let i = 0; i < 3; i++) {
      const r = await h.client.send('GET', '/fapi/v1/time');
      expect(r.body).toEqual({ serverTime: T0 });
    }
    expect(h.server.faultStats.delayed).toBe(2);
  });

  it('count 0 keeps a fault armed until cleared', async () => {
    h = await startServer({ faults: { http: [{ kind: 'error', path: '/fapi/v1/ping', count: 0 }] } });
    for (let i = 0; i < 4; i++) expect((await h.client.send('GET', '/fapi/v1/ping')).status).toBe(503);
    await control(h, 'DELETE');
    expect((await h.client.send('GET', '/fapi/v1/ping')).status).toBe(200);
  });
});

describe('SimServer clock, listenKey and rate-limit faults', () => {
  it('clock skew moves serverTime and the recvWindow check: a client on the true clock is now ahead', async () => {
    h = await startServer();
    expect((await h.client.signed('GET', '/fapi/v2/balance')).status).toBe(200);
    await control(h, 'POST', { clockSkewMs: -1500 });
    expect((await h.client.send('GET', '/fapi/v1/time')).body).toEqual({ serverTime: T0 - 1500 });
    const ahead = await h.client.signed('GET', '/fapi/v2/balance');
    expect(ahead.body).toEqual({
      code: -1021,
      msg: "Timestamp for this request was 1000ms ahead of the server's time.",
    });
    // a client that syncs to serverTime (as AEGIS does) is accepted again
    expect((await h.client.signed('GET', '/fapi/v2/balance', {}, { timestamp: T0 - 1500 })).status).toBe(200);
  });

  it('expireListenKey: the user socket gets listenKeyExpired and is closed; the key is gone', async () => {
    h = await startServer();
    const key = ((await h.client.send('POST', '/fapi/v1/listenKey')).body as { listenKey: string }).listenKey;
    const user = await Probe.open(`${h.urls.wsUrl}/ws/${key}`);
    await control(h, 'POST', { expireListenKey: true });
    expect(await user.next()).toEqual({ e: 'listenKeyExpired', E: T0, listenKey: key });
    expect((await user.closed).code).toBe(1000);
    expect((await h.client.send('PUT', '/fapi/v1/listenKey')).body).toEqual({
      code: -1125,
      msg: 'This listenKey does not exist.',
    });
    expect(h.server.faultStats.expiredListenKeys).toBe(1);
  });

  it('addWeight: the used-weight header jumps and the limit is hit early (429 with Retry-After)', async () => {
    h = await startServer();
    await control(h, 'POST', { addWeight: 2395 });
    const near = await h.client.send('GET', '/fapi/v1/ping');
    expect(near.headers.get('x-mbx-used-weight-1m')).toBe('2396');
    // 2396 + 5 (balance weight) > 2400
    const over = await h.client.signed('GET', '/fapi/v2/balance');
    expect(over.status).toBe(429);
    expect(over.headers.get('retry-after')).toBe('40'); // T0 is 20 s into its minute
  });
});

describe('SimServer WebSocket faults', () => {
  it('dropSockets market: market sockets are terminated (1006), the user socket stays', async () => {
    h = await startServer();
    const key = ((await h.client.send('POST', '/fapi/v1/listenKey')).body as { listenKey: string }).listenKey;
    const market = await Probe.open(`${h.urls.wsUrl}/ws/btcusdt@aggTrade`);
    const user = await Probe.open(`${h.urls.wsUrl}/ws/${key}`);
    await control(h, 'POST', { dropSockets: 'market' });
    expect((await market.closed).code).toBe(1006);
    expect(h.server.connections).toBe(1);
    await h.client.signed('POST', '/fapi/v1/order', limitBuy('still-here'));
    expect(await user.next()).toMatchObject({ e: 'ORDER_TRADE_UPDATE', o: { c: 'still-here', X: 'NEW' } });
    user.close();
  });

  it('dropSockets with a code closes cleanly with that code and reason', async () => {
    h = await startServer();
    const market = await Probe.open(`${h.urls.wsUrl}/stream?streams=btcusdt@aggTrade`);
    await control(h, 'POST', { dropSockets: { target: 'all', code: 1001, reason: 'going away' } });
    expect(await market.closed).toEqual({ code: 1001, reason: 'going away' });
  });

  it('stall: frames are held while stalled and delivered in order when the stall ends on the server clock', async () => {
    h = await startServer();
    const market = await Probe.open(`${h.urls.wsUrl}/ws/btcusdt@aggTrade`);
    await control(h, 'POST', { stall: { target: 'market', ms: 5000 } });
    h.server.feedTrade(trade(30000, 1, T0 + 1, 1));
    h.server.feedTrade(trade(30001, 1, T0 + 2, 2));
    // control replies are not stalled: this reply proves the trades were not written before it
    market.send({ method: 'LIST_SUBSCRIPTIONS', id: 7 });
    expect(await market.next()).toEqual({ result: ['btcusdt@aggTrade'], id: 7 });
    expect(h.server.faultStats.stalledFrames).toBe(2);
    h.clock.advanceTo(T0 + 4999);
    h.server.housekeep();
    market.send({ method: 'LIST_SUBSCRIPTIONS', id: 8 });
    expect(await market.next()).toMatchObject({ id: 8 });
    h.clock.advanceTo(T0 + 5000);
    h.server.housekeep();
    expect(await market.next()).toMatchObject({ e: 'aggTrade', a: 1, p: '30000.00' });
    expect(await market.next()).toMatchObject({ e: 'aggTrade', a: 2, p: '30001.00' });
    market.close();
  });

  it('stall until released: a user socket gets nothing until {release:true}', async () => {
    h = await startServer();
    const key = ((await h.client.send('POST', '/fapi/v1/listenKey')).body as { listenKey: string }).listenKey;
    const user = await Probe.open(`${h.urls.wsUrl}/ws/${key}`);
    await control(h, 'POST', { stall: { target: 'user' } });
    await h.client.signed('POST', '/fapi/v1/order', limitBuy('held'));
    h.clock.advanceTo(T0 + 86_000_000);
    expect(user.frames).toEqual([]);
    await control(h, 'POST', { stall: { target: 'user', release: true } });
    expect(await user.next()).toMatchObject({ e: 'ORDER_TRADE_UPDATE', o: { c: 'held' } });
    user.close();
  });

  it('malformedFrames: the next N publications are each preceded by a broken frame; the real frame follows', async () => {
    h = await startServer();
    const raw = await rawSocket(`${h.urls.wsUrl}/stream?streams=btcusdt@aggTrade`);
    await control(h, 'POST', { malformedFrames: 1 });
    h.server.feedTrade(trade(30000, 1, T0 + 1, 1));
    h.server.feedTrade(trade(30001, 1, T0 + 2, 2));
    const first = await raw.next();
    expect(() => JSON.parse(first) as unknown).toThrow(SyntaxError);
    expect(first.startsWith('{"stream":"btcusdt@aggTrade"')).toBe(true);
    expect(JSON.parse(await raw.next())).toMatchObject({ data: { a: 1 } });
    expect(JSON.parse(await raw.next())).toMatchObject({ data: { a: 2 } });
    expect(h.server.faultStats.malformedSent).toBe(1);
    raw.ws.close();
  });
});

describe('faultSpecFromArg (the --faults command-line argument)', () => {
  it('parses inline JSON and names --faults in every refusal', () => {
    expect(faultSpecFromArg('{"clockSkewMs":-1500,"malformedFrames":2}')).toEqual({
      clockSkewMs: -1500,
      malformedFrames: 2,
    });
    expect(() => faultSpecFromArg('{"clockSkewMs":')).toThrow(/--faults: not valid JSON/);
    expect(() => faultSpecFromArg('{"stall":{"target":"both"}}')).toThrow(/--faults\.stall/);
    expect(() => faultSpecFromArg('@/nonexistent/faults.json')).toThrow(
      /--faults \/nonexistent\/faults.json: cannot read the file/,
    );
  });
});
