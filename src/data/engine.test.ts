import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SimulatedClock, type MonotonicClock } from '../core/clock.js';
import { MemoryLogger } from '../core/logger.js';
import type { Candle, Interval, Quote, Trade } from '../domain/market.js';
import { loadTrades } from '../venues/files/market-csv.js';
import { sharedData } from '../../test/support/shared-data.js';
import { DataEngine, type BackfillPort, type DataEngineOptions } from './engine.js';
import { recordingBus } from './test-support.js';

const M = 60_000;
/** 2023-11-14 22:00 UTC: aligned to every interval up to 1h. */
const T0 = 1_699_999_200_000;

function setup(overrides: Partial<DataEngineOptions> = {}) {
  const rec = recordingBus();
  const logger = new MemoryLogger();
  const clock = new SimulatedClock(T0);
  const engine = new DataEngine({ bus: rec.bus, logger, clock, scheduler: clock, staleAfterMs: 0, ...overrides });
  return { ...rec, logger, clock, engine };
}

const trade = (time: number, price: number, qty: number, id: number, symbol = 'BTCUSDT'): Trade => ({
  symbol,
  time,
  price,
  qty,
  buyerIsMaker: false,
  id,
});

function kline(openTime: number, close: number, interval: Interval = '1m', closed = true): Candle {
  return {
    symbol: 'BTCUSDT',
    interval,
    openTime,
    open: close,
    high: close + 1,
    low: close - 1,
    close,
    volume: 2,
    quoteVolume: 2 * close,
    trades: 3,
    takerBuyVolume: 1,
    takerBuyQuoteVolume: close,
    closed,
    synthetic: false,
  };
}

/** A backfill port that records its calls and answers from a table (or fails). */
function port(answer: (from: number, to: number) => Candle[] | Error): BackfillPort & { calls: [number, number][] } {
  const calls: [number, number][] = [];
  return {
    calls,
    backfill(_symbol, _interval, from, to) {
      calls.push([from, to]);
      const a = answer(from, to);
      return a instanceof Error ? Promise.reject(a) : Promise.resolve(a);
    },
  };
}

