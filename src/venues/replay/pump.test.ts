import { describe, expect, it } from 'vitest';
import type { Candle, MarkPrice, Quote, Trade } from '../../domain/market.js';
import { pump, type MarketSink } from './pump.js';
import type { ReplayEvent } from './sources.js';

/** A sink that records what it was sent, with the (fake) wall time of each call. */
function recorder(now: () => number): MarketSink & { calls: { what: string; time: number; wall: number }[] } {
  const calls: { what: string; time: number; wall: number }[] = [];
  return {
    calls,
    feedTrade: (t: Trade) => calls.push({ what: 'trade', time: t.time, wall: now() }),
    feedQuote: (q: Quote) =>
      calls.push({ what: `quote ${q.bidPrice}/${q.askPrice}`, time: q.time, wall: now() }),
    feedCandle: (c: Candle) => calls.push({ what: 'candle', time: c.openTime, wall: now() }),
    feedMarkPrice: (m: MarkPrice) => calls.push({ what: `mark ${m.markPrice}`, time: m.time, wall: now() }),
  };
}

const trade = (time: number, id: number): ReplayEvent => ({
  kind: 'trade',
  trade: { symbol: 'BTCUSDT', time, price: 100, qty: 1, buyerIsMaker: false, id },
});
const candle = (openTime: number, close: number): ReplayEvent => ({
  kind: 'candle',
  candle: {
    symbol: 'BTCUSDT',
    interval: '1m',
    openTime,
    open: 100,
    high: 110,
    low: 90,
    close,
    volume: 1,
    quoteVolume: 0,
    trades: 0,
    takerBuyVolume: 0,
    takerBuyQuoteVolume: 0,
    closed: true,
    synthetic: false,
  },
});
async function* from(events: readonly ReplayEvent[]): AsyncGenerator<ReplayEvent> {
  await Promise.resolve();
  yield* events;
}

describe('pump', () => {
  it('wall pace: event time t is sent at wall w0 + (t - t0) / speed (fake clock, no real sleeping)', async () => {
    let wall = 5_000;
    const sleeps: number[] = [];
    const sink = recorder(() => wall);
    const stats = await pump(from([trade(1_000, 1), trade(1_000, 2), trade(3_000, 3), trade(41_000, 4)]), {
      sink,
      pace: {
        kind: 'wall',
        speed: 4,
        now: () => wall,
        sleep: (ms) => {
          sleeps.push(ms);
          wall += ms;
          return Promise.resolve();
        },
      },
    });
    // 2 s of event time at 4x = 500 ms; 40 s = 10 s of wall, slept in slices of at most 250 ms
    expect(sink.calls.map((c) => c.wall)).toEqual([5_000, 5_000, 5_500, 15_000]);
    expect(Math.max(...sleeps)).toBeLessThanOrEqual(250);
    expect(stats).toMatchObject({ events: 4, trades: 4, firstTime: 1_000, lastTime: 41_000, aborted: false });
  });

  it('consumer pace: waits for the consumer after every batch and after every candle', async () => {
    const waits: number[] = [];
    const sink = recorder(() => 0);
    await pump(from([trade(1, 1), trade(2, 2), trade(3, 3), candle(0, 105), trade(60_001, 4)]), {
      sink,
      pace: {
        kind: 'consumer',
        batch: 2,
        caughtUp: (t) => {
          waits.push(t);
          return Promise.resolve();
        },
      },
    });
    // after trades 1-2 (batch), after the candle (its close time), and at the end for the rest
    expect(waits).toEqual([2, 59_999, 60_001]);
  });

  it('a candle is preceded by a mark at its close and followed by the slippage quote (as runBacktest)', async () => {
    const sink = recorder(() => 0);
    const stats = await pump(from([candle(60_000, 200)]), {
      sink,
      pace: { kind: 'consumer', caughtUp: () => Promise.resolve() },
      markFromCandles: true,
      slippage: 0.01,
    });
    expect(sink.calls.map((c) => [c.what, c.time])).toEqual([
      ['mark 200', 119_999],
      ['candle', 60_000],
      ['quote 198/202', 119_999],
    ]);
    expect(stats).toMatchObject({ events: 1, candles: 1 });
  });

  it('skips candles that do not open after the last one of their series (duplicates, out of order)', async () => {
    const sink = recorder(() => 0);
    const waits: number[] = [];
    const stats = await pump(
      from([candle(0, 1), candle(60_000, 2), candle(60_000, 2), candle(0, 1), candle(120_000, 3)]),
      {
        sink,
        pace: {
          kind: 'consumer',
          caughtUp: (t) => {
            waits.push(t);
            return Promise.resolve();
          },
        },
      },
    );
    expect(sink.calls.map((c) => c.time)).toEqual([0, 60_000, 120_000]);
    expect(waits).toEqual([59_999, 119_999, 179_999]);
    expect(stats).toMatchObject({ events: 3, candles: 3, skippedCandles: 2 });
  });

  it('stops when the signal aborts, and refuses a speed that is not a positive number', async () => {
    const stop = new AbortController();
    const sink = recorder(() => 0);
    const stats = await pump(from([trade(1, 1), trade(2, 2), trade(3, 3)]), {
      sink,
      signal: stop.signal,
      pace: {
        kind: 'consumer',
        caughtUp: () => {
          stop.abort();
          return Promise.resolve();
        },
      },
    });
    expect(stats.aborted).toBe(true);
    expect(sink.calls).toHaveLength(1);
    await expect(pump(from([]), { sink, pace: { kind: 'wall', speed: 0 } })).rejects.toThrow(
      /speed must be a finite number > 0, got 0/,
    );
  });
});
