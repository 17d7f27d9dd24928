import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { sharedData } from '../../../test/support/shared-data.js';
import { silentLogger } from '../../core/logger.js';
import { loadConfig } from '../../config/load.js';
import type { Candle } from '../../domain/market.js';
import { openJournal } from '../../store/open.js';
import { readCsvFile } from '../../venues/files/csv.js';
import { loadKlines } from '../../venues/files/market-csv.js';
import { backtestJson, formatBacktest } from './report.js';
import { runBacktest, runBacktestDetailed } from './run.js';

// ../shared/data: Binance spot BTCUSDT 5m klines, 2020-12-01 .. 2021-07-17 (65,741 rows)
const FILE = sharedData('klines/binance_spot_BTCUSDT_5m_20201201_20210717.csv.gz');
const { config } = loadConfig({ env: {}, cwd: tmpdir() });

describe('runBacktest on real Binance klines', () => {
  let candles: Candle[] = [];
  beforeAll(() => {
    candles = loadKlines(FILE, 'BTCUSDT', '5m');
  });

  it('is deterministic: two runs give byte-identical trade lists and the same fingerprint', async () => {
    const slice = candles.slice(0, 15_000);
    const opts = { config, candles: slice, symbol: 'BTCUSDT', interval: '5m', logger: silentLogger } as const;
    const a = await runBacktestDetailed(opts);
    const b = await runBacktestDetailed(opts);
    expect(a.result.trades).toBeGreaterThan(10);
    expect(b.canonicalTrades).toBe(a.canonicalTrades);
    expect(b.result.fingerprint).toBe(a.result.fingerprint);
    expect(a.result.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(a.result.errors).toBe(0);
    // what the trades say is what the equity curve says (all positions closed, or marked at the end)
    const sum = a.result.trade_list.reduce((s, t) => s + t.pnl, 0);
    if (a.result.open_positions === 0) expect(a.result.net_pnl).toBeCloseTo(sum, 6);
    // trades follow the documented fill model: a stop-out exits at the stop (rounded to the 0.10 tick)
    for (const t of a.result.trade_list.filter((x) => x.exitReason === 'stop')) {
      expect(Math.abs(t.exitPrice - t.stop)).toBeLessThanOrEqual(0.05 + 1e-9);
    }
    // a different config gives a different trade list
    const c = await runBacktest({ ...opts, fees: { maker: '0', taker: '0' } });
    expect(c.fingerprint).not.toBe(a.result.fingerprint);
  });

  it("counts the file's gaps as the data layer reports them (CANDLE_GAP)", async () => {
    // reference: the gaps counted straight from the CSV's open_time_ms column (steps of more than 300 000 ms)
    const table = readCsvFile(FILE, true);
    const times = table.rows.map((r) => Number(r[0]));
    let gaps = 0;
    let missing = 0;
    for (let i = 1; i < times.length; i++) {
      const d = (times[i] as number) - (times[i - 1] as number);
      if (d > 300_000) {
        gaps++;
        missing += d / 300_000 - 1;
      }
    }
    const r = await runBacktest({ config, candles, symbol: 'BTCUSDT', interval: '5m', logger: silentLogger });
    expect(r.candles).toBe(65_741);
    expect(r.gaps).toBe(gaps);
    expect(r.missing_bars).toBe(missing);
    expect(r.gaps).toBeGreaterThan(0);
    expect(r.duplicates).toBe(0);
    expect(r.candles_closed).toBe(65_741);

    // the daily-loss kill switch trips on this data (2021-03-05) and, as live, stays halted
    const halt = r.halts[0];
    expect(halt?.state).toBe('halted');
    expect(r.halts).toHaveLength(1);
    expect(r.denials.trading_halted).toBeGreaterThan(0);
    expect(r.trade_list.every((t) => t.entryTime <= (halt?.time ?? 0))).toBe(true);
    // an operator who resumes every morning: trading goes on after the halt
    const resumed = await runBacktest({
      config,
      candles,
      symbol: 'BTCUSDT',
      interval: '5m',
      logger: silentLogger,
      resumeAfterHalt: 'next-day',
    });
    expect(resumed.halts.map((h) => h.state).slice(0, 2)).toEqual(['halted', 'active']);
    expect(resumed.trades).toBeGreaterThan(r.trades);
    expect(resumed.trade_list.some((t) => t.entryTime > (halt?.time ?? Infinity))).toBe(true);
  });

  it('drops duplicates and reports an injected gap and duplicate', async () => {
    const base = candles.slice(0, 2_000);
    const dirty = [
      ...base.slice(0, 500),
      base[499] as Candle,
      ...base.slice(500, 1_000),
      ...base.slice(1_003),
    ];
    const r = await runBacktest({
      config,
      candles: dirty,
      symbol: 'BTCUSDT',
      interval: '5m',
      logger: silentLogger,
    });
    expect(r.duplicates).toBe(1);
    expect(r.gaps).toBe(1);
    expect(r.missing_bars).toBe(3);
    expect(r.candles).toBe(1_998);
    expect(r.candles_closed).toBe(1_997);
  });

  it('charges the given fees and makes market entries pay the slippage half-spread', async () => {
    const slice = candles.slice(0, 8_000);
    const opts = { config, candles: slice, symbol: 'BTCUSDT', interval: '5m', logger: silentLogger } as const;
    const free = await runBacktest({ ...opts, fees: { maker: '0', taker: '0' } });
    expect(free.trades).toBeGreaterThan(0);
    expect(free.metrics.fees_paid).toBe(0);
    const slipped = await runBacktest({ ...opts, slippage: 0.001 });
    expect(slipped.trades).toBeGreaterThan(0);
    const closeAt = new Map(slice.map((c) => [c.openTime + 300_000 - 1, c.close]));
    for (const t of slipped.trade_list) {
      const close = closeAt.get(t.entryTime) ?? NaN;
      // entry at close x (1 +/- 0.001), rounded to the 0.10 tick against the taker
      const expected = t.side === 'LONG' ? close * 1.001 : close * 0.999;
      expect(Math.abs(t.entryPrice - expected)).toBeLessThanOrEqual(0.1 + 1e-9);
    }
  });

  it('refuses candles of another symbol or interval, and reports progress', async () => {
    const slice = candles.slice(0, 3_000);
    const opts = { config, symbol: 'BTCUSDT', interval: '5m', logger: silentLogger } as const;
    await expect(runBacktest({ ...opts, candles: slice, interval: '1m' })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
    });
    const seen: number[] = [];
    await runBacktest({
      ...opts,
      candles: slice,
      progressEvery: 1_000,
      onProgress: (done) => seen.push(done),
    });
    expect(seen).toEqual([1_000, 2_000, 3_000]);
  });

  it('keeps from/to, journals to a file when given one, and formats a summary', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'aegis-bt-'));
    const db = path.join(dir, 'bt.sqlite');
    const from = candles[1_000]?.openTime ?? 0;
    const to = candles[9_000]?.openTime ?? 0;
    const r = await runBacktest({
      config,
      file: FILE,
      symbol: 'BTCUSDT',
      interval: '5m',
      from,
      to,
      journal: db,
      logger: silentLogger,
    });
    expect(r.candles).toBe(8_000);
    expect(r.trade_list[0]?.entryTime ?? from).toBeGreaterThanOrEqual(from);
    const journal = await openJournal(db);
    try {
      const counts = await journal.counts();
      expect(counts.fills).toBe(r.fills);
      expect(counts.signals).toBe(r.signals);
    } finally {
      await journal.close();
    }
    const text = formatBacktest(r);
    expect(text).toContain(r.fingerprint);
    expect(text).toContain('0.9-1.0');
    const json = JSON.parse(backtestJson(r)) as Record<string, unknown>;
    for (const k of ['candles', 'trades', 'net_pnl', 'max_drawdown', 'sharpe', 'fingerprint', 'elapsed_ms']) {
      expect(json).toHaveProperty(k);
    }
    expect(json.candles_per_sec).toBeGreaterThan(0);
    expect((json.trade_list as unknown[]).length).toBe(r.trades);
  });
});
