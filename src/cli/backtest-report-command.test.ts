/**
 * `aegis backtest --data FILE|DIR` and `aegis analyze lookahead --data FILE|DIR`, registered on a commander
 * program in-process (as main.ts does), on ../shared/data files.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { sharedData } from '../../test/support/shared-data.js';
import { loadConfig } from '../config/load.js';
import { registerBacktestCommand, registerLookaheadCommand } from './backtest-report-command.js';

const { config } = loadConfig({ env: {}, cwd: tmpdir() });

async function aegis(args: string[]): Promise<{ out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const program = new Command('aegis').exitOverride().configureOutput({
    writeOut: (s) => stdout.write(s),
    writeErr: (s) => stderr.write(s),
  });
  const deps = { stdout, stderr, cwd: tmpdir(), config: () => config };
  registerBacktestCommand(program, deps);
  registerLookaheadCommand(program.command('analyze').exitOverride(), deps);
  await program.parseAsync(args, { from: 'user' });
  return { out, err };
}

describe('aegis backtest --data', () => {
  it('a trade file: symbol from the name, 1s candles built from the 21,313 trades, counts in the JSON', async () => {
    const json = path.join(mkdtempSync(path.join(tmpdir(), 'aegis-bt-cli-')), 'r.json');
    // ../shared/data: Binance USDⓈ-M BTCUSDT trades 2024-08-08 23:54:16 .. 23:59:59 (21,313 trades)
    const data = sharedData('trades/binance_usdm_BTCUSDT_trades_20240808_ws.csv.gz');
    const { out } = await aegis([
      'backtest',
      '--data',
      data,
      '--interval',
      '1s',
      '--json',
      json,
      '--no-progress',
    ]);
    expect(out).toContain('AEGIS backtest BTCUSDT 1s: 344 candles built from 21,313 trades');
    const r = JSON.parse(readFileSync(json, 'utf8')) as Record<string, unknown>;
    expect(r).toMatchObject({ data_kind: 'trades', candles: 344, duplicates: 0, rejected: 0 });
    expect(r.trade_data).toMatchObject({ trades_read: 21_313, out_of_order: 0, mark_every: 'candle' });
  });

  it('a kline file without --symbol / --interval: both from the name', async () => {
    // ../shared/data: Binance spot BTCUSDT 1h 2020-04-30 .. 2020-07-01 (1,468 rows)
    const data = sharedData('klines/binance_spot_BTCUSDT_1h_20200430_20200701_full.csv');
    const { out } = await aegis(['backtest', '--data', data, '--no-progress']);
    expect(out).toContain('AEGIS backtest BTCUSDT 1h: 1,468 candles');
  });

  it('refuses a --mark-every it does not know and a symbol the trade layer cannot settle', async () => {
    const data = sharedData('trades/binance_usdm_BTCUSDT_trades_20240808_ws.csv.gz');
    await expect(aegis(['backtest', '--data', data, '--mark-every', 'tick'])).rejects.toThrow(
      /--mark-every <when>' argument 'tick' is invalid/,
    );
    const xrp = sharedData('trades/binance_spot_XRPETH_aggtrades_20191011_20191013.csv.gz');
    await expect(aegis(['backtest', '--data', xrp, '--no-progress'])).rejects.toThrow(
      /backtest of XRPETH: only \*USDT symbols are supported/,
    );
  });
});

describe('aegis analyze lookahead --data', () => {
  it('runs on a kline file named for its symbol and interval, and refuses trade data', async () => {
    const data = sharedData('klines/binance_spot_BTCUSDT_1h_20200430_20200701_full.csv');
    const { out } = await aegis(['analyze', 'lookahead', '--data', data, '--cuts', '2', '--warmup', '600']);
    expect(out).toMatch(/^1468 candles, 2 cuts, \d+ signals compared: 0 difference\(s\)/);
    const trades = sharedData('trades/binance_usdm_BTCUSDT_trades_20240808_ws.csv.gz');
    await expect(aegis(['analyze', 'lookahead', '--data', trades])).rejects.toThrow(
      /holds trades; the look-ahead analysis cuts candle lists, give klines/,
    );
  });
});
