import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AegisError } from '../core/errors.js';
import { Decimal, DecimalError, dec } from './decimal.js';

/** Arbitrary plain decimal strings with up to 12 integer digits and 10 fraction digits. */
const decimalText = fc
  .tuple(
    fc.boolean(),
    fc.bigInt({ min: 0n, max: 999_999_999_999n }),
    fc.option(fc.stringMatching(/^\d{1,10}$/), { nil: undefined }),
  )
  .map(([neg, int, frac]) => `${neg ? '-' : ''}${int.toString()}${frac === undefined ? '' : `.${frac}`}`);

/** Positive step sizes as Binance publishes them: 10^-k or d*10^-k, k in 0..8. */
const stepText = fc
  .tuple(fc.constantFrom(1, 2, 5, 25), fc.integer({ min: 0, max: 8 }))
  .map(([d, k]) => Decimal.of(BigInt(d), k).toString());

describe('Decimal parsing and printing', () => {
  it('parses Binance-style strings and prints them without trailing zeros', () => {
    // exchangeInfo publishes stepSize "0.00100000" and tickSize "0.01000000" (Binance spot docs, filters)
    expect(dec('0.00100000').toString()).toBe('0.001');
    expect(dec('0.01000000').toString()).toBe('0.01');
    expect(dec('100.000').toString()).toBe('100');
    expect(dec('-0.5').toString()).toBe('-0.5');
    expect(dec('-0').toString()).toBe('0');
    expect(dec('007.10').toString()).toBe('7.1');
  });

  it('rejects NaN, exponents, blanks and junk with an error naming the value', () => {
    for (const bad of ['NaN', '1e5', '1.2.3', '', ' 1', '1 ', '.5', '5.', 'Infinity', '0x10', '1,5', '--1']) {
      expect(() => dec(bad)).toThrow(DecimalError);
      try {
        dec(bad);
      } catch (caught) {
        expect(caught).toBeInstanceOf(AegisError);
        expect((caught as AegisError).message).toContain(`"${bad}"`);
        expect((caught as AegisError).code).toBe('DATA_REJECTED');
      }
    }
  });

  it('converts floats through their shortest string, including exponent forms', () => {
    expect(Decimal.fromNumber(0.1).toString()).toBe('0.1');
    expect(Decimal.fromNumber(1e-7).toString()).toBe('0.0000001');
    expect(Decimal.fromNumber(1.5e21).toString()).toBe('1500000000000000000000');
    expect(Decimal.fromNumber(-2.5e-8).toString()).toBe('-0.000000025');
    expect(() => Decimal.fromNumber(Number.NaN)).toThrow(/NaN/);
  });

  it('converts any finite number to the value of its shortest string (integer fast path included)', () => {
    const viaString = (x: number): Decimal => {
      const t = String(x);
      if (!/e/i.test(t)) return Decimal.parse(t);
      const [mant = '', exp = '0'] = t.toLowerCase().split('e');
      const m = Decimal.parse(mant);
      const e = Number(exp);
      return e >= 0
        ? m.mul(Decimal.of(10n ** BigInt(e)))
        : m.div(Decimal.of(10n ** BigInt(-e)), m.scale - e, 'down');
    };
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
          fc.double({ noNaN: true, noDefaultInfinity: true }),
          fc.constantFrom(0, -0, 2 ** 53, -(2 ** 53), 2 ** 53 + 2, 1e21, 60_000, 49_990.5),
        ),
        (x) => {
          const got = Decimal.fromNumber(x);
          const want = viaString(x);
          expect([got.units, got.scale]).toEqual([want.units, want.scale]);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('pads to a fixed number of places and refuses to drop digits', () => {
    expect(dec('0.001').toFixed(8)).toBe('0.00100000');
    expect(dec('5').toFixed(2)).toBe('5.00');
    expect(() => dec('0.123').toFixed(2)).toThrow(/more than/);
  });

  it('round-trips every plain decimal string (property)', () => {
    fc.assert(
      fc.property(decimalText, (text) => {
        const d = dec(text);
        expect(dec(d.toString()).eq(d)).toBe(true);
        // same numeric value as the input: compare against the input with its zeros normalised
        expect(d.cmp(dec(text))).toBe(0);
      }),
    );
  });
});

describe('Decimal arithmetic', () => {
  it('adds and subtracts exactly where floats do not', () => {
    // 0.1 + 0.2 = 0.30000000000000004 in IEEE-754 doubles
    expect(dec('0.1').add(dec('0.2')).toString()).toBe('0.3');
    expect(dec('1').sub(dec('0.9')).toString()).toBe('0.1');
    expect(dec('0.00000001').mul(dec('0.00000001')).toString()).toBe('0.0000000000000001');
    expect(dec('-3').mul(dec('0.5')).toString()).toBe('-1.5');
  });

  it('divides with the requested scale and rounding', () => {
    expect(dec('1').div(dec('3'), 4, 'down').toString()).toBe('0.3333');
    expect(dec('2').div(dec('3'), 4, 'nearest').toString()).toBe('0.6667');
    expect(dec('-1').div(dec('3'), 2, 'down').toString()).toBe('-0.34');
    expect(() => dec('1').div(dec('0'), 2)).toThrow(/Division by zero/);
  });

  it('compares across scales', () => {
    expect(dec('1.10').cmp(dec('1.1'))).toBe(0);
    expect(dec('1.09').lt(dec('1.1'))).toBe(true);
    expect(dec('-2').gt(dec('-2.5'))).toBe(true);
  });

  it('add then sub returns the original (property)', () => {
    fc.assert(
      fc.property(decimalText, decimalText, (a, b) => {
        expect(dec(a).add(dec(b)).sub(dec(b)).eq(dec(a))).toBe(true);
      }),
    );
  });
});

describe('Decimal rounding to a tick or step', () => {
  it('rounds down, up and to nearest on a 0.001 step', () => {
    const step = dec('0.00100000');
    expect(dec('1.23456').roundToStep(step, 'down').toString()).toBe('1.234');
    expect(dec('1.23456').roundToStep(step, 'up').toString()).toBe('1.235');
    expect(dec('1.23449').roundToStep(step, 'nearest').toString()).toBe('1.234');
    expect(dec('1.2345').roundToStep(step, 'nearest').toString()).toBe('1.235');
    expect(dec('7').roundToStep(dec('0.5'), 'down').toString()).toBe('7');
    expect(dec('7.3').roundToStep(dec('0.25'), 'down').toString()).toBe('7.25');
    expect(dec('123').roundToStep(dec('10'), 'nearest').toString()).toBe('120');
    expect(() => dec('1').roundToStep(dec('0'), 'down')).toThrow(/Step size/);
  });

  it('gives a multiple of the step that never exceeds the input when rounding down (property)', () => {
    fc.assert(
      fc.property(decimalText, stepText, (text, stepS) => {
        const x = dec(text);
        const step = dec(stepS);
        const down = x.roundToStep(step, 'down');
        const up = x.roundToStep(step, 'up');
        const near = x.roundToStep(step, 'nearest');
        for (const r of [down, up, near]) expect(r.isMultipleOf(step)).toBe(true);
        expect(down.lte(x)).toBe(true);
        expect(up.gte(x)).toBe(true);
        expect(x.sub(down).lt(step)).toBe(true);
        expect(up.sub(x).lt(step)).toBe(true);
        // nearest is within half a step
        expect(near.sub(x).abs().mul(dec('2')).lte(step)).toBe(true);
      }),
    );
  });

  it('is idempotent: rounding a rounded value changes nothing (property)', () => {
    fc.assert(
      fc.property(
        decimalText,
        stepText,
        fc.constantFrom('down', 'up', 'nearest' as const),
        (text, s, mode) => {
          const step = dec(s);
          const once = dec(text).roundToStep(step, mode);
          expect(once.roundToStep(step, 'down').eq(once)).toBe(true);
          expect(once.roundToStep(step, 'up').eq(once)).toBe(true);
          expect(once.roundToStep(step, 'nearest').eq(once)).toBe(true);
        },
      ),
    );
  });
});

/**
 * Reference model: the BigInt-only Decimal this file's class replaced (units always a BigInt, normalised
 * by stripping trailing zeros), written out independently. The class holds units as a double while they
 * are a safe integer; every operation must give the same units and scale as this model, on both sides of
 * 2^53 (the class falls back to BigInt when a double would not be exact).
 */
interface Ref {
  readonly u: bigint;
  readonly s: number;
}
const p10 = (n: number): bigint => 10n ** BigInt(n);
function norm(u: bigint, s: number): Ref {
  if (u === 0n) return { u: 0n, s: 0 };
  while (s > 0 && u % 10n === 0n) {
    u /= 10n;
    s -= 1;
  }
  return { u, s };
}
function refDivRound(num: bigint, den: bigint, mode: 'down' | 'up' | 'nearest'): bigint {
  if (den < 0n) {
    num = -num;
    den = -den;
  }
  let q = num / den;
  if (num - q * den === 0n) return q;
  if (num - q * den < 0n) q -= 1n;
  const rem = num - q * den;
  return mode === 'down' ? q : mode === 'up' ? q + 1n : rem * 2n >= den ? q + 1n : q;
}
function align(a: Ref, b: Ref): [bigint, bigint, number] {
  const s = Math.max(a.s, b.s);
  return [a.u * p10(s - a.s), b.u * p10(s - b.s), s];
}
const ref = {
  add: (a: Ref, b: Ref): Ref => {
    const [x, y, s] = align(a, b);
    return norm(x + y, s);
  },
  sub: (a: Ref, b: Ref): Ref => {
    const [x, y, s] = align(a, b);
    return norm(x - y, s);
  },
  mul: (a: Ref, b: Ref): Ref => norm(a.u * b.u, a.s + b.s),
  div: (a: Ref, b: Ref, scale: number, mode: 'down' | 'up' | 'nearest'): Ref =>
    norm(refDivRound(a.u * p10(scale + b.s), b.u * p10(a.s), mode), scale),
  cmp: (a: Ref, b: Ref): number => {
    const [x, y] = align(a, b);
    return x < y ? -1 : x > y ? 1 : 0;
  },
  roundToStep: (a: Ref, step: Ref, mode: 'down' | 'up' | 'nearest'): Ref => {
    const [x, y, s] = align(a, step);
    return norm(refDivRound(x, y, mode) * y, s);
  },
  roundToScale: (a: Ref, d: number, mode: 'down' | 'up' | 'nearest'): Ref =>
    a.s <= d ? a : norm(refDivRound(a.u, p10(a.s - d), mode), d),
  isMultipleOf: (a: Ref, step: Ref): boolean => {
    const [x, y] = align(a, step);
    return x % y === 0n;
  },
  text: (a: Ref): string => {
    const neg = a.u < 0n;
    const digits = (neg ? -a.u : a.u).toString();
    if (a.s === 0) return `${neg ? '-' : ''}${digits}`;
    const padded = digits.padStart(a.s + 1, '0');
    const cut = padded.length - a.s;
    return `${neg ? '-' : ''}${padded.slice(0, cut)}.${padded.slice(cut)}`;
  },
};

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);
/**
 * Units around every boundary the double path checks: 0, +-1, small, near 2^53 on both sides, and far
 * beyond it; scales 0..30 (10^22 is the last power of ten exact as a double).
 */
const unitsArb = fc.oneof(
  fc.constantFrom(
    0n,
    1n,
    -1n,
    5n,
    -5n,
    10n,
    SAFE,
    -SAFE,
    SAFE - 1n,
    SAFE + 1n,
    -SAFE - 1n,
    SAFE * 10n,
    2n ** 63n,
  ),
  fc.bigInt({ min: -999n, max: 999n }),
  fc.bigInt({ min: -SAFE, max: SAFE }),
  fc.bigInt({ min: -(SAFE / 1000n), max: SAFE / 1000n }),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
  fc.bigInt({ min: 1n, max: 9_999_999n }).map((u) => u * 10n ** 6n),
);
const scaleArb = fc.oneof(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 30 }));
const refArb = fc.tuple(unitsArb, scaleArb).map(([u, s]) => norm(u, s));
const modeArb = fc.constantFrom('down' as const, 'up' as const, 'nearest' as const);
const toDec = (r: Ref): Decimal => Decimal.of(r.u, r.s);
function same(got: Decimal, want: Ref): void {
  expect([got.units, got.scale, got.toString()]).toEqual([want.u, want.s, ref.text(want)]);
  // one value, one representation: equal to the same value built from its BigInt units
  expect(got.eq(Decimal.of(want.u, want.s))).toBe(true);
  expect(got).toEqual(Decimal.of(want.u, want.s));
}

