/**
 * Binance USDⓈ-M JSON shapes built from the matching engine's views and from market events. Field names
 * and layouts follow Binance's USDⓈ-M docs (REST "Market Data" / "Trade" / "Account" endpoints, "User
 * Data Streams" and "Websocket Market Streams" pages); /work/shared/reference/binance-api.md sections
 * 4-6 list the fields AEGIS relies on. Money stays exact decimal strings from the engine.
 */
import { Decimal } from '../../../domain/decimal.js';
import type { Instrument } from '../../../domain/instrument.js';
import { INTERVAL_MS, type Candle, type MarkPrice, type Quote, type Trade } from '../../../domain/market.js';
import type { AccountUpdate, BalanceView, ExecutionReport, PositionView, SimOrderView } from '../types.js';

export type Json = Record<string, unknown>;

/**
 * Decimals as written in a filter value: tickSize "0.10" -> 2, stepSize "0.001" -> 3. Binance's
 * pricePrecision / quantityPrecision and its stream prices follow the written form (BTCUSDT:
 * tickSize "0.10", pricePrecision 2).
 */
export function decimalsOf(step: string): number {
  const dot = step.indexOf('.');
  return dot < 0 ? 0 : step.length - dot - 1;
}

/** Formats market-data floats with an instrument's precision (Binance sends fixed decimals). */
export interface Precision {
  readonly price: number;
  readonly qty: number;
}

export function precisionOf(inst: Instrument | undefined): Precision {
  if (inst === undefined) return { price: 8, qty: 8 };
  return { price: decimalsOf(inst.tickSize), qty: decimalsOf(inst.stepSize) };
}

function fx(n: number, dp: number): string {
  return n.toFixed(dp);
}

// ------------------------------------------------------------------------------------ exchangeInfo

export interface RateLimitConfig {
  readonly requestWeightPerMinute: number;
  readonly ordersPerMinute: number;
  readonly ordersPer10s: number;
}

export function rateLimitsJson(r: RateLimitConfig): Json[] {
  return [
    { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: r.requestWeightPerMinute },
    { rateLimitType: 'ORDERS', interval: 'MINUTE', intervalNum: 1, limit: r.ordersPerMinute },
    { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: r.ordersPer10s },
  ];
}

export function symbolJson(inst: Instrument): Json {
  const filters: Json[] = [
    { filterType: 'PRICE_FILTER', minPrice: inst.minPrice, maxPrice: inst.maxPrice, tickSize: inst.tickSize },
    { filterType: 'LOT_SIZE', minQty: inst.minQty, maxQty: inst.maxQty, stepSize: inst.stepSize },
  ];
  if (
    inst.marketStepSize !== undefined ||
    inst.marketMinQty !== undefined ||
    inst.marketMaxQty !== undefined
  ) {
    filters.push({
      filterType: 'MARKET_LOT_SIZE',
      minQty: inst.marketMinQty ?? inst.minQty,
      maxQty: inst.marketMaxQty ?? inst.maxQty,
      stepSize: inst.marketStepSize ?? inst.stepSize,
    });
  }
  filters.push(
    { filterType: 'MAX_NUM_ORDERS', limit: 200 },
    { filterType: 'MAX_NUM_ALGO_ORDERS', limit: 10 },
    { filterType: 'MIN_NOTIONAL', notional: inst.minNotional },
  );
  const p = precisionOf(inst);
  return {
    symbol: inst.symbol,
    pair: inst.symbol,
    contractType: 'PERPETUAL',
    deliveryDate: 4133404800000,
    onboardDate: 1569398400000,
    status: 'TRADING',
    maintMarginPercent: '2.5000',
    requiredMarginPercent: '5.0000',
    baseAsset: inst.baseAsset,
    quoteAsset: inst.quoteAsset,
    marginAsset: inst.quoteAsset,
    pricePrecision: p.price,
    quantityPrecision: p.qty,
    baseAssetPrecision: 8,
    quotePrecision: 8,
    underlyingType: 'COIN',
    underlyingSubType: [],
    triggerProtect: '0.0500',
    liquidationFee: '0.012500',
    marketTakeBound: '0.05',
    maxMoveOrderLimit: 10000,
    filters,
    orderTypes: [
      'LIMIT',
      'MARKET',
      'STOP',
      'STOP_MARKET',
      'TAKE_PROFIT',
      'TAKE_PROFIT_MARKET',
      'TRAILING_STOP_MARKET',
    ],
    timeInForce: ['GTC', 'IOC', 'FOK', 'GTX', 'GTD'],
  };
}

