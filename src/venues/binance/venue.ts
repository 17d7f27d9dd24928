/**
 * BinanceFuturesVenue: the ExecutionVenue port (src/domain/ports.ts) over the real Binance USDⓈ-M API
 * (REST through FuturesRestClient, order updates through the futures user data stream). The trade layer
 * uses it exactly as it uses SimVenue (src/venues/sim/venue.ts).
 *
 * - `submitOrder` routes MARKET / LIMIT to `POST /fapi/v1/order` and STOP_MARKET / TAKE_PROFIT_MARKET to
 *   the Algo Order API (`POST /fapi/v1/algoOrder`, `clientAlgoId` = our client order id; Binance refuses
 *   conditional types on /fapi/v1/order with -4120 since 2025-12-09). Answers: `ack` (the order's state
 *   in the venue's answer), `rejected` (a 4xx with Binance's `code` / `msg`), `unknown` (timeout, 5xx,
 *   connection lost after sending: ORDER_OUTCOME_UNKNOWN from the transport). It never retries a submit.
 *   Failures where the order was certainly not sent (our rate-limit throttle, 429/418, connection refused,
 *   a request that cannot be built) reject the promise with their AegisError, as the other methods do.
 * - Algo orders: the venue remembers which client ids are conditional (algo) orders: those it submitted,
 *   and those it sees in `openAlgoOrders` (call `resync()` after a restart, or let `start()` do it on
 *   every user-stream (re)connect). An id it does not know is tried as a regular order first and, when
 *   Binance answers -2013 / -2011 (regular queries no longer see algo orders), as an algo order.
 * - `queryOrder` resolves undefined for -2013 "Order does not exist." (and for -2013 / -2011 on the algo
 *   endpoint, which is what Binance and the simulator answer for an unknown clientAlgoId).
 * - Execution updates: `handleUserEvent` takes the user stream's mapped events (FuturesUserStream
 *   `onEvent`; `start()` wires it): ORDER_TRADE_UPDATE -> order update (+ fill on execution type TRADE);
 *   ACCOUNT_UPDATE reason FUNDING_FEE -> one funding update per asset whose balance changed; ALGO_UPDATE
 *   -> an order update of the conditional order (NEW/TRIGGERING/TRIGGERED -> new, CANCELED -> canceled,
 *   REJECTED -> rejected, EXPIRED -> expired, FINISHED -> the triggered order's last status when its
 *   ORDER_TRADE_UPDATE carried our client id, else `unknown`: resolve with queryOrder). Updates of a
 *   triggered conditional order that carry our client id keep the conditional type (STOP_MARKET...), as
 *   SimVenue reports a stop that fills. Listeners are called in subscription order; one that throws is
 *   counted (`listenerErrors`) and handed to `onError`, and delivery goes on.
 */
import type { Clock, Scheduler } from '../../core/clock.js';
import { AegisError, toError } from '../../core/errors.js';
import { silentLogger, type Logger } from '../../core/logger.js';
import { Decimal } from '../../domain/decimal.js';
import type { Instrument } from '../../domain/instrument.js';
import type { OrderEvent, OrderRequest, OrderStatus, OrderType } from '../../domain/order.js';
import type {
  ExecutionUpdate,
  ExecutionVenue,
  SubmitResult,
  VenueBalance,
  VenuePosition,
  VenueSubscription,
} from '../../domain/ports.js';
import type { Side } from '../../domain/signal.js';
import type { FuturesRestClient } from './clients.js';
import { OrderOutcomeUnknownError, VenueRejectedError } from './errors.js';
import type { AlgoOrder, BinanceInstrument, VenueOrder } from './mappers.js';
import { CLIENT_ID, type AlgoOrderOptions, type FuturesOrderOptions } from './orders.js';
import { FuturesUserStream, type AlgoUpdate, type FuturesUserEvent } from './user-stream.js';

/** Binance "Order does not exist." (query). */
const ORDER_DOES_NOT_EXIST = -2013;
/** Binance "Unknown order sent." (cancel; also answered for an unknown algo id). */
const UNKNOWN_ORDER_SENT = -2011;

const DOMAIN_TYPES: readonly OrderType[] = ['MARKET', 'LIMIT', 'STOP_MARKET', 'TAKE_PROFIT_MARKET'];

const ALGO_STATUS: Readonly<Record<string, OrderStatus>> = {
  NEW: 'new',
  TRIGGERING: 'new',
  TRIGGERED: 'new',
  CANCELED: 'canceled',
  REJECTED: 'rejected',
  EXPIRED: 'expired',
};

