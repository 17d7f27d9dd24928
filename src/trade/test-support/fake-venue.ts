/**
 * A small in-memory ExecutionVenue for the trade layer's tests (not the simulator: no order book).
 * MARKET orders fill at once at the symbol's price; STOP_MARKET / TAKE_PROFIT_MARKET orders rest until
 * `trigger()`. Updates are pushed to listeners synchronously, before `submitOrder` resolves, as a real
 * user data stream may do. Scripted outcomes (`script`) and failures (`failNext`) drive the error paths;
 * `calls` records every call so tests can prove what was (not) sent.
 */
import type { Clock } from '../../core/clock.js';
import { AegisError } from '../../core/errors.js';
import { Decimal } from '../../domain/decimal.js';
import type { Instrument } from '../../domain/instrument.js';
import type { Fill, OrderEvent, OrderRequest, OrderStatus } from '../../domain/order.js';
import type {
  ExecutionUpdate,
  ExecutionVenue,
  SubmitResult,
  VenueBalance,
  VenuePosition,
  VenueSubscription,
} from '../../domain/ports.js';

/**
 * What the next submit does. 'unknown-placed': the order is placed (and a MARKET one filled) but the
 * answer is lost and its stream updates are held until `releaseHeld()`; 'unknown-lost': it never arrived.
 */
export type SubmitScript = 'normal' | 'reject' | 'unknown-placed' | 'unknown-lost' | 'throw';
export type FailableOp = 'cancelOrder' | 'queryOrder' | 'setLeverage' | 'balances' | 'instruments';

interface VenueOrder {
  request: OrderRequest;
  venueOrderId: string;
  status: OrderStatus;
  filled: Decimal;
}

export interface Call {
  readonly op: string;
  readonly symbol?: string;
  readonly clientOrderId?: string;
}

export class FakeVenue implements ExecutionVenue {
  readonly name = 'fake';
  readonly calls: Call[] = [];
  /** Outcomes for the next submits, consumed in order; empty = 'normal'. */
  readonly script: SubmitScript[] = [];
  readonly failNext = new Map<FailableOp, AegisError>();
  /** False: MARKET orders rest as `new` until `fillPart` (a venue that acknowledges first, fills later). */
  fillMarketAtOnce = true;
  /** Taker fee rate applied to every fill, in the quote asset. */
  feeRate = Decimal.parse('0.0005');
  readonly leverage = new Map<string, number>();
  private readonly orders = new Map<string, VenueOrder>();
  private readonly prices = new Map<string, Decimal>();
  private readonly listeners = new Set<(u: ExecutionUpdate) => void>();
  private readonly position = new Map<string, Decimal>();
  private held: ExecutionUpdate[] | undefined;
  private nextId = 1;
  private nextTrade = 1;

  constructor(
    private readonly clock: Clock,
    private readonly instrumentList: readonly Instrument[],
    private readonly wallet: Readonly<Record<string, string>>,
  ) {}

  setPrice(symbol: string, price: string): void {
    this.prices.set(symbol, Decimal.parse(price));
  }

  /** The venue's own view of an order. */
  venueOrder(clientOrderId: string): { status: OrderStatus; filled: string } | undefined {
    const o = this.orders.get(clientOrderId);
    return o === undefined ? undefined : { status: o.status, filled: o.filled.toString() };
  }

  submits(): OrderRequest[] {
    return this.calls
      .filter((c) => c.op === 'submitOrder')
      .map((c) => this.orders.get(c.clientOrderId ?? '')?.request)
      .filter((r): r is OrderRequest => r !== undefined);
  }

  countCalls(op: string, clientOrderId?: string): number {
    return this.calls.filter(
      (c) => c.op === op && (clientOrderId === undefined || c.clientOrderId === clientOrderId),
    ).length;
  }

