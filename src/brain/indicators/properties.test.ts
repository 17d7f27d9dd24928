/**
 * Property tests (fast-check): bounds, streaming == batch recomputation, replace() == "add only the
 * final bar", and the rolling max/min against a naive window scan.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ADX, ATR, atr, BollingerBands, MACD, RollingExtreme, RSI, rsi, Stochastic } from './index.js';
import type { Bar, Driver } from './testkit.js';
import { makeDrivers } from './testkit.js';

/** Bars around a price; the integer branch makes equal closes, equal highs and zero ranges common. */
const barArb: fc.Arbitrary<Bar> = fc.oneof(
  fc
    .record({
      mid: fc.double({ min: 0.0001, max: 100_000, noNaN: true }),
      up: fc.double({ min: 0, max: 0.05, noNaN: true }),
      down: fc.double({ min: 0, max: 0.05, noNaN: true }),
      at: fc.double({ min: 0, max: 1, noNaN: true }),
      volume: fc.double({ min: 0, max: 1e6, noNaN: true }),
    })
    .map(({ mid, up, down, at, volume }) => {
      const high = mid * (1 + up);
      const low = mid * (1 - down);
      return { high, low, close: low + (high - low) * at, volume };
    }),
  fc
    .record({
      low: fc.integer({ min: 1, max: 4 }),
      range: fc.integer({ min: 0, max: 2 }),
      at: fc.integer({ min: 0, max: 2 }),
      volume: fc.integer({ min: 0, max: 3 }),
    })
    .map(({ low, range, at, volume }) => ({
      high: low + range,
      low,
      close: low + Math.min(at, range),
      volume,
    })),
);

const closesArb = fc.array(
  fc.oneof(fc.double({ min: 0.0001, max: 100_000, noNaN: true }), fc.integer({ min: 1, max: 3 })),
  { maxLength: 60 },
);

function same(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
}

