import { tmpdir } from 'node:os';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { sharedData } from '../../../test/support/shared-data.js';
import { loadConfig } from '../../config/load.js';
import { silentLogger } from '../../core/logger.js';
import { loadKlines } from '../../venues/files/market-csv.js';
import {
  formatEta,
  PROGRESS_EVERY,
  ProgressAwareStream,
  ProgressBar,
  progressFor,
  progressLine,
  type ProgressStream,
} from './progress.js';
import { runBacktest } from './run.js';

function sink(isTTY: boolean): ProgressStream & { readonly out: string[] } {
  const out: string[] = [];
  return {
    out,
    isTTY,
    write(s: string): boolean {
      out.push(s);
      return true;
    },
  };
}

/** A terminal-like Writable that records what it is given. */
function terminal(isTTY: boolean): Writable & { readonly isTTY: boolean; readonly out: string[] } {
  const out: string[] = [];
  const w = new Writable({
    decodeStrings: false,
    write(chunk: Buffer | string, _enc, cb): void {
      out.push(String(chunk));
      cb();
    },
  });
  return Object.assign(w, { isTTY, out });
}

describe('progress line', () => {
  it('shows done / total, percent, rate and ETA', () => {
    // 500 of 2000 candles in 2 s: 250 candles/s, 1500 left -> 6 s
    expect(progressLine(500, 2000, 2000, 8)).toBe(
      '[##......] 500 / 2,000 candles  25.0 %  250 candles/s  ETA 0m 06s',
    );
    expect(progressLine(2000, 2000, 4000, 4)).toBe(
      '[####] 2,000 / 2,000 candles  100.0 %  500 candles/s  ETA 0m 00s',
    );
    // no time elapsed yet: no rate, unknown ETA
    expect(progressLine(0, 10, 0, 2)).toBe('[..] 0 / 10 candles  0.0 %  0 candles/s  ETA ?');
    // the rate of the candles counted since the origin: 300 in 1 s, 1 000 left -> 3 s
    expect(progressLine(1000, 2000, 1000, 4, 300)).toContain('300 candles/s  ETA 0m 03s');
  });

  it('formats the ETA', () => {
    expect(formatEta(7)).toBe('0m 07s');
    expect(formatEta(125)).toBe('2m 05s');
    expect(formatEta(3723)).toBe('1h 02m 03s');
    expect(formatEta(Number.NaN)).toBe('?');
    expect(formatEta(-1)).toBe('?');
  });
});

describe('ProgressBar', () => {
  it('redraws at most every minIntervalMs (always at the end), rates from the first callback, clears on finish', () => {
    let now = 1000;
    const s = sink(true);
    const bar = new ProgressBar(s, { now: () => now, minIntervalMs: 200, width: 4 });
    now = 1100;
    bar.update(100, 1000); // first call: the origin, drawn without a rate
    now = 1200;
    bar.update(200, 1000); // 100 ms later: throttled
    now = 1300;
    bar.update(300, 1000); // 200 ms after the last draw: 200 candles in 0.2 s since the origin
    now = 1310;
    bar.update(1000, 1000); // the end always draws
    expect(bar.draws).toBe(3);
    expect(s.out).toHaveLength(3);
    for (const line of s.out) {
      expect(line.startsWith('\r[')).toBe(true);
      expect(line.endsWith('\x1b[K')).toBe(true);
    }
    expect(s.out[0]).toContain('100 / 1,000 candles  10.0 %  0 candles/s  ETA ?');
    // 700 left at 1 000 candles/s
    expect(s.out[1]).toContain('[#...] 300 / 1,000 candles  30.0 %  1,000 candles/s  ETA 0m 01s');
    expect(s.out[2]).toContain('[####] 1,000 / 1,000');
    bar.finish();
    expect(s.out[3]).toBe('\r\x1b[K');
    bar.finish();
    expect(s.out).toHaveLength(4);
  });

  it('writes nothing on finish when it never drew', () => {
    const s = sink(true);
    new ProgressBar(s).finish();
    expect(s.out).toHaveLength(0);
  });

  it('log lines through ProgressAwareStream erase the bar first; the next callback redraws it', () => {
    let now = 0;
    const err = terminal(true);
    const bar = new ProgressBar(err, { now: () => now, minIntervalMs: 1000 });
    const log = new ProgressAwareStream(err, bar);
    expect(log.isTTY).toBe(true);
    bar.update(10, 100);
    log.write('WARN gap\n');
    now = 1; // well inside the throttle interval, yet redrawn because a log line erased the bar
    bar.update(20, 100);
    expect(err.out).toHaveLength(4);
    expect(err.out[0]).toContain('10 / 100');
    expect(err.out[1]).toBe('\r\x1b[K');
    expect(err.out[2]).toBe('WARN gap\n');
    expect(err.out[3]).toContain('20 / 100');
  });
});

describe('progressFor', () => {
  it('is off when stderr is not a terminal or the flag says no: no hook, the stream unchanged', () => {
    const pipe = terminal(false);
    const off = progressFor(pipe, true);
    expect(off.options).toEqual({});
    expect(off.stream).toBe(pipe);
    const tty = terminal(true);
    expect(progressFor(tty, false).options).toEqual({});
    expect(progressFor(tty, false).stream).toBe(tty);
  });

  it('on a terminal, hooks runBacktest every PROGRESS_EVERY candles', async () => {
    const err = terminal(true);
    const p = progressFor(err, true, { minIntervalMs: 0 });
    expect(p.options.progressEvery).toBe(PROGRESS_EVERY);
    expect(typeof p.options.onProgress).toBe('function');
    expect(p.stream).toBeInstanceOf(ProgressAwareStream);
    // ../shared/data: Binance spot BTCUSDT 5m klines, the first 2 500 candles
    const candles = loadKlines(
      sharedData('klines/binance_spot_BTCUSDT_5m_20201201_20210717.csv.gz'),
      'BTCUSDT',
      '5m',
    ).slice(0, 2500);
    const { config } = loadConfig({ env: {}, cwd: tmpdir() });
    await runBacktest({
      config,
      candles,
      symbol: 'BTCUSDT',
      interval: '5m',
      logger: silentLogger,
      ...p.options,
    });
    p.finish();
    // callbacks at 1000 and 2000 candles, then the clearing write
    expect(err.out).toHaveLength(3);
    expect(err.out[0]).toContain('1,000 / 2,500 candles  40.0 %');
    expect(err.out[1]).toContain('2,000 / 2,500 candles  80.0 %');
    expect(err.out[2]).toBe('\r\x1b[K');
  });
});
