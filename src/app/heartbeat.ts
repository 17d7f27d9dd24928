import type { Scheduler, TimerHandle } from '../core/clock.js';
import type { EventBus } from '../core/event-bus.js';
import type { Logger } from '../core/logger.js';
import { LatencyHistogram, type LatencySummary } from '../core/metrics.js';
import type { AegisTopics, RiskDenialReason } from '../domain/events.js';
import type { ErrorMonitor } from './error-monitor.js';

/** What the trade side knows about money, read at each heartbeat. */
export interface AccountView {
  equity(): number;
  freeBalance(): number;
  pnlToday(): number;
  pnlTotal(): number;
  openPositions(): readonly {
    symbol: string;
    side: string;
    quantity: number;
    entryPrice: number;
    unrealizedPnl: number;
    protectiveOrders: number;
  }[];
}

export interface HeartbeatReport {
  readonly time: number;
  /** active | reducing | halted (the kill switch), with the reason of the last change. */
  readonly tradingState: string;
  readonly equity: number;
  readonly freeBalance: number;
  readonly pnlToday: number;
  readonly pnlTotal: number;
  readonly openPositions: ReturnType<AccountView['openPositions']>;
  readonly signalsSinceLast: number;
  readonly denialsSinceLast: Partial<Record<RiskDenialReason, number>>;
  readonly staleSymbols: readonly string[];
  /** Stream status from the edges (e.g. the Binance market stream: connects, reconnects, stale, rejected). */
  readonly streams: Readonly<Record<string, unknown>>;
  readonly errorsTotal: number;
  readonly errors: Readonly<Record<string, number>>;
  readonly latencyNs: Readonly<Record<string, LatencySummary>>;
}

/** Named latency histograms for the pipeline stages (frame→candle, candle→signal, signal→order, ...). */
export class LatencyStages {
  private readonly stages = new Map<string, LatencyHistogram>();

  record(stage: string, ns: number): void {
    let h = this.stages.get(stage);
    if (h === undefined) {
      h = new LatencyHistogram();
      this.stages.set(stage, h);
    }
    h.record(ns);
  }

  summary(): Record<string, LatencySummary> {
    return Object.fromEntries([...this.stages.entries()].map(([k, h]) => [k, h.summary()]));
  }
}

/**
 * Every `periodMinutes` of engine time: a report of equity, PnL, positions, signals and denials since the
 * last beat, stale streams, errors and stage latencies, logged and published as HEARTBEAT (which the
 * journal records).
 */
export class Heartbeat {
  private signals = 0;
  private denials: Partial<Record<RiskDenialReason, number>> = {};
  private readonly stale = new Set<string>();
  private tradingState = 'active';
  private streams: (() => Readonly<Record<string, unknown>>) | undefined;
  private timer: TimerHandle | undefined;
  readonly beats: HeartbeatReport[] = [];

  constructor(
    private readonly bus: EventBus<AegisTopics>,
    private readonly deps: {
      readonly scheduler: Scheduler;
      readonly periodMinutes: number;
      readonly account: AccountView;
      readonly errors: ErrorMonitor;
      readonly latency: LatencyStages;
      readonly logger: Logger;
      /** Keep the reports in `beats` (for the demo summary and tests). */
      readonly keep?: boolean;
    },
  ) {
    bus.subscribe('SIGNAL_GENERATED', 'app.heartbeat', () => {
      this.signals++;
    });
    bus.subscribe('RISK_REJECTED', 'app.heartbeat', (d) => {
      this.denials[d.reason] = (this.denials[d.reason] ?? 0) + 1;
    });
    bus.subscribe('TRADING_STATE_CHANGED', 'app.heartbeat', (t) => {
      this.tradingState = `${t.state} (${t.reason})`;
    });
    bus.subscribe('DATA_STALE', 'app.heartbeat', (s) => {
      if (s.stale) this.stale.add(s.symbol);
      else this.stale.delete(s.symbol);
    });
  }

  /** Where the stream status comes from (set by the composition root once its feed exists). */
  reportStreams(source: () => Readonly<Record<string, unknown>>): void {
    this.streams = source;
  }

  start(): void {
    this.timer = this.deps.scheduler.every(this.deps.periodMinutes * 60_000, (now) => {
      this.beat(now);
    });
  }

  stop(): void {
    if (this.timer !== undefined) this.deps.scheduler.cancel(this.timer);
    this.timer = undefined;
  }

  /** Build, log and publish one report now. */
  beat(now: number): HeartbeatReport {
    const a = this.deps.account;
    const report: HeartbeatReport = {
      time: now,
      tradingState: this.tradingState,
      equity: a.equity(),
      freeBalance: a.freeBalance(),
      pnlToday: a.pnlToday(),
      pnlTotal: a.pnlTotal(),
      openPositions: a.openPositions(),
      signalsSinceLast: this.signals,
      denialsSinceLast: this.denials,
      staleSymbols: [...this.stale].sort(),
      streams: this.streams?.() ?? {},
      errorsTotal: this.deps.errors.total,
      errors: this.deps.errors.counts.snapshot(),
      latencyNs: this.deps.latency.summary(),
    };
    this.signals = 0;
    this.denials = {};
    if (this.deps.keep === true) this.beats.push(report);
    this.deps.logger.info({ heartbeat: report }, heartbeatLine(report));
    this.bus.publish('HEARTBEAT', { time: now, report: report as unknown as Record<string, unknown> });
    return report;
  }
}

/** One human line per heartbeat. */
export function heartbeatLine(r: HeartbeatReport): string {
  const denied = Object.values(r.denialsSinceLast).reduce((x, y) => x + y, 0);
  const lat = r.latencyNs['candle→signal'];
  return (
    `HEARTBEAT ${new Date(r.time).toISOString()} ${r.tradingState} equity ${r.equity.toFixed(2)} free ${r.freeBalance.toFixed(2)} ` +
    `pnl today ${r.pnlToday.toFixed(2)} total ${r.pnlTotal.toFixed(2)} positions ${r.openPositions.length} ` +
    `signals ${r.signalsSinceLast} denied ${denied} stale ${r.staleSymbols.length} errors ${r.errorsTotal}` +
    (lat === undefined
      ? ''
      : ` candle→signal p50 ${(lat.p50 / 1000).toFixed(1)}µs p99 ${(lat.p99 / 1000).toFixed(1)}µs`)
  );
}
