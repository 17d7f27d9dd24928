/**
 * Map the engine's Binance-shaped execution reports to the engine-wide domain events
 * (src/domain/order.ts: OrderEvent for ORDER_UPDATED, Fill for FILL).
 */
import type { Fill, OrderEvent, OrderStatus } from '../../domain/order.js';
import type { ExecutionReport, SimOrderStatus } from './types.js';

const STATUS: Readonly<Record<SimOrderStatus, OrderStatus>> = {
  NEW: 'new',
  PARTIALLY_FILLED: 'partially_filled',
  FILLED: 'filled',
  CANCELED: 'canceled',
  EXPIRED: 'expired',
  REJECTED: 'rejected',
};

export function toOrderEvent(r: ExecutionReport): OrderEvent {
  return {
    clientOrderId: r.clientOrderId,
    venueOrderId: String(r.orderId),
    symbol: r.symbol,
    side: r.side,
    type: r.type,
    status: STATUS[r.status],
    quantity: r.origQty,
    filledQuantity: r.executedQty,
    ...(r.price === '0' ? {} : { price: r.price }),
    ...(r.execType === 'CALCULATED' ? { reason: 'liquidation' } : {}),
    time: r.time,
  };
}

/** The fill carried by a TRADE (or liquidation) report; undefined for other reports. */
export function toFill(r: ExecutionReport): Fill | undefined {
  if (r.execType !== 'TRADE' && r.execType !== 'CALCULATED') return undefined;
  return {
    clientOrderId: r.clientOrderId,
    tradeId: String(r.tradeId),
    symbol: r.symbol,
    side: r.side,
    price: r.lastPrice,
    quantity: r.lastQty,
    commission: r.commission,
    commissionAsset: r.commissionAsset,
    maker: r.maker,
    time: r.time,
  };
}
