/**
 * `--data FILE|DIR`. The Binance dump files are made here from real rows of ../shared/data, rewritten into
 * the column order of Binance's public kline dumps (https://github.com/binance/binance-public-data:
 * open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,
 * taker_buy_quote_volume,ignore; spot dumps have no header, those from 2025 on stamp microseconds), one
 * file per UTC day as data.binance.vision names them (BTCUSDT-1m-2021-02-19.csv), some gzipped.
 */
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { sharedData } from '../../../test/support/shared-data.js';
import { silentLogger } from '../../core/logger.js';
import { loadConfig } from '../../config/load.js';
import type { Candle } from '../../domain/market.js';
import { loadKlines, loadTrades } from '../../venues/files/market-csv.js';
import { DEFAULT_TRADE_INTERVAL, loadBacktestData, resolveBacktestInput } from './inputs.js';
import { runBacktest } from './run.js';

// ../shared/data: Binance spot BTCUSDT 1m klines 2021-02-19 .. 2021-02-25 (10,080 rows, bennycode)
const KLINES = sharedData('klines/binance_spot_BTCUSDT_1m_20210219_20210225_bennycode.csv.gz');
const XRP_TRADES = sharedData('trades/binance_spot_XRPETH_aggtrades_20191011_20191013.csv.gz');
const XRP_KLINES = sharedData('klines/binance_spot_XRPETH_1m_20191011_20191013.csv');
const DAY = 86_400_000;
const { config } = loadConfig({ env: {}, cwd: tmpdir() });

const root = mkdtempSync(path.join(tmpdir(), 'aegis-bt-inputs-'));
function dir(name: string): string {
  const d = path.join(root, name);
  mkdirSync(d, { recursive: true });
  return d;
}
function write(file: string, lines: readonly string[], gz = false): string {
  const text = lines.join('\n') + '\n';
  writeFileSync(file, gz ? gzipSync(text) : text);
  return file;
}

/** A kline as a row of Binance's spot kline dump (headerless, 12 columns); `micro`: 2025+ µs stamps. */
function dumpRow(c: Candle, micro = false): string {
  const k = micro ? 1000 : 1;
  return [
    c.openTime * k,
    c.open,
    c.high,
    c.low,
    c.close,
    c.volume,
    (c.openTime + 59_999) * k,
    c.quoteVolume,
    c.trades,
    c.takerBuyVolume,
    c.takerBuyQuoteVolume,
    0,
  ].join(',');
}

const isoDay = (t: number): string => new Date(t).toISOString().slice(0, 10);

describe('--data DIR: Binance daily kline dumps', () => {
  let candles: Candle[] = [];
  let days: string;
  beforeAll(() => {
    candles = loadKlines(KLINES, 'BTCUSDT', '1m');
    days = dir('btc-days');
    const byDay = new Map<number, Candle[]>();
    for (const c of candles) {
      const d = Math.floor(c.openTime / DAY);
      byDay.set(d, [...(byDay.get(d) ?? []), c]);
    }
    let n = 0;
    for (const [d, cs] of byDay) {
      const name = `BTCUSDT-1m-${isoDay(d * DAY)}.csv`;
      // every other day gzipped, one day with microsecond stamps (the 2025+ spot dump format)
      write(
        path.join(days, n % 2 === 1 ? `${name}.gz` : name),
        cs.map((c) => dumpRow(c, n === 3)),
        n % 2 === 1,
      );
      n++;
    }
    // what a data.binance.vision download leaves beside the CSVs: not data files
    writeFileSync(path.join(days, 'BTCUSDT-1m-2021-02-19.zip'), 'PK');
    writeFileSync(path.join(days, 'BTCUSDT-1m-2021-02-19.zip.CHECKSUM'), 'abc  BTCUSDT-1m-2021-02-19.zip\n');
  });

  it('resolves the 7 day files in time order, infers BTCUSDT 1m from the names, ignores the rest', async () => {
    const input = await resolveBacktestInput({ data: days });
    expect(input).toMatchObject({ kind: 'klines', symbol: 'BTCUSDT', interval: '1m', isDirectory: true });
    expect(input.files.map((f) => path.basename(f.file))).toEqual([
      'BTCUSDT-1m-2021-02-19.csv',
      'BTCUSDT-1m-2021-02-20.csv.gz',
      'BTCUSDT-1m-2021-02-21.csv',
      'BTCUSDT-1m-2021-02-22.csv.gz',
      'BTCUSDT-1m-2021-02-23.csv',
      'BTCUSDT-1m-2021-02-24.csv.gz',
      'BTCUSDT-1m-2021-02-25.csv',
    ]);
    expect(input.files.every((f) => f.flavour === 'binance')).toBe(true);
    expect(input.ignored.map((f) => path.basename(f))).toEqual([
      'BTCUSDT-1m-2021-02-19.zip',
      'BTCUSDT-1m-2021-02-19.zip.CHECKSUM',
    ]);
    // concatenated, every value as the ../shared/data reader reads it (µs stamps back to ms)
    expect(loadBacktestData(input).candles).toEqual(candles);
  });

  it('backtests the directory exactly as the single ../shared/data file: same fingerprint, same candles', async () => {
    const common = { config, journal: false, logger: silentLogger } as const;
    const single = await runBacktest({ ...common, data: KLINES });
    const fromDir = await runBacktest({ ...common, data: days });
    expect(single.candles).toBe(10_080);
    expect(fromDir.candles).toBe(single.candles);
    expect(fromDir.candles_closed).toBe(single.candles_closed);
    expect(single.signals).toBeGreaterThan(0);
    expect(fromDir.signals).toBe(single.signals);
    expect(fromDir.fingerprint).toBe(single.fingerprint);
    expect(fromDir.data_files).toHaveLength(7);
    // and a day less is a different run (the comparison can fail)
    const sixDays = await runBacktest({ ...common, data: days, to: Date.parse('2021-02-25T00:00:00Z') });
    expect(sixDays.candles).toBe(10_080 - 1440);
  });

  it('overlapping files are concatenated as they are: the data layer drops the repeat and rejects the older bars', async () => {
    const d = dir('btc-overlap');
    const day1 = candles.slice(0, 1440);
    // two files whose ranges overlap by 10 minutes: concatenated, the repeats reach the data layer
    write(
      path.join(d, 'BTCUSDT-1m-2021-02-19.csv'),
      day1.slice(0, 730).map((c) => dumpRow(c)),
    );
    write(
      path.join(d, 'BTCUSDT-1m-2021-02-19b.csv'),
      day1.slice(720).map((c) => dumpRow(c)),
    );
    const input = await resolveBacktestInput({ data: d, symbol: 'BTCUSDT', interval: '1m' });
    expect(input.files).toHaveLength(2);
    const r = await runBacktest({
      config,
      journal: false,
      logger: silentLogger,
      data: d,
      symbol: 'BTCUSDT',
      interval: '1m',
    });
    expect(r.candles).toBe(1450);
    // bars 720..728 come after 729: out of order; 729 again: an exact repeat
    expect(r.rejected).toBe(9);
    expect(r.duplicates).toBe(1);
    expect(r.candles_closed).toBe(1440);
  });
});

