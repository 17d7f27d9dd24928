import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { sharedData } from '../../test/support/shared-data.js';
import { silentLogger } from '../core/logger.js';
import { loadConfig } from '../config/load.js';
import type { OptimizeReport } from '../app/optimize/optimize.js';
import { registerOptimizeCommand } from './optimize-command.js';

// ../shared/data: Binance spot BTCUSDT 1h klines, 2020-04-30 .. 2020-07-01 (1,468 rows)
const FILE = sharedData('klines/binance_spot_BTCUSDT_1h_20200430_20200701_full.csv');
const { config } = loadConfig({ env: {}, cwd: tmpdir() });

async function run(args: string[]): Promise<{ out: string; err: string }> {
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
  registerOptimizeCommand(program, {
    stdout,
    stderr,
    cwd: tmpdir(),
    config: () => config,
    logger: () => silentLogger,
  });
  await program.parseAsync(['optimize', ...args], { from: 'user' });
  return { out, err };
}

const base = ['--data', FILE, '--symbol', 'btcusdt', '--interval', '1h', '--strategy', 'ema-cross'];

describe('aegis optimize', () => {
  it('runs a walk-forward grid search and writes the out-of-sample report as JSON', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'aegis-opt-'));
    const json = path.join(dir, 'opt.json');
    // symbol and interval from the file name (binance_spot_BTCUSDT_1h_...), as `aegis backtest`
    const { out, err } = await run([
      '--data',
      FILE,
      '--strategy',
      'ema-cross',
      '--param',
      'fast=5,10',
      '--param',
      'slow=30',
      '--train',
      '500',
      '--test',
      '300',
      '--objective',
      'net_pnl',
      '--min-trades',
      '3',
      '--workers',
      '0',
      '--json',
      json,
    ]);
    expect(out).toContain('OUT-OF-SAMPLE RESULTS PER WINDOW');
    expect(out).toContain('BEST PARAMETERS:');
    expect(err).toContain('in-sample: 6/6 backtests');
    const report = JSON.parse(readFileSync(json, 'utf8')) as OptimizeReport;
    // 1,468 candles: windows end at 800, 1100, 1400
    expect(report.windows.map((w) => w.test.candles)).toEqual([300, 300, 300]);
    expect(report.symbol).toBe('BTCUSDT');
    expect(report.interval).toBe('1h');
    expect(report.candidates).toBe(2);
    expect(report.timing.workers).toBe(0);
  });

  it('lists the declared parameters', async () => {
    const { out } = await run(['--strategy', 'smc', '--list-params']);
    expect(out).toMatch(/swingLength\s+int\s+2:50\s+5/);
    expect(out).toMatch(/closeBreak\s+choice\s+true,false\s+true/);
  });

  it('refuses bad input with a message naming it', async () => {
    const spans = ['--train', '500', '--test', '300', '--workers', '0'];
    await expect(run([...base, ...spans, '--param', 'fats=5,10'])).rejects.toThrow(
      /strategy ema-cross has no parameter "fats"/,
    );
    await expect(run([...base, ...spans, '--param', 'fast=1:3'])).rejects.toThrow(
      /parameter fast must be in \[2, 200\], got 1/,
    );
    await expect(run([...base, '--param', 'fast=5', '--train', '30d', '--test', '300'])).rejects.toThrow(
      /all be candle counts or all durations/,
    );
    await expect(run([...base, '--param', 'fast=5'])).rejects.toThrow(/needs --train/);
    await expect(run([...base, ...spans])).rejects.toThrow(/needs at least one --param/);
    await expect(run([...base, ...spans, '--param', 'fast=30', '--param', 'slow=20'])).rejects.toThrow(
      /refused by strategy ema-cross \(fast \(30\) must be below slow \(20\)\)/,
    );
    // ../shared/data: Binance USDⓈ-M LTCUSDT aggTrades (REST), a trade file
    const trades = sharedData('trades/binance_usdm_LTCUSDT_aggtrades_20201016_rest.csv');
    await expect(
      run(['--data', trades, '--strategy', 'ema-cross', ...spans, '--param', 'fast=5']),
    ).rejects.toThrow(/holds trades; aegis optimize runs on klines/);
  });
});
