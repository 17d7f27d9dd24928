/**
 * TradeEngine: the trade layer wired on the EventBus.
 *
 * SIGNAL_GENERATED -> (rotation policy) -> risk gate -> setLeverage + entry MARKET order through the
 * ExecutionVenue port -> order tracked by client order id (state machine) -> on the entry's fill,
 * protective STOP_MARKET and TAKE_PROFIT_MARKET reduce-only orders -> positions and the wallet from
 * fills only. Publishes ORDER_SUBMITTED, ORDER_UPDATED, FILL, POSITION_OPENED, POSITION_CLOSED,
 * BALANCE_UPDATED (and the gate publishes RISK_REJECTED, TRADING_STATE_CHANGED).
 *
 * Spot (docs/reconciliation.md, "Spot protection"): a spot position is long base asset only. Its stop-loss
 * is a STOP_MARKET sell without reduceOnly (Binance spot STOP_LOSS, which locks the base asset); its
 * take-profit is watched by the engine on the market data (MARKET_TRADE, CANDLE_UPDATED, CANDLE_CLOSED)
 * and closed at market, because a second protective sell of the same base would be refused for
 * insufficient balance. The book holds the base actually received (a base-asset commission is netted from
 * the quantity), protective and closing sells are rounded down to the lot step, and a remainder below
 * the lot step or minimum quantity is written off the book at the exit price (it stays in the balance).
 *
 * Ordering: signal handling and every follow-up venue action (protect, cancel, close) run one at a
 * time on an internal queue, in arrival order; venue updates (user data stream) are applied at once
 * when they arrive. `idle()` resolves when the queue is empty.
 *
 * Failures: every venue call is owned here. A failure is logged with its context (symbol,
 * clientOrderId, operation, code), counted (`trade.errors.<operation>`) and published on ERROR; the
 * engine keeps running. A submit whose outcome is unknown is resolved by queryOrder; only when the
 * venue says it has no such order is it resubmitted, once, with the same client order id.
 */
import type { Clock } from '../core/clock.js';
import { AegisError, type ErrorCode, errorCodeOf, toError } from '../core/errors.js';
import type { EventBus, Subscription } from '../core/event-bus.js';
import type { Logger } from '../core/logger.js';
import { Counters } from '../core/metrics.js';
import { Decimal } from '../domain/decimal.js';
import type { AegisTopics, Reconciled, ReconciliationDiff } from '../domain/events.js';
import { type Instrument, instrumentSpec, roundQuantity } from '../domain/instrument.js';
import type { Candle } from '../domain/market.js';
import type { Fill, OrderEvent, OrderRequest, PositionEvent } from '../domain/order.js';
import type {
  ExecutionUpdate,
  ExecutionVenue,
  SubmitResult,
  VenueBalance,
  VenuePosition,
  VenueSubscription,
} from '../domain/ports.js';
import type { Signal, Tier } from '../domain/signal.js';
import {
  clientOrderId,
  clientOrderIdForKey,
  type OrderRole,
  type ParsedClientOrderId,
  parseClientOrderId,
  signalKey,
} from './orders/client-id.js';
import { OrderStateMachine } from './orders/state-machine.js';
import { Account } from './positions/account.js';
import { type Position, PositionBook, netPnl } from './positions/book.js';
import {
  type ApprovedOrders,
  type ExposureView,
  type RiskConfig,
  RiskGate,
  type RiskView,
} from './risk/gate.js';
import { decideRotation, type RotationConfig } from './risk/rotation.js';
import {
  DEFAULT_RECONCILE_CONFIG,
  protectiveLevels,
  RECOVERED_FILL_PREFIX,
  type ReconcileConfig,
  spotPositionCost,
  spotPositions,
  type TradeHistory,
} from './reconcile.js';

export interface TradeEngineConfig {
  readonly risk: RiskConfig;
  readonly rotation: RotationConfig;
  /** Settlement asset of the wallet (USDT). */
  readonly quoteAsset: string;
  /** queryOrder attempts for an unknown submit before it is left `unknown` (default 3). */
  readonly maxQueryAttempts?: number;
  /** Default protective distances for positions found at the venue (docs/reconciliation.md). */
  readonly reconcile?: ReconcileConfig;
}

export interface TradeEngineDeps {
  readonly bus: EventBus<AegisTopics>;
  readonly clock: Clock;
  readonly venue: ExecutionVenue;
  readonly logger: Logger;
  readonly config: TradeEngineConfig;
  /** True when the symbol's market data is stale (the data layer's watchdog). */
  readonly isStale: (symbol: string) => boolean;
  readonly counters?: Counters;
  /** The journal's reads for reconciliation (orders not final, fills, signals); none: the engine's memory only. */
  readonly history?: TradeHistory;
}

interface TrackedOrder {
  readonly request: OrderRequest;
  readonly role: OrderRole;
  readonly signalId: string;
  readonly machine: OrderStateMachine;
  venueOrderId: string | undefined;
  resubmitted: boolean;
}

interface PositionMeta {
  /** The signal's key in our client order ids (see orders/client-id.ts). */
  readonly key: string;
  readonly signalId: string;
  readonly confidence: number;
  /** The entry order; undefined for a position adopted from the venue by reconciliation. */
  readonly entryId: string | undefined;
  /** Templates of the protective orders (quantity and id are set when placed). */
  readonly stopLoss: OrderRequest;
  readonly takeProfit: OrderRequest;
  readonly tier: Tier;
  readonly leverage: number;
  readonly openedAt: number;
  protective: string[];
  closing: boolean;
  closeAttempts: number;
  /** 0 for the first stop-loss/take-profit pair; +1 each time they are placed again. */
  protectRound: number;
  /** Spot: base-asset commissions of the entry's fills (netted from the booked quantity). */
  baseFees: Decimal;
}

interface Rotation {
  readonly victim: string;
  readonly signal: Signal;
}

export class TradeEngine {
  readonly gate: RiskGate;
  readonly book: PositionBook;
  readonly account: Account;
  readonly counters: Counters;
  private readonly bus: EventBus<AegisTopics>;
  private readonly clock: Clock;
  private readonly venue: ExecutionVenue;
  private readonly logger: Logger;
  private readonly config: TradeEngineConfig;
  private readonly instruments = new Map<string, Instrument>();
  private readonly orders = new Map<string, TrackedOrder>();
  /**
   * The orders of `orders` that may still be working (same keys, same insertion order); terminal ones are
   * dropped lazily by liveProtective (a terminal status is final), so that it does not scan every order
   * the run ever made.
   */
  private readonly working = new Map<string, TrackedOrder>();
  private readonly entries = new Map<string, ApprovedOrders>();
  private readonly meta = new Map<string, PositionMeta>();
  private readonly seenFills = new Set<string>();
  /** Quantity booked per client order id from fills (the journal's too, after reconciliation). */
  private readonly filledByOrder = new Map<string, Decimal>();
  private readonly history: TradeHistory | undefined;
  /** Signal keys whose entry order reached (or may have reached) the venue, this run or journaled. */
  private readonly enteredKeys = new Set<string>();
  /** Quantity per client order id journaled as recovered fills: the stream's late copy is not booked twice. */
  private readonly recovered = new Map<string, Decimal>();
  /** Venue updates that arrive while reconciling wait for it (they may be older or newer than its snapshot). */
  private reconciling = false;
  private readonly held: ExecutionUpdate[] = [];
  private readonly subscriptions: Subscription[] = [];
  private venueSubscription: VenueSubscription | undefined;
  private rotation: Rotation | undefined;
  private lastRotationAt: number | undefined;
  private queue: Promise<void> = Promise.resolve();
  /** Spot positions whose take-profit the engine watches: symbol -> trigger price (long: price >= it). */
  private readonly watchedTp = new Map<string, number>();

