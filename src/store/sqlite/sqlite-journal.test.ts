import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { AegisError } from '../../core/errors.js';
import { journalContract } from '../journal.contract.js';
import { binanceFill, fillNo } from '../journal.fixtures.js';
import { SQLITE_MIGRATIONS } from './migrations.js';
import { SqliteJournal } from './sqlite-journal.js';

const tmpRoot = mkdtempSync(path.join(os.tmpdir(), 'aegis-journal-'));
afterAll(() => {
  rmSync(tmpRoot, { recursive: true, force: true });
});

let seq = 0;
function tmpFile(): string {
  seq += 1;
  return path.join(tmpRoot, `t${String(seq)}`, 'journal.sqlite');
}

journalContract('SQLite file (WAL)', () => {
  const file = tmpFile();
  return Promise.resolve({
    migrations: SQLITE_MIGRATIONS,
    // Executor form: an open that throws becomes a rejected promise, as with PostgreSQL.
    open: (options) =>
      new Promise((resolve) => {
        resolve(
          SqliteJournal.open(
            file,
            options?.migrations === undefined ? {} : { migrations: options.migrations },
          ),
        );
      }),
    dispose: () => {
      rmSync(path.dirname(file), { recursive: true, force: true });
      return Promise.resolve();
    },
  });
});

// The same contract with record calls batched (backtests): reads, endRun and close commit the batch.
journalContract('SQLite file, batchWrites 4', () => {
  const file = tmpFile();
  return Promise.resolve({
    migrations: SQLITE_MIGRATIONS,
    open: (options) =>
      new Promise((resolve) => {
        resolve(
          SqliteJournal.open(file, {
            batchWrites: 4,
            ...(options?.migrations === undefined ? {} : { migrations: options.migrations }),
          }),
        );
      }),
    dispose: () => {
      rmSync(path.dirname(file), { recursive: true, force: true });
      return Promise.resolve();
    },
  });
});

