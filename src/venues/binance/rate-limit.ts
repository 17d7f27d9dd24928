/**
 * Rate-limit accounting from Binance response headers.
 * https://developers.binance.com/docs/binance-spot-api-docs/rest-api/limits
 * https://developers.binance.com/docs/derivatives/usds-margined-futures/general-info#limits
 *
 * Every response carries `X-MBX-USED-WEIGHT-<n><unit>`; order responses carry `X-MBX-ORDER-COUNT-<n><unit>`.
 * Counters run in fixed windows (a 1m counter resets at each minute), so the tracker remembers each
 * counter with the window it was read in and throttles *before* a request would cross `limit * headroom`.
 * 429 pauses everything until Retry-After; 418 (IP ban) halts until Retry-After.
 */
import type { MarketType } from '../../domain/market.js';

export type RateLimitKind = 'REQUEST_WEIGHT' | 'ORDERS';

export interface RateLimitRule {
  readonly kind: RateLimitKind;
  readonly intervalMs: number;
  readonly limit: number;
}

/** Published defaults (exchangeInfo.rateLimits; ../shared/reference/binance-api.md §7). */
export function defaultRateLimits(market: MarketType): RateLimitRule[] {
  return market === 'spot'
    ? [
        { kind: 'REQUEST_WEIGHT', intervalMs: 60_000, limit: 6000 },
        { kind: 'ORDERS', intervalMs: 10_000, limit: 100 },
        { kind: 'ORDERS', intervalMs: 86_400_000, limit: 200_000 },
      ]
    : [
        { kind: 'REQUEST_WEIGHT', intervalMs: 60_000, limit: 2400 },
        { kind: 'ORDERS', intervalMs: 60_000, limit: 1200 },
        { kind: 'ORDERS', intervalMs: 10_000, limit: 300 },
      ];
}

const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const HEADER = /^x-mbx-(used-weight|order-count)-(\d+)([smhd])$/;

interface Counter {
  value: number;
  /** Start of the window the value belongs to. */
  windowStart: number;
}

export type HeaderBag = Readonly<Record<string, string | string[] | undefined>>;

export class RateLimitTracker {
  private rules: RateLimitRule[];
  private readonly headroom: number;
  private readonly counters = new Map<string, Counter>();
  private pausedUntil = 0;
  private haltedUntil = 0;

  /** `headroom` is the fraction of each limit we allow ourselves (default 0.9). */
  constructor(rules: readonly RateLimitRule[], headroom = 0.9) {
    this.rules = [...rules];
    this.headroom = headroom;
  }

  setRules(rules: readonly RateLimitRule[]): void {
    this.rules = [...rules];
  }

  /** Record the counters a response reported. Header names are lower-case (node's http). */
  update(headers: HeaderBag, nowMs: number): void {
    for (const name in headers) {
      const m = HEADER.exec(name);
      if (m === null) continue;
      const raw = headers[name];
      const value = Number(Array.isArray(raw) ? raw[0] : raw);
      if (!Number.isFinite(value)) continue;
      const intervalMs = Number(m[2]) * (UNIT_MS[m[3] ?? ''] ?? 0);
      const kind: RateLimitKind = m[1] === 'used-weight' ? 'REQUEST_WEIGHT' : 'ORDERS';
      this.counters.set(`${kind}:${intervalMs}`, { value, windowStart: windowStart(nowMs, intervalMs) });
    }
  }

  /** Current count for a rule (0 once its window has rolled over). */
  used(kind: RateLimitKind, intervalMs: number, nowMs: number): number {
    const c = this.counters.get(`${kind}:${intervalMs}`);
    if (c?.windowStart !== windowStart(nowMs, intervalMs)) return 0;
    return c.value;
  }

  /** Account a request we are about to send (the next response header corrects it). */
  reserve(nowMs: number, weight: number, isOrder: boolean): void {
    for (const rule of this.rules) {
      if (rule.kind === 'ORDERS' && !isOrder) continue;
      const add = rule.kind === 'ORDERS' ? 1 : weight;
      const key = `${rule.kind}:${rule.intervalMs}`;
      const start = windowStart(nowMs, rule.intervalMs);
      const c = this.counters.get(key);
      if (c?.windowStart === start) c.value += add;
      else this.counters.set(key, { value: add, windowStart: start });
    }
  }

  pause(untilMs: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, untilMs);
  }

  halt(untilMs: number): void {
    this.haltedUntil = Math.max(this.haltedUntil, untilMs);
    this.pause(untilMs);
  }

  isHalted(nowMs: number): boolean {
    return nowMs < this.haltedUntil;
  }

  get haltedUntilMs(): number {
    return this.haltedUntil;
  }

  /**
   * When a request of `weight` may be sent: `nowMs` if now, else the time to wait for (end of a 429
   * pause or of the window whose limit the request would cross).
   */
  sendableAt(nowMs: number, weight: number, isOrder: boolean): number {
    let at = Math.max(nowMs, this.pausedUntil);
    for (const rule of this.rules) {
      if (rule.kind === 'ORDERS' && !isOrder) continue;
      const add = rule.kind === 'ORDERS' ? 1 : weight;
      const used = this.used(rule.kind, rule.intervalMs, nowMs);
      // an empty window always admits one request (else a request heavier than the headroom would wait forever)
      if (used > 0 && used + add > rule.limit * this.headroom) {
        at = Math.max(at, windowStart(nowMs, rule.intervalMs) + rule.intervalMs);
      }
    }
    return at;
  }
}

function windowStart(nowMs: number, intervalMs: number): number {
  return intervalMs > 0 ? Math.floor(nowMs / intervalMs) * intervalMs : nowMs;
}

/** Retry-After (seconds, or an HTTP date) -> ms; `fallbackMs` when absent or unreadable. */
export function retryAfterMs(
  header: string | string[] | undefined,
  nowMs: number,
  fallbackMs: number,
): number {
  const raw = Array.isArray(header) ? header[0] : header;
  if (raw === undefined || raw.trim() === '') return fallbackMs;
  const seconds = Number(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(raw);
  return Number.isFinite(date) ? Math.max(0, date - nowMs) : fallbackMs;
}