  constructor(deps: TradeEngineDeps) {
    this.bus = deps.bus;
    this.clock = deps.clock;
    this.venue = deps.venue;
    this.logger = deps.logger.child({ component: 'trade' });
    this.config = deps.config;
    this.history = deps.history;
    this.counters = deps.counters ?? new Counters();
    this.gate = new RiskGate({
      bus: deps.bus,
      clock: deps.clock,
      config: deps.config.risk,
      isStale: deps.isStale,
    });
    this.gate.setReconciled(false, 'not started');
    this.book = new PositionBook(deps.config.quoteAsset);
    this.account = new Account(deps.config.quoteAsset, Decimal.ZERO, this.book);
  }

  /** Read instruments and the starting balance from the venue, then subscribe. Rejects if the venue cannot be read. */
  async start(): Promise<void> {
    try {
      for (const i of await this.venue.instruments()) this.instruments.set(i.symbol, i);
      const balances = await this.venue.balances();
      const quote = balances.find((b) => b.asset === this.config.quoteAsset);
      this.account.reset(
        quote === undefined ? Decimal.ZERO : Decimal.parse(quote.free).add(Decimal.parse(quote.locked)),
      );
    } catch (caught) {
      this.report('start', {}, caught);
      throw caught;
    }
    this.venueSubscription = this.venue.onExecution((u) => {
      this.onExecution(u);
    });
    this.subscriptions.push(
      this.bus.subscribe('SIGNAL_GENERATED', 'trade.engine', (signal) => {
        this.enqueue('signal', () => this.onSignal(signal));
      }),
      this.bus.subscribe('MARKET_MARK_PRICE', 'trade.engine', (m) => {
        if (Number.isFinite(m.markPrice) && m.markPrice > 0) {
          this.account.setMarkPrice(m.symbol, m.markPrice);
        }
      }),
    );
    if ([...this.instruments.values()].some((i) => i.market === 'spot')) {
      // spot take-profits watched by the engine (a size check while none is watched); a futures-only
      // venue does not subscribe at all
      this.subscriptions.push(
        this.bus.subscribe('MARKET_TRADE', 'trade.engine.tp', (t) => {
          // spot has no mark price stream: a spot position is marked at the last trade (unrealised PnL,
          // equity in heartbeats and sizing); futures keep the venue's mark price
          if (this.instruments.get(t.symbol)?.market === 'spot' && Number.isFinite(t.price) && t.price > 0) {
            this.account.setMarkPrice(t.symbol, t.price);
          }
          if (this.watchedTp.size > 0) this.onPrice(t.symbol, t.price, t.price, t.time);
        }),
        this.bus.subscribe('CANDLE_UPDATED', 'trade.engine.tp', (c) => {
          if (this.watchedTp.size > 0) this.onCandle(c);
        }),
        this.bus.subscribe('CANDLE_CLOSED', 'trade.engine.tp', (c) => {
          if (this.watchedTp.size > 0) this.onCandle(c);
        }),
      );
    }
    this.publishBalance();
    await this.reconcile('start');
  }

  /**
   * Graceful shutdown, first step (issue 6): no new entries (the gate goes `reducing`: every signal still
   * queued or arriving is denied with trading_reducing), and with `cancelWorking` every entry order still
   * working at the venue (new / partially filled, e.g. a LIMIT entry) is cancelled. Protective orders
   * are never touched: a position (including the filled part of a cancelled entry, which is protected as
   * usual once the entry is final) stays protected on the exchange while the engine is down. Runs on the
   * engine's queue after what is queued; resolves when the queue is idle. An entry whose outcome is
   * `unknown` is left alone (it is resolved by query at the next start, never cancelled blind).
   */
  async stopEntries(options: {
    readonly cancelWorking: boolean;
    readonly reason?: string;
  }): Promise<{ readonly cancelled: readonly string[] }> {
    const reason = options.reason ?? 'entries stopped';
    this.gate.setState('reducing', reason);
    const cancelled: string[] = [];
    if (options.cancelWorking) {
      this.enqueue('stopEntries', async () => {
        for (const t of [...this.orders.values()]) {
          const status = t.machine.status;
          if (t.role !== 'entry' || (status !== 'new' && status !== 'partially_filled')) continue;
          const { symbol, clientOrderId: id } = t.request;
          this.logger.info(
            { symbol, clientOrderId: id, reason },
            `cancelling working entry ${id}: ${reason}`,
          );
          await this.cancelAll(symbol, [id]);
          if (t.machine.terminal) cancelled.push(id);
        }
      });
    }
    await this.idle();
    this.counters.inc('trade.entries.cancelledAtStop', cancelled.length);
    return { cancelled };
  }

  stop(): void {
    for (const s of this.subscriptions.splice(0)) s.unsubscribe();
    this.venueSubscription?.unsubscribe();
    this.venueSubscription = undefined;
  }

  /** Resolves when every queued action has run. */
  async idle(): Promise<void> {
    let q: Promise<void>;
    do {
      q = this.queue;
      await q;
    } while (q !== this.queue);
  }

  /** The order the engine tracks under `clientOrderId`, if any. */
  order(
    clientOrderIdValue: string,
  ): { readonly request: OrderRequest; readonly status: string; readonly filled: string } | undefined {
    const t = this.orders.get(clientOrderIdValue);
    return t === undefined
      ? undefined
      : { request: t.request, status: t.machine.status, filled: t.machine.filled.toString() };
  }

  /** Client order ids whose outcome is still unknown. */
  unknownOrders(): string[] {
    return [...this.orders.values()]
      .filter((o) => o.machine.status === 'unknown')
      .map((o) => o.request.clientOrderId);
  }

  /** Query the venue again for every order still unknown (call after a reconnect or on a timer). */
  resolveUnknownOrders(): Promise<void> {
    for (const o of this.orders.values()) {
      if (o.machine.status === 'unknown') this.enqueue('queryOrder', () => this.resolveUnknown(o));
    }
    return this.idle();
  }

  /** Close a position: cancel its protective orders, then a reduce-only market order. */
  closePosition(symbol: string, reason: string): Promise<void> {
    this.enqueue('closePosition', () => this.close(symbol, reason));
    return this.idle();
  }

  /** Number of protective (stop-loss / take-profit) orders working for the symbol's position. */
  protectiveOrders(symbol: string): number {
    return this.meta.get(symbol)?.protective.length ?? 0;
  }

  /** The risk view built from the book, the entries in flight and the wallet. */
  view(): RiskView {
    const exposures: ExposureView[] = [];
    for (const p of this.book.open()) {
      const m = this.meta.get(p.symbol);
      exposures.push({
        symbol: p.symbol,
        notional: p.quantity.abs().mul(p.avgEntry),
        confidence: m?.confidence ?? 0,
        openedAt: m?.openedAt ?? p.openedAt,
        closable: !(m?.closing ?? false),
      });
    }
    // entries in flight, not yet in the book: their margin (spot: their cost) is committed, so a second
    // signal decided before they fill is not sized on the same balance
    let committed = Decimal.ZERO;
    for (const a of this.entries.values()) {
      if (this.book.get(a.signal.symbol) !== undefined) continue;
      committed = committed.add(a.margin);
      exposures.push({
        symbol: a.signal.symbol,
        notional: a.notional,
        confidence: a.signal.confidence,
        openedAt: a.signal.decidedAt,
        closable: false,
      });
    }
    return {
      exposures,
      equity: this.account.equity(),
      freeBalance: committed.isZero() ? this.account.free() : this.account.free().sub(committed),
      instrument: (s) => this.instruments.get(s),
    };
  }

