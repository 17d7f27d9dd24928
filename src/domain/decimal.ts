/**
 * Exact decimal arithmetic for the order path (ARCHITECTURE.md principle 5: money is never a float there).
 *
 * A Decimal is `units / 10^scale` with a BigInt `units`, normalised so that the fraction has no trailing
 * zeros (`"0.00100000"` is stored as units 1, scale 3). Values are immutable. Parsing accepts only plain
 * decimal strings (`-12.340`, `5`, `0.001`): no exponent, no `NaN`, no spaces, no leading `.`.
 *
 * Rounding modes used by `roundToStep` and `div`:
 * - `down`: toward -infinity (floor). For the positive prices and quantities of an order this never
 *   exceeds the input.
 * - `up`: toward +infinity (ceiling).
 * - `nearest`: to the nearest multiple; an exact tie goes up (toward +infinity).
 */
import { AegisError } from '../core/errors.js';

export type RoundingMode = 'down' | 'up' | 'nearest';

/** A string that is not a plain decimal, or an operation that has no exact answer (step 0, divide by 0). */
export class DecimalError extends AegisError {
  constructor(message: string, value: string) {
    super('DATA_REJECTED', message, { context: { value } });
  }
}

const PLAIN = /^([+-]?)(\d+)(?:\.(\d+))?$/;
const SCI = /^([+-]?)(\d+)(?:\.(\d+))?e([+-]?\d+)$/i;
const MAX_CHARS = 100;

const POW10: bigint[] = [];
function pow10(n: number): bigint {
  let p = POW10[n];
  if (p === undefined) {
    p = 10n ** BigInt(n);
    if (n < 64) POW10[n] = p;
  }
  return p;
}

/** 10^0 .. 10^22: every one is exact as a double. */
const POW10_NUM: readonly number[] = Array.from({ length: 23 }, (_, i) => 10 ** i);
const MAX_POW10_NUM = 22;
/** Up to 15 digits is always below 2^53 (9,007,199,254,740,991 has 16). */
const MAX_SAFE_DIGITS = 15;
const MIN_SAFE_BIG = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE_BIG = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * x * 10^k as a safe integer, or NaN when that is not exact (x a safe integer). A double product of two
 * exact integers is exact whenever the true product is a safe integer, and when it is not, the rounded
 * product is >= 2^53 in magnitude (rounding is monotonic, 2^53 is a double): the check cannot be fooled.
 */
function scaleNum(x: number, k: number): number {
  if (k === 0) return x;
  if (k > MAX_POW10_NUM) return x === 0 ? 0 : Number.NaN;
  const r = x * (POW10_NUM[k] as number);
  return Number.isSafeInteger(r) ? r : Number.NaN;
}

/** floor/ceil/nearest of num/den for any signs (den != 0). */
function divRound(num: bigint, den: bigint, mode: RoundingMode): bigint {
  if (den < 0n) {
    num = -num;
    den = -den;
  }
  let q = num / den; // truncates toward zero
  const r = num - q * den;
  if (r === 0n) return q;
  // q is now trunc; make it floor
  if (r < 0n) q -= 1n;
  const rem = num - q * den; // 0 < rem < den
  switch (mode) {
    case 'down':
      return q;
    case 'up':
      return q + 1n;
    case 'nearest':
      return rem * 2n >= den ? q + 1n : q;
  }
}

/**
 * divRound on safe integers, exactly: `%` on doubles is exact (fmod), so num - r is an exact multiple of
 * den and the quotient of the two is exact. Every intermediate is a safe integer (|q x den| <= |num|, and
 * 2 x rem < 2^54 is exact: doubling never rounds).
 */
function divRoundNum(num: number, den: number, mode: RoundingMode): number {
  if (den < 0) {
    num = -num;
    den = -den;
  }
  const r = num % den; // exact; the sign of num
  let q = (num - r) / den; // trunc, exact
  if (r === 0) return q;
  if (r < 0) q -= 1;
  const rem = r < 0 ? r + den : r; // 0 < rem < den
  switch (mode) {
    case 'down':
      return q;
    case 'up':
      return q + 1;
    case 'nearest':
      return rem * 2 >= den ? q + 1 : q;
  }
}

/**
 * Units are held as a double while they are a safe integer (|units| < 2^53: every value the order path
 * sees) and as a BigInt beyond: `big` is undefined exactly when `|units| <= Number.MAX_SAFE_INTEGER`, so
 * one value has one representation. An operation on two double-backed values runs in doubles when every
 * intermediate is a safe integer (checked, exact results only) and falls back to BigInt otherwise.
 */
