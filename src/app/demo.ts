import { setImmediate as turn } from 'node:timers/promises';
import { SimulatedClock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { AegisConfig } from '../config/schema.js';
import type { EventBus } from '../core/event-bus.js';
import type { AegisTopics, RiskDenialReason } from '../domain/events.js';
import { openJournal } from '../store/open.js';
import type { JournalCounts } from '../store/journal.js';
import { USDM_BTCUSDT, USDM_ETHUSDT } from '../venues/sim/instruments.js';
import { createSimVenue } from '../venues/sim/venue.js';
import { DEMO_SYMBOLS, SyntheticMarket } from '../venues/synthetic/generator.js';
import { buildEngine } from './engine.js';
import { heartbeatLine, type HeartbeatReport } from './heartbeat.js';
import type { LatencySummary } from '../core/metrics.js';
import { monotonic } from '../venues/wall-clock.js';

export interface DemoOptions {
  readonly config: AegisConfig;
  readonly logger: Logger;
  /** Simulated hours of market. */
  readonly hours: number;
  /** Seed of the synthetic market (same seed, same market, same decisions). */
  readonly seed: number;
  /** Starting USDT balance of the simulated account. */
  readonly balance?: number;
  /** Progress lines (heartbeats) go here as they happen. */
  readonly print: (line: string) => void;
  /**
   * Graceful shutdown (SIGINT/SIGTERM): no new entries, working protective orders are kept, the journal is
   * flushed, and the summary covers what ran.
   */
  readonly signal?: AbortSignal;
}

export interface DemoSummary {
  readonly simulatedHours: number;
  /** True when the run was stopped by a signal before its end. */
  readonly interrupted: boolean;
  readonly marketEvents: number;
  readonly candlesClosed: number;
  readonly signals: { readonly teacher: number; readonly student: number };
  readonly denials: Partial<Record<RiskDenialReason, number>>;
  readonly ordersSubmitted: number;
  readonly fills: number;
  readonly positionsOpened: number;
  readonly positionsClosed: number;
  readonly startEquity: number;
  readonly endEquity: number;
  readonly pnl: number;
  readonly heartbeats: number;
  readonly errors: number;
  readonly latencyNs: Readonly<Record<string, LatencySummary>>;
  readonly journal: { readonly url: string; readonly counts: JournalCounts };
  readonly wallMs: number;
}

export const START = Date.UTC(2026, 0, 5); // a fixed engine-time origin: the demo is repeatable

/** What a demo run did, counted from the bus; heartbeats are printed as they happen. */
export class DemoTally {
  candles = 0;
  teacher = 0;
  student = 0;
  orders = 0;
  fills = 0;
  opened = 0;
  closed = 0;
  beats = 0;
  readonly denials: Partial<Record<RiskDenialReason, number>> = {};
  /** Set when the trade layer has async work in flight (a signal or a fill). */
  busy = false;

  constructor(bus: EventBus<AegisTopics>, print: (line: string) => void) {
    bus.subscribe('CANDLE_CLOSED', 'demo', () => this.candles++);
    bus.subscribe('SIGNAL_GENERATED', 'demo', (s) => {
      this[s.tier]++;
      this.busy = true;
    });
    bus.subscribe(
      'RISK_REJECTED',
      'demo',
      (d) => (this.denials[d.reason] = (this.denials[d.reason] ?? 0) + 1),
    );
    bus.subscribe('ORDER_SUBMITTED', 'demo', () => this.orders++);
    bus.subscribe('FILL', 'demo', () => {
      this.fills++;
      this.busy = true;
    });
    bus.subscribe('POSITION_OPENED', 'demo', () => this.opened++);
    bus.subscribe('POSITION_CLOSED', 'demo', () => this.closed++);
    bus.subscribe('HEARTBEAT', 'demo', (h) => {
      this.beats++;
      print(heartbeatLine(h.report as unknown as HeartbeatReport));
    });
  }
}

/**
 * The offline demo: the seeded synthetic market (BTCUSDT, ETHUSDT perpetuals) drives the full engine —
 * data layer, brain, trade layer, journal, heartbeats — in paper mode against the in-process simulator,
 * on a simulated clock (as fast as the machine goes). No keys, no network.
 */
export async function runDemo(o: DemoOptions): Promise<DemoSummary> {
  const wall0 = Date.now();
  const config: AegisConfig = Object.freeze({
    ...o.config,
    symbols: DEMO_SYMBOLS.map((s) => s.symbol),
  });
  const clock = new SimulatedClock(START);
  const venue = createSimVenue(
    {
      instruments: [USDM_BTCUSDT, USDM_ETHUSDT],
      balances: { USDT: String(o.balance ?? 10_000) },
    },
    { clock },
  );
  // NORMAL: a demo's journal need not survive power loss; paper and live keep the default FULL
  const journal = await openJournal(config.databaseUrl, {
    logger: o.logger,
    sqlite: { synchronous: 'NORMAL' },
  });
  const engine = buildEngine(config, { clock, monotonic, venue, journal }, o.logger);
  const bus = engine.engineBus.bus;

  const tally = new DemoTally(bus, o.print);

  await engine.start('demo');
  const startEquity = engine.trade.account.equity().toNumber();
  o.print(
    `AEGIS demo: ${o.hours} simulated hours of a seeded synthetic market (seed ${o.seed}), ` +
      `${config.symbols.join(', ')}, ${config.intervals.join('/')} candles, paper trading against the built-in simulator`,
  );
  const market = new SyntheticMarket({ seed: o.seed, startTime: START, symbols: DEMO_SYMBOLS });
  const lastMark = new Map<string, number>();
  let events = 0;
  let delivered = venue.delivered;
  const end = START + o.hours * 3_600_000;
  let interrupted = false;
  for (const e of market.until(end)) {
    if (o.signal?.aborted === true) {
      interrupted = true;
      engine.trade.gate.setState('reducing', 'shutdown requested');
      break;
    }
    events++;
    if (e.kind === 'trade') {
      const t = e.trade;
      clock.advanceTo(t.time);
      venue.feedTrade(t); // resting stops and targets see the print first
      engine.data.onTrade(t);
      const second = Math.floor(t.time / 1000);
      if (lastMark.get(t.symbol) !== second) {
        lastMark.set(t.symbol, second);
        const mark = {
          symbol: t.symbol,
          time: t.time,
          markPrice: t.price,
          indexPrice: t.price,
          fundingRate: 0,
          nextFundingTime: 0,
        };
        venue.feedMarkPrice(mark);
        engine.data.onMarkPrice(mark);
      }
    } else {
      clock.advanceTo(e.quote.time);
      venue.feedQuote(e.quote);
      engine.data.onQuote(e.quote);
    }
    if (tally.busy || venue.delivered !== delivered || (events & 0x3fff) === 0) {
      // (every 16k events as well: signals and I/O get their turn)
      // let the trade layer's venue calls (promises) settle before the next market event
      await turn();
      await turn();
      tally.busy = false;
      delivered = venue.delivered;
    }
  }
  await turn();
  const endEquity = engine.trade.account.equity().toNumber();
  await engine.stop();
  const counts = await journal.counts(journal.currentRunId);
  await journal.close();
  return {
    simulatedHours: interrupted ? (clock.now() - START) / 3_600_000 : o.hours,
    interrupted,
    marketEvents: events,
    candlesClosed: tally.candles,
    signals: { teacher: tally.teacher, student: tally.student },
    denials: tally.denials,
    ordersSubmitted: tally.orders,
    fills: tally.fills,
    positionsOpened: tally.opened,
    positionsClosed: tally.closed,
    startEquity,
    endEquity,
    pnl: endEquity - startEquity,
    heartbeats: tally.beats,
    errors: engine.errors.total,
    latencyNs: engine.latency.summary(),
    journal: { url: config.databaseUrl, counts },
    wallMs: Date.now() - wall0,
  };
}

export function formatSummary(s: DemoSummary): string {
  const us = (ns: number): string => `${(ns / 1000).toFixed(1)} µs`;
  const lines = [
    '',
    `AEGIS demo summary (${s.simulatedHours.toFixed(2)} simulated hours in ${(s.wallMs / 1000).toFixed(1)} s wall${s.interrupted ? ', stopped by a signal' : ''})`,
    `  market events      ${s.marketEvents.toLocaleString('en-US')} (trades and quotes), candles closed ${s.candlesClosed}`,
    `  signals            ${s.signals.teacher + s.signals.student} (teacher ${s.signals.teacher}, student ${s.signals.student})`,
    `  denials            ${
      Object.entries(s.denials)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') || 'none'
    }`,
    `  orders submitted   ${s.ordersSubmitted}, fills ${s.fills}`,
    `  positions          opened ${s.positionsOpened}, closed ${s.positionsClosed}`,
    `  equity             ${s.startEquity.toFixed(2)} -> ${s.endEquity.toFixed(2)} USDT (PnL ${s.pnl >= 0 ? '+' : ''}${s.pnl.toFixed(2)})`,
    `  heartbeats         ${s.heartbeats}, errors ${s.errors}`,
    ...Object.entries(s.latencyNs).map(
      ([stage, l]) => `  latency ${stage.padEnd(14)} p50 ${us(l.p50)}  p99 ${us(l.p99)}  (n=${l.count})`,
    ),
    `  journal            ${s.journal.url}: ${Object.entries(s.journal.counts)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  ];
  return lines.join('\n') + '\n';
}
