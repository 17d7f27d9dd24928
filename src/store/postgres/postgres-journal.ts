/**
 * PostgreSQL journal (pg Pool). Each record call is one statement (an order event plus its upsert is one
 * statement with a data-modifying CTE), so each is its own transaction; with PostgreSQL's default
 * synchronous_commit=on the commit is flushed to the server's WAL before the promise resolves, so an
 * acknowledged fill survives a crash of AEGIS and of the database server.
 *
 * Migrations run at open under a transaction-scoped advisory lock, so two processes opening the same
 * database at once apply each migration exactly once.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { RiskRejected } from '../../domain/events.js';
import type { BalanceEvent, Fill, OrderEvent, PositionEvent } from '../../domain/order.js';
import type { Signal } from '../../domain/signal.js';
import { AegisError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { silentLogger } from '../../core/logger.js';
import {
  ORDER_STATUS_RANK,
  OPEN_ORDER_STATUSES,
  redactSnapshot,
  type AppliedMigration,
  type Journal,
  type JournalCounts,
  type JsonObject,
  type OrderRecord,
  type PositionKind,
  type PositionSnapshot,
  type RunMode,
  type RunRecord,
} from '../journal.js';
import {
  checkMigrations,
  conflictingFill,
  decimalText,
  journalError,
  jsonText,
  numberText,
  parseJsonObject,
  rowToCounts,
  rowToFill,
  rowToSignal,
  type SignalRow,
  rowToOrder,
  rowToPosition,
  sameFill,
  timeValue,
  type CountsRow,
  type FillRow,
  type Migration,
  type OrderRow,
  type PositionRow,
} from '../shared.js';
import { POSTGRES_MIGRATIONS } from './migrations.js';

export interface PostgresJournalOptions {
  /** Schema for every table (created if missing); default: the server's search_path (public). */
  readonly schema?: string;
  /** Pool size (default 4). */
  readonly poolSize?: number;
  /** Connection timeout (default 5000 ms). */
  readonly connectTimeoutMs?: number;
  /** Where failures of idle pool connections are reported (they have no caller to reject). */
  readonly logger?: Logger;
  readonly onError?: (error: AegisError) => void;
  /** For tests: a different migration list. */
  readonly migrations?: readonly Migration[];
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const MIGRATION_LOCK = 0x4145_4749; // 'AEGI'

const ORDER_COLUMNS =
  'client_order_id, venue_order_id, symbol, side, type, status, quantity, filled_quantity, price, reason, time';

const OPEN_STATUS_LIST = OPEN_ORDER_STATUSES.map((s) => `'${s}'`).join(', ');

/** $1..$13: run_id, client_order_id, venue_order_id, symbol, side, type, status, status_rank, quantity,
 * filled_quantity, price, reason, time. */
const UPSERT_ORDER_VALUES = `INSERT INTO orders (run_id, client_order_id, venue_order_id, symbol, side, type,
    status, status_rank, quantity, filled_quantity, price, reason, time, created_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)
  ON CONFLICT (client_order_id) DO UPDATE SET
    venue_order_id  = coalesce(excluded.venue_order_id, orders.venue_order_id),
    status          = excluded.status,
    status_rank     = excluded.status_rank,
    quantity        = excluded.quantity,
    filled_quantity = excluded.filled_quantity,
    price           = coalesce(excluded.price, orders.price),
    reason          = excluded.reason,
    time            = excluded.time
  WHERE excluded.status_rank > orders.status_rank
     OR (excluded.status_rank = orders.status_rank AND excluded.time >= orders.time)`;

const ORDER_EVENT_AND_UPSERT = `WITH appended AS (
    INSERT INTO order_events (run_id, client_order_id, venue_order_id, symbol, side, type, status,
      quantity, filled_quantity, price, reason, time)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $9, $10, $11, $12, $13)
  )
  ${UPSERT_ORDER_VALUES}`;

const COUNT_TABLES = [
  'runs',
  'signals',
  'denials',
  'orders',
  'order_events',
  'fills',
  'positions',
  'balances',
  'heartbeats',
] as const;

const COUNTS_ALL = `SELECT ${COUNT_TABLES.map((t) => `(SELECT count(*) FROM ${t}) AS ${t}`).join(', ')}`;
const COUNTS_RUN = `SELECT ${COUNT_TABLES.map((t) => `(SELECT count(*) FROM ${t} WHERE run_id = $1) AS ${t}`).join(', ')}`;

type Param = string | number | boolean | null;