export class Decimal {
  /** The units when `big` is undefined (never -0). */
  private readonly small: number;
  private readonly big: bigint | undefined;
  readonly scale: number;

  /** Already normalised and canonical (see the class comment); use fromNum / fromBig. */
  private constructor(small: number, big: bigint | undefined, scale: number) {
    this.small = small;
    this.big = big;
    this.scale = scale;
  }

  static readonly ZERO = new Decimal(0, undefined, 0);
  static readonly ONE = new Decimal(1, undefined, 0);

  /** value = units / 10^scale */
  get units(): bigint {
    return this.big ?? BigInt(this.small);
  }

  /** From safe-integer units: strips trailing fraction zeros (exact divisions by 10). */
  private static fromNum(units: number, scale: number): Decimal {
    if (units === 0) return Decimal.ZERO;
    while (scale > 0 && units % 10 === 0) {
      units /= 10;
      scale -= 1;
    }
    return new Decimal(units, undefined, scale);
  }

  /** From BigInt units: normalised, then held as a double when it fits. */
  private static fromBig(units: bigint, scale: number): Decimal {
    if (units === 0n) return Decimal.ZERO;
    if (units >= MIN_SAFE_BIG && units <= MAX_SAFE_BIG) return Decimal.fromNum(Number(units), scale);
    while (scale > 0 && units % 10n === 0n) {
      units /= 10n;
      scale -= 1;
    }
    if (units >= MIN_SAFE_BIG && units <= MAX_SAFE_BIG) return new Decimal(Number(units), undefined, scale);
    return new Decimal(0, units, scale);
  }

  /** Build from integer units and a scale (value = units / 10^scale). */
  static of(units: bigint, scale = 0): Decimal {
    if (!Number.isInteger(scale) || scale < 0) {
      throw new DecimalError(`Decimal scale must be an integer >= 0, got ${scale}`, String(scale));
    }
    return Decimal.fromBig(units, scale);
  }

  /** Parse a plain decimal string ("0.00100000", "-5", "12.5"). Throws DecimalError naming the value. */
  static parse(text: string): Decimal {
    const m = text.length <= MAX_CHARS ? PLAIN.exec(text) : null;
    if (m === null) {
      const shown = text.length > 40 ? `${text.slice(0, 40)}...` : text;
      throw new DecimalError(
        `Not a plain decimal number: "${shown}" (expected digits with an optional sign and one '.', no exponent)`,
        shown,
      );
    }
    return Decimal.fromParts(m[1] === '-', m[2] ?? '0', m[3] ?? '');
  }

  /** From the sign, integer digits and fraction digits of a plain decimal. */
  private static fromParts(neg: boolean, intPart: string, frac: string): Decimal {
    let end = frac.length;
    while (end > 0 && frac.charCodeAt(end - 1) === 48 /* '0' */) end--;
    if (end < frac.length) frac = frac.slice(0, end);
    const digits = intPart + frac;
    if (digits.length <= MAX_SAFE_DIGITS) {
      const magnitude = Number(digits);
      if (magnitude === 0) return Decimal.ZERO;
      return new Decimal(neg ? -magnitude : magnitude, undefined, end);
    }
    const magnitude = BigInt(digits);
    return Decimal.fromBig(neg ? -magnitude : magnitude, end);
  }

  /** True when `text` parses. */
  static isValid(text: string): boolean {
    return text.length <= MAX_CHARS && PLAIN.test(text);
  }

  /**
   * Exact value of a finite JS number's shortest round-trip string (`0.1` -> "0.1", `1e-7` -> "0.0000001").
   * For market data (floats) entering the order path; round the result to the tick or step next.
   */
  static fromNumber(value: number): Decimal {
    if (!Number.isFinite(value)) {
      throw new DecimalError(`Not a finite number: ${value}`, String(value));
    }
    // an integer below 2^53 is its own units; -0 is 0
    if (Number.isSafeInteger(value)) return value === 0 ? Decimal.ZERO : new Decimal(value, undefined, 0);
    const text = String(value);
    // String(number) is "[-]digits[.digits]" or has an exponent: the plain form is split without a regex
    if (!text.includes('e')) {
      const neg = text.charCodeAt(0) === 45; /* '-' */
      const dot = text.indexOf('.');
      const from = neg ? 1 : 0;
      return dot < 0
        ? Decimal.fromParts(neg, text.slice(from), '')
        : Decimal.fromParts(neg, text.slice(from, dot), text.slice(dot + 1));
    }
    const m = SCI.exec(text);
    if (m === null) throw new DecimalError(`Cannot convert number to decimal: ${text}`, text);
    const sign = m[1] === '-' ? -1n : 1n;
    const frac = m[3] ?? '';
    const units = sign * BigInt((m[2] ?? '0') + frac);
    const exp = Number(m[4]) - frac.length;
    return exp >= 0 ? Decimal.fromBig(units * pow10(exp), 0) : Decimal.fromBig(units, -exp);
  }

