/**
 * The audit's math-stability cases, literally, plus short / flat / zero-range / zero-volume inputs.
 * Expected values are definitions documented in batch.ts and the class JSDoc (TA-Lib's conventions
 * where TA-Lib defines them: ta_RSI.c returns 0 on a flat window, ta_ADX.c keeps the ADX on a zero
 * range, ta_STOCH.c gives %K 0 on a zero range, ta_OBV.c starts at the first volume).
 */
import { describe, expect, it } from 'vitest';
import { errorCodeOf } from '../../core/errors.js';
import {
  ADX,
  ATR,
  atr,
  BollingerBands,
  EMA,
  MACD,
  OBV,
  RSI,
  rsi,
  RSI_NEUTRAL,
  SMA,
  Stochastic,
  VWAP,
} from './index.js';

function flat(n: number, price: number): number[] {
  return Array.from({ length: n }, () => price);
}

describe('rsi() batch helper', () => {
  it('returns 50 for the audit case rsi([100,101,99,102,101,100], 14) (too few closes)', () => {
    expect(rsi([100, 101, 99, 102, 101, 100], 14)).toBe(50);
    expect(RSI_NEUTRAL).toBe(50);
  });

  it('returns 50 for empty and one-close input', () => {
    expect(rsi([])).toBe(50);
    expect(rsi([42])).toBe(50);
  });

  it('returns 50 on exactly period closes and a value on period + 1', () => {
    const up = Array.from({ length: 15 }, (_, i) => 100 + i);
    expect(rsi(up.slice(0, 14), 14)).toBe(50);
    expect(rsi(up, 14)).toBe(100);
  });

  it('returns 50 on flat prices, where the streaming RSI follows TA-Lib and says 0 with flat = true', () => {
    expect(rsi(flat(40, 0.0005), 14)).toBe(50);
    const s = new RSI(14);
    for (const c of flat(40, 0.0005)) s.update(c);
    expect(s.ready).toBe(true);
    expect(s.value).toBe(0);
    expect(s.flat).toBe(true);
  });

  it('returns 0 when prices only fall and 100 when they only rise', () => {
    const down = Array.from({ length: 30 }, (_, i) => 200 - i);
    expect(rsi(down)).toBe(0);
    expect(rsi([...down].reverse())).toBe(100);
  });

  it('turns flat into a real value once prices move again', () => {
    const closes = [...flat(20, 100), 101];
    expect(rsi(closes)).toBe(100);
  });

  it('rejects a period that is not a positive integer with CONFIG_INVALID', () => {
    expect(() => rsi([1, 2, 3], 0)).toThrow();
    let code = '';
    try {
      rsi([1, 2, 3], 2.5);
    } catch (e) {
      code = errorCodeOf(e);
    }
    expect(code).toBe('CONFIG_INVALID');
  });
});

describe('atr() batch helper', () => {
  it('returns 0 for the audit case of 5 bars with period 14', () => {
    expect(atr([100, 101, 102, 103, 104], [99, 100, 101, 102, 103], [100, 101, 102, 103, 104], 14)).toBe(0);
  });

  it('returns 0 for empty input and for exactly period bars', () => {
    expect(atr([], [], [])).toBe(0);
    const h = Array.from({ length: 14 }, (_, i) => 101 + i);
    const l = h.map((x) => x - 2);
    const c = h.map((x) => x - 1);
    expect(atr(h, l, c, 14)).toBe(0);
  });

  it('returns the mean true range on period + 1 bars', () => {
    // constant range 2, closes mid-range, each bar 1 higher: TR = max(2, |c-h|=2, |c-l|=0) = 2
    const h = Array.from({ length: 15 }, (_, i) => 101 + i);
    const l = h.map((x) => x - 2);
    const c = h.map((x) => x - 1);
    expect(atr(h, l, c, 14)).toBe(2);
  });

  it('returns 0 on flat bars with zero range', () => {
    const p = flat(50, 0.0005);
    expect(atr(p, p, p)).toBe(0);
  });

  it('uses the common length when the arrays differ in length', () => {
    const p = flat(30, 10);
    expect(atr(p, p.slice(0, 3), p)).toBe(0);
  });
});

