/**
 * The real-time Clock + Scheduler for live use of the adapter (timeouts, rate-limit pauses, time-sync
 * refresh). Tests inject core's SimulatedClock instead.
 */
import type { Clock, Scheduler, TimerHandle } from '../../core/clock.js';

export class WallClock implements Clock, Scheduler {
  private nextId = 1;
  private readonly timers = new Map<number, NodeJS.Timeout>();

  now(): number {
    return Date.now();
  }

  at(atMs: number, callback: (nowMs: number) => void): TimerHandle {
    const id = this.nextId++;
    const t = setTimeout(
      () => {
        this.timers.delete(id);
        callback(Date.now());
      },
      Math.max(0, atMs - Date.now()),
    );
    t.unref();
    this.timers.set(id, t);
    return { id };
  }

  every(periodMs: number, callback: (nowMs: number) => void): TimerHandle {
    const id = this.nextId++;
    const t = setInterval(() => {
      callback(Date.now());
    }, periodMs);
    t.unref();
    this.timers.set(id, t);
    return { id };
  }

  cancel(handle: TimerHandle): void {
    const t = this.timers.get(handle.id);
    if (t !== undefined) {
      clearTimeout(t);
      this.timers.delete(handle.id);
    }
  }
}