  // ---------------------------------------------------------------- signals

  private async onSignal(signal: Signal): Promise<void> {
    this.counters.inc('trade.signals');
    const key = signalKey(signal.id);
    if (this.enteredKeys.has(key)) {
      // the same decision seen again (a replay after a restart): its entry exists already, never a second
      this.counters.inc('trade.signals.duplicate');
      this.logger.info(
        { symbol: signal.symbol, signalId: signal.id },
        `signal ${signal.id} already has an entry order: ignored`,
      );
      return;
    }
    const view = this.view();
    const max = this.config.risk.maxOpenPositions;
    if (view.exposures.length >= max && this.gate.state === 'active') {
      const rot = decideRotation(
        signal,
        view.exposures,
        max,
        {
          lastRotationAt: this.lastRotationAt,
          inProgress: this.rotation !== undefined,
          now: this.clock.now(),
        },
        this.config.rotation,
      );
      if (rot.kind === 'rotate') {
        // as if the victim were closed: without its exposure, with its margin free again
        const victimPos = this.book.get(rot.victim.symbol);
        const without: RiskView = {
          ...view,
          exposures: view.exposures.filter((e) => e !== rot.victim),
          freeBalance:
            victimPos === undefined
              ? view.freeBalance
              : view.freeBalance.add(this.account.marginOf(victimPos)),
        };
        if (this.gate.evaluate(signal, without).kind === 'denied') return;
        this.rotation = { victim: rot.victim.symbol, signal };
        this.lastRotationAt = this.clock.now();
        this.counters.inc('trade.rotations');
        this.logger.info(
          { symbol: rot.victim.symbol, signalId: signal.id, newSymbol: signal.symbol },
          `rotation: closing ${rot.victim.symbol} (confidence ${rot.victim.confidence}) for ${signal.symbol} (${signal.confidence})`,
        );
        await this.close(rot.victim.symbol, `rotation for signal ${signal.id}`);
        if (this.book.get(rot.victim.symbol) === undefined) await this.finishRotation(rot.victim.symbol);
        return;
      }
    }
    const decision = this.gate.evaluate(signal, view);
    if (decision.kind === 'approved') await this.open(decision);
  }

  private async finishRotation(victim: string): Promise<void> {
    const r = this.rotation;
    if (r?.victim !== victim) return;
    this.rotation = undefined;
    const decision = this.gate.evaluate(r.signal, this.view());
    if (decision.kind === 'approved') await this.open(decision);
  }

  private async open(approved: ApprovedOrders): Promise<void> {
    const { signal } = approved;
    const symbol = signal.symbol;
    this.entries.set(symbol, approved);
    this.meta.set(symbol, {
      key: signalKey(signal.id),
      signalId: signal.id,
      confidence: signal.confidence,
      entryId: approved.entry.clientOrderId,
      stopLoss: approved.stopLoss,
      takeProfit: approved.takeProfit,
      tier: signal.tier,
      leverage: approved.leverage,
      openedAt: this.clock.now(),
      protective: [],
      closing: false,
      closeAttempts: 0,
      protectRound: 0,
      baseFees: Decimal.ZERO,
    });
    try {
      await this.venue.setLeverage(symbol, approved.leverage);
    } catch (caught) {
      this.report('setLeverage', { symbol, clientOrderId: approved.entry.clientOrderId }, caught);
      this.entries.delete(symbol);
      this.meta.delete(symbol);
      return;
    }
    this.account.setLeverage(symbol, approved.leverage);
    await this.submit(approved.entry, 'entry', signal.id);
  }

  // ---------------------------------------------------------------- orders

  private async submit(request: OrderRequest, role: OrderRole, signalId: string): Promise<void> {
    const tracked: TrackedOrder = {
      request,
      role,
      signalId,
      machine: new OrderStateMachine(request.clientOrderId, request.quantity),
      venueOrderId: undefined,
      resubmitted: false,
    };
    this.orders.set(request.clientOrderId, tracked);
    this.working.set(request.clientOrderId, tracked);
    this.noteEntry(request.clientOrderId);
    this.counters.inc('trade.orders.submitted');
    this.bus.publish('ORDER_SUBMITTED', this.orderEvent(tracked));
    await this.handleSubmit(tracked, await this.callSubmit(tracked));
  }

  /** A submit that throws is an unknown outcome, never a failure: the order may exist. */
  private async callSubmit(tracked: TrackedOrder): Promise<SubmitResult> {
    try {
      return await this.venue.submitOrder(tracked.request);
    } catch (caught) {
      const err = toError(caught);
      return { kind: 'unknown', clientOrderId: tracked.request.clientOrderId, reason: err.message };
    }
  }

  private async handleSubmit(tracked: TrackedOrder, result: SubmitResult): Promise<void> {
    const { symbol, clientOrderId: cid } = tracked.request;
    switch (result.kind) {
      case 'ack':
        this.applyOrderEvent(result.order);
        return;
      case 'rejected':
        this.report(
          'submitOrder',
          { symbol, clientOrderId: cid, venueCode: result.code },
          new AegisError('VENUE_REJECTED', `order ${cid} rejected: ${result.reason}`),
        );
        this.transition(tracked, 'rejected', undefined, result.reason);
        return;
      case 'unknown':
        this.report(
          'submitOrder',
          { symbol, clientOrderId: cid },
          new AegisError('ORDER_OUTCOME_UNKNOWN', `order ${cid} outcome unknown: ${result.reason}`),
        );
        this.transition(tracked, 'unknown', undefined, result.reason);
        await this.resolveUnknown(tracked);
        return;
    }
  }

  /** Query the venue for an unknown order; resubmit (same id, once) only if the venue has no such order. */
  private async resolveUnknown(tracked: TrackedOrder): Promise<void> {
    const { symbol, clientOrderId: cid } = tracked.request;
    const attempts = this.config.maxQueryAttempts ?? 3;
    // a function, not a narrowed read: the user stream may change the status during each await
    const stillUnknown = (): boolean => tracked.machine.status === 'unknown';
    for (let i = 0; i < attempts && stillUnknown(); i++) {
      let found: OrderEvent | undefined;
      try {
        found = await this.venue.queryOrder(symbol, cid);
      } catch (caught) {
        this.report('queryOrder', { symbol, clientOrderId: cid }, caught);
        continue;
      }
      if (!stillUnknown()) return; // the user stream answered meanwhile
      if (found !== undefined) {
        this.applyOrderEvent(found);
        return;
      }
      if (tracked.resubmitted) {
        this.logger.warn(
          { symbol, clientOrderId: cid, operation: 'queryOrder' },
          `order ${cid} still not found after resubmit`,
        );
        return;
      }
      tracked.resubmitted = true;
      this.counters.inc('trade.orders.resubmitted');
      this.transition(
        tracked,
        'pending',
        undefined,
        'venue has no such order: resubmitting with the same id',
      );
      await this.handleSubmit(tracked, await this.callSubmit(tracked));
      return;
    }
  }

  private transition(
    tracked: TrackedOrder,
    status: OrderEvent['status'],
    filled?: string,
    reason?: string,
  ): void {
    try {
      if (tracked.machine.apply(status, filled) !== 'applied') return;
    } catch (caught) {
      this.report(
        'orderState',
        { symbol: tracked.request.symbol, clientOrderId: tracked.request.clientOrderId },
        caught,
      );
      return;
    }
    this.bus.publish('ORDER_UPDATED', this.orderEvent(tracked, reason));
    this.afterTransition(tracked);
  }

