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

export class Decimal {
  /** value = units / 10^scale */
  readonly units: bigint;
  readonly scale: number;

  /** `normalised`: the caller guarantees no trailing fraction zeros and scale 0 for zero (skips the loop). */
  private constructor(units: bigint, scale: number, normalised = false) {
    if (!normalised && scale > 0) {
      // normalise: strip trailing zeros of the fraction
      if (units === 0n) {
        scale = 0;
      } else {
        while (scale > 0 && units % 10n === 0n) {
          units /= 10n;
          scale -= 1;
        }
      }
    }
    this.units = units;
    this.scale = scale;
  }

  static readonly ZERO = new Decimal(0n, 0);
  static readonly ONE = new Decimal(1n, 0);

  /** Build from integer units and a scale (value = units / 10^scale). */
  static of(units: bigint, scale = 0): Decimal {
    if (!Number.isInteger(scale) || scale < 0) {
      throw new DecimalError(`Decimal scale must be an integer >= 0, got ${scale}`, String(scale));
    }
    return new Decimal(units, scale);
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
    return Decimal.fromMatch(m);
  }

  /** From a PLAIN match: trailing fraction zeros are cut from the text, so no BigInt normalisation runs. */
  private static fromMatch(m: RegExpExecArray): Decimal {
    const intPart = m[2] ?? '0';
    let frac = m[3] ?? '';
    let end = frac.length;
    while (end > 0 && frac.charCodeAt(end - 1) === 48 /* '0' */) end--;
    if (end < frac.length) frac = frac.slice(0, end);
    const magnitude = BigInt(intPart + frac);
    if (magnitude === 0n) return Decimal.ZERO;
    return new Decimal(m[1] === '-' ? -magnitude : magnitude, end, true);
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
    // an integer below 2^53 is exact as a BigInt (no string round trip); -0 is 0
    if (Number.isSafeInteger(value)) return value === 0 ? Decimal.ZERO : new Decimal(BigInt(value), 0, true);
    const text = String(value);
    const plain = PLAIN.exec(text);
    if (plain !== null) return Decimal.fromMatch(plain);
    const m = SCI.exec(text);
    if (m === null) throw new DecimalError(`Cannot convert number to decimal: ${text}`, text);
    const sign = m[1] === '-' ? -1n : 1n;
    const frac = m[3] ?? '';
    const units = sign * BigInt((m[2] ?? '0') + frac);
    const exp = Number(m[4]) - frac.length;
    return exp >= 0 ? new Decimal(units * pow10(exp), 0) : new Decimal(units, -exp);
  }

  add(other: Decimal): Decimal {
    const a = this.scale;
    const b = other.scale;
    if (a === b) return new Decimal(this.units + other.units, a);
    if (a > b) return new Decimal(this.units + other.units * pow10(a - b), a);
    return new Decimal(this.units * pow10(b - a) + other.units, b);
  }

  sub(other: Decimal): Decimal {
    const a = this.scale;
    const b = other.scale;
    if (a === b) return new Decimal(this.units - other.units, a);
    if (a > b) return new Decimal(this.units - other.units * pow10(a - b), a);
    return new Decimal(this.units * pow10(b - a) - other.units, b);
  }

  mul(other: Decimal): Decimal {
    return new Decimal(this.units * other.units, this.scale + other.scale);
  }

  /** this / other rounded to `scale` decimals with `mode`. */
  div(other: Decimal, scale: number, mode: RoundingMode = 'nearest'): Decimal {
    if (other.units === 0n)
      throw new DecimalError(`Division by zero: ${this.toString()} / 0`, this.toString());
    // this/other = (u1/10^s1)/(u2/10^s2); result units at `scale` = u1*10^(scale+s2) / (u2*10^s1)
    const num = this.units * pow10(scale + other.scale);
    const den = other.units * pow10(this.scale);
    return new Decimal(divRound(num, den, mode), scale);
  }

  neg(): Decimal {
    return new Decimal(-this.units, this.scale, true);
  }

  abs(): Decimal {
    return this.units < 0n ? this.neg() : this;
  }

  /** -1, 0 or 1. */
  sign(): -1 | 0 | 1 {
    return this.units < 0n ? -1 : this.units > 0n ? 1 : 0;
  }

  isZero(): boolean {
    return this.units === 0n;
  }

  /** -1 if this < other, 0 if equal, 1 if greater. */
  cmp(other: Decimal): -1 | 0 | 1 {
    const a = this.scale;
    const b = other.scale;
    const x = a >= b ? this.units : this.units * pow10(b - a);
    const y = b >= a ? other.units : other.units * pow10(a - b);
    return x < y ? -1 : x > y ? 1 : 0;
  }

  eq(other: Decimal): boolean {
    return this.units === other.units && this.scale === other.scale;
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
    if (step.units <= 0n) {
      throw new DecimalError(`Step size must be > 0, got ${step.toString()}`, step.toString());
    }
    const a = this.scale;
    const b = step.scale;
    const x = a >= b ? this.units : this.units * pow10(b - a);
    const y = b >= a ? step.units : step.units * pow10(a - b);
    return new Decimal(divRound(x, y, mode) * y, a >= b ? a : b);
  }

  /** Round to `decimals` places after the point. */
  roundToScale(decimals: number, mode: RoundingMode): Decimal {
    if (this.scale <= decimals) return this;
    return new Decimal(divRound(this.units, pow10(this.scale - decimals), mode), decimals);
  }

  /** True when this is an exact multiple of `step` (step > 0). */
  isMultipleOf(step: Decimal): boolean {
    if (step.units <= 0n) return false;
    const a = this.scale;
    const b = step.scale;
    const x = a >= b ? this.units : this.units * pow10(b - a);
    const y = b >= a ? step.units : step.units * pow10(a - b);
    return x % y === 0n;
  }

  /** Plain decimal without trailing zeros: "0.001", "-5", "0". */
  toString(): string {
    const neg = this.units < 0n;
    const digits = (neg ? -this.units : this.units).toString();
    if (this.scale === 0) return neg ? `-${digits}` : digits;
    const padded = digits.padStart(this.scale + 1, '0');
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