  submitOrder(order: OrderRequest): Promise<SubmitResult> {
    this.calls.push({ op: 'submitOrder', symbol: order.symbol, clientOrderId: order.clientOrderId });
    const script = this.script.shift() ?? 'normal';
    if (script === 'throw') return Promise.reject(new AegisError('VENUE_TRANSPORT', 'socket hang up'));
    if (script === 'unknown-lost') {
      return Promise.resolve({ kind: 'unknown', clientOrderId: order.clientOrderId, reason: 'timeout' });
    }
    if (this.orders.has(order.clientOrderId)) {
      // Binance USDⓈ-M -4116 "ClientOrderId is duplicated."
      return Promise.resolve({
        kind: 'rejected',
        clientOrderId: order.clientOrderId,
        code: -4116,
        reason: 'ClientOrderId is duplicated.',
      });
    }
    if (script === 'reject') {
      return Promise.resolve({
        kind: 'rejected',
        clientOrderId: order.clientOrderId,
        code: -2019,
        reason: 'Margin is insufficient.',
      });
    }
    const o: VenueOrder = {
      request: order,
      venueOrderId: String(this.nextId++),
      status: 'new',
      filled: Decimal.ZERO,
    };
    this.orders.set(order.clientOrderId, o);
    if (script === 'unknown-placed') this.held = [];
    this.emit({ kind: 'order', order: this.view(o) });
    if (order.type === 'MARKET' && this.fillMarketAtOnce) this.fill(o, this.priceOf(order.symbol));
    if (script === 'unknown-placed') {
      return Promise.resolve({ kind: 'unknown', clientOrderId: order.clientOrderId, reason: 'timeout' });
    }
    // the answer shows the order as first accepted (ACK), possibly older than what the stream sent
    return Promise.resolve({ kind: 'ack', order: { ...this.view(o), status: 'new', filledQuantity: '0' } });
  }

  /** Fill a resting order at `price` (a stop or take-profit triggered). */
  trigger(clientOrderId: string, price: string): void {
    const o = this.orders.get(clientOrderId);
    if (o?.status !== 'new') throw new Error(`cannot trigger ${clientOrderId}`);
    this.fill(o, Decimal.parse(price));
  }

  /** Fill `qty` of a resting order (partial fills). */
  fillPart(clientOrderId: string, qty: string, price: string): void {
    const o = this.orders.get(clientOrderId);
    if (o === undefined) throw new Error(`no order ${clientOrderId}`);
    this.fill(o, Decimal.parse(price), Decimal.parse(qty));
  }

  pushFunding(symbol: string, amount: string): void {
    this.emit({ kind: 'funding', symbol, asset: 'USDT', amount, time: this.clock.now() });
  }

  cancelOrder(symbol: string, clientOrderId: string): Promise<OrderEvent> {
    this.calls.push({ op: 'cancelOrder', symbol, clientOrderId });
    const failure = this.takeFailure('cancelOrder');
    if (failure !== undefined) return Promise.reject(failure);
    const o = this.orders.get(clientOrderId);
    if (o === undefined || (o.status !== 'new' && o.status !== 'partially_filled')) {
      return Promise.reject(
        new AegisError('VENUE_REJECTED', 'Unknown order sent.', { context: { venueCode: -2011 } }),
      );
    }
    o.status = 'canceled';
    const ev = this.view(o);
    this.emit({ kind: 'order', order: ev });
    return Promise.resolve(ev);
  }

  queryOrder(symbol: string, clientOrderId: string): Promise<OrderEvent | undefined> {
    this.calls.push({ op: 'queryOrder', symbol, clientOrderId });
    const failure = this.takeFailure('queryOrder');
    if (failure !== undefined) return Promise.reject(failure);
    const o = this.orders.get(clientOrderId);
    return Promise.resolve(o === undefined ? undefined : this.view(o));
  }

