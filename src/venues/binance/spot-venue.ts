/**
 * BinanceSpotVenue: the ExecutionVenue port (src/domain/ports.ts) over the Binance spot API: REST through
 * SpotRestClient (/api/v3), order updates through the spot user data stream on the WebSocket API
 * (SpotUserStream: `userDataStream.subscribe.signature`, or `session.logon` + `userDataStream.subscribe`
 * with an Ed25519 key). The trade layer uses it as it uses SimVenue on spot instruments.
 *
 * - `submitOrder`: POST /api/v3/order. MARKET and LIMIT as they are; STOP_MARKET -> spot STOP_LOSS and
 *   TAKE_PROFIT_MARKET -> spot TAKE_PROFIT, both with `stopPrice` (market orders once triggered;
 *   orders.ts spotOrderParams). `reduceOnly` has no meaning on spot and is ignored (a spot sell can only
 *   sell what the account holds); `closePosition` is refused (`rejected`, code undefined, nothing sent)
 *   because spot has no position to close. Answers like the futures venue: `ack` (the order's state in
 *   the answer, a MARKET order already filled), `rejected` (Binance's code: -2010 insufficient balance,
 *   -1013 filter failure, ...), `unknown` (timeout, 5xx, connection lost after sending: resolve with
 *   `queryOrder` before any retry; never retried here). A failure where the order was certainly not
 *   sent rejects the promise with its AegisError.
 * - Types back: STOP_LOSS -> STOP_MARKET, TAKE_PROFIT -> TAKE_PROFIT_MARKET, LIMIT_MAKER -> LIMIT (as
 *   spot-user-events.ts maps the stream), so a stop reports the type it was submitted with.
 * - `positions()` is [] (spot holds balances, as SimVenue on spot instruments reports); `balances()` is
 *   free / locked of every asset GET /api/v3/account lists (omitZeroBalances=true: an asset with
 *   nothing is absent). `setLeverage(symbol, 1)` resolves, any other leverage rejects (VENUE_REJECTED).
 * - Execution updates: executionReport -> order update (+ fill on execution type TRADE).
 *   outboundAccountPosition / balanceUpdate have no port counterpart (read balances with `balances()`,
 *   as SimVenue does) and are counted in `accountEvents`. Listeners: in subscription order; one that
 *   throws is counted (`listenerErrors`), handed to `onError`, and delivery goes on.
 */
import type { Clock, Scheduler } from '../../core/clock.js';
import { AegisError, toError } from '../../core/errors.js';
import { silentLogger, type Logger } from '../../core/logger.js';
import type { Instrument } from '../../domain/instrument.js';
import type { OrderEvent, OrderRequest } from '../../domain/order.js';
import type {
  ExecutionUpdate,
  ExecutionVenue,
  SubmitResult,
  VenueBalance,
  VenuePosition,
  VenueSubscription,
} from '../../domain/ports.js';
import type { SpotRestClient } from './clients.js';
import { OrderOutcomeUnknownError, VenueRejectedError } from './errors.js';
import type { VenueOrder } from './mappers.js';
import { CLIENT_ID } from './orders.js';
import type { RequestSigner } from './signing.js';
import { SPOT_ORDER_TYPES, type SpotUserEvent } from './spot-user-events.js';
import { SpotUserStream, type SpotUserStreamStats } from './spot-user-stream.js';
import { toInstrument, venueOrderToEvent, type ExecutionListener } from './venue.js';

/** Binance "Order does not exist." (query). */
const ORDER_DOES_NOT_EXIST = -2013;

/**
 * Fan-out of execution updates to listeners: subscription order, copy-on-write list (a delivery in
 * flight keeps the list it started with), a listener that throws is counted and reported and the others
 * still get the update.
 */
export class ExecutionFanout {
  /** Errors thrown by listeners (and by the reporter itself). */
  errors = 0;
  /** Updates delivered (each once, whatever the number of listeners). */
  delivered = 0;
  private list: readonly ExecutionListener[] = [];

  constructor(
    private readonly report: ((error: Error, update: ExecutionUpdate) => void) | undefined,
    private readonly logger: Logger,
    private readonly venue: string,
  ) {}

  add(listener: ExecutionListener): VenueSubscription {
    const entry: ExecutionListener = (u) => {
      listener(u);
    };
    this.list = [...this.list, entry];
    return {
      unsubscribe: () => {
        this.list = this.list.filter((l) => l !== entry);
      },
    };
  }

  deliver(update: ExecutionUpdate): void {
    this.delivered++;
    for (const listener of this.list) {
      try {
        listener(update);
      } catch (caught) {
        this.errors++;
        this.reportFailure(toError(caught), update);
      }
    }
  }

