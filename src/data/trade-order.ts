import type { Trade } from '../domain/market.js';
import { isNonNegative, isPositive } from './validate.js';

/**
 * How the data layer treats a trade that follows `last` (the previous accepted trade; undefined: none yet):
 * - 'invalid': price not a finite number > 0, quantity not a finite number >= 0, or time +Infinity / NaN;
 * - 'older-time': its time is before the previous trade's;
 * - 'repeat': the same id, time, price and quantity as the previous trade (a duplicate, dropped);
 * - 'older-id': its id is below the previous trade's;
 * - 'accept': anything else (it becomes the new `last`).
 * The checks run in that order. Pure: used by the data engine (ingestTrade) and by the backtest trade
 * replay, which must agree on which trades count.
 */
export type TradeOrder = 'accept' | 'invalid' | 'older-time' | 'repeat' | 'older-id';

export function tradeOrder(last: Trade | undefined, t: Trade): TradeOrder {
  const time = t.time;
  if (!(isPositive(t.price) && isNonNegative(t.qty) && time < Infinity)) return 'invalid';
  if (last === undefined) return 'accept';
  if (!(time >= last.time)) return 'older-time';
  if (t.id === last.id && time === last.time && t.price === last.price && t.qty === last.qty) return 'repeat';
  if (t.id < last.id) return 'older-id';
  return 'accept';
}
