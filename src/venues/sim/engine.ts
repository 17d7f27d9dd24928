/**
 * In-process, deterministic matching engine: a simulated Binance account (spot balances, USDⓈ-M one-way
 * positions) that fills orders against market data. Time is event time only: every call carries the time
 * of the data (or request) it handles; there is no wall clock and no randomness, so the same inputs give
 * the same outputs. The fill models and their assumptions are documented in docs/fill-model.md.
 *
 * Hot path: each symbol keeps two thresholds (`low`, `high`) derived from its resting orders and, with
 * no mark-price feed, its liquidation price. A trade or quote strictly between them cannot fill,
 * trigger or liquidate anything, so it costs a map lookup and two comparisons whatever the number of
 * resting orders.
 */
import { InvariantError } from '../../core/errors.js';
import { Decimal } from '../../domain/decimal.js';
import { instrumentSpec, checkOrder, type Instrument, type InstrumentSpec } from '../../domain/instrument.js';
import { INTERVAL_MS, type Candle, type MarkPrice, type Quote, type Trade } from '../../domain/market.js';
import type { OrderType, TimeInForce } from '../../domain/order.js';
import type { Side } from '../../domain/signal.js';
import { candlePath, firstReachDown, firstReachUp, NOT_REACHED, quoteFillPrice } from './fill-model.js';
import {
  SPOT_DEFAULT_FEES,
  USDM_DEFAULT_FEES,
  type AccountUpdateReason,
  type BalanceView,
  type EngineOptions,
  type ExecType,
  type MarginType,
  type PositionView,
  type SimEvent,
  type SimOrderRequest,
  type SimOrderStatus,
  type SimOrderView,
  type SimResult,
} from './types.js';

const CLIENT_ID = /^[.A-Z:/a-z0-9_-]{1,36}$/;
/** Decimals kept for commissions, PnL, funding and balances (Binance reports 8). */
const MONEY_DP = 8;
/** Decimals kept for intermediate divisions (entry price share of cost, margins). */
const WORK_DP = 16;

/**
 * BUY_LIMIT: reached when the (ask / trade) price goes below `level`; SELL_LIMIT: when the (bid / trade)
 * price goes above; UP_TRIGGER (buy stop, sell take-profit): price >= level; DOWN_TRIGGER: price <= level.
 */
const enum Kind {
  BUY_LIMIT = 0,
  SELL_LIMIT = 1,
  UP_TRIGGER = 2,
  DOWN_TRIGGER = 3,
}

function kindOf(type: OrderType, side: Side): Kind {
  if (type === 'LIMIT') return side === 'BUY' ? Kind.BUY_LIMIT : Kind.SELL_LIMIT;
  if (type === 'MARKET') return Kind.BUY_LIMIT; // never rests
  return (type === 'STOP_MARKET') === (side === 'BUY') ? Kind.UP_TRIGGER : Kind.DOWN_TRIGGER;
}

interface Order {
  readonly id: number;
  readonly cid: string;
  readonly symbol: string;
  readonly side: Side;
  readonly type: OrderType;
  readonly tif: TimeInForce;
  /** Zero for closePosition orders until they trigger. */
  qty: Decimal;
  readonly price: Decimal | undefined;
  readonly stop: Decimal | undefined;
  /** Float copies of price / stop for the hot path (NaN when absent). */
  readonly px: number;
  readonly stopPx: number;
  /** Hot-path classification: what price move reaches this order, and at which level. */
  readonly kind: Kind;
  readonly level: number;
  readonly reduceOnly: boolean;
  readonly closePosition: boolean;
  executed: Decimal;
  cumQuote: Decimal;
  status: SimOrderStatus;
  readonly time: number;
  updateTime: number;
  /** Spot: funds still locked by this order, in `lockAsset`. */
  locked: Decimal;
  readonly lockAsset: string;
  /** Futures: initial margin reserved for the still-open opening part. */
  margin: Decimal;
  resting: boolean;
}

interface Position {
  /** Signed quantity: > 0 long, < 0 short. */
  amt: Decimal;
  /** |amt| * average entry price (exact sum of fill notionals, reduced pro rata on closes). */
  cost: Decimal;
  isoWallet: Decimal;
  /** Float liquidation price, NaN when none. */
  liqPx: number;
}

interface Book {
  readonly spec: InstrumentSpec;
  readonly inst: Instrument;
  readonly futures: boolean;
  readonly open: Order[];
  last: number;
  quote: Quote | undefined;
  source: 'none' | 'trade' | 'quote' | 'candle';
  mark: number;
  markFeed: boolean;
  low: number;
  high: number;
  leverage: number;
  marginType: MarginType;
  readonly pos: Position;
  fundingRate: number;
  nextFunding: number;
}

interface SpotBalance {
  free: Decimal;
  locked: Decimal;
}

interface Reject {
  readonly ok: false;
  readonly code: number;
  readonly msg: string;
}

function reject(code: number, msg: string): Reject {
  return { ok: false, code, msg };
}

function isTerminal(s: SimOrderStatus): boolean {
  return s === 'FILLED' || s === 'CANCELED' || s === 'EXPIRED' || s === 'REJECTED';
}

export interface OrderRef {
  readonly symbol: string;
  readonly orderId?: number;
  readonly clientOrderId?: string;
}

export class MatchingEngine {
  private readonly books = new Map<string, Book>();
  private readonly orders = new Map<number, Order>();
  /** symbol|clientOrderId -> latest order id with that client id. */
  private readonly byClientId = new Map<string, number>();
  private readonly spot = new Map<string, SpotBalance>();
  /** Futures wallet balance per margin asset (includes isolated wallets). */
  private readonly wallet = new Map<string, Decimal>();
  private readonly makerFut: Decimal;
  private readonly takerFut: Decimal;
  private readonly makerSpot: Decimal;
  private readonly takerSpot: Decimal;
  private readonly participation: number;
  private readonly slippagePerBook: number;
  private readonly touch: boolean;
  private readonly sink: (e: SimEvent) => void;
  private readonly kept: SimEvent[] = [];
  private readonly scratch: Order[] = [];
  private nextOrderId = 1;
  private nextTradeId = 1;
  private liquidations = 0;
  private now = 0;
  /** Market events for symbols the engine has no instrument for (ignored). */
  ignoredEvents = 0;

