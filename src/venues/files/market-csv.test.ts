import { describe, expect, it } from 'vitest';
import { sharedData } from '../../../test/support/shared-data.js';
import { parseCsv } from './csv.js';
import { klinesFromTable, loadKlines, loadTrades, tradesFromTable } from './market-csv.js';

describe('market CSV mapping', () => {
  it('maps the full Binance kline layout, extra columns included (first row of the BTCUSDT 1h full file)', () => {
    const [first] = loadKlines(
      sharedData('klines/binance_spot_BTCUSDT_1h_20200430_20200701_full.csv'),
      'BTCUSDT',
      '1h',
    );
    // values copied from the file's first data row
    expect(first).toEqual({
      symbol: 'BTCUSDT',
      interval: '1h',
      openTime: 1588280400000,
      open: 8819.15,
      high: 8849.8,
      low: 8734.5,
      close: 8761.92,
      volume: 3089.560545,
      quoteVolume: 27174569.16633405,
      trades: 34467,
      takerBuyVolume: 1553.361498,
      takerBuyQuoteVolume: 13666586.86496907,
      closed: true,
      synthetic: false,
    });
  });

  it('maps aggTrades with is_buyer_maker (first row of the XRPETH aggTrades file)', () => {
    const trades = loadTrades(
      sharedData('trades/binance_spot_XRPETH_aggtrades_20191011_20191013.csv.gz'),
      'XRPETH',
    );
    expect(trades).toHaveLength(12_477);
    expect(trades[0]).toEqual({
      symbol: 'XRPETH',
      time: 1570752011620,
      price: 0.00141342,
      qty: 23,
      buyerIsMaker: true,
      id: 13519807,
    });
  });

  it('fails with DATA_PARSE_FAILED naming the row on a cell that is not a number or a boolean', () => {
    const k = parseCsv('open_time_ms,open,high,low,close,volume\n0,1,2,x,1,1\n', true);
    expect(() => klinesFromTable(k, 'k.csv', 'X', '1m')).toThrow(
      expect.objectContaining({ code: 'DATA_PARSE_FAILED' }),
    );
    expect(() => klinesFromTable(k, 'k.csv', 'X', '1m')).toThrow(/row 1 column 4/);
    const t = parseCsv('time_ms,price,qty,is_buyer_maker,id\n1,1,1,maybe,1\n', true);
    expect(() => tradesFromTable(t, 't.csv', 'X')).toThrow(/is_buyer_maker/);
    const missing = parseCsv('time_ms,price\n1,1\n', true);
    expect(() => tradesFromTable(missing, 't.csv', 'X')).toThrow(/column "qty" not found/);
  });
});