  private applyOrderEvent(ev: OrderEvent): void {
    const tracked = this.orders.get(ev.clientOrderId);
    if (tracked === undefined) {
      this.counters.inc('trade.orders.foreign');
      this.logger.debug(
        { symbol: ev.symbol, clientOrderId: ev.clientOrderId },
        'update for an order this engine does not track',
      );
      return;
    }
    if (ev.venueOrderId !== undefined) tracked.venueOrderId = ev.venueOrderId;
    let outcome;
    try {
      outcome = tracked.machine.apply(ev.status, ev.filledQuantity);
    } catch (caught) {
      this.report('orderState', { symbol: ev.symbol, clientOrderId: ev.clientOrderId }, caught);
      return;
    }
    if (outcome !== 'applied') return;
    this.bus.publish('ORDER_UPDATED', ev);
    this.afterTransition(tracked);
  }

  private afterTransition(tracked: TrackedOrder): void {
    const m = tracked.machine;
    if (!m.terminal) return;
    const symbol = tracked.request.symbol;
    if (
      tracked.role === 'entry' &&
      this.entries.get(symbol)?.entry.clientOrderId === tracked.request.clientOrderId
    ) {
      this.entries.delete(symbol);
      if (m.filled.isZero()) {
        if (this.book.get(symbol) === undefined) this.meta.delete(symbol);
      } else {
        this.maybeProtect(symbol);
      }
    }
    if (tracked.role === 'close' && this.book.get(symbol) !== undefined) {
      // the close ended without flattening (rejected, expired): the position stays, no rotation waits on it
      const meta = this.meta.get(symbol);
      if (meta !== undefined) {
        // its protective orders were cancelled before the close: place a new pair
        meta.closing = false;
        meta.protectRound++;
        meta.protective = [];
        this.enqueue('protect', () => this.protect(symbol));
      }
      if (this.rotation?.victim === symbol) {
        this.logger.warn(
          { symbol, clientOrderId: tracked.request.clientOrderId, signalId: this.rotation.signal.id },
          `rotation abandoned: close of ${symbol} ended ${m.status}`,
        );
        this.rotation = undefined;
      }
    }
  }

  // ---------------------------------------------------------------- executions

  private onExecution(update: ExecutionUpdate): void {
    if (this.reconciling) {
      this.held.push(update);
      return;
    }
    try {
      if (update.kind === 'funding') {
        this.onFunding(update.symbol, update.asset, update.amount, update.time);
        return;
      }
      if (update.fill !== undefined) this.onFill(update.fill);
      this.applyOrderEvent(update.order);
    } catch (caught) {
      this.report(
        'execution',
        { symbol: update.kind === 'order' ? update.order.symbol : update.symbol },
        caught,
      );
    }
  }

  private onFill(fill: Fill): void {
    const key = `${fill.symbol}:${fill.tradeId}:${fill.clientOrderId}`;
    if (this.seenFills.has(key)) return;
    this.seenFills.add(key);
    const rec = this.recovered.get(fill.clientOrderId);
    if (rec !== undefined && rec.sign() > 0) {
      // reconciliation journaled this quantity already (from the venue's filled quantity) and the book
      // took the venue's position: the stream's late copy of the trade is not booked a second time
      const left = rec.sub(Decimal.parse(fill.quantity));
      this.recovered.set(fill.clientOrderId, left.sign() > 0 ? left : Decimal.ZERO);
      this.counters.inc('trade.fills.recoveredEarlier');
      this.logger.info(
        { symbol: fill.symbol, clientOrderId: fill.clientOrderId, tradeId: fill.tradeId },
        `fill ${fill.tradeId} of ${fill.clientOrderId} was already recovered by reconciliation`,
      );
      return;
    }
    this.addFilled(fill.clientOrderId, fill.quantity);
    this.bus.publish('FILL', fill);
    this.counters.inc('trade.fills');
    const role = this.orders.get(fill.clientOrderId)?.role;
    const effect = this.book.applyFill(this.bookedFill(fill, role));
    const delta = effect.realized.sub(effect.fee);
    this.account.credit(delta);
    const symbol = fill.symbol;
    if (effect.closed !== undefined) {
      const meta = this.meta.get(symbol);
      this.bus.publish('POSITION_CLOSED', this.positionEvent(effect.closed, meta, fill.time, true));
      if (role === 'sl') this.gate.recordStopOut(symbol, fill.time);
      this.meta.delete(symbol);
      this.watchedTp.delete(symbol);
      if (meta !== undefined && meta.protective.length > 0) {
        const ids = meta.protective;
        this.enqueue('cancelOrder', () => this.cancelAll(symbol, ids));
      }
      if (this.rotation?.victim === symbol) this.enqueue('rotation', () => this.finishRotation(symbol));
    }
    if (effect.kind === 'opened' || effect.kind === 'flipped') {
      this.bus.publish(
        'POSITION_OPENED',
        this.positionEvent(effect.position, this.meta.get(symbol), fill.time, false),
      );
    }
    if (role === 'entry') this.maybeProtect(symbol);
    this.gate.recordPnl(delta, this.account.equity());
    this.publishBalance();
  }

  /**
   * The fill as the book takes it. Futures: unchanged. Spot: a commission in the base asset is netted
   * from the quantity (the book holds the base actually received, which is what can be sold), and an
   * exit sell that leaves less than one sellable lot books the whole position (the remainder is written
   * off at the fill's price; it stays in the venue's balance as dust).
   */
  private bookedFill(fill: Fill, role: OrderRole | undefined): Fill {
    const instrument = this.instruments.get(fill.symbol);
    if (instrument?.market !== 'spot') return fill;
    let qty = Decimal.parse(fill.quantity);
    let commission = fill.commission;
    let commissionAsset = fill.commissionAsset;
    if (fill.commissionAsset === instrument.baseAsset) {
      const c = Decimal.parse(fill.commission);
      qty = fill.side === 'BUY' ? qty.sub(c) : qty.add(c);
      // the base kept by the venue was paid for in quote: a fee of the position at the fill's price
      // (the wallet then follows the venue's quote balance, which the risk gate sizes spot buys on)
      commission = c.mul(Decimal.parse(fill.price)).toString();
      commissionAsset = instrument.quoteAsset;
      const meta = this.meta.get(fill.symbol);
      if (meta !== undefined && role === 'entry') meta.baseFees = meta.baseFees.add(c);
    }
    const pos = this.book.get(fill.symbol);
    if (role !== 'entry' && pos !== undefined && pos.quantity.sign() > 0 && fill.side === 'SELL') {
      const rest = pos.quantity.sub(qty);
      if (rest.sign() > 0 && this.sellable(fill.symbol, rest).isZero()) {
        this.counters.inc('trade.spot.dustWrittenOff');
        this.logger.info(
          { symbol: fill.symbol, clientOrderId: fill.clientOrderId, tradeId: fill.tradeId },
          `spot remainder ${rest.toString()} ${instrument.baseAsset} is below one lot: written off the book at ${fill.price}`,
        );
        qty = pos.quantity;
        // booked as sold at the fill's price, but it stays at the venue as base: its value never reaches
        // the quote wallet, so it is charged as a fee (the wallet keeps following the venue's quote)
        if (commissionAsset === instrument.quoteAsset) {
          commission = Decimal.parse(commission)
            .add(rest.mul(Decimal.parse(fill.price)))
            .toString();
        }
      }
    }
    if (qty.sign() <= 0) return fill; // let the book refuse it loudly
    return { ...fill, quantity: qty.toString(), commission, commissionAsset };
  }

  /** Spot: the part of `quantity` a market sell can carry (rounded down to the lot step; 0 below minQty). */
  private sellable(symbol: string, quantity: Decimal): Decimal {
    const instrument = this.instruments.get(symbol);
    if (instrument === undefined) return quantity;
    const q = Decimal.parse(roundQuantity(instrument, quantity, 'down', true));
    const spec = instrumentSpec(instrument);
    const min = spec.marketMinQty ?? spec.minQty;
    return q.sign() <= 0 || q.lt(min) ? Decimal.ZERO : q;
  }