const TERMINAL: ReadonlySet<OrderStatus> = new Set(['filled', 'canceled', 'expired', 'rejected']);

export type ExecutionListener = (update: ExecutionUpdate) => void;

/** What the venue knows of a conditional (algo) order, keyed by its client id. */
interface AlgoRecord {
  symbol: string;
  side: Side;
  type: OrderType;
  quantity: string;
  algoId: string | undefined;
  /** From the triggered order's ORDER_TRADE_UPDATEs that carried our client id. */
  filledQuantity: string;
  triggeredStatus: OrderStatus | undefined;
  time: number;
  /** The last (status, filled quantity) delivered for this client id: an update that repeats it is not delivered. */
  delivered?: { status: OrderStatus; filled: string };
}

export interface BinanceUserStreamOptions {
  /** wss://fstream.binance.com, a testnet, or ws://127.0.0.1:<port> (the stream is `<base>/ws/<listenKey>`). */
  readonly wsBaseUrl: string;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  /** Uniform in [0, 1): reconnect jitter. */
  readonly random: () => number;
  /** The trade layer's REST reconciliation; runs after the venue's own resync on every (re)connect. */
  readonly resync?: () => Promise<void>;
  /** Trading readiness: false from every (re)connect until the resync has completed. */
  readonly onReady?: (ready: boolean) => void;
  readonly keepAliveMs?: number;
  readonly backoffInitialMs?: number;
  readonly backoffMaxMs?: number;
}

export interface BinanceFuturesVenueOptions {
  readonly client: FuturesRestClient;
  /** Default 'binance-futures' (e.g. 'binance-futures-testnet'). */
  readonly name?: string;
  readonly logger?: Logger;
  /** Set to let `start()` / `stop()` run the futures user data stream into `onExecution`. */
  readonly userStream?: BinanceUserStreamOptions;
  /** positionSide for /fapi/v1/order (default: Binance's BOTH, one-way mode). */
  readonly orderOptions?: FuturesOrderOptions;
  /** workingType / priceProtect / positionSide for algo orders (default MARK_PRICE, priceProtect true). */
  readonly algoOptions?: AlgoOrderOptions;
  /** Called with what a listener threw and the update it was handling. */
  readonly onError?: (error: Error, update: ExecutionUpdate) => void;
}

function isAlgoType(type: OrderType): boolean {
  return type === 'STOP_MARKET' || type === 'TAKE_PROFIT_MARKET';
}

function domainType(venueType: string, fallback: OrderType): OrderType {
  return (DOMAIN_TYPES as readonly string[]).includes(venueType) ? (venueType as OrderType) : fallback;
}

function missing(caught: unknown, codes: readonly number[]): boolean {
  return (
    caught instanceof VenueRejectedError && caught.venueCode !== undefined && codes.includes(caught.venueCode)
  );
}

/** A regular order as the venue reports it -> domain OrderEvent (price left out when "0", as SimVenue). */
export function venueOrderToEvent(o: VenueOrder): OrderEvent {
  return {
    clientOrderId: o.clientOrderId,
    venueOrderId: o.orderId,
    symbol: o.symbol,
    side: o.side,
    type: domainType(o.type, 'MARKET'),
    status: o.status,
    quantity: o.quantity,
    filledQuantity: o.filledQuantity,
    ...(Decimal.parse(o.price).isZero() ? {} : { price: o.price }),
    time: o.time,
  };
}

/** Exchange-info symbol -> domain Instrument (minNotional "0" when the symbol has no MIN_NOTIONAL). */
export function toInstrument(i: BinanceInstrument): Instrument {
  return {
    symbol: i.symbol,
    market: i.market,
    baseAsset: i.baseAsset,
    quoteAsset: i.quoteAsset,
    tickSize: i.tickSize,
    minPrice: i.minPrice,
    maxPrice: i.maxPrice,
    stepSize: i.stepSize,
    minQty: i.minQty,
    maxQty: i.maxQty,
    ...(i.marketStepSize === undefined ? {} : { marketStepSize: i.marketStepSize }),
    ...(i.marketMinQty === undefined ? {} : { marketMinQty: i.marketMinQty }),
    ...(i.marketMaxQty === undefined ? {} : { marketMaxQty: i.marketMaxQty }),
    minNotional: i.minNotional ?? '0',
  };
}

