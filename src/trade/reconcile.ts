/**
 * Reconciliation support (the policy is in docs/reconciliation.md; TradeEngine.reconcile runs it).
 *
 * - `TradeHistory`: what reconciliation reads from the journal (the store's Journal satisfies it).
 * - `protectiveLevels`: the stop-loss / take-profit trigger prices of a position found at the venue:
 *   the journaled signal's levels when its signal is known and on the position's side, else the
 *   configured default distances from the venue's entry price, rounded to the tick.
 * - `spotPositions`: the positions a spot venue cannot report (a spot holding is a balance), derived
 *   from our fills, the base balance and our open stop-loss sells (docs/reconciliation.md, "Spot
 *   positions at reconciliation").
 */
import { Decimal } from '../domain/decimal.js';
import { type Instrument, instrumentSpec, roundPrice, roundQuantity } from '../domain/instrument.js';
import type { Fill, OrderEvent } from '../domain/order.js';
import type { VenueBalance, VenuePosition } from '../domain/ports.js';
import type { Signal } from '../domain/signal.js';
import { parseClientOrderId, signalKey } from './orders/client-id.js';

/** The journal reads reconciliation needs. */
export interface TradeHistory {
  /** Orders whose last journaled status is not final (pending, new, partially_filled, unknown). */
  openOrders(): Promise<readonly OrderEvent[]>;
  /** Every journaled fill. */
  fills(): Promise<readonly Fill[]>;
  /** Every journaled signal (to recompute the protective levels of a position found at the venue). */
  signals(): Promise<readonly Signal[]>;
}

export interface ReconcileConfig {
  /** Stop-loss distance from the venue's entry price when the position's signal is unknown (0.02 = 2 %). */
  readonly defaultStopDistance: number;
  /** Take-profit distance from the venue's entry price when the signal is unknown. */
  readonly defaultTakeProfitDistance: number;
}

export const DEFAULT_RECONCILE_CONFIG: ReconcileConfig = {
  defaultStopDistance: 0.02,
  defaultTakeProfitDistance: 0.04,
};

/** Recovered fills carry this trade id prefix: `rcv-<cumulative filled quantity at the venue>`. */
export const RECOVERED_FILL_PREFIX = 'rcv-';

export interface ProtectiveLevels {
  readonly stop: string;
  readonly takeProfit: string;
  readonly source: 'signal' | 'default';
}

export function protectiveLevels(
  instrument: Instrument,
  long: boolean,
  entryPrice: Decimal,
  signal: Signal | undefined,
  config: ReconcileConfig,
): ProtectiveLevels {
  if (signal !== undefined && (signal.side === 'BUY') === long) {
    const stop = Decimal.parse(roundPrice(instrument, Decimal.fromNumber(signal.stop)));
    const tp = Decimal.parse(roundPrice(instrument, Decimal.fromNumber(signal.take_profit)));
    const sane = long ? stop.lt(tp) : stop.gt(tp);
    if (sane && stop.sign() > 0 && tp.sign() > 0) {
      return { stop: stop.toString(), takeProfit: tp.toString(), source: 'signal' };
    }
  }
  const sl = Decimal.fromNumber(config.defaultStopDistance);
  const tp = Decimal.fromNumber(config.defaultTakeProfitDistance);
  const one = Decimal.fromNumber(1);
  const stop = entryPrice.mul(long ? one.sub(sl) : one.add(sl));
  const take = entryPrice.mul(long ? one.add(tp) : one.sub(tp));
  return {
    stop: roundPrice(instrument, stop),
    takeProfit: roundPrice(instrument, take),
    source: 'default',
  };
}

/** A spot position as the engine last knew it (its book), when it still holds one. */
export interface KnownSpotPosition {
  readonly quantity: Decimal;
  readonly avgEntry: Decimal;
}

export interface SpotPositionsInput {
  /** The venue's instruments; only the spot ones are looked at. */
  readonly instruments: Iterable<Instrument>;
  /** The venue's balances (free + locked is what is held: a stop-loss sell locks the base). */
  readonly balances: readonly VenueBalance[];
  /** The venue's open orders (ours are recognised by `prefix`). */
  readonly openOrders: readonly OrderEvent[];
  /** Our fills in the order they happened: the journal's, then any recovered by this reconciliation. */
  readonly fills: readonly Fill[];
  /** Journaled signals (the entry price of a position known only from its open stop-loss). */
  readonly signals: readonly Signal[];
  /** Run prefix of our client order ids. */
  readonly prefix: string;
  /** The engine's book, when it still holds a position (a reconnect, not a restart). */
  readonly known?: (symbol: string) => KnownSpotPosition | undefined;
}

export interface SpotPositionsResult {
  /** Long positions to adopt, leverage 1. */
  readonly positions: readonly VenuePosition[];
  /** Symbols where our stop-loss is open but no quantity or entry price could be derived: left to the operator. */
  readonly unresolved: readonly { readonly symbol: string; readonly reason: string }[];
}

