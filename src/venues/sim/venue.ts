/**
 * SimVenue: the ExecutionVenue port (src/domain/ports.ts) over the in-process MatchingEngine, for
 * backtest and paper modes. The trade layer uses it exactly as it uses the Binance adapter.
 *
 * - Requests go straight to the engine: `submitOrder` answers `ack` (the order's state after the submit,
 *   so a MARKET order is already `filled`) or `rejected` with the engine's Binance code (-4116 duplicate
 *   id, -2019 margin, -2021 would trigger, filter codes...). It never answers `unknown`: nothing is lost
 *   in process. The other methods reject with AegisError VENUE_REJECTED carrying `venueCode` in the
 *   context; `queryOrder` resolves undefined for Binance -2013 (no such order).
 * - Execution updates: after every call that can make the engine emit (submit, cancel, the `feed*`
 *   market-data methods, `applyFunding`) the engine's events are drained and delivered to the
 *   `onExecution` listeners synchronously, in the engine's order, before the call returns (so before a
 *   `submitOrder` promise settles, as a real user data stream may do). An update reaches the listeners
 *   in subscription order; listeners added or removed during a delivery take effect from the next update.
 *   If a listener calls the venue again, the events that call produces are queued behind the ones being
 *   delivered, so every listener sees one sequence in the engine's order. A listener that throws does
 *   not stop the delivery: the error is counted (`listenerErrors`) and handed to `onError`.
 * - Time: requests are stamped with `clock.now()` when a clock is given, else with the engine's time
 *   (the latest market event). Nothing here reads the wall clock or draws random numbers, so the same
 *   calls in the same order give the same updates.
 *
 * The engine must be built without an `onEvent` sink (its events must stay in `drainEvents()`); build
 * both with `createSimVenue` to be sure.
 */
import type { Clock } from '../../core/clock.js';
import { AegisError, InvariantError, toError } from '../../core/errors.js';
import { Decimal } from '../../domain/decimal.js';
import type { Instrument } from '../../domain/instrument.js';
import type { Candle, MarkPrice, Quote, Trade } from '../../domain/market.js';
import type { OrderEvent, OrderRequest } from '../../domain/order.js';
import type {
  ExecutionUpdate,
  ExecutionVenue,
  SubmitResult,
  VenueBalance,
  VenuePosition,
  VenueSubscription,
} from '../../domain/ports.js';
import { MatchingEngine } from './engine.js';
import type { EngineOptions } from './types.js';
import {
  futuresBalance,
  spotBalance,
  toExecutionUpdate,
  toVenuePosition,
  viewToOrderEvent,
} from './venue-support.js';

/** Binance "Order does not exist." (GET order with an unknown id). */
const ORDER_DOES_NOT_EXIST = -2013;

export type ExecutionListener = (update: ExecutionUpdate) => void;

export interface SimVenueOptions {
  readonly engine: MatchingEngine;
  /** The instruments the engine was built with (all spot or all futures: one venue is one market). */
  readonly instruments: readonly Instrument[];
  /** Stamps requests; default: the engine's time (the latest market event it has seen). */
  readonly clock?: Clock;
  /** Called with what a listener threw and the update it was handling. */
  readonly onError?: (error: Error, update: ExecutionUpdate) => void;
}

export class SimVenue implements ExecutionVenue {
  readonly name = 'sim';
  /** Errors thrown by listeners (and by `onError` itself) since construction. */
  listenerErrors = 0;
  /** Execution updates delivered (each counted once, whatever the number of listeners). */
  delivered = 0;
  private readonly engine: MatchingEngine;
  private readonly instrumentList: readonly Instrument[];
  private readonly bySymbol = new Map<string, Instrument>();
  private readonly futures: boolean;
  private readonly clock: Clock | undefined;
  private readonly onError: ((error: Error, update: ExecutionUpdate) => void) | undefined;
  /** Copy-on-write: a delivery in flight keeps the list it started with. */
  private listeners: readonly ExecutionListener[] = [];
  private readonly pending: ExecutionUpdate[] = [];
  private head = 0;
  private delivering = false;

