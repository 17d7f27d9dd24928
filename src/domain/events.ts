/**
 * The topic catalogue: every event that crosses a layer boundary, with its payload type.
 * `aegis doctor` (and src/app/topology.test.ts) list each topic's producers and consumers.
 */
import type { ErrorEvent } from '../core/event-bus.js';
import type { Candle, Interval, MarkPrice, Quote, Trade } from './market.js';
import type { BalanceEvent, Fill, OrderEvent, PositionEvent } from './order.js';
import type { Signal } from './signal.js';

export interface CandleGap {
  readonly symbol: string;
  readonly interval: Interval;
  /** Open time of the first missing bar. */
  readonly fromOpenTime: number;
  /** Number of missing bars. */
  readonly missing: number;
  /** detected → repaired (backfilled from the venue) or outage (the venue has no bars either). */
  readonly status: 'detected' | 'repaired' | 'outage';
  readonly time: number;
}

export interface DataStale {
  readonly symbol: string;
  readonly stale: boolean;
  readonly lastEventTime: number;
  readonly time: number;
}

export type RiskDenialReason =
  | 'trading_halted'
  | 'trading_reducing'
  | 'max_open_positions'
  | 'position_exists'
  | 'leverage_tier'
  | 'risk_per_trade'
  | 'max_notional_symbol'
  | 'max_notional_total'
  | 'daily_loss_limit'
  | 'cooldown'
  | 'min_confidence'
  | 'insufficient_balance'
  | 'filter_violation'
  | 'data_stale'
  /** The engine has not reconciled with the venue since start or since the last user-stream reconnect. */
  | 'not_reconciled'
  /** A SELL entry on a spot instrument: spot cannot sell what it does not hold (no margin, no shorting). */
  | 'spot_no_short';

export interface RiskRejected {
  readonly signalId: string;
  readonly symbol: string;
  readonly reason: RiskDenialReason;
  readonly detail: string;
  readonly time: number;
}

export type TradingState = 'active' | 'reducing' | 'halted';

export interface TradingStateChanged {
  readonly state: TradingState;
  readonly reason: string;
  readonly time: number;
}

/** One difference between the engine's (or the journal's) view and the venue's, found by reconciliation. */
export interface ReconciliationDiff {
  readonly kind:
    | 'position_quantity'
    | 'position_missing_at_venue'
    | 'position_unknown_to_engine'
    | 'order_state'
    | 'order_missing_at_venue'
    | 'fill_recovered'
    | 'foreign_order';
  readonly symbol: string;
  readonly clientOrderId?: string;
  /** What the engine / journal had, and what the venue says (free text with exact decimals). */
  readonly engine: string;
  readonly venue: string;
}

/** Summary of one reconciliation with the venue (at start and after every user-stream reconnect). */
export interface Reconciled {
  readonly trigger: string;
  /** Our client order ids taken over from the venue / journal. */
  readonly adopted: readonly string[];
  /** Open orders at the venue without our prefix: left alone, reported. */
  readonly foreign: readonly string[];
  /** Symbols whose position got new protective orders. */
  readonly reprotected: readonly string[];
  /** Fills the venue reported that the journal did not have (journaled now, once). */
  readonly recoveredFills: number;
  readonly differences: readonly ReconciliationDiff[];
  readonly time: number;
}

export interface Heartbeat {
  readonly time: number;
  readonly report: Readonly<Record<string, unknown>>;
}

export interface AegisTopics {
  MARKET_TRADE: Trade;
  MARKET_QUOTE: Quote;
  MARKET_MARK_PRICE: MarkPrice;
  CANDLE_UPDATED: Candle;
  CANDLE_CLOSED: Candle;
  CANDLE_GAP: CandleGap;
  DATA_STALE: DataStale;
  SIGNAL_GENERATED: Signal;
  RISK_REJECTED: RiskRejected;
  TRADING_STATE_CHANGED: TradingStateChanged;
  ORDER_SUBMITTED: OrderEvent;
  ORDER_UPDATED: OrderEvent;
  FILL: Fill;
  POSITION_OPENED: PositionEvent;
  POSITION_CLOSED: PositionEvent;
  BALANCE_UPDATED: BalanceEvent;
  RECONCILED: Reconciled;
  HEARTBEAT: Heartbeat;
  ERROR: ErrorEvent;
}

export type Topic = keyof AegisTopics;

export const TOPICS = [
  'MARKET_TRADE',
  'MARKET_QUOTE',
  'MARKET_MARK_PRICE',
  'CANDLE_UPDATED',
  'CANDLE_CLOSED',
  'CANDLE_GAP',
  'DATA_STALE',
  'SIGNAL_GENERATED',
  'RISK_REJECTED',
  'TRADING_STATE_CHANGED',
  'ORDER_SUBMITTED',
  'ORDER_UPDATED',
  'FILL',
  'POSITION_OPENED',
  'POSITION_CLOSED',
  'BALANCE_UPDATED',
  'RECONCILED',
  'HEARTBEAT',
  'ERROR',
] as const satisfies readonly (keyof AegisTopics)[];
