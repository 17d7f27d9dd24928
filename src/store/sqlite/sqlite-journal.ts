/**
 * SQLite journal (better-sqlite3, synchronous, WAL). Every record call is a single committed
 * transaction before its promise is created, with prepared statements reused for the process lifetime.
 *
 * Durability choice (documented in docs/benchmarks.md (journal section) with its cost):
 * - journal_mode=WAL: readers never block the writer; a commit appends frames to the -wal file.
 * - synchronous=FULL (the default here): the WAL is fsync'ed at every commit, so an acknowledged
 *   record survives kill -9 of the process AND an OS crash or power loss. Fills are a few per second
 *   at most, so paying one fsync per record is cheap for this workload.
 * - synchronous=NORMAL (option): the commit's write() reaches the OS page cache before the call
 *   returns, so an acknowledged record still survives kill -9 of the process (the OS owns the data;
 *   the kill -9 test proves it for both settings) but the last commits can be lost on power loss.
 *   Only for backtests / benchmarks where speed matters more than the journal.
 * - batchWrites > 1 (option, backtests only; runBacktest uses it): up to N record calls share one
 *   transaction, so a resolved record call is NOT yet committed (a crash loses the open batch). Reads,
 *   endRun and close commit first. No live/paper/testnet path passes it.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import type { RiskRejected } from '../../domain/events.js';
import type { BalanceEvent, Fill, OrderEvent, PositionEvent } from '../../domain/order.js';
import type { Signal } from '../../domain/signal.js';
import { AegisError } from '../../core/errors.js';
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
import { SQLITE_MIGRATIONS } from './migrations.js';

export interface SqliteJournalOptions {
  /** FULL (default): durable against power loss. NORMAL: durable against process crash only. */
  readonly synchronous?: 'FULL' | 'NORMAL';
  /** Wait this long for a lock held by another connection before failing (default 5000 ms). */
  readonly busyTimeoutMs?: number;
  /** For tests: a different migration list. */
  readonly migrations?: readonly Migration[];
  /**
   * BACKTESTS ONLY (never a live, testnet or paper journal): group up to this many record calls into one
   * transaction, committed when the count is reached, before every read, at `endRun` and at `close`.
   * A record call's promise then resolves before its transaction commits, so a crash loses up to
   * `batchWrites - 1` acknowledged records: the port's "resolved means durable" contract does not hold.
   * Each statement still runs inside the call (a constraint error still rejects that call and only that
   * call). Default 1 (off: every record call is its own committed transaction).
   */
  readonly batchWrites?: number;
}

const ORDER_COLUMNS =
  'client_order_id, venue_order_id, symbol, side, type, status, quantity, filled_quantity, price, reason, time';

const UPSERT_ORDER = `
INSERT INTO orders (client_order_id, run_id, venue_order_id, symbol, side, type, status, status_rank,
                    quantity, filled_quantity, price, reason, time, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
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

const INSERT_ORDER_EVENT = `
INSERT INTO order_events (run_id, client_order_id, venue_order_id, symbol, side, type, status,
                          quantity, filled_quantity, price, reason, time)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

const COUNTS_ALL = `SELECT
  (SELECT count(*) FROM runs) AS runs,
  (SELECT count(*) FROM signals) AS signals,
  (SELECT count(*) FROM denials) AS denials,
  (SELECT count(*) FROM orders) AS orders,
  (SELECT count(*) FROM order_events) AS order_events,
  (SELECT count(*) FROM fills) AS fills,
  (SELECT count(*) FROM positions) AS positions,
  (SELECT count(*) FROM balances) AS balances,
  (SELECT count(*) FROM heartbeats) AS heartbeats`;