  constructor(options: EngineOptions) {
    const fut = options.futuresFees ?? USDM_DEFAULT_FEES;
    const spot = options.spotFees ?? SPOT_DEFAULT_FEES;
    this.makerFut = Decimal.parse(fut.maker);
    this.takerFut = Decimal.parse(fut.taker);
    this.makerSpot = Decimal.parse(spot.maker);
    this.takerSpot = Decimal.parse(spot.taker);
    const fm = options.fillModel ?? {};
    this.participation = fm.participation ?? 1;
    if (!(this.participation > 0 && this.participation <= 1)) {
      throw new InvariantError(`fillModel.participation must be in (0, 1], got ${this.participation}`);
    }
    this.slippagePerBook = fm.slippagePerBook ?? 0.0001;
    this.touch = fm.fillAtTouch ?? false;
    this.sink = options.onEvent ?? ((e) => this.kept.push(e));
    const leverage = options.defaultLeverage ?? 20;
    for (const inst of options.instruments) {
      this.books.set(inst.symbol, {
        spec: instrumentSpec(inst),
        inst,
        futures: inst.market === 'futures',
        open: [],
        last: Number.NaN,
        quote: undefined,
        source: 'none',
        mark: Number.NaN,
        markFeed: false,
        low: Number.NEGATIVE_INFINITY,
        high: Number.POSITIVE_INFINITY,
        leverage,
        marginType: options.defaultMarginType ?? 'CROSSED',
        pos: { amt: Decimal.ZERO, cost: Decimal.ZERO, isoWallet: Decimal.ZERO, liqPx: Number.NaN },
        fundingRate: 0,
        nextFunding: 0,
      });
    }
    for (const [asset, amount] of Object.entries(options.balances ?? {})) {
      const d = Decimal.parse(amount);
      this.spot.set(asset, { free: d, locked: Decimal.ZERO });
      this.wallet.set(asset, d);
    }
  }

  /** Events emitted since the last call (only when no `onEvent` sink was given). */
  drainEvents(): SimEvent[] {
    return this.kept.splice(0, this.kept.length);
  }

  /** Engine time: the latest event or request time seen. */
  time(): number {
    return this.now;
  }

  // ------------------------------------------------------------------ orders