export class BinanceFuturesVenue implements ExecutionVenue {
  readonly name: string;
  /** Errors thrown by listeners (and by `onError` itself) since construction. */
  listenerErrors = 0;
  /** Execution updates delivered (each counted once, whatever the number of listeners). */
  delivered = 0;
  private readonly client: FuturesRestClient;
  private readonly logger: Logger;
  private readonly orderOptions: FuturesOrderOptions;
  private readonly algoOptions: AlgoOrderOptions;
  private readonly onError: ((error: Error, update: ExecutionUpdate) => void) | undefined;
  private readonly streamOptions: BinanceUserStreamOptions | undefined;
  private stream: FuturesUserStream | undefined;
  private readonly algos = new Map<string, AlgoRecord>();
  /** Copy-on-write: a delivery in flight keeps the list it started with. */
  private listeners: readonly ExecutionListener[] = [];

  constructor(options: BinanceFuturesVenueOptions) {
    this.client = options.client;
    this.name = options.name ?? 'binance-futures';
    this.logger = options.logger ?? silentLogger;
    this.orderOptions = options.orderOptions ?? {};
    this.algoOptions = options.algoOptions ?? {};
    this.onError = options.onError;
    this.streamOptions = options.userStream;
  }

  // ------------------------------------------------------------------ life cycle

  /**
   * Start the user data stream (needs `userStream` options): POST /fapi/v1/listenKey, then
   * `<ws base>/ws/<listenKey>`; after every (re)connect `resync()` and the caller's resync run before
   * `ready` turns true.
   */
  async start(): Promise<void> {
    const s = this.streamOptions;
    if (s === undefined) {
      throw new AegisError('INVARIANT_BROKEN', `${this.name}: start() needs the userStream options`, {
        context: { venue: this.name },
      });
    }
    if (this.stream !== undefined) return;
    const external = s.resync;
    this.stream = new FuturesUserStream({
      wsBaseUrl: s.wsBaseUrl,
      client: this.client,
      clock: s.clock,
      scheduler: s.scheduler,
      random: s.random,
      logger: this.logger,
      onEvent: (event) => {
        this.handleUserEvent(event);
      },
      resync: async () => {
        await this.resync();
        if (external !== undefined) await external();
      },
      ...(s.onReady === undefined ? {} : { onReady: s.onReady }),
      ...(s.keepAliveMs === undefined ? {} : { keepAliveMs: s.keepAliveMs }),
      ...(s.backoffInitialMs === undefined ? {} : { backoffInitialMs: s.backoffInitialMs }),
      ...(s.backoffMaxMs === undefined ? {} : { backoffMaxMs: s.backoffMaxMs }),
    });
    await this.stream.start();
  }

  /** Close the user data stream (DELETE /fapi/v1/listenKey). */
  async stop(): Promise<void> {
    const stream = this.stream;
    this.stream = undefined;
    if (stream !== undefined) await stream.stop();
  }

  /** True once the user stream is connected and resynced (always false without `start()`). */
  get ready(): boolean {
    return this.stream?.ready ?? false;
  }

  /** Learn the open conditional orders (GET /fapi/v1/openAlgoOrders), e.g. after a restart. */
  async resync(): Promise<void> {
    const open = await this.client.openAlgoOrders();
    for (const a of open) this.rememberAlgoOrder(a);
  }

  /** Client ids known to be conditional (algo) orders. */
  isAlgoOrder(clientOrderId: string): boolean {
    return this.algos.has(clientOrderId);
  }

  // ------------------------------------------------------------------ orders

  /**
   * MARKET / LIMIT: POST /fapi/v1/order
   * (https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/New-Order).
   * STOP_MARKET / TAKE_PROFIT_MARKET: POST /fapi/v1/algoOrder, algoType CONDITIONAL
   * (https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/New-Algo-Order).
   */
  async submitOrder(order: OrderRequest): Promise<SubmitResult> {
    const cid = order.clientOrderId;
    if (!CLIENT_ID.test(cid)) {
      // what Binance answers for such an id (and the simulator too): a rejection, nothing sent
      return { kind: 'rejected', clientOrderId: cid, code: -4015, reason: 'Client order id is not valid.' };
    }
    try {
      if (isAlgoType(order.type)) {
        // remembered before sending: an unknown outcome must still be queried on the algo endpoint
        this.algos.set(cid, {
          symbol: order.symbol,
          side: order.side,
          type: order.type,
          quantity: order.closePosition === true ? '0' : order.quantity,
          algoId: undefined,
          filledQuantity: '0',
          triggeredStatus: undefined,
          time: 0,
        });
        const a = await this.client.newAlgoOrder(order, this.algoOptions);
        return { kind: 'ack', order: this.algoEvent(this.rememberAlgoOrder(a), a) };
      }
      const o = await this.client.newOrder(order, this.orderOptions);
      return { kind: 'ack', order: venueOrderToEvent(o) };
    } catch (caught) {
      if (caught instanceof VenueRejectedError) {
        return { kind: 'rejected', clientOrderId: cid, code: caught.venueCode, reason: caught.venueMsg };
      }
      if (caught instanceof OrderOutcomeUnknownError) {
        this.logger.warn(
          { venue: this.name, symbol: order.symbol, clientOrderId: cid, error: caught.message },
          'binance submit outcome unknown: query before any retry',
        );
        return { kind: 'unknown', clientOrderId: cid, reason: caught.message };
      }
      throw this.wrap('submitOrder', caught, order.symbol, cid);
    }
  }

