import { describe, expect, it } from 'vitest';
import { parseSpan, windowsByCount, windowsByTime } from './walk-forward.js';

describe('walk-forward windows', () => {
  it('rolls train and test spans forward by the test length, keeping only complete windows', () => {
    const w = windowsByCount(1000, { train: 300, test: 200 });
    // windows: train [0,300) test [300,500); [200,500) [500,700); [400,700) [700,900); next test would end at 1100
    expect(w.map((x) => [x.trainStart, x.trainEnd, x.testStart, x.testEnd])).toEqual([
      [0, 300, 300, 500],
      [200, 500, 500, 700],
      [400, 700, 700, 900],
    ]);
    // out-of-sample spans tile the data after the first train span, without overlap
    for (let i = 1; i < w.length; i++) expect(w[i]?.testStart).toBe(w[i - 1]?.testEnd);
    // a test span never overlaps its own train span
    for (const x of w) expect(x.testStart).toBeGreaterThanOrEqual(x.trainEnd);
  });

  it('anchored windows train from the first candle; a step shorter than the test overlaps test spans', () => {
    const a = windowsByCount(1000, { train: 300, test: 200, anchored: true });
    expect(a.map((x) => [x.trainStart, x.trainEnd, x.testEnd])).toEqual([
      [0, 300, 500],
      [0, 500, 700],
      [0, 700, 900],
    ]);
    const s = windowsByCount(600, { train: 300, test: 200, step: 50 });
    expect(s.map((x) => x.testStart)).toEqual([300, 350, 400]);
    expect(windowsByCount(500, { train: 300, test: 200 })).toHaveLength(1);
  });

  it('refuses spans that do not fit or are not positive integers, naming them', () => {
    expect(() => windowsByCount(499, { train: 300, test: 200 })).toThrow(
      /train \+ test = 500 candles, the data has 499/,
    );
    expect(() => windowsByCount(1000, { train: 0, test: 200 })).toThrow(
      /walk-forward train must be an integer >= 1/,
    );
    expect(() => windowsByCount(1000, { train: 10, test: 2.5 })).toThrow(/walk-forward test/);
  });

  it('by time: boundaries fall on open times, and a gap in the data gives a window fewer candles', () => {
    const H = 3_600_000;
    // hourly candles 0..99 with hours 30..39 missing
    const times = Array.from({ length: 100 }, (_, i) => i * H).filter((t) => t < 30 * H || t >= 40 * H);
    const w = windowsByTime(times, 100 * H, { train: 20 * H, test: 20 * H });
    // windows: train [0h,20h) test [20h,40h); [20h,40h) [40h,60h); [40h,60h) [60h,80h); [60h,80h) [80h,100h)
    expect(w).toHaveLength(4);
    expect(w[0]).toMatchObject({ trainStart: 0, trainEnd: 20, testStart: 20, testEnd: 30 });
    expect(w[1]).toMatchObject({ trainStart: 20, trainEnd: 30, testStart: 30, testEnd: 50 });
    expect(w[3]).toMatchObject({ testStart: 70, testEnd: 90 });
    expect(() => windowsByTime(times, 100 * H, { train: 30 * H, test: 5 * H, step: 5 * H })).toThrow(
      /window 0 .* no candles in its train or test span/,
    );
  });

  it('parses spans as candle counts or durations', () => {
    expect(parseSpan('--train', '5000')).toEqual({ value: 5000, unit: 'candles' });
    expect(parseSpan('--train', '30d')).toEqual({ value: 30 * 86_400_000, unit: 'ms' });
    expect(parseSpan('--test', '12h')).toEqual({ value: 12 * 3_600_000, unit: 'ms' });
    expect(parseSpan('--test', '2w')).toEqual({ value: 14 * 86_400_000, unit: 'ms' });
    expect(() => parseSpan('--test', '3 days')).toThrow(/--test must be a candle count .* got "3 days"/);
    expect(() => parseSpan('--train', '0')).toThrow(/--train must be >= 1 candle/);
  });
});