  submit(req: SimOrderRequest, time = this.now): SimResult<SimOrderView> {
    this.advance(time);
    const b = this.books.get(req.symbol);
    if (b === undefined) return reject(-1121, 'Invalid symbol.');
    const id = this.nextOrderId;
    const cid = req.clientOrderId === '' ? `sim-${id}` : req.clientOrderId;
    if (!CLIENT_ID.test(cid)) {
      return b.futures
        ? reject(-4015, 'Client order id is not valid.')
        : reject(
            -1100,
            "Illegal characters found in parameter 'newClientOrderId'; legal range is '^[\\.A-Z\\:/a-z0-9_-]{1,36}$'.",
          );
    }
    const dupId = this.byClientId.get(`${req.symbol}|${cid}`);
    if (dupId !== undefined) {
      const dup = this.orders.get(dupId);
      if (dup !== undefined && !isTerminal(dup.status)) {
        return b.futures
          ? reject(-4116, 'ClientOrderId is duplicated.')
          : reject(-2010, 'Duplicate order sent.');
      }
    }
    const conditional = req.type === 'STOP_MARKET' || req.type === 'TAKE_PROFIT_MARKET';
    const reduceOnly = req.reduceOnly === true;
    const closePosition = req.closePosition === true;
    if (!b.futures) {
      // spot STOP_LOSS / TAKE_PROFIT (market once triggered): simulated for SELL, which locks the base
      // asset like Binance; a conditional BUY is not simulated
      if (conditional && req.side === 'BUY') return reject(-1116, 'Invalid orderType.');
      if (reduceOnly) return reject(-1106, "Parameter 'reduceOnly' sent when not required.");
      if (closePosition) return reject(-1106, "Parameter 'closePosition' sent when not required.");
    } else if (closePosition && !conditional) {
      return reject(-1106, "Parameter 'closePosition' sent when not required.");
    }

    // Reference price for MARKET notional and execution.
    const tif: TimeInForce = req.type === 'LIMIT' ? (req.timeInForce ?? 'GTC') : 'GTC';
    const qtyForRef = req.quantity !== undefined && Decimal.isValid(req.quantity) ? Number(req.quantity) : 0;
    const marketPx = req.type === 'MARKET' ? this.takerPrice(b, req.side, qtyForRef) : undefined;
    const filter = checkOrder(
      b.inst,
      {
        type: req.type,
        quantity: req.quantity,
        price: req.price,
        stopPrice: req.stopPrice,
        reduceOnly,
        closePosition,
      },
      marketPx,
    );
    if (!filter.ok) return reject(filter.code, filter.msg);
    if (req.type === 'MARKET' && marketPx === undefined) {
      return reject(
        -2010,
        `No market price yet: the simulator has seen no trade, quote or candle for ${req.symbol}.`,
      );
    }
    const qty = req.quantity === undefined ? Decimal.ZERO : Decimal.parse(req.quantity);
    const price = req.type === 'LIMIT' && req.price !== undefined ? Decimal.parse(req.price) : undefined;
    const stop = conditional && req.stopPrice !== undefined ? Decimal.parse(req.stopPrice) : undefined;

    if (conditional && stop !== undefined && Number.isFinite(b.last)) {
      const s = stop.toNumber();
      const up = (req.type === 'STOP_MARKET') === (req.side === 'BUY');
      if (up ? b.last >= s : b.last <= s) return reject(-2021, 'Order would immediately trigger.');
    }
    if (b.futures && reduceOnly && !conditional) {
      if (this.reducible(b, req.side).isZero()) return reject(-2022, 'ReduceOnly Order is rejected.');
    }

    // Immediate execution at submit (MARKET, marketable LIMIT).
    let takeQty = Decimal.ZERO;
    let takePx: Decimal | undefined;
    if (req.type === 'MARKET' && marketPx !== undefined) {
      takeQty = qty;
      takePx = marketPx;
    } else if (price !== undefined) {
      const liq = this.liquidity(b, req.side);
      const marketable =
        liq !== undefined && (req.side === 'BUY' ? liq.px <= price.toNumber() : liq.px >= price.toNumber());
      if (marketable) {
        if (tif === 'GTX') {
          return b.futures
            ? reject(
                -5022,
                'Due to the order could not be executed as maker, the Post Only order will be rejected. The order will not be recorded in the order history',
              )
            : reject(-2010, 'Order would immediately match and take.');
        }
        const best = this.toPrice(b, liq.px, req.side === 'BUY' ? 'up' : 'down');
        takePx = req.side === 'BUY' ? Decimal.min(best, price) : Decimal.max(best, price);
        const avail = Number.isFinite(liq.qty)
          ? Decimal.fromNumber(liq.qty).roundToStep(b.spec.stepSize, 'down')
          : qty;
        takeQty = Decimal.min(qty, avail);
        if (tif === 'FOK' && takeQty.lt(qty)) takeQty = Decimal.ZERO;
      }
    }

    // Funds: spot balances / futures margin.
    let lockAsset = '';
    let locked = Decimal.ZERO;
    let margin = Decimal.ZERO;
    if (!b.futures) {
      if (req.side === 'BUY') {
        lockAsset = b.inst.quoteAsset;
        const need = price !== undefined ? price.mul(qty) : (takePx ?? Decimal.ZERO).mul(qty);
        if (this.spotBal(lockAsset).free.lt(need)) {
          return reject(-2010, 'Account has insufficient balance for requested action.');
        }
        if (price !== undefined) locked = need;
      } else {
        lockAsset = b.inst.baseAsset;
        if (this.spotBal(lockAsset).free.lt(qty)) {
          return reject(-2010, 'Account has insufficient balance for requested action.');
        }
        if (price !== undefined || conditional) locked = qty;
      }
    } else if (!reduceOnly && !conditional) {
      const opening = this.openingQty(b, req.side, qty);
      const at = price ?? takePx ?? Decimal.ZERO;
      margin = opening.mul(at).div(Decimal.of(BigInt(b.leverage)), MONEY_DP, 'up');
      if (margin.gt(this.available(b.inst.quoteAsset))) return reject(-2019, 'Margin is insufficient.');
    }

    const o: Order = {
      id,
      cid,
      symbol: req.symbol,
      side: req.side,
      type: req.type,
      tif,
      qty,
      price,
      stop,
      px: price === undefined ? Number.NaN : price.toNumber(),
      stopPx: stop === undefined ? Number.NaN : stop.toNumber(),
      kind: kindOf(req.type, req.side),
      level: price !== undefined ? price.toNumber() : stop !== undefined ? stop.toNumber() : Number.NaN,
      reduceOnly,
      closePosition,
      executed: Decimal.ZERO,
      cumQuote: Decimal.ZERO,
      status: 'NEW',
      time,
      updateTime: time,
      locked,
      lockAsset,
      margin,
      resting: false,
    };
    this.nextOrderId++;
    this.orders.set(id, o);
    this.byClientId.set(`${req.symbol}|${cid}`, id);
    if (!b.futures && locked.sign() > 0) {
      const bal = this.spotBal(lockAsset);
      bal.free = bal.free.sub(locked);
      bal.locked = bal.locked.add(locked);
    }
    this.report(o, 'NEW', time);

    if (takePx !== undefined && takeQty.sign() > 0) this.fill(b, o, takeQty, takePx, false, time);
    if (isTerminal(o.status)) return { ok: true, value: this.view(o) };
    if (req.type === 'MARKET' || tif === 'IOC' || tif === 'FOK') {
      this.finish(b, o, 'EXPIRED', time);
      return { ok: true, value: this.view(o) };
    }
    o.resting = true;
    b.open.push(o);
    this.refresh(b);
    return { ok: true, value: this.view(o) };
  }

  cancel(ref: OrderRef, time = this.now): SimResult<SimOrderView> {
    this.advance(time);
    const b = this.books.get(ref.symbol);
    if (b === undefined) return reject(-1121, 'Invalid symbol.');
    const o = this.find(ref);
    if (o === undefined || isTerminal(o.status)) return reject(-2011, 'Unknown order sent.');
    this.finish(b, o, 'CANCELED', time);
    return { ok: true, value: this.view(o) };
  }

  /** Cancel every open order of a symbol; returns how many were canceled. */
  cancelAll(symbol: string, time = this.now): number {
    this.advance(time);
    const b = this.books.get(symbol);
    if (b === undefined) return 0;
    const open = b.open.slice();
    for (const o of open) this.finish(b, o, 'CANCELED', time);
    return open.length;
  }

  query(ref: OrderRef): SimResult<SimOrderView> {
    const o = this.find(ref);
    if (o === undefined) return reject(-2013, 'Order does not exist.');
    return { ok: true, value: this.view(o) };
  }

  openOrders(symbol?: string): SimOrderView[] {
    const out: Order[] = [];
    for (const b of this.books.values()) {
      if (symbol === undefined || b.inst.symbol === symbol) out.push(...b.open);
    }
    return out.sort((x, y) => x.id - y.id).map((o) => this.view(o));
  }

  // ---------------------------------------------------------------- account

  setLeverage(symbol: string, leverage: number): SimResult<number> {
    const b = this.books.get(symbol);
    if (b === undefined) return reject(-1121, 'Invalid symbol.');
    if (!Number.isInteger(leverage) || leverage < 1 || leverage > 125) {
      return reject(-4028, `Leverage ${leverage} is not valid`);
    }
    b.leverage = leverage;
    this.recomputeLiq(b.inst.quoteAsset);
    return { ok: true, value: leverage };
  }