const COUNTS_RUN = `SELECT
  (SELECT count(*) FROM runs WHERE run_id = @runId) AS runs,
  (SELECT count(*) FROM signals WHERE run_id = @runId) AS signals,
  (SELECT count(*) FROM denials WHERE run_id = @runId) AS denials,
  (SELECT count(*) FROM orders WHERE run_id = @runId) AS orders,
  (SELECT count(*) FROM order_events WHERE run_id = @runId) AS order_events,
  (SELECT count(*) FROM fills WHERE run_id = @runId) AS fills,
  (SELECT count(*) FROM positions WHERE run_id = @runId) AS positions,
  (SELECT count(*) FROM balances WHERE run_id = @runId) AS balances,
  (SELECT count(*) FROM heartbeats WHERE run_id = @runId) AS heartbeats`;

type Statement = Database.Statement;

type Param = string | number | null;

/**
 * An order row / event, checked, as the positional parameters of UPSERT_ORDER (INSERT_ORDER_EVENT takes
 * the same values without status_rank and created_at: orderEventParams). Positional binding: named
 * parameters from an object cost about 40 % more per statement (a backtest journals ~6k order events per
 * 65k candles).
 */
function orderParams(o: OrderEvent, runId: string | null): Param[] {
  const quantity = decimalText(o.quantity, 'quantity', 'orders');
  const filled = decimalText(o.filledQuantity, 'filled_quantity', 'orders');
  const price = o.price === undefined ? null : decimalText(o.price, 'price', 'orders');
  const time = timeValue(o.time, 'time', 'orders');
  // the last one is created_at (kept on conflict)
  return [
    o.clientOrderId,
    runId,
    o.venueOrderId ?? null,
    o.symbol,
    o.side,
    o.type,
    o.status,
    ORDER_STATUS_RANK[o.status],
    quantity,
    filled,
    price,
    o.reason ?? null,
    time,
    time,
  ];
}

/** INSERT_ORDER_EVENT's parameters from orderParams' (run_id first, no status_rank, no created_at). */
function orderEventParams(p: readonly Param[]): Param[] {
  return [
    p[1] ?? null,
    p[0] ?? null,
    p[2] ?? null,
    p[3] ?? null,
    p[4] ?? null,
    p[5] ?? null,
    p[6] ?? null,
    p[8] ?? null,
    p[9] ?? null,
    p[10] ?? null,
    p[11] ?? null,
    p[12] ?? null,
  ];
}

