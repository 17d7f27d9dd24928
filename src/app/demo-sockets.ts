import { randomBytes } from 'node:crypto';
import { SimulatedClock } from '../core/clock.js';
import { toError } from '../core/errors.js';
import type { AegisConfig } from '../config/schema.js';
import { Secret } from '../config/secret.js';
import { openJournal } from '../store/open.js';
import { USDM_BTCUSDT, USDM_ETHUSDT } from '../venues/sim/instruments.js';
import { SimServer } from '../venues/sim/server/index.js';
import { DEMO_SYMBOLS, SyntheticMarket } from '../venues/synthetic/generator.js';
import { DemoTally, START, type DemoOptions, type DemoSummary } from './demo.js';
import type { Engine } from './engine.js';
import { runLive } from './run.js';

/** Market events sent to the simulator server before waiting for the engine to have processed them. */
const BATCH = 256;

/**
 * The demo over real sockets: `aegis sim`'s Binance-compatible server on 127.0.0.1 serves the seeded
 * synthetic market on its WebSocket streams; the engine connects to it exactly as it connects to Binance
 * in testnet mode (market streams, signed REST orders and algo orders, the user data stream), on an
 * accelerated clock: engine time is the data's event time, and the feeder sends the next batch as soon
 * as the engine has processed the last one.
 */
export async function runSocketDemo(o: DemoOptions): Promise<DemoSummary> {
  const wall0 = Date.now();
  // throw-away credentials shared by the local server and the engine: never the user's keys
  const apiKey = randomBytes(32).toString('hex');
  const apiSecret = randomBytes(32).toString('hex');
  const server = new SimServer({
    apiKey,
    apiSecret,
    engine: { instruments: [USDM_BTCUSDT, USDM_ETHUSDT], balances: { USDT: String(o.balance ?? 10_000) } },
    housekeepingIntervalMs: 0,
  });
  const { restUrl, wsUrl } = await server.start();
  const clock = new SimulatedClock(START);
  const config: AegisConfig = Object.freeze({
    ...o.config,
    environment: 'testnet' as const,
    market: 'futures' as const,
    symbols: DEMO_SYMBOLS.map((s) => s.symbol),
    binanceApiKey: new Secret(apiKey),
    binanceApiSecret: new Secret(apiSecret),
    restUrl,
    wsUrl,
  });

  let engine: Engine | undefined;
  let tally: DemoTally | undefined;
  let startEquity: number;
  let processed = 0;
  let target = 0;
  let wake: (() => void) | undefined;
  let connected: (() => void) | undefined;
  const feedUp = new Promise<void>((resolve) => (connected = resolve));
  const stop = new AbortController();
  const running = runLive({
    config,
    logger: o.logger,
    confirmLive: false,
    signal: stop.signal,
    print: o.print,
    engineClock: clock,
    onEngine: (e) => {
      engine = e;
      tally = new DemoTally(e.engineBus.bus, () => undefined); // runLive prints the heartbeats
    },
    onFeedConnected: () => connected?.(),
    onProcessed: (t) => {
      processed = t;
      if (wake !== undefined && processed >= target) {
        const w = wake;
        wake = undefined;
        w();
      }
    },
  });
  // written by callbacks: read through the object so the compiler does not assume it unchanged
  const state: { failure: Error | undefined } = { failure: undefined };
  const check = (): void => {
    if (state.failure !== undefined) throw state.failure;
  };
  const failed = running.then(
    () => undefined,
    (caught: unknown) => {
      state.failure = toError(caught);
    },
  );
  let events = 0;
  let interrupted = false;
  try {
    await Promise.race([feedUp, failed]);
    check();
    startEquity = engine?.trade.account.equity().toNumber() ?? 0;
    o.print(
      `AEGIS demo over sockets: ${o.hours} simulated hours (seed ${o.seed}) served by the Binance-compatible ` +
        `simulator at ${restUrl}; the engine trades it in testnet mode through WebSocket streams and signed REST`,
    );
    const market = new SyntheticMarket({ seed: o.seed, startTime: START, symbols: DEMO_SYMBOLS });
    const end = START + o.hours * 3_600_000;
    let batch = 0;
    let last = 0;
    for (const e of market.until(end)) {
      if (o.signal?.aborted === true) {
        interrupted = true;
        break;
      }
      if (e.kind === 'trade') {
        server.feedTrade(e.trade);
        last = e.trade.time;
        // the mark price follows the last trade once per second of event time
        if (Math.floor(e.trade.time / 1000) !== Math.floor((e.trade.time - 1) / 1000) || batch === 0) {
          server.feedMarkPrice({
            symbol: e.trade.symbol,
            time: e.trade.time,
            markPrice: e.trade.price,
            indexPrice: e.trade.price,
            fundingRate: 0,
            nextFundingTime: 0,
          });
        }
      } else {
        server.feedQuote(e.quote);
        last = e.quote.time;
      }
      events++;
      if (++batch >= BATCH) {
        batch = 0;
        await caughtUp(last);
        check();
      }
    }
    await caughtUp(last);
  } finally {
    stop.abort();
    await failed;
    await server.stop();
  }
  check();
  const t = tally;
  const e = engine;
  if (t === undefined || e === undefined) throw new Error('the engine did not start');
  const endEquity = e.trade.account.equity().toNumber();
  const journal = await openJournal(config.databaseUrl, { logger: o.logger });
  const runs = await journal.counts(); // the run was written by runLive; the file may hold earlier runs too
  await journal.close();
  return {
    simulatedHours: interrupted ? (clock.now() - START) / 3_600_000 : o.hours,
    interrupted,
    marketEvents: events,
    candlesClosed: t.candles,
    signals: { teacher: t.teacher, student: t.student },
    denials: t.denials,
    ordersSubmitted: t.orders,
    fills: t.fills,
    positionsOpened: t.opened,
    positionsClosed: t.closed,
    startEquity,
    endEquity,
    pnl: endEquity - startEquity,
    heartbeats: t.beats,
    errors: e.errors.total,
    latencyNs: e.latency.summary(),
    journal: { url: config.databaseUrl, counts: runs },
    wallMs: Date.now() - wall0,
  };

  /** Resolve when the engine has processed every event up to `time` (or the run failed). */
  function caughtUp(time: number): Promise<void> {
    if (processed >= time || state.failure !== undefined) return Promise.resolve();
    target = time;
    return Promise.race([new Promise<void>((resolve) => (wake = resolve)), failed]);
  }
}
