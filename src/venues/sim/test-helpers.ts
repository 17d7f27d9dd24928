/** Small builders for market events, shared by the simulator's tests and bench. */
import type { Candle, MarkPrice, Quote, Trade } from '../../domain/market.js';
import type { ExecutionReport, SimEvent } from './types.js';

let tradeSeq = 0;

export function trade(symbol: string, time: number, price: number, qty = 1): Trade {
  tradeSeq++;
  return { symbol, time, price, qty, buyerIsMaker: false, id: tradeSeq };
}

export function quote(
  symbol: string,
  time: number,
  bidPrice: number,
  askPrice: number,
  bidQty = 10,
  askQty = 10,
): Quote {
  return { symbol, time, bidPrice, bidQty, askPrice, askQty, updateId: time };
}

export function candle(
  symbol: string,
  openTime: number,
  ohlc: readonly [number, number, number, number],
  volume = 1000,
): Candle {
  const [open, high, low, close] = ohlc;
  return {
    symbol,
    interval: '1m',
    openTime,
    open,
    high,
    low,
    close,
    volume,
    quoteVolume: volume * close,
    trades: 1,
    takerBuyVolume: 0,
    takerBuyQuoteVolume: 0,
    closed: true,
    synthetic: false,
  };
}

export function markPrice(
  symbol: string,
  time: number,
  mark: number,
  fundingRate = 0,
  nextFundingTime = 0,
): MarkPrice {
  return { symbol, time, markPrice: mark, indexPrice: mark, fundingRate, nextFundingTime };
}

export function reports(events: readonly SimEvent[]): ExecutionReport[] {
  return events.filter((e): e is ExecutionReport => e.e === 'executionReport');
}

export function trades(events: readonly SimEvent[]): ExecutionReport[] {
  return reports(events).filter((r) => r.execType === 'TRADE' || r.execType === 'CALCULATED');
}