function prepareAll(db: Database.Database) {
  const p = (sql: string): Statement => db.prepare(sql);
  return {
    insertRun: p(
      'INSERT INTO runs (run_id, mode, started_at, config_json) VALUES (@runId, @mode, @startedAt, @config)',
    ),
    endRun: p('UPDATE runs SET ended_at = @endedAt WHERE run_id = @runId'),
    getRun: p('SELECT run_id, mode, started_at, ended_at, config_json FROM runs WHERE run_id = ?'),
    // the record statements bind positional parameters (cheaper than named ones from an object)
    insertSignal: p(`INSERT INTO signals (run_id, signal_id, symbol, interval, side, confidence, tier,
        position_size, entry, stop, take_profit, candle_open_time, decided_at, strategy, patterns_json)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT DO NOTHING`),
    insertDenial: p(`INSERT INTO denials (run_id, signal_id, symbol, reason, detail, time)
      VALUES (?, ?, ?, ?, ?, ?)`),
    upsertOrder: p(UPSERT_ORDER),
    insertOrderEvent: p(INSERT_ORDER_EVENT),
    insertFill: p(`INSERT INTO fills (run_id, client_order_id, trade_id, symbol, side, price, quantity,
        commission, commission_asset, maker, time)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (client_order_id, trade_id) DO NOTHING`),
    getFill: p('SELECT * FROM fills WHERE client_order_id = ? AND trade_id = ?'),
    insertPosition:
      p(`INSERT INTO positions (run_id, kind, symbol, side, quantity, entry_price, tier, leverage,
        realized_pnl, time)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    insertBalance: p(`INSERT INTO balances (run_id, asset, free, locked, time)
      VALUES (?, ?, ?, ?, ?)`),
    insertHeartbeat: p('INSERT INTO heartbeats (run_id, time, report_json) VALUES (@runId, @time, @report)'),
    openOrders: p(
      `SELECT ${ORDER_COLUMNS} FROM orders WHERE status IN (${OPEN_ORDER_STATUSES.map((s) => `'${s}'`).join(', ')})
       ORDER BY created_at, client_order_id`,
    ),
    getOrder: p(`SELECT ${ORDER_COLUMNS} FROM orders WHERE client_order_id = ?`),
    orderEvents: p(`SELECT ${ORDER_COLUMNS} FROM order_events WHERE client_order_id = ? ORDER BY id`),
    fillsAll: p('SELECT * FROM fills ORDER BY time, id'),
    signalsAll: p('SELECT * FROM signals ORDER BY id'),
    fillsSince: p('SELECT * FROM fills WHERE time >= ? ORDER BY time, id'),
    latestPositions: p(`SELECT p.* FROM positions p
      JOIN (SELECT max(id) AS id FROM positions GROUP BY symbol, side) latest ON latest.id = p.id
      WHERE p.kind <> 'close' ORDER BY p.symbol, p.side`),
    lastHeartbeat: p('SELECT time, report_json FROM heartbeats ORDER BY time DESC, id DESC LIMIT 1'),
    countsAll: p(COUNTS_ALL),
    countsRun: p(COUNTS_RUN),
    migrations: p('SELECT version, name, applied_at FROM schema_migrations ORDER BY version'),
  };
}

type Statements = ReturnType<typeof prepareAll>;

export class SqliteJournal implements Journal {
  readonly dialect = 'sqlite' as const;
  readonly file: string;
  private readonly db: Database.Database;
  private runId: string | null = null;
  private closed = false;
  private readonly stmt: Statements;
  private readonly orderEventTx: (params: Param[]) => void;
  /** Record calls per transaction (1: each call commits on its own). */
  readonly batchWrites: number;
  /** Record calls in the open batch transaction, not committed yet. */
  private pending = 0;

  private constructor(db: Database.Database, file: string, batchWrites: number) {
    this.db = db;
    this.file = file;
    this.batchWrites = batchWrites;
    this.stmt = prepareAll(db);
    const upsert = this.stmt.upsertOrder;
    const append = this.stmt.insertOrderEvent;
    this.orderEventTx = db.transaction((params: Param[]) => {
      append.run(orderEventParams(params));
      upsert.run(params);
    });
  }

  /** Open (creating the file and its directory if needed) and migrate. `:memory:` is supported. */
  static open(file: string, options: SqliteJournalOptions = {}): SqliteJournal {
    const batchWrites = options.batchWrites ?? 1;
    if (!Number.isInteger(batchWrites) || batchWrites < 1) {
      throw new AegisError(
        'JOURNAL_FAILED',
        `SQLite journal option batchWrites must be an integer >= 1, got ${String(batchWrites)}`,
        { context: { operation: 'open', table: '*', dialect: 'sqlite', file, batchWrites } },
      );
    }
    let db: Database.Database | undefined;
    try {
      if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
      db = new Database(file);
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (file !== ':memory:' && mode !== 'wal') {
        throw new AegisError('JOURNAL_FAILED', `SQLite refused WAL mode for ${file} (got ${String(mode)})`, {
          context: { operation: 'open', table: '*', dialect: 'sqlite', file },
        });
      }
      db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
      db.pragma(`busy_timeout = ${String(options.busyTimeoutMs ?? 5000)}`);
      migrate(db, options.migrations ?? SQLITE_MIGRATIONS);
      return new SqliteJournal(db, file, batchWrites);
    } catch (caught) {
      if (db?.open === true) db.close();
      throw journalError('sqlite', 'open', 'schema_migrations', caught, { file });
    }
  }

  get currentRunId(): string | undefined {
    return this.runId ?? undefined;
  }

  startRun(configSnapshot: JsonObject, mode: RunMode, startedAt: number): Promise<string> {
    return this.write('startRun', 'runs', () => {
      const runId = randomUUID();
      this.stmt.insertRun.run({
        runId,
        mode,
        startedAt: timeValue(startedAt, 'started_at', 'runs'),
        config: jsonText(redactSnapshot(configSnapshot), 'config_json', 'runs'),
      });
      this.runId = runId;
      return runId;
    });
  }

  endRun(endedAt: number): Promise<void> {
    return this.read('endRun', 'runs', () => {
      this.stmt.endRun.run({ runId: this.runId, endedAt: timeValue(endedAt, 'ended_at', 'runs') });
    });
  }

  getRun(runId: string): Promise<RunRecord | undefined> {
    return this.read('getRun', 'runs', () => {
      const row = this.stmt.getRun.get(runId) as
        | { run_id: string; mode: string; started_at: number; ended_at: number | null; config_json: string }
        | undefined;
      if (row === undefined) return undefined;
      return {
        runId: row.run_id,
        mode: row.mode,
        startedAt: row.started_at,
        endedAt: row.ended_at ?? undefined,
        config: parseJsonObject(row.config_json),
      };
    });
  }

  recordSignal(s: Signal): Promise<void> {
    return this.write('recordSignal', 'signals', () => {
      this.stmt.insertSignal.run(
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
      );
    });
  }

  recordDenial(d: RiskRejected): Promise<void> {
    return this.write('recordDenial', 'denials', () => {
      this.stmt.insertDenial.run(
        this.runId,
        d.signalId,
        d.symbol,
        d.reason,
        d.detail,
        timeValue(d.time, 'time', 'denials'),
      );
    });
  }

  recordOrder(order: OrderEvent): Promise<void> {
    return this.write('recordOrder', 'orders', () => {
      this.stmt.upsertOrder.run(orderParams(order, this.runId));
    });
  }

  recordOrderEvent(event: OrderEvent): Promise<void> {
    return this.write('recordOrderEvent', 'order_events', () => {
      const params = orderParams(event, this.runId);
      if (this.batchWrites === 1) {
        this.orderEventTx(params);
        return;
      }
      // Inside a batch transaction, without a savepoint of its own (a SAVEPOINT in an in-memory journal
      // copies every page the two statements touch: it was the largest single cost of a backtest's
      // journal). Still atomic: the upsert runs first, and every value it accepted is one the event row
      // accepts too (order_events' NOT NULL columns and types are a subset of orders'; orders'
      // client_order_id is a STRICT primary key, hence NOT NULL). If the upsert fails, SQLite undoes
      // that statement alone and the event is not appended. If the append fails after the upsert (a
      // disk full / I/O / memory error, where SQLite may undo only the failing statement), the batch
      // transaction is rolled back, so no order row stands without its event; write() reports the batch
      // as lost (it counts the calls since the last commit).
      this.stmt.upsertOrder.run(params);
      try {
        this.stmt.insertOrderEvent.run(orderEventParams(params));
      } catch (caught) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw caught;
      }
    });
  }

  recordFill(f: Fill): Promise<boolean> {
    return this.write('recordFill', 'fills', () => {
      const info = this.stmt.insertFill.run(
        this.runId,
        f.clientOrderId,
        f.tradeId,
        f.symbol,
        f.side,
        decimalText(f.price, 'price', 'fills'),
        decimalText(f.quantity, 'quantity', 'fills'),
        decimalText(f.commission, 'commission', 'fills'),
        f.commissionAsset,
        f.maker ? 1 : 0,
        timeValue(f.time, 'time', 'fills'),
      );
      if (info.changes === 1) return true;
      const stored = rowToFill(this.stmt.getFill.get(f.clientOrderId, f.tradeId) as FillRow);
      if (!sameFill(stored, f)) throw conflictingFill('sqlite', stored, f);
      return false;
    });
  }

  recordPosition(kind: PositionKind, p: PositionEvent): Promise<void> {
    return this.write('recordPosition', 'positions', () => {
      this.stmt.insertPosition.run(
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
      );
    });
  }

  recordBalance(b: BalanceEvent): Promise<void> {
    return this.write('recordBalance', 'balances', () => {
      this.stmt.insertBalance.run(
        this.runId,
        b.asset,
        numberText(b.free, 'free', 'balances'),
        numberText(b.locked, 'locked', 'balances'),
        timeValue(b.time, 'time', 'balances'),
      );
    });
  }

  recordHeartbeat(time: number, report: Readonly<Record<string, unknown>>): Promise<void> {
    return this.write('recordHeartbeat', 'heartbeats', () => {
      this.stmt.insertHeartbeat.run({
        runId: this.runId,
        time: timeValue(time, 'time', 'heartbeats'),
        report: jsonText(report, 'report_json', 'heartbeats'),
      });
    });
  }

  openOrders(): Promise<OrderEvent[]> {
    return this.read('openOrders', 'orders', () =>
      (this.stmt.openOrders.all() as OrderRow[]).map(rowToOrder),
    );
  }

  ordersByClientId(clientOrderId: string): Promise<OrderRecord | undefined> {
    return this.read('ordersByClientId', 'orders', () => {
      const row = this.stmt.getOrder.get(clientOrderId) as OrderRow | undefined;
      if (row === undefined) return undefined;
      const events = (this.stmt.orderEvents.all(clientOrderId) as OrderRow[]).map(rowToOrder);
      return { order: rowToOrder(row), events };
    });
  }

  signals(): Promise<Signal[]> {
    return this.read('signals', 'signals', () =>
      (this.stmt.signalsAll.all() as SignalRow[]).map(rowToSignal),
    );
  }

  fills(since?: number): Promise<Fill[]> {
    return this.read('fills', 'fills', () => {
      const rows = since === undefined ? this.stmt.fillsAll.all() : this.stmt.fillsSince.all(since);
      return (rows as FillRow[]).map(rowToFill);
    });
  }

  latestPositions(): Promise<PositionSnapshot[]> {
    return this.read('latestPositions', 'positions', () =>
      (this.stmt.latestPositions.all() as PositionRow[]).map(rowToPosition),
    );
  }

  lastHeartbeat(): Promise<{ time: number; report: JsonObject } | undefined> {
    return this.read('lastHeartbeat', 'heartbeats', () => {
      const row = this.stmt.lastHeartbeat.get() as { time: number; report_json: string } | undefined;
      return row === undefined ? undefined : { time: row.time, report: parseJsonObject(row.report_json) };
    });
  }

  counts(runId?: string): Promise<JournalCounts> {
    return this.read('counts', '*', () =>
      rowToCounts(
        (runId === undefined ? this.stmt.countsAll.get() : this.stmt.countsRun.get({ runId })) as CountsRow,
      ),
    );
  }

  appliedMigrations(): Promise<AppliedMigration[]> {
    return this.read('appliedMigrations', 'schema_migrations', () =>
      (this.stmt.migrations.all() as { version: number; name: string; applied_at: number }[]).map((r) => ({
        version: r.version,
        name: r.name,
        appliedAt: r.applied_at,
      })),
    );
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    try {
      this.commitBatch();
      // Fold the -wal file back into the database on a clean stop (every commit is already durable).
      if (this.file !== ':memory:') this.db.pragma('wal_checkpoint(TRUNCATE)');
      return Promise.resolve();
    } catch (caught) {
      return Promise.reject(journalError('sqlite', 'close', '*', caught, { file: this.file }));
    } finally {
      this.db.close();
    }
  }

  /** A record call: its own transaction, or (batchWrites > 1) a statement of the open batch. */
  private write<T>(operation: string, table: string, fn: () => T): Promise<T> {
    if (this.batchWrites === 1) return this.read(operation, table, fn);
    if (this.closed) return Promise.reject(this.afterClose(operation, table));
    try {
      if (!this.db.inTransaction) {
        this.db.exec('BEGIN');
        this.pending = 0;
      }
      let value: T;
      try {
        value = fn();
      } catch (caught) {
        // SQLite rolls back only the failed statement, unless the error was severe enough (disk full,
        // I/O) to abort the whole transaction: then the batch's earlier records are gone, and we say so.
        const lost = this.db.inTransaction ? 0 : this.pending;
        if (lost > 0) this.pending = 0;
        throw lost > 0 ? batchLost(operation, table, caught, lost, this.file) : caught;
      }
      if (++this.pending >= this.batchWrites) this.commitBatch();
      return Promise.resolve(value);
    } catch (caught) {
      return Promise.reject(journalError('sqlite', operation, table, caught, { file: this.file }));
    }
  }

  /** Commit the open batch transaction, if any (no-op when batchWrites is 1). */
  private commitBatch(): void {
    if (this.batchWrites === 1 || !this.db.inTransaction) return;
    const pending = this.pending;
    this.pending = 0;
    try {
      this.db.exec('COMMIT');
    } catch (caught) {
      // a failed COMMIT may leave the transaction open (SQLITE_BUSY): roll it back, its records are lost
      if (this.inTransaction()) this.db.exec('ROLLBACK');
      throw batchLost('commit', '*', caught, pending, this.file);
    }
  }

  /** The driver's live flag (a method, so that TypeScript does not narrow it across statements). */
  private inTransaction(): boolean {
    return this.db.inTransaction;
  }

  /** Reads (and endRun) commit the open batch first, so that other connections see what they see here. */
  private read<T>(operation: string, table: string, fn: () => T): Promise<T> {
    if (this.closed) return Promise.reject(this.afterClose(operation, table));
    try {
      this.commitBatch();
      return Promise.resolve(fn());
    } catch (caught) {
      return Promise.reject(journalError('sqlite', operation, table, caught, { file: this.file }));
    }
  }

  private afterClose(operation: string, table: string): AegisError {
    return new AegisError('JOURNAL_FAILED', `journal ${operation} on ${table} after close (sqlite)`, {
      context: { operation, table, dialect: 'sqlite', file: this.file },
    });
  }
}

/** A batch transaction was rolled back: `lost` records acknowledged earlier are not in the journal. */
function batchLost(
  operation: string,
  table: string,
  caught: unknown,
  lost: number,
  file: string,
): AegisError {
  const detail = caught instanceof Error ? caught.message : String(caught);
  return new AegisError(
    'JOURNAL_FAILED',
    `journal ${operation} on ${table} failed (sqlite): ${detail}; the batch transaction was rolled back and ` +
      `${String(lost)} earlier record(s) acknowledged in it are lost`,
    { cause: caught, context: { operation, table, dialect: 'sqlite', file, lostRecords: lost } },
  );
}

/** Apply every migration not yet recorded, inside one IMMEDIATE transaction (one opener at a time). */
function migrate(db: Database.Database, migrations: readonly Migration[]): void {
  checkMigrations('sqlite', migrations);
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  ) STRICT`);
  const applyAll = db.transaction(() => {
    const applied = new Set(
      (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map(
        (r) => r.version,
      ),
    );
    const newest = Math.max(0, ...applied);
    if (newest > migrations.length) {
      throw new AegisError(
        'JOURNAL_FAILED',
        `journal schema version ${newest} is newer than this build knows (${migrations.length})`,
        { context: { operation: 'migrate', table: 'schema_migrations', dialect: 'sqlite' } },
      );
    }
    const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    for (const m of migrations) {
      if (applied.has(m.version)) continue;
      db.exec(m.sql);
      record.run(m.version, m.name, Date.now());
    }
  });
  applyAll.immediate();
}
