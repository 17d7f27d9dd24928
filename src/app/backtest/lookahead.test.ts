import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { sharedData } from '../../../test/support/shared-data.js';
import type { SignalIntent, Strategy, StrategyFactory } from '../../brain/strategy.js';
import { silentLogger } from '../../core/logger.js';
import { loadConfig } from '../../config/load.js';
import type { Candle } from '../../domain/market.js';
import { loadKlines } from '../../venues/files/market-csv.js';
import { analyzeLookahead, evenCuts } from './lookahead.js';

// ../shared/data: Binance spot BTCUSDT 5m klines (2020-12-01 .. 2021-07-17); the first 4 000 rows
const candles = loadKlines(
  sharedData('klines/binance_spot_BTCUSDT_5m_20201201_20210717.csv.gz'),
  'BTCUSDT',
  '5m',
).slice(0, 4_000);
const { config } = loadConfig({ env: {}, cwd: tmpdir() });
const opts = { symbol: 'BTCUSDT', interval: '5m', logger: silentLogger } as const;

/**
 * A cheating strategy: it was handed the run's data (as a strategy that reads the data file would be)
 * and, on each candle, looks up the NEXT candle's close to pick its side.
 */
function peekingStrategy(data: readonly Candle[]): StrategyFactory {
  const next = new Map<number, Candle>();
  for (let i = 0; i + 1 < data.length; i++) next.set((data[i] as Candle).openTime, data[i + 1] as Candle);
  return (): Strategy => ({
    name: 'peek',
    trend: () => 0,
    onCandle: (c): SignalIntent | undefined => {
      const future = next.get(c.openTime);
      if (future === undefined) return undefined;
      const up = future.close >= c.close;
      return {
        side: up ? 'BUY' : 'SELL',
        confidence: 0.8,
        entry: c.close,
        stop: up ? c.close * 0.99 : c.close * 1.01,
        takeProfit: up ? c.close * 1.02 : c.close * 0.98,
        patterns: [],
        setup: 'peek',
      };
    },
  });
}

describe('analyzeLookahead', () => {
  it('finds no look-ahead in the engine (SMC strategy) on real BTCUSDT 5m data', async () => {
    const cuts = evenCuts(candles.length, 5, 500);
    const report = await analyzeLookahead(candles, config, cuts, opts);
    expect(report.cuts).toHaveLength(5);
    expect(report.compared).toBeGreaterThan(50); // signals were actually compared
    expect(report.differences).toEqual([]);
  });

  it('reports a strategy that peeks at the next candle', async () => {
    const slice = candles.slice(0, 1_500);
    const cuts = evenCuts(slice.length, 3, 100);
    const report = await analyzeLookahead(slice, config, cuts, { ...opts, strategyFor: peekingStrategy });
    expect(report.differences.length).toBeGreaterThanOrEqual(cuts.length);
    // at each cut, the signal on the last candle before the cut exists only in the full run
    for (const cut of cuts) {
      const d = report.differences.filter((x) => x.cut === cut);
      expect(d.some((x) => x.kind === 'missing')).toBe(true);
    }
  });

  it('spreads cut points evenly after the warm-up', () => {
    expect(evenCuts(100, 4, 20)).toEqual([36, 52, 68, 84]);
  });
});
