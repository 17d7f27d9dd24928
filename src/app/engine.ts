import { Brain } from '../brain/brain.js';
import { defaultSmcStrategyOptions, SmcStrategy } from '../brain/smc-strategy.js';
import type { StrategyFactory } from '../brain/strategy.js';
import type { Clock, MonotonicClock, Scheduler } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { AegisConfig } from '../config/schema.js';
import { DataEngine, type BackfillPort, type DataEngineOptions } from '../data/engine.js';
import type { Interval } from '../domain/market.js';
import type { ExecutionVenue } from '../domain/ports.js';
import type { Journal } from '../store/journal.js';
import { TradeEngine } from '../trade/engine.js';
import { createEngineBus, type EngineBus } from './bus.js';
import { ErrorMonitor } from './error-monitor.js';
import { Heartbeat, LatencyStages, type AccountView } from './heartbeat.js';
import { JournalRecorder } from './journal-recorder.js';
import { LatencyTracker } from './latency-tracker.js';

/** The three things that change per mode (ARCHITECTURE.md principle 1), plus the journal. */
export interface EngineEdges {
  readonly clock: Clock & Scheduler;
  readonly monotonic: MonotonicClock;
  /**
   * Time the pipeline stages (LatencyTracker) and the bus handlers with `monotonic`. Default true. A
   * backtest passes false: on a simulated clock the stage timings would measure this machine, not the
   * strategy, and the tracker's per-candle bookkeeping is a measurable share of a backtest's time.
   */
  readonly timing?: boolean;
  readonly venue: ExecutionVenue;
  readonly backfill?: BackfillPort;
  readonly journal?: Journal;
  readonly strategy?: StrategyFactory;
  /** How market data arrives: 1m bars built from trades (default) or the exchange's klines (backtest). */
  readonly data?: Pick<
    DataEngineOptions,
    'baseInterval' | 'candleSource' | 'gapPolicy' | 'staleAfterMs' | 'publishForming' | 'depth'
  >;
}

export interface Engine {
  readonly engineBus: EngineBus;
  readonly data: DataEngine;
  readonly brain: Brain;
  readonly trade: TradeEngine;
  readonly heartbeat: Heartbeat;
  readonly errors: ErrorMonitor;
  readonly latency: LatencyStages;
  readonly recorder: JournalRecorder | undefined;
  start(mode: string): Promise<void>;
  /** Stop new work, flush the journal. */
  stop(): Promise<void>;
}

const MINUTE = 60_000;

/**
 * The one composition root: the same data, brain and trade objects in every mode; only the edges differ.
 * Reads its settings from the frozen config (every key it reads is listed by `aegis doctor`).
 */