  setMarginType(symbol: string, type: MarginType): SimResult<MarginType> {
    const b = this.books.get(symbol);
    if (b === undefined) return reject(-1121, 'Invalid symbol.');
    if (b.marginType === type) return reject(-4046, 'No need to change margin type.');
    if (!b.pos.amt.isZero()) return reject(-4048, 'Margin type cannot be changed if there exists position.');
    if (b.open.length > 0) return reject(-4047, 'Margin type cannot be changed if there exists open orders.');
    b.marginType = type;
    return { ok: true, value: type };
  }

  position(symbol: string): PositionView | undefined {
    const b = this.books.get(symbol);
    return b?.futures === true ? this.positionView(b) : undefined;
  }

  positions(): PositionView[] {
    const out: PositionView[] = [];
    for (const b of this.books.values()) if (b.futures) out.push(this.positionView(b));
    return out;
  }

  /**
   * Balance of `asset`. `market` picks the futures wallet or the spot balances (each starts with the
   * `balances` option); by default the futures wallet when a futures instrument settles in `asset`.
   */
  balance(asset: string, market?: 'spot' | 'futures'): BalanceView {
    const futures =
      market === undefined
        ? [...this.books.values()].some((b) => b.futures && b.inst.quoteAsset === asset)
        : market === 'futures';
    if (futures) {
      const w = this.wallet.get(asset) ?? Decimal.ZERO;
      return {
        asset,
        walletBalance: w.toString(),
        free: this.available(asset).roundToScale(MONEY_DP, 'down').toString(),
        locked: '0',
      };
    }
    const s = this.spotBal(asset);
    return {
      asset,
      walletBalance: s.free.add(s.locked).toString(),
      free: s.free.toString(),
      locked: s.locked.toString(),
    };
  }

  /**
   * Settle funding on a symbol's position now: amount = -positionAmt * markPrice * rate (longs pay a
   * positive rate). For data sources with a funding-rate history; mark-price events settle it themselves.
   */
  applyFunding(symbol: string, rate: number | string, time = this.now, markPrice?: number): void {
    this.advance(time);
    const b = this.books.get(symbol);
    if (b?.futures !== true) return;
    const mark = markPrice ?? (Number.isFinite(b.mark) ? b.mark : b.last);
    if (!Number.isFinite(mark)) return;
    this.settleFunding(
      b,
      typeof rate === 'string' ? Decimal.parse(rate) : Decimal.fromNumber(rate),
      mark,
      time,
    );
  }

  // ------------------------------------------------------------ market data

  onTrade(t: Trade): void {
    const b = this.books.get(t.symbol);
    if (b === undefined) {
      this.ignoredEvents++;
      return;
    }
    if (t.time > this.now) this.now = t.time;
    const p = t.price;
    b.last = p;
    b.source = 'trade';
    if (p > b.low && p < b.high) return;
    this.sweep(b, p, p, t.qty, t.time);
  }

  onQuote(q: Quote): void {
    const b = this.books.get(q.symbol);
    if (b === undefined) {
      this.ignoredEvents++;
      return;
    }
    if (q.time > this.now) this.now = q.time;
    b.quote = q;
    b.last = (q.bidPrice + q.askPrice) / 2;
    b.source = 'quote';
    if (q.bidPrice > b.low && q.askPrice < b.high) return;
    this.sweep(b, q.askPrice, q.bidPrice, Number.NaN, q.time);
  }

  /** A closed candle. Fills are stamped with the candle's close time (openTime + interval - 1). */
  onCandle(c: Candle): void {
    const b = this.books.get(c.symbol);
    if (b === undefined) {
      this.ignoredEvents++;
      return;
    }
    const time = c.openTime + INTERVAL_MS[c.interval] - 1;
    if (time > this.now) this.now = time;
    b.last = c.close;
    b.source = 'candle';
    if (c.low > b.low && c.high < b.high) return;
    this.candleSweep(b, c, time);
  }

  /**
   * Mark price: used for unrealised PnL, margin and liquidation from now on. When the event's time has
   * passed the funding time announced by the previous event, funding is settled with that event's rate.
   */
  onMarkPrice(m: MarkPrice): void {
    const b = this.books.get(m.symbol);
    if (b?.futures !== true) {
      this.ignoredEvents++;
      return;
    }
    if (m.time > this.now) this.now = m.time;
    b.mark = m.markPrice;
    if (!b.markFeed) {
      b.markFeed = true;
      this.refresh(b);
    }
    if (b.nextFunding > 0 && m.time >= b.nextFunding) {
      this.settleFunding(b, Decimal.fromNumber(b.fundingRate), m.markPrice, m.time);
    }
    b.fundingRate = m.fundingRate;
    b.nextFunding = m.nextFundingTime;
    this.recomputeLiq(b.inst.quoteAsset);
    const pos = b.pos;
    if (!pos.amt.isZero() && Number.isFinite(pos.liqPx)) {
      const long = pos.amt.sign() > 0;
      if (long ? m.markPrice <= pos.liqPx : m.markPrice >= pos.liqPx) this.liquidate(b, m.markPrice, m.time);
    }
  }

  // --------------------------------------------------------------- internals

  private advance(time: number): void {
    if (time > this.now) this.now = time;
  }

  private find(ref: OrderRef): Order | undefined {
    let id = ref.orderId;
    if (id === undefined && ref.clientOrderId !== undefined)
      id = this.byClientId.get(`${ref.symbol}|${ref.clientOrderId}`);
    if (id === undefined) return undefined;
    const o = this.orders.get(id);
    return o?.symbol === ref.symbol ? o : undefined;
  }

  private spotBal(asset: string): SpotBalance {
    let s = this.spot.get(asset);
    if (s === undefined) {
      s = { free: Decimal.ZERO, locked: Decimal.ZERO };
      this.spot.set(asset, s);
    }
    return s;
  }

  private toPrice(b: Book, px: number, mode: 'up' | 'down' | 'nearest'): Decimal {
    // 12 significant digits drop binary noise (60008.99999999999 -> 60009) before the exact rounding
    return Decimal.fromNumber(Number(px.toPrecision(12))).roundToStep(
      b.spec.tickSize.isZero() ? Decimal.of(1n, 8) : b.spec.tickSize,
      mode,
    );
  }

