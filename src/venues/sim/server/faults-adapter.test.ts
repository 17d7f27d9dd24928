/**
 * The AEGIS Binance adapter against SimServer's injected faults, over real sockets: BinanceFuturesVenue
 * (REST + user data stream) for lost responses and 5xx, BinanceMarketFeed for malformed frames and a
 * dropped market socket. What "survives correctly" means here (ExecutionVenue contract, src/domain/ports.ts
 * and src/trade/engine.ts): a submit whose answer is lost or 5xx is reported `unknown`, never `ack` or
 * `rejected`; queryOrder by client order id then tells whether it exists; a repeated submit with the same
 * client order id can never create a second order while the first is live.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../../core/clock.js';
import type { OrderRequest } from '../../../domain/order.js';
import type { Trade } from '../../../domain/market.js';
import { FuturesRestClient } from '../../binance/clients.js';
import { BinanceMarketFeed } from '../../binance/market-feed.js';
import { defaultRateLimits } from '../../binance/rate-limit.js';
import { HmacSigner } from '../../binance/signing.js';
import { BinanceTransport } from '../../binance/transport.js';
import { BinanceFuturesVenue } from '../../binance/venue.js';
import { USDM_BTCUSDT } from '../instruments.js';
import { SimServer, type SimServerUrls } from './server.js';
import { EXAMPLE_KEY, EXAMPLE_SECRET, T0, trade } from './test-support.js';

interface Rig {
  readonly server: SimServer;
  readonly urls: SimServerUrls;
  readonly clock: SimulatedClock;
  readonly venue: BinanceFuturesVenue;
  close(): Promise<void>;
}

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

async function venueRig(): Promise<Rig> {
  const clock = new SimulatedClock(T0);
  const server = new SimServer({
    apiKey: EXAMPLE_KEY,
    apiSecret: EXAMPLE_SECRET,
    engine: { instruments: [USDM_BTCUSDT], balances: { USDT: '10000' } },
    clock,
    housekeepingIntervalMs: 0,
  });
  const urls = await server.start();
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
  const venue = new BinanceFuturesVenue({ client, name: 'binance-futures-sim' });
  return {
    server,
    urls,
    clock,
    venue,
    close: async () => {
      transport.close();
      await server.stop();
    },
  };
}

const order = (cid: string): OrderRequest => ({
  clientOrderId: cid,
  symbol: 'BTCUSDT',
  side: 'BUY',
  type: 'LIMIT',
  quantity: '0.010',
  price: '20000.0',
  timeInForce: 'GTC',
});

describe('BinanceFuturesVenue survives SimServer HTTP faults', () => {
  it('lost response: submit is unknown, the query finds the order, a resubmit of the same id cannot duplicate it', async () => {
    rig = await venueRig();
    rig.server.injectFaults({ http: [{ kind: 'lose-response', method: 'POST', path: '/fapi/v1/order' }] });
    const result = await rig.venue.submitOrder(order('lost-1'));
    expect(result.kind).toBe('unknown');
    expect(rig.server.faultStats.lostResponses).toBe(1);
    // the trade layer's rule: query before any retry
    const found = await rig.venue.queryOrder('BTCUSDT', 'lost-1');
    expect([found?.clientOrderId, found?.status, found?.quantity]).toEqual(['lost-1', 'new', '0.01']);
    // even a blind retry cannot place a second order with that id
    const retry = await rig.venue.submitOrder(order('lost-1'));
    expect(retry).toMatchObject({ kind: 'rejected', code: -4116 });
    expect(rig.server.engine.openOrders().map((o) => o.clientOrderId)).toEqual(['lost-1']);
    expect((await rig.venue.openOrders('BTCUSDT')).map((o) => o.clientOrderId)).toEqual(['lost-1']);
  });

  it('5xx before execution: submit is unknown, the query says no such order, the one resubmit places it once', async () => {
    rig = await venueRig();
    rig.server.injectFaults({
      http: [{ kind: 'error', status: 503, method: 'POST', path: '/fapi/v1/order' }],
    });
    expect((await rig.venue.submitOrder(order('e-1'))).kind).toBe('unknown');
    expect(await rig.venue.queryOrder('BTCUSDT', 'e-1')).toBeUndefined();
    const again = await rig.venue.submitOrder(order('e-1'));
    expect(again).toMatchObject({ kind: 'ack', order: { clientOrderId: 'e-1', status: 'new' } });
    expect(rig.server.engine.openOrders().map((o) => o.clientOrderId)).toEqual(['e-1']);
  });

  it('5xx after execution: submit is unknown (not rejected), the query finds the order', async () => {
    rig = await venueRig();
    rig.server.injectFaults({
      http: [{ kind: 'error', status: 500, executed: true, path: '/fapi/v1/order' }],
    });
    expect((await rig.venue.submitOrder(order('e-2'))).kind).toBe('unknown');
    expect((await rig.venue.queryOrder('BTCUSDT', 'e-2'))?.status).toBe('new');
  });

  it('a 5xx on a query is an error of that call, not a wrong answer: the next query sees the truth', async () => {
    rig = await venueRig();
    await rig.venue.submitOrder(order('q-1'));
    rig.server.injectFaults({ http: [{ kind: 'error', method: 'GET', path: '/fapi/v1/order' }] });
    await expect(rig.venue.queryOrder('BTCUSDT', 'q-1')).rejects.toThrow(/503/);
    expect((await rig.venue.queryOrder('BTCUSDT', 'q-1'))?.status).toBe('new');
  });
});

describe('BinanceMarketFeed survives SimServer stream faults', () => {
  async function feedRig(): Promise<{
    server: SimServer;
    clock: SimulatedClock;
    feed: BinanceMarketFeed;
    trades: Trade[];
    nextTrade: () => Promise<Trade>;
    connected: () => Promise<void>;
    close: () => Promise<void>;
  }> {
    const clock = new SimulatedClock(T0);
    const server = new SimServer({
      apiKey: EXAMPLE_KEY,
      apiSecret: EXAMPLE_SECRET,
      engine: { instruments: [USDM_BTCUSDT], balances: { USDT: '10000' } },
      clock,
      housekeepingIntervalMs: 0,
    });
    const urls = await server.start();
    const trades: Trade[] = [];
    let read = 0;
    let wakeTrade: (() => void) | undefined;
    let connects = 0;
    let seenConnects = 0;
    let wakeConnect: (() => void) | undefined;
    const feed = new BinanceMarketFeed({
      wsBaseUrl: urls.wsUrl,
      symbols: ['BTCUSDT'],
      clock,
      scheduler: clock,
      random: () => 0,
      onTrade: (t) => {
        trades.push(t);
        wakeTrade?.();
      },
      onConnected: () => {
        connects++;
        wakeConnect?.();
      },
    });
    feed.start();
    return {
      server,
      clock,
      feed,
      trades,
      nextTrade: async () => {
        while (read >= trades.length) {
          await new Promise<void>((resolve) => {
            wakeTrade = resolve;
          });
        }
        return trades[read++] as Trade;
      },
      connected: async () => {
        while (seenConnects >= connects) {
          await new Promise<void>((resolve) => {
            wakeConnect = resolve;
          });
        }
        seenConnects++;
        // the server registers the socket on upgrade, before the client's open event
      },
      close: async () => {
        feed.stop();
        await server.stop();
      },
    };
  }

  it('a malformed frame is counted and dropped; the real trade that follows is delivered', async () => {
    const f = await feedRig();
    try {
      await f.connected();
      f.server.injectFaults({ malformedFrames: 1 });
      f.server.feedTrade(trade(30000, 1, T0 + 1, 1));
      f.server.feedTrade(trade(30001, 2, T0 + 2, 2));
      expect((await f.nextTrade()).price).toBe(30000);
      expect((await f.nextTrade()).price).toBe(30001);
      expect(f.server.faultStats.malformedSent).toBe(1);
      expect(f.feed.counters.rejected).toBe(1);
      expect(f.feed.counters.delivered).toBe(2);
    } finally {
      await f.close();
    }
  });

  it('a dropped market socket is reopened (backoff on the injected scheduler) and data flows again', async () => {
    const f = await feedRig();
    try {
      await f.connected();
      f.server.injectFaults({ dropSockets: 'market' });
      // the reconnect is scheduled on the simulated clock: run it
      while (f.feed.counters.reconnectsScheduled === 0) {
        await new Promise<void>((resolve) => {
          setImmediate(resolve);
        });
      }
      f.clock.advanceTo(T0 + 60_000);
      await f.connected();
      f.server.feedTrade(trade(30002, 1, T0 + 3, 3));
      expect((await f.nextTrade()).price).toBe(30002);
      expect(f.feed.counters.connects).toBe(2);
    } finally {
      await f.close();
    }
  });
});
