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
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly bus: EventBus<AegisTopics>,
    private readonly journal: Journal,
    private readonly logger: Logger,
  ) {
    const name = 'app.journal';
    bus.subscribe('SIGNAL_GENERATED', name, (s) => {
      this.write('signal', { signalId: s.id, symbol: s.symbol }, () => journal.recordSignal(s));
    });
    bus.subscribe('RISK_REJECTED', name, (d) => {
      this.write('denial', { signalId: d.signalId, symbol: d.symbol }, () => journal.recordDenial(d));
    });
    bus.subscribe('ORDER_SUBMITTED', name, (o) => {
      this.write('order', { clientOrderId: o.clientOrderId, symbol: o.symbol }, () =>
        journal.recordOrderEvent(o),
      );
    });
    bus.subscribe('ORDER_UPDATED', name, (o) => {
      this.write('order', { clientOrderId: o.clientOrderId, symbol: o.symbol }, () =>
        journal.recordOrderEvent(o),
      );
    });
    bus.subscribe('FILL', name, (f) => {
      this.write('fill', { clientOrderId: f.clientOrderId, tradeId: f.tradeId, symbol: f.symbol }, () =>
        journal.recordFill(f),
      );
    });
    bus.subscribe('POSITION_OPENED', name, (p) => {
      this.write('position', { symbol: p.symbol }, () => journal.recordPosition('open', p));
    });
    bus.subscribe('POSITION_CLOSED', name, (p) => {
      this.write('position', { symbol: p.symbol }, () => journal.recordPosition('close', p));
    });
    bus.subscribe('BALANCE_UPDATED', name, (b) => {
      this.write('balance', { asset: b.asset }, () => journal.recordBalance(b));
    });
    bus.subscribe('HEARTBEAT', name, (h) => {
      this.write('heartbeat', { time: h.time }, () => journal.recordHeartbeat(h.time, h.report));
    });
  }

  /** Wait until every write started so far has settled. */
  async flush(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private write(kind: string, context: Record<string, string | number>, op: () => Promise<unknown>): void {
    this.counters.inc(kind);
    // one settle handler pair per write (no .finally: a backtest makes ~14k writes per 65k candles)
    const p: Promise<void> = op().then(
      () => {
        this.inFlight.delete(p);
      },
      (caught: unknown) => {
        this.inFlight.delete(p);
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
      },
    );
    this.inFlight.add(p);
  }
}