describe('--data: symbols, intervals and kinds', () => {
  it('a ../shared/data trade file: kind trades, symbol from the name, trading interval 1m by default', async () => {
    const input = await resolveBacktestInput({ data: XRP_TRADES });
    expect(input).toMatchObject({ kind: 'trades', symbol: 'XRPETH', interval: DEFAULT_TRADE_INTERVAL });
    expect(DEFAULT_TRADE_INTERVAL).toBe('1m');
    expect((await resolveBacktestInput({ data: XRP_TRADES, interval: '5m' })).interval).toBe('5m');
    expect(loadBacktestData(input).trades).toEqual(loadTrades(XRP_TRADES, 'XRPETH'));
  });

  it('a directory of trade dumps in the Binance aggTrades layout (headerless), ordered by first trade time', async () => {
    const trades = loadTrades(XRP_TRADES, 'XRPETH');
    const d = dir('xrp-agg');
    const day = (t: number): number => Math.floor(t / DAY);
    const days = [...new Set(trades.map((t) => day(t.time)))];
    for (const [i, dd] of days.entries()) {
      const rows = trades
        .filter((t) => day(t.time) === dd)
        // agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker,is_best_match
        .map((t) =>
          [t.id, t.price, t.qty, 0, 0, t.time, t.buyerIsMaker ? 'True' : 'False', 'True'].join(','),
        );
      write(path.join(d, `XRPETH-aggTrades-${isoDay(dd * DAY)}.csv${i === 1 ? '.gz' : ''}`), rows, i === 1);
    }
    const input = await resolveBacktestInput({ data: d });
    expect(input).toMatchObject({ kind: 'trades', symbol: 'XRPETH', interval: '1m' });
    expect(input.files).toHaveLength(3);
    expect(loadBacktestData(input).trades).toEqual(trades);
  });

  it('several symbols or intervals in one directory: an error naming them, unless --symbol / --interval choose', async () => {
    const d = dir('mixed-symbols');
    copyFileSync(XRP_KLINES, path.join(d, path.basename(XRP_KLINES)));
    copyFileSync(
      sharedData('klines/binance_spot_XRPETH_5m_20191011_20191013.csv'),
      path.join(d, 'binance_spot_XRPETH_5m_20191011_20191013.csv'),
    );
    copyFileSync(
      sharedData('klines/binance_spot_BTCUSDT_1d_20200901_20210215_full.csv'),
      path.join(d, 'binance_spot_BTCUSDT_1d_20200901_20210215_full.csv'),
    );
    await expect(resolveBacktestInput({ data: d })).rejects.toThrow(
      /files of several symbols \(BTCUSDT \(binance_spot_BTCUSDT_1d_20200901_20210215_full\.csv\); XRPETH \(binance_spot_XRPETH_1m.*choose one with --symbol/,
    );
    await expect(resolveBacktestInput({ data: d, symbol: 'XRPETH' })).rejects.toThrow(
      /kline files of several intervals \(1m \(binance_spot_XRPETH_1m_20191011_20191013\.csv\); 5m .*choose one with --interval/,
    );
    const xrp5 = await resolveBacktestInput({ data: d, symbol: 'xrpeth', interval: '5m' });
    expect(xrp5.files.map((f) => path.basename(f.file))).toEqual([
      'binance_spot_XRPETH_5m_20191011_20191013.csv',
    ]);
    expect(xrp5.ignored).toHaveLength(2);
    await expect(resolveBacktestInput({ data: d, symbol: 'ETHUSDT' })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringMatching(
        /^--symbol ETHUSDT: no file of that symbol in .*BTCUSDT.*XRPETH/,
      ) as unknown,
    });
    await expect(resolveBacktestInput({ data: d, symbol: 'BTCUSDT', interval: '1h' })).rejects.toThrow(
      /^--interval 1h: no BTCUSDT kline file of that interval .*1d \(binance_spot_BTCUSDT_1d/,
    );
  });

  it('klines and trades mixed in one directory: an error naming the files of each kind', async () => {
    const d = dir('mixed-kinds');
    copyFileSync(XRP_KLINES, path.join(d, path.basename(XRP_KLINES)));
    copyFileSync(XRP_TRADES, path.join(d, path.basename(XRP_TRADES)));
    await expect(resolveBacktestInput({ data: d })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining(
        'mixes klines (binance_spot_XRPETH_1m_20191011_20191013.csv) and trades (binance_spot_XRPETH_aggtrades_20191011_20191013.csv.gz)',
      ) as unknown,
    });
  });

  it('an unknown layout, an empty directory, a missing path, a book-ticker file: errors naming the file', async () => {
    const d = dir('unknown');
    const odd = write(path.join(d, 'BTCUSDT-1m-2024-01-01.csv'), ['a,b,c', '1,2,3']);
    await expect(resolveBacktestInput({ data: d })).rejects.toMatchObject({
      code: 'DATA_PARSE_FAILED',
      message: expect.stringContaining(`${odd}: unknown CSV layout (header: a,b,c)`) as unknown,
    });
    const empty = dir('empty');
    await expect(resolveBacktestInput({ data: empty })).rejects.toThrow(
      `--data ${empty}: the directory has no data files (*.csv or *.csv.gz)`,
    );
    const zips = dir('zips');
    writeFileSync(path.join(zips, 'BTCUSDT-1m-2024-01-01.zip'), 'PK');
    await expect(resolveBacktestInput({ data: zips })).rejects.toThrow(
      /BTCUSDT-1m-2024-01-01\.zip \(Binance \.zip dumps must be unzipped first\)/,
    );
    const nothing = path.join(root, 'no-such-dir');
    await expect(resolveBacktestInput({ data: nothing })).rejects.toThrow(
      `--data ${nothing}: no such file or directory`,
    );
    const quotes = sharedData('quotes/binance_spot_BTCUSDT_bookticker_20230405_ws.csv.gz');
    await expect(resolveBacktestInput({ data: quotes })).rejects.toThrow(
      `${quotes} holds book tickers; a backtest reads klines or trades`,
    );
    const blank = write(path.join(dir('blank'), 'BTCUSDT-1m-2024-01-01.csv'), []);
    await expect(resolveBacktestInput({ data: blank })).rejects.toThrow(`${blank}: the file is empty`);
  });

  it('a file named for another symbol or interval than given, or with nothing in its name: errors naming the option', async () => {
    await expect(resolveBacktestInput({ data: XRP_KLINES, symbol: 'BTCUSDT' })).rejects.toThrow(
      '--symbol BTCUSDT: binance_spot_XRPETH_1m_20191011_20191013.csv is named for XRPETH',
    );
    await expect(resolveBacktestInput({ data: XRP_KLINES, interval: '5m' })).rejects.toThrow(
      '--interval 5m: binance_spot_XRPETH_1m_20191011_20191013.csv is named for 1m klines',
    );
    const anon = path.join(dir('anon'), 'prices.csv');
    copyFileSync(XRP_KLINES, anon);
    await expect(resolveBacktestInput({ data: anon })).rejects.toThrow(
      /no symbol in the file name \(prices\.csv\); give --symbol/,
    );
    await expect(resolveBacktestInput({ data: anon, symbol: 'XRPETH' })).rejects.toThrow(
      /no kline interval in the name of prices\.csv; give --interval/,
    );
    const ok = await resolveBacktestInput({ data: anon, symbol: 'XRPETH', interval: '1m' });
    expect(loadBacktestData(ok).candles).toEqual(loadKlines(XRP_KLINES, 'XRPETH', '1m'));
  });
});
