/**
 * Backtest-vs-replay parity (issue 7, item 7): the same kline data run by runBacktest (in-process
 * simulator) and replayed through `aegis sim`'s server over real sockets (WebSocket kline stream, signed
 * REST orders, user data stream) gives the same signals and the same orders. Both runs are read back from
 * their journals (SQLite files), not from the objects that produced them.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { sharedData } from '../../test/support/shared-data.js';
import { MemoryLogger } from '../core/logger.js';
import { loadConfig } from '../config/load.js';
import type { Candle, Trade } from '../domain/market.js';
import type { Signal } from '../domain/signal.js';
import { openJournal } from '../store/open.js';
import { readTextFile } from '../venues/files/csv.js';
import { USDM_BTCUSDT } from '../venues/sim/instruments.js';
import { loadTrades } from '../venues/files/market-csv.js';
import { runBacktest } from './backtest/run.js';
import { runReplay } from './replay.js';

// ../shared/data: Binance USDⓈ-M BTCUSDT perpetual 5m klines, 2025-09-19 .. 2025-10-27 (11,123 rows); its
// prices are on the contract's 0.10 tick, so the server's frames carry them unrounded
const SOURCE = sharedData('futures/binance_usdm_BTCUSDT_5m_20250919_20251027.csv.gz');
/** Candles in the slice: about 5 days: 48 signals, 4 round trips in the backtest (stop and take-profit exits). */
const ROWS = 1_500;

interface OrderRow {
  client_order_id: string;
  symbol: string;
  side: string;
  type: string;
  quantity: string;
  status: string;
  filled_quantity: string;
  time: number;
}

function ordersOf(db: string): OrderRow[] {
  const sql = new Database(db, { readonly: true });
  try {
    return sql
      .prepare(
        'SELECT client_order_id, symbol, side, type, quantity, status, filled_quantity, time FROM orders ORDER BY time, client_order_id',
      )
      .all() as OrderRow[];
  } finally {
    sql.close();
  }
}

async function signalsOf(db: string): Promise<Signal[]> {
  const journal = await openJournal(db);
  try {
    return await journal.signals();
  } finally {
    await journal.close();
  }
}

const view = (s: Signal) => ({
  id: s.id,
  symbol: s.symbol,
  side: s.side,
  candleOpenTime: s.candleOpenTime,
  decidedAt: s.decidedAt,
  confidence: s.confidence,
  entry: s.entry,
  stop: s.stop,
  take_profit: s.take_profit,
  position_size: s.position_size,
});

describe('backtest vs replay over real sockets (aegis sim, testnet code path)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'aegis-replay-parity-'));
  // the slice keeps the file's name pattern (symbol and interval come from it) and its header
  const slice = path.join(dir, 'binance_usdm_BTCUSDT_5m_slice.csv');
  beforeAll(() => {
    const lines = readTextFile(SOURCE).split('\n');
    writeFileSync(slice, lines.slice(0, ROWS + 1).join('\n') + '\n');
  });

  it('produces the same signals and the same orders (client ids, side, type, quantity, status)', async () => {
    const btDb = path.join(dir, 'backtest.sqlite');
    const rpDb = path.join(dir, 'replay.sqlite');
    const { config } = loadConfig({ env: { DATABASE_URL: rpDb }, cwd: tmpdir() });
    const bt = await runBacktest({
      config,
      file: slice,
      symbol: 'BTCUSDT',
      interval: '5m',
      journal: btDb,
      logger: new MemoryLogger(),
    });
    const lines: string[] = [];
    const rp = await runReplay({
      config,
      logger: new MemoryLogger(),
      files: [{ file: slice }],
      speed: 'max',
      heartbeatMinutes: 1440,
      print: (l) => lines.push(l),
    });
    expect(rp.pump.candles).toBe(ROWS);
    expect(rp.candlesClosed).toBe(bt.candles_closed);
    expect(rp.stalls).toBe(0);

    const btSignals = (await signalsOf(btDb)).map(view);
    const rpSignals = (await signalsOf(rpDb)).map(view);
    expect(btSignals.length).toBeGreaterThan(10);
    expect(rpSignals).toEqual(btSignals);

    const btOrders = ordersOf(btDb);
    const rpOrders = ordersOf(rpDb);
    // entries and protective orders were placed, and some were filled
    expect(btOrders.some((r) => r.type === 'MARKET')).toBe(true);
    expect(btOrders.some((r) => r.type === 'STOP_MARKET')).toBe(true);
    expect(rpOrders).toEqual(btOrders);
    // the replay's orders went over the socket: the bus saw the same submissions the journal holds
    expect(rp.orders.map((e) => e.clientOrderId).sort()).toEqual(
      btOrders.map((r) => r.client_order_id).sort(),
    );
  }, 60_000);
});

