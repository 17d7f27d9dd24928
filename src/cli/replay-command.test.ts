import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command, Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { sharedData } from '../../test/support/shared-data.js';
import { MemoryLogger } from '../core/logger.js';
import { loadConfig } from '../config/load.js';
import { readTextFile } from '../venues/files/csv.js';
import {
  addReplayOptions,
  assertNoReplayOptions,
  dataSpecs,
  parseSpeed,
  RUN_MODES,
  runReplayCli,
  type ReplayCliOptions,
} from './replay-command.js';

/** The shape main.ts gives `run`: a global --mode with RUN_MODES, the replay options on the command. */
function program(seen: (o: ReplayCliOptions, mode: string | undefined) => void): Command {
  const p = new Command('aegis')
    .exitOverride()
    .configureOutput({ writeErr: () => undefined, writeOut: () => undefined })
    .addOption(new Option('--mode <mode>').choices(RUN_MODES));
  addReplayOptions(p.command('run')).action((o: ReplayCliOptions, cmd: Command) => {
    seen(o, cmd.optsWithGlobals<{ mode?: string }>().mode);
  });
  return p;
}

describe('aegis run --mode replay (CLI pieces)', () => {
  it('parses --mode replay after the command, --data, --speed N|max, --symbol, --interval', async () => {
    let got: { o: ReplayCliOptions; mode: string | undefined } | undefined;
    const p = program((o, mode) => (got = { o, mode }));
    await p.parseAsync(
      ['run', '--mode', 'replay', '--data', 'a.csv,b.csv.gz', '--speed', '60', '--interval', '5m'],
      { from: 'user' },
    );
    expect(got).toEqual({ mode: 'replay', o: { data: 'a.csv,b.csv.gz', speed: 60, interval: '5m' } });
    expect(parseSpeed('max')).toBe('max');
    expect(() => parseSpeed('0')).toThrow(/--speed must be a number > 0 or "max", got "0"/);
    expect(() => parseSpeed('fast')).toThrow(/got "fast"/);
    await expect(
      program(() => undefined).parseAsync(['run', '--interval', '7m'], { from: 'user' }),
    ).rejects.toThrow(/--interval must be a Binance interval/);
    expect(dataSpecs('a.csv, b.csv.gz', '/data', 'btcusdt')).toEqual([
      { file: '/data/a.csv', symbol: 'BTCUSDT' },
      { file: '/data/b.csv.gz', symbol: 'BTCUSDT' },
    ]);
    expect(() => {
      assertNoReplayOptions({ data: 'x.csv', speed: 2 });
    }).toThrow(/--data, --speed only apply with --mode replay/);
    expect(() => {
      assertNoReplayOptions({});
    }).not.toThrow();
  });

  it('replays a kline slice and prints the summary; --data is required', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'aegis-replay-cli-'));
    // first 300 rows of ../shared/data's USDⓈ-M BTCUSDT 5m klines, under a name that says symbol and interval
    const lines = readTextFile(sharedData('futures/binance_usdm_BTCUSDT_5m_20250919_20251027.csv.gz')).split(
      '\n',
    );
    writeFileSync(path.join(dir, 'binance_usdm_BTCUSDT_5m_cli.csv'), lines.slice(0, 301).join('\n') + '\n');
    const { config } = loadConfig({
      env: { DATABASE_URL: ':memory:', AEGIS_HEARTBEAT_MINUTES: '1440' },
      cwd: dir,
    });
    const out: string[] = [];
    const ctx = {
      config,
      logger: new MemoryLogger(),
      cwd: dir,
      signal: new AbortController().signal,
      print: (l: string) => out.push(l),
    };
    const r = await runReplayCli({
      ...ctx,
      options: { data: 'binance_usdm_BTCUSDT_5m_cli.csv', speed: 'max' },
    });
    expect(r.pump.candles).toBe(300);
    expect(r.candlesClosed).toBe(300);
    const summary = out[out.length - 1] ?? '';
    expect(summary).toContain('AEGIS replay finished: klines of BTCUSDT (5m)');
    expect(summary).toContain('candles closed  300');
    expect(summary).toContain(`signals         ${r.signals.length} `);
    await expect(runReplayCli({ ...ctx, options: {} })).rejects.toThrow(/--mode replay needs --data/);
  }, 30_000);
});
