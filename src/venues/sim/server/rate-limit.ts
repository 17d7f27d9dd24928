/**
 * Binance-style request-weight and order-count accounting on the server clock (fixed windows aligned to
 * the minute and to 10 s, as Binance's X-MBX-USED-WEIGHT-1M / X-MBX-ORDER-COUNT-10S counters reset).
 * Over a limit -> 429 with Retry-After (seconds to the window's end); more than `banAfter429s` 429s in a
 * minute window -> 418 for `banMs`, Retry-After again (/work/shared/reference/binance-api.md section 7).
 */
import type { ApiError } from './auth.js';

export interface RateLimitOptions {
  /** REQUEST_WEIGHT per minute (Binance USDⓈ-M: 2400). */
  readonly requestWeightPerMinute?: number;
  /** ORDERS per minute (1200). */
  readonly ordersPerMinute?: number;
  /** ORDERS per 10 s (300). */
  readonly ordersPer10s?: number;
  /** 429 answers tolerated in one minute window before the ban (418). Default 3. */
  readonly banAfter429s?: number;
  /** Ban length (Binance: 2 minutes for a first offence, up to 3 days). Default 120000. */
  readonly banMs?: number;
}

export interface Admission {
  /** Undefined = serve the request. */
  readonly error: (ApiError & { readonly retryAfterS: number }) | undefined;
  readonly headers: Readonly<Record<string, string>>;
}

const MINUTE = 60_000;
const TEN_S = 10_000;

export class RateLimiter {
  readonly requestWeightPerMinute: number;
  readonly ordersPerMinute: number;
  readonly ordersPer10s: number;
  private readonly banAfter: number;
  private readonly banMs: number;
  private minuteWindow = -1;
  private tenSWindow = -1;
  private weight = 0;
  private orders1m = 0;
  private orders10s = 0;
  private violations = 0;
  private bannedUntil = 0;

  constructor(options: RateLimitOptions = {}) {
    this.requestWeightPerMinute = options.requestWeightPerMinute ?? 2400;
    this.ordersPerMinute = options.ordersPerMinute ?? 1200;
    this.ordersPer10s = options.ordersPer10s ?? 300;
    this.banAfter = options.banAfter429s ?? 3;
    this.banMs = options.banMs ?? 120_000;
  }

  /** Count a request of `weight` (and one order when `order`) at `now`; say whether to serve it. */
  admit(now: number, weight: number, order: boolean): Admission {
    this.roll(now);
    if (now < this.bannedUntil) {
      return {
        error: {
          status: 418,
          code: -1003,
          msg: `Way too many requests; IP(127.0.0.1) banned until ${this.bannedUntil}. Please use the websocket for live updates to avoid bans.`,
          retryAfterS: Math.ceil((this.bannedUntil - now) / 1000),
        },
        headers: this.headers(order),
      };
    }
    this.weight += weight;
    if (order) {
      this.orders1m++;
      this.orders10s++;
    }
    let error: ApiError | undefined;
    let windowEnd = 0;
    if (this.weight > this.requestWeightPerMinute) {
      error = {
        status: 429,
        code: -1003,
        msg: `Too many requests; current limit of IP(127.0.0.1) is ${this.requestWeightPerMinute} requests per minute. Please use the websocket for live updates to avoid polling the API.`,
      };
      windowEnd = (this.minuteWindow + 1) * MINUTE;
    } else if (order && this.orders10s > this.ordersPer10s) {
      error = {
        status: 429,
        code: -1015,
        msg: `Too many new orders; current limit is ${this.ordersPer10s} orders per TEN_SECONDS.`,
      };
      windowEnd = (this.tenSWindow + 1) * TEN_S;
    } else if (order && this.orders1m > this.ordersPerMinute) {
      error = {
        status: 429,
        code: -1015,
        msg: `Too many new orders; current limit is ${this.ordersPerMinute} orders per MINUTE.`,
      };
      windowEnd = (this.minuteWindow + 1) * MINUTE;
    }
    if (error === undefined) return { error: undefined, headers: this.headers(order) };
    this.violations++;
    if (this.violations > this.banAfter) {
      this.bannedUntil = now + this.banMs;
      return this.admit(now, 0, false);
    }
    return {
      error: { ...error, retryAfterS: Math.max(1, Math.ceil((windowEnd - now) / 1000)) },
      headers: this.headers(order),
    };
  }

  /** Fault injection: count `weight` more in the current minute window (no order, no 429 by itself). */
  addWeight(now: number, weight: number): void {
    this.roll(now);
    this.weight += weight;
  }

  private roll(now: number): void {
    const m = Math.floor(now / MINUTE);
    if (m !== this.minuteWindow) {
      this.minuteWindow = m;
      this.weight = 0;
      this.orders1m = 0;
      this.violations = 0;
    }
    const t = Math.floor(now / TEN_S);
    if (t !== this.tenSWindow) {
      this.tenSWindow = t;
      this.orders10s = 0;
    }
  }

  private headers(order: boolean): Record<string, string> {
    const h: Record<string, string> = { 'X-MBX-USED-WEIGHT-1M': String(this.weight) };
    if (order) {
      h['X-MBX-ORDER-COUNT-1M'] = String(this.orders1m);
      h['X-MBX-ORDER-COUNT-10S'] = String(this.orders10s);
    }
    return h;
  }
}