  private isSpot(symbol: string): boolean {
    return this.instruments.get(symbol)?.market === 'spot';
  }

  /** A spot take-profit watched by the engine: a long's exit is due once the price reaches it. */
  private onPrice(symbol: string, high: number, last: number, time: number): void {
    const tp = this.watchedTp.get(symbol);
    if (tp === undefined || !(high >= tp)) return;
    const meta = this.meta.get(symbol);
    if (meta === undefined || meta.closing || this.book.get(symbol) === undefined) return;
    this.watchedTp.delete(symbol);
    this.counters.inc('trade.spot.takeProfitReached');
    this.enqueue('closePosition', () =>
      this.close(
        symbol,
        `take-profit ${tp} reached (price ${last} at ${time}), watched by the engine on spot`,
      ),
    );
  }

  private onCandle(c: Candle): void {
    const meta = this.meta.get(c.symbol);
    if (meta === undefined) return;
    // a bar that began before the position opened may hold older highs: only its close counts then
    this.onPrice(c.symbol, c.openTime >= meta.openedAt ? c.high : c.close, c.close, c.openTime);
  }

  private onFunding(symbol: string, asset: string, amount: string, time: number): void {
    if (asset !== this.config.quoteAsset) return;
    const a = Decimal.parse(amount);
    this.book.applyFunding(symbol, a, time);
    this.account.credit(a);
    this.gate.recordPnl(a, this.account.equity());
    this.publishBalance();
  }

  // ---------------------------------------------------------------- protection and closing

  /**
   * Protect a position once its entry order is final and its fills are booked (the order's final state
   * and its fills may arrive in either order: query answer first, stream fills later).
   */
  private maybeProtect(symbol: string): void {
    const meta = this.meta.get(symbol);
    if (meta === undefined || meta.closing || this.book.get(symbol) === undefined) return;
    if (meta.entryId === undefined) return;
    const entry = this.orders.get(meta.entryId);
    if (entry?.machine.terminal !== true) return;
    // spot: the book holds the base received, the entry's filled quantity includes the base commission
    if (this.book.get(symbol)?.quantity.abs().add(meta.baseFees).eq(entry.machine.filled) !== true) return;
    this.enqueue('protect', () => this.protect(symbol));
  }

  private async protect(symbol: string): Promise<void> {
    const pos = this.book.get(symbol);
    const meta = this.meta.get(symbol);
    if (pos === undefined || meta === undefined || meta.closing) return;
    const spot = this.isSpot(symbol);
    if (spot && !this.watchSpotTakeProfit(symbol, pos, meta)) return;
    const qty = spot ? this.sellable(symbol, pos.quantity).toString() : pos.quantity.abs().toString();
    const round = meta.protectRound;
    // spot: only the stop-loss goes to the exchange (both sells would lock the same base asset)
    const legs = spot
      ? ([['sl', spotOrder(meta.stopLoss)]] as const)
      : ([
          ['sl', meta.stopLoss],
          ['tp', meta.takeProfit],
        ] as const);
    for (const [role, req] of legs) {
      const id =
        round === 0
          ? req.clientOrderId
          : clientOrderIdForKey(this.config.risk.runPrefix, meta.key, role, round);
      if (this.orders.has(id)) continue;
      if (this.liveProtective(symbol, role).length > 0) continue; // e.g. adopted at reconciliation
      meta.protective.push(id);
      await this.submit({ ...req, clientOrderId: id, quantity: qty }, role, meta.signalId);
      if (this.orders.get(id)?.machine.status === 'rejected') {
        // an unprotected position is not kept: typically the market already passed the level while the
        // entry filled (Binance -2021 "Order would immediately trigger"), so the exit is due now
        this.counters.inc('trade.protection.rejected');
        this.logger.warn(
          { symbol, clientOrderId: id, role },
          `${role === 'sl' ? 'stop-loss' : 'take-profit'} for ${symbol} was rejected: closing the position at market`,
        );
        await this.close(symbol, `${role} protection rejected`);
        return;
      }
    }
  }

  /**
   * Spot: watch the take-profit (the engine closes at market when the price reaches it). False when the
   * position cannot be protected at all (long only; at least one sellable lot), after reporting it.
   */
  private watchSpotTakeProfit(symbol: string, pos: Position, meta: PositionMeta): boolean {
    if (pos.quantity.sign() < 0 || this.sellable(symbol, pos.quantity).isZero()) {
      this.counters.inc('trade.spot.unprotectable');
      this.report(
        'protect',
        { symbol },
        new AegisError(
          'INVARIANT_BROKEN',
          `spot position ${pos.quantity.toString()} ${symbol} cannot carry a stop-loss sell (short, or below one lot)`,
        ),
      );
      return false;
    }
    const tp = Number(meta.takeProfit.stopPrice);
    if (Number.isFinite(tp) && tp > 0) this.watchedTp.set(symbol, tp);
    return true;
  }

