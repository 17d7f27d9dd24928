/**
 * BinanceMarketFeed: the configured symbols' USDⓈ-M market streams -> domain events for the data layer.
 * Subscribes `<symbol>@aggTrade`, `<symbol>@bookTicker` and (futures only) `<symbol>@markPrice@1s` on one
 * combined-stream connection (BinanceMarketStream: reconnects, staleness, 24 h rollover, de-duplication)
 * and hands each parsed event to `onTrade` / `onQuote` / `onMarkPrice`. The composition root feeds them
 * to the DataEngine.
 * https://developers.binance.com/docs/derivatives/usds-margined-futures/websocket-market-streams
 *
 * BinanceKlineBackfill: REST klines (GET /fapi/v1/klines) for the DataEngine's gap repair. It implements
 * the data layer's BackfillPort (src/data/engine.ts) structurally: venues do not import src/data.
 */
import type { Clock, Scheduler } from '../../core/clock.js';
import { InvariantError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import {
  INTERVAL_MS,
  type Candle,
  type Interval,
  type MarketType,
  type MarkPrice,
  type Quote,
  type Trade,
} from '../../domain/market.js';
import type { FuturesRestClient, SpotRestClient } from './clients.js';
import { BinanceMarketStream, type MarketEvent, type MarketStreamCounters } from './market-stream.js';

export interface BinanceMarketFeedOptions {
  /** wss://fstream.binance.com, a testnet, or ws://127.0.0.1:<port>. */
  readonly wsBaseUrl: string;
  /**
   * Default 'futures'. Spot has no mark price stream: on 'spot' only aggTrade and bookTicker are
   * subscribed (https://developers.binance.com/docs/binance-spot-api-docs/web-socket-streams).
   */
  readonly market?: MarketType;
  /** Symbols as Binance spells them (BTCUSDT); the stream names use the lower-case form. */
  readonly symbols: readonly string[];
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  /** Uniform in [0, 1): reconnect jitter. */
  readonly random: () => number;
  readonly onTrade?: (trade: Trade) => void;
  readonly onQuote?: (quote: Quote) => void;
  readonly onMarkPrice?: (mark: MarkPrice) => void;
  /** Each time the stream connection opens. */
  readonly onConnected?: () => void;
  /** First thing for every WebSocket frame (tick-to-order latency measurement). */
  readonly onFrame?: () => void;
  readonly logger?: Logger;
  /** Default 60 s without any message -> reconnect. */
  readonly staleAfterMs?: number;
  readonly backoffInitialMs?: number;
  readonly backoffMaxMs?: number;
}

/**
 * The streams of one symbol, in subscription order: aggTrade, bookTicker and, on futures only,
 * markPrice@1s (a USDⓈ-M stream; spot has none).
 */
export function feedStreams(symbol: string, market: MarketType = 'futures'): string[] {
  const s = symbol.toLowerCase();
  return market === 'spot'
    ? [`${s}@aggTrade`, `${s}@bookTicker`]
    : [`${s}@aggTrade`, `${s}@bookTicker`, `${s}@markPrice@1s`];
}

export class BinanceMarketFeed {
  private readonly stream: BinanceMarketStream;
  private readonly o: BinanceMarketFeedOptions;

  constructor(options: BinanceMarketFeedOptions) {
    if (options.symbols.length === 0) {
      throw new InvariantError('BinanceMarketFeed needs at least one symbol');
    }
    this.o = options;
    this.stream = new BinanceMarketStream({
      baseUrl: options.wsBaseUrl,
      streams: options.symbols.flatMap((symbol) => feedStreams(symbol, options.market)),
      clock: options.clock,
      scheduler: options.scheduler,
      random: options.random,
      onEvent: (event) => {
        this.dispatch(event);
      },
      onConnected: () => options.onConnected?.(),
      ...(options.onFrame === undefined ? {} : { onFrame: options.onFrame }),
      // SUBSCRIBE/UNSUBSCRIBE messages per second and connection: USDⓈ-M allows 10, spot 5
      maxControlPerSecond: options.market === 'spot' ? 5 : 10,
      ...(options.logger === undefined ? {} : { logger: options.logger }),
      ...(options.staleAfterMs === undefined ? {} : { staleAfterMs: options.staleAfterMs }),
      ...(options.backoffInitialMs === undefined ? {} : { backoffInitialMs: options.backoffInitialMs }),
      ...(options.backoffMaxMs === undefined ? {} : { backoffMaxMs: options.backoffMaxMs }),
    });
  }

  get streams(): readonly string[] {
    return this.stream.subscribedStreams;
  }

  get counters(): Readonly<MarketStreamCounters> {
    return this.stream.counters;
  }

  start(): void {
    this.stream.start();
  }

  stop(): void {
    this.stream.stop();
  }

  /** Add a symbol's streams on the live connection (SUBSCRIBE). */
  addSymbol(symbol: string): void {
    this.stream.subscribe(feedStreams(symbol, this.o.market));
  }

  removeSymbol(symbol: string): void {
    this.stream.unsubscribe(feedStreams(symbol, this.o.market));
  }

  private dispatch(event: MarketEvent): void {
    switch (event.type) {
      case 'aggTrade':
      case 'trade':
        this.o.onTrade?.(event.event);
        return;
      case 'bookTicker':
        this.o.onQuote?.(event.event);
        return;
      case 'markPrice':
        this.o.onMarkPrice?.(event.event);
        return;
      case 'kline':
      case 'depth':
        return; // not subscribed by this feed
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// kline backfill

/** Structurally the data layer's BackfillPort (src/data/engine.ts). */
export interface KlineBackfillPort {
  /** Closed bars with open times in [fromOpenTime, toOpenTime] (both inclusive); [] when the venue has none. */
  backfill(symbol: string, interval: Interval, fromOpenTime: number, toOpenTime: number): Promise<Candle[]>;
}

/** USDⓈ-M klines: at most 1500 rows per request. */
export const FUTURES_KLINE_LIMIT = 1500;
/** GET /api/v3/klines `limit` maximum. */
export const SPOT_KLINE_LIMIT = 1000;

export class BinanceKlineBackfill implements KlineBackfillPort {
  /** Requests sent since construction. */
  requests = 0;
  private readonly client: FuturesRestClient | SpotRestClient;
  private readonly maxBars: number;
  /** Bars per request: 1500 on USDⓈ-M, 1000 on spot (each venue's maximum). */
  private readonly pageLimit: number;

  /** `maxBars`: refuse gaps longer than this (default 100 000 bars, 67 requests) instead of paging forever. */
  constructor(client: FuturesRestClient | SpotRestClient, options: { readonly maxBars?: number } = {}) {
    this.client = client;
    this.pageLimit = client.market === 'spot' ? SPOT_KLINE_LIMIT : FUTURES_KLINE_LIMIT;
    this.maxBars = options.maxBars ?? 100_000;
  }

  /**
   * GET /fapi/v1/klines?symbol&interval&startTime=<from>&endTime=<to>&limit=<bars, ≤ 1500>: one request
   * per gap, more only when the gap is longer than 1500 bars (each page starts one interval after the
   * previous page's last bar). Bars still forming (close time not yet past) are left out.
   * https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Kline-Candlestick-Data
   */
  async backfill(
    symbol: string,
    interval: Interval,
    fromOpenTime: number,
    toOpenTime: number,
  ): Promise<Candle[]> {
    const step = INTERVAL_MS[interval];
    if (!Number.isSafeInteger(fromOpenTime) || !Number.isSafeInteger(toOpenTime)) {
      throw new InvariantError('backfill open times must be integers (epoch ms)', {
        symbol,
        fromOpenTime,
        toOpenTime,
      });
    }
    if (toOpenTime < fromOpenTime) return [];
    const bars = Math.floor((toOpenTime - fromOpenTime) / step) + 1;
    if (bars > this.maxBars) {
      throw new InvariantError(`backfill of ${bars} ${interval} bars exceeds the maximum ${this.maxBars}`, {
        symbol,
        interval,
        bars,
      });
    }
    const out: Candle[] = [];
    let start = fromOpenTime;
    while (start <= toOpenTime) {
      const wanted = Math.floor((toOpenTime - start) / step) + 1;
      const limit = Math.min(this.pageLimit, wanted);
      this.requests++;
      const page = await this.client.klines(symbol, interval, {
        startTime: start,
        endTime: toOpenTime,
        limit,
      });
      let last = -Infinity;
      for (const c of page) {
        if (c.openTime > last) last = c.openTime;
        if (c.closed && c.openTime >= fromOpenTime && c.openTime <= toOpenTime) out.push(c);
      }
      // a short page means the venue has nothing more in the range
      if (page.length < limit || last === -Infinity) break;
      start = last + step;
    }
    return out;
  }
}
