import type { EventBus, ErrorEvent } from '../core/event-bus.js';
import type { Logger } from '../core/logger.js';
import { Counters } from '../core/metrics.js';
import type { AegisTopics } from '../domain/events.js';

/**
 * Counts every ERROR event by source and code (for heartbeats and the run summary) and keeps the
 * latest few for the operator. Logging already happened where the error was caught.
 */
export class ErrorMonitor {
  readonly counts = new Counters();
  readonly recent: ErrorEvent[] = [];
  private readonly keep: number;

  constructor(bus: EventBus<AegisTopics>, logger: Logger, keep = 20) {
    this.keep = keep;
    bus.subscribe('ERROR', 'app.error-monitor', (e) => {
      this.counts.inc(`${e.source}:${e.code}`);
      this.recent.push(e);
      if (this.recent.length > this.keep) this.recent.shift();
      logger.debug({ source: e.source, code: e.code }, 'error counted');
    });
  }

  get total(): number {
    return Object.values(this.counts.snapshot()).reduce((a, b) => a + b, 0);
  }
}
