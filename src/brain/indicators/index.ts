/**
 * Streaming technical indicators for the brain. Common conventions:
 * - `update(...)` / `add(...)` commit a closed candle; `replace(...)` previews the forming candle without
 *   committing it (each replace replaces the previous preview; the next add commits a new bar).
 * - `ready` is false during warm-up and `value` is then NaN (never undefined).
 * - Plain numbers in, plain numbers out: no allocation per update.
 */
export { ADX } from './adx.js';
export { ATR } from './atr.js';
export { atr, rsi, RSI_NEUTRAL } from './batch.js';
export { BollingerBands } from './bollinger.js';
export { checkPeriod, isZeroTa, TA_EPSILON, trueRange } from './common.js';
export { EMA } from './ema.js';
export { MACD } from './macd.js';
export { OBV } from './obv.js';
export { RollingExtreme } from './rolling-extreme.js';
export { RSI } from './rsi.js';
export { SMA } from './sma.js';
export { Stochastic } from './stochastic.js';
export { VWAP } from './vwap.js';
