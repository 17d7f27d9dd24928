import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Trade } from '../domain/market.js';
import type { Bar } from './bar.js';
import { CandleAggregator, TradeCandleBuilder } from './candle-builder.js';
import { ConflationBuffer } from './conflation.js';

type Snap = ReturnType<typeof snap>;
function snap(b: Bar): {
  openTime: number;
  ohlc: number[];
  volume: number;
  trades: number;
  buy: number;
  closed: boolean;
} {
  return {
    openTime: b.openTime,
    ohlc: [b.open, b.high, b.low, b.close],
    volume: b.volume,
    trades: b.trades,
    buy: b.takerBuyVolume,
    closed: b.closed,
  };
}

/** trades -> pass-through conflation -> builder of `intervalMs`, recording forming and closed bars. */
function build(intervalMs: number): { add: (t: Trade) => void; advanceTo: (t: number) => void; closed: Snap[]; forming: Snap[] } {
  const closed: Snap[] = [];
  const forming: Snap[] = [];
  const builder = new TradeCandleBuilder(
    intervalMs,
    (b) => forming.push(snap(b)),
    (b) => closed.push(snap(b)),
  );
  const conflation = new ConflationBuffer(
    0,
    (batch) => {
      builder.addBatch(batch);
    },
    () => undefined,
  );
  return {
    add: (t) => {
      conflation.addTrade(t);
    },
    advanceTo: (t) => {
      builder.advanceTo(t);
    },
    closed,
    forming,
  };
}

const trade = (time: number, price: number, qty: number, buyerIsMaker = false, id = time): Trade => ({
  symbol: 'X',
  time,
  price,
  qty,
  buyerIsMaker,
  id,
});

const M = 60_000;

describe('TradeCandleBuilder', () => {
  it('emits a flat zero-volume bar at the previous close for each minute without trades (Binance behaviour)', () => {
    const b = build(M);
    b.add(trade(10, 5, 1));
    b.add(trade(20, 7, 2, true));
    b.add(trade(3 * M + 5, 6, 1));
    expect(b.closed).toEqual([
      { openTime: 0, ohlc: [5, 7, 5, 7], volume: 3, trades: 2, buy: 1, closed: true },
      { openTime: M, ohlc: [7, 7, 7, 7], volume: 0, trades: 0, buy: 0, closed: true },
      { openTime: 2 * M, ohlc: [7, 7, 7, 7], volume: 0, trades: 0, buy: 0, closed: true },
    ]);
    // The bar after the quiet minutes opens at its first trade, not at the previous close.
    expect(b.forming.at(-1)).toMatchObject({ openTime: 3 * M, ohlc: [6, 6, 6, 6], closed: false });
  });

  it('reports the forming bar after each update and closes it only when event time passes its end', () => {
    const b = build(M);
    b.add(trade(1_000, 5, 1));
    b.add(trade(2_000, 4, 1));
    expect(b.forming.map((f) => f.ohlc)).toEqual([
      [5, 5, 5, 5],
      [5, 5, 4, 4],
    ]);
    b.advanceTo(M - 1);
    expect(b.closed).toHaveLength(0);
    b.advanceTo(M);
    expect(b.closed).toEqual([{ openTime: 0, ohlc: [5, 5, 4, 4], volume: 2, trades: 2, buy: 2, closed: true }]);
    b.advanceTo(3 * M + 1);
    expect(b.closed.map((c) => [c.openTime, c.volume])).toEqual([
      [0, 2],
      [M, 0],
      [2 * M, 0],
    ]);
  });

  it('refuses a batch for a bar that is already closed', () => {
    const builder = new TradeCandleBuilder(M, () => undefined, () => undefined);
    const conflation = new ConflationBuffer(0, (batch) => {
      results.push(builder.addBatch(batch));
    }, () => undefined);
    const results: boolean[] = [];
    conflation.addTrade(trade(2 * M, 1, 1));
    conflation.addTrade(trade(M, 1, 1));
    expect(results).toEqual([true, false]);
  });
});

describe('CandleAggregator', () => {
  /** Random trades over a few hours, with quiet stretches. */
  const tradesArb = fc
    .array(
      fc.record({
        dt: fc.oneof(fc.integer({ min: 0, max: 20_000 }), fc.integer({ min: 0, max: 20 * M })),
        price: fc.integer({ min: 1, max: 10_000 }),
        lots: fc.integer({ min: 1, max: 1_000 }),
        maker: fc.boolean(),
      }),
      { minLength: 1, maxLength: 200 },
    )
    .map((rows) => {
      let time = 1_680_000_000_000;
      return rows.map((r, i) => {
        time += r.dt;
        return trade(time, r.price, r.lots, r.maker, i);
      });
    });

  it('5m/15m/1h bars built from 1m bars equal bars built directly from the trades (property)', () => {
    fc.assert(
      fc.property(tradesArb, fc.constantFrom(5 * M, 15 * M, 60 * M), (trades, higherMs) => {
        const direct = build(higherMs);
        const fromLower: Snap[] = [];
        const lower = build(M);
        const agg = new CandleAggregator(M, higherMs, () => undefined, (b) => fromLower.push(snap(b)));
        for (const t of trades) {
          direct.add(t);
          lower.add(t);
          while (lower.closed.length > 0) agg.addClosed(toBarLike(lower.closed.shift() as Snap));
        }
        const end = (trades[trades.length - 1] as Trade).time + higherMs;
        direct.advanceTo(end);
        lower.advanceTo(end);
        while (lower.closed.length > 0) agg.addClosed(toBarLike(lower.closed.shift() as Snap));
        expect(fromLower).toEqual(direct.closed);
      }),
    );
  });

  it('closes a higher bar at once when the last lower bar of its period arrives', () => {
    const closed: number[] = [];
    const agg = new CandleAggregator(M, 5 * M, () => undefined, (b) => closed.push(b.openTime));
    for (let k = 0; k < 5; k++) agg.addClosed(toBarLike({ openTime: k * M, ohlc: [1, 1, 1, 1], volume: 1, trades: 1, buy: 0, closed: true }));
    expect(closed).toEqual([0]);
  });

  it('emits nothing for a period with no lower bar, and closes a partial period when a later bar arrives', () => {
    const closed: [number, number][] = [];
    const agg = new CandleAggregator(M, 5 * M, () => undefined, (b) => closed.push([b.openTime, b.volume]));
    const one = (t: number): void => {
      agg.addClosed(toBarLike({ openTime: t, ohlc: [1, 1, 1, 1], volume: 1, trades: 1, buy: 0, closed: true }));
    };
    one(0);
    one(M);
    one(12 * M); // minutes 2..11 missing: bar 5m is never emitted, bar 0 closes partial
    expect(closed).toEqual([[0, 2]]);
  });

  it('rejects a target interval that is not a whole multiple', () => {
    expect(() => new CandleAggregator(3 * M, 5 * M, () => undefined, () => undefined)).toThrow(/multiple/);
  });
});

function toBarLike(s: Snap): {
  openTime: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  quoteVolume: number;
  trades: number;
  takerBuyVolume: number;
  takerBuyQuoteVolume: number;
  closed: boolean;
  synthetic: boolean;
} {
  const [open = 0, high = 0, low = 0, close = 0] = s.ohlc;
  return {
    openTime: s.openTime,
    open,
    high,
    low,
    close,
    volume: s.volume,
    quoteVolume: 0,
    trades: s.trades,
    takerBuyVolume: s.buy,
    takerBuyQuoteVolume: 0,
    closed: true,
    synthetic: false,
  };
}