export function exchangeInfoJson(
  instruments: readonly Instrument[],
  limits: RateLimitConfig,
  serverTime: number,
): Json {
  const futures = instruments.filter((i) => i.market === 'futures');
  const assets = [...new Set(futures.map((i) => i.quoteAsset))];
  return {
    timezone: 'UTC',
    serverTime,
    futuresType: 'U_MARGINED',
    rateLimits: rateLimitsJson(limits),
    exchangeFilters: [],
    assets: assets.map((asset) => ({ asset, marginAvailable: true, autoAssetExchange: '-10000' })),
    symbols: futures.map(symbolJson),
  };
}

// ------------------------------------------------------------------------------------------ klines

/** A kline REST row: [openTime, o, h, l, c, v, closeTime, quoteVolume, trades, takerBuyBase, takerBuyQuote, "0"]. */
export function klineRow(c: Candle, p: Precision): unknown[] {
  return [
    c.openTime,
    fx(c.open, p.price),
    fx(c.high, p.price),
    fx(c.low, p.price),
    fx(c.close, p.price),
    fx(c.volume, p.qty),
    c.openTime + INTERVAL_MS[c.interval] - 1,
    fx(c.quoteVolume, 8),
    c.trades,
    fx(c.takerBuyVolume, p.qty),
    fx(c.takerBuyQuoteVolume, 8),
    '0',
  ];
}

// ------------------------------------------------------------------------------------ market events

export function aggTradeJson(t: Trade, p: Precision): Json {
  return {
    e: 'aggTrade',
    E: t.time,
    a: t.id,
    s: t.symbol,
    p: fx(t.price, p.price),
    q: fx(t.qty, p.qty),
    f: t.id,
    l: t.id,
    T: t.time,
    m: t.buyerIsMaker,
  };
}

export function bookTickerJson(q: Quote, p: Precision): Json {
  return {
    e: 'bookTicker',
    u: q.updateId,
    s: q.symbol,
    b: fx(q.bidPrice, p.price),
    B: fx(q.bidQty, p.qty),
    a: fx(q.askPrice, p.price),
    A: fx(q.askQty, p.qty),
    T: q.time,
    E: q.time,
  };
}

export function markPriceJson(m: MarkPrice, p: Precision): Json {
  return {
    e: 'markPriceUpdate',
    E: m.time,
    s: m.symbol,
    p: fx(m.markPrice, p.price),
    i: fx(m.indexPrice, p.price),
    P: fx(m.indexPrice, p.price),
    r: fx(m.fundingRate, 8),
    T: m.nextFundingTime,
  };
}

export function klineEventJson(c: Candle, p: Precision, eventTime: number): Json {
  return {
    e: 'kline',
    E: eventTime,
    s: c.symbol,
    k: {
      t: c.openTime,
      T: c.openTime + INTERVAL_MS[c.interval] - 1,
      s: c.symbol,
      i: c.interval,
      f: -1,
      L: -1,
      o: fx(c.open, p.price),
      c: fx(c.close, p.price),
      h: fx(c.high, p.price),
      l: fx(c.low, p.price),
      v: fx(c.volume, p.qty),
      n: c.trades,
      x: c.closed,
      q: fx(c.quoteVolume, 8),
      V: fx(c.takerBuyVolume, p.qty),
      Q: fx(c.takerBuyQuoteVolume, 8),
      B: '0',
    },
  };
}

// -------------------------------------------------------------------------------------------- orders

/** Futures order JSON (POST/GET/DELETE /fapi/v1/order, GET openOrders). `origType` differs for triggered algo orders. */
export function orderJson(v: SimOrderView, extra: { origType?: string; clientOrderId?: string } = {}): Json {
  return {
    orderId: v.orderId,
    symbol: v.symbol,
    status: v.status,
    clientOrderId: extra.clientOrderId ?? v.clientOrderId,
    price: v.price,
    avgPrice: v.avgPrice,
    origQty: v.origQty,
    executedQty: v.executedQty,
    cumQty: v.executedQty,
    cumQuote: v.cumQuote,
    timeInForce: v.timeInForce,
    type: extra.origType === undefined ? v.type : 'MARKET',
    reduceOnly: v.reduceOnly,
    closePosition: v.closePosition,
    side: v.side,
    positionSide: 'BOTH',
    stopPrice: v.stopPrice,
    workingType: 'CONTRACT_PRICE',
    priceProtect: false,
    origType: extra.origType ?? v.type,
    priceMatch: 'NONE',
    selfTradePreventionMode: 'EXPIRE_MAKER',
    goodTillDate: 0,
    time: v.time,
    updateTime: v.updateTime,
  };
}

