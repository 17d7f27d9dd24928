/**
 * The risk gate: every signal passes here before any order exists. Checks run in this order and the
 * first that fails decides (ARCHITECTURE.md principle 6):
 *
 *  1. trading state: `halted` (kill switch) -> trading_halted, `reducing` -> trading_reducing
 *  1b. not reconciled with the venue since start / the last user-stream reconnect -> not_reconciled
 *  2. data stale for the symbol (injected `isStale`)           -> data_stale
 *  3. open positions (incl. entries in flight) >= maxOpenPositions -> max_open_positions
 *  4. a position (or entry in flight) on the symbol already     -> position_exists
 *  5. confidence < minConfidence                                 -> min_confidence
 *  6. less than stopOutCooldownMs since the symbol's last stop-out -> cooldown
 *  6b. a SELL entry on a spot instrument (spot cannot short)   -> spot_no_short
 *  7. the signal's tier is not tierOf(confidence, teacherThreshold) (a signal cannot award itself
 *     teacher leverage); leverage = the tier's cap (teacher -> maxLeverageTeacher, student ->
 *     maxLeverageStudent; 1 on spot)                             -> leverage_tier
 *  8. sizing: quantity = riskPerTrade x equity / |entry - stop|, rounded down to the lot step; stop and
 *     take-profit must sit on the right side of the entry and equity must be > 0 -> risk_per_trade
 *  8b. spot (leverage 1, BUY): when quantity x entry x (1 + spotPriceAllowance) > free balance, the
 *     quantity is capped to what the free balance buys at that price, rounded down to the (market) lot
 *     step; a cap below one lot or the minimum notional               -> insufficient_balance
 *     (docs/strategies.md "Position sizing in the risk gate")
 *  9. notional (quantity x entry) > maxNotionalPerSymbol          -> max_notional_symbol
 * 10. open notional + notional > maxNotionalTotal                 -> max_notional_total
 * 11. today's (UTC day of engine time) realised net loss >= maxDailyLoss x equity at the day's start
 *     -> daily_loss_limit, and the state becomes `halted` (TRADING_STATE_CHANGED); it stays halted until
 *     an operator calls setState('active').
 * 12. futures: margin (notional / leverage) > free balance       -> insufficient_balance
 *     (spot: guaranteed by 8b)
 * 13. exchange filters on the entry, stop-loss and take-profit orders, in exact decimals (price to tick,
 *     quantity to step, min quantity, min notional)               -> filter_violation
 *     Spot: the stop-loss / take-profit quantity is the base received (quantity x (1 - spotTakerFee),
 *     rounded down to the step); with a capped quantity a failure is insufficient_balance.
 *
 * Every denial is published on RISK_REJECTED with a detail naming the values compared.
 */
import type { Clock } from '../../core/clock.js';
import type { EventBus } from '../../core/event-bus.js';
import { Decimal } from '../../domain/decimal.js';
import type { AegisTopics, RiskDenialReason, TradingState } from '../../domain/events.js';
import { checkOrder, type Instrument, instrumentSpec } from '../../domain/instrument.js';
import type { OrderRequest } from '../../domain/order.js';
import { type Signal, tierOf } from '../../domain/signal.js';
import { clientOrderIdForKey, signalKey } from '../orders/client-id.js';
import {
  type GateOrder,
  passesFilters,
  passesFiltersFor,
  roundPriceDec,
  roundQuantityDec,
} from './filters.js';

export interface RiskConfig {
  /** Prefix of every client order id of this engine (1..8 letters/digits), stable across restarts. */
  readonly runPrefix: string;
  readonly maxOpenPositions: number;
  readonly minConfidence: number;
  readonly teacherThreshold: number;
  readonly maxLeverageTeacher: number;
  readonly maxLeverageStudent: number;
  /** Fraction of equity risked between entry and stop. */
  readonly riskPerTrade: number;
  /** Quote-asset decimal strings. */
  readonly maxNotionalPerSymbol: string;
  readonly maxNotionalTotal: string;
  /** Fraction of the day's starting equity. */
  readonly maxDailyLoss: number;
  readonly stopOutCooldownMs: number;
  /**
   * Spot only. Fraction above the signal's entry that a spot MARKET buy may fill at (spread, slippage,
   * the move between the close and the fill); the quote it would cost is kept free. Default
   * SPOT_PRICE_ALLOWANCE.
   */
  readonly spotPriceAllowance?: number;
  /**
   * Spot only. Taker commission rate, taken by Binance spot out of the base received: the protective
   * sell is for the base received, rounded down to the step. Default SPOT_TAKER_FEE.
   */
  readonly spotTakerFee?: number;
}

