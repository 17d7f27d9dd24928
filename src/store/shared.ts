/**
 * Pieces both adapters share: error wrapping, value checks before a write, and row -> domain mappers.
 * Column names are identical in both dialects so the mappers serve both (PostgreSQL returns BIGINT and
 * COUNT as strings, SQLite returns booleans as 0/1: the mappers normalise both).
 */
import { AegisError, InvariantError } from '../core/errors.js';
import type { Fill, OrderEvent, OrderStatus, OrderType, PositionEvent } from '../domain/order.js';
import type { Interval } from '../domain/market.js';
import type { PatternRef, Side, Signal, Tier } from '../domain/signal.js';
import type { JournalCounts, JournalDialect, JsonObject, PositionKind, PositionSnapshot } from './journal.js';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** Wrap anything a driver threw into JOURNAL_FAILED with context; AegisErrors pass through unchanged. */
export function journalError(
  dialect: JournalDialect,
  operation: string,
  table: string,
  cause: unknown,
  extra: Readonly<Record<string, string | number | boolean | undefined>> = {},
): AegisError {
  if (cause instanceof AegisError) return cause;
  const detail = cause instanceof Error ? cause.message : String(cause);
  const driverCode =
    cause !== null && typeof cause === 'object' && 'code' in cause && typeof cause.code === 'string'
      ? cause.code
      : undefined;
  return new AegisError('JOURNAL_FAILED', `journal ${operation} on ${table} failed (${dialect}): ${detail}`, {
    cause,
    context: { operation, table, dialect, driverCode, ...extra },
  });
}

const DECIMAL = /^-?\d+(\.\d+)?$/;

/** An exact decimal string as it came from the venue ("0.00100000" stays as is). */
export function decimalText(value: string, field: string, table: string): string {
  if (!DECIMAL.test(value)) {
    throw new InvariantError(`journal: ${table}.${field} is not a decimal string: ${JSON.stringify(value)}`, {
      table,
      field,
    });
  }
  return value;
}

/** A float from the engine (PnL, sizes) as TEXT: String(n) is the shortest round-trip form of the double. */
export function numberText(value: number, field: string, table: string): string {
  if (!Number.isFinite(value)) {
    throw new InvariantError(`journal: ${table}.${field} is not a finite number: ${String(value)}`, {
      table,
      field,
    });
  }
  return String(value);
}

export function timeValue(value: number, field: string, table: string): number {
  if (!Number.isSafeInteger(value)) {
    throw new InvariantError(`journal: ${table}.${field} is not an integer epoch ms: ${String(value)}`, {
      table,
      field,
    });
  }
  return value;
}

export function jsonText(value: unknown, field: string, table: string): string {
  const text = JSON.stringify(value);
  if (typeof text !== 'string') {
    throw new InvariantError(`journal: ${table}.${field} is not JSON-serialisable`, { table, field });
  }
  return text;
}

export function parseJsonObject(text: string): JsonObject {
  return JSON.parse(text) as JsonObject;
}

type Int = number | string; // PostgreSQL BIGINT arrives as a string

export interface OrderRow {
  client_order_id: string;
  venue_order_id: string | null;
  symbol: string;
  side: string;
  type: string;
  status: string;
  quantity: string;
  filled_quantity: string;
  price: string | null;
  reason: string | null;
  time: Int;
}

export function rowToOrder(row: OrderRow): OrderEvent {
  return {
    clientOrderId: row.client_order_id,
    ...(row.venue_order_id === null ? {} : { venueOrderId: row.venue_order_id }),
    symbol: row.symbol,
    side: row.side as Side,
    type: row.type as OrderType,
    status: row.status as OrderStatus,
    quantity: row.quantity,
    filledQuantity: row.filled_quantity,
    ...(row.price === null ? {} : { price: row.price }),
    ...(row.reason === null ? {} : { reason: row.reason }),
    time: Number(row.time),
  };
}

export interface SignalRow {
  signal_id: string;
  symbol: string;
  interval: string;
  side: string;
  confidence: number | string;
  tier: string;
  position_size: string;
  entry: string;
  stop: string;
  take_profit: string;
  candle_open_time: Int;
  decided_at: Int;
  strategy: string;
  patterns_json: string;
}