describe('backtest vs replay on data with duplicates and gaps', () => {
  it('BTCUSDT 1h, first 1,200 rows of the ninjabot download (2 duplicate rows): same signals and orders', async () => {
    // ../shared/data: Binance spot BTCUSDT 1h, 2020-11-17 .. 2021-05-16 (4,314 rows incl. 5 exact duplicates,
    // at data rows 501 and 998 in this slice: downloader page boundaries).
    // Spot prices have 0.01 steps: the replay's instrument (and the backtest's) gets that tick, else the
    // server would round them to the USDⓈ-M contract's 0.10 on the wire (docs/replay.md).
    const source = sharedData('klines/binance_spot_BTCUSDT_1h_20201117_20210516_ninjabot.csv.gz');
    const instrument = { ...USDM_BTCUSDT, tickSize: '0.01', minPrice: '0.01' };
    const dir = mkdtempSync(path.join(tmpdir(), 'aegis-replay-dups-'));
    const file = path.join(dir, 'binance_spot_BTCUSDT_1h_ninjabot_slice.csv');
    writeFileSync(file, readTextFile(source).split('\n').slice(0, 1201).join('\n') + '\n');
    const btDb = path.join(dir, 'backtest.sqlite');
    const rpDb = path.join(dir, 'replay.sqlite');
    const { config } = loadConfig({ env: { DATABASE_URL: rpDb }, cwd: tmpdir() });
    const bt = await runBacktest({
      config,
      file,
      symbol: 'BTCUSDT',
      interval: '1h',
      journal: btDb,
      instrument,
      logger: new MemoryLogger(),
    });
    expect(bt.duplicates).toBe(2);
    const rp = await runReplay({
      config,
      logger: new MemoryLogger(),
      files: [{ file }],
      speed: 'max',
      instruments: [instrument],
      heartbeatMinutes: 1440,
      print: () => undefined,
    });
    // the duplicates never reach the server (as they never reach runBacktest's venue)
    expect(rp.pump.skippedCandles).toBe(2);
    expect(rp.candlesClosed).toBe(bt.candles_closed);
    const btSignals = (await signalsOf(btDb)).map(view);
    expect(btSignals.length).toBeGreaterThan(20);
    expect((await signalsOf(rpDb)).map(view)).toEqual(btSignals);
    const btOrders = ordersOf(btDb);
    expect(btOrders.length).toBeGreaterThan(20);
    expect(ordersOf(rpDb)).toEqual(btOrders);
  }, 60_000);
});

describe('replay of trades over real sockets', () => {
  it('the engine builds 1m candles from the aggTrade stream that match the file (OHLC, volume, count)', async () => {
    // ../shared/data: Binance USDⓈ-M BTCUSDT trades from the WebSocket, 2024-08-08 23:54:16 .. 23:59:59 (21,313 rows)
    const file = sharedData('trades/binance_usdm_BTCUSDT_trades_20240808_ws.csv.gz');
    const trades = loadTrades(file, 'BTCUSDT');
    const { config } = loadConfig({
      env: { DATABASE_URL: ':memory:', AEGIS_INTERVALS: '1m', AEGIS_HEARTBEAT_MINUTES: '1440' },
      cwd: tmpdir(),
    });
    const closed: Candle[] = [];
    const rp = await runReplay({
      config,
      logger: new MemoryLogger(),
      files: [{ file }],
      speed: 'max',
      batch: 100,
      print: () => undefined,
      onEngine: (e) => e.engineBus.bus.subscribe('CANDLE_CLOSED', 'test', (c) => closed.push(c)),
    });
    expect(rp.source).toBe('trades');
    expect(rp.pump.trades).toBe(trades.length);
    expect(rp.stalls).toBe(0);
    expect(rp.errors).toBe(0);
    // reference: the file's trades bucketed per minute here, independently of the data layer; the
    // last minute (23:59) is still forming when the data ends, the first one starts mid-minute
    const byMinute = new Map<number, Trade[]>();
    for (const t of trades) {
      const m = Math.floor(t.time / 60_000) * 60_000;
      byMinute.set(m, [...(byMinute.get(m) ?? []), t]);
    }
    const minutes = [...byMinute.keys()].sort((a, b) => a - b).slice(0, -1);
    expect(closed.map((c) => c.openTime)).toEqual(minutes);
    for (const c of closed) {
      const ts = byMinute.get(c.openTime) ?? [];
      const prices = ts.map((t) => t.price);
      expect([c.open, c.high, c.low, c.close]).toEqual([
        prices[0],
        Math.max(...prices),
        Math.min(...prices),
        prices[prices.length - 1],
      ]);
      expect(c.trades).toBe(ts.length);
      const volume = ts.reduce((v, t) => v + t.qty, 0);
      // float sums in a different order: well inside 1e-9 relative, far below the 0.001 BTC step
      expect(Math.abs(c.volume - volume)).toBeLessThanOrEqual(1e-9 * volume);
    }
  }, 30_000);
});
