/**
 * The execution-venue port: the one interface through which the trade layer reaches an exchange.
 * The in-process simulator (backtest, paper) and the Binance adapter (testnet, live) implement it; the
 * trade layer never asks which one it has (ARCHITECTURE.md principle 1).
 *
 * Conventions:
 * - Prices, quantities and money are exact decimal strings (principle 5).
 * - `submitOrder` answers with a discriminated union because each outcome is an expected business result.
 *   `unknown` (timeout, 5xx, connection lost after sending) means the order may or may not exist: the
 *   caller must call `queryOrder` with the same client order id before it retries anything.
 * - Every other method rejects its promise with an AegisError (VENUE_TRANSPORT, VENUE_REJECTED,
 *   VENUE_RATE_LIMITED) on failure; the caller owns the failure.
 * - Order updates and fills arrive through `onExecution` (the user data stream), never through the
 *   answer of `submitOrder`: an `ack` only says the venue accepted the order. An update may be delivered
 *   before the `submitOrder` promise settles.
 */
import type { Instrument } from './instrument.js';
import type { Fill, OrderEvent, OrderRequest } from './order.js';

export type SubmitResult =
  /** The venue accepted the order; `order` is its state in the answer (usually `new`). */
  | { readonly kind: 'ack'; readonly order: OrderEvent }
  /** The venue refused the order (filters, margin, duplicate id...). `code` is the venue's own code. */
  | {
      readonly kind: 'rejected';
      readonly clientOrderId: string;
      readonly code: number | undefined;
      readonly reason: string;
    }
  /** Outcome not known: resolve with `queryOrder(symbol, clientOrderId)` before any retry. */
  | { readonly kind: 'unknown'; readonly clientOrderId: string; readonly reason: string };

/** A position as the venue reports it. `quantity` is signed: > 0 long, < 0 short, "0" flat. */
export interface VenuePosition {
  readonly symbol: string;
  readonly quantity: string;
  readonly entryPrice: string;
  readonly leverage: number;
}

export interface VenueBalance {
  readonly asset: string;
  /** Available for new orders (futures: available balance). */
  readonly free: string;
  /** Held by open orders or margin. */
  readonly locked: string;
}

export type ExecutionUpdate =
  /** An order changed state; `fill` is set when the change is a trade (Binance execution type TRADE). */
  | { readonly kind: 'order'; readonly order: OrderEvent; readonly fill?: Fill }
  /** A funding payment (futures ACCOUNT_UPDATE reason FUNDING_FEE): `amount` signed, received > 0. */
  | {
      readonly kind: 'funding';
      readonly symbol: string;
      readonly asset: string;
      readonly amount: string;
      readonly time: number;
    };

export interface VenueSubscription {
  unsubscribe(): void;
}

export interface ExecutionVenue {
  /** Venue name for logs and errors ('sim', 'binance-futures-testnet', ...). */
  readonly name: string;
  submitOrder(order: OrderRequest): Promise<SubmitResult>;
  /** Cancel by client order id; resolves with the order's state after the cancel. */
  cancelOrder(symbol: string, clientOrderId: string): Promise<OrderEvent>;
  /** The order's current state, or undefined when the venue has no order with that id. */
  queryOrder(symbol: string, clientOrderId: string): Promise<OrderEvent | undefined>;
  openOrders(symbol?: string): Promise<readonly OrderEvent[]>;
  positions(): Promise<readonly VenuePosition[]>;
  balances(): Promise<readonly VenueBalance[]>;
  /** Futures only; a spot venue resolves for leverage 1 and rejects anything else. */
  setLeverage(symbol: string, leverage: number): Promise<void>;
  instruments(): Promise<readonly Instrument[]>;
  /** Order updates, fills and funding pushed by the venue, in the venue's order. */
  onExecution(listener: (update: ExecutionUpdate) => void): VenueSubscription;
}
