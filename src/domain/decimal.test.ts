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