const flushPromises = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('DataEngine: trades path', () => {
  it('keeps the forming candle as the newest ring entry, updated in place, and appends it once closed', () => {
    const t = setup();
    t.engine.onTrade(trade(T0 + 1, 100, 1, 1));
    t.engine.onTrade(trade(T0 + 2, 105, 1, 2));
    const ring = t.engine.series('BTCUSDT', '1m');
    expect(ring?.length).toBe(1);
    expect(ring?.isClosed(0)).toBe(false);
    expect(ring?.high(0)).toBe(105);
    expect(t.updated.map((c) => c.close)).toEqual([100, 105]);
    t.engine.onTrade(trade(T0 + M + 1, 90, 1, 3));
    expect(ring?.length).toBe(2);
    expect(ring?.isClosed(1)).toBe(true);
    expect(ring?.close(1)).toBe(105);
    expect(ring?.isClosed(0)).toBe(false);
    expect(t.closed).toHaveLength(1);
    expect(t.closed[0]).toMatchObject({ openTime: T0, open: 100, high: 105, low: 100, close: 105, volume: 2, closed: true });
  });

  it('rejects NaN, negative and out-of-order trades at the boundary, counts and logs them, and passes none on', () => {
    const t = setup({ publishTrades: true });
    const seen: Trade[] = [];
    t.bus.subscribe('MARKET_TRADE', 'test', (x) => seen.push(x));
    t.engine.onTrade(trade(T0 + 10, 100, 1, 10));
    t.engine.onTrade(trade(T0 + 11, Number.NaN, 1, 11));
    t.engine.onTrade(trade(T0 + 12, 100, -1, 12));
    t.engine.onTrade(trade(T0 + 13, Number.POSITIVE_INFINITY, 1, 13));
    t.engine.onTrade(trade(T0 + 5, 100, 1, 14)); // time went backwards
    t.engine.onTrade(trade(T0 + 20, 100, 1, 9)); // id went backwards
    t.engine.onTrade(trade(T0 + 10, 100, 1, 10)); // exact duplicate
    const m = t.engine.metrics().symbols.BTCUSDT;
    expect(m?.rejects).toBe(5);
    expect(m?.duplicates).toBe(1);
    expect(seen.map((x) => x.id)).toEqual([10]);
    expect(t.engine.series('BTCUSDT', '1m')?.volume(0)).toBe(1);
    const warns = t.logger.records.filter((r) => r.level === 'warn');
    expect(warns).toHaveLength(5);
    expect(warns.every((r) => r.fields.code === 'DATA_REJECTED')).toBe(true);
  });

  it('rejects a trade for a bar that advanceTo already closed', () => {
    const t = setup();
    t.engine.onTrade(trade(T0 + 10, 100, 1, 1));
    t.engine.advanceTo(T0 + 2 * M + 5);
    t.engine.onTrade(trade(T0 + 2 * M + 6, 100, 1, 2, 'ETHUSDT')); // another symbol is unaffected
    t.engine.onTrade(trade(T0 + M + 30, 100, 1, 2));
    expect(t.closed.filter((c) => c.symbol === 'BTCUSDT').map((c) => c.openTime)).toEqual([T0, T0 + M]);
    expect(t.engine.metrics().symbols.BTCUSDT?.rejects).toBe(1);
  });

  it('conflation over 1 s aggregates trades yet closes the same candles as pass-through, and reports its ratio', () => {
    const trades = loadTrades(sharedData('trades/binance_spot_XRPETH_aggtrades_20191011_20191013.csv.gz'), 'XRPETH');
    const a = setup({ conflationMs: 0, publishForming: false });
    const b = setup({ conflationMs: 1_000, publishForming: false });
    for (const tr of trades) {
      a.engine.onTrade(tr);
      b.engine.onTrade(tr);
    }
    const end = (trades[trades.length - 1] as Trade).time + M;
    a.engine.advanceTo(end);
    b.engine.advanceTo(end);
    // Equal but for the quote volumes, whose float sums are grouped differently (window first, then bar):
    // relative 1e-12 covers a few hundred additions at 2^-53 each.
    const strip = (c: Candle) => ({ ...c, quoteVolume: 0, takerBuyQuoteVolume: 0 });
    expect(b.closed.map(strip)).toEqual(a.closed.map(strip));
    b.closed.forEach((c, i) => {
      const ref = a.closed[i] as Candle;
      expect(Math.abs(c.quoteVolume - ref.quoteVolume)).toBeLessThanOrEqual(1e-12 * Math.max(1, ref.quoteVolume));
    });
    const ratio = b.engine.metrics().symbols.XRPETH?.tradeConflationRatio ?? 0;
    expect(ratio).toBeGreaterThan(1);
    expect(a.engine.metrics().symbols.XRPETH?.tradeConflationRatio).toBe(1);
  });

  it('gives the same closed candles from the kline stream as from the trades (XRPETH, 1m and 5m)', () => {
    const trades = loadTrades(sharedData('trades/binance_spot_XRPETH_aggtrades_20191011_20191013.csv.gz'), 'XRPETH');
    const fromTrades = setup({ higherIntervals: ['5m'], publishForming: false });
    for (const tr of trades) fromTrades.engine.onTrade(tr);
    fromTrades.engine.advanceTo((trades[trades.length - 1] as Trade).time + 5 * M);
    const fromKlines = setup({ candleSource: 'klines', higherIntervals: ['5m'], publishForming: false });
    for (const c of fromTrades.closed.filter((x) => x.interval === '1m')) {
      fromKlines.engine.onKline({ ...c, closed: false }); // the stream sends the forming bar first
      fromKlines.engine.onKline(c);
    }
    const by = (xs: Candle[], i: Interval) => xs.filter((x) => x.interval === i);
    expect(by(fromKlines.closed, '1m')).toEqual(by(fromTrades.closed, '1m'));
    expect(by(fromKlines.closed, '5m')).toEqual(by(fromTrades.closed, '5m'));
    expect(by(fromTrades.closed, '5m').length).toBeGreaterThan(700);
  });

  it('records a sampled intake -> candle latency with the injected monotonic clock', () => {
    let ns = 0;
    const monotonic: MonotonicClock = { nowNs: () => (ns += 500) };
    const t = setup({ monotonic, latencySampleEvery: 4 });
    for (let i = 0; i < 64; i++) t.engine.onTrade(trade(T0 + i, 100, 1, i));
    const h = t.engine.metrics().intakeToCandleNs;
    expect(h.count).toBe(16);
    expect(h.p50).toBe(500);
  });
});

