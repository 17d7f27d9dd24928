/**
 * SimServer's spot WebSocket API (/ws-api/v3, ws-api.ts): first with a plain `ws` client signing with
 * node:crypto (not the AEGIS adapter, so the server is checked against Binance's rules: HMAC-SHA256 over
 * the params sorted by name, "Request security" of the spot WebSocket API docs), then with the AEGIS
 * SpotUserStream (subscribe, events, termination -> resubscribe -> resync -> ready, dropped socket ->
 * reconnect -> resync -> ready). Spot BTCUSDT (SPOT_BTCUSDT filters), 10,000 USDT + 0.5 BTC.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { HmacSigner } from '../../binance/signing.js';
import { parseSpotUserEvent, type SpotUserEvent } from '../../binance/spot-user-events.js';
import { SpotUserStream } from '../../binance/spot-user-stream.js';
import { SPOT_BTCUSDT } from '../instruments.js';
import { EXAMPLE_KEY, EXAMPLE_SECRET, Probe, sign, startServer, T0, type Harness } from './test-support.js';

let h: Harness | undefined;
const cleanups: (() => void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) c();
  await h?.server.stop();
  h = undefined;
});

async function spotServer(): Promise<Harness> {
  h = await startServer({
    engine: { instruments: [SPOT_BTCUSDT], balances: { USDT: '10000', BTC: '0.5' } },
  });
  // bid 30,000.00 / ask 30,000.01, 2 BTC each
  h.server.feedQuote({
    symbol: 'BTCUSDT',
    time: T0,
    bidPrice: 30000,
    bidQty: 2,
    askPrice: 30000.01,
    askQty: 2,
    updateId: 1,
  });
  return h;
}

/** Signed params the way Binance documents it: sorted `name=value` joined with `&`, HMAC hex. */
function signed(params: Record<string, string | number>, secret = EXAMPLE_SECRET): Record<string, unknown> {
  const payload = Object.keys(params)
    .sort()
    .map((k) => `${k}=${String(params[k])}`)
    .join('&');
  return { ...params, signature: sign(secret, payload) };
}

async function openProbe(harness: Harness): Promise<Probe> {
  const probe = await Probe.open(harness.urls.wsApiUrl);
  cleanups.push(() => {
    probe.close();
  });
  return probe;
}

