import { describe, expect, it } from 'vitest';
import { WallClock } from './wall-clock.js';

describe('WallClock', () => {
  it('fires a timer that is already due on the next turn of the event loop, with wall time', async () => {
    const clock = new WallClock();
    const before = Date.now();
    const firedAt = await new Promise<number>((resolve) => clock.at(before - 1, resolve));
    expect(firedAt).toBeGreaterThanOrEqual(before);
    expect(clock.pending).toBe(0);
  });

  it('cancels timers so nothing keeps the process alive at shutdown', () => {
    const clock = new WallClock();
    clock.at(Date.now() + 3_600_000, () => undefined);
    clock.every(3_600_000, () => undefined);
    expect(clock.pending).toBe(2);
    clock.cancelAll();
    expect(clock.pending).toBe(0);
  });

  it('reads a monotonic clock that never goes back', () => {
    const clock = new WallClock();
    const a = clock.nowNs();
    const b = clock.nowNs();
    expect(b).toBeGreaterThanOrEqual(a);
  });
});