describe('DataEngine: gaps, duplicates, disorder on the kline path', () => {
  it('repairs a gap with exactly one backfill call and commits the bars in time order before the later ones', async () => {
    const backfill = port((from, to) => {
      const out: Candle[] = [];
      for (let t = from; t <= to; t += M) out.push(kline(t, 50 + (t - T0) / M));
      return out;
    });
    const t = setup({ candleSource: 'klines', backfill, higherIntervals: ['5m'] });
    t.engine.onKline(kline(T0, 50));
    t.engine.onKline(kline(T0 + 4 * M, 54)); // 1m bars 1..3 missing
    t.engine.onKline(kline(T0 + 5 * M, 55)); // waits behind the repair
    expect(backfill.calls).toEqual([[T0 + M, T0 + 3 * M]]);
    expect(t.engine.backfillsInFlight).toBe(1);
    await flushPromises();
    expect(backfill.calls).toHaveLength(1);
    expect(t.closed.filter((c) => c.interval === '1m').map((c) => (c.openTime - T0) / M)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(t.gaps.map((g) => [g.interval, g.status, (g.fromOpenTime - T0) / M, g.missing])).toEqual([
      ['1m', 'detected', 1, 3],
      ['1m', 'repaired', 1, 3],
    ]);
    const ring = t.engine.series('BTCUSDT', '1m');
    expect([0, 1, 2, 3, 4, 5].map((i) => ring?.close(i))).toEqual([55, 54, 53, 52, 51, 50]);
    // the 5m bar T0..T0+4 is whole again
    expect(t.closed.find((c) => c.interval === '5m')).toMatchObject({ openTime: T0, open: 50, close: 54, volume: 10 });
  });

  it("treats an empty backfill as an outage and flat-fills it with synthetic candles under 'flat-fill'", async () => {
    const backfill = port(() => []);
    const t = setup({ candleSource: 'klines', backfill, gapPolicy: 'flat-fill' });
    t.engine.onKline(kline(T0, 50));
    t.engine.onKline(kline(T0 + 3 * M, 53));
    await flushPromises();
    expect(backfill.calls).toHaveLength(1);
    expect(t.gaps.map((g) => g.status)).toEqual(['detected', 'outage']);
    expect(t.closed.map((c) => [(c.openTime - T0) / M, c.close, c.volume, c.synthetic])).toEqual([
      [0, 50, 2, false],
      [1, 50, 0, true],
      [2, 50, 0, true],
      [3, 53, 2, false],
    ]);
    expect(t.engine.series('BTCUSDT', '1m')?.isSynthetic(1)).toBe(true);
  });

  it("leaves the hole under 'skip' and fills only what the venue returned on a partial backfill", async () => {
    const backfill = port((from) => [kline(from + M, 52)]); // of bars 1..3 only 2 exists
    const t = setup({ candleSource: 'klines', backfill, gapPolicy: 'skip' });
    t.engine.onKline(kline(T0, 50));
    t.engine.onKline(kline(T0 + 4 * M, 54));
    await flushPromises();
    expect(t.closed.map((c) => (c.openTime - T0) / M)).toEqual([0, 2, 4]);
    expect(t.gaps.map((g) => [g.status, (g.fromOpenTime - T0) / M, g.missing])).toEqual([
      ['detected', 1, 3],
      ['outage', 1, 1],
      ['outage', 3, 1],
    ]);
  });

  it('handles a failed backfill by the policy, logs it and publishes ERROR, without retrying', async () => {
    const backfill = port(() => new Error('HTTP 503'));
    const t = setup({ candleSource: 'klines', backfill });
    const errors: string[] = [];
    t.bus.subscribe('ERROR', 'test', (e) => errors.push(e.source));
    t.engine.onKline(kline(T0, 50));
    t.engine.onKline(kline(T0 + 2 * M, 52));
    await flushPromises();
    expect(backfill.calls).toHaveLength(1);
    expect(errors).toEqual(['data.backfill']);
    expect(t.closed.map((c) => (c.openTime - T0) / M)).toEqual([0, 2]);
    expect(t.logger.records.some((r) => r.level === 'error')).toBe(true);
  });

  it('drops exact duplicate klines, rejects out-of-order and corrupt ones, and passes none of them on', () => {
    const t = setup({ candleSource: 'klines' });
    t.engine.onKline(kline(T0, 50));
    t.engine.onKline(kline(T0 + M, 51));
    t.engine.onKline(kline(T0 + M, 51)); // duplicate
    t.engine.onKline(kline(T0, 50)); // older
    t.engine.onKline({ ...kline(T0 + M, 51), close: 49 }); // same bar, different values: conflicting
    t.engine.onKline({ ...kline(T0 + 2 * M, 52), high: Number.NaN });
    t.engine.onKline({ ...kline(T0 + 2 * M, 52), volume: -1 });
    t.engine.onKline({ ...kline(T0 + 2 * M, 52), openTime: T0 + 2 * M + 7 }); // not aligned
    t.engine.onKline(kline(T0 + 2 * M, 52, '5m')); // not the base interval
    expect(t.closed.map((c) => (c.openTime - T0) / M)).toEqual([0, 1]);
    const m = t.engine.metrics().symbols.BTCUSDT;
    expect(m?.duplicates).toBe(1);
    expect(m?.rejects).toBe(6);
    expect(t.gaps).toEqual([]);
  });
});

describe('DataEngine: staleness', () => {
  it('marks a symbol stale after staleAfterMs of engine time without data and resumes when data flows', () => {
    const t = setup({ staleAfterMs: 30_000, staleCheckEveryMs: 1_000, symbols: ['BTCUSDT'] });
    t.engine.start();
    expect(t.engine.isStale('BTCUSDT')).toBe(false);
    expect(t.engine.isStale('NEVERSEEN')).toBe(true);
    t.clock.advanceTo(T0 + 10_000);
    t.engine.onTrade(trade(T0 + 10_000, 100, 1, 1));
    t.clock.advanceTo(T0 + 39_999);
    expect(t.stale).toEqual([]);
    t.clock.advanceTo(T0 + 40_000);
    expect(t.engine.isStale('BTCUSDT')).toBe(true);
    expect(t.stale).toEqual([{ symbol: 'BTCUSDT', stale: true, lastEventTime: T0 + 10_000, time: T0 + 40_000 }]);
    t.clock.advanceTo(T0 + 50_000);
    expect(t.stale).toHaveLength(1); // reported once
    t.engine.onTrade(trade(T0 + 50_000, 100, 1, 2));
    expect(t.engine.isStale('BTCUSDT')).toBe(false);
    expect(t.stale[1]).toMatchObject({ stale: false, lastEventTime: T0 + 50_000 });
    t.engine.stop();
    expect(t.clock.pending).toBe(0);
  });
});

describe('DataEngine: conservation and the quote / mark price paths', () => {
  it('closed candles carry every lot of every trade, for any conflation window and interval set (property)', () => {
    const arb = fc.record({
      windowMs: fc.constantFrom(0, 100, 1_000, 15_000, 60_000),
      rows: fc.array(
        fc.record({
          dt: fc.oneof(fc.integer({ min: 0, max: 2_000 }), fc.integer({ min: 0, max: 10 * M })),
          lots: fc.integer({ min: 1, max: 100_000 }),
          price: fc.integer({ min: 1, max: 5_000 }),
        }),
        { minLength: 1, maxLength: 150 },
      ),
    });
    fc.assert(
      fc.property(arb, ({ windowMs, rows }) => {
        const t = setup({ conflationMs: windowMs, higherIntervals: ['5m', '1h'], publishForming: false });
        let time = T0;
        let inLots = 0;
        rows.forEach((r, i) => {
          time += r.dt;
          inLots += r.lots;
          t.engine.onTrade(trade(time, r.price / 100, r.lots / 1e8, i));
        });
        t.engine.advanceTo(time + 2 * 3_600_000);
        for (const interval of ['1m', '5m', '1h'] as const) {
          const bars = t.closed.filter((c) => c.interval === interval);
          // in scaled integers (1e-8 lots), where the sum is exact
          expect(bars.reduce((n, c) => n + Math.round(c.volume * 1e8), 0)).toBe(inLots);
          expect(bars.reduce((n, c) => n + c.trades, 0)).toBe(rows.length);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('passes the latest quote of each conflation window on MARKET_QUOTE and rejects a quote with a NaN bid', () => {
    const t = setup({ conflationMs: 1_000 });
    const quotes: Quote[] = [];
    t.bus.subscribe('MARKET_QUOTE', 'test', (q) => quotes.push(q));
    const q = (time: number, bid: number): Quote => ({
      symbol: 'BTCUSDT',
      time,
      bidPrice: bid,
      bidQty: 1,
      askPrice: 101,
      askQty: 1,
      updateId: time,
    });
    t.engine.onQuote(q(T0 + 10, 99));
    t.engine.onQuote(q(T0 + 20, Number.NaN));
    t.engine.onQuote(q(T0 + 30, 100));
    t.engine.onQuote(q(T0 + 5, 98)); // older than the previous quote
    t.engine.advanceTo(T0 + 1_000);
    expect(quotes.map((x) => x.bidPrice)).toEqual([100]);
    const m = t.engine.metrics().symbols.BTCUSDT;
    expect(m?.rejects).toBe(2);
    expect(m?.quoteConflationRatio).toBe(2); // 2 accepted quotes in, 1 out (rejected ones never reach the buffer)
  });

  it('publishes valid mark prices and rejects non-finite ones', () => {
    const t = setup();
    const marks: number[] = [];
    t.bus.subscribe('MARKET_MARK_PRICE', 'test', (m) => marks.push(m.markPrice));
    const mark = (markPrice: number) => ({
      symbol: 'BTCUSDT',
      time: T0,
      markPrice,
      indexPrice: 100,
      fundingRate: 0.0001,
      nextFundingTime: T0 + 8 * 3_600_000,
    });
    t.engine.onMarkPrice(mark(100));
    t.engine.onMarkPrice(mark(Number.POSITIVE_INFINITY));
    expect(marks).toEqual([100]);
    expect(t.engine.metrics().symbols.BTCUSDT?.rejects).toBe(1);
  });
});

describe('DataEngine: long silences on the trades path', () => {
  it('stops flat-filling after maxQuietBars and repairs the rest of the silence with one backfill', async () => {
    // The venue answers with Binance's zero-volume bars: the market was quiet, not down.
    const backfill = port((from, to) => {
      const out: Candle[] = [];
      for (let t = from; t <= to; t += M) out.push({ ...kline(t, 100), open: 100, high: 100, low: 100, volume: 0, quoteVolume: 0, trades: 0, takerBuyVolume: 0, takerBuyQuoteVolume: 0 });
      return out;
    });
    const t = setup({ maxQuietBars: 3, backfill, publishForming: false });
    t.engine.onTrade(trade(T0 + 5, 100, 1, 1));
    t.engine.onTrade(trade(T0 + 10 * M + 5, 101, 1, 2)); // minutes 1..9 without trades
    expect(t.closed.map((c) => (c.openTime - T0) / M)).toEqual([0, 1, 2, 3]);
    t.engine.advanceTo(T0 + 11 * M); // bar 10 closes: the series sees the jump from bar 3
    expect(backfill.calls).toEqual([[T0 + 4 * M, T0 + 9 * M]]);
    await flushPromises();
    expect(t.closed.map((c) => (c.openTime - T0) / M)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const ring = t.engine.series('BTCUSDT', '1m');
    expect(Array.from({ length: 11 }, (_, i) => ((ring?.openTime(i) ?? 0) - T0) / M)).toEqual([
      10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0,
    ]);
    expect(t.gaps.map((g) => [g.status, (g.fromOpenTime - T0) / M, g.missing])).toEqual([
      ['detected', 4, 6],
      ['repaired', 4, 6],
    ]);
  });

  it('without maxQuietBars emits a flat bar for every quiet minute, as Binance does', () => {
    const t = setup({ publishForming: false });
    t.engine.onTrade(trade(T0 + 5, 100, 1, 1));
    t.engine.onTrade(trade(T0 + 10 * M + 5, 101, 1, 2));
    expect(t.closed).toHaveLength(10);
    expect(t.gaps).toEqual([]);
  });
});