  /** Best immediately available price and size for a taker on `side`. */
  private liquidity(b: Book, side: Side): { px: number; qty: number } | undefined {
    if (b.source === 'quote' && b.quote !== undefined) {
      return side === 'BUY'
        ? { px: b.quote.askPrice, qty: b.quote.askQty }
        : { px: b.quote.bidPrice, qty: b.quote.bidQty };
    }
    if (Number.isFinite(b.last)) return { px: b.last, qty: Number.POSITIVE_INFINITY };
    return undefined;
  }

  /** Price a MARKET order of `qty` fills at now (quote model with slippage, else the last price). */
  private takerPrice(b: Book, side: Side, qty: number): Decimal | undefined {
    const mode = side === 'BUY' ? 'up' : 'down';
    if (b.source === 'quote' && b.quote !== undefined) {
      return this.toPrice(b, quoteFillPrice(side, qty, b.quote, this.slippagePerBook), mode);
    }
    if (Number.isFinite(b.last)) return this.toPrice(b, b.last, 'nearest');
    return undefined;
  }

  /** How much a `side` order may reduce of the current position (0 when it would not reduce it). */
  private reducible(b: Book, side: Side): Decimal {
    const s = b.pos.amt.sign();
    if (s === 0) return Decimal.ZERO;
    return s > 0 === (side === 'SELL') ? b.pos.amt.abs() : Decimal.ZERO;
  }

  /** The part of `qty` that would open or grow a position. */
  private openingQty(b: Book, side: Side, qty: Decimal): Decimal {
    const r = this.reducible(b, side);
    return qty.gt(r) ? qty.sub(r) : Decimal.ZERO;
  }

  private markOf(b: Book): number {
    return Number.isFinite(b.mark) ? b.mark : b.last;
  }

  private unrealized(b: Book): Decimal {
    const p = b.pos;
    const mark = this.markOf(b);
    if (p.amt.isZero() || !Number.isFinite(mark)) return Decimal.ZERO;
    const value = p.amt.abs().mul(this.toPrice(b, mark, 'nearest'));
    return p.amt.sign() > 0 ? value.sub(p.cost) : p.cost.sub(value);
  }

  /** Futures available balance in `asset`: cross wallet + cross unrealised - initial margins - order margins. */
  private available(asset: string): Decimal {
    let avail = this.wallet.get(asset) ?? Decimal.ZERO;
    for (const b of this.books.values()) {
      if (!b.futures || b.inst.quoteAsset !== asset) continue;
      for (const o of b.open) avail = avail.sub(o.margin);
      if (b.pos.amt.isZero()) continue;
      if (b.marginType === 'ISOLATED') {
        avail = avail.sub(b.pos.isoWallet);
      } else {
        const mark = this.markOf(b);
        const im = b.pos.amt
          .abs()
          .mul(this.toPrice(b, mark, 'nearest'))
          .div(Decimal.of(BigInt(b.leverage)), WORK_DP, 'up');
        avail = avail.add(this.unrealized(b)).sub(im);
      }
    }
    return avail;
  }

  /** Recompute the hot-path thresholds of a book. */
  private refresh(b: Book): void {
    let low = Number.NEGATIVE_INFINITY;
    let high = Number.POSITIVE_INFINITY;
    for (const o of b.open) {
      const k = o.kind;
      if (k === Kind.BUY_LIMIT || k === Kind.DOWN_TRIGGER) low = Math.max(low, o.level);
      else high = Math.min(high, o.level);
    }
    const liq = b.pos.liqPx;
    if (!b.markFeed && !b.pos.amt.isZero() && Number.isFinite(liq)) {
      if (b.pos.amt.sign() > 0) low = Math.max(low, liq);
      else high = Math.min(high, liq);
    }
    b.low = low;
    b.high = high;
  }

  private cap(b: Book, size: number): Decimal {
    if (!Number.isFinite(size)) return Decimal.of(10n ** 30n);
    return Decimal.fromNumber(size * this.participation).roundToStep(b.spec.stepSize, 'down');
  }

  /**
   * Trade (buyPx = sellPx = trade price, size = trade qty) or quote (buyPx = ask, sellPx = bid, size from
   * the book side): fill crossed limits, trigger conditional orders, liquidate.
   */
  private sweep(b: Book, buyPx: number, sellPx: number, size: number, time: number): void {
    // pass 1 (no allocation): which resting orders does this event reach?
    const hits = this.scratch;
    hits.length = 0;
    const touch = this.touch;
    for (const o of b.open) {
      const k = o.kind;
      const level = o.level;
      let hit: boolean;
      if (k === Kind.BUY_LIMIT) hit = buyPx < level || (touch && buyPx === level);
      else if (k === Kind.SELL_LIMIT) hit = sellPx > level || (touch && sellPx === level);
      else if (k === Kind.UP_TRIGGER) hit = (o.side === 'BUY' ? buyPx : sellPx) >= level;
      else hit = (o.side === 'BUY' ? buyPx : sellPx) <= level;
      if (hit) hits.push(o);
    }
    // pass 2: execute them in order id order (b.open is kept in id order)
    if (hits.length > 0) {
      const q = b.source === 'quote' ? b.quote : undefined;
      for (const o of hits.splice(0, hits.length)) {
        if (!o.resting) continue;
        if (o.type === 'LIMIT') {
          if (o.price === undefined) continue;
          const avail = q === undefined ? size : o.side === 'BUY' ? q.askQty : q.bidQty;
          const qty = Decimal.min(o.qty.sub(o.executed), this.cap(b, avail));
          if (qty.sign() > 0) this.fill(b, o, qty, o.price, true, time);
        } else {
          this.trigger(b, o, undefined, time);
        }
      }
    }
    if (!b.markFeed) this.checkLiquidation(b, buyPx, sellPx, time);
  }

