/**
 * Market sources on real files. ../shared/data holds its own layout only; the Binance public-dump layouts
 * (headerless spot files, microsecond timestamps, USDⓈ-M files with a header) are made here as small temp
 * fixtures by rewriting real rows of ../shared/data into the dump's column order (the column lists of
 * https://github.com/binance/binance-public-data), so every value read back can be checked against the
 * same row read by the existing ../shared/data reader (src/venues/files/market-csv.ts).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { sharedData } from '../../../test/support/shared-data.js';
import type { Candle, Trade } from '../../domain/market.js';
import { readCsvFile } from '../files/csv.js';
import { loadKlines, loadTrades } from '../files/market-csv.js';
import { DEMO_SYMBOLS, SyntheticMarket } from '../synthetic/generator.js';
import {
  describeFileName,
  fileSource,
  filesSource,
  loadMarketFile,
  peekFile,
  replayEventTime,
  syntheticSource,
  toEpochMs,
  type ReplayEvent,
} from './sources.js';

const dir = mkdtempSync(path.join(tmpdir(), 'aegis-sources-'));

async function collect(it: AsyncIterable<ReplayEvent>): Promise<ReplayEvent[]> {
  const out: ReplayEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
}
const candles = (es: ReplayEvent[]): Candle[] => es.flatMap((e) => (e.kind === 'candle' ? [e.candle] : []));
const trades = (es: ReplayEvent[]): Trade[] => es.flatMap((e) => (e.kind === 'trade' ? [e.trade] : []));

function write(name: string, lines: readonly string[], gz = false): string {
  const file = path.join(dir, name);
  const text = lines.join('\n') + '\n';
  writeFileSync(file, gz ? gzipSync(text) : text);
  return file;
}

describe('file sources: the ../shared/data layout', () => {
  it('klines: every row of the XRPETH 1m file, as loadKlines reads it, known at its close time', async () => {
    const file = sharedData('klines/binance_spot_XRPETH_1m_20191011_20191013.csv');
    const events = await collect(fileSource({ file }));
    expect(candles(events)).toEqual(loadKlines(file, 'XRPETH', '1m'));
    expect(events).toHaveLength(3560);
    const first = events[0] as ReplayEvent;
    expect(replayEventTime(first)).toBe(Date.parse('2019-10-11T00:00:00Z') + 59_999);
  });

  it('aggTrades (.gz): the 12,477 XRPETH aggTrades, as loadTrades reads them', async () => {
    const file = sharedData('trades/binance_spot_XRPETH_aggtrades_20191011_20191013.csv.gz');
    const events = await collect(fileSource({ file }));
    expect(trades(events)).toEqual(loadTrades(file, 'XRPETH'));
    expect(events).toHaveLength(12_477);
  });

  it('book tickers and mark-price streams: times from the exchange (ms) or the recv time (ns)', async () => {
    const quotes = await collect(
      fileSource({ file: sharedData('quotes/binance_spot_BTCUSDT_bookticker_20230405_ws.csv.gz') }),
    );
    expect(quotes).toHaveLength(8015);
    // first data row: recv_time_ns 1680652800004231000, no event time (spot bookTicker has none)
    expect(quotes[0]).toEqual({
      kind: 'quote',
      quote: {
        symbol: 'BTCUSDT',
        time: 1680652800004,
        bidPrice: 28165.47,
        bidQty: 7.9868,
        askPrice: 28165.48,
        askQty: 3.26888,
        updateId: 36090299876,
      },
    });
    const marks = await collect(
      fileSource({
        file: sharedData('futures/binance_usdm_BTCUSDT_markprice_stream_20230404_20230405_ws.csv'),
        symbol: 'BTCUSDT',
      }),
    );
    expect(marks).toHaveLength(514);
    expect(marks[0]).toEqual({
      kind: 'mark',
      mark: {
        symbol: 'BTCUSDT',
        time: 1680652701000,
        markPrice: 28147.27373413,
        indexPrice: 28159.75642857,
        fundingRate: 0.00002754,
        nextFundingTime: 1680652800000,
      },
    });
  });

  it('merges several files by event time (trades and quotes of the same capture)', async () => {
    const t = sharedData('trades/binance_spot_BTCUSDT_trades_20230405_ws.csv.gz');
    const q = sharedData('quotes/binance_spot_BTCUSDT_bookticker_20230405_ws.csv.gz');
    const events = await collect(filesSource([{ file: t }, { file: q }]));
    expect(events).toHaveLength(3144 + 8015);
    const times = events.map(replayEventTime);
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThanOrEqual(times[i - 1] as number);
    // nothing lost or changed by the merge
    expect(trades(events)).toEqual(loadTrades(t, 'BTCUSDT'));
  });
});

describe("file sources: Binance's public dump layout (fixtures rewritten from real rows)", () => {
  // real rows: ../shared/data BTCUSDT 1h (full 11-column klines), first 24 rows
  const klineFile = sharedData('klines/binance_spot_BTCUSDT_1h_20200430_20200701_full.csv');
  const kTable = readCsvFile(klineFile, true);
  const kRows = kTable.rows.slice(0, 24);
  const kExpected = loadKlines(klineFile, 'BTCUSDT', '1h').slice(0, 24);
  // dump order: open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore
  const dumpKline = (r: readonly string[], scale: number): string =>
    [
      Number(r[0]) * scale,
      r[1],
      r[2],
      r[3],
      r[4],
      r[5],
      Number(r[6]) * scale,
      r[7],
      r[8],
      r[9],
      r[10],
      '0',
    ].join(',');

  it('spot klines: headerless, microsecond timestamps (2025+ spot dumps), plain', async () => {
    const file = write(
      'BTCUSDT-1h-2020-05.csv',
      kRows.map((r) => dumpKline(r, 1000)),
    );
    expect(describeFileName(file)).toEqual({ symbol: 'BTCUSDT', interval: '1h', kind: 'klines' });
    expect(candles(await collect(fileSource({ file })))).toEqual(kExpected);
  });

  it('USDⓈ-M klines: with a header, millisecond timestamps, gzipped', async () => {
    const header =
      'open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore';
    const file = write('BTCUSDT-1h-2020-05-01.csv.gz', [header, ...kRows.map((r) => dumpKline(r, 1))], true);
    expect(candles(await collect(fileSource({ file })))).toEqual(kExpected);
  });

  // real rows: ../shared/data XRPETH aggTrades (time_ms,price,qty,is_buyer_maker,id,first_trade_id,last_trade_id,is_best_match)
  const aggFile = sharedData('trades/binance_spot_XRPETH_aggtrades_20191011_20191013.csv.gz');
  const aRows = readCsvFile(aggFile, true).rows.slice(0, 50);
  const aExpected = loadTrades(aggFile, 'XRPETH').slice(0, 50);

  it('spot aggTrades: headerless 8 columns, microseconds, gzipped', async () => {
    // dump order: agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker,is_best_match
    const lines = aRows.map((r) =>
      [r[4], r[1], r[2], r[5], r[6], Number(r[0]) * 1000, r[3] === 'true' ? 'True' : 'False', 'True'].join(
        ',',
      ),
    );
    const file = write('XRPETH-aggTrades-2019-10-11.csv.gz', lines, true);
    expect(trades(await collect(fileSource({ file })))).toEqual(aExpected);
  });

  it('USDⓈ-M aggTrades: header, 7 columns, milliseconds', async () => {
    const ltc = sharedData('trades/binance_usdm_LTCUSDT_aggtrades_20201016_rest.csv');
    const rows = readCsvFile(ltc, true).rows;
    const lines = [
      'agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker',
      ...rows.map((r) => [r[4], r[1], r[2], r[5], r[6], r[0], r[3]].join(',')),
    ];
    const file = write('LTCUSDT-aggTrades-2020-10-16.csv', lines);
    const got = trades(await collect(fileSource({ file })));
    expect(got).toEqual(loadTrades(ltc, 'LTCUSDT'));
    expect(got).toHaveLength(500);
  });

  it('spot trades: headerless 7 columns (quote_qty, is_best_match), milliseconds', async () => {
    const eth = sharedData('trades/binance_spot_ETHBTC_trades_20230320_rest.csv');
    // shared: time_ms,price,qty,is_buyer_maker,id,quote_qty,is_best_match -> dump: id,price,qty,quote_qty,time,is_buyer_maker,is_best_match
    const lines = readCsvFile(eth, true).rows.map((r) =>
      [r[4], r[1], r[2], r[5], r[0], r[3], r[6]].join(','),
    );
    const file = write('ETHBTC-trades-2023-03-20.csv', lines);
    expect(describeFileName(file)).toEqual({ symbol: 'ETHBTC', kind: 'trades' });
    expect(trades(await collect(fileSource({ file })))).toEqual(loadTrades(eth, 'ETHBTC'));
  });

  it('timestamps: ms kept, µs and ns reduced to integer ms', () => {
    expect(toEpochMs(1_588_280_400_000)).toBe(1_588_280_400_000);
    expect(toEpochMs(1_588_280_400_000_123)).toBe(1_588_280_400_000);
    expect(toEpochMs(1_680_652_800_004_231_000)).toBe(1_680_652_800_004);
  });
});

describe('file sources: bad input is a clear error', () => {
  it('names the file, line and column of a cell that is not a number', async () => {
    const file = write('binance_spot_BTCUSDT_1h_bad.csv', [
      'open_time_ms,open,high,low,close,volume',
      '1588280400000,1,2,0.5,1.5,10',
      '1588284000000,1,2,oops,1.5,10',
    ]);
    await expect(collect(fileSource({ file }))).rejects.toThrow(
      /line 3 column 4 \(low\): "oops" is not a number/,
    );
  });

  it('refuses an unknown header, an unknown headerless shape and a file without a symbol', async () => {
    const unknown = write('binance_spot_BTCUSDT_1h_x.csv', ['a,b,c', '1,2,3']);
    await expect(collect(fileSource({ file: unknown }))).rejects.toMatchObject({ code: 'DATA_PARSE_FAILED' });
    const shape = write('BTCUSDT-1h-2020-01.csv', ['1,2,3']);
    await expect(collect(fileSource({ file: shape }))).rejects.toThrow(/headerless CSV with 3 columns/);
    const nameless = write('data.csv', ['time_ms,price,qty,is_buyer_maker,id', '1,1,1,true,1']);
    await expect(collect(fileSource({ file: nameless }))).rejects.toThrow(/no symbol in the file name/);
    const noInterval = write('prices.csv', ['open_time_ms,open,high,low,close', '0,1,1,1,1']);
    await expect(collect(fileSource({ file: noInterval, symbol: 'X' }))).rejects.toThrow(
      /needs its interval/,
    );
  });
});

describe('whole files at once (loadMarketFile, for backtests) and file heads (peekFile)', () => {
  it('reads the rows fileSource streams, klines and trades, either layout, CRLF line ends too', async () => {
    const k = sharedData('klines/binance_spot_XRPETH_1m_20191011_20191013.csv');
    const loaded = loadMarketFile({ file: k });
    expect(loaded.info).toMatchObject({ symbol: 'XRPETH', interval: '1m', kind: 'klines' });
    expect(loaded.candles).toEqual(candles(await collect(fileSource({ file: k }))));
    expect(loaded.candles).toHaveLength(3560);
    expect(loaded.trades).toEqual([]);
    const t = sharedData('trades/binance_spot_XRPETH_aggtrades_20191011_20191013.csv.gz');
    const lt = loadMarketFile({ file: t });
    expect(lt.trades).toEqual(loadTrades(t, 'XRPETH'));
    expect(lt.candles).toEqual([]);
    // USDⓈ-M aggTrades dump with Windows line ends: is_buyer_maker is the last column, right before the CR
    const ltc = sharedData('trades/binance_usdm_LTCUSDT_aggtrades_20201016_rest.csv');
    const crlf = write('LTCUSDT-aggTrades-2020-10-17.csv', [
      'agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker\r',
      ...readCsvFile(ltc, true).rows.map((r) => [r[4], r[1], r[2], r[5], r[6], r[0], r[3]].join(',') + '\r'),
    ]);
    expect(loadMarketFile({ file: crlf }).trades).toEqual(loadTrades(ltc, 'LTCUSDT'));
  });

  it('refuses book tickers and empty files; peekFile gives the layout and the first row time', async () => {
    const q = sharedData('quotes/binance_spot_BTCUSDT_bookticker_20230405_ws.csv.gz');
    expect(() => loadMarketFile({ file: q })).toThrow(`${q}: holds book tickers, not klines or trades`);
    const empty = write('BTCUSDT-1m-2020-01-01.csv', []);
    expect(() => loadMarketFile({ file: empty })).toThrow(`${empty}: the file is empty`);
    await expect(peekFile(empty)).rejects.toThrow(`${empty}: the file is empty`);
    const head = await peekFile(sharedData('klines/binance_spot_XRPETH_1m_20191011_20191013.csv'));
    expect(head.layout).toMatchObject({ kind: 'klines', flavour: 'shared', hasHeader: true });
    expect(head.firstTime).toBe(Date.parse('2019-10-11T00:00:00Z'));
    const agg = await peekFile(sharedData('trades/binance_spot_XRPETH_aggtrades_20191011_20191013.csv.gz'));
    expect(agg).toEqual({
      layout: expect.objectContaining({ kind: 'trades' }) as unknown,
      firstTime: 1570752011620,
    });
    const headerOnly = write('BTCUSDT-trades-2020-01-01.csv', ['id,price,qty,quote_qty,time,is_buyer_maker']);
    expect((await peekFile(headerOnly)).firstTime).toBeUndefined();
  });
});

describe('synthetic source', () => {
  it('same seed -> same events; a different seed -> different ones', async () => {
    const run = (seed: number) =>
      collect(syntheticSource(new SyntheticMarket({ seed, startTime: 0, symbols: DEMO_SYMBOLS }), 600_000));
    const a = await run(7);
    expect(a.length).toBeGreaterThan(100);
    expect(await run(7)).toEqual(a);
    expect(await run(8)).not.toEqual(a);
    expect(a.every((e, i) => i === 0 || replayEventTime(e) >= replayEventTime(a[i - 1] as ReplayEvent))).toBe(
      true,
    );
  });
});