function orderParams(o: OrderEvent, runId: string | null): Param[] {
  return [
    runId,
    o.clientOrderId,
    o.venueOrderId ?? null,
    o.symbol,
    o.side,
    o.type,
    o.status,
    ORDER_STATUS_RANK[o.status],
    decimalText(o.quantity, 'quantity', 'orders'),
    decimalText(o.filledQuantity, 'filled_quantity', 'orders'),
    o.price === undefined ? null : decimalText(o.price, 'price', 'orders'),
    o.reason ?? null,
    timeValue(o.time, 'time', 'orders'),
  ];
}

export class PostgresJournal implements Journal {
  readonly dialect = 'postgres' as const;
  private readonly pool: pg.Pool;
  private runId: string | null = null;
  private closed = false;

  private constructor(pool: pg.Pool) {
    this.pool = pool;
  }

  /** Connect, create the schema if asked, migrate. The URL's password never reaches an error message. */
  static async open(url: string, options: PostgresJournalOptions = {}): Promise<PostgresJournal> {
    const schema = options.schema;
    if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
      throw new AegisError('JOURNAL_FAILED', `invalid PostgreSQL schema name ${JSON.stringify(schema)}`, {
        context: { operation: 'open', table: '*', dialect: 'postgres' },
      });
    }
    const logger = options.logger ?? silentLogger;
    const pool = new pg.Pool({
      connectionString: url,
      max: options.poolSize ?? 4,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
      application_name: 'aegis-journal',
      ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
    });
    // An idle connection that dies (server restart) has no caller to reject: report it, the pool
    // replaces the connection on next use.
    pool.on('error', (err) => {
      const error = journalError('postgres', 'idle-connection', '*', err);
      logger.error({ code: error.code, ...error.context, err: error.message }, 'journal connection failed');
      options.onError?.(error);
    });
    const journal = new PostgresJournal(pool);
    try {
      await migrate(pool, options.migrations ?? POSTGRES_MIGRATIONS, schema, logger);
    } catch (caught) {
      await pool.end();
      throw journalError('postgres', 'open', 'schema_migrations', caught);
    }
    return journal;
  }

  get currentRunId(): string | undefined {
    return this.runId ?? undefined;
  }

  async startRun(configSnapshot: JsonObject, mode: RunMode, startedAt: number): Promise<string> {
    const runId = randomUUID();
    await this.exec('startRun', 'runs', () => [
      'INSERT INTO runs (run_id, mode, started_at, config_json) VALUES ($1, $2, $3, $4)',
      [
        runId,
        mode,
        timeValue(startedAt, 'started_at', 'runs'),
        jsonText(redactSnapshot(configSnapshot), 'config_json', 'runs'),
      ],
    ]);
    this.runId = runId;
    return runId;
  }

  async endRun(endedAt: number): Promise<void> {
    await this.exec('endRun', 'runs', () => [
      'UPDATE runs SET ended_at = $2 WHERE run_id = $1',
      [this.runId, timeValue(endedAt, 'ended_at', 'runs')],
    ]);
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const rows = await this.exec<{
      run_id: string;
      mode: string;
      started_at: string;
      ended_at: string | null;
      config_json: string;
    }>('getRun', 'runs', () => [
      'SELECT run_id, mode, started_at, ended_at, config_json FROM runs WHERE run_id = $1',
      [runId],
    ]);
    const row = rows[0];
    if (row === undefined) return undefined;
    return {
      runId: row.run_id,
      mode: row.mode,
      startedAt: Number(row.started_at),
      endedAt: row.ended_at === null ? undefined : Number(row.ended_at),
      config: parseJsonObject(row.config_json),
    };
  }

  async recordSignal(s: Signal): Promise<void> {
    await this.exec('recordSignal', 'signals', () => [
      `INSERT INTO signals (run_id, signal_id, symbol, interval, side, confidence, tier, position_size, entry,
         stop, take_profit, candle_open_time, decided_at, strategy, patterns_json)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
       ON CONFLICT DO NOTHING`,
      [
        this.runId,
        s.id,
        s.symbol,
        s.interval,
        s.side,
        s.confidence,
        s.tier,
        numberText(s.position_size, 'position_size', 'signals'),
        numberText(s.entry, 'entry', 'signals'),
        numberText(s.stop, 'stop', 'signals'),
        numberText(s.take_profit, 'take_profit', 'signals'),
        timeValue(s.candleOpenTime, 'candle_open_time', 'signals'),
        timeValue(s.decidedAt, 'decided_at', 'signals'),
        s.strategy,
        jsonText(s.patterns, 'patterns_json', 'signals'),
      ],
    ]);
  }

  async recordDenial(d: RiskRejected): Promise<void> {
    await this.exec('recordDenial', 'denials', () => [
      `INSERT INTO denials (run_id, signal_id, symbol, reason, detail, time) VALUES ($1, $2, $3, $4, $5, $6)`,
      [this.runId, d.signalId, d.symbol, d.reason, d.detail, timeValue(d.time, 'time', 'denials')],
    ]);
  }

  async recordOrder(order: OrderEvent): Promise<void> {
    await this.exec('recordOrder', 'orders', () => [UPSERT_ORDER_VALUES, orderParams(order, this.runId)]);
  }

  async recordOrderEvent(event: OrderEvent): Promise<void> {
    await this.exec('recordOrderEvent', 'order_events', () => [
      ORDER_EVENT_AND_UPSERT,
      orderParams(event, this.runId),
    ]);
  }

  async recordFill(f: Fill): Promise<boolean> {
    const inserted = await this.exec<{ id: string }>('recordFill', 'fills', () => [
      `INSERT INTO fills (run_id, client_order_id, trade_id, symbol, side, price, quantity, commission,
         commission_asset, maker, time)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (client_order_id, trade_id) DO NOTHING
       RETURNING id`,
      [
        this.runId,
        f.clientOrderId,
        f.tradeId,
        f.symbol,
        f.side,
        decimalText(f.price, 'price', 'fills'),
        decimalText(f.quantity, 'quantity', 'fills'),
        decimalText(f.commission, 'commission', 'fills'),
        f.commissionAsset,
        f.maker,
        timeValue(f.time, 'time', 'fills'),
      ],
    ]);
    if (inserted.length === 1) return true;
    const rows = await this.exec<FillRow>('recordFill', 'fills', () => [
      'SELECT * FROM fills WHERE client_order_id = $1 AND trade_id = $2',
      [f.clientOrderId, f.tradeId],
    ]);
    const row = rows[0];
    if (row === undefined) {
      throw journalError('postgres', 'recordFill', 'fills', new Error('fill neither inserted nor found'), {
        clientOrderId: f.clientOrderId,
        tradeId: f.tradeId,
      });
    }
    const stored = rowToFill(row);
    if (!sameFill(stored, f)) throw conflictingFill('postgres', stored, f);
    return false;
  }

  async recordPosition(kind: PositionKind, p: PositionEvent): Promise<void> {
    await this.exec('recordPosition', 'positions', () => [
      `INSERT INTO positions (run_id, kind, symbol, side, quantity, entry_price, tier, leverage, realized_pnl, time)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        this.runId,
        kind,
        p.symbol,
        p.side,
        numberText(p.quantity, 'quantity', 'positions'),
        numberText(p.entryPrice, 'entry_price', 'positions'),
        p.tier,
        p.leverage,
        numberText(p.realizedPnl, 'realized_pnl', 'positions'),
        timeValue(p.time, 'time', 'positions'),
      ],
    ]);
  }

  async recordBalance(b: BalanceEvent): Promise<void> {
    await this.exec('recordBalance', 'balances', () => [
      'INSERT INTO balances (run_id, asset, free, locked, time) VALUES ($1, $2, $3, $4, $5)',
      [
        this.runId,
        b.asset,
        numberText(b.free, 'free', 'balances'),
        numberText(b.locked, 'locked', 'balances'),
        timeValue(b.time, 'time', 'balances'),
      ],
    ]);
  }

  async recordHeartbeat(time: number, report: Readonly<Record<string, unknown>>): Promise<void> {
    await this.exec('recordHeartbeat', 'heartbeats', () => [
      'INSERT INTO heartbeats (run_id, time, report_json) VALUES ($1, $2, $3)',
      [this.runId, timeValue(time, 'time', 'heartbeats'), jsonText(report, 'report_json', 'heartbeats')],
    ]);
  }

  async openOrders(): Promise<OrderEvent[]> {
    const rows = await this.exec<OrderRow>('openOrders', 'orders', () => [
      `SELECT ${ORDER_COLUMNS} FROM orders WHERE status IN (${OPEN_STATUS_LIST}) ORDER BY created_at, client_order_id`,
      [],
    ]);
    return rows.map(rowToOrder);
  }

  async ordersByClientId(clientOrderId: string): Promise<OrderRecord | undefined> {
    const current = await this.exec<OrderRow>('ordersByClientId', 'orders', () => [
      `SELECT ${ORDER_COLUMNS} FROM orders WHERE client_order_id = $1`,
      [clientOrderId],
    ]);
    const row = current[0];
    if (row === undefined) return undefined;
    const events = await this.exec<OrderRow>('ordersByClientId', 'order_events', () => [
      `SELECT ${ORDER_COLUMNS} FROM order_events WHERE client_order_id = $1 ORDER BY id`,
      [clientOrderId],
    ]);
    return { order: rowToOrder(row), events: events.map(rowToOrder) };
  }

  async signals(): Promise<Signal[]> {
    const rows = await this.exec<SignalRow>('signals', 'signals', () => [
      'SELECT * FROM signals ORDER BY id',
      [],
    ]);
    return rows.map(rowToSignal);
  }

  async fills(since?: number): Promise<Fill[]> {
    const rows = await this.exec<FillRow>('fills', 'fills', () =>
      since === undefined
        ? ['SELECT * FROM fills ORDER BY time, id', []]
        : ['SELECT * FROM fills WHERE time >= $1 ORDER BY time, id', [since]],
    );
    return rows.map(rowToFill);
  }

  async latestPositions(): Promise<PositionSnapshot[]> {
    const rows = await this.exec<PositionRow>('latestPositions', 'positions', () => [
      `SELECT * FROM (
         SELECT DISTINCT ON (symbol, side) * FROM positions ORDER BY symbol, side, id DESC
       ) latest WHERE kind <> 'close' ORDER BY symbol, side`,
      [],
    ]);
    return rows.map(rowToPosition);
  }

  async lastHeartbeat(): Promise<{ time: number; report: JsonObject } | undefined> {
    const rows = await this.exec<{ time: string; report_json: string }>('lastHeartbeat', 'heartbeats', () => [
      'SELECT time, report_json FROM heartbeats ORDER BY time DESC, id DESC LIMIT 1',
      [],
    ]);
    const row = rows[0];
    return row === undefined
      ? undefined
      : { time: Number(row.time), report: parseJsonObject(row.report_json) };
  }

  async counts(runId?: string): Promise<JournalCounts> {
    const rows = await this.exec<CountsRow>('counts', '*', () =>
      runId === undefined ? [COUNTS_ALL, []] : [COUNTS_RUN, [runId]],
    );
    const row = rows[0];
    if (row === undefined) throw journalError('postgres', 'counts', '*', new Error('no row'));
    return rowToCounts(row);
  }

  async appliedMigrations(): Promise<AppliedMigration[]> {
    const rows = await this.exec<{ version: number; name: string; applied_at: string }>(
      'appliedMigrations',
      'schema_migrations',
      () => ['SELECT version, name, applied_at FROM schema_migrations ORDER BY version', []],
    );
    return rows.map((r) => ({ version: r.version, name: r.name, appliedAt: Number(r.applied_at) }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.pool.end();
    } catch (caught) {
      throw journalError('postgres', 'close', '*', caught);
    }
  }

  /** Build (validating values: may throw InvariantError) then run one statement, wrapping failures. */
  private async exec<R extends object = Record<string, unknown>>(
    operation: string,
    table: string,
    build: () => readonly [string, readonly Param[]],
  ): Promise<R[]> {
    if (this.closed) {
      throw new AegisError('JOURNAL_FAILED', `journal ${operation} on ${table} after close (postgres)`, {
        context: { operation, table, dialect: 'postgres' },
      });
    }
    try {
      const [sql, params] = build();
      const result = await this.pool.query<R>(sql, params as Param[]);
      return result.rows;
    } catch (caught) {
      throw journalError('postgres', operation, table, caught);
    }
  }
}

async function migrate(
  pool: pg.Pool,
  migrations: readonly Migration[],
  schema: string | undefined,
  logger: Logger,
): Promise<void> {
  checkMigrations('postgres', migrations);
  const client = await pool.connect();
  let failure: unknown;
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    if (schema !== undefined) await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    INTEGER PRIMARY KEY,
      name       TEXT NOT NULL,
      applied_at BIGINT NOT NULL
    )`);
    const applied = new Set(
      (await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map(
        (r) => r.version,
      ),
    );
    const newest = Math.max(0, ...applied);
    if (newest > migrations.length) {
      throw new AegisError(
        'JOURNAL_FAILED',
        `journal schema version ${newest} is newer than this build knows (${migrations.length})`,
        { context: { operation: 'migrate', table: 'schema_migrations', dialect: 'postgres' } },
      );
    }
    for (const m of migrations) {
      if (applied.has(m.version)) continue;
      await client.query(m.sql);
      await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
        m.version,
        m.name,
        Date.now(),
      ]);
    }
    await client.query('COMMIT');
  } catch (caught) {
    failure = caught;
    try {
      await client.query('ROLLBACK');
    } catch (rollbackError) {
      // The original failure is what the caller gets; the rollback failure is logged, and the
      // connection is destroyed below (the server aborts its transaction when it goes).
      logger.warn(
        { operation: 'migrate', dialect: 'postgres', err: String(rollbackError) },
        'journal migration rollback failed',
      );
    }
    throw caught;
  } finally {
    // A connection that failed mid-transaction is destroyed rather than returned to the pool.
    client.release(failure === undefined ? undefined : true);
  }
}