  private reportFailure(error: Error, update: ExecutionUpdate): void {
    if (this.report === undefined) {
      this.logger.error({ venue: this.venue, error: error.message }, 'execution listener threw');
      return;
    }
    try {
      this.report(error, update);
    } catch (reporterFailure) {
      this.errors++;
      this.logger.error(
        { venue: this.venue, error: toError(reporterFailure).message, listenerError: error.message },
        'execution listener error reporter threw',
      );
    }
  }
}

export interface SpotUserStreamSettings {
  /** SPOT_WS_API_URL, the testnet's wss://ws-api.testnet.binance.vision/ws-api/v3, or the simulator's. */
  readonly wsApiUrl: string;
  readonly apiKey: string;
  /** HMAC (subscribe.signature) or Ed25519 (session.logon + subscribe). */
  readonly signer: RequestSigner;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  /** Uniform in [0, 1): reconnect jitter. */
  readonly random: () => number;
  /** The trade layer's REST reconciliation; runs on every (re)subscription before `ready`. */
  readonly resync?: () => Promise<void>;
  /** Trading readiness: false from every (re)connect / termination until the resync has completed. */
  readonly onReady?: (ready: boolean) => void;
  readonly recvWindow?: number;
  readonly backoffInitialMs?: number;
  readonly backoffMaxMs?: number;
}

export interface BinanceSpotVenueOptions {
  readonly client: SpotRestClient;
  /** Default 'binance-spot' (e.g. 'binance-spot-testnet'). */
  readonly name?: string;
  readonly logger?: Logger;
  /** Set to let `start()` / `stop()` run the spot user data stream into `onExecution`. */
  readonly userStream?: SpotUserStreamSettings;
  /** Called with what a listener threw and the update it was handling. */
  readonly onError?: (error: Error, update: ExecutionUpdate) => void;
}

function hasCode(caught: unknown, code: number): boolean {
  return caught instanceof VenueRejectedError && caught.venueCode === code;
}

/** A spot order as the venue reports it -> domain OrderEvent (spot type names mapped back). */
export function spotOrderToEvent(o: VenueOrder): OrderEvent {
  const event = venueOrderToEvent(o);
  return { ...event, type: SPOT_ORDER_TYPES[o.type] ?? event.type };
}

export class BinanceSpotVenue implements ExecutionVenue {
  readonly name: string;
  /** outboundAccountPosition / balanceUpdate events seen (no port counterpart). */
  accountEvents = 0;
  private readonly client: SpotRestClient;
  private readonly logger: Logger;
  private readonly settings: SpotUserStreamSettings | undefined;
  private readonly fanout: ExecutionFanout;
  private stream: SpotUserStream | undefined;

  constructor(options: BinanceSpotVenueOptions) {
    this.client = options.client;
    this.name = options.name ?? 'binance-spot';
    this.logger = options.logger ?? silentLogger;
    this.settings = options.userStream;
    this.fanout = new ExecutionFanout(options.onError, this.logger, this.name);
  }

  /** Errors thrown by listeners (and by `onError` itself) since construction. */
  get listenerErrors(): number {
    return this.fanout.errors;
  }

  /** Execution updates delivered. */
  get delivered(): number {
    return this.fanout.delivered;
  }

  // ------------------------------------------------------------------ life cycle

  /**
   * Open the WebSocket API session and subscribe to the user data stream (needs `userStream`); after
   * every (re)subscription the caller's resync runs before `ready` turns true. A -1021 answer
   * re-measures the clock offset before the next attempt.
   */
  start(): Promise<void> {
    const s = this.settings;
    if (s === undefined) {
      return Promise.reject(
        new AegisError('INVARIANT_BROKEN', `${this.name}: start() needs the userStream options`, {
          context: { venue: this.name },
        }),
      );
    }
    if (this.stream !== undefined) return Promise.resolve();
    const external = s.resync;
    this.stream = new SpotUserStream({
      wsApiUrl: s.wsApiUrl,
      apiKey: s.apiKey,
      signer: s.signer,
      timestamp: () => this.client.timeSync.timestamp(),
      clock: s.clock,
      scheduler: s.scheduler,
      random: s.random,
      logger: this.logger,
      onEvent: (event) => {
        this.handleUserEvent(event);
      },
      resync: external ?? (() => Promise.resolve()),
      onRequestError: (error, method) => {
        if (error.code !== -1021) return;
        this.client.timeSync.measure().catch((caught: unknown) => {
          this.logger.error(
            { venue: this.name, method, error: toError(caught).message },
            'binance spot: clock offset re-measure failed after -1021',
          );
        });
      },
      ...(s.onReady === undefined ? {} : { onReady: s.onReady }),
      ...(s.recvWindow === undefined ? {} : { recvWindow: s.recvWindow }),
      ...(s.backoffInitialMs === undefined ? {} : { backoffInitialMs: s.backoffInitialMs }),
      ...(s.backoffMaxMs === undefined ? {} : { backoffMaxMs: s.backoffMaxMs }),
    });
    this.stream.start();
    return Promise.resolve();
  }

