import type { StrategyFactory } from '../brain/strategy.js';
import type { SimulatedClock } from '../core/clock.js';
import { AegisError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { AegisConfig } from '../config/schema.js';
import type { ExecutionVenue } from '../domain/ports.js';
import { openJournal } from '../store/open.js';
import { FuturesRestClient, SpotRestClient } from '../venues/binance/clients.js';
import { BinanceKlineBackfill, BinanceMarketFeed } from '../venues/binance/market-feed.js';
import { defaultRateLimits } from '../venues/binance/rate-limit.js';
import { HmacSigner } from '../venues/binance/signing.js';
import { BinanceTransport } from '../venues/binance/transport.js';
import { SPOT_WS_API_URL } from '../venues/binance/spot-user-stream.js';
import { BinanceSpotVenue } from '../venues/binance/spot-venue.js';
import { BinanceFuturesVenue, toInstrument } from '../venues/binance/venue.js';
import { createSimVenue, type SimVenue } from '../venues/sim/venue.js';
import { WallClock } from '../venues/wall-clock.js';
import { buildEngine, type Engine } from './engine.js';
import { heartbeatLine, type HeartbeatReport } from './heartbeat.js';
import { assertMayStart } from './live-guard.js';

/** Binance USDⓈ-M endpoints (../shared/reference/binance-api.md §2); AEGIS_REST_URL / AEGIS_WS_URL override. */
export const FUTURES_URLS = {
  live: { rest: 'https://fapi.binance.com', ws: 'wss://fstream.binance.com' },
  testnet: { rest: 'https://testnet.binancefuture.com', ws: 'wss://stream.binancefuture.com' },
} as const;

/**
 * Binance spot endpoints (../shared/reference/binance-api.md §2 and §6): REST, market streams and the
 * WebSocket API that carries the spot user data stream since 2026-02-20. AEGIS_REST_URL / AEGIS_WS_URL /
 * AEGIS_WS_API_URL override; with AEGIS_WS_URL set and AEGIS_WS_API_URL not, the WebSocket API is
 * `<AEGIS_WS_URL>/ws-api/v3` (the simulator serves both on one port).
 */
export const SPOT_URLS = {
  live: { rest: 'https://api.binance.com', ws: 'wss://stream.binance.com:9443', wsApi: SPOT_WS_API_URL },
  testnet: {
    rest: 'https://testnet.binance.vision',
    ws: 'wss://stream.testnet.binance.vision',
    wsApi: 'wss://ws-api.testnet.binance.vision/ws-api/v3',
  },
} as const;

export interface RunOptions {
  readonly config: AegisConfig;
  readonly logger: Logger;
  readonly confirmLive: boolean;
  /** Aborted on SIGINT/SIGTERM: stop new entries, keep protective orders, flush the journal. */
  readonly signal: AbortSignal;
  readonly print: (line: string) => void;
  /** Called once the engine is built (observability and tests). */
  readonly onEngine?: (engine: Engine) => void;
  /**
   * Engine time. Default: the wall clock (live data is stamped now). A replay at a speed factor passes a
   * SimulatedClock instead: it is advanced to each market event's time before the event is processed,
   * so heartbeats, staleness and cooldowns follow the data (transport timers stay on the wall clock).
   */
  readonly engineClock?: SimulatedClock;
  /** After each market event has been processed (flow control for a replay). */
  readonly onProcessed?: (eventTime: number) => void;
  /** Each time the market stream connection opens. */
  readonly onFeedConnected?: () => void;
  /** The strategy (default: the SMC strategy); tests pass one that signals quickly. */
  readonly strategy?: StrategyFactory;
}

export interface RunResult {
  readonly mode: string;
  readonly venue: string;
  readonly restUrl: string;
  readonly wsUrl: string;
  readonly heartbeats: number;
}

/**
 * `aegis run`: the engine on live market data (Binance USDⓈ-M WebSocket streams, or any compatible URL
 * such as `aegis sim`) with the mode's venue: paper = the in-process simulator fed by the live data;
 * testnet and live = the signed Binance adapter with its user data stream. The same engine objects as
 * the demo and the backtest; only the clock, the feed and the venue differ.
 */
export async function runLive(o: RunOptions): Promise<RunResult> {
  const { config, logger } = o;
  assertMayStart(config, { confirmLive: o.confirmLive });
  const mode = config.environment;
  if (mode === 'backtest') {
    throw new AegisError(
      'CONFIG_INVALID',
      'ENVIRONMENT=backtest runs on history: use `aegis backtest --data FILE`',
    );
  }
  const spot = config.market === 'spot';
  const urls = spot ? SPOT_URLS : FUTURES_URLS;
  const base = mode === 'testnet' ? urls.testnet : urls.live;
  const restUrl = config.restUrl ?? base.rest;
  const wsUrl = config.wsUrl ?? base.ws;
  const spotBase = mode === 'testnet' ? SPOT_URLS.testnet : SPOT_URLS.live;
  const wsApiUrl =
    config.wsApiUrl ??
    (config.wsUrl === undefined ? spotBase.wsApi : `${config.wsUrl.replace(/\/+$/, '')}/ws-api/v3`);
  const wall = new WallClock({ unref: false });
  const random = (): number => Math.random(); // reconnect jitter only: never a trading decision
  const engineClock = o.engineClock ?? wall;
  const sim = o.engineClock;
  const advance = (time: number): void => {
    if (sim !== undefined && time > sim.now()) sim.advanceTo(time);
  };

  const transport = new BinanceTransport({
    baseUrl: restUrl,
    clock: wall,
    scheduler: wall,
    rateLimits: defaultRateLimits(config.market),
    logger: logger.child({ component: 'binance.rest' }),
  });
  const key = config.binanceApiKey;
  const secret = config.binanceApiSecret;
  const credentials =
    key !== undefined && secret !== undefined
      ? { apiKey: key.reveal(), signer: new HmacSigner(secret.reveal()) }
      : undefined;
  const clientOptions = {
    transport,
    clock: wall,
    recvWindow: config.recvWindow,
    ...(credentials === undefined ? {} : { credentials }),
  };
  const client = spot ? new SpotRestClient(clientOptions) : new FuturesRestClient(clientOptions);
  await client.timeSync.measure();

  let paperVenue: SimVenue | undefined;
  let binanceVenue: BinanceFuturesVenue | BinanceSpotVenue | undefined;
  let venue: ExecutionVenue;
  // reconciliation after every user-stream (re)connect, before trading resumes (docs/reconciliation.md);
  // the first connect happens before the engine starts: engine.start() reconciles then
  const live: { engine?: Engine } = {};
  const resync = async (): Promise<void> => {
    const started = live.engine;
    if (started === undefined) return;
    const done = await started.trade.reconcile('user stream (re)connect');
    if (done === undefined) {
      throw new AegisError('VENUE_TRANSPORT', 'reconciliation after the user-stream reconnect failed');
    }
  };
  const onReady = (ready: boolean): void => {
    if (!ready) live.engine?.trade.markNotReconciled('user stream disconnected');
  };
  if (mode === 'paper') {
    const info = await client.exchangeInfo();
    const wanted = new Set(config.symbols);
    paperVenue = createSimVenue(
      {
        instruments: info.instruments
          .filter((i) => wanted.has(i.symbol) && i.status === 'TRADING')
          .map(toInstrument),
        // spot paper starts with quote only: buy before selling (the engine refuses a sell without base)
        balances: { USDT: '10000' },
      },
      { clock: wall },
    );
    venue = paperVenue;
  } else if (client instanceof SpotRestClient) {
    if (credentials === undefined) {
      throw new AegisError(
        'CONFIG_INVALID',
        `ENVIRONMENT=${mode} AEGIS_MARKET=spot needs the Binance API key and secret`,
      );
    }
    binanceVenue = new BinanceSpotVenue({
      client,
      name: `binance-spot-${mode}`,
      logger: logger.child({ component: 'binance.venue' }),
      userStream: {
        wsApiUrl,
        apiKey: credentials.apiKey,
        signer: credentials.signer,
        clock: wall,
        scheduler: wall,
        random,
        resync,
        onReady,
        recvWindow: config.recvWindow,
      },
    });
    venue = binanceVenue;
  } else {
    binanceVenue = new BinanceFuturesVenue({
      client,
      name: `binance-futures-${mode}`,
      logger: logger.child({ component: 'binance.venue' }),
      userStream: { wsBaseUrl: wsUrl, clock: wall, scheduler: wall, random, resync, onReady },
    });
    venue = binanceVenue;
  }

  const journal = await openJournal(config.databaseUrl, { logger });
  const engine = buildEngine(
    config,
    {
      clock: engineClock,
      monotonic: wall,
      venue,
      backfill: new BinanceKlineBackfill(client),
      journal,
      ...(o.strategy === undefined ? {} : { strategy: o.strategy }),
    },
    logger,
  );
  o.onEngine?.(engine);
  let heartbeats = 0;
  engine.engineBus.bus.subscribe('HEARTBEAT', 'app.run', (h) => {
    heartbeats++;
    o.print(heartbeatLine(h.report as unknown as HeartbeatReport));
  });
  engine.engineBus.bus.subscribe('RECONCILED', 'app.run', (r) => {
    o.print(
      `reconciled (${r.trigger}): adopted ${r.adopted.length}, foreign ${r.foreign.length}, re-protected ${r.reprotected.join(',') || '-'}, fills recovered ${r.recoveredFills}, differences ${r.differences.length}`,
    );
  });
  await binanceVenue?.start();
  await engine.start(mode);
  live.engine = engine;
  const feed = new BinanceMarketFeed({
    wsBaseUrl: wsUrl,
    market: config.market,
    symbols: config.symbols,
    clock: wall,
    scheduler: wall,
    random,
    logger: logger.child({ component: 'binance.feed' }),
    onConnected: () => o.onFeedConnected?.(),
    onTrade: (t) => {
      advance(t.time);
      paperVenue?.feedTrade(t);
      engine.data.onTrade(t);
      o.onProcessed?.(t.time);
    },
    onQuote: (q) => {
      advance(q.time);
      paperVenue?.feedQuote(q);
      engine.data.onQuote(q);
      o.onProcessed?.(q.time);
    },
    onMarkPrice: (m) => {
      advance(m.time);
      paperVenue?.feedMarkPrice(m);
      engine.data.onMarkPrice(m);
      o.onProcessed?.(m.time);
    },
  });
  engine.heartbeat.reportStreams(() => ({ market: { ...feed.counters } }));
  feed.start();
  o.print(`AEGIS running: mode ${mode}, venue ${venue.name}, ${config.symbols.join(', ')} on ${wsUrl}`);

  await new Promise<void>((resolve) => {
    if (o.signal.aborted) resolve();
    else
      o.signal.addEventListener(
        'abort',
        () => {
          resolve();
        },
        { once: true },
      );
  });
  // graceful stop: no new entries, working entry orders cancelled (AEGIS_SHUTDOWN_ENTRY_ORDERS=cancel);
  // protective orders stay on the venue; journal flushed
  const stopped = await engine.trade.stopEntries({
    cancelWorking: config.shutdownEntryOrders === 'cancel',
    reason: 'shutdown requested',
  });
  if (stopped.cancelled.length > 0)
    o.print(`cancelled working entry orders: ${stopped.cancelled.join(', ')}`);
  feed.stop();
  await engine.stop();
  await binanceVenue?.stop();
  await journal.close();
  wall.cancelAll();
  transport.close();
  return { mode, venue: venue.name, restUrl, wsUrl, heartbeats };
}