export function buildEngine(config: AegisConfig, edges: EngineEdges, logger: Logger): Engine {
  const timing = edges.timing ?? true;
  const engineBus = createEngineBus(config, logger, timing ? { monotonic: edges.monotonic } : {});
  const bus = engineBus.bus;
  const errors = new ErrorMonitor(bus, logger.child({ component: 'errors' }));
  const latency = new LatencyStages();
  // before the brain: it stamps CANDLE_CLOSED first
  if (timing) new LatencyTracker(bus, latency, edges.monotonic);

  const intervals = config.intervals as readonly Interval[];
  const baseInterval = edges.data?.baseInterval ?? '1m';
  const data = new DataEngine({
    bus,
    logger: logger.child({ component: 'data' }),
    clock: edges.clock,
    scheduler: edges.clock,
    ...(timing ? { monotonic: edges.monotonic } : {}),
    ...edges.data,
    baseInterval,
    higherIntervals: intervals.filter((i) => i !== baseInterval),
    symbols: config.symbols,
    ...(edges.backfill === undefined ? {} : { backfill: edges.backfill }),
  });

  const trade = new TradeEngine({
    bus,
    clock: edges.clock,
    venue: edges.venue,
    logger,
    ...(edges.journal === undefined ? {} : { history: edges.journal }),
    isStale: (symbol) => data.isStale(symbol),
    config: {
      quoteAsset: 'USDT',
      risk: {
        runPrefix: config.runPrefix,
        maxOpenPositions: config.maxOpenPositions,
        minConfidence: config.minConfidence,
        teacherThreshold: config.teacherThreshold,
        maxLeverageTeacher: config.market === 'spot' ? 1 : config.maxLeverageTeacher,
        maxLeverageStudent: config.market === 'spot' ? 1 : config.maxLeverageStudent,
        riskPerTrade: config.riskPerTrade,
        maxNotionalPerSymbol: String(config.maxNotionalPerSymbol),
        maxNotionalTotal: String(config.maxNotionalTotal),
        maxDailyLoss: config.maxDailyLoss,
        stopOutCooldownMs: config.stopOutCooldownMinutes * MINUTE,
      },
      rotation: { margin: config.rotationMargin, cooldownMs: config.rotationCooldownMinutes * MINUTE },
    },
  });

  const brain = new Brain(bus, {
    intervals,
    teacherThreshold: config.teacherThreshold,
    riskPerTrade: config.riskPerTrade,
    equity: () => trade.account.equity().toNumber(),
    strategy:
      edges.strategy ??
      ((): SmcStrategy => new SmcStrategy(defaultSmcStrategyOptions(config.rsiPeriod, config.atrPeriod))),
    clock: edges.clock,
    logger: logger.child({ component: 'brain' }),
  });

  let startEquity = 0;
  let dayStartEquity = 0;
  let day = -1;
  const account: AccountView = {
    equity: () => trade.account.equity().toNumber(),
    freeBalance: () => trade.account.free().toNumber(),
    pnlTotal: () => trade.account.equity().toNumber() - startEquity,
    pnlToday: () => {
      const today = Math.floor(edges.clock.now() / 86_400_000);
      const eq = trade.account.equity().toNumber();
      if (today !== day) {
        day = today;
        dayStartEquity = eq;
      }
      return eq - dayStartEquity;
    },
    openPositions: () =>
      trade.book.open().map((p) => {
        const mark = trade.account.mark(p.symbol);
        return {
          symbol: p.symbol,
          side: p.quantity.sign() > 0 ? 'LONG' : 'SHORT',
          quantity: p.quantity.abs().toNumber(),
          entryPrice: p.avgEntry.toNumber(),
          unrealizedPnl: mark === undefined ? 0 : mark.sub(p.avgEntry).mul(p.quantity).toNumber(),
          protectiveOrders: trade.protectiveOrders(p.symbol),
        };
      }),
  };
  const heartbeat = new Heartbeat(bus, {
    scheduler: edges.clock,
    periodMinutes: config.heartbeatMinutes,
    account,
    errors,
    latency,
    logger: logger.child({ component: 'heartbeat' }),
    keep: true,
  });
  const recorder =
    edges.journal === undefined
      ? undefined
      : new JournalRecorder(bus, edges.journal, logger.child({ component: 'journal' }));

  return {
    engineBus,
    data,
    brain,
    trade,
    heartbeat,
    errors,
    latency,
    recorder,
    start: async (mode) => {
      await engineBus.start();
      if (edges.journal !== undefined) {
        await edges.journal.startRun(configSnapshot(config), mode, edges.clock.now());
      }
      await trade.start();
      startEquity = trade.account.equity().toNumber();
      day = Math.floor(edges.clock.now() / 86_400_000);
      dayStartEquity = startEquity;
      data.start();
      heartbeat.start();
    },
    stop: async () => {
      heartbeat.stop();
      data.stop();
      trade.stop();
      await recorder?.flush();
      if (edges.journal !== undefined) await edges.journal.endRun(edges.clock.now());
      await engineBus.stop();
    },
  };
}

/** The config as journaled: secrets are Secret objects and serialise as [REDACTED]. */
function configSnapshot(config: AegisConfig): Record<string, string | number | boolean | null | string[]> {
  return JSON.parse(JSON.stringify(config)) as Record<string, string | number | boolean | null | string[]>;
}
