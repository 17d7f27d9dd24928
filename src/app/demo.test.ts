import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryLogger } from '../core/logger.js';
import { loadConfig } from '../config/load.js';
import { openJournal } from '../store/open.js';
import { runSocketDemo } from './demo-sockets.js';
import { runDemo, type DemoSummary } from './demo.js';

async function demo(
  seed: number,
  hours: number,
  dbFile: string,
): Promise<{ summary: DemoSummary; lines: string[] }> {
  const { config } = loadConfig({
    env: { DATABASE_URL: dbFile, AEGIS_INTERVALS: '1m,5m' },
    cwd: tmpdir(),
  });
  const lines: string[] = [];
  const summary = await runDemo({
    config,
    logger: new MemoryLogger(),
    hours,
    seed,
    print: (l) => lines.push(l),
  });
  return { summary, lines };
}

describe('the offline demo (full engine, synthetic market, in-process simulator)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'aegis-demo-'));

  it('generates signals, sends orders, journals fills and positions, and beats every 15 minutes', async () => {
    const db = path.join(dir, 'a.sqlite');
    const { summary, lines } = await demo(42, 6, db);
    expect(summary.signals.teacher + summary.signals.student).toBeGreaterThan(0);
    expect(summary.ordersSubmitted).toBeGreaterThan(0);
    expect(summary.fills).toBeGreaterThan(0);
    expect(summary.positionsOpened).toBeGreaterThan(0);
    expect(summary.heartbeats).toBe(6 * 4 - 1); // 15-minute beats strictly inside 6 hours
    expect(lines.filter((l) => l.startsWith('HEARTBEAT '))).toHaveLength(summary.heartbeats);
    expect(summary.errors).toBe(0);

    // what the summary claims is what the journal holds
    const journal = await openJournal(db);
    try {
      const counts = await journal.counts();
      expect(counts.fills).toBe(summary.fills);
      expect(counts.signals).toBe(summary.signals.teacher + summary.signals.student);
      expect(counts.heartbeats).toBe(summary.heartbeats);
      expect(counts.positions).toBeGreaterThanOrEqual(summary.positionsOpened);
      const fills = await journal.fills();
      expect(fills.every((f) => Number(f.price) > 0 && Number(f.quantity) > 0)).toBe(true);
    } finally {
      await journal.close();
    }
  });

  it('is deterministic: the same seed gives the same trading', async () => {
    const a = await demo(7, 4, path.join(dir, 'b.sqlite'));
    const b = await demo(7, 4, path.join(dir, 'c.sqlite'));
    const pick = (s: DemoSummary) => [s.signals, s.denials, s.ordersSubmitted, s.fills, s.endEquity];
    expect(pick(a.summary)).toEqual(pick(b.summary));
  });
});

describe('the demo over real sockets (simulator server, Binance adapter, testnet mode)', () => {
  it('trades the synthetic market through WebSocket streams and signed REST, journals it, beats every 15 minutes', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'aegis-demo-sockets-'));
    const db = path.join(dir, 'journal.sqlite');
    const { config } = loadConfig({ env: { DATABASE_URL: db, AEGIS_INTERVALS: '1m,5m' }, cwd: tmpdir() });
    const lines: string[] = [];
    const summary = await runSocketDemo({
      config,
      logger: new MemoryLogger(),
      hours: 6,
      seed: 42,
      print: (l) => lines.push(l),
    });
    expect(summary.signals.teacher + summary.signals.student).toBeGreaterThan(0);
    expect(summary.ordersSubmitted).toBeGreaterThan(0);
    expect(summary.fills).toBeGreaterThan(0);
    expect(summary.heartbeats).toBe(6 * 4 - 1);
    expect(lines.filter((l) => l.startsWith('HEARTBEAT '))).toHaveLength(summary.heartbeats);
    expect(summary.errors).toBe(0);
    // the order path was the real one: signed requests and the user stream, measured per stage
    expect(summary.latencyNs['order→ack']?.count).toBeGreaterThan(0);
    const journal = await openJournal(db);
    try {
      const counts = await journal.counts();
      expect(counts.fills).toBe(summary.fills);
      expect(counts.heartbeats).toBe(summary.heartbeats);
    } finally {
      await journal.close();
    }
  }, 60_000);
});