  private candleSweep(b: Book, c: Candle, time: number): void {
    const path = candlePath(c);
    const hits: { o: Order; seg: number; px: Decimal | undefined }[] = [];
    for (const o of b.open) {
      if (o.type === 'LIMIT') {
        const seg =
          o.side === 'BUY' ? firstReachDown(path, o.px, !this.touch) : firstReachUp(path, o.px, !this.touch);
        if (seg !== NOT_REACHED) hits.push({ o, seg, px: o.price });
      } else {
        const up = (o.type === 'STOP_MARKET') === (o.side === 'BUY');
        const seg = up ? firstReachUp(path, o.stopPx, false) : firstReachDown(path, o.stopPx, false);
        // a gap through the trigger fills at the open, otherwise at the trigger price
        if (seg !== NOT_REACHED)
          hits.push({ o, seg, px: seg === -1 ? this.toPrice(b, c.open, 'nearest') : o.stop });
      }
    }
    // Pessimistic rule: stop-market orders first (a stop and a take-profit both touched in one candle ->
    // the stop wins), then everything else in path order, ties by order id.
    hits.sort(
      (x, y) =>
        (x.o.type === 'STOP_MARKET' ? 0 : 1) - (y.o.type === 'STOP_MARKET' ? 0 : 1) ||
        x.seg - y.seg ||
        x.o.id - y.o.id,
    );
    for (const h of hits) {
      const o = h.o;
      if (!o.resting || isTerminal(o.status)) continue;
      if (o.type === 'LIMIT') {
        if (h.px === undefined) continue;
        const qty = Decimal.min(o.qty.sub(o.executed), this.cap(b, c.volume));
        if (qty.sign() > 0) this.fill(b, o, qty, h.px, true, time);
      } else {
        this.trigger(b, o, h.px, time);
      }
    }
    this.refresh(b);
    if (!b.markFeed && !b.pos.amt.isZero() && Number.isFinite(b.pos.liqPx)) {
      const liq = b.pos.liqPx;
      if (b.pos.amt.sign() > 0 && c.low <= liq) this.liquidate(b, Math.min(liq, c.open), time);
      else if (b.pos.amt.sign() < 0 && c.high >= liq) this.liquidate(b, Math.max(liq, c.open), time);
    }
  }

  /** A conditional order fires: it becomes a market order for its (possibly clipped) quantity. */
  private trigger(b: Book, o: Order, px: Decimal | undefined, time: number): void {
    let qty = o.qty.sub(o.executed);
    if (o.closePosition || o.reduceOnly) {
      const r = this.reducible(b, o.side);
      qty = o.closePosition ? r : Decimal.min(qty, r);
      if (qty.isZero()) {
        this.finish(b, o, 'EXPIRED', time);
        return;
      }
      if (o.closePosition) o.qty = qty;
    } else if (b.futures) {
      const at = px ?? this.takerPrice(b, o.side, qty.toNumber());
      if (at !== undefined) {
        const margin = this.openingQty(b, o.side, qty)
          .mul(at)
          .div(Decimal.of(BigInt(b.leverage)), MONEY_DP, 'up');
        if (margin.gt(this.available(b.inst.quoteAsset))) {
          this.finish(b, o, 'EXPIRED', time);
          return;
        }
      }
    }
    const execPx = px ?? this.takerPrice(b, o.side, qty.toNumber());
    if (execPx === undefined) return;
    this.fill(b, o, qty, execPx, false, time);
    if (!isTerminal(o.status)) this.finish(b, o, 'EXPIRED', time);
  }

  /** Execute `qty` of `o` at `price`. Reduce-only quantities are clipped to the position first. */
  private fill(b: Book, o: Order, qtyIn: Decimal, price: Decimal, maker: boolean, time: number): void {
    let qty = qtyIn;
    if (b.futures && (o.reduceOnly || o.closePosition)) {
      qty = Decimal.min(qty, this.reducible(b, o.side));
      if (qty.isZero()) {
        this.finish(b, o, 'EXPIRED', time);
        return;
      }
    }
    const notional = qty.mul(price);
    let commission: Decimal;
    let commissionAsset: string;
    let realized = Decimal.ZERO;
    if (b.futures) {
      commissionAsset = b.inst.quoteAsset;
      commission = notional.mul(maker ? this.makerFut : this.takerFut).roundToScale(MONEY_DP, 'nearest');
      realized = this.applyPosition(b, o.side, qty, price);
      const asset = b.inst.quoteAsset;
      this.wallet.set(asset, (this.wallet.get(asset) ?? Decimal.ZERO).add(realized).sub(commission));
      if (o.margin.sign() > 0) {
        // release the margin reserved for the filled share of the order
        const remainingBefore = o.qty.sub(o.executed);
        const release = o.margin.mul(qty).div(remainingBefore, WORK_DP, 'down');
        o.margin = o.margin.sub(release);
      }
    } else {
      const rate = maker ? this.makerSpot : this.takerSpot;
      const base = this.spotBal(b.inst.baseAsset);
      const quote = this.spotBal(b.inst.quoteAsset);
      if (o.side === 'BUY') {
        commissionAsset = b.inst.baseAsset;
        commission = qty.mul(rate).roundToScale(MONEY_DP, 'nearest');
        if (o.price !== undefined && o.locked.sign() > 0) {
          const release = o.price.mul(qty);
          o.locked = o.locked.sub(release);
          quote.locked = quote.locked.sub(release);
          quote.free = quote.free.add(release).sub(notional);
        } else {
          quote.free = quote.free.sub(notional);
        }
        base.free = base.free.add(qty).sub(commission);
      } else {
        commissionAsset = b.inst.quoteAsset;
        commission = notional.mul(rate).roundToScale(MONEY_DP, 'nearest');
        if (o.locked.sign() > 0) {
          o.locked = o.locked.sub(qty);
          base.locked = base.locked.sub(qty);
        } else {
          base.free = base.free.sub(qty);
        }
        quote.free = quote.free.add(notional).sub(commission);
      }
    }
    o.executed = o.executed.add(qty);
    o.cumQuote = o.cumQuote.add(notional);
    o.updateTime = time;
    const done = o.executed.gte(o.qty);
    o.status = done ? 'FILLED' : 'PARTIALLY_FILLED';
    this.report(o, 'TRADE', time, {
      lastQty: qty,
      lastPrice: price,
      commission,
      commissionAsset,
      tradeId: this.nextTradeId++,
      maker,
      realized,
    });
    if (done) this.close(b, o);
    if (b.futures) this.recomputeLiq(b.inst.quoteAsset);
    this.emitAccount('ORDER', time, b, [b.futures ? b.inst.quoteAsset : b.inst.baseAsset, b.inst.quoteAsset]);
    // a reduce-only order has nothing left to reduce once the position is flat: Binance expires it
    if (!done && b.futures && (o.reduceOnly || o.closePosition) && this.reducible(b, o.side).isZero()) {
      this.finish(b, o, 'EXPIRED', time);
    }
  }