describe('SqliteJournal', () => {
  it('creates the parent directory and puts the file in WAL mode', async () => {
    const file = tmpFile();
    expect(existsSync(path.dirname(file))).toBe(false);
    const journal = SqliteJournal.open(file);
    await journal.recordFill(binanceFill);
    const other = new Database(file, { readonly: true });
    expect(other.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(other.prepare('SELECT price FROM fills').get()).toEqual({ price: '4000.00000000' });
    other.close();
    await journal.close();
  });

  it('works in memory', async () => {
    const journal = SqliteJournal.open(':memory:');
    await journal.recordFill(binanceFill);
    expect(await journal.fills()).toEqual([binanceFill]);
    await journal.close();
  });

  it('fails to open with JOURNAL_FAILED naming the file when the path is a directory', () => {
    const dir = path.dirname(tmpFile());
    let caught: unknown;
    try {
      SqliteJournal.open(path.join(dir, '..'));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AegisError);
    expect((caught as AegisError).code).toBe('JOURNAL_FAILED');
    expect((caught as AegisError).context).toMatchObject({ operation: 'open', dialect: 'sqlite' });
    expect((caught as AegisError).cause).toBeInstanceOf(Error);
  });

  // A real child process writes fills and prints "ack N" after each recordFill resolves; it is killed
  // with SIGKILL the moment ack TARGET is read, while it is still writing. Every acknowledged fill must
  // be in the file when it is reopened. NORMAL passes too: a WAL commit is in the OS page cache before
  // the call returns, and kill -9 does not lose what the OS holds (power loss would; FULL covers that).
  const TARGET = 150;
  for (const synchronous of ['FULL', 'NORMAL'] as const) {
    it(`keeps every acknowledged fill after kill -9 of the writer (synchronous=${synchronous})`, async () => {
      const file = tmpFile();
      const root = path.resolve(import.meta.dirname, '..', '..', '..');
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', path.join(import.meta.dirname, 'durability-child.ts'), file, synchronous],
        { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<NodeJS.Signals | null>((resolve) => {
        child.on('exit', (_code, signal) => {
          resolve(signal);
        });
      });
      let acked = 0;
      for await (const line of createInterface({ input: child.stdout })) {
        const match = /^ack (\d+)$/.exec(line);
        if (match === null) continue;
        acked = Number(match[1]);
        if (acked >= TARGET) {
          child.kill('SIGKILL');
          break;
        }
      }
      expect(await exited, stderr).toBe('SIGKILL');
      expect(acked).toBe(TARGET);

      const journal = SqliteJournal.open(file);
      const stored = new Set((await journal.fills()).map((f) => f.tradeId));
      const missing = Array.from({ length: acked }, (_, i) => String(i + 1)).filter((id) => !stored.has(id));
      expect(missing).toEqual([]);
      expect(stored.size).toBeGreaterThanOrEqual(acked); // unacknowledged in-flight writes may also be there
      expect(await journal.fills()).toContainEqual(fillNo(TARGET));
      await journal.close();
    });
  }
});

describe('SqliteJournal batchWrites (backtests only)', () => {
  function storedFills(file: string): number {
    const other = new Database(file, { readonly: true });
    try {
      return (other.prepare('SELECT count(*) AS n FROM fills').get() as { n: number }).n;
    } finally {
      other.close();
    }
  }

  it('commits every N record calls, before a read, and at close', async () => {
    const file = tmpFile();
    const journal = SqliteJournal.open(file, { synchronous: 'NORMAL', batchWrites: 3 });
    await journal.recordFill(fillNo(1));
    await journal.recordFill(fillNo(2));
    expect(storedFills(file)).toBe(0); // still in the open batch: another connection sees nothing yet
    await journal.recordFill(fillNo(3));
    expect(storedFills(file)).toBe(3); // the third call committed the batch
    await journal.recordFill(fillNo(4));
    expect(storedFills(file)).toBe(3);
    expect((await journal.fills()).map((f) => f.tradeId)).toEqual(['1', '2', '3', '4']);
    expect(storedFills(file)).toBe(4); // the read committed first
    await journal.recordFill(fillNo(5));
    await journal.close();
    expect(storedFills(file)).toBe(5);
  });

  it('rejects only the failing call of a batch and keeps the others', async () => {
    const file = tmpFile();
    const journal = SqliteJournal.open(file, { batchWrites: 10 });
    await journal.recordFill(fillNo(1));
    const error = await journal.recordFill({ ...fillNo(2), price: 'abc' }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(AegisError);
    await journal.recordFill(fillNo(3));
    await journal.close();
    const reopened = SqliteJournal.open(file);
    expect((await reopened.fills()).map((f) => f.tradeId)).toEqual(['1', '3']);
    await reopened.close();
  });

  it('an order event whose append fails after its upsert leaves no order row without its event: the batch is rolled back and reported lost', async () => {
    const file = tmpFile();
    const journal = SqliteJournal.open(file, { batchWrites: 10 });
    await journal.recordFill(fillNo(1));
    // the append fails after the upsert succeeded (as a disk-full or I/O error could)
    const stmt = (journal as unknown as { stmt: { insertOrderEvent: { run: (...a: unknown[]) => unknown } } })
      .stmt;
    const append = stmt.insertOrderEvent.run.bind(stmt.insertOrderEvent);
    stmt.insertOrderEvent.run = () => {
      throw new Error('simulated SQLITE_FULL');
    };
    const order = {
      clientOrderId: 'T1-abc-e',
      symbol: 'BTCUSDT',
      side: 'BUY',
      type: 'MARKET',
      status: 'new',
      quantity: '0.1',
      filledQuantity: '0',
      time: 1_700_000_000_000,
    } as const;
    const error = await journal.recordOrderEvent(order).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    stmt.insertOrderEvent.run = append;
    expect(error).toBeInstanceOf(AegisError);
    expect((error as Error).message).toMatch(/1 earlier record\(s\) acknowledged in it are lost/); // the fill of the batch
    await journal.close();
    const reopened = SqliteJournal.open(file);
    expect(await reopened.ordersByClientId('T1-abc-e')).toBeUndefined();
    expect(await reopened.fills()).toEqual([]);
    await reopened.close();
  });

  it('refuses a batch size that is not an integer >= 1, naming the option and value', () => {
    for (const batchWrites of [0, 1.5, Number.NaN]) {
      expect(() => SqliteJournal.open(':memory:', { batchWrites })).toThrow(
        new RegExp(`batchWrites must be an integer >= 1, got ${String(batchWrites)}`),
      );
    }
  });
});
