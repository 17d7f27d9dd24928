/**
 * The journal contract: one suite every adapter must pass (sqlite-journal.test.ts and
 * postgres-journal.test.ts call it). It is the definition of "a journal" for this project.
 * The reference fill comes from Binance's documentation (see journal.fixtures.ts).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AegisError } from '../core/errors.js';
import type { OrderEvent, PositionEvent } from '../domain/order.js';
import type { Signal } from '../domain/signal.js';
import type { Journal } from './journal.js';
import type { Migration } from './shared.js';
import { binanceFill, fillNo } from './journal.fixtures.js';

export interface JournalHarness {
  /** The adapter's own migration list. */
  readonly migrations: readonly Migration[];
  /** Open (or reopen) the same storage. */
  open(options?: { migrations?: readonly Migration[] }): Promise<Journal>;
  /** Remove the storage (file, schema). */
  dispose(): Promise<void>;
}

function order(status: OrderEvent['status'], time: number, extra: Partial<OrderEvent> = {}): OrderEvent {
  return {
    clientOrderId: 'aegis-ETHUSDT-7',
    symbol: 'ETHUSDT',
    side: 'SELL',
    type: 'LIMIT',
    status,
    quantity: '0.500',
    filledQuantity: '0.000',
    price: '2500.10',
    time,
    ...extra,
  };
}

const signal: Signal = {
  id: 'sig-BTCUSDT-15m-1700000000000',
  symbol: 'BTCUSDT',
  interval: '15m',
  side: 'BUY',
  confidence: 0.82,
  tier: 'teacher',
  position_size: 0.0123,
  entry: 37_000.5,
  stop: 36_500.25,
  take_profit: 38_000.75,
  patterns: [{ kind: 'bos', direction: 'up', level: 36_900, decidedTime: 1_700_000_000_000 }],
  candleOpenTime: 1_700_000_000_000,
  decidedAt: 1_700_000_900_000,
  strategy: 'smc',
};

function position(side: PositionEvent['side'], quantity: number, time: number): PositionEvent {
  return {
    symbol: 'BTCUSDT',
    side,
    quantity,
    entryPrice: 37_000.1,
    tier: 'teacher',
    leverage: 5,
    realizedPnl: -1.25,
    time,
  };
}

async function rejection(promise: Promise<unknown>): Promise<AegisError> {
  try {
    await promise;
  } catch (caught) {
    if (caught instanceof AegisError) return caught;
    throw new Error(`expected an AegisError, got ${String(caught)}`, { cause: caught });
  }
  throw new Error('expected the call to reject');
}

