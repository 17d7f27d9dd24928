/**
 * `aegis sim --data`: a data file served over the simulator's real sockets. Issue 8's oracle through the
 * server: the XRPETH aggTrades of ../shared/data, sent on `xrpeth@aggTrade` and read by the AEGIS market
 * feed (BinanceMarketFeed) into the data layer, give the Binance 1m klines of the same download (all rows,
 * the zero-volume minutes included; see ../shared/data/README.md "Trades -> klines oracle").
 */
import { describe, expect, it } from 'vitest';
import { sharedData } from '../../test/support/shared-data.js';
import { SimulatedClock } from '../core/clock.js';
import { MemoryLogger } from '../core/logger.js';
import { DataEngine } from '../data/engine.js';
import { recordingBus } from '../data/test-support.js';
import type { Candle } from '../domain/market.js';
import { BinanceMarketFeed } from '../venues/binance/market-feed.js';
import { loadKlines, loadTrades } from '../venues/files/market-csv.js';
import { WallClock } from '../venues/wall-clock.js';
import { serveSim } from './sim-serve.js';

const TRADES = sharedData('trades/binance_spot_XRPETH_aggtrades_20191011_20191013.csv.gz');
const KLINES = sharedData('klines/binance_spot_XRPETH_1m_20191011_20191013.csv');
const MIN = 60_000;
/** Float sums of volumes: see src/data/real-data.test.ts (same tolerance, same reasoning). */
const VOLUME_REL_TOL = 1e-11;

describe('aegis sim --data: a recording served over the WebSocket', () => {
  it('XRPETH aggTrades -> AEGIS market feed -> 1m candles equal the Binance 1m klines (all 3560 rows)', async () => {
    const expected = loadKlines(KLINES, 'XRPETH', '1m');
    const tradeCount = loadTrades(TRADES, 'XRPETH').length;
    const logger = new MemoryLogger();
    const rec = recordingBus(logger);
    const clock = new SimulatedClock(0);
    const data = new DataEngine({ bus: rec.bus, logger, clock, staleAfterMs: 0, publishForming: false });
    const wall = new WallClock({ unref: true });
    const stop = new AbortController();
    let received = 0;
    let processed = Number.NEGATIVE_INFINITY;
    let waiting: { time: number; resolve: () => void } | undefined;
    let feed: BinanceMarketFeed | undefined;
    try {
      const served = await serveSim({
        apiKey: 'k',
        apiSecret: 's',
        port: 0,
        seed: 1,
        speed: 1,
        data: [{ file: TRADES }],
        holdAfterData: false,
        logger,
        signal: stop.signal,
        print: () => undefined,
        // as fast as the feed reads: the next 100 trades once the last one was processed
        pace: {
          kind: 'consumer',
          batch: 100,
          caughtUp: (time) =>
            processed >= time
              ? Promise.resolve()
              : new Promise<void>((resolve) => (waiting = { time, resolve })),
        },
        onListening: async ({ wsUrl }) => {
          let up: (() => void) | undefined;
          const connected = new Promise<void>((resolve) => (up = resolve));
          feed = new BinanceMarketFeed({
            wsBaseUrl: wsUrl,
            symbols: ['XRPETH'],
            clock: wall,
            scheduler: wall,
            random: () => 0.5,
            onConnected: () => up?.(),
            onTrade: (t) => {
              received++;
              if (t.time > clock.now()) clock.advanceTo(t.time);
              data.onTrade(t);
              processed = t.time;
              if (waiting !== undefined && processed >= waiting.time) {
                const w = waiting;
                waiting = undefined;
                w.resolve();
              }
            },
          });
          feed.start();
          await connected;
        },
      });
      expect(served.events).toBe(tradeCount);
    } finally {
      feed?.stop();
      wall.cancelAll();
    }
    expect(received).toBe(tradeCount);
    // the last bar closes when engine time passes its end (as in the in-process oracle)
    data.advanceTo((expected[expected.length - 1] as Candle).openTime + MIN);
    const built = rec.closed.filter((c) => c.interval === '1m');
    expect(built).toHaveLength(expected.length);
    for (let i = 0; i < expected.length; i++) {
      const b = built[i] as Candle;
      const e = expected[i] as Candle;
      const row = `row ${i} (${new Date(e.openTime).toISOString()})`;
      expect(b.openTime, row).toBe(e.openTime);
      expect([b.open, b.high, b.low, b.close], row).toEqual([e.open, e.high, e.low, e.close]);
      expect(Math.abs(b.volume - e.volume), `${row} volume`).toBeLessThanOrEqual(
        VOLUME_REL_TOL * Math.max(1, e.volume),
      );
    }
    expect(built.filter((c) => c.volume === 0)).toHaveLength(1091);
    expect(built.reduce((n, c) => n + c.trades, 0)).toBe(tradeCount);
    expect(rec.gaps).toEqual([]);
  }, 30_000);
});
