import type { Clock, MonotonicClock, Scheduler, TimerHandle } from '../core/clock.js';

/**
 * Wall-clock time for live and paper modes: the only place engine timers meet real time.
 * Engine layers see it only through the Clock / Scheduler / MonotonicClock interfaces.
 */
export class WallClock implements Clock, Scheduler, MonotonicClock {
  private nextId = 1;
  private readonly timers = new Map<number, NodeJS.Timeout>();

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
    this.timers.set(id, timer);
    return { id };
  }

  every(periodMs: number, callback: (nowMs: number) => void): TimerHandle {
    const id = this.nextId++;
    this.timers.set(
      id,
      setInterval(() => {
        callback(this.now());
      }, periodMs),
    );
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