  add(other: Decimal): Decimal {
    const a = this.scale;
    const b = other.scale;
    if (this.big === undefined && other.big === undefined) {
      const r =
        a >= b ? this.small + scaleNum(other.small, a - b) : scaleNum(this.small, b - a) + other.small;
      if (Number.isSafeInteger(r)) return Decimal.fromNum(r, a >= b ? a : b);
    }
    const x = this.units;
    const y = other.units;
    if (a === b) return Decimal.fromBig(x + y, a);
    if (a > b) return Decimal.fromBig(x + y * pow10(a - b), a);
    return Decimal.fromBig(x * pow10(b - a) + y, b);
  }

  sub(other: Decimal): Decimal {
    const a = this.scale;
    const b = other.scale;
    if (this.big === undefined && other.big === undefined) {
      const r =
        a >= b ? this.small - scaleNum(other.small, a - b) : scaleNum(this.small, b - a) - other.small;
      if (Number.isSafeInteger(r)) return Decimal.fromNum(r, a >= b ? a : b);
    }
    const x = this.units;
    const y = other.units;
    if (a === b) return Decimal.fromBig(x - y, a);
    if (a > b) return Decimal.fromBig(x - y * pow10(a - b), a);
    return Decimal.fromBig(x * pow10(b - a) - y, b);
  }

  mul(other: Decimal): Decimal {
    if (this.big === undefined && other.big === undefined) {
      const r = this.small * other.small;
      if (Number.isSafeInteger(r)) return Decimal.fromNum(r, this.scale + other.scale);
    }
    return Decimal.fromBig(this.units * other.units, this.scale + other.scale);
  }

  /** this / other rounded to `scale` decimals with `mode`. */
  div(other: Decimal, scale: number, mode: RoundingMode = 'nearest'): Decimal {
    if (other.isZero()) throw new DecimalError(`Division by zero: ${this.toString()} / 0`, this.toString());
    // this/other = (u1/10^s1)/(u2/10^s2); result units at `scale` = u1*10^(scale+s2) / (u2*10^s1)
    if (this.big === undefined && other.big === undefined) {
      const num = scaleNum(this.small, scale + other.scale);
      const den = scaleNum(other.small, this.scale);
      // NaN fails isSafeInteger
      if (Number.isSafeInteger(num) && Number.isSafeInteger(den)) {
        return Decimal.fromNum(divRoundNum(num, den, mode), scale);
      }
    }
    const num = this.units * pow10(scale + other.scale);
    const den = other.units * pow10(this.scale);
    return Decimal.fromBig(divRound(num, den, mode), scale);
  }

  neg(): Decimal {
    if (this.big === undefined)
      return this.small === 0 ? this : new Decimal(-this.small, undefined, this.scale);
    return Decimal.fromBig(-this.big, this.scale);
  }

  abs(): Decimal {
    return this.sign() < 0 ? this.neg() : this;
  }

  /** -1, 0 or 1. */
  sign(): -1 | 0 | 1 {
    const big = this.big;
    if (big === undefined) return this.small < 0 ? -1 : this.small > 0 ? 1 : 0;
    return big < 0n ? -1 : 1;
  }

  isZero(): boolean {
    return this.big === undefined && this.small === 0;
  }

  /** -1 if this < other, 0 if equal, 1 if greater. */
  cmp(other: Decimal): -1 | 0 | 1 {
    const a = this.scale;
    const b = other.scale;
    if (this.big === undefined && other.big === undefined) {
      const x = a >= b ? this.small : scaleNum(this.small, b - a);
      const y = b >= a ? other.small : scaleNum(other.small, a - b);
      // NaN (not exact) fails both comparisons and the equality: the BigInt path decides
      if (x < y) return -1;
      if (x > y) return 1;
      if (x === y) return 0;
    }
    const x = a >= b ? this.units : this.units * pow10(b - a);
    const y = b >= a ? other.units : other.units * pow10(a - b);
    return x < y ? -1 : x > y ? 1 : 0;
  }