/** Default RiskConfig.spotPriceAllowance: 0.2 %. */
export const SPOT_PRICE_ALLOWANCE = 0.002;
/** Default RiskConfig.spotTakerFee: Binance spot's regular (VIP 0) taker rate, 0.1 %. */
export const SPOT_TAKER_FEE = 0.001;

/** A position (or an entry in flight) as the gate and the rotation policy see it. */
export interface ExposureView {
  readonly symbol: string;
  /** |quantity| x entry price, quote asset. */
  readonly notional: Decimal;
  readonly confidence: number;
  readonly openedAt: number;
  /** False for an entry still in flight (it cannot be rotated out yet). */
  readonly closable: boolean;
}

/** Read-only account state the engine hands the gate for one decision. */
export interface RiskView {
  readonly exposures: readonly ExposureView[];
  readonly equity: Decimal;
  readonly freeBalance: Decimal;
  instrument(symbol: string): Instrument | undefined;
}

export interface ApprovedOrders {
  readonly kind: 'approved';
  readonly signal: Signal;
  readonly leverage: number;
  /** Exact decimal string, rounded to the step. */
  readonly quantity: string;
  readonly notional: Decimal;
  readonly margin: Decimal;
  readonly entry: OrderRequest;
  readonly stopLoss: OrderRequest;
  readonly takeProfit: OrderRequest;
}

export interface Denied {
  readonly kind: 'denied';
  readonly reason: RiskDenialReason;
  readonly detail: string;
}

export type RiskDecision = ApprovedOrders | Denied;

const DAY_MS = 86_400_000;
const SIZE_DECIMALS = 12;
const MARGIN_DECIMALS = 8;

export interface RiskGateDeps {
  readonly bus: EventBus<AegisTopics>;
  readonly clock: Clock;
  readonly config: RiskConfig;
  readonly isStale: (symbol: string) => boolean;
}

export class RiskGate {
  private readonly bus: EventBus<AegisTopics>;
  private readonly clock: Clock;
  private readonly config: RiskConfig;
  private readonly isStale: (symbol: string) => boolean;
  private readonly maxPerSymbol: Decimal;
  private readonly maxTotal: Decimal;
  /** Config numbers as exact decimals, converted once. */
  private readonly riskPerTrade: Decimal;
  private readonly maxDailyLoss: Decimal;
  /** Spot: 1 + price allowance (quote per unit of entry price) and 1 - taker fee (base kept per unit bought). */
  private readonly spotBuyFactor: Decimal;
  private readonly spotKeptFactor: Decimal;
  private readonly leverages = new Map<number, Decimal>();
  private tradingState: TradingState = 'active';
  private reconciledFlag = true;
  private notReconciledWhy = '';
  private readonly stopOuts = new Map<string, number>();
  private day = Number.NaN;
  private dayPnl = Decimal.ZERO;
  private dayStartEquity: Decimal | undefined;

  constructor(deps: RiskGateDeps) {
    this.bus = deps.bus;
    this.clock = deps.clock;
    this.config = deps.config;
    this.isStale = deps.isStale;
    this.maxPerSymbol = Decimal.parse(deps.config.maxNotionalPerSymbol);
    this.maxTotal = Decimal.parse(deps.config.maxNotionalTotal);
    this.riskPerTrade = Decimal.fromNumber(deps.config.riskPerTrade);
    this.maxDailyLoss = Decimal.fromNumber(deps.config.maxDailyLoss);
    const one = Decimal.fromNumber(1);
    this.spotBuyFactor = one.add(Decimal.fromNumber(deps.config.spotPriceAllowance ?? SPOT_PRICE_ALLOWANCE));
    this.spotKeptFactor = one.sub(Decimal.fromNumber(deps.config.spotTakerFee ?? SPOT_TAKER_FEE));
  }

  get state(): TradingState {
    return this.tradingState;
  }

  /** Change the trading state (kill switch); publishes TRADING_STATE_CHANGED when it changes. */
  setState(state: TradingState, reason: string): void {
    if (state === this.tradingState) return;
    this.tradingState = state;
    this.bus.publish('TRADING_STATE_CHANGED', { state, reason, time: this.clock.now() });
  }

