import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Bar } from './bar.js';
import { CandleRing } from './ring-buffer.js';

function bar(openTime: number, close = openTime / 1000): Bar {
  const b = new Bar();
  b.resetFlat(openTime, close);
  b.volume = openTime % 7;
  b.closed = true;
  return b;
}

describe('CandleRing', () => {
  it('keeps the newest `capacity` candles, newest at index 0, whatever the number appended (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 200 }), (capacity, n) => {
        const ring = new CandleRing(capacity);
        for (let k = 0; k < n; k++) ring.append(bar(k * 60_000));
        const len = Math.min(capacity, n);
        expect(ring.length).toBe(len);
        for (let i = 0; i < len; i++) {
          const k = n - 1 - i; // i-th newest is the k-th appended
          expect(ring.openTime(i)).toBe(k * 60_000);
          expect(ring.volume(i)).toBe((k * 60_000) % 7);
          expect(ring.close(i)).toBe(k * 60);
        }
        expect(() => ring.openTime(len)).toThrow();
      }),
    );
  });

  it('matches an array model under any mix of append, replaceLast and removeLast (property)', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('append' as const), v: fc.integer({ min: 0, max: 1e6 }) }),
      fc.record({ kind: fc.constant('replace' as const), v: fc.integer({ min: 0, max: 1e6 }) }),
      fc.record({ kind: fc.constant('remove' as const), v: fc.constant(0) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.array(op, { maxLength: 100 }), (capacity, ops) => {
        const ring = new CandleRing(capacity);
        let model: number[] = [];
        for (const o of ops) {
          if (o.kind === 'append') {
            ring.append(bar(o.v));
            model.push(o.v);
          } else if (o.kind === 'replace') {
            ring.replaceLast(bar(o.v));
            if (model.length === 0) model.push(o.v);
            else model[model.length - 1] = o.v;
          } else {
            ring.removeLast();
            model.pop();
          }
          model = model.slice(-capacity);
        }
        expect(ring.length).toBe(model.length);
        for (let i = 0; i < model.length; i++) expect(ring.openTime(i)).toBe(model[model.length - 1 - i]);
      }),
    );
  });

  it('replaceLast updates the forming candle in place without growing', () => {
    const ring = new CandleRing(3);
    ring.append(bar(0));
    const forming = bar(60_000);
    forming.closed = false;
    ring.append(forming);
    forming.high = 99;
    ring.replaceLast(forming);
    expect(ring.length).toBe(2);
    expect(ring.high(0)).toBe(99);
    expect(ring.isClosed(0)).toBe(false);
    expect(ring.isClosed(1)).toBe(true);
    const c = ring.candle(0, 'BTCUSDT', '1m');
    expect(c).toMatchObject({ symbol: 'BTCUSDT', interval: '1m', openTime: 60_000, high: 99, closed: false });
  });

  it('stores the synthetic flag', () => {
    const ring = new CandleRing(2);
    const b = bar(0);
    b.synthetic = true;
    ring.append(b);
    expect(ring.isSynthetic(0)).toBe(true);
  });

  it('rejects a capacity below 1', () => {
    expect(() => new CandleRing(0)).toThrow(/capacity/);
  });
});
