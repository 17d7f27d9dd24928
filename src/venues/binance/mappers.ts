/**
 * Schemas (tolerant of new vendor fields: unknown keys are ignored) and mappers from Binance REST payloads
 * to the adapter's typed results. Prices and quantities stay exact decimal strings.
 * Payload shapes: ../shared/reference/binance-api.md §5 and the endpoint pages linked in clients.ts.
 */
import { z } from 'zod';
import { DataError } from '../../core/errors.js';
import type { Candle, Interval, MarketType } from '../../domain/market.js';
import type { Fill, OrderStatus } from '../../domain/order.js';
import type { Side } from '../../domain/signal.js';
import type { RateLimitRule } from './rate-limit.js';

const decimal = z.string().regex(/^-?\d+(\.\d+)?$/, 'decimal string');
/** Ids may exceed 2^53 (the transport quotes such integers): always handled as strings. */
const id = z.union([z.number().int(), z.string().regex(/^-?\d+$/)]).transform((v) => String(v));
const side = z.enum(['BUY', 'SELL']);

export function parseWith<T>(schema: z.ZodType<T>, value: unknown, endpoint: string): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new DataError(
      `unexpected ${endpoint} response: ${z.prettifyError(result.error).slice(0, 500)}`,
      { endpoint },
      'DATA_PARSE_FAILED',
    );
  }
  return result.data;
}

// ---------------------------------------------------------------------------------------------------
// exchangeInfo

export interface BinanceInstrument {
  readonly symbol: string;
  readonly market: MarketType;
  readonly status: string;
  readonly baseAsset: string;
  readonly quoteAsset: string;
  /** PRICE_FILTER */
  readonly tickSize: string;
  readonly minPrice: string;
  readonly maxPrice: string;
  /** LOT_SIZE */
  readonly stepSize: string;
  readonly minQty: string;
  readonly maxQty: string;
  /** MARKET_LOT_SIZE (when present) */
  readonly marketStepSize: string | undefined;
  readonly marketMinQty: string | undefined;
  readonly marketMaxQty: string | undefined;
  /** spot NOTIONAL.minNotional / older MIN_NOTIONAL.minNotional / futures MIN_NOTIONAL.notional */
  readonly minNotional: string | undefined;
  readonly orderTypes: readonly string[];
}

export interface ExchangeInfo {
  readonly serverTime: number;
  readonly rateLimits: readonly RateLimitRule[];
  readonly instruments: readonly BinanceInstrument[];
}

const filterSchema = z.looseObject({ filterType: z.string() });
const exchangeInfoSchema = z.object({
  serverTime: z.number().int(),
  rateLimits: z
    .array(
      z.object({
        rateLimitType: z.string(),
        interval: z.enum(['SECOND', 'MINUTE', 'HOUR', 'DAY']),
        intervalNum: z.number().int().positive(),
        limit: z.number().int().positive(),
      }),
    )
    .default([]),
  symbols: z.array(
    z.object({
      symbol: z.string(),
      status: z.string(),
      baseAsset: z.string(),
      quoteAsset: z.string(),
      orderTypes: z.array(z.string()).default([]),
      filters: z.array(filterSchema),
    }),
  ),
});

const INTERVAL_UNIT_MS = { SECOND: 1000, MINUTE: 60_000, HOUR: 3_600_000, DAY: 86_400_000 } as const;

function filterField(
  filters: readonly Record<string, unknown>[],
  type: string,
  field: string,
  symbol: string,
): string | undefined {
  const f = filters.find((x) => x.filterType === type);
  if (f === undefined) return undefined;
  const v = f[field];
  if (v === undefined) return undefined;
  const parsed = decimal.safeParse(v);
  if (!parsed.success) {
    throw new DataError(
      `exchangeInfo ${symbol} ${type}.${field} is not a decimal string`,
      { symbol, type, field },
      'DATA_PARSE_FAILED',
    );
  }
  return parsed.data;
}

function required(value: string | undefined, symbol: string, what: string): string {
  if (value === undefined) {
    throw new DataError(`exchangeInfo ${symbol} has no ${what}`, { symbol, what }, 'DATA_PARSE_FAILED');
  }
  return value;
}