describe('streaming indicators on degenerate input give defined values', () => {
  const P = 0.0005;

  it('ATR on zero-range bars is 0', () => {
    const a = new ATR(14);
    for (let i = 0; i < 30; i++) a.update(P, P, P);
    expect(a.value).toBe(0);
  });

  it('EMA, SMA, MACD on flat closes stay within 1e-15 relative of the price (MACD of 0)', () => {
    // the seeds are sums of 20 / 26 / 12 equal closes divided back, as in TA-Lib: a few ulps off
    const e = new EMA(20);
    const s = new SMA(20);
    const m = new MACD();
    for (let i = 0; i < 60; i++) {
      e.update(P);
      s.update(P);
      m.update(P);
    }
    expect(Math.abs(e.value - P)).toBeLessThanOrEqual(P * 1e-15);
    expect(Math.abs(s.value - P)).toBeLessThanOrEqual(P * 1e-15);
    expect(Math.abs(m.value)).toBeLessThanOrEqual(P * 1e-15);
    expect(Math.abs(m.signal)).toBeLessThanOrEqual(P * 1e-15);
    expect(Math.abs(m.histogram)).toBeLessThanOrEqual(P * 1e-15);
  });

  it('Bollinger width on a flat window is exactly 0', () => {
    const b = new BollingerBands(20, 2);
    for (let i = 0; i < 25; i++) b.update(42_123.45);
    expect(b.upper).toBe(42_123.45);
    expect(b.lower).toBe(42_123.45);
    expect(b.stdDev).toBe(0);
  });

  it('Stochastic on zero-range bars is 0 (TA-Lib rule), not NaN', () => {
    const s = new Stochastic();
    for (let i = 0; i < 30; i++) s.update(P, P, P);
    expect(s.ready).toBe(true);
    expect(s.k).toBe(0);
    expect(s.d).toBe(0);
  });

  it('ADX on zero-range bars is 0 with DI 0, not NaN', () => {
    const a = new ADX(14);
    for (let i = 0; i < 40; i++) a.update(P, P, P);
    expect(a.ready).toBe(true);
    expect(a.value).toBe(0);
    expect(a.plusDI).toBe(0);
    expect(a.minusDI).toBe(0);
  });

  it('ADX keeps its value when the range goes to zero after real moves', () => {
    const a = new ADX(14);
    for (let i = 0; i < 40; i++) a.update(100 + i + 1, 100 + i - 1, 100 + i);
    const before = a.value;
    expect(before).toBeGreaterThan(0);
    for (let i = 0; i < 5; i++) a.update(140, 140, 140);
    expect(Number.isFinite(a.value)).toBe(true);
  });

  it('OBV on zero volume stays at its value; it starts at the first volume (TA-Lib), not 0', () => {
    const o = new OBV();
    o.update(10, 5);
    expect(o.value).toBe(5);
    o.update(11, 0);
    o.update(9, 0);
    expect(o.value).toBe(5);
    o.update(9, 100);
    expect(o.value).toBe(5);
  });

  it('VWAP with zero volume is the latest typical price; with volume it is the volume-weighted mean', () => {
    const v = new VWAP();
    expect(v.ready).toBe(false);
    expect(Number.isNaN(v.value)).toBe(true);
    v.update(12, 6, 9, 0);
    expect(v.value).toBe(9);
    v.update(3, 3, 3, 0);
    expect(v.value).toBe(3);
    v.update(10, 10, 10, 1);
    v.update(20, 20, 20, 3);
    expect(v.value).toBe(17.5);
  });

  it('VWAP reset() starts a new session at the next bar', () => {
    const v = new VWAP();
    v.update(10, 10, 10, 5);
    v.update(20, 20, 20, 5);
    expect(v.value).toBe(15);
    v.reset();
    expect(v.ready).toBe(false);
    expect(v.count).toBe(0);
    v.update(30, 30, 30, 1);
    expect(v.value).toBe(30);
    expect(v.volume).toBe(1);
  });
});

describe('constructor validation', () => {
  it('rejects periods that are not positive integers with CONFIG_INVALID', () => {
    const bad: (() => unknown)[] = [
      () => new RSI(0),
      () => new RSI(1),
      () => new ATR(-1),
      () => new EMA(1.5),
      () => new SMA(Number.NaN),
      () => new MACD(12, 26, 0),
      () => new BollingerBands(20, -1),
      () => new Stochastic(14, 0, 3),
      () => new ADX(1),
    ];
    for (const make of bad) {
      let code = '';
      try {
        make();
      } catch (e) {
        code = errorCodeOf(e);
      }
      expect(code).toBe('CONFIG_INVALID');
    }
  });
});