describe('indicator properties', () => {
  it('RSI stays within [0, 100] and ATR >= 0 on any input', () => {
    fc.assert(
      fc.property(fc.array(barArb, { maxLength: 80 }), (bars) => {
        const r = new RSI(14);
        const a = new ATR(14);
        for (const b of bars) {
          r.update(b.close);
          a.update(b.high, b.low, b.close);
          if (r.ready && !(r.value >= 0 && r.value <= 100)) return false;
          if (a.ready && !(a.value >= 0)) return false;
          if (r.ready !== !Number.isNaN(r.value) || a.ready !== !Number.isNaN(a.value)) return false;
        }
        return true;
      }),
    );
  });

  it('Stochastic in [0, 100] (±1e-9 running-sum drift), ADX and DI in [0, 100], Bollinger lower <= middle <= upper, MACD histogram = macd - signal', () => {
    fc.assert(
      fc.property(fc.array(barArb, { maxLength: 80 }), (bars) => {
        const s = new Stochastic();
        const x = new ADX(5);
        const bb = new BollingerBands(5, 2);
        const m = new MACD(3, 6, 4);
        const inRange = (v: number, eps: number): boolean => v >= -eps && v <= 100 + eps;
        for (const b of bars) {
          s.update(b.high, b.low, b.close);
          x.update(b.high, b.low, b.close);
          bb.update(b.close);
          m.update(b.close);
          if (s.ready && !(inRange(s.k, 1e-9) && inRange(s.d, 1e-9))) return false;
          if (x.ready && !(inRange(x.value, 1e-9) && inRange(x.plusDI, 1e-9) && inRange(x.minusDI, 1e-9)))
            return false;
          if (bb.ready && !(bb.lower <= bb.middle && bb.middle <= bb.upper)) return false;
          if (m.ready && !Object.is(m.histogram, m.value - m.signal)) return false;
        }
        return true;
      }),
    );
  });

  it('streaming RSI equals the batch rsi() of every prefix (50 where not ready or flat)', () => {
    fc.assert(
      fc.property(closesArb, fc.integer({ min: 2, max: 10 }), (closes, period) => {
        const r = new RSI(period);
        for (let i = 0; i < closes.length; i++) {
          r.update(closes[i] as number);
          const batch = rsi(closes.slice(0, i + 1), period);
          const expected = r.ready && !r.flat ? r.value : 50;
          if (!Object.is(batch, expected)) return false;
        }
        return true;
      }),
    );
  });

  it('streaming ATR equals the batch atr() of every prefix (0 where not ready)', () => {
    fc.assert(
      fc.property(fc.array(barArb, { maxLength: 40 }), fc.integer({ min: 1, max: 10 }), (bars, period) => {
        const a = new ATR(period);
        for (let i = 0; i < bars.length; i++) {
          const b = bars[i] as Bar;
          a.update(b.high, b.low, b.close);
          const prefix = bars.slice(0, i + 1);
          const batch = atr(
            prefix.map((p) => p.high),
            prefix.map((p) => p.low),
            prefix.map((p) => p.close),
            period,
          );
          if (!Object.is(batch, a.ready ? a.value : 0)) return false;
        }
        return true;
      }),
    );
  });

  it('replace() previews exactly what add() would give, and replaces followed by add equal adding only the final bar', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ bar: barArb, previews: fc.array(barArb, { maxLength: 3 }) }), { maxLength: 45 }),
        (steps) => {
          const withReplace = makeDrivers();
          const addOnly = makeDrivers();
          for (let i = 0; i < steps.length; i++) {
            const { bar, previews } = steps[i] as { bar: Bar; previews: Bar[] };
            for (const q of previews) {
              // the reference for a preview: a fresh instance fed the committed bars and then q
              const fresh = makeDrivers();
              for (let j = 0; j < i; j++)
                for (const d of Object.values(fresh)) d.add((steps[j] as { bar: Bar }).bar);
              for (const [key, d] of Object.entries(withReplace)) {
                d.replace(q);
                const f = fresh[key] as Driver;
                f.add(q);
                if (d.ready !== f.ready || !same(d.outputs(), f.outputs())) return false;
              }
            }
            for (const [key, d] of Object.entries(withReplace)) {
              const o = addOnly[key] as Driver;
              d.add(bar);
              o.add(bar);
              if (d.ready !== o.ready || !same(d.outputs(), o.outputs())) return false;
            }
          }
          return true;
        },
      ),
      { numRuns: 60 },
    );
  });

  it('RollingExtreme push/peek equal a naive scan of the window', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 60 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 5 }),
        (xs, period, probe) => {
          const hi = new RollingExtreme(period, 'max');
          const lo = new RollingExtreme(period, 'min');
          for (let i = 0; i < xs.length; i++) {
            const peekWindow = [...xs.slice(Math.max(0, i - period + 1), i), probe];
            if (hi.peek(probe) !== Math.max(...peekWindow) || lo.peek(probe) !== Math.min(...peekWindow))
              return false;
            const window = xs.slice(Math.max(0, i - period + 1), i + 1);
            const x = xs[i] as number;
            if (hi.push(x) !== Math.max(...window) || lo.push(x) !== Math.min(...window)) return false;
          }
          return true;
        },
      ),
    );
  });
});

describe('replace() worked example (synthetic BTC-like bars)', () => {
  it('adding 50 bars, replacing the forming bar 5 times, then adding equals adding only the final bar, for every indicator, over the next 30 bars too', () => {
    const bars: Bar[] = Array.from({ length: 81 }, (_, i) => {
      const mid = 30_000 + 250 * Math.sin(i / 5) + 13 * (i % 7);
      return {
        high: mid + 40 + (i % 3),
        low: mid - 35 - (i % 4),
        close: mid + ((i * 17) % 50) - 25,
        volume: 3 + (i % 5),
      };
    });
    const a = makeDrivers();
    const b = makeDrivers();
    for (const [key, d] of Object.entries(a)) {
      const o = b[key] as Driver;
      for (let i = 0; i < 50; i++) {
        d.add(bars[i] as Bar);
        o.add(bars[i] as Bar);
      }
      const final = bars[50] as Bar;
      for (let r = 1; r <= 5; r++) {
        d.replace({
          high: final.high + r * 10,
          low: final.low - r,
          close: final.close + r * (r % 2 ? 7 : -7),
          volume: r,
        });
      }
      d.add(final);
      o.add(final);
      expect(d.outputs(), d.name).toEqual(o.outputs());
      for (let i = 51; i < bars.length; i++) {
        d.add(bars[i] as Bar);
        o.add(bars[i] as Bar);
        expect(d.outputs(), `${d.name} bar ${i}`).toEqual(o.outputs());
      }
      expect(d.ready, d.name).toBe(true);
    }
  });
});
