/**
 * Reconciliation support (the policy is in docs/reconciliation.md; TradeEngine.reconcile runs it).
 *
 * - `TradeHistory`: what reconciliation reads from the journal (the store's Journal satisfies it).
 * - `protectiveLevels`: the stop-loss / take-profit trigger prices of a position found at the venue:
 *   the journaled signal's levels when its signal is known and on the position's side, else the
 *   configured default distances from the venue's entry price, rounded to the tick.
 */
import { Decimal } from '../domain/decimal.js';
import { type Instrument, roundPrice } from '../domain/instrument.js';
import type { Fill, OrderEvent } from '../domain/order.js';
import type { Signal } from '../domain/signal.js';

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