export function mapExchangeInfo(value: unknown, market: MarketType): ExchangeInfo {
  const info = parseWith(exchangeInfoSchema, value, 'exchangeInfo');
  const rateLimits: RateLimitRule[] = [];
  for (const r of info.rateLimits) {
    if (r.rateLimitType !== 'REQUEST_WEIGHT' && r.rateLimitType !== 'ORDERS') continue;
    rateLimits.push({
      kind: r.rateLimitType,
      intervalMs: r.intervalNum * INTERVAL_UNIT_MS[r.interval],
      limit: r.limit,
    });
  }
  const instruments = info.symbols.map((s): BinanceInstrument => {
    const f = s.filters;
    const sym = s.symbol;
    return {
      symbol: sym,
      market,
      status: s.status,
      baseAsset: s.baseAsset,
      quoteAsset: s.quoteAsset,
      tickSize: required(filterField(f, 'PRICE_FILTER', 'tickSize', sym), sym, 'PRICE_FILTER.tickSize'),
      minPrice: required(filterField(f, 'PRICE_FILTER', 'minPrice', sym), sym, 'PRICE_FILTER.minPrice'),
      maxPrice: required(filterField(f, 'PRICE_FILTER', 'maxPrice', sym), sym, 'PRICE_FILTER.maxPrice'),
      stepSize: required(filterField(f, 'LOT_SIZE', 'stepSize', sym), sym, 'LOT_SIZE.stepSize'),
      minQty: required(filterField(f, 'LOT_SIZE', 'minQty', sym), sym, 'LOT_SIZE.minQty'),
      maxQty: required(filterField(f, 'LOT_SIZE', 'maxQty', sym), sym, 'LOT_SIZE.maxQty'),
      marketStepSize: filterField(f, 'MARKET_LOT_SIZE', 'stepSize', sym),
      marketMinQty: filterField(f, 'MARKET_LOT_SIZE', 'minQty', sym),
      marketMaxQty: filterField(f, 'MARKET_LOT_SIZE', 'maxQty', sym),
      minNotional:
        market === 'futures'
          ? filterField(f, 'MIN_NOTIONAL', 'notional', sym)
          : (filterField(f, 'NOTIONAL', 'minNotional', sym) ??
            filterField(f, 'MIN_NOTIONAL', 'minNotional', sym)),
      orderTypes: s.orderTypes,
    };
  });
  return { serverTime: info.serverTime, rateLimits, instruments };
}

// ---------------------------------------------------------------------------------------------------
// klines

const klineRow = z
  .tuple([
    z.number().int(),
    decimal,
    decimal,
    decimal,
    decimal,
    decimal,
    z.number().int(),
    decimal,
    z.number().int(),
    decimal,
    decimal,
  ])
  .rest(z.unknown());

/** Kline rows -> candles; a row is closed when its close time is before `serverNow`. */
export function mapKlines(value: unknown, symbol: string, interval: Interval, serverNow: number): Candle[] {
  const rows = parseWith(z.array(klineRow), value, 'klines');
  return rows.map((r) => ({
    symbol,
    interval,
    openTime: r[0],
    open: Number(r[1]),
    high: Number(r[2]),
    low: Number(r[3]),
    close: Number(r[4]),
    volume: Number(r[5]),
    quoteVolume: Number(r[7]),
    trades: r[8],
    takerBuyVolume: Number(r[9]),
    takerBuyQuoteVolume: Number(r[10]),
    closed: r[6] < serverNow,
    synthetic: false,
  }));
}

// ---------------------------------------------------------------------------------------------------
// balances and positions

export interface SpotBalance {
  readonly asset: string;
  readonly free: string;
  readonly locked: string;
}

export function mapSpotAccount(value: unknown): SpotBalance[] {
  const account = parseWith(
    z.object({ balances: z.array(z.object({ asset: z.string(), free: decimal, locked: decimal })) }),
    value,
    'account',
  );
  return account.balances;
}

export interface FuturesBalance {
  readonly asset: string;
  readonly balance: string;
  readonly availableBalance: string;
  readonly crossUnPnl: string;
}

export function mapFuturesBalances(value: unknown): FuturesBalance[] {
  return parseWith(
    z.array(
      z.object({
        asset: z.string(),
        balance: decimal,
        availableBalance: decimal,
        crossUnPnl: decimal.default('0'),
      }),
    ),
    value,
    'balance',
  );
}