describe('SimServer /ws-api/v3 on the wire', () => {
  it('answers userDataStream.subscribe.signature, refuses bad key / signature / timestamp / logon in the WS API error shape', async () => {
    const harness = await spotServer();
    const probe = await openProbe(harness);
    const now = harness.clock.now();
    probe.send({
      id: 'bad-sig',
      method: 'userDataStream.subscribe.signature',
      params: signed({ apiKey: EXAMPLE_KEY, timestamp: now }, 'not-the-secret'),
    });
    probe.send({
      id: 'bad-key',
      method: 'userDataStream.subscribe.signature',
      params: signed({ apiKey: 'someone-else', timestamp: now }),
    });
    probe.send({
      id: 'old',
      method: 'userDataStream.subscribe.signature',
      // 5001 ms old with the default recvWindow 5000
      params: signed({ apiKey: EXAMPLE_KEY, timestamp: now - 5001 }),
    });
    probe.send({
      id: 'logon',
      method: 'session.logon',
      params: signed({ apiKey: EXAMPLE_KEY, timestamp: now }),
    });
    probe.send({
      id: 'ok',
      method: 'userDataStream.subscribe.signature',
      params: signed({ apiKey: EXAMPLE_KEY, timestamp: now, recvWindow: 5000 }),
    });
    const answers = [
      await probe.next(),
      await probe.next(),
      await probe.next(),
      await probe.next(),
      await probe.next(),
    ];
    expect(answers).toEqual([
      { id: 'bad-sig', status: 400, error: { code: -1022, msg: 'Signature for this request is not valid.' } },
      {
        id: 'bad-key',
        status: 401,
        error: { code: -2015, msg: 'Invalid API-key, IP, or permissions for action.' },
      },
      {
        id: 'old',
        status: 400,
        error: { code: -1021, msg: 'Timestamp for this request is outside of the recvWindow.' },
      },
      {
        id: 'logon',
        status: 400,
        error: { code: -1002, msg: 'You are not authorized to execute this request.' },
      },
      { id: 'ok', status: 200, result: { subscriptionId: 0 } },
    ]);
    expect(harness.server.wsApi.subscriptionCount).toBe(1);
  });

  it('pushes executionReport and outboundAccountPosition wrapped with the subscriptionId; unsubscribe stops them', async () => {
    const harness = await spotServer();
    const probe = await openProbe(harness);
    probe.send({
      id: 1,
      method: 'userDataStream.subscribe.signature',
      params: signed({ apiKey: EXAMPLE_KEY, timestamp: harness.clock.now() }),
    });
    expect(await probe.next()).toMatchObject({ id: 1, status: 200, result: { subscriptionId: 0 } });
    const placed = await harness.client.signed('POST', '/api/v3/order', {
      symbol: 'BTCUSDT',
      side: 'BUY',
      type: 'MARKET',
      quantity: '0.01000',
      newClientOrderId: 'mkt-1',
    });
    expect(placed.status).toBe(200);
    const frames = [await probe.next(), await probe.next(), await probe.next()];
    expect(frames.map((f) => [f.subscriptionId, (f.event as { e: string }).e])).toEqual([
      [0, 'executionReport'],
      [0, 'executionReport'],
      [0, 'outboundAccountPosition'],
    ]);
    // the AEGIS parser reads them as Binance's (spot-user-events.ts follows the User Data Stream page)
    const parsed = frames.map((f) => parseSpotUserEvent(JSON.stringify(f)));
    expect(parsed[0]).toMatchObject({
      type: 'order',
      venueType: 'MARKET',
      order: { clientOrderId: 'mkt-1', status: 'new', filledQuantity: '0.00000000' },
    });
    // 0.01 at the ask 30,000.01, taker 0.1 % of the BTC received = 0.00001 BTC
    expect(parsed[1]).toMatchObject({
      type: 'order',
      order: { clientOrderId: 'mkt-1', status: 'filled' },
      fill: {
        price: '30000.01000000',
        quantity: '0.01000000',
        commission: '0.00001000',
        commissionAsset: 'BTC',
        maker: false,
      },
    });
    const account = parsed[2] as Extract<SpotUserEvent, { type: 'balances' }>;
    expect(account.type).toBe('balances');
    // BTC 0.5 + 0.01 - 0.00001; USDT 10000 - 300.0001
    expect(Object.fromEntries(account.balances.map((b) => [b.asset, [b.free, b.locked]]))).toEqual({
      BTC: [0.50999, 0],
      USDT: [9699.9999, 0],
    });
    probe.send({ id: 2, method: 'userDataStream.unsubscribe', params: { subscriptionId: 0 } });
    expect(await probe.next()).toEqual({ id: 2, status: 200, result: {} });
    await harness.client.signed('POST', '/api/v3/order', {
      symbol: 'BTCUSDT',
      side: 'SELL',
      type: 'MARKET',
      quantity: '0.01000',
      newClientOrderId: 'mkt-2',
    });
    // frames on one socket are ordered: the answer to a later request comes next, no event before it
    probe.send({ id: 3, method: 'no.such.method' });
    expect(await probe.next()).toEqual({
      id: 3,
      status: 400,
      error: { code: -1000, msg: 'Unknown method no.such.method.' },
    });
  });

  it('fault terminateUserStreams sends eventStreamTerminated to each subscription and ends it', async () => {
    const harness = await spotServer();
    const probe = await openProbe(harness);
    probe.send({
      id: 1,
      method: 'userDataStream.subscribe.signature',
      params: signed({ apiKey: EXAMPLE_KEY, timestamp: harness.clock.now() }),
    });
    await probe.next();
    const res = await fetch(`${harness.urls.restUrl}/sim/faults`, {
      method: 'POST',
      body: JSON.stringify({ terminateUserStreams: true }),
    });
    expect(res.status).toBe(200);
    expect(await probe.next()).toEqual({
      subscriptionId: 0,
      event: { e: 'eventStreamTerminated', E: harness.clock.now() },
    });
    expect(harness.server.faultStats.terminatedStreams).toBe(1);
    expect(harness.server.wsApi.subscriptionCount).toBe(0);
  });
});

