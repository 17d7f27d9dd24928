import type { Clock, MonotonicClock, Scheduler, TimerHandle } from '../core/clock.js';

/**
 * Wall-clock time for live and paper modes and for the venue adapters (timeouts, rate-limit pauses,
 * time-sync refresh): the one place timers meet real time. Engine layers see it only through the Clock /
 * Scheduler / MonotonicClock interfaces; tests inject core's SimulatedClock instead.
 * `unref` (default true): its timers do not by themselves keep the process alive.
 */
export class WallClock implements Clock, Scheduler, MonotonicClock {
  private nextId = 1;
  private readonly timers = new Map<number, NodeJS.Timeout>();

  constructor(private readonly options: { readonly unref?: boolean } = {}) {}

  now(): number {
    return Date.now();
  }

  nowNs(): number {
    return Number(process.hrtime.bigint());
  }

  at(atMs: number, callback: (nowMs: number) => void): TimerHandle {
    const id = this.nextId++;
    const timer = setTimeout(
      () => {
        this.timers.delete(id);
        callback(this.now());
      },
      Math.max(0, atMs - this.now()),
    );
    if (this.options.unref !== false) timer.unref();
    this.timers.set(id, timer);
    return { id };
  }

  every(periodMs: number, callback: (nowMs: number) => void): TimerHandle {
    const id = this.nextId++;
    const timer = setInterval(() => {
      callback(this.now());
    }, periodMs);
    if (this.options.unref !== false) timer.unref();
    this.timers.set(id, timer);
    return { id };
  }

  cancel(handle: TimerHandle): void {
    const t = this.timers.get(handle.id);
    if (t !== undefined) {
      clearTimeout(t);
      this.timers.delete(handle.id);
    }
  }

  /** Cancel every timer (shutdown). */
  cancelAll(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  get pending(): number {
    return this.timers.size;
  }
}

/** Monotonic nanoseconds for latency histograms. */
export const monotonic: MonotonicClock = { nowNs: () => Number(process.hrtime.bigint()) };