  /** False while the engine's state may differ from the venue's: every new entry is denied (not_reconciled). */
  get reconciled(): boolean {
    return this.reconciledFlag;
  }

  setReconciled(reconciled: boolean, reason: string): void {
    this.reconciledFlag = reconciled;
    this.notReconciledWhy = reason;
  }

  /** A stop-loss closed a position on `symbol` at engine time `time`: starts its cooldown. */
  recordStopOut(symbol: string, time: number): void {
    this.stopOuts.set(symbol, time);
  }

  /** Today's realised net PnL (quote asset). */
  get dailyPnl(): Decimal {
    return this.dayPnl;
  }

  /**
   * Book realised net PnL (realised - fees + funding) at engine time; `equityAfter` is the equity after
   * it. Halts trading when the day's loss reaches the limit.
   */
  recordPnl(amount: Decimal, equityAfter: Decimal): void {
    this.rollDay(equityAfter.sub(amount));
    this.dayPnl = this.dayPnl.add(amount);
    const breach = this.dailyBreach();
    if (breach !== undefined) this.setState('halted', breach);
  }

  /** Decide on a signal. A denial is also published on RISK_REJECTED. */
  evaluate(signal: Signal, view: RiskView): RiskDecision {
    const decision = this.decide(signal, view);
    if (decision.kind === 'denied') {
      this.bus.publish('RISK_REJECTED', {
        signalId: signal.id,
        symbol: signal.symbol,
        reason: decision.reason,
        detail: decision.detail,
        time: this.clock.now(),
      });
    }
    return decision;
  }

  /** Decide without publishing a denial (a dry run, e.g. before closing a position to rotate). */
  check(signal: Signal, view: RiskView): RiskDecision {
    return this.decide(signal, view);
  }

  private leverageDecimal(leverage: number): Decimal {
    let d = this.leverages.get(leverage);
    if (d === undefined) {
      d = Decimal.fromNumber(leverage);
      this.leverages.set(leverage, d);
    }
    return d;
  }

  private rollDay(equityAtStart: Decimal): void {
    const day = Math.floor(this.clock.now() / DAY_MS);
    if (day !== this.day) {
      this.day = day;
      this.dayPnl = Decimal.ZERO;
      this.dayStartEquity = equityAtStart;
    }
  }

  private dailyBreach(): string | undefined {
    const start = this.dayStartEquity;
    if (start === undefined || this.dayPnl.sign() >= 0) return undefined;
    const limit = this.maxDailyLoss.mul(start);
    const loss = this.dayPnl.neg();
    return loss.gte(limit)
      ? `daily loss ${loss.toString()} >= limit ${limit.toString()} (${this.config.maxDailyLoss} x day-start equity ${start.toString()})`
      : undefined;
  }