  /**
   * Regular: DELETE /fapi/v1/order (origClientOrderId)
   * (https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Cancel-Order).
   * Algo: DELETE /fapi/v1/algoOrder (clientAlgoId), then GET /fapi/v1/algoOrder for the state after the
   * cancel (https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Cancel-Algo-Order).
   */
  async cancelOrder(symbol: string, clientOrderId: string): Promise<OrderEvent> {
    try {
      if (this.algos.has(clientOrderId)) return await this.cancelAlgo(symbol, clientOrderId);
      try {
        return venueOrderToEvent(await this.client.cancelOrder(symbol, { clientOrderId }));
      } catch (caught) {
        if (!missing(caught, [UNKNOWN_ORDER_SENT, ORDER_DOES_NOT_EXIST])) throw caught;
        // perhaps a conditional order placed before a restart: regular endpoints do not see those
        return await this.cancelAlgo(symbol, clientOrderId, caught);
      }
    } catch (caught) {
      throw this.wrap('cancelOrder', caught, symbol, clientOrderId);
    }
  }

  /**
   * Regular: GET /fapi/v1/order (origClientOrderId)
   * (https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Query-Order).
   * Algo: GET /fapi/v1/algoOrder (clientAlgoId)
   * (https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Query-Algo-Order).
   * Undefined when neither knows the id (-2013).
   */
  async queryOrder(symbol: string, clientOrderId: string): Promise<OrderEvent | undefined> {
    try {
      if (this.algos.has(clientOrderId)) return await this.queryAlgo(clientOrderId);
      try {
        return venueOrderToEvent(await this.client.queryOrder(symbol, { clientOrderId }));
      } catch (caught) {
        if (!missing(caught, [ORDER_DOES_NOT_EXIST])) throw caught;
        return await this.queryAlgo(clientOrderId);
      }
    } catch (caught) {
      throw this.wrap('queryOrder', caught, symbol, clientOrderId);
    }
  }

  /**
   * GET /fapi/v1/openOrders + GET /fapi/v1/openAlgoOrders, regular orders first
   * (https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Current-All-Open-Orders,
   * https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Current-All-Algo-Open-Orders).
   */
  async openOrders(symbol?: string): Promise<readonly OrderEvent[]> {
    try {
      const [regular, algo] = await Promise.all([
        this.client.openOrders(symbol),
        this.client.openAlgoOrders(symbol),
      ]);
      const out = regular.map(venueOrderToEvent);
      for (const a of algo) out.push(this.algoEvent(this.rememberAlgoOrder(a), a));
      return out;
    } catch (caught) {
      throw this.wrap('openOrders', caught, symbol ?? '*');
    }
  }

  // ---------------------------------------------------------------- account

  /**
   * GET /fapi/v2/positionRisk: one entry per symbol (and position side in hedge mode), quantity signed
   * (https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Position-Information-V2).
   */
  async positions(): Promise<readonly VenuePosition[]> {
    try {
      const rows = await this.client.positionRisk();
      return rows.map((p) => ({
        symbol: p.symbol,
        quantity: Decimal.parse(p.positionAmt).toString(),
        entryPrice: p.entryPrice,
        leverage: p.leverage ?? 0,
      }));
    } catch (caught) {
      throw this.wrap('positions', caught, '*');
    }
  }

