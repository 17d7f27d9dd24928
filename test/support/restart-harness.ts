/**
 * The in-process restart harness shared by test/restart-sim.test.ts and test/spot-restart.test.ts: the
 * SimVenue as one engine process sees it (ProcessView, which can "kill" the process at a chosen submit)
 * and `boot`, which starts a TradeEngine + JournalRecorder on a new bus over that view.
 */
import { JournalRecorder } from '../../src/app/journal-recorder.js';
import type { SimulatedClock } from '../../src/core/clock.js';
import { EventBus } from '../../src/core/event-bus.js';
import { MemoryLogger } from '../../src/core/logger.js';
import { type AegisTopics, type Reconciled, type RiskRejected, TOPICS } from '../../src/domain/events.js';
import type { OrderEvent, OrderRequest } from '../../src/domain/order.js';
import type {
  ExecutionUpdate,
  ExecutionVenue,
  SubmitResult,
  VenueSubscription,
} from '../../src/domain/ports.js';
import type { Journal } from '../../src/store/journal.js';
import { TradeEngine } from '../../src/trade/engine.js';
import { RISK } from '../../src/trade/test-support/fixtures.js';
import type { SimVenue } from '../../src/venues/sim/venue.js';

export const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

/**
 * The SimVenue as one engine process sees it. `killOn` decides, per submit, to die before the request
 * reaches the venue ('before') or after the venue processed it but before the engine hears anything
 * ('after'). `connected = false` drops updates but answers calls (a user-stream outage).
 */
export class ProcessView implements ExecutionVenue {
  readonly name = 'sim';
  dead = false;
  connected = true;
  /** When set, updates are queued instead of delivered (a stalled stream), until `release()`. */
  holding: ExecutionUpdate[] | undefined;
  private listeners: ((u: ExecutionUpdate) => void)[] = [];

  constructor(
    private readonly venue: SimVenue,
    private readonly log: { acks: OrderRequest[] },
    private readonly killOn: (o: OrderRequest) => 'before' | 'after' | undefined = () => undefined,
  ) {
    venue.onExecution((u) => {
      if (this.dead || !this.connected) return;
      if (this.holding !== undefined) {
        this.holding.push(u);
        return;
      }
      for (const l of this.listeners) l(u);
    });
  }

  release(): void {
    const held = this.holding ?? [];
    this.holding = undefined;
    for (const u of held) for (const l of this.listeners) l(u);
  }

  kill(): void {
    this.dead = true;
  }

  async submitOrder(order: OrderRequest): Promise<SubmitResult> {
    if (this.dead) return never();
    const kill = this.killOn(order);
    if (kill === 'before') {
      this.dead = true;
      return never();
    }
    if (kill === 'after') this.dead = true;
    const r = await this.venue.submitOrder(order);
    if (r.kind === 'ack') this.log.acks.push(order);
    return this.dead ? never() : r;
  }

  cancelOrder(symbol: string, id: string): Promise<OrderEvent> {
    return this.dead ? never() : this.venue.cancelOrder(symbol, id);
  }

  queryOrder(symbol: string, id: string): Promise<OrderEvent | undefined> {
    return this.dead ? never() : this.venue.queryOrder(symbol, id);
  }

  openOrders(symbol?: string): ReturnType<ExecutionVenue['openOrders']> {
    return this.dead ? never() : this.venue.openOrders(symbol);
  }

  positions(): ReturnType<ExecutionVenue['positions']> {
    return this.dead ? never() : this.venue.positions();
  }

  balances(): ReturnType<ExecutionVenue['balances']> {
    return this.dead ? never() : this.venue.balances();
  }

  setLeverage(symbol: string, leverage: number): Promise<void> {
    return this.dead ? never() : this.venue.setLeverage(symbol, leverage);
  }

  instruments(): ReturnType<ExecutionVenue['instruments']> {
    return this.venue.instruments();
  }

  onExecution(listener: (u: ExecutionUpdate) => void): VenueSubscription {
    this.listeners.push(listener);
    return {
      unsubscribe: () => {
        this.listeners = this.listeners.filter((l) => l !== listener);
      },
    };
  }
}

export interface Process {
  readonly engine: TradeEngine;
  readonly view: ProcessView;
  readonly bus: EventBus<AegisTopics>;
  readonly reconciled: Reconciled[];
  readonly denials: RiskRejected[];
  readonly recorder: JournalRecorder;
  readonly logger: MemoryLogger;
  /** The engine's last BALANCE_UPDATED: free quote and the quote in positions. */
  readonly balance: { free: number; locked: number };
}

/**
 * A new engine "process" on a new bus over `venue` and `journal`; accepted submits are logged in
 * `log.acks`; `killOn` kills the process at a chosen submit (see ProcessView).
 */

export async function boot(
  venue: SimVenue,
  journal: Journal,
  clock: SimulatedClock,
  log: { acks: OrderRequest[] } = { acks: [] },
  killOn?: (o: OrderRequest) => 'before' | 'after' | undefined,
): Promise<Process> {
  const logger = new MemoryLogger();
  const bus = new EventBus<AegisTopics>(TOPICS, { logger });
  const view = new ProcessView(venue, log, killOn);
  const recorder = new JournalRecorder(bus, journal, logger);
  const reconciled: Reconciled[] = [];
  const denials: RiskRejected[] = [];
  bus.subscribe('RECONCILED', 'test', (r) => reconciled.push(r));
  bus.subscribe('RISK_REJECTED', 'test', (d) => denials.push(d));
  const balance = { free: Number.NaN, locked: Number.NaN };
  bus.subscribe('BALANCE_UPDATED', 'test', (b) => {
    balance.free = b.free;
    balance.locked = b.locked;
  });
  const engine = new TradeEngine({
    bus,
    clock,
    venue: view,
    logger,
    history: journal,
    config: { risk: RISK, rotation: { margin: 0.1, cooldownMs: 600_000 }, quoteAsset: 'USDT' },
    isStale: () => false,
  });
  await engine.start();
  return { engine, view, bus, reconciled, denials, recorder, logger, balance };
}