export interface FuturesPosition {
  readonly symbol: string;
  readonly positionSide: 'BOTH' | 'LONG' | 'SHORT';
  /** Signed: negative = short (one-way mode). */
  readonly positionAmt: string;
  readonly entryPrice: string;
  readonly markPrice: string;
  readonly unrealizedProfit: string;
  readonly liquidationPrice: string;
  /** Present in v2 positionRisk, absent in v3. */
  readonly leverage: number | undefined;
  readonly marginType: 'isolated' | 'cross' | undefined;
}

export function mapPositionRisk(value: unknown): FuturesPosition[] {
  const rows = parseWith(
    z.array(
      z.object({
        symbol: z.string(),
        positionSide: z.enum(['BOTH', 'LONG', 'SHORT']).default('BOTH'),
        positionAmt: decimal,
        entryPrice: decimal,
        markPrice: decimal,
        unRealizedProfit: decimal,
        liquidationPrice: decimal,
        leverage: z.string().regex(/^\d+$/).optional(),
        marginType: z.enum(['isolated', 'cross']).optional(),
      }),
    ),
    value,
    'positionRisk',
  );
  return rows.map((r) => ({
    symbol: r.symbol,
    positionSide: r.positionSide,
    positionAmt: r.positionAmt,
    entryPrice: r.entryPrice,
    markPrice: r.markPrice,
    unrealizedProfit: r.unRealizedProfit,
    liquidationPrice: r.liquidationPrice,
    leverage: r.leverage === undefined ? undefined : Number(r.leverage),
    marginType: r.marginType,
  }));
}

export interface LeverageResult {
  readonly symbol: string;
  readonly leverage: number;
  readonly maxNotionalValue: string;
}

export function mapLeverage(value: unknown): LeverageResult {
  return parseWith(
    z.object({ symbol: z.string(), leverage: z.number().int(), maxNotionalValue: decimal }),
    value,
    'leverage',
  );
}

// ---------------------------------------------------------------------------------------------------
// orders

export interface OrderFill {
  readonly price: string;
  readonly qty: string;
  readonly commission: string;
  readonly commissionAsset: string;
  readonly tradeId: string;
}

/** An order as the venue reports it (new / cancel / query / open orders), spot or futures. */
export interface VenueOrder {
  readonly symbol: string;
  readonly orderId: string;
  readonly clientOrderId: string;
  readonly side: Side;
  /** Binance order type, e.g. LIMIT, MARKET, STOP_LOSS. */
  readonly type: string;
  readonly status: OrderStatus;
  /** Binance status, e.g. PARTIALLY_FILLED, EXPIRED_IN_MATCH. */
  readonly venueStatus: string;
  readonly price: string;
  readonly quantity: string;
  readonly filledQuantity: string;
  /** Futures avgPrice; for spot cummulativeQuoteQty / executedQty is left to the caller. */
  readonly avgPrice: string | undefined;
  readonly reduceOnly: boolean;
  /** Latest venue time of the order: updateTime, else transactTime (new/cancel), else time; epoch ms. */
  readonly time: number;
  readonly fills: readonly OrderFill[];
}

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

const orderSchema = z.object({
  symbol: z.string(),
  orderId: id,
  clientOrderId: z.string(),
  origClientOrderId: z.string().optional(),
  side,
  type: z.string(),
  status: z.string(),
  price: decimal,
  origQty: decimal,
  executedQty: decimal,
  avgPrice: decimal.optional(),
  reduceOnly: z.boolean().optional(),
  transactTime: z.number().int().optional(),
  updateTime: z.number().int().optional(),
  time: z.number().int().optional(),
  fills: z
    .array(
      z.object({
        price: decimal,
        qty: decimal,
        commission: decimal,
        commissionAsset: z.string(),
        tradeId: id,
      }),
    )
    .default([]),
});

function toVenueOrder(o: z.infer<typeof orderSchema>): VenueOrder {
  return {
    symbol: o.symbol,
    orderId: o.orderId,
    // a spot cancel answers with the cancel's own clientOrderId and the order's as origClientOrderId
    clientOrderId: o.origClientOrderId ?? o.clientOrderId,
    side: o.side,
    type: o.type,
    status: STATUS[o.status] ?? 'unknown',
    venueStatus: o.status,
    price: o.price,
    quantity: o.origQty,
    filledQuantity: o.executedQty,
    avgPrice: o.avgPrice,
    reduceOnly: o.reduceOnly ?? false,
    time: o.updateTime ?? o.transactTime ?? o.time ?? 0,
    fills: o.fills,
  };
}

