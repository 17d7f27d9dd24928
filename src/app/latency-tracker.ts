import type { MonotonicClock } from '../core/clock.js';
import type { EventBus } from '../core/event-bus.js';
import type { AegisTopics } from '../domain/events.js';
import type { LatencyStages } from './heartbeat.js';

/**
 * Measures the pipeline stages on the bus with a monotonic clock:
 * candle→signal (CANDLE_CLOSED to the SIGNAL_GENERATED it caused), signal→order (to the entry's
 * ORDER_SUBMITTED), order→ack (to the venue's `new`), ack→fill (to the first FILL) — the last two for
 * market orders only, since a resting order's wait is the market's, not the engine's.
 * It must subscribe before the brain so that its CANDLE_CLOSED stamp comes first.
 */
export class LatencyTracker {
  private readonly candleAt = new Map<string, number>();
  private readonly signalAt = new Map<string, number>();
  private readonly submittedAt = new Map<string, number>();
  private readonly ackedAt = new Map<string, number>();

  constructor(bus: EventBus<AegisTopics>, stages: LatencyStages, clock: MonotonicClock) {
    const name = 'app.latency';
    bus.subscribe('CANDLE_CLOSED', name, (c) => {
      this.candleAt.clear(); // dispatch is synchronous: only the candle being processed matters
      this.candleAt.set(`${c.symbol}|${c.openTime}`, clock.nowNs());
    });
    bus.subscribe('SIGNAL_GENERATED', name, (s) => {
      const now = clock.nowNs();
      const t0 = this.candleAt.get(`${s.symbol}|${s.candleOpenTime}`);
      if (t0 !== undefined) stages.record('candle→signal', now - t0);
      this.signalAt.set(s.symbol, now);
    });
    bus.subscribe('ORDER_SUBMITTED', name, (o) => {
      const now = clock.nowNs();
      const t0 = this.signalAt.get(o.symbol);
      if (t0 !== undefined) {
        stages.record('signal→order', now - t0);
        this.signalAt.delete(o.symbol);
      }
      // resting orders (stops, targets, limits) wait for the market: only market orders measure the venue
      if (o.type === 'MARKET') this.submittedAt.set(o.clientOrderId, now);
    });
    bus.subscribe('ORDER_UPDATED', name, (o) => {
      const t0 = this.submittedAt.get(o.clientOrderId);
      if (t0 === undefined) return;
      const now = clock.nowNs();
      if (!this.ackedAt.has(o.clientOrderId)) {
        stages.record('order→ack', now - t0);
        this.ackedAt.set(o.clientOrderId, now);
      }
      if (o.status !== 'new' && o.status !== 'partially_filled') {
        this.submittedAt.delete(o.clientOrderId);
        this.ackedAt.delete(o.clientOrderId);
      }
    });
    bus.subscribe('FILL', name, (f) => {
      const t0 = this.ackedAt.get(f.clientOrderId);
      if (t0 !== undefined) stages.record('ack→fill', clock.nowNs() - t0);
    });
  }
}