  /**
   * The futures balance endpoint (FuturesRestClient.balances): `free` = availableBalance, `locked` =
   * balance + crossUnPnl - availableBalance (margin held), never below 0, as SimVenue's futuresBalance
   * (https://developers.binance.com/docs/derivatives/usds-margined-futures/account/rest-api/Futures-Account-Balance-V3).
   */
  async balances(): Promise<readonly VenueBalance[]> {
    try {
      const rows = await this.client.balances();
      return rows.map((b) => {
        const held = Decimal.parse(b.balance)
          .add(Decimal.parse(b.crossUnPnl))
          .sub(Decimal.parse(b.availableBalance));
        return { asset: b.asset, free: b.availableBalance, locked: held.sign() > 0 ? held.toString() : '0' };
      });
    } catch (caught) {
      throw this.wrap('balances', caught, '*');
    }
  }

  /**
   * POST /fapi/v1/leverage (1..125)
   * (https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Change-Initial-Leverage).
   */
  async setLeverage(symbol: string, leverage: number): Promise<void> {
    try {
      await this.client.setLeverage(symbol, leverage);
    } catch (caught) {
      throw this.wrap('setLeverage', caught, symbol);
    }
  }

  /**
   * GET /fapi/v1/exchangeInfo, symbols with status TRADING
   * (https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Exchange-Information).
   */
  async instruments(): Promise<readonly Instrument[]> {
    try {
      const info = await this.client.exchangeInfo();
      return info.instruments.filter((i) => i.status === 'TRADING').map(toInstrument);
    } catch (caught) {
      throw this.wrap('instruments', caught, '*');
    }
  }

  // ------------------------------------------------------------ execution stream

  onExecution(listener: ExecutionListener): VenueSubscription {
    // wrap so the same function subscribed twice gets two independent subscriptions
    const entry: ExecutionListener = (u) => {
      listener(u);
    };
    this.listeners = [...this.listeners, entry];
    return {
      unsubscribe: () => {
        this.listeners = this.listeners.filter((l) => l !== entry);
      },
    };
  }

  /** One mapped user-data event (FuturesUserStream `onEvent`) -> execution updates for the listeners. */
  handleUserEvent(event: FuturesUserEvent): void {
    switch (event.type) {
      case 'order': {
        let order = event.order;
        const algo = this.algos.get(order.clientOrderId);
        if (algo !== undefined) {
          // the market order a triggered conditional order placed, under our client id
          algo.filledQuantity = order.filledQuantity;
          algo.triggeredStatus = order.status;
          algo.time = order.time;
          // one identity: the conditional order's algoId, not the engine order id of the triggered order
          order = {
            ...order,
            type: algo.type,
            ...(algo.algoId === undefined ? {} : { venueOrderId: algo.algoId }),
          };
          // a fill is always delivered; anything else only when it changes status or filled quantity
          if (this.repeats(algo, order) && event.fill === undefined) return;
        }
        this.emit(
          event.fill === undefined ? { kind: 'order', order } : { kind: 'order', order, fill: event.fill },
        );
        return;
      }
      case 'account': {
        if (event.reason !== 'FUNDING_FEE') return;
        const symbols = [...new Set(event.positions.map((p) => p.symbol))];
        const symbol = symbols.length === 1 ? (symbols[0] ?? '') : '';
        for (const b of event.balances) {
          if (Decimal.parse(b.balanceChange).sign() === 0) continue;
          this.emit({ kind: 'funding', symbol, asset: b.asset, amount: b.balanceChange, time: event.time });
        }
        return;
      }
      case 'algo': {
        const order = this.algoUpdateEvent(event.algo);
        const record = this.algos.get(order.clientOrderId);
        if (record !== undefined && this.repeats(record, order)) return;
        this.emit({ kind: 'order', order });
        return;
      }
      case 'listenKeyExpired':
      case 'ignored':
      case 'rejected':
        return;
    }
  }

  /** True when `order` says nothing new for this conditional order (same status and filled quantity); else remembers it. */
  private repeats(record: AlgoRecord, order: OrderEvent): boolean {
    const last = record.delivered;
    if (last?.status === order.status && Decimal.parse(last.filled).eq(Decimal.parse(order.filledQuantity))) {
      return true;
    }
    record.delivered = { status: order.status, filled: order.filledQuantity };
    return false;
  }

  private emit(u: ExecutionUpdate): void {
    this.delivered++;
    for (const l of this.listeners) {
      try {
        l(u);
      } catch (caught) {
        this.listenerErrors++;
        if (this.onError === undefined) continue;
        try {
          this.onError(toError(caught), u);
        } catch (reporterFailure) {
          // the reporter itself failed: counted and logged, delivery to the other listeners goes on
          this.listenerErrors++;
          this.logger.error(
            { venue: this.name, error: toError(reporterFailure).message },
            'execution listener error reporter threw',
          );
        }
      }
    }
  }

