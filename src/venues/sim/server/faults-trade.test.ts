/**
 * End to end: the TradeEngine (src/trade/engine.ts) trading through BinanceFuturesVenue (REST + user
 * data stream) against SimServer over real sockets, while SimServer loses or fails the entry order's
 * answer. The engine's documented rule: an unknown submit is resolved by queryOrder and resubmitted
 * (same client order id, once) only when the venue has no such order. Checked on the server side: how
 * many entry orders exist, and the position.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../../core/clock.js';
import { EventBus } from '../../../core/event-bus.js';
import { MemoryLogger } from '../../../core/logger.js';
import { Counters } from '../../../core/metrics.js';
import { type AegisTopics, TOPICS } from '../../../domain/events.js';
import { TradeEngine } from '../../../trade/engine.js';
import { RISK, signal } from '../../../trade/test-support/fixtures.js';
import { FuturesRestClient } from '../../binance/clients.js';
import { defaultRateLimits } from '../../binance/rate-limit.js';
import { HmacSigner } from '../../binance/signing.js';
import { BinanceTransport } from '../../binance/transport.js';
import { BinanceFuturesVenue } from '../../binance/venue.js';
import { USDM_BTCUSDT } from '../instruments.js';
import type { FaultSpec } from './faults.js';
import { SimServer } from './server.js';
import { EXAMPLE_KEY, EXAMPLE_SECRET, PlainClient, T0 } from './test-support.js';

let closeAll: (() => Promise<void>) | undefined;
afterEach(async () => {
  await closeAll?.();
  closeAll = undefined;
});

/** The fixture signal (src/trade/test-support/fixtures.ts): BUY BTCUSDT, entry 50,000, 0.1 BTC. */
async function run(faults: FaultSpec) {
  const clock = new SimulatedClock(T0);
  const server = new SimServer({
    apiKey: EXAMPLE_KEY,
    apiSecret: EXAMPLE_SECRET,
    engine: { instruments: [USDM_BTCUSDT], balances: { USDT: '10000' } },
    clock,
    housekeepingIntervalMs: 0,
  });
  const urls = await server.start();
  server.feedQuote({
    symbol: 'BTCUSDT',
    time: T0,
    bidPrice: 49999.9,
    bidQty: 5,
    askPrice: 50000,
    askQty: 5,
    updateId: 1,
  });
  const transport = new BinanceTransport({
    baseUrl: urls.restUrl,
    clock,
    scheduler: clock,
    rateLimits: defaultRateLimits('futures'),
  });
  const client = new FuturesRestClient({
    transport,
    clock,
    credentials: { apiKey: EXAMPLE_KEY, signer: new HmacSigner(EXAMPLE_SECRET) },
  });
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  const venue = new BinanceFuturesVenue({
    client,
    name: 'binance-futures-sim',
    userStream: {
      wsBaseUrl: urls.wsUrl,
      clock,
      scheduler: clock,
      random: () => 0.5,
      onReady: (r) => {
        if (r) markReady();
      },
    },
  });
  await venue.start();
  await ready;
  const logger = new MemoryLogger();
  const bus = new EventBus<AegisTopics>(TOPICS, { logger });
  const counters = new Counters();
  const engine = new TradeEngine({
    bus,
    clock,
    venue,
    logger,
    counters,
    config: { risk: RISK, rotation: { margin: 0.1, cooldownMs: 600_000 }, quoteAsset: 'USDT' },
    isStale: () => false,
  });
  await engine.start();
  closeAll = async () => {
    engine.stop();
    await venue.stop();
    transport.close();
    await server.stop();
  };
  const protectedPosition = new Promise<void>((resolve) => {
    // the stop-loss and take-profit are the last orders the engine places for a new position
    let algos = 0;
    venue.onExecution((u) => {
      if (u.kind === 'order' && u.order.type !== 'MARKET' && u.order.status === 'new' && ++algos === 2) {
        resolve();
      }
    });
  });
  server.injectFaults(faults);
  bus.publish('SIGNAL_GENERATED', signal());
  await engine.idle();
  await protectedPosition;
  await engine.idle();
  const positions = server.engine.positions().map((p) => [p.symbol, p.positionAmt]);
  // every order the server holds, as GET /fapi/v1/allOrders lists them
  const plain = new PlainClient(urls.restUrl, EXAMPLE_KEY, EXAMPLE_SECRET, clock);
  const all = (await plain.signed('GET', '/fapi/v1/allOrders', { symbol: 'BTCUSDT' })).body as {
    clientOrderId: string;
    type: string;
    status: string;
  }[];
  const orders = all.map((o) => [o.clientOrderId, o.type, o.status]);
  return { server, engine, counters, positions, orders };
}

describe('TradeEngine over BinanceFuturesVenue survives SimServer losing the entry answer', () => {
  it('lost response: the entry is found by query, never resubmitted, one position of 0.1', async () => {
    const r = await run({ http: [{ kind: 'lose-response', method: 'POST', path: '/fapi/v1/order' }] });
    expect(r.server.faultStats.lostResponses).toBe(1);
    expect(r.engine.order('T1-sig1-e')?.status).toBe('filled');
    expect(r.counters.get('trade.orders.resubmitted')).toBe(0);
    expect(r.orders).toEqual([['T1-sig1-e', 'MARKET', 'FILLED']]);
    expect(r.positions).toEqual([['BTCUSDT', '0.1']]);
  });

  it('5xx before execution: the query finds nothing, the one resubmit places the entry once', async () => {
    const r = await run({ http: [{ kind: 'error', status: 503, method: 'POST', path: '/fapi/v1/order' }] });
    expect(r.server.faultStats.errors).toBe(1);
    expect(r.engine.order('T1-sig1-e')?.status).toBe('filled');
    expect(r.counters.get('trade.orders.resubmitted')).toBe(1);
    expect(r.orders).toEqual([['T1-sig1-e', 'MARKET', 'FILLED']]);
    expect(r.positions).toEqual([['BTCUSDT', '0.1']]);
  });
});
