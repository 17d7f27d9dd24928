import { AegisError } from '../../core/errors.js';

/**
 * TA-Lib's zero test (`TA_IS_ZERO` in ta_utility.h): a denominator inside (-TA_EPSILON, TA_EPSILON) is
 * treated as zero. Used by RSI (flat window) and ADX (zero true range / zero DI sum) so their outputs
 * branch where TA-Lib's do. Current TA-Lib sources use 1e-14; TA-Lib 0.4 used 1e-8, which would turn
 * the RSI of a sub-cent coin (moves of 1e-8) into 0. The reference data never comes near either bound
 * (smallest average gain + loss on XRPETH: 1.8e-7), so no TA-Lib file pins this choice.
 */
export const TA_EPSILON = 1e-14;

/** True when `v` is zero in TA-Lib's sense (see {@link TA_EPSILON}). */
export function isZeroTa(v: number): boolean {
  return v > -TA_EPSILON && v < TA_EPSILON;
}

/** Throws CONFIG_INVALID unless `value` is an integer >= `min` (indicator periods come from config). */
export function checkPeriod(name: string, value: number, min = 1): void {
  if (!Number.isInteger(value) || value < min) {
    throw new AegisError('CONFIG_INVALID', `${name} must be an integer >= ${min}, got ${value}`, {
      context: { name, value },
    });
  }
}

/** Throws CONFIG_INVALID unless `value` is a finite number >= 0. */
export function checkNonNegative(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) {
    throw new AegisError('CONFIG_INVALID', `${name} must be a finite number >= 0, got ${value}`, {
      context: { name, value },
    });
  }
}

/**
 * Wilder's true range in TA-Lib's order (TA_TRANGE / TRUE_RANGE macro): the largest of high-low,
 * |prevClose-high| and |prevClose-low|.
 */
export function trueRange(high: number, low: number, prevClose: number): number {
  let greatest = high - low;
  const a = Math.abs(prevClose - high);
  if (a > greatest) greatest = a;
  const b = Math.abs(prevClose - low);
  if (b > greatest) greatest = b;
  return greatest;
}
