/**
 * Journal write throughput: fills/s recorded through the Journal port (each recordFill = one committed
 * transaction, awaited before the next, as the engine does it), and the latency of each call.
 *
 *   node --import tsx bench/journal.ts
 *
 * PostgreSQL: postgres://postgres@127.0.0.1:5432/test (override with AEGIS_BENCH_POSTGRES_URL), in a
 * throw-away schema; skipped with a message when unreachable.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { Journal } from '../src/store/journal.js';
import { binanceFill } from '../src/store/journal.fixtures.js';
import { PostgresJournal } from '../src/store/postgres/postgres-journal.js';
import { SqliteJournal } from '../src/store/sqlite/sqlite-journal.js';

const PG_URL = process.env.AEGIS_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ROUNDS = 5;

interface Row {
  scenario: string;
  fillsPerRound: number;
  medianFillsPerSec: number;
  p50Us: number;
  p99Us: number;
}

let tradeId = 0;
function nextFill(): typeof binanceFill {
  tradeId += 1;
  return { ...binanceFill, tradeId: String(tradeId), time: binanceFill.time + tradeId };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN;
}

/** Sequential: await each fill before the next (per-call latency is meaningful). */
async function sequential(journal: Journal, n: number, latenciesNs: number[]): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await journal.recordFill(nextFill());
    latenciesNs.push(Number(process.hrtime.bigint() - t0));
  }
  return Number(process.hrtime.bigint() - start);
}

/** `inFlight` concurrent writers (PostgreSQL pool): throughput only. */
async function concurrent(
  journal: Journal,
  n: number,
  inFlight: number,
  latenciesNs: number[],
): Promise<number> {
  const start = process.hrtime.bigint();
  let issued = 0;
  const worker = async (): Promise<void> => {
    while (issued < n) {
      issued += 1;
      const t0 = process.hrtime.bigint();
      await journal.recordFill(nextFill());
      latenciesNs.push(Number(process.hrtime.bigint() - t0));
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return Number(process.hrtime.bigint() - start);
}

async function measure(
  scenario: string,
  journal: Journal,
  fillsPerRound: number,
  run: (journal: Journal, n: number, lat: number[]) => Promise<number>,
): Promise<Row> {
  await run(journal, Math.min(500, fillsPerRound), []); // warm-up: JIT, prepared statements, pool
  const rates: number[] = [];
  const latencies: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const elapsedNs = await run(journal, fillsPerRound, latencies);
    rates.push(fillsPerRound / (elapsedNs / 1e9));
  }
  latencies.sort((a, b) => a - b);
  return {
    scenario,
    fillsPerRound,
    medianFillsPerSec: Math.round(median(rates)),
    p50Us: Math.round(percentile(latencies, 0.5) / 100) / 10,
    p99Us: Math.round(percentile(latencies, 0.99) / 100) / 10,
  };
}

async function pgReachable(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
  } catch (caught) {
    return caught instanceof Error ? caught.message : String(caught);
  }
  await client.end();
  return undefined;
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aegis-bench-journal-'));
  try {
    for (const synchronous of ['FULL', 'NORMAL'] as const) {
      const journal = SqliteJournal.open(path.join(dir, `${synchronous}.sqlite`), { synchronous });
      // FULL pays one fsync per fill: smaller rounds keep the run short.
      rows.push(
        await measure(
          `sqlite file WAL synchronous=${synchronous}`,
          journal,
          synchronous === 'FULL' ? 1000 : 5000,
          (j, n, l) => sequential(j, n, l),
        ),
      );
      await journal.close();
    }
    const memory = SqliteJournal.open(':memory:');
    rows.push(
      await measure('sqlite :memory: (no I/O, baseline)', memory, 20000, (j, n, l) => sequential(j, n, l)),
    );
    await memory.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const unreachable = await pgReachable();
  if (unreachable !== undefined) {
    console.warn(`PostgreSQL skipped: ${PG_URL} unreachable (${unreachable})`);
  } else {
    const schema = `aegis_bench_${randomBytes(4).toString('hex')}`;
    const journal = await PostgresJournal.open(PG_URL, { schema, poolSize: 8 });
    try {
      rows.push(await measure('postgres, 1 in flight', journal, 500, (j, n, l) => sequential(j, n, l)));
      rows.push(
        await measure('postgres, 8 in flight (pool 8)', journal, 2000, (j, n, l) => concurrent(j, n, 8, l)),
      );
    } finally {
      await journal.close();
      const admin = new pg.Client({ connectionString: PG_URL });
      await admin.connect();
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    }
  }

  console.log(
    `journal recordFill, ${String(ROUNDS)} rounds after warm-up, median round; latency over all rounds`,
  );
  console.table(
    rows.map((r) => ({
      scenario: r.scenario,
      'fills/round': r.fillsPerRound,
      'median fills/s': r.medianFillsPerSec,
      'p50 µs': r.p50Us,
      'p99 µs': r.p99Us,
    })),
  );
}

await main();
