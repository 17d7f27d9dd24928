/**
 * Runs the spot ExecutionVenue contract (spot-venue-contract.ts) on the in-process SimVenue and on
 * BinanceSpotVenue (SpotRestClient over /api/v3 + SpotUserStream over the WebSocket API /ws-api/v3)
 * against SimServer on 127.0.0.1 over real sockets. Same engine configuration on both sides: spot
 * BTCUSDT (src/venues/sim/instruments.ts) plus a spot ETHUSDT with the same filters used only by the
 * socket harness's settle marker, 10,000 USDT + 0.5 BTC, default spot fees, participation 1. A last test
 * compares the order updates the two recorded, case by case.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../core/clock.js';
import type { Instrument } from '../../domain/instrument.js';
import { SpotRestClient } from '../binance/clients.js';
import { defaultRateLimits } from '../binance/rate-limit.js';
import { HmacSigner } from '../binance/signing.js';
import { BinanceSpotVenue } from '../binance/spot-venue.js';
import { BinanceTransport } from '../binance/transport.js';
import { SPOT_BTCUSDT } from '../sim/instruments.js';
import { SimServer } from '../sim/server/server.js';
import { EXAMPLE_KEY, EXAMPLE_SECRET } from '../sim/server/test-support.js';
import type { EngineOptions } from '../sim/types.js';
import { createSimVenue } from '../sim/venue.js';
import { describeSpotVenueContract } from './spot-venue-contract.js';
import { socketContractHarness, type ContractHarness } from './venue-contract.js';

const T0 = 1_700_000_000_000;

/** Marker symbol for the socket harness's user-stream barrier (SPOT_BTCUSDT's filters). */
const SPOT_ETHUSDT: Instrument = { ...SPOT_BTCUSDT, symbol: 'ETHUSDT', baseAsset: 'ETH' };

const ENGINE: Omit<EngineOptions, 'onEvent'> = {
  instruments: [SPOT_BTCUSDT, SPOT_ETHUSDT],
  balances: { USDT: '10000', BTC: '0.5' },
  fillModel: { participation: 1 },
};

function simHarness(): Promise<ContractHarness> {
  const venue = createSimVenue(ENGINE);
  return Promise.resolve({
    venue,
    market: {
      trade: (t) => {
        venue.feedTrade(t);
      },
      quote: (q) => {
        venue.feedQuote(q);
      },
    },
    settle: () => Promise.resolve(),
    close: () => Promise.resolve(),
  });
}

/**
 * BinanceSpotVenue -> SimServer. `settle` places a LIMIT buy on ETHUSDT (0.01 at 1,000.00 = notional
 * 10 >= 5), cancels it and waits for its CANCELED executionReport: the server writes a session's frames
 * in engine order on one socket, so every earlier update has been handled by then. No wall-clock wait.
 */
async function socketHarness(): Promise<ContractHarness> {
  const clock = new SimulatedClock(T0);
  const server = new SimServer({
    apiKey: EXAMPLE_KEY,
    apiSecret: EXAMPLE_SECRET,
    engine: ENGINE,
    clock,
    housekeepingIntervalMs: 0,
  });
  const urls = await server.start();
  const transport = new BinanceTransport({
    baseUrl: urls.restUrl,
    clock,
    scheduler: clock,
    rateLimits: defaultRateLimits('spot'),
  });
  const signer = new HmacSigner(EXAMPLE_SECRET);
  const client = new SpotRestClient({ transport, clock, credentials: { apiKey: EXAMPLE_KEY, signer } });
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  const venue = new BinanceSpotVenue({
    client,
    name: 'binance-spot-sim',
    userStream: {
      wsApiUrl: urls.wsApiUrl,
      apiKey: EXAMPLE_KEY,
      signer,
      clock,
      scheduler: clock,
      random: () => 0.5,
      onReady: (r) => {
        if (r) markReady();
      },
    },
  });
  return socketContractHarness({
    venue,
    ready,
    server,
    transport,
    marker: { quantity: '0.01000', price: '1000.00' },
  });
}

const sim = describeSpotVenueContract('SimVenue (in-process engine, spot)', simHarness);
const socket = describeSpotVenueContract('BinanceSpotVenue -> SimServer over sockets', socketHarness);

describe('ExecutionVenue spot contract: SimVenue and BinanceSpotVenue agree', () => {
  const cases = ['market buy', 'market sell', 'limit partial fills', 'cancel', 'rejections', 'stop'];
  afterAll(() => {
    expect([...sim.keys()].sort()).toEqual([...cases].sort());
  });
  for (const c of cases) {
    it(`the same actions give the same (client id, status, filled) updates: ${c}`, () => {
      expect(sim.get(c)).toBeDefined();
      expect(socket.get(c)).toEqual(sim.get(c));
    });
  }
});
