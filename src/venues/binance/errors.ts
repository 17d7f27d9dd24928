/**
 * Binance adapter errors. Each carries one of the venue codes from src/core/errors.ts plus the HTTP
 * status and Binance's own `code` / `msg` when the venue sent them.
 */
import { AegisError, type ErrorContext } from '../../core/errors.js';

/** Network failure, timeout or 5xx on a request that is safe to retry (nothing was ordered). */
export class VenueTransportError extends AegisError {
  readonly status: number | undefined;
  constructor(message: string, context: ErrorContext & { status?: number }, cause?: unknown) {
    super('VENUE_TRANSPORT', message, cause === undefined ? { context } : { context, cause });
    this.status = context.status;
  }
}

/** The venue answered with an error (4xx + `{"code":-1013,"msg":"Filter failure: LOT_SIZE"}`). */
export class VenueRejectedError extends AegisError {
  readonly status: number;
  /** Binance error code (negative), or undefined when the body had none. */
  readonly venueCode: number | undefined;
  readonly venueMsg: string;
  constructor(status: number, venueCode: number | undefined, venueMsg: string, context: ErrorContext = {}) {
    super('VENUE_REJECTED', `venue rejected the request: ${venueCode ?? 'no code'} ${venueMsg}`, {
      context: { ...context, status, venueCode, venueMsg },
    });
    this.status = status;
    this.venueCode = venueCode;
    this.venueMsg = venueMsg;
  }
}

/**
 * Requests are paused: 429 (back off until `retryAt`), 418 (IP banned: trading halted until `retryAt`),
 * or our own throttle refusing to send (`status` 0).
 */
export class VenueRateLimitedError extends AegisError {
  readonly status: 429 | 418 | 0;
  readonly retryAt: number;
  readonly halted: boolean;
  constructor(status: 429 | 418 | 0, retryAt: number, halted: boolean, context: ErrorContext = {}) {
    super(
      'VENUE_RATE_LIMITED',
      halted
        ? `venue banned this IP (HTTP 418): trading halted until ${retryAt}`
        : `rate limited (HTTP ${status}): requests paused until ${retryAt}`,
      { context: { ...context, status, retryAt, halted } },
    );
    this.status = status;
    this.retryAt = retryAt;
    this.halted = halted;
  }
}

/** An order submit timed out or got a 5xx: it may or may not exist. Query its client id before any retry. */
export class OrderOutcomeUnknownError extends AegisError {
  readonly clientOrderId: string;
  constructor(clientOrderId: string, message: string, context: ErrorContext = {}, cause?: unknown) {
    const ctx = { ...context, clientOrderId };
    super('ORDER_OUTCOME_UNKNOWN', message, cause === undefined ? { context: ctx } : { context: ctx, cause });
    this.clientOrderId = clientOrderId;
  }
}
