/**
 * Optional latency between sending a request and its arrival at the simulated venue, on event time.
 *
 * `DelayedEngine` wraps a `MatchingEngine`: `submit` / `cancel` are delivered `latencyMs` after the time
 * they are sent, and their answer comes back through a callback at that moment. Market events are
 * forwarded unchanged, but every request due at or before an event's time is delivered first, so an
 * order sees the market as it is when it arrives, not when it was sent. A request due inside a candle
 * is delivered after that candle (it cannot see the part of the bar before its arrival) and stamped
 * with the candle's close time, so event times never go backwards.
 * The engine itself stays synchronous; with latency 0 the wrapper is a pass-through.
 */
import { InvariantError } from '../../core/errors.js';
import type { Candle, MarkPrice, Quote, Trade } from '../../domain/market.js';
import type { MatchingEngine, OrderRef } from './engine.js';
import type { SimOrderRequest, SimOrderView, SimResult } from './types.js';

interface Pending {
  readonly due: number;
  readonly seq: number;
  readonly run: (due: number) => void;
}

export type Reply = (result: SimResult<SimOrderView>, arrivalTime: number) => void;

export class DelayedEngine {
  private readonly queue: Pending[] = [];
  private seq = 0;

  constructor(
    readonly engine: MatchingEngine,
    readonly latencyMs: number,
  ) {
    if (!(latencyMs >= 0) || !Number.isFinite(latencyMs)) {
      throw new InvariantError(`latencyMs must be a finite number >= 0, got ${latencyMs}`);
    }
  }

  /** Requests sent but not yet arrived. */
  get inFlight(): number {
    return this.queue.length;
  }

  submit(req: SimOrderRequest, sentTime: number, reply: Reply): void {
    this.enqueue(sentTime, (due) => {
      reply(this.engine.submit(req, due), due);
    });
  }

  cancel(ref: OrderRef, sentTime: number, reply: Reply): void {
    this.enqueue(sentTime, (due) => {
      reply(this.engine.cancel(ref, due), due);
    });
  }

  onTrade(t: Trade): void {
    this.deliverUntil(t.time);
    this.engine.onTrade(t);
  }

  onQuote(q: Quote): void {
    this.deliverUntil(q.time);
    this.engine.onQuote(q);
  }

  onCandle(c: Candle): void {
    this.deliverUntil(c.openTime);
    this.engine.onCandle(c);
  }

  onMarkPrice(m: MarkPrice): void {
    this.deliverUntil(m.time);
    this.engine.onMarkPrice(m);
  }

  /** Deliver every request due at or before `time` (e.g. at the end of the data). */
  deliverUntil(time: number): void {
    while (this.queue.length > 0) {
      const next = this.queue[0] as Pending;
      if (next.due > time) return;
      this.queue.shift();
      // never stamp an arrival before what the engine has already processed (a candle's close time)
      next.run(Math.max(next.due, this.engine.time()));
    }
  }

  private enqueue(sentTime: number, run: (due: number) => void): void {
    const p: Pending = { due: sentTime + this.latencyMs, seq: this.seq++, run };
    if (this.latencyMs === 0 && this.queue.length === 0) {
      run(p.due);
      return;
    }
    // keep (due, seq) order; requests are usually sent in time order, so this scans from the end
    let i = this.queue.length;
    while (i > 0 && (this.queue[i - 1] as Pending).due > p.due) i--;
    this.queue.splice(i, 0, p);
  }
}
