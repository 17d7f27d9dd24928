import { describe, expect, it } from 'vitest';
import { defaultParams, parseParamValue, resolveParams } from '../../brain/parameters.js';
import { EMA_CROSS_DEFINITION, EMA_CROSS_PARAMETERS } from '../../brain/ema-cross-strategy.js';
import { SMC_DEFINITION } from '../../brain/smc-strategy.js';
import { pickBest } from './objective.js';
import type { RunSummary } from './evaluate.js';
import { candidates, enumerateGrid, gridSize, parseRange, parseRanges, sampleGrid } from './space.js';

const spec = (name: string) => {
  const s = [...EMA_CROSS_PARAMETERS, ...SMC_DEFINITION.parameters].find((p) => p.name === name);
  if (s === undefined) throw new Error(name);
  return s;
};

describe('declared parameters', () => {
  it('every declared default is valid for its own declaration', () => {
    for (const def of [EMA_CROSS_DEFINITION, SMC_DEFINITION]) {
      expect(() => resolveParams(def.name, def.parameters, {})).not.toThrow();
      expect(def.check?.(defaultParams(def.parameters)) ?? []).toEqual([]);
    }
  });

  it('names an unknown parameter and a bad value', () => {
    expect(() => resolveParams('ema-cross', EMA_CROSS_PARAMETERS, { fats: 3 })).toThrow(
      /strategy ema-cross has no parameter "fats"/,
    );
    expect(() => resolveParams('ema-cross', EMA_CROSS_PARAMETERS, { fast: 2.5 })).toThrow(
      /parameter fast must be an integer, got 2.5/,
    );
    expect(() => resolveParams('ema-cross', EMA_CROSS_PARAMETERS, { stopAtr: 99 })).toThrow(
      /parameter stopAtr must be in \[0.1, 10\], got 99/,
    );
    expect(() => parseParamValue(spec('closeBreak'), 'maybe')).toThrow(
      /parameter closeBreak must be one of true, false, got "maybe"/,
    );
    expect(parseParamValue(spec('closeBreak'), 'false')).toBe(false);
  });
});

describe('search space', () => {
  it('parses ranges: a:b:step, a:b with the declared step, lists and single values', () => {
    expect(parseRange(spec('fast'), '5:20:5').values).toEqual([5, 10, 15, 20]);
    expect(parseRange(spec('fast'), '5:8').values).toEqual([5, 6, 7, 8]);
    // floats: no accumulated error (0.1 + 0.2 style)
    expect(parseRange(spec('stopAtr'), '0.1:0.7:0.2').values).toEqual([0.1, 0.3, 0.5, 0.7]);
    expect(parseRange(spec('rewardR'), '1:2').values).toEqual([1, 1.5, 2]);
    expect(parseRange(spec('closeBreak'), 'true,false').values).toEqual([true, false]);
    expect(parseRange(spec('fast'), '9').values).toEqual([9]);
    expect(() => parseRange(spec('fast'), '5:20:2.5')).toThrow(
      /fast: range "5:20:2.5" needs an integer step/,
    );
    expect(() => parseRange(spec('fast'), '20:5')).toThrow(/upper bound below its lower bound/);
    expect(() => parseRange(spec('fast'), '1:5')).toThrow(/parameter fast must be in \[2, 200\], got 1/);
    expect(() => parseRanges(EMA_CROSS_DEFINITION, ['nope=1:2'])).toThrow(/has no parameter "nope"/);
    expect(() => parseRanges(EMA_CROSS_DEFINITION, ['fast'])).toThrow(/--param expects name=range/);
  });

  it('enumerates the grid in declaration order, first parameter slowest, whatever the flag order', () => {
    const ranges = parseRanges(EMA_CROSS_DEFINITION, ['slow=20,30', 'fast=5:15:5']);
    expect(gridSize(ranges)).toBe(6);
    expect(enumerateGrid(ranges)).toEqual([
      { fast: 5, slow: 20 },
      { fast: 5, slow: 30 },
      { fast: 10, slow: 20 },
      { fast: 10, slow: 30 },
      { fast: 15, slow: 20 },
      { fast: 15, slow: 30 },
    ]);
  });

  it('random search: distinct grid points, the same for the same seed, different for another seed', () => {
    const ranges = parseRanges(EMA_CROSS_DEFINITION, ['fast=2:50', 'slow=51:100', 'stopAtr=0.5:3:0.5']);
    const grid = enumerateGrid(ranges).map((p) => JSON.stringify(p));
    const a = sampleGrid(ranges, 40, 7).map((p) => JSON.stringify(p));
    const b = sampleGrid(ranges, 40, 7).map((p) => JSON.stringify(p));
    const c = sampleGrid(ranges, 40, 8).map((p) => JSON.stringify(p));
    expect(a).toHaveLength(40);
    expect(new Set(a).size).toBe(40);
    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
    const inGrid = new Set(grid);
    expect(a.every((p) => inGrid.has(p))).toBe(true);
    // ascending grid order
    const idx = a.map((p) => grid.indexOf(p));
    expect([...idx].sort((x, y) => x - y)).toEqual(idx);
    // no more samples than points: the whole grid
    expect(sampleGrid(parseRanges(EMA_CROSS_DEFINITION, ['fast=5,6']), 10, 1)).toHaveLength(2);
  });

  it('completes points with base values and drops the combinations the strategy refuses', () => {
    const ranges = parseRanges(EMA_CROSS_DEFINITION, ['fast=10,20,30', 'slow=20']);
    const c = candidates(EMA_CROSS_DEFINITION, enumerateGrid(ranges), defaultParams(EMA_CROSS_PARAMETERS));
    expect(c.list).toEqual([{ fast: 10, slow: 20, atrPeriod: 14, stopAtr: 1.5, rewardR: 2 }]);
    expect(c.refused).toBe(2);
    expect(c.firstRefusal).toMatch(/fast \(20\) must be below slow \(20\)/);
  });
});

describe('objective', () => {
  const run = (trades: number, sharpe: number | null, net: number): RunSummary => ({
    candles: 100,
    trades,
    net_pnl: net,
    return: net / 10_000,
    sharpe,
    expectancy_r: null,
    win_rate: null,
    profit_factor: null,
    max_drawdown: 0,
    fees: 0,
    errors: 0,
    fingerprint: '',
  });
  it('picks the highest eligible score; too few trades or an undefined ratio is not eligible; a tie goes to the earlier', () => {
    const runs = [run(5, 9, 900), run(20, 1.5, 100), run(30, null, 50), run(12, 1.5, 300)];
    expect(pickBest(runs, 'sharpe', 10)).toEqual({ index: 1, score: 1.5 });
    expect(pickBest(runs, 'net_pnl', 10)).toEqual({ index: 3, score: 300 });
    expect(pickBest(runs, 'net_pnl', 1)).toEqual({ index: 0, score: 900 });
    expect(pickBest([run(3, 2, 1)], 'sharpe', 10)).toBeUndefined();
  });
});
