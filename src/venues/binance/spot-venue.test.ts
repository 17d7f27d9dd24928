/**
 * BinanceSpotVenue against SimServer's spot paths on 127.0.0.1 (real signing, real sockets): outcome
 * safety under a lost answer and a 5xx, spot type names mapped back, what spot refuses, and the listener
 * fan-out. The cross-implementation behaviour is in src/venues/contract/spot-venue-contract.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../core/clock.js';
import { AegisError } from '../../core/errors.js';
import type { ExecutionUpdate } from '../../domain/ports.js';
import { SPOT_BTCUSDT } from '../sim/instruments.js';
import { EXAMPLE_KEY, EXAMPLE_SECRET, startServer, T0, type Harness } from '../sim/server/test-support.js';
import { SpotRestClient } from './clients.js';
import type { VenueOrder } from './mappers.js';
import { defaultRateLimits } from './rate-limit.js';
import { HmacSigner } from './signing.js';
import { BinanceSpotVenue, spotOrderToEvent } from './spot-venue.js';
import { parseSpotUserEvent } from './spot-user-events.js';
import { BinanceTransport } from './transport.js';
import { SPOT_EXECUTION_REPORT_NEW } from './spot-test-payloads.js';

let h: Harness | undefined;
let transport: BinanceTransport | undefined;
afterEach(async () => {
  transport?.close();
  await h?.server.stop();
  h = undefined;
  transport = undefined;
});

async function rig(): Promise<{ harness: Harness; venue: BinanceSpotVenue }> {
  const harness = await startServer({
    engine: { instruments: [SPOT_BTCUSDT], balances: { USDT: '10000', BTC: '0.5' } },
  });
  h = harness;
  harness.server.feedQuote({
    symbol: 'BTCUSDT',
    time: T0,
    bidPrice: 30000,
    bidQty: 2,
    askPrice: 30000.01,
    askQty: 2,
    updateId: 1,
  });
  transport = new BinanceTransport({
    baseUrl: harness.urls.restUrl,
    clock: harness.clock,
    scheduler: harness.clock,
    rateLimits: defaultRateLimits('spot'),
  });
  const client = new SpotRestClient({
    transport,
    clock: harness.clock,
    credentials: { apiKey: EXAMPLE_KEY, signer: new HmacSigner(EXAMPLE_SECRET) },
  });
  return { harness, venue: new BinanceSpotVenue({ client, name: 'binance-spot-sim' }) };
}

const limitBuy = (clientOrderId: string) =>
  ({
    clientOrderId,
    symbol: 'BTCUSDT',
    side: 'BUY',
    type: 'LIMIT',
    quantity: '0.01000',
    price: '29000.00',
    timeInForce: 'GTC',
  }) as const;

describe('BinanceSpotVenue outcome safety', () => {
  it('a lost answer is `unknown`; queryOrder then finds the order and a blind resubmit is refused (-2010), never duplicated', async () => {
    const { harness, venue } = await rig();
    harness.server.injectFaults({ http: [{ kind: 'lose-response', method: 'POST', path: '/api/v3/order' }] });
    const r = await venue.submitOrder(limitBuy('lost-1'));
    expect(r.kind).toBe('unknown');
    expect(harness.server.faultStats.lostResponses).toBe(1);
    const found = await venue.queryOrder('BTCUSDT', 'lost-1');
    expect(found && [found.status, found.type]).toEqual(['new', 'LIMIT']);
    // Binance spot: an open order's client id again -> -2010 "Duplicate order sent."
    const again = await venue.submitOrder(limitBuy('lost-1'));
    expect(again).toMatchObject({ kind: 'rejected', code: -2010 });
    expect((await venue.openOrders('BTCUSDT')).map((o) => o.clientOrderId)).toEqual(['lost-1']);
  });

  it('a 5xx before execution is `unknown` and queryOrder says the order does not exist (undefined)', async () => {
    const { harness, venue } = await rig();
    harness.server.injectFaults({
      http: [{ kind: 'error', status: 503, executed: false, method: 'POST', path: '/api/v3/order' }],
    });
    expect((await venue.submitOrder(limitBuy('e5-1'))).kind).toBe('unknown');
    expect(await venue.queryOrder('BTCUSDT', 'e5-1')).toBeUndefined();
  });
});

describe('BinanceSpotVenue spot specifics', () => {
  it('maps spot type names back to the domain (STOP_LOSS, TAKE_PROFIT, LIMIT_MAKER)', () => {
    const base: VenueOrder = {
      symbol: 'BTCUSDT',
      orderId: '7',
      clientOrderId: 'x',
      side: 'SELL',
      type: 'STOP_LOSS',
      status: 'new',
      venueStatus: 'NEW',
      price: '0.00000000',
      quantity: '0.1',
      filledQuantity: '0',
      avgPrice: undefined,
      reduceOnly: false,
      time: 1,
      fills: [],
    };
    expect(
      ['STOP_LOSS', 'TAKE_PROFIT', 'LIMIT_MAKER', 'LIMIT', 'MARKET'].map(
        (type) => spotOrderToEvent({ ...base, type }).type,
      ),
    ).toEqual(['STOP_MARKET', 'TAKE_PROFIT_MARKET', 'LIMIT', 'LIMIT', 'MARKET']);
  });

  it('a STOP_MARKET sell is sent as STOP_LOSS and answered as STOP_MARKET; reduceOnly is ignored', async () => {
    const { venue } = await rig();
    const r = await venue.submitOrder({
      clientOrderId: 'sl-1',
      symbol: 'BTCUSDT',
      side: 'SELL',
      type: 'STOP_MARKET',
      quantity: '0.10000',
      stopPrice: '29500.00',
      reduceOnly: true,
    });
    expect(r).toMatchObject({ kind: 'ack', order: { type: 'STOP_MARKET', status: 'new' } });
    expect((await venue.queryOrder('BTCUSDT', 'sl-1'))?.type).toBe('STOP_MARKET');
  });

  it('refuses closePosition and a bad client id without sending; setLeverage only 1; positions []', async () => {
    const { harness, venue } = await rig();
    const before = harness.server.engine.openOrders().length;
    const close = await venue.submitOrder({
      clientOrderId: 'cp-1',
      symbol: 'BTCUSDT',
      side: 'SELL',
      type: 'STOP_MARKET',
      quantity: '0.1',
      stopPrice: '29000.00',
      closePosition: true,
    });
    expect(close).toMatchObject({ kind: 'rejected', code: undefined });
    const bad = await venue.submitOrder({ ...limitBuy('bad id!') });
    expect(bad).toMatchObject({ kind: 'rejected', code: -1100 });
    expect(harness.server.engine.openOrders().length).toBe(before);
    await venue.setLeverage('BTCUSDT', 1);
    await expect(venue.setLeverage('BTCUSDT', 5)).rejects.toBeInstanceOf(AegisError);
    expect(await venue.positions()).toEqual([]);
    await expect(venue.start()).rejects.toMatchObject({ code: 'INVARIANT_BROKEN' });
  });

  it('delivers executionReports to every listener even when one throws; account events are counted, not delivered', () => {
    const reported: string[] = [];
    const venue = new BinanceSpotVenue({
      // never called here: the client only has to exist (nothing listens on 127.0.0.1:9)
      client: new SpotRestClient({
        transport: new BinanceTransport({
          baseUrl: 'http://127.0.0.1:9',
          clock: new SimulatedClock(T0),
          scheduler: new SimulatedClock(T0),
          rateLimits: defaultRateLimits('spot'),
        }),
        clock: new SimulatedClock(T0),
      }),
      onError: (e) => reported.push(e.message),
    });
    const got: ExecutionUpdate[] = [];
    venue.onExecution(() => {
      throw new Error('listener broke');
    });
    const sub = venue.onExecution((u) => got.push(u));
    // the spot "User Data Stream" page's executionReport example (spot-test-payloads.ts)
    const report = parseSpotUserEvent(
      JSON.stringify({ subscriptionId: 0, event: SPOT_EXECUTION_REPORT_NEW }),
    );
    venue.handleUserEvent(report);
    venue.handleUserEvent({ type: 'balances', balances: [] });
    sub.unsubscribe();
    venue.handleUserEvent(report);
    expect(got.map((u) => (u.kind === 'order' ? [u.order.clientOrderId, u.order.status] : []))).toEqual([
      ['mUvoqJxFIILMdfAW5iGSOW', 'new'],
    ]);
    expect([venue.delivered, venue.listenerErrors, venue.accountEvents]).toEqual([2, 2, 1]);
    expect(reported).toEqual(['listener broke', 'listener broke']);
  });
});
