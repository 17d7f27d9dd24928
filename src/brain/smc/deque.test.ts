import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MonotonicDeque } from './deque.js';

/**
 * The deque against a naive scan of the same window: after every push / dropThrough the front must be the
 * extreme of the rows kept (ties: the latest with `latestOnTies`, else the earliest). Long monotonic runs
 * (many small steps in one direction) push well past the initial 64 entries, so the ring grows.
 */
describe('MonotonicDeque', () => {
  const ops = fc.array(fc.record({ value: fc.integer({ min: -3, max: 3 }), drop: fc.nat({ max: 3 }) }), {
    minLength: 1,
    maxLength: 400,
    size: 'max',
  });

  it('front = the extreme of the kept rows, for max/min and both tie rules, through ring growth', () => {
    fc.assert(
      fc.property(ops, fc.boolean(), fc.boolean(), fc.boolean(), (steps, max, latest, drift) => {
        const q = new MonotonicDeque(max, latest);
        const kept: { row: number; value: number }[] = [];
        let level = 0;
        let dropped = -1;
        for (let row = 0; row < steps.length; row++) {
          const s = steps[row] as { value: number; drop: number };
          // drift: a long monotonic run against the kept extreme, so nothing is popped and the ring grows
          level = drift ? level + (max ? -1 : 1) : s.value;
          q.push(row, level, -level, 1000 + row);
          kept.push({ row, value: level });
          if (!drift && s.drop === 0) {
            dropped = row - 5;
            q.dropThrough(dropped);
          }
          const live = kept.filter((k) => k.row > dropped);
          const best = live.reduce((b, k) => {
            const better = max ? k.value > b.value : k.value < b.value;
            return better || (latest && k.value === b.value) ? k : b;
          });
          if (q.length === 0 || q.frontRow() !== best.row || q.frontValue() !== best.value) return false;
          if (q.frontAux() !== -best.value || q.frontTime() !== 1000 + best.row) return false;
        }
        return true;
      }),
      { numRuns: 300, seed: 11 },
    );
  });

  it('reports an empty deque as front row -1', () => {
    const q = new MonotonicDeque(true, false);
    expect(q.frontRow()).toBe(-1);
    q.push(3, 1, 0, 0);
    q.dropThrough(3);
    expect(q.length).toBe(0);
    expect(q.frontRow()).toBe(-1);
  });
});
