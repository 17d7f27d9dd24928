/**
 * The pump: market events from a source into a market sink (the `aegis sim` server: it drives its
 * matching engine and publishes Binance frames on its WebSocket streams), paced one of two ways:
 *
 * - `wall`: at `speed` times real time (speed 1 = as recorded, 60 = a minute per second). Event time t is
 *   due at wall time w0 + (t - t0) / speed, where t0 is the first event's time and w0 the wall time it
 *   was sent. Events that are due are sent at once, the pump sleeps until the next one is due.
 * - `consumer`: as fast as the consumer reads: after an event (or every `batch` events; always after a
 *   candle) the pump waits for `caughtUp(eventTime)`, which the consumer resolves once it has processed
 *   everything up to that time. This is flow control, not a timer: a replay at "max" speed.
 *
 * Candles (kline files): with `markFromCandles` a mark price at the candle's close (close time, close
 * price) is sent first, so the engine's unrealised PnL follows the data as in a backtest; with
 * `slippage` > 0 a quote at close x (1 -/+ slippage) with a deep book follows the candle, so market
 * orders pay that half-spread, exactly as `runBacktest --slippage` does. A candle that does not open after
 * the last one sent for its symbol and interval (a duplicate row, a row out of order) is skipped and
 * counted, as runBacktest never feeds such bars to its venue.
 */
import type { Candle, MarkPrice, Quote, Trade } from '../../domain/market.js';
import { INTERVAL_MS } from '../../domain/market.js';
import { replayEventTime, type ReplayEvent } from './sources.js';

/** Where a pump sends events: SimServer's public feed API. */
export interface MarketSink {
  feedTrade(t: Trade): void;
  feedQuote(q: Quote): void;
  feedCandle(c: Candle): void;
  feedMarkPrice(m: MarkPrice): void;
}

export type Pace =
  | {
      readonly kind: 'wall';
      /** Simulated seconds per wall second (> 0). */
      readonly speed: number;
      /** Wall clock (ms); default Date.now. */
      readonly now?: () => number;
      /** Wait `ms` or until the signal aborts; default a timer. */
      readonly sleep?: (ms: number, signal: AbortSignal | undefined) => Promise<void>;
    }
  | {
      readonly kind: 'consumer';
      /** Resolves once the consumer has processed every event up to `eventTime`. */
      readonly caughtUp: (eventTime: number) => Promise<void>;
      /** Events between waits (default 1; a candle always waits). */
      readonly batch?: number;
    };

export interface PumpOptions {
  readonly sink: MarketSink;
  readonly pace: Pace;
  readonly signal?: AbortSignal;
  /** Send a mark price at each candle's close before the candle (default false). */
  readonly markFromCandles?: boolean;
  /** Half-spread quote after each candle (fraction of the close; default 0 = none). */
  readonly slippage?: number;
  /** Called after each event was sent (tests, progress). */
  readonly onEvent?: (event: ReplayEvent) => void;
}

export interface PumpStats {
  /** Source events sent (marks and quotes derived from candles not included). */
  events: number;
  trades: number;
  quotes: number;
  candles: number;
  /**
   * Candles not sent because their open time was not after the last one sent for the same symbol and
   * interval (duplicates, rows out of order): as in runBacktest, they never reach the venue.
   */
  skippedCandles: number;
  marks: number;
  firstTime: number | null;
  lastTime: number | null;
  /** The pump stopped because the signal aborted, not because the source ended. */
  aborted: boolean;
}

/** Quote sizes large enough that a market order never walks the synthetic book (as runBacktest). */
const DEEP_BOOK = 1e12;
/** Longest single sleep of the wall pace, so an abort is noticed quickly. */
const MAX_SLEEP_MS = 250;

function timerSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal?.aborted === true) {
      resolve();
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export async function pump(source: AsyncIterable<ReplayEvent>, o: PumpOptions): Promise<PumpStats> {
  const stats: PumpStats = {
    events: 0,
    trades: 0,
    quotes: 0,
    candles: 0,
    skippedCandles: 0,
    marks: 0,
    firstTime: null,
    lastTime: null,
    aborted: false,
  };
  const pace = o.pace;
  if (pace.kind === 'wall' && !(pace.speed > 0 && Number.isFinite(pace.speed))) {
    throw new RangeError(`replay speed must be a finite number > 0, got ${pace.speed}`);
  }
  const slip = o.slippage ?? 0;
  const batch = pace.kind === 'consumer' ? Math.max(1, pace.batch ?? 1) : 1;
  const now = pace.kind === 'wall' ? (pace.now ?? Date.now) : Date.now;
  const sleep = pace.kind === 'wall' ? (pace.sleep ?? timerSleep) : timerSleep;
  let wall0 = 0;
  let t0 = 0;
  let sinceWait = 0;
  let quoteId = 0;
  const lastOpen = new Map<string, number>();
  const aborted = (): boolean => o.signal?.aborted === true;
  for await (const e of source) {
    if (aborted()) {
      stats.aborted = true;
      break;
    }
    const t = replayEventTime(e);
    if (stats.firstTime === null) {
      stats.firstTime = t;
      t0 = t;
      wall0 = now();
    }
    if (pace.kind === 'wall') {
      // sleep until due (in slices, so an abort is seen); rows out of order are due at once
      for (;;) {
        const wait = wall0 + (t - t0) / pace.speed - now();
        if (wait <= 0 || aborted()) break;
        await sleep(Math.min(wait, MAX_SLEEP_MS), o.signal);
      }
      if (aborted()) {
        stats.aborted = true;
        break;
      }
    }
    if (e.kind === 'candle') {
      const key = `${e.candle.symbol}|${e.candle.interval}`;
      if (e.candle.openTime <= (lastOpen.get(key) ?? Number.NEGATIVE_INFINITY)) {
        stats.skippedCandles++;
        continue;
      }
      lastOpen.set(key, e.candle.openTime);
    }
    send(e, t);
    stats.events++;
    stats.lastTime = stats.lastTime === null ? t : Math.max(stats.lastTime, t);
    o.onEvent?.(e);
    if (pace.kind === 'consumer' && (++sinceWait >= batch || e.kind === 'candle')) {
      sinceWait = 0;
      await pace.caughtUp(t);
    }
  }
  if (pace.kind === 'consumer' && sinceWait > 0 && stats.lastTime !== null && !stats.aborted) {
    await pace.caughtUp(stats.lastTime);
  }
  return stats;

  function send(e: ReplayEvent, t: number): void {
    const sink = o.sink;
    switch (e.kind) {
      case 'trade':
        stats.trades++;
        sink.feedTrade(e.trade);
        return;
      case 'quote':
        stats.quotes++;
        sink.feedQuote(e.quote);
        return;
      case 'mark':
        stats.marks++;
        sink.feedMarkPrice(e.mark);
        return;
      case 'candle': {
        const c = e.candle;
        stats.candles++;
        if (o.markFromCandles === true) {
          sink.feedMarkPrice({
            symbol: c.symbol,
            time: t,
            markPrice: c.close,
            indexPrice: c.close,
            fundingRate: 0,
            nextFundingTime: 0,
          });
        }
        sink.feedCandle(c);
        if (slip > 0) {
          sink.feedQuote({
            symbol: c.symbol,
            time: c.openTime + INTERVAL_MS[c.interval] - 1,
            bidPrice: c.close * (1 - slip),
            bidQty: DEEP_BOOK,
            askPrice: c.close * (1 + slip),
            askQty: DEEP_BOOK,
            updateId: ++quoteId,
          });
        }
        return;
      }
    }
  }
}
