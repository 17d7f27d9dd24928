/**
 * The journal port: everything the engine must never forget (signals, denials, orders and their events,
 * fills, positions, balances, heartbeats, a redacted config snapshot per run), and the reads a restart
 * needs to reconcile with the venue.
 *
 * The port is async because the PostgreSQL driver is. The SQLite adapter does its work synchronously
 * inside each call, so by the time a returned promise settles the row is committed (see sqlite/).
 *
 * Contract shared by every adapter (journal.contract.ts runs it against each):
 * - every record call is one transaction: when its promise resolves, the write is durable;
 * - failures reject with an AegisError of code JOURNAL_FAILED carrying { operation, table, dialect };
 * - monetary values are stored as exact decimal TEXT; times are epoch ms integers;
 * - a record call made before `startRun` is stored with no run id (runId undefined when read back).
 */
import type { RiskRejected } from '../domain/events.js';
import type { BalanceEvent, Fill, OrderEvent, OrderStatus, PositionEvent } from '../domain/order.js';
import type { Signal } from '../domain/signal.js';

export type JsonValue = string | number | boolean | null | readonly JsonValue[] | JsonObject;
export interface JsonObject {
  readonly [key: string]: JsonValue;
}

/** backtest | paper | testnet | live | replay: kept as a string so the store does not depend on config. */
export type RunMode = string;

export type PositionKind = 'open' | 'update' | 'close';

export interface RunRecord {
  readonly runId: string;
  readonly mode: RunMode;
  readonly startedAt: number;
  readonly endedAt: number | undefined;
  readonly config: JsonObject;
}

/** A position snapshot as journaled: the event plus what happened to it. */
export interface PositionSnapshot extends PositionEvent {
  readonly kind: PositionKind;
}

export interface OrderRecord {
  /** Current state (the upserted row). */
  readonly order: OrderEvent;
  /** Every appended event for this client order id, oldest first. */
  readonly events: readonly OrderEvent[];
}

export interface AppliedMigration {
  readonly version: number;
  readonly name: string;
  readonly appliedAt: number;
}

export interface JournalCounts {
  readonly runs: number;
  readonly signals: number;
  readonly denials: number;
  readonly orders: number;
  readonly orderEvents: number;
  readonly fills: number;
  readonly positions: number;
  readonly balances: number;
  readonly heartbeats: number;
}

export type JournalDialect = 'sqlite' | 'postgres';

export interface Journal {
  readonly dialect: JournalDialect;
  /** Run id of the current run (the last `startRun`), undefined before. */
  readonly currentRunId: string | undefined;

  /** Start a run: stores the (re-redacted, see redactSnapshot) config snapshot; later records carry its id. */
  startRun(configSnapshot: JsonObject, mode: RunMode, startedAt: number): Promise<string>;
  endRun(endedAt: number): Promise<void>;
  getRun(runId: string): Promise<RunRecord | undefined>;

  /** Idempotent per (run, signal id). */
  recordSignal(signal: Signal): Promise<void>;
  recordDenial(denial: RiskRejected): Promise<void>;
  /**
   * Upsert the order's current state by client order id (no event appended; used to adopt orders found
   * at reconciliation). An update older than the stored state never overwrites it: a later `time` wins,
   * and at equal time a status never moves backwards (pending/unknown < new < partially_filled < terminal).
   */
  recordOrder(order: OrderEvent): Promise<void>;
  /** Append an order event AND upsert the order's current state (same rule as recordOrder), atomically. */
  recordOrderEvent(event: OrderEvent): Promise<void>;
  /**
   * Store a fill once per (clientOrderId, tradeId). Resolves true when newly stored, false when it was
   * already there with identical content; rejects (INVARIANT_BROKEN) when the same key arrives with
   * different content.
   */
  recordFill(fill: Fill): Promise<boolean>;
  recordPosition(kind: PositionKind, position: PositionEvent): Promise<void>;
  recordBalance(balance: BalanceEvent): Promise<void>;
  recordHeartbeat(time: number, report: Readonly<Record<string, unknown>>): Promise<void>;

  /** Orders whose current status is pending, new, partially_filled or unknown, oldest first. */
  openOrders(): Promise<OrderEvent[]>;
  ordersByClientId(clientOrderId: string): Promise<OrderRecord | undefined>;
  /** Every journaled signal, oldest first (reconciliation recomputes protective levels from them). */
  signals(): Promise<Signal[]>;
  /** Fills with time >= since (all when omitted), in (time, insertion) order. */
  fills(since?: number): Promise<Fill[]>;
  /** The latest snapshot per (symbol, side), omitting those whose latest snapshot is a close (flat). */
  latestPositions(): Promise<PositionSnapshot[]>;
  lastHeartbeat(): Promise<{ time: number; report: JsonObject } | undefined>;
  /** Row counts, for one run or (runId omitted) the whole journal. */
  counts(runId?: string): Promise<JournalCounts>;
  appliedMigrations(): Promise<AppliedMigration[]>;

  /** Flush and release the database (idempotent). Every call after close rejects with JOURNAL_FAILED. */
  close(): Promise<void>;
}

export const OPEN_ORDER_STATUSES: readonly OrderStatus[] = ['pending', 'new', 'partially_filled', 'unknown'];

/** Ordering used so that a stale order update never overwrites a newer one carrying the same time. */
export const ORDER_STATUS_RANK: Readonly<Record<OrderStatus, number>> = {
  pending: 0,
  unknown: 0,
  new: 1,
  partially_filled: 2,
  filled: 3,
  canceled: 3,
  rejected: 3,
  expired: 3,
};

export const REDACTED_VALUE = '[REDACTED]';

const SECRET_KEY = /secret|password|passphrase|passwd|token|api_?key|private_?key|credential/i;

/**
 * Defence in depth: the caller is expected to pass an already-redacted snapshot, but the journal is on
 * disk for years, so keys that name secrets are blanked again and passwords inside URLs are removed.
 */
export function redactSnapshot(value: JsonObject): JsonObject {
  const out: Record<string, JsonValue> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) && v !== null ? REDACTED_VALUE : redactValue(v);
  }
  return out;
}

function redactValue(value: JsonValue): JsonValue {
  if (typeof value === 'string') return redactUrlPassword(value);
  if (Array.isArray(value)) return (value as readonly JsonValue[]).map(redactValue);
  if (value !== null && typeof value === 'object') return redactSnapshot(value as JsonObject);
  return value;
}

/** `postgres://user:pw@host/db` -> `postgres://user:[REDACTED]@host/db`; other strings unchanged. */
export function redactUrlPassword(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*):([^@\s]*)@/i, `$1:${REDACTED_VALUE}@`);
}