describe('Decimal double fast path = the BigInt reference model (property)', () => {
  const runs = { numRuns: 4000 };

  it('add, sub, mul, cmp, eq, sign, neg, abs, toString', () => {
    fc.assert(
      fc.property(refArb, refArb, (a, b) => {
        const x = toDec(a);
        const y = toDec(b);
        same(x, a);
        same(x.add(y), ref.add(a, b));
        same(x.sub(y), ref.sub(a, b));
        same(x.mul(y), ref.mul(a, b));
        expect(x.cmp(y)).toBe(ref.cmp(a, b));
        expect(x.eq(y)).toBe(ref.cmp(a, b) === 0);
        expect(x.sign()).toBe(a.u < 0n ? -1 : a.u > 0n ? 1 : 0);
        expect(x.isZero()).toBe(a.u === 0n);
        same(x.neg(), norm(-a.u, a.s));
        same(x.abs(), norm(a.u < 0n ? -a.u : a.u, a.s));
        expect(dec(x.toString()).eq(x)).toBe(true);
      }),
      runs,
    );
  });

  it('div at any scale and rounding mode', () => {
    fc.assert(
      fc.property(refArb, refArb, fc.integer({ min: 0, max: 24 }), modeArb, (a, b, scale, mode) => {
        if (b.u === 0n) {
          expect(() => toDec(a).div(toDec(b), scale, mode)).toThrow(/Division by zero/);
          return;
        }
        same(toDec(a).div(toDec(b), scale, mode), ref.div(a, b, scale, mode));
      }),
      runs,
    );
  });

  it('roundToStep, roundToScale, isMultipleOf', () => {
    fc.assert(
      fc.property(refArb, refArb, fc.integer({ min: 0, max: 30 }), modeArb, (a, b, d, mode) => {
        const x = toDec(a);
        same(x.roundToScale(d, mode), ref.roundToScale(a, d, mode));
        const step = b.u < 0n ? norm(-b.u, b.s) : b;
        if (step.u === 0n) {
          expect(x.isMultipleOf(toDec(step))).toBe(false);
          return;
        }
        same(x.roundToStep(toDec(step), mode), ref.roundToStep(a, step, mode));
        expect(x.isMultipleOf(toDec(step))).toBe(ref.isMultipleOf(a, step));
      }),
      runs,
    );
  });

  it('exact ties and signs on the double path (hand cases)', () => {
    // -2.5 to a step of 1: down -3, up -2, nearest (tie up toward +infinity) -2
    same(dec('-2.5').roundToStep(dec('1'), 'down'), { u: -3n, s: 0 });
    same(dec('-2.5').roundToStep(dec('1'), 'up'), { u: -2n, s: 0 });
    same(dec('-2.5').roundToStep(dec('1'), 'nearest'), { u: -2n, s: 0 });
    same(dec('2.5').roundToScale(0, 'nearest'), { u: 3n, s: 0 });
    same(dec('-1').div(dec('-3'), 2, 'up'), { u: 34n, s: 2 });
    same(dec('1').div(dec('-8'), 2, 'nearest'), { u: -12n, s: 2 });
    // 2^53 - 1 and one more: the second leaves the double path
    same(dec('9007199254740991').add(dec('1')), { u: 9007199254740992n, s: 0 });
    same(dec('9007199254740991').mul(dec('-1')).sub(dec('1')), { u: -9007199254740992n, s: 0 });
    same(dec('0.5').sub(dec('0.5')), { u: 0n, s: 0 });
    same(dec('0').neg(), { u: 0n, s: 0 });
    same(dec('-0.000').mul(dec('5')), { u: 0n, s: 0 });
  });
});
