/**
 * A backtest's journal is a by-product: batching its writes (the default) or leaving it out
 * (`journal: false`) must not change what the backtest computes. Data: ../shared/data Binance spot
 * BTCUSDT 5m klines (first 15,000 rows).
 */
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { sharedData } from '../../../test/support/shared-data.js';
import { silentLogger } from '../../core/logger.js';
import { loadConfig } from '../../config/load.js';
import { loadKlines } from '../../venues/files/market-csv.js';
import { runBacktestDetailed } from './run.js';

const FILE = sharedData('klines/binance_spot_BTCUSDT_5m_20201201_20210717.csv.gz');
const { config } = loadConfig({ env: {}, cwd: tmpdir() });

describe('runBacktest journal modes', () => {
  it('gives the same trades, signals and equity curve with and without a journal', async () => {
    const candles = loadKlines(FILE, 'BTCUSDT', '5m').slice(0, 15_000);
    const opts = { config, candles, symbol: 'BTCUSDT', interval: '5m', logger: silentLogger } as const;
    const journaled = await runBacktestDetailed(opts);
    const bare = await runBacktestDetailed({ ...opts, journal: false });
    expect(journaled.result.trades).toBeGreaterThan(10);
    expect(bare.canonicalTrades).toBe(journaled.canonicalTrades);
    expect(bare.result.fingerprint).toBe(journaled.result.fingerprint);
    expect(bare.signals).toEqual(journaled.signals);
    expect(bare.curve).toEqual(journaled.curve);
    expect(bare.result.errors).toBe(0);
    expect(journaled.result.errors).toBe(0);
  });
});