export function mapOrder(value: unknown, endpoint: string): VenueOrder {
  return toVenueOrder(parseWith(orderSchema, value, endpoint));
}

export function mapOrders(value: unknown, endpoint: string): VenueOrder[] {
  return parseWith(z.array(orderSchema), value, endpoint).map(toVenueOrder);
}

// ---------------------------------------------------------------------------------------------------
// futures algo (conditional) orders

export type AlgoStatus =
  'NEW' | 'TRIGGERING' | 'TRIGGERED' | 'FINISHED' | 'CANCELED' | 'REJECTED' | 'EXPIRED';

export interface AlgoOrder {
  readonly algoId: string;
  readonly clientAlgoId: string;
  readonly symbol: string;
  readonly side: Side;
  /** STOP_MARKET, TAKE_PROFIT_MARKET, ... */
  readonly type: string;
  readonly status: string;
  readonly triggerPrice: string | undefined;
  readonly quantity: string | undefined;
  readonly closePosition: boolean;
  readonly reduceOnly: boolean;
  readonly workingType: string | undefined;
  readonly time: number;
}

const algoSchema = z.object({
  algoId: id,
  clientAlgoId: z.string(),
  symbol: z.string(),
  side,
  orderType: z.string().optional(),
  type: z.string().optional(),
  algoStatus: z.string(),
  triggerPrice: decimal.optional(),
  quantity: decimal.optional(),
  closePosition: z.boolean().optional(),
  reduceOnly: z.boolean().optional(),
  workingType: z.string().optional(),
  createTime: z.number().int().optional(),
  updateTime: z.number().int().optional(),
});

function toAlgo(a: z.infer<typeof algoSchema>): AlgoOrder {
  return {
    algoId: a.algoId,
    clientAlgoId: a.clientAlgoId,
    symbol: a.symbol,
    side: a.side,
    type: a.orderType ?? a.type ?? 'UNKNOWN',
    status: a.algoStatus,
    triggerPrice: a.triggerPrice,
    quantity: a.quantity,
    closePosition: a.closePosition ?? false,
    reduceOnly: a.reduceOnly ?? false,
    workingType: a.workingType,
    time: a.updateTime ?? a.createTime ?? 0,
  };
}

export function mapAlgoOrder(value: unknown, endpoint: string): AlgoOrder {
  return toAlgo(parseWith(algoSchema, value, endpoint));
}

export function mapAlgoOrders(value: unknown, endpoint: string): AlgoOrder[] {
  // GET /fapi/v1/openAlgoOrders answers a plain array (some docs wrap it in {orders: [...]}).
  const list = Array.isArray(value)
    ? value
    : parseWith(z.object({ orders: z.array(z.unknown()) }), value, endpoint).orders;
  return parseWith(z.array(algoSchema), list, endpoint).map(toAlgo);
}

export function mapAlgoCancel(value: unknown): { algoId: string; clientAlgoId: string } {
  return parseWith(z.object({ algoId: id, clientAlgoId: z.string() }), value, 'cancel algoOrder');
}

export function mapListenKey(value: unknown): string {
  return parseWith(z.object({ listenKey: z.string().min(1) }), value, 'listenKey').listenKey;
}

export function mapServerTime(value: unknown): number {
  return parseWith(z.object({ serverTime: z.number().int().positive() }), value, 'time').serverTime;
}

/**
 * The execution fields spot executionReport and futures ORDER_TRADE_UPDATE share (same letters in both:
 * t trade id, L last price, l last quantity, n commission, N commission asset, m maker, T trade time).
 */
export interface TradeReportFields {
  readonly x: string;
  readonly s: string;
  readonly S: 'BUY' | 'SELL';
  readonly t: number | string;
  readonly L: string;
  readonly l: string;
  /** spot sends null commission asset / amount on some reports */
  readonly n?: string | null | undefined;
  readonly N?: string | null | undefined;
  readonly m: boolean;
  readonly T: number;
}

/** The fill a report carries when its execution type is TRADE; undefined otherwise. */
export function tradeReportFill(clientOrderId: string, o: TradeReportFields): Fill | undefined {
  if (o.x !== 'TRADE') return undefined;
  return {
    clientOrderId,
    tradeId: String(o.t),
    symbol: o.s,
    side: o.S,
    price: o.L,
    quantity: o.l,
    commission: o.n ?? '0',
    commissionAsset: o.N ?? '',
    maker: o.m,
    time: o.T,
  };
}
