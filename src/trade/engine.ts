/**
 * TradeEngine: the trade layer wired on the EventBus.
 *
 * SIGNAL_GENERATED -> (rotation policy) -> risk gate -> setLeverage + entry MARKET order through the
 * ExecutionVenue port -> order tracked by client order id (state machine) -> on the entry's fill,
 * protective STOP_MARKET and TAKE_PROFIT_MARKET reduce-only orders -> positions and the wallet from
 * fills only. Publishes ORDER_SUBMITTED, ORDER_UPDATED, FILL, POSITION_OPENED, POSITION_CLOSED,
 * BALANCE_UPDATED (and the gate publishes RISK_REJECTED, TRADING_STATE_CHANGED).
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
import type { AegisTopics } from '../domain/events.js';
import type { Instrument } from '../domain/instrument.js';
import type { Fill, OrderEvent, OrderRequest, PositionEvent } from '../domain/order.js';
import type { ExecutionUpdate, ExecutionVenue, SubmitResult, VenueSubscription } from '../domain/ports.js';
import type { Signal, Tier } from '../domain/signal.js';
import { clientOrderId, type OrderRole } from './orders/client-id.js';
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

export interface TradeEngineConfig {
  readonly risk: RiskConfig;
  readonly rotation: RotationConfig;
  /** Settlement asset of the wallet (USDT). */
  readonly quoteAsset: string;
  /** queryOrder attempts for an unknown submit before it is left `unknown` (default 3). */
  readonly maxQueryAttempts?: number;
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
  readonly signal: Signal;
  readonly approved: ApprovedOrders;
  readonly tier: Tier;
  readonly leverage: number;
  readonly openedAt: number;
  protective: string[];
  closing: boolean;
  closeAttempts: number;
  /** 0 for the first stop-loss/take-profit pair; +1 each time they are placed again. */
  protectRound: number;
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
  private readonly entries = new Map<string, ApprovedOrders>();
  private readonly meta = new Map<string, PositionMeta>();
  private readonly seenFills = new Set<string>();
  private readonly subscriptions: Subscription[] = [];
  private venueSubscription: VenueSubscription | undefined;
  private rotation: Rotation | undefined;
  private lastRotationAt: number | undefined;
  private queue: Promise<void> = Promise.resolve();

  constructor(deps: TradeEngineDeps) {
    this.bus = deps.bus;
    this.clock = deps.clock;
    this.venue = deps.venue;
    this.logger = deps.logger.child({ component: 'trade' });
    this.config = deps.config;
    this.counters = deps.counters ?? new Counters();
    this.gate = new RiskGate({
      bus: deps.bus,
      clock: deps.clock,
      config: deps.config.risk,
      isStale: deps.isStale,
    });
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
          this.account.setMark(m.symbol, Decimal.fromNumber(m.markPrice));
        }
      }),
    );
    this.publishBalance();
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
        confidence: m?.signal.confidence ?? 0,
        openedAt: m?.openedAt ?? p.openedAt,
        closable: !(m?.closing ?? false),
      });
    }
    for (const a of this.entries.values()) {
      if (this.book.get(a.signal.symbol) !== undefined) continue;
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
      freeBalance: this.account.free(),
      instrument: (s) => this.instruments.get(s),
    };
  }

  // ---------------------------------------------------------------- signals

  private async onSignal(signal: Signal): Promise<void> {
    this.counters.inc('trade.signals');
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
      signal,
      approved,
      tier: signal.tier,
      leverage: approved.leverage,
      openedAt: this.clock.now(),
      protective: [],
      closing: false,
      closeAttempts: 0,
      protectRound: 0,
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
    this.bus.publish('FILL', fill);
    this.counters.inc('trade.fills');
    const effect = this.book.applyFill(fill);
    const delta = effect.realized.sub(effect.fee);
    this.account.credit(delta);
    const role = this.orders.get(fill.clientOrderId)?.role;
    const symbol = fill.symbol;
    if (effect.closed !== undefined) {
      const meta = this.meta.get(symbol);
      this.bus.publish('POSITION_CLOSED', this.positionEvent(effect.closed, meta, fill.time, true));
      if (role === 'sl') this.gate.recordStopOut(symbol, fill.time);
      this.meta.delete(symbol);
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
    const entry = this.orders.get(meta.approved.entry.clientOrderId);
    if (entry?.machine.terminal !== true) return;
    if (this.book.get(symbol)?.quantity.abs().eq(entry.machine.filled) !== true) return;
    this.enqueue('protect', () => this.protect(symbol));
  }

  private async protect(symbol: string): Promise<void> {
    const pos = this.book.get(symbol);
    const meta = this.meta.get(symbol);
    if (pos === undefined || meta === undefined || meta.closing) return;
    const qty = pos.quantity.abs().toString();
    const round = meta.protectRound;
    for (const [role, req] of [
      ['sl', meta.approved.stopLoss],
      ['tp', meta.approved.takeProfit],
    ] as const) {
      const id =
        round === 0
          ? req.clientOrderId
          : clientOrderId(this.config.risk.runPrefix, meta.signal.id, role, round);
      if (this.orders.has(id)) continue;
      meta.protective.push(id);
      await this.submit({ ...req, clientOrderId: id, quantity: qty }, role, meta.signal.id);
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
    const attempt = meta === undefined ? 0 : meta.closeAttempts++;
    const signalId = meta?.signal.id ?? `${symbol}.close`;
    this.logger.info({ symbol, reason }, `closing ${symbol}: ${reason}`);
    await this.submit(
      {
        clientOrderId: clientOrderId(this.config.risk.runPrefix, signalId, 'close', attempt),
        symbol,
        side: now.quantity.sign() > 0 ? 'SELL' : 'BUY',
        type: 'MARKET',
        quantity: now.quantity.abs().toString(),
        reduceOnly: true,
      },
      'close',
      signalId,
    );
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
