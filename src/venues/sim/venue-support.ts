/**
 * Pure mappings from the matching engine's Binance-shaped views and events to the ExecutionVenue port's
 * domain types (src/domain/ports.ts). Used by SimVenue (venue.ts); kept apart so each is tested alone.
 */
import { Decimal } from '../../domain/decimal.js';
import type { OrderEvent, OrderStatus } from '../../domain/order.js';
import type { ExecutionUpdate, VenueBalance, VenuePosition } from '../../domain/ports.js';
import { toFill, toOrderEvent } from './domain-map.js';
import type { BalanceView, PositionView, SimEvent, SimOrderStatus, SimOrderView } from './types.js';

/** Binance order status -> domain status (the same table as domain-map.ts, which does not export it). */
const STATUS: Readonly<Record<SimOrderStatus, OrderStatus>> = {
  NEW: 'new',
  PARTIALLY_FILLED: 'partially_filled',
  FILLED: 'filled',
  CANCELED: 'canceled',
  EXPIRED: 'expired',
  REJECTED: 'rejected',
};

/** An order as a query / submit answer returns it, as a domain OrderEvent stamped with its update time. */
export function viewToOrderEvent(v: SimOrderView): OrderEvent {
  return {
    clientOrderId: v.clientOrderId,
    venueOrderId: String(v.orderId),
    symbol: v.symbol,
    side: v.side,
    type: v.type,
    status: STATUS[v.status],
    quantity: v.origQty,
    filledQuantity: v.executedQty,
    ...(v.price === '0' ? {} : { price: v.price }),
    time: v.updateTime,
  };
}

/**
 * The port update carried by one engine event: an execution report becomes an order update (with its
 * fill when it is a trade or a liquidation), a funding payment a funding update. Account updates have
 * no port counterpart (balances and positions are read with `balances()` / `positions()`): undefined.
 */
export function toExecutionUpdate(e: SimEvent): ExecutionUpdate | undefined {
  switch (e.e) {
    case 'executionReport': {
      const order = toOrderEvent(e);
      const fill = toFill(e);
      return fill === undefined ? { kind: 'order', order } : { kind: 'order', order, fill };
    }
    case 'funding':
      return { kind: 'funding', symbol: e.symbol, asset: e.asset, amount: e.amount, time: e.time };
    case 'accountUpdate':
      return undefined;
  }
}

export function toVenuePosition(p: PositionView): VenuePosition {
  return { symbol: p.symbol, quantity: p.positionAmt, entryPrice: p.entryPrice, leverage: p.leverage };
}

/** Spot: the engine's free and locked, as they are. */
export function spotBalance(b: BalanceView): VenueBalance {
  return { asset: b.asset, free: b.free, locked: b.locked };
}

/**
 * Futures: `free` is the available balance; `locked` is the margin held (isolated wallets, cross
 * initial margin, margin reserved by open orders) = wallet + cross unrealised PnL - available, never
 * below 0. So free + locked is the margin balance, which equals the wallet when no position is open.
 * `crossUnrealized` is the sum of the asset's cross positions' unrealised PnL.
 */
export function futuresBalance(b: BalanceView, crossUnrealized: Decimal): VenueBalance {
  const free = Decimal.parse(b.free);
  const held = Decimal.parse(b.walletBalance).add(crossUnrealized).sub(free);
  return { asset: b.asset, free: b.free, locked: held.sign() > 0 ? held.toString() : '0' };
}
