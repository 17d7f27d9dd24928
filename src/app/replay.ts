/**
 * `aegis run --mode replay`: the composition root of the replay mode. It starts `aegis sim`'s
 * Binance-compatible server on 127.0.0.1, pumps a data file (or several, merged by time) into it, and runs
 * the engine of every mode (buildEngine) against it exactly as in testnet mode: market data over the
 * WebSocket streams, orders over signed REST, executions over the user data stream. Only the edges differ
 * from `runLive`:
 *
 * - engine time is a SimulatedClock on the data's event time (advanced to each event before it is
 *   processed), so heartbeats, cooldowns and staleness follow the data at any speed;
 * - kline files are served on the `<symbol>@kline_<interval>` streams and the data layer takes the
 *   exchange's klines (as a backtest does: base interval = the file's, no forming bars); the server's
 *   matching engine fills resting orders along the candle path (docs/fill-model.md, model 1), a mark price
 *   at each close precedes the candle and, with `slippage`, a deep quote at close -/+ slippage follows it:
 *   the same feed sequence as runBacktest, hence the same signals and orders (src/app/replay.test.ts);
 * - trade files are served on `<symbol>@aggTrade` and the data layer builds 1m bars from them, as live;
 * - `speed`: N = N x real time on the wall clock, 'max' = as fast as the engine reads: the pump sends the
 *   next event only after the engine has processed the previous one (after a candle or an order: once the
 *   trade layer is idle and the user stream has delivered what the server sent).
 */
