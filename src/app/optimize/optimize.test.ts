import { tmpdir } from 'node:os';
import { beforeAll, describe, expect, it } from 'vitest';
import { sharedData } from '../../../test/support/shared-data.js';
import { silentLogger } from '../../core/logger.js';
import { loadConfig } from '../../config/load.js';
import { EMA_CROSS_DEFINITION } from '../../brain/ema-cross-strategy.js';
import { SMC_DEFINITION } from '../../brain/smc-strategy.js';
import type { Candle } from '../../domain/market.js';
import { loadKlines } from '../../venues/files/market-csv.js';
import { runBacktest } from '../backtest/run.js';
import { optimize, type OptimizeOptions, type OptimizeReport } from './optimize.js';
import { formatOptimize } from './report.js';
import { parseRanges } from './space.js';
import { baseParams } from './strategies.js';
import { windowsByCount } from './walk-forward.js';

// ../shared/data: Binance spot BTCUSDT 5m klines, 2020-12-01 .. 2021-07-17; the first 4,500 rows
const FILE = sharedData('klines/binance_spot_BTCUSDT_5m_20201201_20210717.csv.gz');
const { config } = loadConfig({ env: {}, cwd: tmpdir() });

const withoutTiming = (r: OptimizeReport): Omit<OptimizeReport, 'timing'> => {
  const { timing: _timing, ...rest } = r;
  return rest;
};

