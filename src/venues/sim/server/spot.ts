/**
 * Binance spot (/api/v3) JSON shapes for SimServer, built from the matching engine's spot account and
 * views. Field names follow Binance's spot REST docs ("General endpoints" exchangeInfo, "Trading
 * endpoints" new order with newOrderRespType ACK / RESULT / FULL, query / cancel order, "Account
 * endpoints" account and myTrades); /work/shared/reference/binance-api.md section 5 lists what AEGIS uses.
 */
import { Decimal } from '../../../domain/decimal.js';
import type { Instrument } from '../../../domain/instrument.js';
import type { BalanceView, ExecutionReport, SimOrderView } from '../types.js';
import type { Json } from './payloads.js';

/** Binance spot exchangeInfo.rateLimits (published values; the simulator counts all paths on one limiter). */
export const SPOT_RATE_LIMITS: readonly Json[] = [
  { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000 },
  { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 100 },
  { rateLimitType: 'ORDERS', interval: 'DAY', intervalNum: 1, limit: 200000 },
  { rateLimitType: 'RAW_REQUESTS', interval: 'MINUTE', intervalNum: 5, limit: 61000 },
];

export function spotSymbolJson(inst: Instrument): Json {
  return {
    symbol: inst.symbol,
    status: 'TRADING',
    baseAsset: inst.baseAsset,
    baseAssetPrecision: 8,
    quoteAsset: inst.quoteAsset,
    quotePrecision: 8,
    quoteAssetPrecision: 8,
    baseCommissionPrecision: 8,
    quoteCommissionPrecision: 8,
    orderTypes: ['LIMIT', 'LIMIT_MAKER', 'MARKET', 'STOP_LOSS', 'TAKE_PROFIT'],
    icebergAllowed: false,
    ocoAllowed: false,
    otoAllowed: false,
    quoteOrderQtyMarketAllowed: false,
    allowTrailingStop: false,
    cancelReplaceAllowed: false,
    isSpotTradingAllowed: true,
    isMarginTradingAllowed: false,
    filters: [
      {
        filterType: 'PRICE_FILTER',
        minPrice: inst.minPrice,
        maxPrice: inst.maxPrice,
        tickSize: inst.tickSize,
      },
      { filterType: 'LOT_SIZE', minQty: inst.minQty, maxQty: inst.maxQty, stepSize: inst.stepSize },
      {
        filterType: 'NOTIONAL',
        minNotional: inst.minNotional,
        applyMinToMarket: inst.applyMinToMarket ?? true,
        maxNotional: inst.maxNotional ?? '9000000.00000000',
        applyMaxToMarket: false,
        avgPriceMins: 5,
      },
    ],
    permissions: [],
    permissionSets: [['SPOT']],
    defaultSelfTradePreventionMode: 'EXPIRE_MAKER',
    allowedSelfTradePreventionModes: ['EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH'],
  };
}

export function spotExchangeInfoJson(instruments: readonly Instrument[], serverTime: number): Json {
  return {
    timezone: 'UTC',
    serverTime,
    rateLimits: SPOT_RATE_LIMITS,
    exchangeFilters: [],
    symbols: instruments.map(spotSymbolJson),
  };
}

/** The engine's order type as Binance spot names it. */
function spotType(v: SimOrderView): string {
  if (v.type === 'STOP_MARKET') return 'STOP_LOSS';
  if (v.type === 'TAKE_PROFIT_MARKET') return 'TAKE_PROFIT';
  if (v.type === 'LIMIT' && v.timeInForce === 'GTX') return 'LIMIT_MAKER';
  return v.type;
}

/** Spot sends timeInForce GTC for orders without one (MARKET, LIMIT_MAKER). */
function spotTif(v: SimOrderView): string {
  return v.type === 'LIMIT' && v.timeInForce !== 'GTX' ? v.timeInForce : 'GTC';
}

/** Decimals as spot writes them: 8 places ("0.01000000"). */
function d8(text: string): string {
  return Decimal.parse(text).toFixed(8);
}