import { randomBytes } from 'node:crypto';
import { SimulatedClock } from '../core/clock.js';
import { ConfigError, toError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { AegisConfig } from '../config/schema.js';
import { Secret } from '../config/secret.js';
import type { StrategyFactory } from '../brain/strategy.js';
import type { Instrument } from '../domain/instrument.js';
import { INTERVAL_MS, type Interval } from '../domain/market.js';
import type { OrderEvent } from '../domain/order.js';
import type { Signal } from '../domain/signal.js';
import { openJournal } from '../store/open.js';
import { FuturesRestClient } from '../venues/binance/clients.js';
import { BinanceKlineBackfill, feedStreams } from '../venues/binance/market-feed.js';
import { BinanceMarketStream, type MarketEvent } from '../venues/binance/market-stream.js';
import { defaultRateLimits } from '../venues/binance/rate-limit.js';
import { HmacSigner } from '../venues/binance/signing.js';
import { BinanceTransport } from '../venues/binance/transport.js';
import { BinanceFuturesVenue } from '../venues/binance/venue.js';
import { pump, type PumpStats } from '../venues/replay/pump.js';
import {
  describeFileName,
  detectLayout,
  filesSource,
  firstLine,
  replayEventTime,
  type FileSourceSpec,
  type ReplayEvent,
} from '../venues/replay/sources.js';
import { SimServer } from '../venues/sim/server/index.js';
import type { FeeRates } from '../venues/sim/types.js';
import { WallClock } from '../venues/wall-clock.js';
import { defaultInstrument } from './backtest/run.js';
import { buildEngine, type Engine } from './engine.js';
import { heartbeatLine, type HeartbeatReport } from './heartbeat.js';

export interface ReplayOptions {
  readonly config: AegisConfig;
  readonly logger: Logger;
  /** The data: kline files (one interval) or trade / aggTrade files, several merged by time. */
  readonly files: readonly FileSourceSpec[];
  /** Simulated seconds per wall second, or 'max' (as fast as the engine reads). */
  readonly speed: number | 'max';
  /** Starting USDT balance at the simulator. Default 10 000 (as runBacktest). */
  readonly balance?: number;
  /** Maker / taker fees of the simulator; default its own (USDⓈ-M 0.02 % / 0.05 %), as runBacktest. */
  readonly fees?: FeeRates;
  /** Half-spread paid by market orders on kline data (as runBacktest's `slippage`). Default 0. */
  readonly slippage?: number;
  /** Instrument overrides (default: the simulator's BTCUSDT / ETHUSDT, else a generic *USDT one). */
  readonly instruments?: readonly Instrument[];
  /** Strategy override (default: the config's SMC strategy, as every mode). */
  readonly strategy?: StrategyFactory;
  /** Heartbeat period in minutes of engine time; default the config's HEARTBEAT_MINUTES. */
  readonly heartbeatMinutes?: number;
  /**
   * Trade data at speed max: events sent before waiting for the engine (default 1: each trade is
   * processed, orders included, before the next is sent; more is faster, and orders then meet a market
   * up to that many trades later). Kline data always waits after each candle.
   */
  readonly batch?: number;
  readonly signal?: AbortSignal;
  readonly print: (line: string) => void;
  readonly onEngine?: (engine: Engine) => void;
}

export interface ReplayResult {
  readonly mode: 'replay';
  readonly source: 'klines' | 'trades';
  readonly symbols: readonly string[];
  readonly interval: Interval;
  readonly restUrl: string;
  readonly wsUrl: string;
  readonly pump: PumpStats;
  readonly candlesClosed: number;
  readonly signals: readonly Signal[];
  /** ORDER_SUBMITTED events, in order. */
  readonly orders: readonly OrderEvent[];
  readonly fills: number;
  readonly heartbeats: number;
  readonly errors: number;
  /** Waits for the engine that made no progress for STALL_MS of wall time (should be 0). */
  readonly stalls: number;
  readonly interrupted: boolean;
  readonly wallMs: number;
}

/** A flow-control wait with no progress for this long (wall) is logged, counted and released. */
const STALL_MS = 10_000;

interface Plan {
  readonly source: 'klines' | 'trades';
  readonly symbols: readonly string[];
  readonly interval: Interval;
}

/** What the files hold: one kind (klines of one interval, or trades), and which symbols. */
export async function planReplay(files: readonly FileSourceSpec[]): Promise<Plan> {
  if (files.length === 0) throw new ConfigError(['a replay needs --data FILE[,FILE]']);
  const kinds = new Set<string>();
  const intervals = new Set<Interval>();
  const symbols: string[] = [];
  for (const f of files) {
    const line = await firstLine(f.file);
    if (line === undefined) throw new ConfigError([`--data ${f.file}: the file is empty`]);
    const layout = detectLayout(line, f.file);
    const named = describeFileName(f.file);
    const symbol = f.symbol ?? named.symbol;
    if (symbol === undefined) {
      throw new ConfigError([`--data ${f.file}: no symbol in the file name; pass --symbol`]);
    }
    if (!symbols.includes(symbol)) symbols.push(symbol);
    if (layout.kind === 'klines') {
      const interval = f.interval ?? named.interval;
      if (interval === undefined) {
        throw new ConfigError([`--data ${f.file}: no interval in the file name; pass --interval`]);
      }
      intervals.add(interval);
    } else if (layout.kind !== 'trades') {
      throw new ConfigError([
        `--data ${f.file}: ${layout.kind} files are not replayed on their own by \`aegis run --mode replay\` (klines or trades)`,
      ]);
    }
    kinds.add(layout.kind);
  }
  if (kinds.size > 1) throw new ConfigError(['--data: replay kline files or trade files, not both at once']);
  if (intervals.size > 1) {
    throw new ConfigError([`--data: kline files of one interval only, got ${[...intervals].join(', ')}`]);
  }
  const [interval] = [...intervals];
  return kinds.has('klines')
    ? { source: 'klines', symbols, interval: interval as Interval }
    : { source: 'trades', symbols, interval: '1m' };
}

export async function runReplay(o: ReplayOptions): Promise<ReplayResult> {
  const wall0 = Date.now();
  const plan = await planReplay(o.files);
  const klines = plan.source === 'klines';
  const instruments = plan.symbols.map(
    (s) => o.instruments?.find((i) => i.symbol === s) ?? defaultInstrument(s, 'futures'),
  );
  // throw-away credentials shared by the local server and the engine: never the user's keys
  const apiKey = randomBytes(32).toString('hex');
  const apiSecret = randomBytes(32).toString('hex');
  const server = new SimServer({
    apiKey,
    apiSecret,
    engine: {
      instruments,
      balances: { USDT: String(o.balance ?? 10_000) },
      ...(o.fees === undefined ? {} : { futuresFees: o.fees }),
    },
    housekeepingIntervalMs: 0,
    logger: o.logger.child({ component: 'sim.server' }),
  });
  const { restUrl, wsUrl } = await server.start();

  const config: AegisConfig = Object.freeze({
    ...o.config,
    environment: 'testnet' as const,
    market: 'futures' as const,
    symbols: Object.freeze([...plan.symbols]),
    intervals: klines ? Object.freeze([plan.interval]) : o.config.intervals,
    heartbeatMinutes: o.heartbeatMinutes ?? o.config.heartbeatMinutes,
    binanceApiKey: new Secret(apiKey),
    binanceApiSecret: new Secret(apiSecret),
    restUrl,
    wsUrl,
  });
  const logger = o.logger;
  const wall = new WallClock({ unref: true });
  const random = (): number => Math.random(); // reconnect jitter only: never a trading decision
  const transport = new BinanceTransport({
    baseUrl: restUrl,
    clock: wall,
    scheduler: wall,
    rateLimits: defaultRateLimits('futures'),
    logger: logger.child({ component: 'binance.rest' }),
  });
  const client = new FuturesRestClient({
    transport,
    clock: wall,
    recvWindow: config.recvWindow,
    credentials: { apiKey, signer: new HmacSigner(apiSecret) },
  });
  const venue = new BinanceFuturesVenue({
    client,
    name: 'binance-futures-replay',
    logger: logger.child({ component: 'binance.venue' }),
    userStream: { wsBaseUrl: wsUrl, clock: wall, scheduler: wall, random },
  });
  // engine time starts where the data starts (a kline: its open time, as runBacktest)
  const source = filesSource(o.files);
  const head = await source.next();
  const first = head.done === true ? undefined : head.value;
  const clock = new SimulatedClock(
    first === undefined ? 0 : first.kind === 'candle' ? first.candle.openTime : replayEventTime(first),
  );
  const advance = (time: number): void => {
    if (time > clock.now()) clock.advanceTo(time);
  };

  const signals: Signal[] = [];
  const orders: OrderEvent[] = [];
  let fills = 0;
  let candlesClosed = 0;
  let heartbeats = 0;
  let stalls = 0;
  let activity = 0; // signals seen: with venue.delivered, tells settle() whether anything happened
  let processed = Number.NEGATIVE_INFINITY;
  let target = Number.POSITIVE_INFINITY;
  let wake: (() => void) | undefined;
  let chain: Promise<void> = Promise.resolve();
  const state: { failure: Error | undefined } = { failure: undefined };

  let journalOpen = false;
  let engineStarted = false;
  let venueStarted = false;
  let stream: BinanceMarketStream | undefined;
  let stats: PumpStats | undefined;
  let built: Engine | undefined;
  // a replay can be run again: SQLite's NORMAL durability, as runBacktest (no fsync per journal row)
  const journal = await openJournal(config.databaseUrl, { logger, sqlite: { synchronous: 'NORMAL' } });
  journalOpen = true;
  try {
    await client.timeSync.measure();
    const engine = buildEngine(
      config,
      {
        clock,
        monotonic: wall,
        venue,
        journal,
        ...(klines
          ? {
              data: {
                baseInterval: plan.interval,
                candleSource: 'klines' as const,
                gapPolicy: 'skip' as const,
                staleAfterMs: 0,
                publishForming: false,
              },
            }
          : { backfill: new BinanceKlineBackfill(client) }),
        ...(o.strategy === undefined ? {} : { strategy: o.strategy }),
      },
      logger,
    );
    built = engine;
    o.onEngine?.(engine);
    const bus = engine.engineBus.bus;
    bus.subscribe('SIGNAL_GENERATED', 'app.replay', (s) => {
      signals.push(s);
      activity++;
    });
    bus.subscribe('ORDER_SUBMITTED', 'app.replay', (e) => orders.push(e));
    bus.subscribe('FILL', 'app.replay', () => fills++);
    bus.subscribe('CANDLE_CLOSED', 'app.replay', (c) => {
      if (c.interval === plan.interval) candlesClosed++;
    });
    bus.subscribe('HEARTBEAT', 'app.replay', (h) => {
      heartbeats++;
      o.print(heartbeatLine(h.report as unknown as HeartbeatReport));
    });

    /**
     * Until the trade layer is idle and the user stream has delivered what the server sent with the
     * event: the server writes execution reports before it publishes the market frame (and before it
     * answers the REST call) that follows them, so they are readable once the event loop has gone through
     * one more poll phase (two setImmediate turns: the first ends the current iteration's check phase).
     * Repeat while anything new arrives.
     */
    const turn = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));
    let settled = -1;
    const settle = async (): Promise<void> => {
      // flat, nothing new since the last settle: no order can be working at the venue, nothing can come
      if (activity + venue.delivered === settled && engine.trade.book.open().length === 0) return;
      for (;;) {
        const seen = activity + venue.delivered;
        await engine.trade.idle();
        await turn();
        await turn();
        await engine.trade.idle();
        if (activity + venue.delivered === seen) {
          settled = seen;
          return;
        }
      }
    };
    const done = (time: number): void => {
      chain = chain
        .then(settle)
        .then(() => {
          if (time > processed) processed = time;
          if (wake !== undefined && processed >= target) {
            const w = wake;
            wake = undefined;
            w();
          }
        })
        .catch((caught: unknown) => {
          state.failure = toError(caught);
          logger.error({ err: state.failure }, 'replay: the engine failed while processing an event');
          wake?.();
        });
    };
    const onEvent = (m: MarketEvent): void => {
      switch (m.type) {
        case 'kline': {
          const c = m.event;
          if (!c.closed) return;
          const closeTime = c.openTime + INTERVAL_MS[c.interval] - 1;
          // executions the candle caused (a stop hit inside it) were sent before this frame, on the
          // user stream's socket: let them land first, so the bar is decided on the account the venue
          // has at its close (as runBacktest, whose venue delivers them before the kline)
          chain = chain.then(settle).then(() => {
            advance(closeTime);
            engine.data.onKline(c);
          });
          done(closeTime);
          return;
        }
        case 'aggTrade':
        case 'trade':
          advance(m.event.time);
          engine.data.onTrade(m.event);
          if (!klines) done(m.event.time);
          return;
        case 'bookTicker':
          advance(m.event.time);
          engine.data.onQuote(m.event);
          if (!klines) done(m.event.time);
          return;
        case 'markPrice':
          advance(m.event.time);
          engine.data.onMarkPrice(m.event);
          if (!klines) done(m.event.time);
          return;
        case 'depth':
          return;
      }
    };

    await venue.start();
    venueStarted = true;
    await engine.start('replay');
    engineStarted = true;
    const streams = plan.symbols.flatMap((s) => {
      const l = s.toLowerCase();
      if (!klines) return feedStreams(s, config.market);
      // spot has no mark price stream (feedStreams)
      const kline = [`${l}@kline_${plan.interval}`, `${l}@bookTicker`];
      return config.market === 'spot' ? kline : [`${l}@markPrice@1s`, ...kline];
    });
    let connected: (() => void) | undefined;
    const up = new Promise<void>((resolve) => (connected = resolve));
    const marketStream = new BinanceMarketStream({
      baseUrl: wsUrl,
      streams,
      clock: wall,
      scheduler: wall,
      random,
      onEvent,
      onConnected: () => connected?.(),
      // a local server that goes quiet is waiting for us (flow control) or replaying a gap in the data
      staleAfterMs: 24 * 3_600_000,
      maxControlPerSecond: 10,
      logger: logger.child({ component: 'binance.feed' }),
    });
    stream = marketStream;
    engine.heartbeat.reportStreams(() => ({ market: { ...marketStream.counters } }));
    marketStream.start();
    await up;
    o.print(
      `AEGIS replay: ${o.files.map((f) => f.file).join(', ')} (${plan.source}, ${plan.symbols.join(', ')}) ` +
        `served by the simulator at ${restUrl}, ${o.speed === 'max' ? 'as fast as the engine reads' : `${o.speed}x real time`}; ` +
        'the engine trades it in testnet mode through WebSocket streams and signed REST',
    );

    const caughtUp = (time: number): Promise<void> => {
      if (processed >= time || state.failure !== undefined) return Promise.resolve();
      target = time;
      return new Promise<void>((resolve) => {
        wake = resolve;
        const timer = setTimeout(() => {
          if (wake !== resolve) return;
          stalls++;
          logger.warn(
            { eventTime: time, processed, stallMs: STALL_MS, received: marketStream.counters.received },
            'replay: the engine made no progress; sending on (a frame was dropped or the engine is stuck)',
          );
          wake = undefined;
          resolve();
        }, STALL_MS);
        timer.unref();
      }).then(() => {
        if (state.failure !== undefined) throw state.failure;
      });
    };
    stats = await pump(prepend(first, source), {
      sink: server,
      pace:
        o.speed === 'max'
          ? { kind: 'consumer', caughtUp, batch: klines ? 1 : (o.batch ?? 1) }
          : { kind: 'wall', speed: o.speed },
      ...(o.signal === undefined ? {} : { signal: o.signal }),
      markFromCandles: klines,
      ...(o.slippage === undefined ? {} : { slippage: o.slippage }),
    });
    if (o.speed !== 'max' && stats.lastTime !== null) {
      // paced on the wall clock: let the engine finish what is in flight
      await caughtUp(stats.lastTime);
    }
    await chain;
    await engine.trade.idle();
    if (state.failure !== undefined) throw state.failure;
    return {
      mode: 'replay',
      source: plan.source,
      symbols: plan.symbols,
      interval: plan.interval,
      restUrl,
      wsUrl,
      pump: stats,
      candlesClosed,
      signals,
      orders,
      fills,
      heartbeats,
      errors: engine.errors.total,
      stalls,
      interrupted: stats.aborted,
      wallMs: Date.now() - wall0,
    };
  } finally {
    // graceful stop, as runLive: no new entries, protective orders stay, journal flushed
    stream?.stop();
    try {
      if (engineStarted) built?.trade.gate.setState('reducing', 'replay ended');
    } finally {
      await stopAll();
    }
  }

  async function stopAll(): Promise<void> {
    const failures: Error[] = [];
    const step = async (name: string, f: () => Promise<void> | void): Promise<void> => {
      try {
        await f();
      } catch (caught) {
        const err = toError(caught);
        logger.error({ err, step: name }, 'replay: shutdown step failed');
        failures.push(err);
      }
    };
    if (engineStarted) await step('engine.stop', () => built?.stop());
    if (venueStarted) await step('venue.stop', () => venue.stop());
    if (journalOpen) await step('journal.close', () => journal.close());
    await step('server.stop', () => server.stop());
    wall.cancelAll();
    transport.close();
    const first = failures[0];
    if (first !== undefined && state.failure === undefined) throw first;
  }
}

async function* prepend(
  first: ReplayEvent | undefined,
  rest: AsyncIterable<ReplayEvent>,
): AsyncGenerator<ReplayEvent> {
  if (first !== undefined) yield first;
  yield* rest;
}