describe('SpotUserStream against the simulator', () => {
  function stream(harness: Harness) {
    const events: SpotUserEvent[] = [];
    const readiness: boolean[] = [];
    let resyncs = 0;
    let waiters: (() => void)[] = [];
    const wake = (): void => {
      const w = waiters;
      waiters = [];
      for (const f of w) f();
    };
    const until = async (cond: () => boolean): Promise<void> => {
      while (!cond()) await new Promise<void>((resolve) => waiters.push(resolve));
    };
    const s = new SpotUserStream({
      wsApiUrl: harness.urls.wsApiUrl,
      apiKey: EXAMPLE_KEY,
      signer: new HmacSigner(EXAMPLE_SECRET),
      timestamp: () => harness.clock.now(),
      clock: harness.clock,
      scheduler: harness.clock,
      random: () => 0.5,
      backoffInitialMs: 1000,
      onEvent: (e) => {
        events.push(e);
        wake();
      },
      resync: () => {
        resyncs++;
        return Promise.resolve();
      },
      onReady: (r) => {
        readiness.push(r);
        wake();
      },
    });
    cleanups.push(() => {
      s.stop();
    });
    return { s, events, readiness, until, resyncs: () => resyncs };
  }

  it('subscribes, resyncs, turns ready and delivers the order events', async () => {
    const harness = await spotServer();
    const t = stream(harness);
    t.s.start();
    await t.until(() => t.s.ready);
    expect(t.resyncs()).toBe(1);
    await harness.client.signed('POST', '/api/v3/order', {
      symbol: 'BTCUSDT',
      side: 'BUY',
      type: 'LIMIT',
      timeInForce: 'GTC',
      quantity: '0.01000',
      price: '29000.00',
      newClientOrderId: 'lim-1',
    });
    await t.until(() => t.events.some((e) => e.type === 'order'));
    expect(t.events[0]).toMatchObject({
      type: 'order',
      venueType: 'LIMIT',
      // Binance writes spot decimals with 8 places
      order: { clientOrderId: 'lim-1', status: 'new', price: '29000.00000000', quantity: '0.01000000' },
    });
  });

  it('eventStreamTerminated: not ready, subscribes again, resyncs, ready again', async () => {
    const harness = await spotServer();
    const t = stream(harness);
    t.s.start();
    await t.until(() => t.s.ready);
    harness.server.injectFaults({ terminateUserStreams: true });
    await t.until(() => t.readiness.length >= 3);
    expect(t.readiness).toEqual([true, false, true]);
    expect(t.resyncs()).toBe(2);
    expect(t.s.counters).toMatchObject({ connects: 1, subscriptions: 2, terminations: 1 });
    expect(harness.server.wsApi.subscriptionCount).toBe(1);
  });

  it('a dropped socket: not ready, reconnects after the backoff (scheduler time), resyncs, ready again', async () => {
    const harness = await spotServer();
    const t = stream(harness);
    t.s.start();
    await t.until(() => t.s.ready);
    harness.server.injectFaults({ dropSockets: 'user' });
    await t.until(() => !t.s.ready);
    // backoff: random 0.5 * initial 1000 ms = 500 ms on the simulated clock
    harness.clock.advanceTo(harness.clock.now() + 500);
    await t.until(() => t.s.ready);
    expect(t.readiness).toEqual([true, false, true]);
    expect(t.resyncs()).toBe(2);
    expect(t.s.counters).toMatchObject({ connects: 2, subscriptions: 2 });
  });

  it('a refused subscription (wrong secret: -1022) is reported and never turns ready', async () => {
    const harness = await spotServer();
    const errors: number[] = [];
    let notify: () => void = () => undefined;
    const refused = new Promise<void>((resolve) => {
      notify = resolve;
    });
    const s = new SpotUserStream({
      wsApiUrl: harness.urls.wsApiUrl,
      apiKey: EXAMPLE_KEY,
      signer: new HmacSigner('wrong-secret'),
      timestamp: () => harness.clock.now(),
      clock: harness.clock,
      scheduler: harness.clock,
      random: () => 0.5,
      onEvent: () => undefined,
      resync: () => Promise.resolve(),
      onRequestError: (e) => {
        errors.push(e.code);
        notify();
      },
    });
    cleanups.push(() => {
      s.stop();
    });
    s.start();
    await refused;
    expect(errors).toEqual([-1022]);
    expect(s.ready).toBe(false);
  });
});