/** ORDER_TRADE_UPDATE (USDⓈ-M user data stream). */
export function orderTradeUpdateJson(
  r: ExecutionReport,
  extra: { type?: string; origType?: string; clientOrderId?: string; execType?: string } = {},
): Json {
  const trade = r.execType === 'TRADE' || r.execType === 'CALCULATED';
  const o: Json = {
    s: r.symbol,
    c: extra.clientOrderId ?? r.clientOrderId,
    S: r.side,
    o: extra.type ?? r.type,
    f: r.timeInForce,
    q: r.origQty,
    p: r.price,
    ap: r.avgPrice,
    sp: r.stopPrice,
    x: extra.execType ?? r.execType,
    X: r.status,
    i: r.orderId,
    l: r.lastQty,
    z: r.executedQty,
    L: r.lastPrice,
  };
  if (trade) {
    o.N = r.commissionAsset;
    o.n = r.commission;
  }
  Object.assign(o, {
    T: r.time,
    t: r.tradeId,
    b: '0',
    a: '0',
    m: r.maker,
    R: r.reduceOnly,
    wt: 'CONTRACT_PRICE',
    ot: extra.origType ?? r.type,
    ps: 'BOTH',
    cp: false,
    rp: r.realizedPnl,
    pP: false,
    si: 0,
    ss: 0,
    V: 'EXPIRE_MAKER',
    pm: 'NONE',
    gtd: 0,
  });
  return { e: 'ORDER_TRADE_UPDATE', E: r.time, T: r.time, o };
}

/** One fill as GET /fapi/v1/userTrades lists it (USDⓈ-M "Account Trade List"). */
export function userTradeJson(r: ExecutionReport): Json {
  return {
    buyer: r.side === 'BUY',
    commission: r.commission,
    commissionAsset: r.commissionAsset,
    id: r.tradeId,
    maker: r.maker,
    orderId: r.orderId,
    price: r.lastPrice,
    qty: r.lastQty,
    quoteQty: Decimal.parse(r.lastQty).mul(Decimal.parse(r.lastPrice)).toString(),
    realizedPnl: r.realizedPnl,
    side: r.side,
    positionSide: 'BOTH',
    symbol: r.symbol,
    time: r.time,
  };
}

function marginTypeLower(p: PositionView): string {
  return p.marginType === 'ISOLATED' ? 'isolated' : 'cross';
}

/** ACCOUNT_UPDATE (USDⓈ-M user data stream). */
export function accountUpdateJson(u: AccountUpdate): Json {
  return {
    e: 'ACCOUNT_UPDATE',
    E: u.time,
    T: u.time,
    a: {
      m: u.reason,
      B: u.balances.map((b) => ({ a: b.asset, wb: b.walletBalance, cw: b.walletBalance, bc: '0' })),
      P: u.positions.map((p) => ({
        s: p.symbol,
        pa: p.positionAmt,
        ep: p.entryPrice,
        bep: p.entryPrice,
        cr: '0',
        up: p.unRealizedProfit,
        mt: marginTypeLower(p),
        iw: p.isolatedWallet,
        ps: 'BOTH',
      })),
    },
  };
}

// ------------------------------------------------------------------------------------------ account

export function positionRiskJson(p: PositionView, updateTime: number): Json {
  const notional = Decimal.parse(p.positionAmt).mul(Decimal.parse(p.markPrice));
  return {
    symbol: p.symbol,
    positionAmt: p.positionAmt,
    entryPrice: p.entryPrice,
    breakEvenPrice: p.entryPrice,
    markPrice: p.markPrice,
    unRealizedProfit: p.unRealizedProfit,
    liquidationPrice: p.liquidationPrice,
    leverage: String(p.leverage),
    maxNotionalValue: MAX_NOTIONAL,
    marginType: marginTypeLower(p),
    isolatedMargin: p.marginType === 'ISOLATED' ? p.isolatedWallet : '0.00000000',
    isAutoAddMargin: 'false',
    positionSide: 'BOTH',
    notional: notional.toString(),
    isolatedWallet: p.isolatedWallet,
    updateTime,
  };
}