  openOrders(symbol?: string): Promise<readonly OrderEvent[]> {
    this.calls.push(symbol === undefined ? { op: 'openOrders' } : { op: 'openOrders', symbol });
    return Promise.resolve(
      [...this.orders.values()]
        .filter(
          (o) =>
            (o.status === 'new' || o.status === 'partially_filled') &&
            (symbol === undefined || o.request.symbol === symbol),
        )
        .map((o) => this.view(o)),
    );
  }

  positions(): Promise<readonly VenuePosition[]> {
    this.calls.push({ op: 'positions' });
    return Promise.resolve(
      [...this.position.entries()].map(([symbol, q]) => ({
        symbol,
        quantity: q.toString(),
        entryPrice: '0',
        leverage: this.leverage.get(symbol) ?? 20,
      })),
    );
  }

  /** The venue's net position quantity for `symbol`. */
  positionQty(symbol: string): string {
    return (this.position.get(symbol) ?? Decimal.ZERO).toString();
  }

  balances(): Promise<readonly VenueBalance[]> {
    this.calls.push({ op: 'balances' });
    const failure = this.takeFailure('balances');
    if (failure !== undefined) return Promise.reject(failure);
    return Promise.resolve(
      Object.entries(this.wallet).map(([asset, free]) => ({ asset, free, locked: '0' })),
    );
  }

  setLeverage(symbol: string, leverage: number): Promise<void> {
    this.calls.push({ op: 'setLeverage', symbol });
    const failure = this.takeFailure('setLeverage');
    if (failure !== undefined) return Promise.reject(failure);
    this.leverage.set(symbol, leverage);
    return Promise.resolve();
  }

  instruments(): Promise<readonly Instrument[]> {
    this.calls.push({ op: 'instruments' });
    const failure = this.takeFailure('instruments');
    if (failure !== undefined) return Promise.reject(failure);
    return Promise.resolve(this.instrumentList);
  }

  onExecution(listener: (update: ExecutionUpdate) => void): VenueSubscription {
    this.listeners.add(listener);
    return { unsubscribe: () => this.listeners.delete(listener) };
  }

  private takeFailure(op: FailableOp): AegisError | undefined {
    const f = this.failNext.get(op);
    this.failNext.delete(op);
    return f;
  }

  private priceOf(symbol: string): Decimal {
    const p = this.prices.get(symbol);
    if (p === undefined) throw new Error(`FakeVenue: no price for ${symbol}`);
    return p;
  }

  private fill(o: VenueOrder, price: Decimal, qty?: Decimal): void {
    const total = Decimal.parse(o.request.quantity);
    const q = qty ?? total.sub(o.filled);
    o.filled = o.filled.add(q);
    o.status = o.filled.eq(total) ? 'filled' : 'partially_filled';
    const signed = o.request.side === 'BUY' ? q : q.neg();
    this.position.set(o.request.symbol, (this.position.get(o.request.symbol) ?? Decimal.ZERO).add(signed));
    const fill: Fill = {
      clientOrderId: o.request.clientOrderId,
      tradeId: String(this.nextTrade++),
      symbol: o.request.symbol,
      side: o.request.side,
      price: price.toString(),
      quantity: q.toString(),
      commission: price.mul(q).mul(this.feeRate).toString(),
      commissionAsset: 'USDT',
      maker: false,
      time: this.clock.now(),
    };
    this.emit({ kind: 'order', order: this.view(o), fill });
  }

  private view(o: VenueOrder): OrderEvent {
    return {
      clientOrderId: o.request.clientOrderId,
      venueOrderId: o.venueOrderId,
      symbol: o.request.symbol,
      side: o.request.side,
      type: o.request.type,
      status: o.status,
      quantity: o.request.quantity,
      filledQuantity: o.filled.toString(),
      time: this.clock.now(),
    };
  }

  /** Deliver the stream updates held back by an 'unknown-placed' submit. */
  releaseHeld(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const u of held) this.emit(u);
  }

  private emit(update: ExecutionUpdate): void {
    if (this.held !== undefined) {
      this.held.push(update);
      return;
    }
    for (const l of this.listeners) l(update);
  }
}