  constructor(options: SimVenueOptions) {
    this.engine = options.engine;
    this.instrumentList = options.instruments;
    const markets = new Set(options.instruments.map((i) => i.market));
    if (markets.size > 1) {
      const msg = 'SimVenue: instruments must all be spot or all futures (one venue, one market)';
      throw new InvariantError(msg, { venue: 'sim' });
    }
    this.futures = markets.has('futures');
    for (const i of options.instruments) this.bySymbol.set(i.symbol, i);
    this.clock = options.clock;
    this.onError = options.onError;
  }

  // ------------------------------------------------------------------ orders

  submitOrder(order: OrderRequest): Promise<SubmitResult> {
    return this.run('submitOrder', true, (): SubmitResult => {
      const r = this.engine.submit(order, this.time());
      if (!r.ok) return { kind: 'rejected', clientOrderId: order.clientOrderId, code: r.code, reason: r.msg };
      return { kind: 'ack', order: viewToOrderEvent(r.value) };
    });
  }

  cancelOrder(symbol: string, clientOrderId: string): Promise<OrderEvent> {
    return this.run('cancelOrder', true, () => {
      const r = this.engine.cancel({ symbol, clientOrderId }, this.time());
      if (!r.ok) throw this.rejected('cancelOrder', r.code, r.msg, symbol, clientOrderId);
      return viewToOrderEvent(r.value);
    });
  }

  queryOrder(symbol: string, clientOrderId: string): Promise<OrderEvent | undefined> {
    return this.run('queryOrder', false, () => {
      this.knownSymbol('queryOrder', symbol, clientOrderId);
      const r = this.engine.query({ symbol, clientOrderId });
      if (r.ok) return viewToOrderEvent(r.value);
      if (r.code === ORDER_DOES_NOT_EXIST) return undefined;
      throw this.rejected('queryOrder', r.code, r.msg, symbol, clientOrderId);
    });
  }

  openOrders(symbol?: string): Promise<readonly OrderEvent[]> {
    return this.run('openOrders', false, () => {
      if (symbol !== undefined) this.knownSymbol('openOrders', symbol, undefined);
      return this.engine.openOrders(symbol).map(viewToOrderEvent);
    });
  }

  /** Binance answers -1121 "Invalid symbol." for a symbol it does not list; so does the simulator. */
  private knownSymbol(operation: string, symbol: string, clientOrderId: string | undefined): void {
    if (!this.bySymbol.has(symbol))
      throw this.rejected(operation, -1121, 'Invalid symbol.', symbol, clientOrderId);
  }

  // ---------------------------------------------------------------- account

  positions(): Promise<readonly VenuePosition[]> {
    return this.run('positions', false, () => this.engine.positions().map(toVenuePosition));
  }

  /**
   * Futures: one balance per margin (quote) asset of the instruments, `free` = available balance,
   * `locked` = margin held (see futuresBalance). Spot: free / locked of every base and quote asset.
   */
  balances(): Promise<readonly VenueBalance[]> {
    return this.run('balances', false, () => {
      const assets = new Set<string>();
      for (const i of this.instrumentList) {
        if (!this.futures) assets.add(i.baseAsset);
        assets.add(i.quoteAsset);
      }
      if (!this.futures) return [...assets].map((a) => spotBalance(this.engine.balance(a, 'spot')));
      const unrealized = new Map<string, Decimal>();
      for (const p of this.engine.positions()) {
        const asset = this.bySymbol.get(p.symbol)?.quoteAsset;
        if (asset === undefined || p.marginType !== 'CROSSED') continue;
        unrealized.set(asset, (unrealized.get(asset) ?? Decimal.ZERO).add(Decimal.parse(p.unRealizedProfit)));
      }
      return [...assets].map((a) =>
        futuresBalance(this.engine.balance(a, 'futures'), unrealized.get(a) ?? Decimal.ZERO),
      );
    });
  }

  /** Futures: 1..125 (Binance -4028 otherwise). Spot: resolves for 1, rejects anything else. */
  setLeverage(symbol: string, leverage: number): Promise<void> {
    return this.run('setLeverage', false, () => {
      const inst = this.bySymbol.get(symbol);
      if (inst === undefined) throw this.rejected('setLeverage', -1121, 'Invalid symbol.', symbol);
      if (inst.market === 'spot') {
        if (leverage === 1) return;
        throw new AegisError('VENUE_REJECTED', `spot symbol ${symbol} has no leverage (asked ${leverage})`, {
          context: { venue: this.name, operation: 'setLeverage', symbol },
        });
      }
      const r = this.engine.setLeverage(symbol, leverage);
      if (!r.ok) throw this.rejected('setLeverage', r.code, r.msg, symbol);
    });
  }