/**
 * maxNotionalValue / maxNotional: the simulator has no leverage brackets, so one constant is reported
 * (Binance's first BTCUSDT bracket allows 125x up to 50,000 USDT; higher brackets allow more notional at
 * lower leverage). The engine does not enforce it.
 */
export const MAX_NOTIONAL = '50000000';

export interface AssetTotals {
  readonly balance: BalanceView;
  readonly crossUnPnl: Decimal;
  readonly positionInitialMargin: Decimal;
  readonly maintMargin: Decimal;
}

export function balanceJson(t: AssetTotals, updateTime: number): Json {
  const b = t.balance;
  return {
    accountAlias: 'SgsR',
    asset: b.asset,
    balance: b.walletBalance,
    crossWalletBalance: b.walletBalance,
    crossUnPnl: t.crossUnPnl.toString(),
    availableBalance: b.free,
    maxWithdrawAmount: b.free,
    marginAvailable: true,
    updateTime,
  };
}

export function accountJson(
  totals: readonly AssetTotals[],
  positions: readonly { p: PositionView; initialMargin: Decimal; maintMargin: Decimal }[],
  updateTime: number,
): Json {
  let wallet = Decimal.ZERO;
  let unpnl = Decimal.ZERO;
  let im = Decimal.ZERO;
  let mm = Decimal.ZERO;
  let avail = Decimal.ZERO;
  const assets = totals.map((t) => {
    const w = Decimal.parse(t.balance.walletBalance);
    const free = Decimal.parse(t.balance.free);
    wallet = wallet.add(w);
    unpnl = unpnl.add(t.crossUnPnl);
    im = im.add(t.positionInitialMargin);
    mm = mm.add(t.maintMargin);
    avail = avail.add(free);
    return {
      asset: t.balance.asset,
      walletBalance: w.toString(),
      unrealizedProfit: t.crossUnPnl.toString(),
      marginBalance: w.add(t.crossUnPnl).toString(),
      maintMargin: t.maintMargin.toString(),
      initialMargin: t.positionInitialMargin.toString(),
      positionInitialMargin: t.positionInitialMargin.toString(),
      openOrderInitialMargin: '0',
      crossWalletBalance: w.toString(),
      crossUnPnl: t.crossUnPnl.toString(),
      availableBalance: free.toString(),
      maxWithdrawAmount: free.toString(),
      marginAvailable: true,
      updateTime,
    };
  });
  return {
    feeTier: 0,
    canTrade: true,
    canDeposit: true,
    canWithdraw: true,
    feeBurn: false,
    tradeGroupId: -1,
    updateTime: 0,
    multiAssetsMargin: false,
    totalInitialMargin: im.toString(),
    totalMaintMargin: mm.toString(),
    totalWalletBalance: wallet.toString(),
    totalUnrealizedProfit: unpnl.toString(),
    totalMarginBalance: wallet.add(unpnl).toString(),
    totalPositionInitialMargin: im.toString(),
    totalOpenOrderInitialMargin: '0',
    totalCrossWalletBalance: wallet.toString(),
    totalCrossUnPnl: unpnl.toString(),
    availableBalance: avail.toString(),
    maxWithdrawAmount: avail.toString(),
    assets,
    positions: positions.map(({ p, initialMargin, maintMargin }) => ({
      symbol: p.symbol,
      initialMargin: initialMargin.toString(),
      maintMargin: maintMargin.toString(),
      unrealizedProfit: p.unRealizedProfit,
      positionInitialMargin: initialMargin.toString(),
      openOrderInitialMargin: '0',
      leverage: String(p.leverage),
      isolated: p.marginType === 'ISOLATED',
      entryPrice: p.entryPrice,
      breakEvenPrice: p.entryPrice,
      maxNotional: MAX_NOTIONAL,
      bidNotional: '0',
      askNotional: '0',
      positionSide: 'BOTH',
      positionAmt: p.positionAmt,
      updateTime,
    })),
  };
}