/**
 * The spot positions that are ours, for reconciliation (a spot venue's `positions()` is empty). Per spot
 * symbol:
 *
 * 1. Last known position: the engine's book when it holds one, else our fills replayed (a BUY adds the
 *    base received, its quantity minus a base-asset commission, at the fill price; a SELL removes its
 *    quantity; a rest below one sellable lot is flat, as the engine writes it off).
 * 2. Held: the venue's base balance, free + locked.
 * 3. Our open stop-loss sells on the symbol (their quantity).
 *
 * quantity = min(last known, held): the base bought by our entries that is still there (a stop or a
 * close filled while down leaves less base; other holdings of the base asset are never adopted). When
 * the fills know no position but our stop-loss is open (a lost journal), quantity = min(stop quantity,
 * held) at the entry price of the stop's journaled signal (the stop's unfilled quantity); without that
 * signal the symbol is `unresolved`. When our fills of the stop's trade are known and replay to flat,
 * the stop is an orphan: nothing is adopted from it (other base held is never ours). A quantity below one sellable lot (dust) is no position.
 */
export function spotPositions(input: SpotPositionsInput): SpotPositionsResult {
  const positions: VenuePosition[] = [];
  const unresolved: { symbol: string; reason: string }[] = [];
  const ours = (id: string): boolean => parseClientOrderId(id)?.prefix === input.prefix;
  const held = new Map<string, Decimal>();
  for (const b of input.balances) {
    held.set(b.asset, Decimal.parse(b.free).add(Decimal.parse(b.locked)));
  }
  for (const instrument of input.instruments) {
    if (instrument.market !== 'spot') continue;
    const symbol = instrument.symbol;
    const base = held.get(instrument.baseAsset) ?? Decimal.ZERO;
    const stops = input.openOrders.filter(
      (o) =>
        o.symbol === symbol &&
        o.side === 'SELL' &&
        ours(o.clientOrderId) &&
        parseClientOrderId(o.clientOrderId)?.role === 'sl',
    );
    const ourFills = input.fills.filter((f) => f.symbol === symbol && ours(f.clientOrderId));
    const last = input.known?.(symbol) ?? replaySpotFills(instrument, ourFills);
    let quantity: Decimal;
    let entry: Decimal;
    if (last !== undefined && last.quantity.sign() > 0) {
      quantity = Decimal.min(last.quantity, base);
      entry = last.avgEntry;
    } else if (stops.length > 0) {
      const key = parseClientOrderId(stops[0]?.clientOrderId ?? '')?.key;
      // our fills of that trade are known and say flat (e.g. closed by our take-profit sell): the stop is
      // an orphan, and adopting from it could take the account's own base for ours. Flat: the engine
      // treats the stop as any orphan protective order.
      if (ourFills.some((f) => parseClientOrderId(f.clientOrderId)?.key === key)) continue;
      let stopQty = Decimal.ZERO;
      for (const o of stops)
        stopQty = stopQty.add(Decimal.parse(o.quantity).sub(Decimal.parse(o.filledQuantity)));
      const signal = input.signals.find((s) => signalKey(s.id) === key && s.side === 'BUY');
      if (signal === undefined || !(signal.entry > 0)) {
        unresolved.push({
          symbol,
          reason: `our stop-loss ${stops.map((o) => o.clientOrderId).join(',')} is open but neither our fills nor its signal tell the position`,
        });
        continue;
      }
      quantity = Decimal.min(stopQty, base);
      entry = Decimal.fromNumber(signal.entry);
    } else {
      continue;
    }
    if (sellableQuantity(instrument, quantity).isZero()) continue;
    positions.push({ symbol, quantity: quantity.toString(), entryPrice: entry.toString(), leverage: 1 });
  }
  return { positions, unresolved };
}

/** Quote a spot position cost (quantity x average entry): the engine's account counts it as margin in use. */
export function spotPositionCost(positions: readonly VenuePosition[]): Decimal {
  let sum = Decimal.ZERO;
  for (const p of positions) sum = sum.add(Decimal.parse(p.quantity).abs().mul(Decimal.parse(p.entryPrice)));
  return sum;
}

/** Our spot fills replayed into a long position (undefined when flat). */
function replaySpotFills(instrument: Instrument, fills: readonly Fill[]): KnownSpotPosition | undefined {
  let qty = Decimal.ZERO;
  let cost = Decimal.ZERO;
  for (const f of fills) {
    let q = Decimal.parse(f.quantity);
    if (f.side === 'BUY') {
      if (f.commissionAsset === instrument.baseAsset) q = q.sub(Decimal.parse(f.commission));
      qty = qty.add(q);
      cost = cost.add(q.mul(Decimal.parse(f.price)));
    } else {
      const before = qty;
      qty = qty.sub(q);
      // a rest below one sellable lot is written off (the engine's dust rule); never short on spot
      if (qty.sign() <= 0 || sellableQuantity(instrument, qty).isZero()) qty = Decimal.ZERO;
      cost = before.sign() > 0 ? cost.mul(qty).div(before, 12, 'nearest') : Decimal.ZERO;
    }
    if (qty.isZero()) cost = Decimal.ZERO;
  }
  if (qty.sign() <= 0) return undefined;
  return { quantity: qty, avgEntry: cost.div(qty, 12, 'nearest') };
}

/** The part of `quantity` a market sell can carry (rounded down to the market lot step; 0 below the minimum). */
function sellableQuantity(instrument: Instrument, quantity: Decimal): Decimal {
  const q = Decimal.parse(roundQuantity(instrument, quantity, 'down', true));
  const spec = instrumentSpec(instrument);
  const min = spec.marketMinQty ?? spec.minQty;
  return q.sign() <= 0 || q.lt(min) ? Decimal.ZERO : q;
}
