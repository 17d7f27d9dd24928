import { errorCodeOf, toError } from '../core/errors.js';
import type { EventBus } from '../core/event-bus.js';
import type { Logger } from '../core/logger.js';
import { Counters } from '../core/metrics.js';
import type { AegisTopics } from '../domain/events.js';
import type { Journal } from '../store/journal.js';

/**
 * Journals what the engine decides and what the venue does: signals, denials, order events, fills,
 * positions, balances, heartbeats. Each write's failure is logged with context, counted and published on
 * ERROR; nothing is dropped silently. `flush()` waits for every write in flight (shutdown).
 */
export class JournalRecorder {
  readonly counters = new Counters();
  /** Writes started and not settled yet; `flush()` waits for 0. */
  private pending = 0;
  private drained: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  /** One shared settle handler for every successful write (a backtest makes ~14k writes per 65k candles). */
  private readonly settled = (): void => {
    if (--this.pending === 0 && this.wake !== undefined) {
      const wake = this.wake;
      this.wake = undefined;
      this.drained = undefined;
      wake();
    }
  };

  constructor(
    private readonly bus: EventBus<AegisTopics>,
    private readonly journal: Journal,
    private readonly logger: Logger,
  ) {
    const name = 'app.journal';
    // the failure context of a write is built only when it fails (contextOf)
    bus.subscribe('SIGNAL_GENERATED', name, (s) => {
      this.track('signal', s, journal.recordSignal(s));
    });
    bus.subscribe('RISK_REJECTED', name, (d) => {
      this.track('denial', d, journal.recordDenial(d));
    });
    bus.subscribe('ORDER_SUBMITTED', name, (o) => {
      this.track('order', o, journal.recordOrderEvent(o));
    });
    bus.subscribe('ORDER_UPDATED', name, (o) => {
      this.track('order', o, journal.recordOrderEvent(o));
    });
    bus.subscribe('FILL', name, (f) => {
      this.track('fill', f, journal.recordFill(f));
    });
    bus.subscribe('POSITION_OPENED', name, (p) => {
      this.track('position', p, journal.recordPosition('open', p));
    });
    bus.subscribe('POSITION_CLOSED', name, (p) => {
      this.track('position', p, journal.recordPosition('close', p));
    });
    bus.subscribe('BALANCE_UPDATED', name, (b) => {
      this.track('balance', b, journal.recordBalance(b));
    });
    bus.subscribe('HEARTBEAT', name, (h) => {
      this.track('heartbeat', h, journal.recordHeartbeat(h.time, h.report));
    });
  }

  /** Wait until every write started so far has settled. */
  async flush(): Promise<void> {
    while (this.pending > 0) {
      this.drained ??= new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      await this.drained;
    }
  }

  /** Count a write and own its outcome: a failure is logged with context, counted and published on ERROR. */
  private track(kind: Kind, event: JournaledEvent, write: Promise<unknown>): void {
    this.counters.inc(kind);
    this.pending++;
    write.then(this.settled, (caught: unknown) => {
      this.settled();
      const context = contextOf(kind, event);
      const err = toError(caught);
      this.counters.inc('errors');
      this.logger.error(
        { kind, ...context, code: errorCodeOf(caught), err },
        `journal ${kind} write failed: ${err.message}`,
      );
      this.bus.publish('ERROR', {
        source: 'journal',
        code: errorCodeOf(caught),
        message: err.message,
        context: { kind, ...context },
      });
    });
  }
}

type Kind = 'signal' | 'denial' | 'order' | 'fill' | 'position' | 'balance' | 'heartbeat';
type JournaledEvent = AegisTopics[
  | 'SIGNAL_GENERATED'
  | 'RISK_REJECTED'
  | 'ORDER_SUBMITTED'
  | 'FILL'
  | 'POSITION_OPENED'
  | 'BALANCE_UPDATED'
  | 'HEARTBEAT'];

/** The identifying fields of a journaled event, for the failure log line and the ERROR event. */
function contextOf(kind: Kind, e: JournaledEvent): Record<string, string | number> {
  switch (kind) {
    case 'signal': {
      const s = e as AegisTopics['SIGNAL_GENERATED'];
      return { signalId: s.id, symbol: s.symbol };
    }
    case 'denial': {
      const d = e as AegisTopics['RISK_REJECTED'];
      return { signalId: d.signalId, symbol: d.symbol };
    }
    case 'order': {
      const o = e as AegisTopics['ORDER_SUBMITTED'];
      return { clientOrderId: o.clientOrderId, symbol: o.symbol };
    }
    case 'fill': {
      const f = e as AegisTopics['FILL'];
      return { clientOrderId: f.clientOrderId, tradeId: f.tradeId, symbol: f.symbol };
    }
    case 'position':
      return { symbol: (e as AegisTopics['POSITION_OPENED']).symbol };
    case 'balance':
      return { asset: (e as AegisTopics['BALANCE_UPDATED']).asset };
    case 'heartbeat':
      return { time: (e as AegisTopics['HEARTBEAT']).time };
  }
}
