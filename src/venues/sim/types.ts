/**
 * Vocabulary of the in-process matching engine: its configuration, the orders it accepts and the events
 * it emits. Prices, quantities and money are exact decimal strings, as Binance sends them.
 */
import type { Instrument } from '../../domain/instrument.js';
import type { OrderRequest, OrderType, TimeInForce } from '../../domain/order.js';
import type { Side } from '../../domain/signal.js';

/** Binance order status vocabulary (spot executionReport X / futures ORDER_TRADE_UPDATE X). */
export type SimOrderStatus = 'NEW' | 'PARTIALLY_FILLED' | 'FILLED' | 'CANCELED' | 'EXPIRED' | 'REJECTED';

/** Binance execution type (x). */
export type ExecType = 'NEW' | 'TRADE' | 'CANCELED' | 'EXPIRED' | 'CALCULATED';

export type MarginType = 'ISOLATED' | 'CROSSED';

/** An order as the engine accepts it: the domain request, with quantity optional for closePosition. */
export type SimOrderRequest = Omit<OrderRequest, 'quantity'> & { readonly quantity?: string };

export interface FeeRates {
  /** Fraction, e.g. "0.0002" = 0.02 %. */
  readonly maker: string;
  readonly taker: string;
}

/** Binance USDⓈ-M regular-user (VIP 0) rates without BNB discount: 0.02 % maker, 0.05 % taker. */
export const USDM_DEFAULT_FEES: FeeRates = { maker: '0.0002', taker: '0.0005' };
/** Binance spot regular-user rates: 0.1 % / 0.1 %. */
export const SPOT_DEFAULT_FEES: FeeRates = { maker: '0.001', taker: '0.001' };

export interface FillModelOptions {
  /**
   * Fraction (0, 1] of a trade's quantity, a quote's top-of-book size or a candle's volume that one
   * resting order may take. Default 1.
   */
  readonly participation?: number;
  /**
   * Quote model slippage: the fill price moves by `slippagePerBook` (fraction) for each top-of-book size
   * by which the order exceeds the size at the best price. Default 0.0001 (1 bp).
   */
  readonly slippagePerBook?: number;
  /** True: a resting limit fills when the market touches its price; false (default): only when it trades through. */
  readonly fillAtTouch?: boolean;
}

export interface EngineOptions {
  readonly instruments: readonly Instrument[];
  /** Starting balances per asset (wallet balance for futures, free for spot). */
  readonly balances?: Readonly<Record<string, string>>;
  readonly futuresFees?: FeeRates;
  readonly spotFees?: FeeRates;
  readonly fillModel?: FillModelOptions;
  /** Default leverage for futures symbols (Binance's default is 20). */
  readonly defaultLeverage?: number;
  readonly defaultMarginType?: MarginType;
  /** Where events go; by default they are kept and returned by drainEvents(). */
  readonly onEvent?: (event: SimEvent) => void;
}

/** The order as a query returns it (Binance GET order fields). */
export interface SimOrderView {
  readonly orderId: number;
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly side: Side;
  readonly type: OrderType;
  readonly timeInForce: TimeInForce;
  readonly status: SimOrderStatus;
  readonly price: string;
  readonly stopPrice: string;
  readonly origQty: string;
  readonly executedQty: string;
  readonly cumQuote: string;
  readonly avgPrice: string;
  readonly reduceOnly: boolean;
  readonly closePosition: boolean;
  readonly time: number;
  readonly updateTime: number;
}

export type SimResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly code: number; readonly msg: string };

/** One change of an order (Binance executionReport / ORDER_TRADE_UPDATE). */
export interface ExecutionReport {
  readonly e: 'executionReport';
  readonly time: number;
  readonly symbol: string;
  readonly orderId: number;
  readonly clientOrderId: string;
  readonly side: Side;
  readonly type: OrderType;
  readonly timeInForce: TimeInForce;
  readonly execType: ExecType;
  readonly status: SimOrderStatus;
  readonly origQty: string;
  readonly price: string;
  readonly stopPrice: string;
  /** Cumulative filled quantity. */
  readonly executedQty: string;
  readonly cumQuote: string;
  readonly avgPrice: string;
  /** This fill (0 when execType is not TRADE). */
  readonly lastQty: string;
  readonly lastPrice: string;
  readonly commission: string;
  readonly commissionAsset: string;
  /** 0 when execType is not TRADE. */
  readonly tradeId: number;
  readonly maker: boolean;
  readonly reduceOnly: boolean;
  /** Futures: profit realised by this fill (before commission). */
  readonly realizedPnl: string;
}

export interface BalanceView {
  readonly asset: string;
  /** Futures wallet balance; spot free + locked. */
  readonly walletBalance: string;
  /** Spot: free. Futures: available balance (wallet + cross unrealised - margins in use). */
  readonly free: string;
  readonly locked: string;
}

export interface PositionView {
  readonly symbol: string;
  /** Signed: > 0 long, < 0 short (one-way mode). */
  readonly positionAmt: string;
  readonly entryPrice: string;
  readonly markPrice: string;
  readonly unRealizedProfit: string;
  readonly liquidationPrice: string;
  readonly leverage: number;
  readonly marginType: MarginType;
  readonly isolatedWallet: string;
}

export type AccountUpdateReason = 'ORDER' | 'FUNDING_FEE' | 'LIQUIDATION' | 'DEPOSIT';

/** Balances and positions after a change (Binance ACCOUNT_UPDATE / outboundAccountPosition). */
export interface AccountUpdate {
  readonly e: 'accountUpdate';
  readonly time: number;
  readonly reason: AccountUpdateReason;
  readonly balances: readonly BalanceView[];
  readonly positions: readonly PositionView[];
}

/** A funding settlement on one position. Positive amount = received. */
export interface FundingPayment {
  readonly e: 'funding';
  readonly time: number;
  readonly symbol: string;
  readonly asset: string;
  readonly rate: string;
  readonly markPrice: string;
  readonly positionAmt: string;
  readonly amount: string;
}

export type SimEvent = ExecutionReport | AccountUpdate | FundingPayment;