/** GET / DELETE order and openOrders rows. */
export function spotOrderJson(v: SimOrderView, origClientOrderId?: string): Json {
  const base: Json = {
    symbol: v.symbol,
    orderId: v.orderId,
    orderListId: -1,
    clientOrderId: v.clientOrderId,
    price: d8(v.price),
    origQty: d8(v.origQty),
    executedQty: d8(v.executedQty),
    cummulativeQuoteQty: d8(v.cumQuote),
    status: v.status,
    timeInForce: spotTif(v),
    type: spotType(v),
    side: v.side,
    stopPrice: d8(v.stopPrice),
    icebergQty: '0.00000000',
    time: v.time,
    updateTime: v.updateTime,
    isWorking: v.type === 'LIMIT' || v.status !== 'NEW',
    workingTime: v.time,
    origQuoteOrderQty: '0.00000000',
    selfTradePreventionMode: 'EXPIRE_MAKER',
  };
  // a cancel answers with the cancel request's own client id and the order's as origClientOrderId
  if (origClientOrderId !== undefined) {
    return { ...base, origClientOrderId: v.clientOrderId, clientOrderId: origClientOrderId };
  }
  return base;
}

/** POST /api/v3/order answer for newOrderRespType ACK, RESULT or FULL (FULL lists this order's fills). */
export function spotNewOrderJson(
  v: SimOrderView,
  respType: 'ACK' | 'RESULT' | 'FULL',
  transactTime: number,
  fills: readonly ExecutionReport[],
): Json {
  const ack: Json = {
    symbol: v.symbol,
    orderId: v.orderId,
    orderListId: -1,
    clientOrderId: v.clientOrderId,
    transactTime,
  };
  if (respType === 'ACK') return ack;
  const result: Json = {
    ...ack,
    price: d8(v.price),
    origQty: d8(v.origQty),
    executedQty: d8(v.executedQty),
    origQuoteOrderQty: '0.00000000',
    cummulativeQuoteQty: d8(v.cumQuote),
    status: v.status,
    timeInForce: spotTif(v),
    type: spotType(v),
    side: v.side,
    workingTime: transactTime,
    selfTradePreventionMode: 'EXPIRE_MAKER',
  };
  if (respType === 'RESULT') return result;
  return {
    ...result,
    fills: fills.map((f) => ({
      price: d8(f.lastPrice),
      qty: d8(f.lastQty),
      commission: d8(f.commission),
      commissionAsset: f.commissionAsset,
      tradeId: f.tradeId,
    })),
  };
}

/** GET /api/v3/account (balances with something in them, as Binance's omitZeroBalances=true). */
export function spotAccountJson(
  balances: readonly BalanceView[],
  updateTime: number,
  omitZero: boolean,
): Json {
  return {
    makerCommission: 10,
    takerCommission: 10,
    buyerCommission: 0,
    sellerCommission: 0,
    commissionRates: { maker: '0.00100000', taker: '0.00100000', buyer: '0.00000000', seller: '0.00000000' },
    canTrade: true,
    canWithdraw: true,
    canDeposit: true,
    brokered: false,
    requireSelfTradePrevention: false,
    preventSor: false,
    updateTime,
    accountType: 'SPOT',
    balances: balances
      .filter((b) => !omitZero || !(Decimal.parse(b.free).isZero() && Decimal.parse(b.locked).isZero()))
      .map((b) => ({ asset: b.asset, free: d8(b.free), locked: d8(b.locked) })),
    permissions: ['SPOT'],
    uid: 354937868,
  };
}

/** One fill as GET /api/v3/myTrades lists it. */
export function spotTradeJson(r: ExecutionReport): Json {
  return {
    symbol: r.symbol,
    id: r.tradeId,
    orderId: r.orderId,
    orderListId: -1,
    price: d8(r.lastPrice),
    qty: d8(r.lastQty),
    quoteQty: d8(Decimal.parse(r.lastQty).mul(Decimal.parse(r.lastPrice)).toString()),
    commission: d8(r.commission),
    commissionAsset: r.commissionAsset,
    time: r.time,
    isBuyer: r.side === 'BUY',
    isMaker: r.maker,
    isBestMatch: true,
  };
}