  /** Close the WebSocket API session. */
  stop(): Promise<void> {
    const stream = this.stream;
    this.stream = undefined;
    stream?.stop();
    return Promise.resolve();
  }

  /** True once subscribed and resynced (always false without `start()`). */
  get ready(): boolean {
    return this.stream?.ready ?? false;
  }

  /** The user stream's counters (undefined before `start()`). */
  get streamStats(): SpotUserStreamStats | undefined {
    return this.stream?.counters;
  }

  // ------------------------------------------------------------------ orders

  /** POST /api/v3/order (https://developers.binance.com/docs/binance-spot-api-docs/rest-api/trading-endpoints#new-order-trade). */
  async submitOrder(order: OrderRequest): Promise<SubmitResult> {
    const cid = order.clientOrderId;
    if (!CLIENT_ID.test(cid)) {
      // Binance spot answers -1100 "Illegal characters found in parameter 'newClientOrderId'"
      return {
        kind: 'rejected',
        clientOrderId: cid,
        code: -1100,
        reason: "Illegal characters found in parameter 'newClientOrderId'.",
      };
    }
    if (order.closePosition === true) {
      return {
        kind: 'rejected',
        clientOrderId: cid,
        code: undefined,
        reason: 'closePosition has no meaning on spot (there is no position): not sent',
      };
    }
    try {
      return { kind: 'ack', order: spotOrderToEvent(await this.client.newOrder(order)) };
    } catch (caught) {
      if (caught instanceof VenueRejectedError) {
        return { kind: 'rejected', clientOrderId: cid, code: caught.venueCode, reason: caught.venueMsg };
      }
      if (caught instanceof OrderOutcomeUnknownError) {
        this.logger.warn(
          { venue: this.name, symbol: order.symbol, clientOrderId: cid, error: caught.message },
          'binance spot submit outcome unknown: query before any retry',
        );
        return { kind: 'unknown', clientOrderId: cid, reason: caught.message };
      }
      throw this.wrap('submitOrder', caught, order.symbol, cid);
    }
  }

  /** DELETE /api/v3/order by origClientOrderId. */
  async cancelOrder(symbol: string, clientOrderId: string): Promise<OrderEvent> {
    try {
      return spotOrderToEvent(await this.client.cancelOrder(symbol, { clientOrderId }));
    } catch (caught) {
      throw this.wrap('cancelOrder', caught, symbol, clientOrderId);
    }
  }

  /** GET /api/v3/order by origClientOrderId; undefined for -2013 "Order does not exist.". */
  async queryOrder(symbol: string, clientOrderId: string): Promise<OrderEvent | undefined> {
    try {
      return spotOrderToEvent(await this.client.queryOrder(symbol, { clientOrderId }));
    } catch (caught) {
      if (hasCode(caught, ORDER_DOES_NOT_EXIST)) return undefined;
      throw this.wrap('queryOrder', caught, symbol, clientOrderId);
    }
  }

  /** GET /api/v3/openOrders. */
  async openOrders(symbol?: string): Promise<readonly OrderEvent[]> {
    try {
      return (await this.client.openOrders(symbol)).map(spotOrderToEvent);
    } catch (caught) {
      throw this.wrap('openOrders', caught, symbol ?? '*');
    }
  }

  // ---------------------------------------------------------------- account

  /** Spot holds balances, not positions (as SimVenue on spot instruments). */
  positions(): Promise<readonly VenuePosition[]> {
    return Promise.resolve([]);
  }

  /** GET /api/v3/account balances (omitZeroBalances=true). */
  async balances(): Promise<readonly VenueBalance[]> {
    try {
      return (await this.client.balances()).map((b) => ({ asset: b.asset, free: b.free, locked: b.locked }));
    } catch (caught) {
      throw this.wrap('balances', caught, '*');
    }
  }

  /** Spot has no leverage: 1 resolves, anything else rejects (nothing is sent). */
  setLeverage(symbol: string, leverage: number): Promise<void> {
    if (leverage === 1) return Promise.resolve();
    return Promise.reject(
      new AegisError('VENUE_REJECTED', `spot symbol ${symbol} has no leverage (asked ${leverage})`, {
        context: { venue: this.name, operation: 'setLeverage', symbol, leverage },
      }),
    );
  }

  /** GET /api/v3/exchangeInfo, symbols with status TRADING. */
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
    return this.fanout.add(listener);
  }

  /** One mapped spot user-data event (SpotUserStream `onEvent`; `start()` wires it) -> updates. */
  handleUserEvent(event: SpotUserEvent): void {
    switch (event.type) {
      case 'order':
        this.fanout.deliver(
          event.fill === undefined
            ? { kind: 'order', order: event.order }
            : { kind: 'order', order: event.order, fill: event.fill },
        );
        return;
      case 'balances':
      case 'balanceDelta':
        this.accountEvents++;
        return;
      case 'terminated':
      case 'ignored':
      case 'rejected':
        return;
    }
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