  eq(other: Decimal): boolean {
    return this.small === other.small && this.big === other.big && this.scale === other.scale;
  }
  lt(other: Decimal): boolean {
    return this.cmp(other) < 0;
  }
  lte(other: Decimal): boolean {
    return this.cmp(other) <= 0;
  }
  gt(other: Decimal): boolean {
    return this.cmp(other) > 0;
  }
  gte(other: Decimal): boolean {
    return this.cmp(other) >= 0;
  }

  static min(a: Decimal, b: Decimal): Decimal {
    return a.lte(b) ? a : b;
  }
  static max(a: Decimal, b: Decimal): Decimal {
    return a.gte(b) ? a : b;
  }

  /** Round to a multiple of `step` ("0.00100000", "0.5", "10"). Step must be > 0. */
  roundToStep(step: Decimal, mode: RoundingMode): Decimal {
    if (step.sign() <= 0) {
      throw new DecimalError(`Step size must be > 0, got ${step.toString()}`, step.toString());
    }
    const a = this.scale;
    const b = step.scale;
    const scale = a >= b ? a : b;
    if (this.big === undefined && step.big === undefined) {
      const x = a >= b ? this.small : scaleNum(this.small, b - a);
      const y = b >= a ? step.small : scaleNum(step.small, a - b);
      if (Number.isSafeInteger(x) && Number.isSafeInteger(y)) {
        const r = divRoundNum(x, y, mode) * y;
        if (Number.isSafeInteger(r)) return Decimal.fromNum(r, scale);
      }
    }
    const x = a >= b ? this.units : this.units * pow10(b - a);
    const y = b >= a ? step.units : step.units * pow10(a - b);
    return Decimal.fromBig(divRound(x, y, mode) * y, scale);
  }

  /** Round to `decimals` places after the point. */
  roundToScale(decimals: number, mode: RoundingMode): Decimal {
    if (this.scale <= decimals) return this;
    const k = this.scale - decimals;
    if (this.big === undefined && k <= MAX_POW10_NUM) {
      return Decimal.fromNum(divRoundNum(this.small, POW10_NUM[k] as number, mode), decimals);
    }
    return Decimal.fromBig(divRound(this.units, pow10(k), mode), decimals);
  }

  /** True when this is an exact multiple of `step` (step > 0). */
  isMultipleOf(step: Decimal): boolean {
    if (step.sign() <= 0) return false;
    const a = this.scale;
    const b = step.scale;
    if (this.big === undefined && step.big === undefined) {
      const x = a >= b ? this.small : scaleNum(this.small, b - a);
      const y = b >= a ? step.small : scaleNum(step.small, a - b);
      if (Number.isSafeInteger(x) && Number.isSafeInteger(y)) return x % y === 0;
    }
    const x = a >= b ? this.units : this.units * pow10(b - a);
    const y = b >= a ? step.units : step.units * pow10(a - b);
    return x % y === 0n;
  }

  /** Plain decimal without trailing zeros: "0.001", "-5", "0". */
  toString(): string {
    const big = this.big;
    // a safe integer prints as plain digits (String uses an exponent only from 1e21)
    const neg = big === undefined ? this.small < 0 : big < 0n;
    const digits = big === undefined ? String(neg ? -this.small : this.small) : (neg ? -big : big).toString();
    if (this.scale === 0) return neg ? `-${digits}` : digits;
    const padded = digits.length > this.scale ? digits : digits.padStart(this.scale + 1, '0');
    const cut = padded.length - this.scale;
    return `${neg ? '-' : ''}${padded.slice(0, cut)}.${padded.slice(cut)}`;
  }

  /** Exactly `decimals` places ("0.00100000"); throws if that would drop non-zero digits. */
  toFixed(decimals: number): string {
    if (this.scale > decimals) {
      throw new DecimalError(
        `${this.toString()} has ${this.scale} decimals, more than the ${decimals} requested`,
        this.toString(),
      );
    }
    const text = this.toString();
    if (decimals === 0) return text;
    const dot = text.indexOf('.');
    const have = dot < 0 ? 0 : text.length - dot - 1;
    return (dot < 0 ? `${text}.` : text) + '0'.repeat(decimals - have);
  }

  /** Nearest float (for statistics and display only, never for the order path). */
  toNumber(): number {
    return Number(this.toString());
  }

  toJSON(): string {
    return this.toString();
  }
}

/** Shorthand for Decimal.parse. */
export function dec(text: string): Decimal {
  return Decimal.parse(text);
}