  instruments(): Promise<readonly Instrument[]> {
    return Promise.resolve(this.instrumentList);
  }

  // ------------------------------------------------------------ market data

  /** Feed a trade to the engine (resting limits, stops and liquidations react), then deliver updates. */
  feedTrade(t: Trade): void {
    this.engine.onTrade(t);
    this.flush();
  }

  feedQuote(q: Quote): void {
    this.engine.onQuote(q);
    this.flush();
  }

  /** A closed candle only (a forming one would be counted twice: docs/fill-model.md). */
  feedCandle(c: Candle): void {
    this.engine.onCandle(c);
    this.flush();
  }

  feedMarkPrice(m: MarkPrice): void {
    this.engine.onMarkPrice(m);
    this.flush();
  }

  /** Settle funding from a funding-rate history (MatchingEngine.applyFunding), then deliver updates. */
  applyFunding(symbol: string, rate: number | string, time?: number, markPrice?: number): void {
    this.engine.applyFunding(symbol, rate, time ?? this.time(), markPrice);
    this.flush();
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

  /** Drain the engine's events and deliver them, unless a delivery is already running (it will). */
  private flush(): void {
    const events = this.engine.drainEvents();
    // hot path: most market events change nothing
    if (events.length === 0) return;
    for (const e of events) {
      const u = toExecutionUpdate(e);
      if (u !== undefined) this.pending.push(u);
    }
    if (this.delivering) return;
    this.delivering = true;
    try {
      while (this.head < this.pending.length) {
        const u = this.pending[this.head++] as ExecutionUpdate;
        this.delivered++;
        for (const l of this.listeners) this.deliver(l, u);
      }
    } finally {
      this.pending.length = 0;
      this.head = 0;
      this.delivering = false;
    }
  }

  private deliver(listener: ExecutionListener, u: ExecutionUpdate): void {
    try {
      listener(u);
    } catch (caught) {
      this.listenerErrors++;
      if (this.onError === undefined) return;
      try {
        this.onError(toError(caught), u);
      } catch {
        // the reporter itself failed: counted, and delivery to the other listeners goes on
        this.listenerErrors++;
      }
    }
  }

  /**
   * Run a request against the engine as a settled promise: a throw (a VENUE_REJECTED built above, or an
   * engine invariant) becomes a rejection with an AegisError; with `emits`, the engine's events are
   * delivered before the promise is returned, whatever the outcome.
   */
  private run<T>(operation: string, emits: boolean, fn: () => T): Promise<T> {
    try {
      return Promise.resolve(fn());
    } catch (caught) {
      return Promise.reject(
        caught instanceof AegisError
          ? caught
          : new AegisError('INVARIANT_BROKEN', `sim ${operation}: ${toError(caught).message}`, {
              cause: caught,
              context: { venue: this.name, operation },
            }),
      );
    } finally {
      if (emits) this.flush();
    }
  }

  private time(): number {
    return this.clock === undefined ? this.engine.time() : this.clock.now();
  }

  private rejected(
    operation: string,
    code: number,
    msg: string,
    symbol: string,
    clientOrderId?: string,
  ): AegisError {
    return new AegisError(
      'VENUE_REJECTED',
      `${operation} ${symbol}${clientOrderId === undefined ? '' : ` ${clientOrderId}`}: ${msg}`,
      {
        context: { venue: this.name, operation, venueCode: code, symbol, clientOrderId },
      },
    );
  }
}

/** Build a MatchingEngine and its SimVenue together (the engine keeps its events for the venue). */
export function createSimVenue(
  engineOptions: Omit<EngineOptions, 'onEvent'>,
  venueOptions: Omit<SimVenueOptions, 'engine' | 'instruments'> = {},
): SimVenue {
  if ('onEvent' in engineOptions) {
    throw new InvariantError('createSimVenue: the engine must keep its events for the venue (no onEvent)');
  }
  return new SimVenue({
    ...venueOptions,
    engine: new MatchingEngine(engineOptions),
    instruments: engineOptions.instruments,
  });
}
