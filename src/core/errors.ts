/**
 * Every error AEGIS throws is an AegisError with a stable `code`. The registry below is the single
 * list of codes; docs/errors.md documents each one and a test keeps the two in sync.
 */
export const ERROR_CODES = {
  CONFIG_INVALID: 'A configuration value is missing, malformed or out of range.',
  CONFIG_SECRET_IN_FILE:
    'A secret (API key or secret) was found in a config file; secrets come from the environment only.',
  CONFIG_FILE_UNREADABLE:
    'The config file named by --config (or aegis.config.json) cannot be read or is not valid JSON.',
  LIVE_NOT_CONFIRMED: 'ENVIRONMENT=live was requested without both API keys or without --confirm-live.',
  INVARIANT_BROKEN:
    'An internal invariant was violated (a bug): the operation was stopped rather than continue on bad state.',
  DATA_REJECTED:
    'Market data failed validation at the boundary (non-finite, negative, out of order) and was dropped.',
  DATA_PARSE_FAILED: 'A market data file or message could not be parsed.',
  BUS_HANDLER_FAILED: 'An EventBus subscriber threw; the other subscribers and the publisher carried on.',
  BUS_UNKNOWN_TOPIC: 'A publish or subscribe named a topic that is not in the catalogue.',
  BUS_TRANSPORT_FAILED: 'The cross-process bus transport (Redis) failed to send or receive.',
  SCHEDULER_TIME_BACKWARDS: 'A simulated clock was asked to move backwards in time.',
  VENUE_TRANSPORT: 'A request to the venue failed in transport (network, timeout); retryable.',
  VENUE_REJECTED: 'The venue rejected a request with an error code (see the Binance code in the context).',
  VENUE_RATE_LIMITED: 'The venue answered 429/418: requests are paused until Retry-After has passed.',
  ORDER_OUTCOME_UNKNOWN:
    'An order submit timed out or got a 5xx: its outcome is unknown until queried by client order id.',
  STRATEGY_FAILED:
    'A strategy threw on a candle; the brain logged it, skipped that candle for that strategy and carried on.',
  JOURNAL_FAILED: 'The journal (SQLite / PostgreSQL) failed to read or write.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export type ErrorContext = Readonly<Record<string, string | number | boolean | undefined>>;

export class AegisError extends Error {
  readonly code: ErrorCode;
  readonly context: ErrorContext;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; context?: ErrorContext } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.context = options.context ?? {};
  }
}

/** One or more configuration problems; `problems` holds one human message per problem. */
export class ConfigError extends AegisError {
  readonly problems: readonly string[];
  constructor(problems: readonly string[], code: ErrorCode = 'CONFIG_INVALID') {
    super(code, problems.join('\n'));
    this.problems = problems;
  }
}

/** Broken invariant or corrupt state: fail fast. */
export class InvariantError extends AegisError {
  constructor(message: string, context: ErrorContext = {}) {
    super('INVARIANT_BROKEN', message, { context });
  }
}

/** Bad market data rejected at the boundary. */
export class DataError extends AegisError {
  constructor(
    message: string,
    context: ErrorContext = {},
    code: 'DATA_REJECTED' | 'DATA_PARSE_FAILED' = 'DATA_REJECTED',
  ) {
    super(code, message, { context });
  }
}

/** Turn anything caught into an Error with a message, without losing the original as `cause`. */
export function toError(caught: unknown): Error {
  if (caught instanceof Error) return caught;
  return new Error(typeof caught === 'string' ? caught : JSON.stringify(caught), { cause: caught });
}

/** Stable code for any caught value: an AegisError's own code, else 'UNCLASSIFIED'. */
export function errorCodeOf(caught: unknown): ErrorCode | 'UNCLASSIFIED' {
  return caught instanceof AegisError ? caught.code : 'UNCLASSIFIED';
}
