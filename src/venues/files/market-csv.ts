import { DataError } from '../../core/errors.js';
import type { Candle, Interval, Trade } from '../../domain/market.js';
import { columnIndex, readCsvFile, type CsvTable } from './csv.js';

/**
 * Kline and trade CSV files (the layouts of ../shared/data, see its README) mapped to domain types.
 * Klines: open_time_ms,open,high,low,close,volume[,close_time_ms,quote_volume,trades,taker_buy_base_volume,
 * taker_buy_quote_volume]; the optional columns (volume included: mark-price klines have none) are 0 when absent. Trades: time_ms,price,qty,is_buyer_maker,id.
 * Rows are returned as they are in the file (duplicates and gaps included): cleaning is the data layer's job.
 */
export function loadKlines(file: string, symbol: string, interval: Interval): Candle[] {
  return klinesFromTable(readCsvFile(file, true), file, symbol, interval);
}

export function loadTrades(file: string, symbol: string): Trade[] {
  return tradesFromTable(readCsvFile(file, true), file, symbol);
}

export function klinesFromTable(table: CsvTable, file: string, symbol: string, interval: Interval): Candle[] {
  // ../shared/data klines name it open_time_ms; the indicator-reference inputs name it timestamp
  const iTime = table.header.includes('timestamp')
    ? columnIndex(table, 'timestamp', file)
    : columnIndex(table, 'open_time_ms', file);
  const iOpen = columnIndex(table, 'open', file);
  const iHigh = columnIndex(table, 'high', file);
  const iLow = columnIndex(table, 'low', file);
  const iClose = columnIndex(table, 'close', file);
  // mark-price and index klines have no volume: 0
  const iVolume = table.header.indexOf('volume');
  const iQuote = table.header.indexOf('quote_volume');
  const iTrades = table.header.indexOf('trades');
  const iBuy = table.header.indexOf('taker_buy_base_volume');
  const iBuyQuote = table.header.indexOf('taker_buy_quote_volume');
  const out: Candle[] = [];
  table.rows.forEach((row, r) => {
    const num = (i: number): number => (i < 0 ? 0 : toNumber(row[i], file, r, i));
    out.push({
      symbol,
      interval,
      openTime: num(iTime),
      open: num(iOpen),
      high: num(iHigh),
      low: num(iLow),
      close: num(iClose),
      volume: num(iVolume),
      quoteVolume: num(iQuote),
      trades: num(iTrades),
      takerBuyVolume: num(iBuy),
      takerBuyQuoteVolume: num(iBuyQuote),
      closed: true,
      synthetic: false,
    });
  });
  return out;
}

export function tradesFromTable(table: CsvTable, file: string, symbol: string): Trade[] {
  const iTime = columnIndex(table, 'time_ms', file);
  const iPrice = columnIndex(table, 'price', file);
  const iQty = columnIndex(table, 'qty', file);
  const iMaker = columnIndex(table, 'is_buyer_maker', file);
  const iId = columnIndex(table, 'id', file);
  return table.rows.map((row, r) => {
    const maker = row[iMaker];
    if (maker !== 'true' && maker !== 'false' && maker !== 'True' && maker !== 'False') {
      throw new DataError(
        `${file} row ${r + 1}: is_buyer_maker "${maker ?? ''}" is not a boolean`,
        { file, row: r + 1 },
        'DATA_PARSE_FAILED',
      );
    }
    return {
      symbol,
      time: toNumber(row[iTime], file, r, iTime),
      price: toNumber(row[iPrice], file, r, iPrice),
      qty: toNumber(row[iQty], file, r, iQty),
      buyerIsMaker: maker === 'true' || maker === 'True',
      id: toNumber(row[iId], file, r, iId),
    };
  });
}

function toNumber(cell: string | undefined, file: string, row: number, col: number): number {
  const v = cell === undefined || cell === '' ? NaN : Number(cell);
  if (Number.isNaN(v)) {
    throw new DataError(
      `${file} row ${row + 1} column ${col + 1}: "${cell ?? ''}" is not a number`,
      { file, row: row + 1, column: col + 1 },
      'DATA_PARSE_FAILED',
    );
  }
  return v;
}