export function rowToSignal(row: SignalRow): Signal {
  return {
    id: row.signal_id,
    symbol: row.symbol,
    interval: row.interval as Interval,
    side: row.side as Side,
    confidence: Number(row.confidence),
    tier: row.tier as Tier,
    position_size: Number(row.position_size),
    entry: Number(row.entry),
    stop: Number(row.stop),
    take_profit: Number(row.take_profit),
    patterns: JSON.parse(row.patterns_json) as PatternRef[],
    candleOpenTime: Number(row.candle_open_time),
    decidedAt: Number(row.decided_at),
    strategy: row.strategy,
  };
}

export interface FillRow {
  client_order_id: string;
  trade_id: string;
  symbol: string;
  side: string;
  price: string;
  quantity: string;
  commission: string;
  commission_asset: string;
  maker: number | boolean;
  time: Int;
}

export function rowToFill(row: FillRow): Fill {
  return {
    clientOrderId: row.client_order_id,
    tradeId: row.trade_id,
    symbol: row.symbol,
    side: row.side as Side,
    price: row.price,
    quantity: row.quantity,
    commission: row.commission,
    commissionAsset: row.commission_asset,
    maker: row.maker === true || row.maker === 1,
    time: Number(row.time),
  };
}

/** Same key, same content? Used to tell a harmless duplicate from a conflicting one. */
export function sameFill(a: Fill, b: Fill): boolean {
  return (
    a.clientOrderId === b.clientOrderId &&
    a.tradeId === b.tradeId &&
    a.symbol === b.symbol &&
    a.side === b.side &&
    a.price === b.price &&
    a.quantity === b.quantity &&
    a.commission === b.commission &&
    a.commissionAsset === b.commissionAsset &&
    a.maker === b.maker &&
    a.time === b.time
  );
}

export function conflictingFill(dialect: JournalDialect, stored: Fill, incoming: Fill): InvariantError {
  return new InvariantError(
    `journal: fill ${incoming.clientOrderId}/${incoming.tradeId} was already recorded with different content`,
    {
      dialect,
      table: 'fills',
      clientOrderId: incoming.clientOrderId,
      tradeId: incoming.tradeId,
      storedPrice: stored.price,
      storedQuantity: stored.quantity,
      incomingPrice: incoming.price,
      incomingQuantity: incoming.quantity,
    },
  );
}

export interface PositionRow {
  kind: string;
  symbol: string;
  side: string;
  quantity: string;
  entry_price: string;
  tier: string;
  leverage: number;
  realized_pnl: string;
  time: Int;
}

export function rowToPosition(row: PositionRow): PositionSnapshot {
  return {
    kind: row.kind as PositionKind,
    symbol: row.symbol,
    side: row.side as PositionEvent['side'],
    quantity: Number(row.quantity),
    entryPrice: Number(row.entry_price),
    tier: row.tier as Tier,
    leverage: row.leverage,
    realizedPnl: Number(row.realized_pnl),
    time: Number(row.time),
  };
}

export interface CountsRow {
  runs: Int;
  signals: Int;
  denials: Int;
  orders: Int;
  order_events: Int;
  fills: Int;
  positions: Int;
  balances: Int;
  heartbeats: Int;
}

export function rowToCounts(row: CountsRow): JournalCounts {
  return {
    runs: Number(row.runs),
    signals: Number(row.signals),
    denials: Number(row.denials),
    orders: Number(row.orders),
    orderEvents: Number(row.order_events),
    fills: Number(row.fills),
    positions: Number(row.positions),
    balances: Number(row.balances),
    heartbeats: Number(row.heartbeats),
  };
}

/** Checked once at load: versions strictly increase from 1 with no gap. */
export function checkMigrations(dialect: JournalDialect, migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new InvariantError(
        `journal: ${dialect} migration #${i} has version ${m.version}, expected ${i + 1}`,
        {
          dialect,
        },
      );
    }
  });
}