  private async cancelAll(symbol: string, ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      const t = this.orders.get(id);
      if (t === undefined || t.machine.terminal || t.machine.status === 'pending') continue;
      try {
        this.applyOrderEvent(await this.venue.cancelOrder(symbol, id));
      } catch (caught) {
        this.report('cancelOrder', { symbol, clientOrderId: id }, caught);
      }
    }
  }

  private async close(symbol: string, reason: string): Promise<void> {
    const meta = this.meta.get(symbol);
    const pos = this.book.get(symbol);
    if (pos === undefined) return;
    if (meta !== undefined) {
      meta.closing = true;
      await this.cancelAll(symbol, meta.protective);
    }
    const now = this.book.get(symbol);
    if (now === undefined) return;
    this.watchedTp.delete(symbol);
    const spot = this.isSpot(symbol);
    const quantity = spot ? this.sellable(symbol, now.quantity.abs()) : now.quantity.abs();
    if (quantity.isZero()) {
      this.report(
        'closePosition',
        { symbol },
        new AegisError(
          'INVARIANT_BROKEN',
          `${symbol} position ${now.quantity.toString()} is below one lot: cannot close`,
        ),
      );
      return;
    }
    const attempt = meta === undefined ? 0 : meta.closeAttempts++;
    const signalId = meta?.signalId ?? `${symbol}.close`;
    this.logger.info({ symbol, reason }, `closing ${symbol}: ${reason}`);
    await this.submit(
      {
        clientOrderId:
          meta === undefined
            ? clientOrderId(this.config.risk.runPrefix, signalId, 'close', attempt)
            : clientOrderIdForKey(this.config.risk.runPrefix, meta.key, 'close', attempt),
        symbol,
        side: now.quantity.sign() > 0 ? 'SELL' : 'BUY',
        type: 'MARKET',
        quantity: quantity.toString(),
        // spot has no reduce-only (Binance -1106): the sell is sized to the base held instead
        ...(spot ? {} : { reduceOnly: true }),
      },
      'close',
      signalId,
    );
  }

  // ---------------------------------------------------------------- reconciliation

  /** Entries are denied (not_reconciled) until the next reconciliation (e.g. the user stream dropped). */
  markNotReconciled(reason: string): void {
    this.gate.setReconciled(false, reason);
  }

  /**
   * Reconcile with the venue (policy: docs/reconciliation.md). Runs on the engine's queue, so no signal
   * is handled meanwhile; entries are denied until it has succeeded. Resolves the summary (also
   * published on RECONCILED), or undefined when the venue could not be read (already reported).
   */
  async reconcile(trigger: string): Promise<Reconciled | undefined> {
    this.gate.setReconciled(false, `reconciling (${trigger})`);
    let result: Reconciled | undefined;
    this.enqueue('reconcile', async () => {
      this.reconciling = true;
      try {
        result = await this.runReconcile(trigger);
      } finally {
        this.reconciling = false;
        const held = this.held.splice(0);
        for (const u of held) this.onExecution(u);
        // a trade during the snapshot may be in the venue's position but not yet in its order's filled
        // quantity (or the reverse): check the positions once more
        if (held.some((u) => u.kind === 'order' && u.fill !== undefined)) {
          this.enqueue('reconcile.verify', () => this.verifyPositions());
        }
      }
    });
    await this.idle();
    return result;
  }

  private async runReconcile(trigger: string): Promise<Reconciled | undefined> {
    const prefix = this.config.risk.runPrefix;
    const ours = (id: string): boolean => parseClientOrderId(id)?.prefix === prefix;
    let venueOpen: readonly OrderEvent[];
    let venuePositions: readonly VenuePosition[];
    let balances: readonly VenueBalance[];
    let journalOpen: readonly OrderEvent[] = [];
    let journalFills: readonly Fill[] = [];
    let signals: readonly Signal[] = [];
    try {
      [venueOpen, venuePositions, balances] = await Promise.all([
        this.venue.openOrders(),
        this.venue.positions(),
        this.venue.balances(),
      ]);
      if (this.history !== undefined) {
        [journalOpen, journalFills, signals] = await Promise.all([
          this.history.openOrders(),
          this.history.fills(),
          this.history.signals(),
        ]);
      }
    } catch (caught) {
      this.report('reconcile', {}, caught);
      return undefined;
    }
    const differences: ReconciliationDiff[] = [];
    const adopted: string[] = [];
    const foreign: string[] = [];
    const reprotected: string[] = [];
    let recoveredFills = 0;
    const recoveredList: Fill[] = [];
    const journalStatus = new Map(journalOpen.map((o) => [o.clientOrderId, o]));
    for (const f of journalFills) {
      const k = `${f.symbol}:${f.tradeId}:${f.clientOrderId}`;
      if (this.seenFills.has(k)) continue;
      this.seenFills.add(k);
      this.addFilled(f.clientOrderId, f.quantity);
      this.noteEntry(f.clientOrderId);
    }
    const venuePos = new Map<string, VenuePosition>();
    for (const p of venuePositions) if (!Decimal.parse(p.quantity).isZero()) venuePos.set(p.symbol, p);

    // 1. the venue's open orders: ours are adopted, foreign ones reported and left alone
    const seenAtVenue = new Map<string, OrderEvent>();
    for (const o of venueOpen) {
      if (!ours(o.clientOrderId)) {
        foreign.push(o.clientOrderId);
        differences.push({
          kind: 'foreign_order',
          symbol: o.symbol,
          clientOrderId: o.clientOrderId,
          engine: 'not ours',
          venue: `${o.status} ${o.type} ${o.side} ${o.quantity}`,
        });
        continue;
      }
      seenAtVenue.set(o.clientOrderId, o);
    }
    // 2. orders not final in the journal or in memory, and not open at the venue: ask the venue
    const toQuery = new Map<string, OrderEvent>();
    for (const o of journalOpen) {
      if (ours(o.clientOrderId) && !seenAtVenue.has(o.clientOrderId)) toQuery.set(o.clientOrderId, o);
    }
    for (const t of this.orders.values()) {
      const id = t.request.clientOrderId;
      if (!t.machine.terminal && !seenAtVenue.has(id)) toQuery.set(id, this.orderEvent(t));
    }
    for (const [id, known] of toQuery) {
      let found: OrderEvent | undefined;
      try {
        found = await this.venue.queryOrder(known.symbol, id);
      } catch (caught) {
        this.report('reconcile.queryOrder', { symbol: known.symbol, clientOrderId: id }, caught);
        return undefined;
      }
      if (found !== undefined) {
        seenAtVenue.set(id, found);
        continue;
      }
      // the venue never got it (the engine stopped before the submit reached it): final here, not resent
      differences.push({
        kind: 'order_missing_at_venue',
        symbol: known.symbol,
        clientOrderId: id,
        engine: known.status,
        venue: 'no such order',
      });
      const t = this.orders.get(id) ?? this.track(known);
      const to = t.machine.status === 'pending' || t.machine.status === 'unknown' ? 'rejected' : 'canceled';
      this.transition(t, to, undefined, 'not at the venue at reconciliation: never placed, not resubmitted');
    }
    for (const [id, o] of seenAtVenue) {
      const before = this.orders.get(id)?.machine.status ?? journalStatus.get(id)?.status;
      if (!this.orders.has(id)) {
        this.track(o);
        adopted.push(id);
      }
      if (before !== undefined && before !== o.status) {
        differences.push({
          kind: 'order_state',
          symbol: o.symbol,
          clientOrderId: id,
          engine: before,
          venue: o.status,
        });
      }
      const missing = Decimal.parse(o.filledQuantity).sub(this.filledByOrder.get(id) ?? Decimal.ZERO);
      if (missing.sign() > 0) {
        recoveredFills++;
        const fill = this.recoveredFill(o, missing, venuePos.get(o.symbol), signals);
        differences.push({
          kind: 'fill_recovered',
          symbol: o.symbol,
          clientOrderId: id,
          engine: `filled ${(this.filledByOrder.get(id) ?? Decimal.ZERO).toString()}`,
          venue: `filled ${o.filledQuantity}`,
        });
        this.seenFills.add(`${fill.symbol}:${fill.tradeId}:${fill.clientOrderId}`);
        this.addFilled(id, fill.quantity);
        this.recovered.set(id, (this.recovered.get(id) ?? Decimal.ZERO).add(missing));
        recoveredList.push(fill);
        this.bus.publish('FILL', fill); // journaled once: (client order id, trade id) is deterministic
      }
      this.applyOrderEvent(o);
    }

    // 2b. spot: the venue reports no positions (a holding is a balance); ours are derived from the last
    // known position (book, else our fills), the base balance and our open stop-loss (reconcile.ts)
    let spotCost = Decimal.ZERO;
    if ([...this.instruments.values()].some((i) => i.market === 'spot')) {
      const spot = spotPositions({
        instruments: this.instruments.values(),
        balances,
        openOrders: venueOpen,
        fills: [...journalFills, ...recoveredList],
        signals,
        prefix,
        known: (symbol) => {
          const b = this.book.get(symbol);
          return b !== undefined && b.quantity.sign() > 0 ? b : undefined;
        },
      });
      for (const p of spot.positions) venuePos.set(p.symbol, p);
      spotCost = spotPositionCost(spot.positions);
      for (const u of spot.unresolved) {
        differences.push({
          kind: 'position_unknown_to_engine',
          symbol: u.symbol,
          engine: 'flat',
          venue: u.reason,
        });
        this.report(
          'reconcile.spotPosition',
          { symbol: u.symbol },
          new AegisError('INVARIANT_BROKEN', `spot position of ${u.symbol} not adopted: ${u.reason}`),
        );
      }
    }

    // 3. positions follow the venue
    const symbols = new Set([...venuePos.keys(), ...this.book.open().map((p) => p.symbol)]);
    for (const symbol of symbols) {
      const v = venuePos.get(symbol);
      const b = this.book.get(symbol);
      const vq = v === undefined ? Decimal.ZERO : Decimal.parse(v.quantity);
      const now = this.clock.now();
      if (!b?.quantity.eq(vq)) {
        differences.push({
          kind:
            b === undefined
              ? 'position_unknown_to_engine'
              : v === undefined
                ? 'position_missing_at_venue'
                : 'position_quantity',
          symbol,
          engine: b === undefined ? 'flat' : b.quantity.toString(),
          venue: v === undefined ? 'flat' : `${v.quantity} @ ${v.entryPrice}`,
        });
      }
      if (v !== undefined) this.account.setLeverage(symbol, v.leverage);
      const next: Position = {
        symbol,
        quantity: vq,
        avgEntry: v === undefined ? Decimal.ZERO : Decimal.parse(v.entryPrice),
        realizedPnl: b?.realizedPnl ?? Decimal.ZERO,
        fees: b?.fees ?? Decimal.ZERO,
        funding: b?.funding ?? Decimal.ZERO,
        openedAt: b?.openedAt ?? now,
        updatedAt: now,
      };
      this.book.set(next);
      if (b !== undefined && v === undefined) {
        const meta = this.meta.get(symbol);
        this.bus.publish('POSITION_CLOSED', this.positionEvent(b, meta, now, true));
        this.meta.delete(symbol);
      } else if (!b?.quantity.eq(vq)) {
        this.bus.publish('POSITION_OPENED', this.positionEvent(next, this.meta.get(symbol), now, false));
      }
    }

    // 4. protective orders: ours on a flat symbol are cancelled; every position gets both
    for (const t of [...this.orders.values()]) {
      if (t.machine.terminal || (t.role !== 'sl' && t.role !== 'tp') || venuePos.has(t.request.symbol))
        continue;
      await this.cancelAll(t.request.symbol, [t.request.clientOrderId]);
    }
    for (const [symbol, v] of venuePos) {
      const meta = this.meta.get(symbol) ?? this.adoptPosition(symbol, v, journalFills, signals);
      if (meta === undefined) continue;
      meta.protective = [
        ...new Set([
          ...meta.protective.filter((id) => this.orders.get(id)?.machine.terminal === false),
          ...this.liveProtective(symbol, 'sl'),
          ...this.liveProtective(symbol, 'tp'),
        ]),
      ];
      const tpLive = this.isSpot(symbol) || this.liveProtective(symbol, 'tp').length > 0;
      if (this.liveProtective(symbol, 'sl').length > 0 && tpLive) {
        const held = this.book.get(symbol);
        if (this.isSpot(symbol) && held !== undefined) this.watchSpotTakeProfit(symbol, held, meta);
        continue;
      }
      if (meta.closing) continue;
      const round = await this.freeProtectRound(symbol, meta);
      if (round === undefined) return undefined;
      meta.protectRound = round;
      reprotected.push(symbol);
      this.counters.inc('trade.reconcile.reprotected');
      await this.protect(symbol);
    }

    // 5. the wallet follows the venue
    const quote = balances.find((b) => b.asset === this.config.quoteAsset);
    // spot: the quote spent on an adopted position is its cost, which the account counts as in use
    if (quote !== undefined) {
      this.account.reset(Decimal.parse(quote.free).add(Decimal.parse(quote.locked)).add(spotCost));
    }

    const summary: Reconciled = {
      trigger,
      adopted,
      foreign,
      reprotected,
      recoveredFills,
      differences,
      time: this.clock.now(),
    };
    for (const d of differences) {
      this.logger.warn(
        { symbol: d.symbol, clientOrderId: d.clientOrderId, kind: d.kind, engine: d.engine, venue: d.venue },
        `reconciliation difference ${d.kind} on ${d.symbol}: engine ${d.engine}, venue ${d.venue}`,
      );
    }
    this.counters.inc('trade.reconciliations');
    this.gate.setReconciled(true, trigger);
    this.logger.info(
      {
        trigger,
        adopted: adopted.length,
        foreign: foreign.length,
        reprotected,
        recoveredFills,
        differences: differences.length,
      },
      `reconciled (${trigger}): ${adopted.length} adopted, ${foreign.length} foreign, ${reprotected.length} re-protected, ${recoveredFills} fills recovered, ${differences.length} differences`,
    );
    this.bus.publish('RECONCILED', summary);
    this.publishBalance();
    return summary;
  }

  /** Positions follow the venue: a difference left by updates that raced the snapshot is corrected. */
  private async verifyPositions(): Promise<void> {
    const venue = await this.venue.positions();
    const now = this.clock.now();
    const qty = new Map(venue.map((p) => [p.symbol, p]));
    for (const symbol of new Set([...qty.keys(), ...this.book.open().map((p) => p.symbol)])) {
      if (this.isSpot(symbol)) continue; // a spot venue reports no positions (derived in runReconcile)
      const v = qty.get(symbol);
      const vq = v === undefined ? Decimal.ZERO : Decimal.parse(v.quantity);
      const b = this.book.get(symbol);
      if ((b?.quantity ?? Decimal.ZERO).eq(vq)) continue;
      this.counters.inc('trade.reconcile.corrected');
      this.logger.warn(
        { symbol, engine: b?.quantity.toString() ?? '0', venue: vq.toString() },
        `position of ${symbol} differs from the venue's after reconciliation: taking the venue's`,
      );
      this.book.set({
        symbol,
        quantity: vq,
        avgEntry: v === undefined ? Decimal.ZERO : Decimal.parse(v.entryPrice),
        realizedPnl: b?.realizedPnl ?? Decimal.ZERO,
        fees: b?.fees ?? Decimal.ZERO,
        funding: b?.funding ?? Decimal.ZERO,
        openedAt: b?.openedAt ?? now,
        updatedAt: now,
      });
    }
  }

  /** Track an order found at the venue or in the journal (its request rebuilt from what is known). */
  private track(o: OrderEvent): TrackedOrder {
    const parsed = parseClientOrderId(o.clientOrderId);
    const tracked: TrackedOrder = {
      request: {
        clientOrderId: o.clientOrderId,
        symbol: o.symbol,
        side: o.side,
        type: o.type,
        quantity: o.quantity,
        ...(o.price === undefined ? {} : { price: o.price }),
        ...(parsed?.role === 'entry' ? {} : { reduceOnly: true }),
      },
      role: parsed?.role ?? 'entry',
      signalId: parsed?.key ?? o.clientOrderId,
      machine: new OrderStateMachine(o.clientOrderId, o.quantity),
      venueOrderId: o.venueOrderId,
      resubmitted: true, // never resubmitted after a restart: it may exist
    };
    this.orders.set(o.clientOrderId, tracked);
    this.working.set(o.clientOrderId, tracked);
    this.noteEntry(o.clientOrderId);
    return tracked;
  }

  /** A fill the venue knows (its cumulative filled quantity) but the journal does not. */
  private recoveredFill(
    o: OrderEvent,
    quantity: Decimal,
    position: VenuePosition | undefined,
    signals: readonly Signal[],
  ): Fill {
    const parsed = parseClientOrderId(o.clientOrderId);
    const signal = signals.find((s) => signalKey(s.id) === parsed?.key);
    const mark = this.account.mark(o.symbol);
    // best price the port can tell: the order's limit, the venue's entry for an entry, else the
    // signal's level for a stop / take-profit, else the last mark (docs/reconciliation.md)
    const price =
      o.price ??
      (parsed?.role === 'entry' && position !== undefined ? position.entryPrice : undefined) ??
      // spot: no venue position; a MARKET entry filled while down is priced at its signal's entry
      (parsed?.role === 'entry' && signal !== undefined && this.isSpot(o.symbol)
        ? String(signal.entry)
        : undefined) ??
      (parsed?.role === 'sl' && signal !== undefined ? String(signal.stop) : undefined) ??
      (parsed?.role === 'tp' && signal !== undefined ? String(signal.take_profit) : undefined) ??
      mark?.toString() ??
      position?.entryPrice ??
      '0';
    return {
      clientOrderId: o.clientOrderId,
      tradeId: `${RECOVERED_FILL_PREFIX}${o.filledQuantity}`,
      symbol: o.symbol,
      side: o.side,
      price,
      quantity: quantity.toString(),
      commission: '0',
      commissionAsset: this.config.quoteAsset,
      maker: false,
      time: this.clock.now(),
    };
  }

  /** Meta for a venue position the engine did not know (restart): key from our orders, levels from the signal. */
  private adoptPosition(
    symbol: string,
    v: VenuePosition,
    fills: readonly Fill[],
    signals: readonly Signal[],
  ): PositionMeta | undefined {
    const prefix = this.config.risk.runPrefix;
    const instrument = this.instruments.get(symbol);
    if (instrument === undefined) {
      this.report(
        'reconcile.protect',
        { symbol },
        new AegisError('INVARIANT_BROKEN', `no instrument for ${symbol}: cannot protect its position`),
      );
      return undefined;
    }
    const qty = Decimal.parse(v.quantity);
    const long = qty.sign() > 0;
    const ownKeys = [
      ...[...this.orders.values()]
        .filter((t) => t.request.symbol === symbol)
        .map((t) => t.request.clientOrderId),
      ...fills.filter((f) => f.symbol === symbol).map((f) => f.clientOrderId),
    ]
      .map((id) => parseClientOrderId(id))
      .filter((p): p is ParsedClientOrderId => p?.prefix === prefix);
    const key = ownKeys.at(-1)?.key ?? signalKey(`adopted:${symbol}`);
    const signal = signals.find((s) => signalKey(s.id) === key);
    const cfg = this.config.reconcile ?? DEFAULT_RECONCILE_CONFIG;
    const levels = protectiveLevels(instrument, long, Decimal.parse(v.entryPrice), signal, cfg);
    const exit = long ? 'SELL' : 'BUY';
    const base = { symbol, side: exit, quantity: qty.abs().toString(), reduceOnly: true } as const;
    this.logger.info(
      { symbol, key, source: levels.source, stop: levels.stop, takeProfit: levels.takeProfit },
      `adopting the venue's ${symbol} position ${v.quantity} @ ${v.entryPrice}: protective levels from the ${levels.source === 'signal' ? 'journaled signal' : 'default distances'}`,
    );
    const meta: PositionMeta = {
      key,
      signalId: signal?.id ?? key,
      confidence: signal?.confidence ?? 0,
      entryId: undefined,
      stopLoss: {
        ...base,
        clientOrderId: clientOrderIdForKey(prefix, key, 'sl'),
        type: 'STOP_MARKET',
        stopPrice: levels.stop,
      },
      takeProfit: {
        ...base,
        clientOrderId: clientOrderIdForKey(prefix, key, 'tp'),
        type: 'TAKE_PROFIT_MARKET',
        stopPrice: levels.takeProfit,
      },
      tier: signal?.tier ?? 'student',
      leverage: v.leverage,
      openedAt: this.clock.now(),
      protective: [],
      closing: false,
      closeAttempts: 0,
      protectRound: 0,
      baseFees: Decimal.ZERO,
    };
    this.meta.set(symbol, meta);
    return meta;
  }

  /** The first protective round whose ids neither the engine nor the venue knows (ids are never reused). */
  private async freeProtectRound(symbol: string, meta: PositionMeta): Promise<number | undefined> {
    const prefix = this.config.risk.runPrefix;
    for (let round = meta.protectRound; round < 1000; round++) {
      const ids = (['sl', 'tp'] as const).map((r) => clientOrderIdForKey(prefix, meta.key, r, round));
      if (ids.some((id) => this.orders.has(id))) continue;
      let known = false;
      for (const id of ids) {
        try {
          if ((await this.venue.queryOrder(symbol, id)) !== undefined) known = true;
        } catch (caught) {
          this.report('reconcile.queryOrder', { symbol, clientOrderId: id }, caught);
          return undefined;
        }
      }
      if (!known) return round;
    }
    return undefined;
  }

  /** Working (not final) protective orders of `role` on `symbol`. */
  private liveProtective(symbol: string, role: 'sl' | 'tp'): string[] {
    const out: string[] = [];
    for (const [id, t] of this.working) {
      if (t.machine.terminal) this.working.delete(id);
      else if (t.role === role && t.request.symbol === symbol) out.push(t.request.clientOrderId);
    }
    return out;
  }

  private noteEntry(id: string): void {
    const parsed = parseClientOrderId(id);
    if (parsed?.role === 'entry' && parsed.prefix === this.config.risk.runPrefix)
      this.enteredKeys.add(parsed.key);
  }

  private addFilled(id: string, quantity: string): void {
    this.filledByOrder.set(id, (this.filledByOrder.get(id) ?? Decimal.ZERO).add(Decimal.parse(quantity)));
  }

  // ---------------------------------------------------------------- helpers

  private enqueue(operation: string, task: () => Promise<void>): void {
    this.queue = this.queue.then(task).catch((caught: unknown) => {
      this.report(operation, {}, caught);
    });
  }

  private orderEvent(t: TrackedOrder, reason?: string): OrderEvent {
    const r = t.request;
    return {
      clientOrderId: r.clientOrderId,
      ...(t.venueOrderId === undefined ? {} : { venueOrderId: t.venueOrderId }),
      symbol: r.symbol,
      side: r.side,
      type: r.type,
      status: t.machine.status,
      quantity: r.quantity,
      filledQuantity: t.machine.filled.toString(),
      ...(r.price === undefined ? {} : { price: r.price }),
      ...(reason === undefined ? {} : { reason }),
      time: this.clock.now(),
    };
  }

  private positionEvent(
    p: Position,
    meta: PositionMeta | undefined,
    time: number,
    closed: boolean,
  ): PositionEvent {
    return {
      symbol: p.symbol,
      side: p.quantity.sign() < 0 ? 'SHORT' : 'LONG',
      quantity: p.quantity.abs().toNumber(),
      entryPrice: p.avgEntry.toNumber(),
      tier: meta?.tier ?? 'student',
      leverage: meta?.leverage ?? this.account.leverageOf(p.symbol),
      realizedPnl: closed ? netPnl(p).toNumber() : 0,
      time,
    };
  }

  private publishBalance(): void {
    const used = this.account.usedMargin();
    this.bus.publish('BALANCE_UPDATED', {
      asset: this.config.quoteAsset,
      free: this.account.wallet.sub(used).toNumber(),
      locked: used.toNumber(),
      time: this.clock.now(),
    });
  }

  private report(
    operation: string,
    ctx: {
      readonly symbol?: string | undefined;
      readonly clientOrderId?: string;
      readonly venueCode?: number | undefined;
    },
    caught: unknown,
  ): void {
    const err = toError(caught);
    const code: ErrorCode | 'UNCLASSIFIED' = errorCodeOf(caught);
    const fromErr = caught instanceof AegisError ? caught.context.venueCode : undefined;
    const venueCode = ctx.venueCode ?? (typeof fromErr === 'number' ? fromErr : undefined);
    const context = {
      operation,
      venue: this.venue.name,
      symbol: ctx.symbol,
      clientOrderId: ctx.clientOrderId,
      venueCode,
    };
    this.counters.inc(`trade.errors.${operation}`);
    this.logger.error({ ...context, code, err }, `${operation} failed: ${err.message}`);
    this.bus.publish('ERROR', { source: 'trade', code, message: err.message, context });
  }
}

/** The spot form of a protective order: no reduceOnly (spot refuses it with -1106). */
function spotOrder(req: OrderRequest): OrderRequest {
  if (req.reduceOnly !== true) return req;
  const { reduceOnly: _dropped, ...rest } = req;
  return rest;
}
