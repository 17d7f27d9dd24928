import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Quote, Trade } from '../domain/market.js';
import { ConflationBuffer, type TradeBatch } from './conflation.js';

interface Out {
  volume: number;
  quoteVolume: number;
  buy: number;
  sell: number;
  count: number;
  open: number;
  high: number;
  low: number;
  close: number;
  start: number;
  end: number;
  vwap: number;
}

function collect(windowMs: number): { buf: ConflationBuffer; batches: Out[]; quotes: Quote[] } {
  const batches: Out[] = [];
  const quotes: Quote[] = [];
  const buf = new ConflationBuffer(
    windowMs,
    (b: TradeBatch) =>
      batches.push({
        volume: b.volume,
        quoteVolume: b.quoteVolume,
        buy: b.buyVolume,
        sell: b.sellVolume,
        count: b.count,
        open: b.open,
        high: b.high,
        low: b.low,
        close: b.close,
        start: b.startTime,
        end: b.endTime,
        vwap: b.vwap,
      }),
    (q) => quotes.push(q),
  );
  return { buf, batches, quotes };
}

/** Trades with non-decreasing times; quantities are multiples of 1e-8 (Binance's step) stored as integers too. */
const tradesArb = fc
  .array(
    fc.record({
      dt: fc.integer({ min: 0, max: 3_000 }),
      price: fc.integer({ min: 1, max: 1_000_000 }),
      lots: fc.integer({ min: 0, max: 10_000_000 }),
      maker: fc.boolean(),
    }),
    { maxLength: 300 },
  )
  .map((rows) => {
    let time = 1_700_000_000_000;
    return rows.map((r, i): Trade & { lots: number } => {
      time += r.dt;
      return { symbol: 'X', time, price: r.price / 100, qty: r.lots / 1e8, lots: r.lots, buyerIsMaker: r.maker, id: i };
    });
  });

describe('ConflationBuffer', () => {
  it('never loses volume: trades, lots and buy + sell out equal what went in, for any window (property)', () => {
    fc.assert(
      fc.property(tradesArb, fc.constantFrom(0, 1, 100, 1_000, 60_000), (trades, windowMs) => {
        const { buf, batches } = collect(windowMs);
        for (const t of trades) buf.addTrade(t);
        buf.flush();
        const inLots = trades.reduce((n, t) => n + t.lots, 0);
        const outCount = batches.reduce((n, b) => n + b.count, 0);
        const outVolume = batches.reduce((n, b) => n + b.volume, 0);
        const inVolume = trades.reduce((n, t) => n + t.qty, 0);
        expect(outCount).toBe(trades.length);
        // Exact in scaled integers (1e-8 lots): every batch volume rounds back to a whole number of lots.
        expect(batches.reduce((n, b) => n + Math.round(b.volume * 1e8), 0)).toBe(inLots);
        // And as floats: only the summation order differs (relative 1e-12 is ~ 300 additions * 2^-53 * 30).
        expect(Math.abs(outVolume - inVolume)).toBeLessThanOrEqual(1e-12 * Math.max(1, inVolume));
        for (const b of batches) expect(Math.abs(b.buy + b.sell - b.volume)).toBeLessThanOrEqual(1e-12 * Math.max(1, b.volume));
        expect(buf.tradesIn).toBe(trades.length);
        expect(buf.batchesOut).toBe(batches.length);
      }),
    );
  });

  it('gives each window the OHLC and VWAP of its trades, and no batch straddles a window (property)', () => {
    fc.assert(
      fc.property(tradesArb, fc.constantFrom(1, 250, 1_000), (trades, windowMs) => {
        const { buf, batches } = collect(windowMs);
        for (const t of trades) buf.addTrade(t);
        buf.flush();
        let i = 0;
        for (const b of batches) {
          const group = trades.slice(i, i + b.count);
          i += b.count;
          const w = Math.floor(b.start / windowMs);
          expect(group.every((t) => Math.floor(t.time / windowMs) === w)).toBe(true);
          expect(b.open).toBe(group[0]?.price);
          expect(b.close).toBe(group[group.length - 1]?.price);
          expect(b.high).toBe(Math.max(...group.map((t) => t.price)));
          expect(b.low).toBe(Math.min(...group.map((t) => t.price)));
          const v = group.reduce((n, t) => n + t.qty, 0);
          const q = group.reduce((n, t) => n + t.qty * t.price, 0);
          expect(b.vwap).toBeCloseTo(v > 0 ? q / v : b.close, 9);
        }
        expect(i).toBe(trades.length);
      }),
    );
  });

  it('passes every trade through as its own batch when the window is 0', () => {
    const { buf, batches } = collect(0);
    buf.addTrade({ symbol: 'X', time: 1, price: 10, qty: 2, buyerIsMaker: false, id: 1 });
    buf.addTrade({ symbol: 'X', time: 1, price: 11, qty: 3, buyerIsMaker: true, id: 2 });
    expect(batches.map((b) => [b.count, b.open, b.buy, b.sell])).toEqual([
      [1, 10, 2, 0],
      [1, 11, 0, 3],
    ]);
    expect(buf.ratio).toBe(1);
  });

  it('keeps only the latest quote of a window and flushes it when event time passes the window end', () => {
    const { buf, quotes } = collect(100);
    const q = (time: number, bid: number): Quote => ({
      symbol: 'X',
      time,
      bidPrice: bid,
      bidQty: 1,
      askPrice: bid + 1,
      askQty: 1,
      updateId: time,
    });
    buf.addQuote(q(1_000, 1));
    buf.addQuote(q(1_050, 2));
    buf.addQuote(q(1_099, 3));
    expect(quotes).toEqual([]);
    buf.advanceTo(1_099);
    expect(quotes).toEqual([]);
    buf.advanceTo(1_100);
    expect(quotes.map((x) => x.bidPrice)).toEqual([3]);
    buf.addQuote(q(1_150, 4));
    buf.addQuote(q(1_210, 5)); // a later window flushes the earlier one
    expect(quotes.map((x) => x.bidPrice)).toEqual([3, 4]);
    expect(buf.quotesIn).toBe(5);
  });

  it('flushes a trade window on advanceTo past its end, not before', () => {
    const { buf, batches } = collect(1_000);
    buf.addTrade({ symbol: 'X', time: 5_100, price: 1, qty: 1, buyerIsMaker: false, id: 1 });
    buf.advanceTo(5_999);
    expect(batches).toHaveLength(0);
    buf.advanceTo(6_000);
    expect(batches).toHaveLength(1);
  });
});