  // ------------------------------------------------------------ algo helpers

  private async cancelAlgo(symbol: string, cid: string, regularMiss?: unknown): Promise<OrderEvent> {
    try {
      await this.client.cancelAlgoOrder({ clientAlgoId: cid });
    } catch (caught) {
      // neither endpoint knows the id: report the regular endpoint's answer
      if (regularMiss !== undefined && missing(caught, [UNKNOWN_ORDER_SENT, ORDER_DOES_NOT_EXIST])) {
        throw toError(regularMiss);
      }
      throw caught;
    }
    const after = await this.queryAlgo(cid);
    if (after !== undefined) return after;
    throw new AegisError('VENUE_REJECTED', `cancelOrder ${symbol} ${cid}: canceled algo order not found`, {
      context: { venue: this.name, operation: 'cancelOrder', symbol, clientOrderId: cid },
    });
  }

  private async queryAlgo(cid: string): Promise<OrderEvent | undefined> {
    try {
      const a = await this.client.queryAlgoOrder({ clientAlgoId: cid });
      return this.algoEvent(this.rememberAlgoOrder(a), a);
    } catch (caught) {
      if (missing(caught, [ORDER_DOES_NOT_EXIST, UNKNOWN_ORDER_SENT])) return undefined;
      throw caught;
    }
  }

  private rememberAlgoOrder(a: AlgoOrder): AlgoRecord {
    const known = this.algos.get(a.clientAlgoId);
    const type = domainType(a.type, known?.type ?? 'STOP_MARKET');
    const record: AlgoRecord = {
      symbol: a.symbol,
      side: a.side,
      type,
      quantity: a.quantity ?? known?.quantity ?? '0',
      algoId: a.algoId,
      filledQuantity: known?.filledQuantity ?? '0',
      triggeredStatus: known?.triggeredStatus,
      time: Math.max(a.time, known?.time ?? 0),
      ...(known?.delivered === undefined ? {} : { delivered: known.delivered }),
    };
    this.algos.set(a.clientAlgoId, record);
    return record;
  }

  private algoStatus(venueStatus: string, record: AlgoRecord | undefined): OrderStatus {
    if (venueStatus === 'FINISHED') {
      const s = record?.triggeredStatus;
      return s !== undefined && TERMINAL.has(s) ? s : 'unknown';
    }
    return ALGO_STATUS[venueStatus] ?? 'unknown';
  }

  /** An algo order from REST (new / query / open) -> domain OrderEvent. */
  private algoEvent(record: AlgoRecord, a: AlgoOrder): OrderEvent {
    return {
      clientOrderId: a.clientAlgoId,
      venueOrderId: a.algoId,
      symbol: a.symbol,
      side: a.side,
      type: record.type,
      status: this.algoStatus(a.status, record),
      quantity: record.quantity,
      filledQuantity: record.filledQuantity,
      reason: a.status,
      time: a.time,
    };
  }

  /** An ALGO_UPDATE -> domain OrderEvent of the conditional order. */
  private algoUpdateEvent(u: AlgoUpdate): OrderEvent {
    let record = this.algos.get(u.clientAlgoId);
    if (record === undefined) {
      record = {
        symbol: u.symbol,
        side: u.side,
        type: domainType(u.type, 'STOP_MARKET'),
        quantity: '0',
        algoId: u.algoId,
        filledQuantity: '0',
        triggeredStatus: undefined,
        time: u.time,
      };
      this.algos.set(u.clientAlgoId, record);
    }
    record.algoId = u.algoId;
    record.time = Math.max(record.time, u.time);
    return {
      clientOrderId: u.clientAlgoId,
      venueOrderId: u.algoId,
      symbol: u.symbol,
      side: u.side,
      type: record.type,
      status: this.algoStatus(u.status, record),
      quantity: record.quantity,
      filledQuantity: record.filledQuantity,
      reason: u.status,
      time: u.time,
    };
  }

  /** AegisErrors pass through unchanged; anything else becomes INVARIANT_BROKEN with context. */
  private wrap(operation: string, caught: unknown, symbol: string, clientOrderId?: string): AegisError {
    if (caught instanceof AegisError) return caught;
    return new AegisError('INVARIANT_BROKEN', `${this.name} ${operation}: ${toError(caught).message}`, {
      cause: caught,
      context: { venue: this.name, operation, symbol, clientOrderId },
    });
  }
}