describe('optimize (walk-forward, real BTCUSDT 5m klines)', () => {
  let candles: Candle[] = [];
  let opts: OptimizeOptions;
  let inProcess: OptimizeReport;
  beforeAll(async () => {
    candles = loadKlines(FILE, 'BTCUSDT', '5m').slice(0, 4_500);
    opts = {
      config,
      candles,
      symbol: 'BTCUSDT',
      interval: '5m',
      strategy: 'ema-cross',
      ranges: parseRanges(EMA_CROSS_DEFINITION, ['fast=5,15', 'slow=30']),
      search: 'grid',
      windows: { unit: 'candles', train: 1_500, test: 1_000 },
      objective: 'net_pnl',
      minTrades: 5,
      workers: 0,
      logger: silentLogger,
    };
    inProcess = await optimize(opts);
  });

  it('gives the same report on 1 and 2 worker threads as in-process', async () => {
    expect(inProcess.windows).toHaveLength(3);
    expect(inProcess.backtests).toBe(3 * 2 + 3);
    expect(inProcess.errors).toBe(0);
    const one = await optimize({ ...opts, workers: 1 });
    const two = await optimize({ ...opts, workers: 2 });
    expect(one.timing.workers).toBe(1);
    expect(two.timing.workers).toBe(2);
    expect(withoutTiming(one)).toEqual(withoutTiming(inProcess));
    expect(withoutTiming(two)).toEqual(withoutTiming(inProcess));
  });

  it('chooses on the in-sample span and reports only the out-of-sample run of the choice', async () => {
    const windows = windowsByCount(candles.length, { train: 1_500, test: 1_000 });
    const base = { config, symbol: 'BTCUSDT', interval: '5m', logger: silentLogger, minTrades: 5 } as const;
    const sets = [
      { fast: 5, slow: 30, atrPeriod: 14, stopAtr: 1.5, rewardR: 2 },
      { fast: 15, slow: 30, atrPeriod: 14, stopAtr: 1.5, rewardR: 2 },
    ];
    let sum = 0;
    let differsFromInSample = 0;
    for (const w of windows) {
      const report = inProcess.windows[w.index];
      // independent in-sample runs of both candidates: the report's choice is their argmax
      const train = await Promise.all(
        sets.map((p) =>
          runBacktest({
            ...base,
            candles: candles.slice(w.trainStart, w.trainEnd),
            strategy: EMA_CROSS_DEFINITION.create(p),
          }),
        ),
      );
      const scores = train.map((r) => (r.trades >= 5 ? r.net_pnl : -Infinity));
      const best = (scores[1] as number) > (scores[0] as number) ? 1 : 0;
      expect(report?.chosen).toEqual(sets[best]);
      // the out-of-sample numbers are those of a fresh run of that choice on the test span alone
      const test = await runBacktest({
        ...base,
        candles: candles.slice(w.testStart, w.testEnd),
        strategy: EMA_CROSS_DEFINITION.create(sets[best] as (typeof sets)[number]),
      });
      expect(report?.oos?.fingerprint).toBe(test.fingerprint);
      expect(report?.oos?.net_pnl).toBeCloseTo(test.net_pnl, 9);
      expect(report?.oos?.trades).toBe(test.trades);
      expect(report?.test.candles).toBe(1_000);
      expect(report?.test.from).toBe(candles[w.testStart]?.openTime);
      if ((train[best] as (typeof train)[number]).fingerprint !== test.fingerprint) differsFromInSample++;
      sum += test.net_pnl;
    }
    // the in-sample runs really differ from the out-of-sample ones (otherwise this test could not tell them apart)
    expect(differsFromInSample).toBe(windows.length);
    expect(inProcess.oos.net_pnl).toBeCloseTo(sum, 6);
    expect(inProcess.oos.windows_traded).toBe(3);
    expect(inProcess.oos.candles).toBe(3_000);
    const text = formatOptimize(inProcess);
    expect(text).toContain('OUT-OF-SAMPLE');
    expect(text).toContain('BEST PARAMETERS: fast=');
    // nothing in-sample in the report: no field carries an in-sample score
    expect(JSON.stringify(inProcess)).not.toMatch(/in_sample|train_score|is_score/);
  });

  it('does not look ahead: changing the candles of the last test span leaves every choice unchanged', async () => {
    const cut = 3_500; // start of window 2's test span
    const changed = candles.map((c, i) =>
      i < cut ? c : { ...c, open: c.open * 0.5, high: c.high * 0.5, low: c.low * 0.5, close: c.close * 0.5 },
    );
    const r = await optimize({ ...opts, candles: changed });
    expect(r.windows.map((w) => w.chosen)).toEqual(inProcess.windows.map((w) => w.chosen));
    expect(r.windows[0]?.oos).toEqual(inProcess.windows[0]?.oos);
    expect(r.windows[2]?.oos?.fingerprint).not.toBe(inProcess.windows[2]?.oos?.fingerprint);
  });

  it("the SMC declaration's defaults trade exactly like the engine's default strategy", async () => {
    const opts = {
      config,
      candles: candles.slice(0, 2_000),
      symbol: 'BTCUSDT',
      interval: '5m',
      logger: silentLogger,
    } as const;
    const engineDefault = await runBacktest(opts);
    const declared = await runBacktest({
      ...opts,
      strategy: SMC_DEFINITION.create(baseParams(SMC_DEFINITION, config)),
    });
    expect(engineDefault.trades).toBeGreaterThan(0);
    expect(declared.fingerprint).toBe(engineDefault.fingerprint);
    const other = await runBacktest({
      ...opts,
      strategy: SMC_DEFINITION.create({ ...baseParams(SMC_DEFINITION, config), swingLength: 3 }),
    });
    expect(other.fingerprint).not.toBe(engineDefault.fingerprint);
  });

  it('reports the most chosen parameters and the dispersion of the choices', () => {
    const picks = inProcess.windows.map((w) => w.chosen?.fast);
    const fives = picks.filter((x) => x === 5).length;
    const fifteens = picks.filter((x) => x === 15).length;
    const fast = inProcess.stability.params.find((p) => p.name === 'fast');
    expect(fast?.distinct).toBe((fives > 0 ? 1 : 0) + (fifteens > 0 ? 1 : 0));
    expect(inProcess.best.chosen_in).toBe(Math.max(fives, fifteens));
    expect(inProcess.best.params?.fast).toBe(fives > fifteens ? 5 : 15);
    expect(fast?.mode_share).toBeCloseTo(Math.max(fives, fifteens) / 3, 12);
    expect(inProcess.best.latest).toEqual(inProcess.windows[2]?.chosen);
  });
});
