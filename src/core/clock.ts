import { AegisError } from './errors.js';

/** Engine time in epoch milliseconds. In every mode this is the event time of the data being processed. */
export interface Clock {
  now(): number;
}

/** A monotonic high-resolution clock for latency measurement only (never for decisions). */
export interface MonotonicClock {
  /** Nanoseconds from an arbitrary origin. */
  nowNs(): number;
}

export interface TimerHandle {
  readonly id: number;
}

/** Timers on engine time. Callbacks fire in due-time order, ties in scheduling order. */
export interface Scheduler {
  /** Run `callback` once when engine time reaches `atMs`. */
  at(atMs: number, callback: (nowMs: number) => void): TimerHandle;
  /** Run `callback` every `periodMs` of engine time, first at `now + periodMs`. */
  every(periodMs: number, callback: (nowMs: number) => void): TimerHandle;
  cancel(handle: TimerHandle): void;
}

interface Timer {
  id: number;
  due: number;
  period: number; // 0 = one-shot
  callback: (nowMs: number) => void;
}

/**
 * Deterministic clock + scheduler driven by the data: `advanceTo(eventTime)` fires every timer due up to
 * that time, in order, with `now()` equal to each timer's due time while it runs.
 */
export class SimulatedClock implements Clock, Scheduler {
  private current: number;
  private nextId = 1;
  private timers: Timer[] = [];

  constructor(startMs = 0) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  at(atMs: number, callback: (nowMs: number) => void): TimerHandle {
    return this.add({ id: this.nextId++, due: atMs, period: 0, callback });
  }

  every(periodMs: number, callback: (nowMs: number) => void): TimerHandle {
    if (!(periodMs > 0) || !Number.isFinite(periodMs)) {
      throw new AegisError(
        'INVARIANT_BROKEN',
        `Scheduler.every periodMs must be a finite number > 0, got ${periodMs}`,
      );
    }
    return this.add({ id: this.nextId++, due: this.current + periodMs, period: periodMs, callback });
  }

  cancel(handle: TimerHandle): void {
    this.timers = this.timers.filter((t) => t.id !== handle.id);
  }

  /** Number of timers waiting. */
  get pending(): number {
    return this.timers.length;
  }

  /** Move engine time forward to `t`, firing every timer due on the way. Time never goes backwards. */
  advanceTo(t: number): void {
    if (t < this.current) {
      throw new AegisError(
        'SCHEDULER_TIME_BACKWARDS',
        `SimulatedClock cannot move back from ${this.current} to ${t}`,
        {
          context: { from: this.current, to: t },
        },
      );
    }
    for (;;) {
      const next = this.timers[0];
      if (next === undefined || next.due > t) break;
      this.timers.shift();
      this.current = next.due;
      if (next.period > 0) {
        next.due += next.period;
        this.insert(next);
      }
      next.callback(this.current);
    }
    this.current = t;
  }

  private add(timer: Timer): TimerHandle {
    this.insert(timer);
    return { id: timer.id };
  }

  private insert(timer: Timer): void {
    let i = this.timers.length;
    while (i > 0) {
      const prev = this.timers[i - 1];
      if (prev === undefined || prev.due <= timer.due) break;
      i--;
    }
    this.timers.splice(i, 0, timer);
  }
}