  /** One-way position update; returns the realised PnL of the reduced part. */
  private applyPosition(b: Book, side: Side, qty: Decimal, price: Decimal): Decimal {
    const p = b.pos;
    const signed = side === 'BUY' ? qty : qty.neg();
    const lev = Decimal.of(BigInt(b.leverage));
    const iso = b.marginType === 'ISOLATED';
    if (p.amt.isZero() || p.amt.sign() === signed.sign()) {
      p.amt = p.amt.add(signed);
      p.cost = p.cost.add(qty.mul(price));
      if (iso) p.isoWallet = p.isoWallet.add(qty.mul(price).div(lev, MONEY_DP, 'up'));
      return Decimal.ZERO;
    }
    const size = p.amt.abs();
    const closeQty = Decimal.min(qty, size);
    const costClosed = closeQty.eq(size) ? p.cost : p.cost.mul(closeQty).div(size, WORK_DP, 'nearest');
    const exitValue = closeQty.mul(price);
    const realized = (p.amt.sign() > 0 ? exitValue.sub(costClosed) : costClosed.sub(exitValue)).roundToScale(
      MONEY_DP,
      'nearest',
    );
    const isoRelease = closeQty.eq(size)
      ? p.isoWallet
      : p.isoWallet.mul(closeQty).div(size, MONEY_DP, 'down');
    p.cost = p.cost.sub(costClosed);
    p.isoWallet = p.isoWallet.sub(isoRelease);
    p.amt = p.amt.add(p.amt.sign() > 0 ? closeQty.neg() : closeQty);
    const rest = qty.sub(closeQty);
    if (p.amt.isZero()) {
      p.cost = Decimal.ZERO;
      p.isoWallet = Decimal.ZERO;
    }
    if (rest.sign() > 0) {
      p.amt = side === 'BUY' ? rest : rest.neg();
      p.cost = rest.mul(price);
      if (iso) p.isoWallet = rest.mul(price).div(lev, MONEY_DP, 'up');
    }
    return realized;
  }

  /** Terminal status for an order that is not filled (CANCELED / EXPIRED), releasing what it holds. */
  private finish(b: Book, o: Order, status: 'CANCELED' | 'EXPIRED', time: number): void {
    o.status = status;
    o.updateTime = time;
    this.close(b, o);
    this.report(o, status, time);
  }

  private close(b: Book, o: Order): void {
    if (o.locked.sign() > 0) {
      const bal = this.spotBal(o.lockAsset);
      bal.locked = bal.locked.sub(o.locked);
      bal.free = bal.free.add(o.locked);
      o.locked = Decimal.ZERO;
    }
    o.margin = Decimal.ZERO;
    if (o.resting) {
      o.resting = false;
      const i = b.open.indexOf(o);
      if (i >= 0) b.open.splice(i, 1);
      this.refresh(b);
    }
  }

  private settleFunding(b: Book, rate: Decimal, mark: number, time: number): void {
    const p = b.pos;
    if (p.amt.isZero()) return;
    const markD = this.toPrice(b, mark, 'nearest');
    const amount = p.amt.mul(markD).mul(rate).neg().roundToScale(MONEY_DP, 'nearest');
    const asset = b.inst.quoteAsset;
    this.wallet.set(asset, (this.wallet.get(asset) ?? Decimal.ZERO).add(amount));
    this.sink({
      e: 'funding',
      time,
      symbol: b.inst.symbol,
      asset,
      rate: rate.toString(),
      markPrice: markD.toString(),
      positionAmt: p.amt.toString(),
      amount: amount.toString(),
    });
    this.recomputeLiq(asset);
    this.emitAccount('FUNDING_FEE', time, b, [asset]);
  }

  /**
   * Simplified liquidation price (docs/fill-model.md): the price at which margin balance equals
   * maintenance margin |amt| * P * mmr. Margin = isolated wallet (ISOLATED) or cross wallet plus the
   * other cross positions' unrealised PnL minus their maintenance margin (CROSSED).
   */
  private recomputeLiq(asset: string): void {
    const cross: Book[] = [];
    let crossWallet = (this.wallet.get(asset) ?? Decimal.ZERO).toNumber();
    for (const b of this.books.values()) {
      if (!b.futures || b.inst.quoteAsset !== asset || b.pos.amt.isZero()) continue;
      if (b.marginType === 'ISOLATED') crossWallet -= b.pos.isoWallet.toNumber();
      else cross.push(b);
    }
    for (const b of this.books.values()) {
      if (!b.futures || b.inst.quoteAsset !== asset) continue;
      const p = b.pos;
      if (p.amt.isZero()) {
        p.liqPx = Number.NaN;
        this.refresh(b);
        continue;
      }
      let margin: number;
      if (b.marginType === 'ISOLATED') {
        margin = p.isoWallet.toNumber();
      } else {
        margin = crossWallet;
        for (const other of cross) {
          if (other === b) continue;
          const mark = this.markOf(other);
          margin += this.unrealized(other).toNumber();
          margin -= other.pos.amt.abs().toNumber() * mark * other.spec.maintMarginRate.toNumber();
        }
      }
      const q = p.amt.abs().toNumber();
      const entryValue = p.cost.toNumber();
      const mmr = b.spec.maintMarginRate.toNumber();
      const liq =
        p.amt.sign() > 0 ? (entryValue - margin) / (q * (1 - mmr)) : (entryValue + margin) / (q * (1 + mmr));
      p.liqPx = liq > 0 && Number.isFinite(liq) ? liq : Number.NaN;
      this.refresh(b);
    }
  }

