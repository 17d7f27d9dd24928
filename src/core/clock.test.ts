import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from './clock.js';
import { AegisError } from './errors.js';

describe('SimulatedClock', () => {
  it('fires timers in due order with now() equal to each due time', () => {
    const clock = new SimulatedClock(1_000);
    const fired: [string, number, number][] = [];
    clock.at(1_300, (t) => fired.push(['c', t, clock.now()]));
    clock.at(1_100, (t) => fired.push(['a', t, clock.now()]));
    clock.at(1_200, (t) => fired.push(['b', t, clock.now()]));
    clock.advanceTo(1_250);
    expect(fired).toEqual([
      ['a', 1_100, 1_100],
      ['b', 1_200, 1_200],
    ]);
    expect(clock.now()).toBe(1_250);
  });

  it('repeats `every` timers on engine time and stops after cancel', () => {
    const clock = new SimulatedClock(0);
    const ticks: number[] = [];
    const h = clock.every(15 * 60_000, (t) => ticks.push(t));
    clock.advanceTo(60 * 60_000);
    expect(ticks).toEqual([900_000, 1_800_000, 2_700_000, 3_600_000]);
    clock.cancel(h);
    clock.advanceTo(2 * 60 * 60_000);
    expect(ticks).toHaveLength(4);
  });

  it('refuses to go back in time', () => {
    const clock = new SimulatedClock(10);
    expect(() => {
      clock.advanceTo(5);
    }).toThrow(AegisError);
  });

  it('fires every timer exactly once, in non-decreasing due order, ties in scheduling order (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1_000 }), { maxLength: 50 }), (dues) => {
        const clock = new SimulatedClock(0);
        const fired: [number, number][] = [];
        dues.forEach((d, i) => clock.at(d, () => fired.push([d, i])));
        clock.advanceTo(1_000);
        const expected = dues
          .map((d, i) => [d, i] as [number, number])
          .sort((x, y) => x[0] - y[0] || x[1] - y[1]);
        expect(fired).toEqual(expected);
      }),
    );
  });
});
