/**
 * Spot user-data events -> domain events. Since 2026-02-20 the spot user stream comes over the WebSocket
 * API (`userDataStream.subscribe.signature`), events wrapped as `{"subscriptionId": n, "event": {...}}`.
 * https://developers.binance.com/docs/binance-spot-api-docs/user-data-stream
 *
 * Not here yet: the WebSocket API session itself (subscribe request, reconnect, resync).
 */
import { z } from 'zod';
import type { BalanceEvent, Fill, OrderEvent, OrderStatus, OrderType } from '../../domain/order.js';
import { tradeReportFill } from './mappers.js';

export type SpotUserEvent =
  | {
      readonly type: 'order';
      readonly order: OrderEvent;
      readonly venueType: string;
      readonly fill: Fill | undefined;
    }
  | { readonly type: 'balances'; readonly balances: readonly BalanceEvent[] }
  | { readonly type: 'balanceDelta'; readonly asset: string; readonly delta: string; readonly time: number }
  /** The server ended the subscription: subscribe again (and resync) before trading. */
  | { readonly type: 'terminated'; readonly time: number }
  | { readonly type: 'ignored'; readonly event: string }
  | { readonly type: 'rejected'; readonly detail: string };

const decimal = z.string().regex(/^-?\d+(\.\d+)?$/);
const int = z.number().int();

const executionReport = z.object({
  e: z.literal('executionReport'),
  E: int,
  s: z.string(),
  c: z.string(),
  S: z.enum(['BUY', 'SELL']),
  o: z.string(),
  q: decimal,
  p: decimal,
  C: z.string().nullable().optional(),
  x: z.string(),
  X: z.string(),
  r: z.string(),
  i: z.union([int, z.string()]),
  l: decimal,
  z: decimal,
  L: decimal,
  n: decimal.nullable().optional(),
  N: z.string().nullable().optional(),
  T: int,
  t: z.union([int, z.string()]),
  m: z.boolean(),
});

const accountPosition = z.object({
  e: z.literal('outboundAccountPosition'),
  E: int,
  u: int,
  B: z.array(z.object({ a: z.string(), f: decimal, l: decimal })),
});

const balanceUpdate = z.object({ e: z.literal('balanceUpdate'), E: int, a: z.string(), d: decimal, T: int });

const STATUS: Readonly<Record<string, OrderStatus>> = {
  NEW: 'new',
  PENDING_NEW: 'pending',
  PARTIALLY_FILLED: 'partially_filled',
  FILLED: 'filled',
  CANCELED: 'canceled',
  PENDING_CANCEL: 'new',
  REJECTED: 'rejected',
  EXPIRED: 'expired',
  EXPIRED_IN_MATCH: 'expired',
};

/** Spot order types -> the domain's (STOP_LOSS / TAKE_PROFIT are the market stop orders). */
export const SPOT_ORDER_TYPES: Readonly<Record<string, OrderType>> = {
  MARKET: 'MARKET',
  LIMIT: 'LIMIT',
  LIMIT_MAKER: 'LIMIT',
  STOP_LOSS: 'STOP_MARKET',
  TAKE_PROFIT: 'TAKE_PROFIT_MARKET',
};

/** Raw text of one WebSocket API user-data message -> event. Never throws. */
export function parseSpotUserEvent(text: string): SpotUserEvent {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch {
    return { type: 'rejected', detail: 'not JSON' };
  }
  const data = typeof root === 'object' && root !== null && 'event' in root ? root.event : root;
  if (typeof data !== 'object' || data === null || !('e' in data) || typeof data.e !== 'string') {
    return { type: 'rejected', detail: 'no event type' };
  }
  const kind = data.e;
  const problem = (error: z.ZodError): SpotUserEvent => ({
    type: 'rejected',
    detail: `${kind}: ${error.issues[0]?.path.join('.') ?? ''}`,
  });
  switch (kind) {
    case 'executionReport': {
      const r = executionReport.safeParse(data);
      if (!r.success) return problem(r.error);
      const o = r.data;
      // on a cancel, `c` is the cancel request's own id and `C` the order's original client id
      const clientOrderId = o.C !== undefined && o.C !== null && o.C !== '' ? o.C : o.c;
      const order: OrderEvent = {
        clientOrderId,
        venueOrderId: String(o.i),
        symbol: o.s,
        side: o.S,
        type: SPOT_ORDER_TYPES[o.o] ?? 'LIMIT',
        status: STATUS[o.X] ?? 'unknown',
        quantity: o.q,
        filledQuantity: o.z,
        price: o.p,
        reason: o.r === 'NONE' ? o.x : `${o.x}: ${o.r}`,
        time: o.T,
      };
      const fill = tradeReportFill(clientOrderId, o);
      return { type: 'order', order, venueType: o.o, fill };
    }
    case 'outboundAccountPosition': {
      const r = accountPosition.safeParse(data);
      if (!r.success) return problem(r.error);
      const time = r.data.u;
      return {
        type: 'balances',
        balances: r.data.B.map((b) => ({ asset: b.a, free: Number(b.f), locked: Number(b.l), time })),
      };
    }
    case 'balanceUpdate': {
      const r = balanceUpdate.safeParse(data);
      if (!r.success) return problem(r.error);
      return { type: 'balanceDelta', asset: r.data.a, delta: r.data.d, time: r.data.T };
    }
    case 'eventStreamTerminated': {
      const time = 'E' in data && typeof data.E === 'number' ? data.E : 0;
      return { type: 'terminated', time };
    }
    default:
      return { type: 'ignored', event: kind };
  }
}