  private decide(signal: Signal, view: RiskView): RiskDecision {
    const c = this.config;
    const sym = signal.symbol;
    if (this.tradingState === 'halted') return deny('trading_halted', 'trading state is halted');
    if (this.tradingState === 'reducing') {
      return deny('trading_reducing', 'trading state is reducing: no new positions');
    }
    if (!this.reconciledFlag) {
      return deny('not_reconciled', `not reconciled with the venue: ${this.notReconciledWhy}`);
    }
    if (this.isStale(sym)) return deny('data_stale', `market data for ${sym} is stale`);
    const open = view.exposures.length;
    if (open >= c.maxOpenPositions) {
      return deny('max_open_positions', `open positions ${open} >= MAX_OPEN_POSITIONS ${c.maxOpenPositions}`);
    }
    for (let i = 0; i < open; i++) {
      if (view.exposures[i]?.symbol === sym) {
        return deny('position_exists', `${sym} already has a position or an entry in flight`);
      }
    }
    if (!(signal.confidence >= c.minConfidence)) {
      return deny('min_confidence', `confidence ${signal.confidence} < minimum ${c.minConfidence}`);
    }
    const stopOut = this.stopOuts.get(sym);
    const now = this.clock.now();
    if (stopOut !== undefined && now - stopOut < c.stopOutCooldownMs) {
      return deny(
        'cooldown',
        `${sym} stopped out at ${stopOut}; ${now - stopOut} ms < cooldown ${c.stopOutCooldownMs} ms`,
      );
    }

    const instrument = view.instrument(sym);
    if (instrument === undefined)
      return deny('filter_violation', `no instrument (exchange filters) for ${sym}`);
    if (instrument.market === 'spot' && signal.side === 'SELL') {
      return deny(
        'spot_no_short',
        `${sym} is a spot instrument: a SELL entry would need the base asset or margin`,
      );
    }
    const tier = tierOf(signal.confidence, c.teacherThreshold);
    if (signal.tier !== tier) {
      return deny(
        'leverage_tier',
        `signal claims tier ${signal.tier} but confidence ${signal.confidence} vs teacher threshold ${c.teacherThreshold} is ${tier}`,
      );
    }
    const cap = tier === 'teacher' ? c.maxLeverageTeacher : c.maxLeverageStudent;
    const leverage = instrument.market === 'spot' ? 1 : Math.floor(cap);
    if (!(leverage >= 1)) return deny('leverage_tier', `leverage cap ${cap} for tier ${tier} is below 1`);

    // 8. sizing
    const long = signal.side === 'BUY';
    if (!(
      positiveFinite(signal.entry) &&
      positiveFinite(signal.stop) &&
      positiveFinite(signal.take_profit)
    )) {
      return deny(
        'risk_per_trade',
        `entry ${signal.entry}, stop ${signal.stop}, take profit ${signal.take_profit} must be finite and > 0`,
      );
    }
    // filters parsed once per instrument object (instrumentSpec caches); the same values as
    // Decimal.parse(roundPrice(...)) without the string round trip (filters.ts)
    const spec = instrumentSpec(instrument);
    const entryPx = roundPriceDec(spec, Decimal.fromNumber(signal.entry));
    const stopPx = roundPriceDec(spec, Decimal.fromNumber(signal.stop));
    const tpPx = roundPriceDec(spec, Decimal.fromNumber(signal.take_profit));
    const stopOk = long ? stopPx.lt(entryPx) : stopPx.gt(entryPx);
    if (!stopOk) {
      return deny(
        'risk_per_trade',
        `${signal.side} stop ${stopPx.toString()} must be ${long ? 'below' : 'above'} entry ${entryPx.toString()}`,
      );
    }
    const tpOk = long ? tpPx.gt(entryPx) : tpPx.lt(entryPx);
    if (!tpOk) {
      return deny(
        'risk_per_trade',
        `${signal.side} take profit ${tpPx.toString()} must be ${long ? 'above' : 'below'} entry ${entryPx.toString()}`,
      );
    }
    if (view.equity.sign() <= 0) return deny('risk_per_trade', `equity ${view.equity.toString()} <= 0`);
    const riskAmount = this.riskPerTrade.mul(view.equity);
    const rawQty = riskAmount.div(entryPx.sub(stopPx).abs(), SIZE_DECIMALS, 'down');
    let quantity = roundQuantityDec(spec, rawQty, 'down', true);
    // 8b. spot (leverage 1): the quantity is capped to what the free balance buys
    const spot = instrument.market === 'spot';
    let spotCap: Decimal | undefined;
    if (spot) {
      const buyPx = entryPx.mul(this.spotBuyFactor);
      if (quantity.mul(buyPx).gt(view.freeBalance)) {
        const affordable = view.freeBalance.div(buyPx, SIZE_DECIMALS, 'down');
        spotCap = affordable.sign() > 0 ? roundQuantityDec(spec, affordable, 'down', true) : Decimal.ZERO;
        if (spotCap.sign() <= 0 || !passesFilters(spec, marketBuy(spotCap), entryPx)) {
          return deny(
            'insufficient_balance',
            `spot: free balance ${view.freeBalance.toString()} buys ${affordable.toString()} at ${buyPx.toString()} (entry ${entryPx.toString()} + price allowance), below one lot or the minimum notional (step ${instrument.stepSize}, minQty ${instrument.minQty}, minNotional ${instrument.minNotional}); the risk size was ${quantity.toString()}`,
          );
        }
        quantity = spotCap;
      }
    }
    const notional = quantity.mul(entryPx);

    // 9-10. notional
    if (notional.gt(this.maxPerSymbol)) {
      return deny(
        'max_notional_symbol',
        `notional ${notional.toString()} (qty ${quantity.toString()} x ${entryPx.toString()}) > max per symbol ${this.maxPerSymbol.toString()}`,
      );
    }
    let openNotional = Decimal.ZERO;
    for (let i = 0; i < open; i++)
      openNotional = openNotional.add((view.exposures[i] as ExposureView).notional);
    if (openNotional.add(notional).gt(this.maxTotal)) {
      return deny(
        'max_notional_total',
        `open notional ${openNotional.toString()} + ${notional.toString()} > max total ${this.maxTotal.toString()}`,
      );
    }

    // 11. daily loss
    this.rollDay(view.equity);
    const breach = this.dailyBreach();
    if (breach !== undefined) {
      this.setState('halted', breach);
      return deny('daily_loss_limit', breach);
    }

    // 12. balance
    const margin = notional.div(this.leverageDecimal(leverage), MARGIN_DECIMALS, 'up');
    if (!spot && margin.gt(view.freeBalance)) {
      return deny(
        'insufficient_balance',
        `margin ${margin.toString()} (notional ${notional.toString()} / leverage ${leverage}) > free balance ${view.freeBalance.toString()}`,
      );
    }

    // 13. exchange filters. Spot: the protective sell is for the base received (the commission comes out
    // of it), rounded down to the step; a capped quantity whose protection fails them is unaffordable
    const qty = quantity.toString();
    const exitQty = spot ? roundQuantityDec(spec, quantity.mul(this.spotKeptFactor), 'down', true) : quantity;
    const exitText = spot ? exitQty.toString() : qty;
    const stopText = stopPx.toString();
    const tpText = tpPx.toString();
    const exit = long ? 'SELL' : 'BUY';
    const key = signalKey(signal.id);
    const entry: OrderRequest = {
      clientOrderId: clientOrderIdForKey(c.runPrefix, key, 'entry'),
      symbol: sym,
      side: signal.side,
      type: 'MARKET',
      quantity: qty,
    };
    const stopLoss: OrderRequest = {
      clientOrderId: clientOrderIdForKey(c.runPrefix, key, 'sl'),
      symbol: sym,
      side: exit,
      type: 'STOP_MARKET',
      quantity: exitText,
      stopPrice: stopText,
      reduceOnly: true,
    };
    const takeProfit: OrderRequest = {
      clientOrderId: clientOrderIdForKey(c.runPrefix, key, 'tp'),
      symbol: sym,
      side: exit,
      type: 'TAKE_PROFIT_MARKET',
      quantity: exitText,
      stopPrice: tpText,
      reduceOnly: true,
    };
    // the fast check on the Decimals at hand; checkOrder (which parses the order's strings) decides and
    // words the denial whenever the fast check does not pass (filters.ts)
    if (
      !passesFiltersFor(spec, entry.type, quantity, qty, undefined, undefined, false, entryPx) ||
      !passesFiltersFor(spec, stopLoss.type, exitQty, exitText, stopPx, stopText, true, entryPx) ||
      !passesFiltersFor(spec, takeProfit.type, exitQty, exitText, tpPx, tpText, true, entryPx)
    ) {
      for (const [name, order] of [
        ['entry', entry],
        ['stop-loss', stopLoss],
        ['take-profit', takeProfit],
      ] as const) {
        const check = checkOrder(instrument, order, entryPx);
        if (!check.ok) {
          // spot: a quantity capped to the free balance whose orders fail the filters is unaffordable
          return deny(
            spotCap === undefined ? 'filter_violation' : 'insufficient_balance',
            `${spotCap === undefined ? '' : `spot quantity capped to the free balance ${view.freeBalance.toString()}: `}${name} ${order.type} qty ${order.quantity} at ${order.stopPrice ?? entryPx.toString()}: ${check.filter} ${check.code} ${check.msg} (step ${instrument.stepSize}, minQty ${instrument.minQty}, tick ${instrument.tickSize}, minNotional ${instrument.minNotional})`,
          );
        }
      }
    }
    return {
      kind: 'approved',
      signal,
      leverage,
      quantity: qty,
      notional,
      margin,
      entry,
      stopLoss,
      takeProfit,
    };
  }
}

function positiveFinite(x: number): boolean {
  return Number.isFinite(x) && x > 0;
}

/** A MARKET entry of `quantity` (the spot cap's filter check). */
function marketBuy(quantity: Decimal): GateOrder {
  const text = quantity.toString();
  return {
    type: 'MARKET',
    quantity,
    quantityText: text,
    stopPrice: undefined,
    stopPriceText: undefined,
    reduceOnly: false,
  };
}

function deny(reason: RiskDenialReason, detail: string): Denied {
  return { kind: 'denied', reason, detail };
}
