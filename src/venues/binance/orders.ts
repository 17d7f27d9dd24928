/**
 * Domain order request -> Binance order parameters (spot and USDⓈ-M futures). Prices and quantities stay
 * exact decimal strings from the domain all the way to the wire.
 */
import { InvariantError } from '../../core/errors.js';
import type { OrderRequest } from '../../domain/order.js';
import { encodeComponent, type Params, type RequestSpec } from './request.js';

/** Binance client order ids: `^[\.A-Z\:/a-z0-9_-]{1,36}$`. */
/** Binance's pattern for client order ids (newClientOrderId / clientAlgoId). */
export const CLIENT_ID = /^[.A-Z:/a-z0-9_-]{1,36}$/;
const DECIMAL = /^\d+(\.\d+)?$/;

export type PositionSide = 'BOTH' | 'LONG' | 'SHORT';
export type WorkingType = 'MARK_PRICE' | 'CONTRACT_PRICE';

function checkDecimal(order: OrderRequest, name: string, value: string | undefined): void {
  if (value !== undefined && !DECIMAL.test(value)) {
    throw new InvariantError(`order ${name} ${JSON.stringify(value)} is not an exact decimal string`, {
      clientOrderId: order.clientOrderId,
      [name]: value,
    });
  }
}

function check(order: OrderRequest): void {
  if (!CLIENT_ID.test(order.clientOrderId)) {
    throw new InvariantError(
      `client order id ${JSON.stringify(order.clientOrderId)} is not valid for Binance`,
      {
        clientOrderId: order.clientOrderId,
      },
    );
  }
  checkDecimal(order, 'quantity', order.quantity);
  checkDecimal(order, 'price', order.price);
  checkDecimal(order, 'stopPrice', order.stopPrice);
  if (order.type === 'LIMIT' && order.price === undefined) {
    throw new InvariantError('LIMIT order without price', { clientOrderId: order.clientOrderId });
  }
  if (
    (order.type === 'STOP_MARKET' || order.type === 'TAKE_PROFIT_MARKET') &&
    order.stopPrice === undefined
  ) {
    throw new InvariantError(`${order.type} order without stopPrice`, { clientOrderId: order.clientOrderId });
  }
}

/**
 * POST /api/v3/order parameters. STOP_MARKET maps to spot STOP_LOSS and TAKE_PROFIT_MARKET to spot
 * TAKE_PROFIT (both market orders once `stopPrice` is reached).
 * https://developers.binance.com/docs/binance-spot-api-docs/rest-api/trading-endpoints#new-order-trade
 */
export function spotOrderParams(order: OrderRequest): Params {
  check(order);
  const type =
    order.type === 'STOP_MARKET'
      ? 'STOP_LOSS'
      : order.type === 'TAKE_PROFIT_MARKET'
        ? 'TAKE_PROFIT'
        : order.type;
  return {
    symbol: order.symbol,
    side: order.side,
    type,
    timeInForce: order.type === 'LIMIT' ? (order.timeInForce ?? 'GTC') : undefined,
    quantity: order.quantity,
    price: order.type === 'LIMIT' ? order.price : undefined,
    stopPrice:
      order.type === 'STOP_MARKET' || order.type === 'TAKE_PROFIT_MARKET' ? order.stopPrice : undefined,
    newClientOrderId: order.clientOrderId,
    newOrderRespType: 'FULL',
  };
}

export interface FuturesOrderOptions {
  readonly positionSide?: PositionSide;
}

/**
 * POST /fapi/v1/order parameters for MARKET and LIMIT. Conditional types must go to the Algo Order API
 * since 2025-12-09 (-4120 otherwise): see `futuresAlgoOrderParams`.
 * https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/New-Order
 */
export function futuresOrderParams(order: OrderRequest, options: FuturesOrderOptions = {}): Params {
  check(order);
  if (order.type !== 'MARKET' && order.type !== 'LIMIT') {
    throw new InvariantError(`${order.type} must be sent as an algo order (POST /fapi/v1/algoOrder)`, {
      clientOrderId: order.clientOrderId,
    });
  }
  return {
    symbol: order.symbol,
    side: order.side,
    positionSide: options.positionSide,
    type: order.type,
    timeInForce: order.type === 'LIMIT' ? (order.timeInForce ?? 'GTC') : undefined,
    quantity: order.quantity,
    price: order.type === 'LIMIT' ? order.price : undefined,
    reduceOnly: order.reduceOnly === true ? 'true' : undefined,
    newClientOrderId: order.clientOrderId,
    newOrderRespType: 'RESULT',
  };
}

/**
 * `encodeParams(futuresOrderParams(order, options))` written directly: the same string, byte for byte
 * (orders.test.ts), without the parameter object and its walk. The order submit's hot path
 * (bench/tick-to-order.ts).
 */
export function futuresOrderQuery(order: OrderRequest, options: FuturesOrderOptions = {}): string {
  check(order);
  if (order.type !== 'MARKET' && order.type !== 'LIMIT') {
    throw new InvariantError(`${order.type} must be sent as an algo order (POST /fapi/v1/algoOrder)`, {
      clientOrderId: order.clientOrderId,
    });
  }
  let q = 'symbol=' + encodeComponent(order.symbol) + '&side=' + order.side;
  if (options.positionSide !== undefined) q += '&positionSide=' + options.positionSide;
  q += '&type=' + order.type;
  if (order.type === 'LIMIT') {
    q += '&timeInForce=' + (order.timeInForce ?? 'GTC') + '&quantity=' + order.quantity;
    if (order.price !== undefined) q += '&price=' + order.price;
  } else {
    q += '&quantity=' + order.quantity;
  }
  if (order.reduceOnly === true) q += '&reduceOnly=true';
  return q + '&newClientOrderId=' + encodeComponent(order.clientOrderId) + '&newOrderRespType=RESULT';
}

export interface AlgoOrderOptions {
  readonly positionSide?: PositionSide;
  /** Default MARK_PRICE (a stop that ignores wicks on the last price). */
  readonly workingType?: WorkingType;
  /** Default true. */
  readonly priceProtect?: boolean;
}

/**
 * POST /fapi/v1/algoOrder parameters for STOP_MARKET / TAKE_PROFIT_MARKET (algoType CONDITIONAL).
 * `closePosition` sends `closePosition=true` and no quantity; otherwise quantity (+ reduceOnly).
 * https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/New-Algo-Order
 */
export function futuresAlgoOrderParams(order: OrderRequest, options: AlgoOrderOptions = {}): Params {
  check(order);
  if (order.type !== 'STOP_MARKET' && order.type !== 'TAKE_PROFIT_MARKET') {
    throw new InvariantError(`${order.type} is not a conditional (algo) order type`, {
      clientOrderId: order.clientOrderId,
    });
  }
  const close = order.closePosition === true;
  return {
    algoType: 'CONDITIONAL',
    symbol: order.symbol,
    side: order.side,
    positionSide: options.positionSide,
    type: order.type,
    quantity: close ? undefined : order.quantity,
    triggerPrice: order.stopPrice,
    workingType: options.workingType ?? 'MARK_PRICE',
    closePosition: close ? 'true' : undefined,
    reduceOnly: !close && order.reduceOnly === true ? 'true' : undefined,
    priceProtect: (options.priceProtect ?? true) ? 'true' : 'false',
    clientAlgoId: order.clientOrderId,
  };
}

/** The signed request spec for a new order (parameters in the query, as Binance's own connectors do). */
export function newOrderSpec(path: string, params: Params): RequestSpec {
  return { method: 'POST', path, security: 'signed', query: params };
}