  private checkLiquidation(b: Book, buyPx: number, sellPx: number, time: number): void {
    const p = b.pos;
    if (p.amt.isZero() || !Number.isFinite(p.liqPx)) return;
    if (p.amt.sign() > 0 && sellPx <= p.liqPx) this.liquidate(b, sellPx, time);
    else if (p.amt.sign() < 0 && buyPx >= p.liqPx) this.liquidate(b, buyPx, time);
  }

  /** Close the whole position at `px` with the taker fee, after canceling the symbol's open orders. */
  private liquidate(b: Book, px: number, time: number): void {
    for (const o of b.open.slice()) this.finish(b, o, 'CANCELED', time);
    const amt = b.pos.amt;
    if (amt.isZero()) return;
    const side: Side = amt.sign() > 0 ? 'SELL' : 'BUY';
    const qty = amt.abs();
    this.liquidations++;
    const id = this.nextOrderId++;
    const o: Order = {
      id,
      cid: `autoclose-${this.liquidations}`,
      symbol: b.inst.symbol,
      side,
      type: 'MARKET',
      tif: 'IOC',
      qty,
      price: undefined,
      stop: undefined,
      px: Number.NaN,
      stopPx: Number.NaN,
      kind: Kind.BUY_LIMIT,
      level: Number.NaN,
      reduceOnly: true,
      closePosition: false,
      executed: Decimal.ZERO,
      cumQuote: Decimal.ZERO,
      status: 'NEW',
      time,
      updateTime: time,
      locked: Decimal.ZERO,
      lockAsset: '',
      margin: Decimal.ZERO,
      resting: false,
    };
    this.orders.set(id, o);
    this.byClientId.set(`${o.symbol}|${o.cid}`, id);
    const price = this.toPrice(b, px, 'nearest');
    const commission = qty.mul(price).mul(this.takerFut).roundToScale(MONEY_DP, 'nearest');
    const realized = this.applyPosition(b, side, qty, price);
    const asset = b.inst.quoteAsset;
    this.wallet.set(asset, (this.wallet.get(asset) ?? Decimal.ZERO).add(realized).sub(commission));
    o.executed = qty;
    o.cumQuote = qty.mul(price);
    o.status = 'FILLED';
    this.report(o, 'CALCULATED', time, {
      lastQty: qty,
      lastPrice: price,
      commission,
      commissionAsset: asset,
      tradeId: this.nextTradeId++,
      maker: false,
      realized,
    });
    this.recomputeLiq(asset);
    this.emitAccount('LIQUIDATION', time, b, [asset]);
  }

  // ----------------------------------------------------------------- output

  private view(o: Order): SimOrderView {
    return {
      orderId: o.id,
      clientOrderId: o.cid,
      symbol: o.symbol,
      side: o.side,
      type: o.type,
      timeInForce: o.tif,
      status: o.status,
      price: o.price?.toString() ?? '0',
      stopPrice: o.stop?.toString() ?? '0',
      origQty: o.qty.toString(),
      executedQty: o.executed.toString(),
      cumQuote: o.cumQuote.toString(),
      avgPrice: o.executed.isZero() ? '0' : o.cumQuote.div(o.executed, MONEY_DP, 'nearest').toString(),
      reduceOnly: o.reduceOnly,
      closePosition: o.closePosition,
      time: o.time,
      updateTime: o.updateTime,
    };
  }

  private report(
    o: Order,
    execType: ExecType,
    time: number,
    trade?: {
      lastQty: Decimal;
      lastPrice: Decimal;
      commission: Decimal;
      commissionAsset: string;
      tradeId: number;
      maker: boolean;
      realized: Decimal;
    },
  ): void {
    const v = this.view(o);
    this.sink({
      e: 'executionReport',
      time,
      symbol: o.symbol,
      orderId: o.id,
      clientOrderId: o.cid,
      side: o.side,
      type: o.type,
      timeInForce: o.tif,
      execType,
      status: o.status,
      origQty: v.origQty,
      price: v.price,
      stopPrice: v.stopPrice,
      executedQty: v.executedQty,
      cumQuote: v.cumQuote,
      avgPrice: v.avgPrice,
      lastQty: trade?.lastQty.toString() ?? '0',
      lastPrice: trade?.lastPrice.toString() ?? '0',
      commission: trade?.commission.toString() ?? '0',
      commissionAsset: trade?.commissionAsset ?? '',
      tradeId: trade?.tradeId ?? 0,
      maker: trade?.maker ?? false,
      reduceOnly: o.reduceOnly,
      realizedPnl: trade?.realized.toString() ?? '0',
    });
  }

  private positionView(b: Book): PositionView {
    const p = b.pos;
    const mark = this.markOf(b);
    return {
      symbol: b.inst.symbol,
      positionAmt: p.amt.toString(),
      entryPrice: p.amt.isZero() ? '0' : p.cost.div(p.amt.abs(), MONEY_DP, 'nearest').toString(),
      markPrice: Number.isFinite(mark) ? this.toPrice(b, mark, 'nearest').toString() : '0',
      unRealizedProfit: this.unrealized(b).roundToScale(MONEY_DP, 'nearest').toString(),
      liquidationPrice: Number.isFinite(p.liqPx) ? this.toPrice(b, p.liqPx, 'nearest').toString() : '0',
      leverage: b.leverage,
      marginType: b.marginType,
      isolatedWallet: p.isoWallet.toString(),
    };
  }

  private emitAccount(reason: AccountUpdateReason, time: number, b: Book, assets: string[]): void {
    const unique = [...new Set(assets)];
    this.sink({
      e: 'accountUpdate',
      time,
      reason,
      balances: unique.map((a) => this.balance(a, b.futures ? 'futures' : 'spot')),
      positions: b.futures ? [this.positionView(b)] : [],
    });
  }
}
