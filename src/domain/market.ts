/**
 * Market data vocabulary. Prices and quantities here are floats: they feed indicators and statistics.
 * Anything sent to an exchange goes through the exact decimal helpers instead (see domain/decimal.ts).
 */

export type MarketType = 'spot' | 'futures';

/** Kline intervals Binance supports, and their length in milliseconds (1M is calendar-based: not listed). */
export const INTERVAL_MS = {
  '1s': 1_000,
  '1m': 60_000,
  '3m': 180_000,
  '5m': 300_000,
  '15m': 900_000,
  '30m': 1_800_000,
  '1h': 3_600_000,
  '2h': 7_200_000,
  '4h': 14_400_000,
  '6h': 21_600_000,
  '8h': 28_800_000,
  '12h': 43_200_000,
  '1d': 86_400_000,
  '3d': 259_200_000,
  '1w': 604_800_000,
} as const;

export type Interval = keyof typeof INTERVAL_MS;

export function isInterval(value: string): value is Interval {
  return Object.hasOwn(INTERVAL_MS, value);
}

/** One (aggregate) trade. `buyerIsMaker` true means the aggressor sold (Binance `m`). */
export interface Trade {
  readonly symbol: string;
  /** Trade time, epoch ms (exchange time). */
  readonly time: number;
  readonly price: number;
  readonly qty: number;
  readonly buyerIsMaker: boolean;
  /** Trade id or aggregate-trade id. */
  readonly id: number;
}

/** Best bid/ask. */
export interface Quote {
  readonly symbol: string;
  /** Event time, epoch ms (spot bookTicker has none: the receive time is used). */
  readonly time: number;
  readonly bidPrice: number;
  readonly bidQty: number;
  readonly askPrice: number;
  readonly askQty: number;
  readonly updateId: number;
}

export interface MarkPrice {
  readonly symbol: string;
  readonly time: number;
  readonly markPrice: number;
  readonly indexPrice: number;
  readonly fundingRate: number;
  readonly nextFundingTime: number;
}

/** An OHLCV bar. `closed` false = the forming bar (replaced in place until it closes). */
export interface Candle {
  readonly symbol: string;
  readonly interval: Interval;
  /** Open time, epoch ms; the bar covers [openTime, openTime + interval). */
  readonly openTime: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  /** Base-asset volume. */
  readonly volume: number;
  readonly quoteVolume: number;
  readonly trades: number;
  readonly takerBuyVolume: number;
  readonly takerBuyQuoteVolume: number;
  readonly closed: boolean;
  /** True for a bar the engine made up (flat-fill over an outage), never for exchange data. */
  readonly synthetic: boolean;
}