export function journalContract(label: string, makeHarness: () => Promise<JournalHarness>): void {
  describe(`Journal contract: ${label}`, () => {
    let harness: JournalHarness;
    let journal: Journal;

    beforeEach(async () => {
      harness = await makeHarness();
      journal = await harness.open();
    });

    afterEach(async () => {
      await journal.close();
      await harness.dispose();
    });

    it('stores a fill recorded twice only once', async () => {
      await journal.startRun({ mode: 'paper' }, 'paper', 1_000);
      expect(await journal.recordFill(binanceFill)).toBe(true);
      expect(await journal.recordFill({ ...binanceFill })).toBe(false);
      expect(await journal.fills()).toEqual([binanceFill]);
      expect((await journal.counts()).fills).toBe(1);
    });

    it('returns the venue decimal strings of a fill byte for byte', async () => {
      await journal.recordFill(binanceFill);
      const [stored] = await journal.fills();
      expect(stored?.price).toBe('4000.00000000');
      expect(stored?.quantity).toBe('1.00000000');
      expect(stored?.commission).toBe('4.00000000');
      expect(stored?.maker).toBe(false);
      expect(stored?.time).toBe(1_507_725_176_595);
    });

    it('rejects a fill that reuses a recorded (clientOrderId, tradeId) with other content', async () => {
      await journal.recordFill(binanceFill);
      const error = await rejection(journal.recordFill({ ...binanceFill, quantity: '2.00000000' }));
      expect(error.code).toBe('INVARIANT_BROKEN');
      expect(error.context.tradeId).toBe('56');
      expect(await journal.fills()).toEqual([binanceFill]);
    });

    it('rejects a fill whose price is not a decimal string and stores nothing', async () => {
      const error = await rejection(journal.recordFill({ ...binanceFill, price: 'NaN' }));
      expect(error.code).toBe('INVARIANT_BROKEN');
      expect(await journal.fills()).toEqual([]);
    });

    it('returns the fills at or after a time, in time order', async () => {
      for (const n of [3, 1, 2, 5, 4]) await journal.recordFill(fillNo(n));
      const since = await journal.fills(binanceFill.time + 3);
      expect(since.map((f) => f.tradeId)).toEqual(['3', '4', '5']);
      expect((await journal.fills()).map((f) => f.tradeId)).toEqual(['1', '2', '3', '4', '5']);
    });

    it('upserts the current state of an order and appends each of its events', async () => {
      await journal.recordOrderEvent(order('pending', 10));
      await journal.recordOrderEvent(order('new', 11, { venueOrderId: '8886774' }));
      expect((await journal.openOrders()).map((o) => o.status)).toEqual(['new']);
      await journal.recordOrderEvent(order('partially_filled', 12, { filledQuantity: '0.200' }));
      await journal.recordOrderEvent(order('filled', 13, { filledQuantity: '0.500' }));

      const record = await journal.ordersByClientId('aegis-ETHUSDT-7');
      expect(record?.order).toEqual(
        order('filled', 13, { filledQuantity: '0.500', venueOrderId: '8886774' }),
      );
      expect(record?.events.map((e) => e.status)).toEqual(['pending', 'new', 'partially_filled', 'filled']);
      expect(record?.events[0]?.venueOrderId).toBeUndefined();
      expect(await journal.openOrders()).toEqual([]);
      const counts = await journal.counts();
      expect([counts.orders, counts.orderEvents]).toEqual([1, 4]);
    });

    it('never moves an order back to an earlier state when a stale update arrives late', async () => {
      await journal.recordOrderEvent(order('filled', 20, { filledQuantity: '0.500' }));
      await journal.recordOrderEvent(order('new', 19)); // older
      await journal.recordOrderEvent(order('partially_filled', 25, { filledQuantity: '0.1' })); // lower rank
      const record = await journal.ordersByClientId('aegis-ETHUSDT-7');
      expect(record?.order.status).toBe('filled');
      expect(record?.order.filledQuantity).toBe('0.500');
      expect(record?.events).toHaveLength(3); // the history keeps every event as received
    });

    it('adopts an order with recordOrder without appending an event', async () => {
      await journal.recordOrder(order('new', 30, { venueOrderId: '42' }));
      const record = await journal.ordersByClientId('aegis-ETHUSDT-7');
      expect(record?.order.venueOrderId).toBe('42');
      expect(record?.events).toEqual([]);
      expect(await journal.ordersByClientId('no-such-order')).toBeUndefined();
    });

    it('lists open orders (pending, new, partially filled, unknown) oldest first', async () => {
      const ids = ['a', 'b', 'c', 'd', 'e'];
      const statuses = ['unknown', 'canceled', 'new', 'partially_filled', 'rejected'] as const;
      for (const [i, id] of ids.entries()) {
        await journal.recordOrderEvent(order(statuses[i] ?? 'new', 100 - i, { clientOrderId: id }));
      }
      expect((await journal.openOrders()).map((o) => o.clientOrderId)).toEqual(['d', 'c', 'a']);
    });

    it('keeps the latest position snapshot per symbol and side and omits closed ones', async () => {
      await journal.recordPosition('open', position('LONG', 0.5, 1));
      await journal.recordPosition('update', position('LONG', 0.75, 2));
      await journal.recordPosition('open', { ...position('SHORT', 1, 3), symbol: 'ETHUSDT' });
      await journal.recordPosition('close', { ...position('SHORT', 0, 4), symbol: 'ETHUSDT' });
      expect(await journal.latestPositions()).toEqual([{ kind: 'update', ...position('LONG', 0.75, 2) }]);
      expect((await journal.counts()).positions).toBe(4);
    });

    it('stores the config snapshot of a run with secrets redacted', async () => {
      const runId = await journal.startRun(
        {
          mode: 'live',
          binanceApiSecret: 'abc123',
          nested: { apiKey: 'k' },
          databaseUrl: 'postgres://aegis:hunter2@127.0.0.1:5432/aegis',
        },
        'live',
        1_700_000_000_000,
      );
      expect(journal.currentRunId).toBe(runId);
      await journal.endRun(1_700_000_060_000);
      expect(await journal.getRun(runId)).toEqual({
        runId,
        mode: 'live',
        startedAt: 1_700_000_000_000,
        endedAt: 1_700_000_060_000,
        config: {
          mode: 'live',
          binanceApiSecret: '[REDACTED]',
          nested: { apiKey: '[REDACTED]' },
          databaseUrl: 'postgres://aegis:[REDACTED]@127.0.0.1:5432/aegis',
        },
      });
      expect(await journal.getRun('no-such-run')).toBeUndefined();
    });

    it('counts the records of one run apart from the whole journal', async () => {
      await journal.recordSignal(signal); // before any run
      const run = await journal.startRun({}, 'backtest', 5);
      await journal.recordSignal(signal);
      await journal.recordSignal(signal); // same run, same id: stored once
      await journal.recordDenial({
        signalId: signal.id,
        symbol: 'BTCUSDT',
        reason: 'cooldown',
        detail: 'x',
        time: 6,
      });
      await journal.recordBalance({ asset: 'USDT', free: 1000.5, locked: 0, time: 7 });
      await journal.recordFill(binanceFill);
      expect(await journal.counts(run)).toEqual({
        runs: 1,
        signals: 1,
        denials: 1,
        orders: 0,
        orderEvents: 0,
        fills: 1,
        positions: 0,
        balances: 1,
        heartbeats: 0,
      });
      expect((await journal.counts()).signals).toBe(2);
    });

    it('reads back every journaled signal as it was recorded (reconciliation recomputes levels from it)', async () => {
      await journal.recordSignal(signal);
      await journal.recordSignal({ ...signal, id: 'sig-2', stop: 41000.5 });
      expect(await journal.signals()).toEqual([signal, { ...signal, id: 'sig-2', stop: 41000.5 }]);
    });

    it('returns the latest heartbeat', async () => {
      expect(await journal.lastHeartbeat()).toBeUndefined();
      await journal.recordHeartbeat(900_000, { uptimeMs: 900_000, fills: 0 });
      await journal.recordHeartbeat(1_800_000, { uptimeMs: 1_800_000, fills: 3, p99Us: 12.5 });
      expect(await journal.lastHeartbeat()).toEqual({
        time: 1_800_000,
        report: { uptimeMs: 1_800_000, fills: 3, p99Us: 12.5 },
      });
    });

    it('keeps every record across a reopen and does not run a migration twice', async () => {
      const runId = await journal.startRun({ a: 1 }, 'paper', 1);
      await journal.recordFill(binanceFill);
      await journal.recordOrderEvent(order('new', 2));
      await journal.recordPosition('open', position('LONG', 1, 3));
      await journal.recordHeartbeat(4, { ok: true });
      const before = await journal.appliedMigrations();
      const countsBefore = await journal.counts();
      expect(before.map((m) => m.version)).toEqual(harness.migrations.map((m) => m.version));
      await journal.close();

      // The migrations use plain CREATE TABLE: running one again would throw.
      journal = await harness.open();
      expect(await journal.appliedMigrations()).toEqual(before);
      expect(await journal.counts()).toEqual(countsBefore);
      expect(await journal.fills()).toEqual([binanceFill]);
      expect((await journal.openOrders()).map((o) => o.clientOrderId)).toEqual(['aegis-ETHUSDT-7']);
      expect((await journal.getRun(runId))?.config).toEqual({ a: 1 });
      expect(journal.currentRunId).toBeUndefined();
    });

    it('applies a new migration once on reopen and refuses a schema newer than the build', async () => {
      await journal.close();
      const extra: Migration = { version: 2, name: 'extra', sql: 'CREATE TABLE contract_extra (id INTEGER)' };
      journal = await harness.open({ migrations: [...harness.migrations, extra] });
      await journal.close();
      journal = await harness.open({ migrations: [...harness.migrations, extra] });
      expect((await journal.appliedMigrations()).map((m) => m.version)).toEqual([1, 2]);
      await journal.close();

      const error = await rejection(harness.open());
      expect(error.code).toBe('JOURNAL_FAILED');
      expect(error.message).toMatch(/newer than this build/);
      journal = await harness.open({ migrations: [...harness.migrations, extra] });
    });

    it('rejects every call after close with JOURNAL_FAILED naming the operation and table', async () => {
      await journal.close();
      await journal.close(); // idempotent
      const error = await rejection(journal.recordFill(binanceFill));
      expect(error.code).toBe('JOURNAL_FAILED');
      expect(error.context).toMatchObject({ operation: 'recordFill', table: 'fills' });
      expect((await rejection(journal.openOrders())).code).toBe('JOURNAL_FAILED');
    });
  });
}
