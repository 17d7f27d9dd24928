import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setImmediate as turn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { MemoryLogger, type LogFields, type Logger } from '../core/logger.js';
import { loadConfig } from '../config/load.js';
import type { Fill } from '../domain/order.js';
import { openJournal } from '../store/open.js';
import type { Strategy } from '../brain/strategy.js';
import { SPOT_BTCUSDT, USDM_BTCUSDT } from '../venues/sim/instruments.js';
import { SimServer } from '../venues/sim/server/index.js';
import { DEMO_SYMBOLS, SyntheticMarket } from '../venues/synthetic/generator.js';
import type { Engine } from './engine.js';
import { runLive } from './run.js';

// Binance's published example key pair (../shared/reference/binance-api.md §1): recognisable, not real
const API_KEY = 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A';
const API_SECRET = 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j';

/** A logger that also resolves a promise when a given message is logged (no sleeping to wait). */
class WatchingLogger extends MemoryLogger {
  private readonly waits: { text: string; resolve: () => void }[] = [];
  constructor(
    records: MemoryLogger['records'] = [],
    bindings: LogFields = {},
    waits?: WatchingLogger['waits'],
  ) {
    super(records, bindings);
    if (waits !== undefined) this.waits = waits;
  }
  seen(text: string): Promise<void> {
    if (this.records.some((r) => r.message.includes(text))) return Promise.resolve();
    return new Promise((resolve) => this.waits.push({ text, resolve }));
  }
  override info(fields: LogFields, message: string): void {
    super.info(fields, message);
    for (const w of this.waits.filter((x) => message.includes(x.text))) w.resolve();
  }
  override child(bindings: LogFields): Logger {
    return new WatchingLogger(this.records, bindings, this.waits);
  }
}

/** Proposes a BUY on every closed candle: entry = close, stop 2 % below, take profit 4 % above. */
const buyEveryCandle = (): Strategy => ({
  name: 'buy-every-candle',
  onCandle: (c) => ({
    side: 'BUY',
    confidence: 0.8,
    entry: c.close,
    stop: c.close * 0.98,
    takeProfit: c.close * 1.04,
    patterns: [],
    setup: 'test',
  }),
  trend: () => 0,
});

describe('aegis run against the Binance-compatible simulator over real sockets', () => {
  // futures: USDⓈ-M REST + algo stops + the listenKey user stream; spot: /api/v3 + STOP_LOSS + the user
  // stream over the WebSocket API (the simulator serves both on one port)
  it.each([
    { market: 'futures', instrument: USDM_BTCUSDT, strategy: undefined },
    // spot cannot sell what it does not hold: the default strategy's first signals on this market are
    // often SELLs (refused by the venue, -2010), so the spot run uses a strategy that buys on every candle
    { market: 'spot', instrument: SPOT_BTCUSDT, strategy: buyEveryCandle },
  ])(
    'testnet mode ($market): streams in, signed orders out, fills back on the user stream, all journaled',
    async ({ market: marketType, instrument, strategy }) => {
      const server = new SimServer({
        apiKey: API_KEY,
        apiSecret: API_SECRET,
        engine: { instruments: [instrument], balances: { USDT: '10000' } },
        housekeepingIntervalMs: 0,
      });
      const { restUrl, wsUrl } = await server.start();
      const db = path.join(mkdtempSync(path.join(tmpdir(), 'aegis-run-')), 'journal.sqlite');
      const { config } = loadConfig({
        env: {
          ENVIRONMENT: 'testnet',
          BINANCE_API_KEY: API_KEY,
          BINANCE_API_SECRET: API_SECRET,
          AEGIS_REST_URL: restUrl,
          AEGIS_WS_URL: wsUrl,
          AEGIS_SYMBOLS: 'BTCUSDT',
          AEGIS_INTERVALS: '1m,5m',
          AEGIS_MARKET: marketType,
          DATABASE_URL: db,
        },
        cwd: tmpdir(),
      });
      const logger = new WatchingLogger();
      const stop = new AbortController();
      let engine: Engine | undefined;
      const fills: Fill[] = [];
      let filled = false;
      let onFill: () => void = () => undefined;
      const firstFill = new Promise<void>((resolve) => (onFill = resolve));
      const result = runLive({
        config,
        logger,
        confirmLive: false,
        signal: stop.signal,
        print: () => undefined,
        ...(strategy === undefined ? {} : { strategy }),
        onEngine: (e) => {
          engine = e;
          e.engineBus.bus.subscribe('FILL', 'test', (f) => {
            fills.push(f);
            filled = true;
            onFill();
          });
        },
      });
      try {
        // a start-up failure fails the test instead of leaving it waiting
        await Promise.race([logger.seen('binance market stream connected'), result]);
        // the synthetic market, stamped from now on, goes out over the server's streams
        const btc = DEMO_SYMBOLS.filter((x) => x.symbol === 'BTCUSDT');
        const market = new SyntheticMarket({ seed: 42, startTime: Date.now(), symbols: btc });
        let sent = 0;
        const done = (): boolean => filled; // read through a function: set by a bus subscriber
        while (!done() && sent < 400_000) {
          const e = market.next();
          if (e.kind === 'trade') server.feedTrade(e.trade);
          else server.feedQuote(e.quote);
          sent++;
          if (sent % 200 === 0) await turn(); // let the sockets and the engine run
        }
        await firstFill;
        expect(engine).toBeDefined();
        expect(fills.length).toBeGreaterThan(0);
        expect(fills[0]?.clientOrderId).toMatch(/^aegis-/);
      } finally {
        stop.abort();
        await result;
        await server.stop();
      }
      const journal = await openJournal(db);
      try {
        const counts = await journal.counts();
        expect(counts.orders).toBeGreaterThan(0);
        expect(counts.fills).toBeGreaterThanOrEqual(fills.length);
        expect(counts.signals).toBeGreaterThan(0);
      } finally {
        await journal.close();
      }
    },
    60_000,
  );
});
