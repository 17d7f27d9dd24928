import type { Side, Tier } from './signal.js';

export type OrderType = 'MARKET' | 'LIMIT' | 'STOP_MARKET' | 'TAKE_PROFIT_MARKET';
export type TimeInForce = 'GTC' | 'IOC' | 'FOK' | 'GTX';

/** Order life cycle. `unknown` = submit outcome not known yet (timeout, 5xx): resolve by query, never retry blind. */
export type OrderStatus =
  'pending' | 'new' | 'partially_filled' | 'filled' | 'canceled' | 'rejected' | 'expired' | 'unknown';

export interface OrderRequest {
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly side: Side;
  readonly type: OrderType;
  /** Exact decimal string, already rounded to the instrument's step. */
  readonly quantity: string;
  /** Exact decimal string rounded to tick (LIMIT). */
  readonly price?: string;
  /** Trigger price for STOP_MARKET / TAKE_PROFIT_MARKET. */
  readonly stopPrice?: string;
  readonly timeInForce?: TimeInForce;
  readonly reduceOnly?: boolean;
  readonly closePosition?: boolean;
}

export interface OrderEvent {
  readonly clientOrderId: string;
  readonly venueOrderId?: string;
  readonly symbol: string;
  readonly side: Side;
  readonly type: OrderType;
  readonly status: OrderStatus;
  readonly quantity: string;
  readonly filledQuantity: string;
  readonly price?: string;
  readonly reason?: string;
  readonly time: number;
}

export interface Fill {
  readonly clientOrderId: string;
  readonly tradeId: string;
  readonly symbol: string;
  readonly side: Side;
  readonly price: string;
  readonly quantity: string;
  readonly commission: string;
  readonly commissionAsset: string;
  readonly maker: boolean;
  readonly time: number;
}

export interface PositionEvent {
  readonly symbol: string;
  readonly side: 'LONG' | 'SHORT';
  readonly quantity: number;
  readonly entryPrice: number;
  readonly tier: Tier;
  readonly leverage: number;
  readonly realizedPnl: number;
  readonly time: number;
}

export interface BalanceEvent {
  readonly asset: string;
  readonly free: number;
  readonly locked: number;
  readonly time: number;
}
