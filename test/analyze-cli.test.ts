import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { analyzeIndicators, analyzeSmc } from '../src/app/analyze.js';
import { runCli } from '../src/cli/main.js';
import { readCsvFile } from '../src/venues/files/csv.js';
import { sharedData } from './support/shared-data.js';

function capture(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  return {
    stream: new Writable({
      write(c: Buffer | string, _e, cb) {
        chunks.push(c.toString());
        cb();
      },
    }),
    text: () => chunks.join(''),
  };
}

async function aegis(args: string[]) {
  const out = capture();
  const err = capture();
  const code = await runCli(args, { stdout: out.stream, stderr: err.stream, env: {}, cwd: tmpdir() });
  return { code, stdout: out.text(), stderr: err.text() };
}

function column(csvText: string, name: string): string[] {
  const lines = csvText.trim().split('\n');
  const i = (lines[0] ?? '').split(',').indexOf(name);
  return lines.slice(1).map((l) => l.split(',')[i] ?? '');
}

describe('aegis analyze', () => {
  it('indicators: RSI, ATR and EMA columns equal TA-Lib output row for row (xrpeth 1m flat bars)', async () => {
    // reference: ../shared/data/indicator-reference (TA-Lib 0.6.0-dev via talib@1.1.6)
    const ref = 'indicator-reference/xrpeth_1m_flatbars';
    const out = mkdtempSync(path.join(tmpdir(), 'aegis-analyze-'));
    const r = await aegis([
      'analyze',
      'indicators',
      '--data',
      sharedData('klines/binance_spot_XRPETH_1m_20191011_20191013.csv'), // the same bars as ${ref}/input_ohlcv
      '--out',
      out,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const csv = readFileSync(path.join(out, 'indicators.csv'), 'utf8');
    expect(csv.split('\n')[0]).toBe(
      'open_time_ms,rsi,atr,ema,sma,macd,macd_signal,macd_hist,bb_upper,bb_middle,bb_lower,stoch_k,stoch_d,adx,obv',
    );
    for (const [file, col, refCol] of [
      ['rsi_14', 'rsi', 1],
      ['atr_14', 'atr', 1],
      ['ema_20', 'ema', 1],
      ['obv', 'obv', 1],
    ] as const) {
      const expected = readCsvFile(sharedData(`${ref}/${file}.csv.gz`), true).rows.map(
        (row) => row[refCol] ?? '',
      );
      expect(column(csv, col)).toEqual(expected);
    }
  });

  it('smc: writes the five tables with their documented columns', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'aegis-analyze-'));
    const data = sharedData('klines/binance_spot_ETHUSDT_15m_20230401_20230501.csv');
    const r = await aegis(['analyze', 'smc', '--data', data, '--swing-length', '5', '--out', out]);
    expect(r.code).toBe(0);
    const head = (name: string) => readFileSync(path.join(out, `${name}.csv`), 'utf8').split('\n')[0];
    expect(head('swings')).toBe('row,open_time_ms,type,level,decided_row,final');
    expect(head('fvg')).toBe('row,open_time_ms,direction,top,bottom,decided_row,mitigated_row');
    expect(head('structure')).toBe('decided_row,direction,kind,level,pivot_row');
    expect(head('order_blocks')).toBe('row,direction,top,bottom,created_row,mitigated_row,invalidated_row');
    expect(head('liquidity')).toBe('anchor_row,side,level,members,decided_row,taken_row,sweep');
    // every swing is decided L candles after its row (causal), never before
    const swings = readFileSync(path.join(out, 'swings.csv'), 'utf8').trim().split('\n').slice(1);
    expect(swings.length).toBeGreaterThan(100);
    for (const line of swings) {
      const [row, , , , decided] = line.split(',').map(Number);
      expect(decided).toBeGreaterThanOrEqual((row ?? 0) + 5);
    }
  });

  it('reports a missing file and a bad flag with a clear message and a non-zero exit', async () => {
    const missing = await aegis(['analyze', 'smc', '--data', '/nonexistent.csv', '--out', tmpdir()]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/nonexistent\.csv/);
    const bad = await aegis([
      'analyze',
      'smc',
      '--data',
      'x.csv',
      '--out',
      tmpdir(),
      '--swing-length',
      'abc',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--swing-length must be an integer >= 1, got "abc"');
  });
});

describe('aegis analyze on every kline file in ../shared/data', () => {
  it('writes both exports for each of them, one row per input row', () => {
    const files = [
      ...readdirSync(sharedData('klines')).map((f) => `klines/${f}`),
      ...readdirSync(sharedData('futures'))
        .filter((f) => !/funding|stream/.test(f))
        .map((f) => `futures/${f}`),
    ];
    expect(files.length).toBeGreaterThan(30);
    const periods = {
      rsi: 14,
      atr: 14,
      ema: 20,
      sma: 20,
      macdFast: 12,
      macdSlow: 26,
      macdSignal: 9,
      bbPeriod: 20,
      bbK: 2,
      stochK: 14,
      stochSmooth: 3,
      stochD: 3,
      adx: 14,
    };
    for (const f of files) {
      const out = mkdtempSync(path.join(tmpdir(), 'aegis-analyze-all-'));
      const interval = f.includes('multi_tf') ? '1h' : undefined;
      const table = readCsvFile(sharedData(f), true);
      const col = table.header.indexOf('interval');
      const rows = col < 0 ? table.rows.length : table.rows.filter((r) => r[col] === interval).length;
      const ind = analyzeIndicators(sharedData(f), out, periods, interval);
      expect(ind.rows, f).toBe(rows);
      expect(readFileSync(ind.out, 'utf8').trim().split('\n')).toHaveLength(rows + 1);
      const smc = analyzeSmc(sharedData(f), out, 5, interval);
      expect(smc.rows, f).toBe(rows);
    }
  });

  it('asks which interval to use for a file that holds several', () => {
    expect(() =>
      analyzeSmc(sharedData('klines/binance_spot_BTCUSDT_multi_tf_octobot_201804.csv.gz'), tmpdir(), 5),
    ).toThrow(/holds several intervals .*choose one with --interval/);
  });
});
