import { ATR } from './atr.js';
import { RSI } from './rsi.js';

/** The RSI that {@link rsi} returns when there is not enough data or the window is flat. */
export const RSI_NEUTRAL = 50;

/**
 * Latest RSI of `closes` (TA-Lib's RSI, see {@link RSI}). Returns {@link RSI_NEUTRAL} (50) when there
 * are fewer than `period + 1` closes, and also when the window is flat (average gain and average loss
 * both 0), where TA-Lib itself would say 0. Never throws on short or flat input; throws
 * CONFIG_INVALID only for a period that is not an integer >= 2.
 */
export function rsi(closes: readonly number[], period = 14): number {
  const ind = new RSI(period);
  for (const c of closes) ind.update(c);
  if (!ind.ready || ind.flat) return RSI_NEUTRAL;
  return ind.value;
}

/**
 * Latest ATR (TA-Lib's ATR, see {@link ATR}) of the bars given as parallel arrays (extra elements of
 * longer arrays are ignored). Returns 0 when there are fewer than `period + 1` bars. Zero ranges give
 * 0. Never throws on short or flat input; throws CONFIG_INVALID only for a period that is not an
 * integer >= 1.
 */
export function atr(
  highs: readonly number[],
  lows: readonly number[],
  closes: readonly number[],
  period = 14,
): number {
  const ind = new ATR(period);
  const len = Math.min(highs.length, lows.length, closes.length);
  for (let i = 0; i < len; i++) ind.update(highs[i] as number, lows[i] as number, closes[i] as number);
  return ind.ready ? ind.value : 0;
}
