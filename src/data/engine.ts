import type { Clock, MonotonicClock, Scheduler, TimerHandle } from '../core/clock.js';
import { DataError, errorCodeOf, InvariantError, toError } from '../core/errors.js';
import type { EventBus } from '../core/event-bus.js';
import type { Logger } from '../core/logger.js';
import { LatencyHistogram, type LatencySummary } from '../core/metrics.js';
import type { AegisTopics, CandleGap } from '../domain/events.js';
import { INTERVAL_MS, type Candle, type Interval, type MarkPrice, type Quote, type Trade } from '../domain/market.js';
import { Bar, sameBar, type BarLike } from './bar.js';
import { CandleAggregator, TradeCandleBuilder } from './candle-builder.js';
import { ConflationBuffer } from './conflation.js';
import { CandleRing, type CandleSeriesView } from './ring-buffer.js';
import { tradeOrder } from './trade-order.js';
import { isNonNegative, isPositive, klineProblem, markPriceProblem, quoteProblem } from './validate.js';

/** What to do with bars the venue cannot backfill (a real outage): leave the hole, or fill it flat. */
export type GapPolicy = 'skip' | 'flat-fill';

/** Where candles come from: built from trades, or the exchange's own kline stream (closed flag). */
export type CandleSource = 'trades' | 'klines';

/** The venue port for gap repair: one REST kline request per gap (never a loop). */
export interface BackfillPort {
  /** Closed bars with open times in [fromOpenTime, toOpenTime] (both inclusive); [] when the venue has none. */
  backfill(symbol: string, interval: Interval, fromOpenTime: number, toOpenTime: number): Promise<Candle[]>;
}

export interface DataEngineOptions {
  readonly bus: EventBus<AegisTopics>;
  readonly logger: Logger;
  /** Engine time (event time); staleness is measured against it. */
  readonly clock: Clock;
  /** Runs the staleness check every `staleCheckEveryMs` of engine time (no check without it). */
  readonly scheduler?: Scheduler;
  /** For the intake -> candle latency histogram (no timing without it). */
  readonly monotonic?: MonotonicClock;
  /** Interval of the bars built from trades or taken from the kline stream. Default '1m'. */
  readonly baseInterval?: Interval;
  /** Higher intervals built from the base bars (whole multiples of it), e.g. ['5m', '15m', '1h']. */
  readonly higherIntervals?: readonly Interval[];
  /** Ring buffer depth per symbol and interval. Default 1000. */
  readonly depth?: number;
  /** Conflation window in ms of event time (0 = pass-through); must divide the base interval. Default 0. */
  readonly conflationMs?: number;
  readonly candleSource?: CandleSource;
  readonly gapPolicy?: GapPolicy;
  readonly backfill?: BackfillPort;
  /**
   * Trades path: after this many consecutive base bars without trades, stop emitting Binance's flat bars and let
   * the silence become a gap (backfilled from the venue, else the gap policy). Default unlimited.
   */
  readonly maxQuietBars?: number;
  /** No data for this long (engine time) -> DATA_STALE. 0 = off. Default 60 000. */
  readonly staleAfterMs?: number;
  readonly staleCheckEveryMs?: number;
  /** Publish every accepted trade on MARKET_TRADE. Default false. */
  readonly publishTrades?: boolean;
  /** Publish the forming candle on CANDLE_UPDATED after each (conflated) update. Default true. */
  readonly publishForming?: boolean;
  /** Time one intake in every N (a power of two). Default 64. */
  readonly latencySampleEvery?: number;
  /** Symbols known from the start (others are registered on their first message). */
  readonly symbols?: readonly string[];
}

export interface SeriesMetrics {
  readonly interval: Interval;
  readonly closed: number;
  readonly gaps: number;
  readonly missingBars: number;
  readonly repairedBars: number;
  readonly outageBars: number;
  readonly syntheticBars: number;
  readonly duplicates: number;
  readonly rejects: number;
}

export interface SymbolMetrics {
  readonly messages: number;
  readonly trades: number;
  readonly quotes: number;
  readonly klines: number;
  readonly markPrices: number;
  /** Trades in per batch out (1 = no conflation), and quotes in per quote out. */
  readonly tradeConflationRatio: number;
  readonly quoteConflationRatio: number;
  readonly duplicates: number;
  readonly rejects: number;
  readonly stale: boolean;
  readonly lastEventTime: number;
  readonly series: readonly SeriesMetrics[];
}

export interface DataMetrics {
  readonly symbols: Readonly<Record<string, SymbolMetrics>>;
  /** Sampled intake -> candles built and published, in ns. */
  readonly intakeToCandleNs: LatencySummary;
}

class Series {
  readonly ring: CandleRing;
  readonly intervalMs: number;
  readonly last = new Bar();
  hasLast = false;
  formingInRing = false;
  repairing = false;
  queue: Candle[] = [];
  aggregators: CandleAggregator[] = [];
  closed = 0;
  gaps = 0;
  missingBars = 0;
  repairedBars = 0;
  outageBars = 0;
  syntheticBars = 0;
  duplicates = 0;
  rejects = 0;

  constructor(
    readonly sym: SymbolState,
    readonly interval: Interval,
    depth: number,
    readonly isBase: boolean,
  ) {
    this.intervalMs = INTERVAL_MS[interval];
    this.ring = new CandleRing(depth);
  }
}

class SymbolState {
  readonly series: Series[] = [];
  // these three are set right after construction (they close over the state)
  conflation!: ConflationBuffer;
  builder!: TradeCandleBuilder;
  base!: Series;
  lastTradeTime = -Infinity;
  lastTrade: Trade | undefined = undefined;
  lastQuoteTime = -Infinity;
  lastEventTime: number;
  stale = false;
  messages = 0;
  trades = 0;
  quotes = 0;
  klines = 0;
  markPrices = 0;
  duplicates = 0;
  rejects = 0;

  constructor(
    readonly symbol: string,
    now: number,
  ) {
    this.lastEventTime = now;
  }
}

/**
 * The data layer: market data in (trades, quotes, klines, mark prices; push only, nothing polls), candles
 * out on the EventBus and in per-symbol ring buffers.
 *
 * trade -> boundary checks -> conflation -> base candle builder -> ring + CANDLE_UPDATED / CANDLE_CLOSED
 *       -> higher-interval aggregators -> their rings + events.
 * Every closed candle passes the gap/duplicate/disorder check of its series first; a gap in the base series
 * is repaired by one backfill call, and what the venue cannot give is handled by the gap policy.
 */
export class DataEngine {
  private readonly bus: EventBus<AegisTopics>;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly scheduler: Scheduler | undefined;
  private readonly monotonic: MonotonicClock | undefined;
  private readonly baseInterval: Interval;
  private readonly higher: readonly Interval[];
  private readonly depth: number;
  private readonly conflationMs: number;
  private readonly source: CandleSource;
  private readonly policy: GapPolicy;
  private readonly backfillPort: BackfillPort | undefined;
  private readonly maxQuietBars: number;
  private readonly staleAfterMs: number;
  private readonly staleCheckEveryMs: number;
  private readonly publishTrades: boolean;
  private readonly publishForming: boolean;
  private readonly sampleMask: number;
  private readonly states = new Map<string, SymbolState>();
  private readonly stateList: SymbolState[] = [];
  private readonly latency = new LatencyHistogram();
  private tick = 0;
  private staleTimer: TimerHandle | undefined = undefined;
  private pendingBackfills = 0;

  constructor(options: DataEngineOptions) {
    this.bus = options.bus;
    this.logger = options.logger.child({ component: 'data' });
    this.clock = options.clock;
    this.scheduler = options.scheduler;
    this.monotonic = options.monotonic;
    this.baseInterval = options.baseInterval ?? '1m';
    this.higher = options.higherIntervals ?? [];
    this.depth = options.depth ?? 1000;
    this.conflationMs = options.conflationMs ?? 0;
    this.source = options.candleSource ?? 'trades';
    this.policy = options.gapPolicy ?? 'skip';
    this.backfillPort = options.backfill;
    this.maxQuietBars = options.maxQuietBars ?? Infinity;
    this.staleAfterMs = options.staleAfterMs ?? 60_000;
    this.staleCheckEveryMs = options.staleCheckEveryMs ?? 1_000;
    this.publishTrades = options.publishTrades ?? false;
    this.publishForming = options.publishForming ?? true;
    const every = options.latencySampleEvery ?? 64;
    if (every < 1 || (every & (every - 1)) !== 0) {
      throw new InvariantError(`latencySampleEvery must be a power of two >= 1, got ${every}`, { every });
    }
    this.sampleMask = every - 1;
    const baseMs = INTERVAL_MS[this.baseInterval];
    if (this.conflationMs > 0 && baseMs % this.conflationMs !== 0) {
      throw new InvariantError(
        `conflation window ${this.conflationMs} ms must divide the ${this.baseInterval} interval`,
        { conflationMs: this.conflationMs, baseInterval: this.baseInterval },
      );
    }
    for (const h of this.higher) {
      const ms = INTERVAL_MS[h];
      if (!(ms > baseMs) || ms % baseMs !== 0) {
        throw new InvariantError(`interval ${h} is not a whole multiple of the base interval ${this.baseInterval}`, {
          interval: h,
          baseInterval: this.baseInterval,
        });
      }
    }
    for (const s of options.symbols ?? []) this.register(s);
  }

  /** Start the staleness watchdog on the injected scheduler. */
  start(): void {
    if (this.staleTimer !== undefined || this.scheduler === undefined || this.staleAfterMs <= 0) return;
    this.staleTimer = this.scheduler.every(this.staleCheckEveryMs, (now) => {
      this.checkStale(now);
    });
  }

  /** Stop the watchdog and flush pending conflation windows. */
  stop(): void {
    if (this.staleTimer !== undefined && this.scheduler !== undefined) this.scheduler.cancel(this.staleTimer);
    this.staleTimer = undefined;
    for (const s of this.stateList) s.conflation.flush();
  }

  // ---------------------------------------------------------------- intake

  onTrade(t: Trade): void {
    const s = this.states.get(t.symbol) ?? this.register(t.symbol);
    s.messages++;
    s.trades++;
    if (this.monotonic !== undefined && (++this.tick & this.sampleMask) === 0) {
      const t0 = this.monotonic.nowNs();
      this.ingestTrade(s, t);
      this.latency.record(this.monotonic.nowNs() - t0);
    } else {
      this.ingestTrade(s, t);
    }
  }

  onQuote(q: Quote): void {
    const s = this.states.get(q.symbol) ?? this.register(q.symbol);
    s.messages++;
    s.quotes++;
    const problem = quoteProblem(q) ?? (q.time < s.lastQuoteTime ? 'quote older than the previous one' : undefined);
    if (problem !== undefined) {
      this.reject(s, undefined, problem, { kind: 'quote', time: q.time });
      return;
    }
    s.lastQuoteTime = q.time;
    this.touch(s, q.time);
    s.conflation.addQuote(q);
  }

  onMarkPrice(m: MarkPrice): void {
    const s = this.states.get(m.symbol) ?? this.register(m.symbol);
    s.messages++;
    s.markPrices++;
    const problem = markPriceProblem(m);
    if (problem !== undefined) {
      this.reject(s, undefined, problem, { kind: 'markPrice', time: m.time });
      return;
    }
    this.touch(s, m.time);
    this.bus.publish('MARKET_MARK_PRICE', m);
  }

  /** An exchange kline (stream or file replay) of the base interval; `closed` false = the forming bar. */
  onKline(c: Candle): void {
    const s = this.states.get(c.symbol) ?? this.register(c.symbol);
    s.messages++;
    s.klines++;
    if (this.monotonic !== undefined && c.closed) {
      const t0 = this.monotonic.nowNs();
      this.ingestKline(s, c);
      this.latency.record(this.monotonic.nowNs() - t0);
    } else {
      this.ingestKline(s, c);
    }
  }

  /**
   * Event time reached `time` (for every symbol): flush ended conflation windows and close every bar that
   * ended at or before it, with Binance's flat zero-volume bars for intervals without trades.
   */
  advanceTo(time: number): void {
    for (const s of this.stateList) {
      s.conflation.advanceTo(time);
      if (this.source === 'trades') s.builder.advanceTo(time);
      // while the base series waits for a backfill, its higher bars wait too (the repaired bars belong in them)
      if (!s.base.repairing) for (const a of s.base.aggregators) a.advanceTo(time);
    }
  }

  // ---------------------------------------------------------------- read side

  /** True when the symbol had no data for `staleAfterMs` (or was never seen): open nothing on it. */
  isStale(symbol: string): boolean {
    const s = this.states.get(symbol);
    return s === undefined || s.stale;
  }

  /** The ring buffer of a symbol and interval (index 0 = newest). */
  series(symbol: string, interval: Interval): CandleSeriesView | undefined {
    return this.states.get(symbol)?.series.find((x) => x.interval === interval)?.ring;
  }

  /** Backfill requests still in flight. */
  get backfillsInFlight(): number {
    return this.pendingBackfills;
  }

  metrics(): DataMetrics {
    const symbols: Record<string, SymbolMetrics> = {};
    for (const s of this.stateList) {
      const c = s.conflation;
      symbols[s.symbol] = {
        messages: s.messages,
        trades: s.trades,
        quotes: s.quotes,
        klines: s.klines,
        markPrices: s.markPrices,
        tradeConflationRatio: c.ratio,
        quoteConflationRatio: c.quotesOut === 0 ? 0 : c.quotesIn / c.quotesOut,
        duplicates: s.duplicates + s.series.reduce((n, x) => n + x.duplicates, 0),
        rejects: s.rejects + s.series.reduce((n, x) => n + x.rejects, 0),
        stale: s.stale,
        lastEventTime: s.lastEventTime,
        series: s.series.map((x) => ({
          interval: x.interval,
          closed: x.closed,
          gaps: x.gaps,
          missingBars: x.missingBars,
          repairedBars: x.repairedBars,
          outageBars: x.outageBars,
          syntheticBars: x.syntheticBars,
          duplicates: x.duplicates,
          rejects: x.rejects,
        })),
      };
    }
    return { symbols, intakeToCandleNs: this.latency.summary() };
  }

  // ---------------------------------------------------------------- internals

  private register(symbol: string): SymbolState {
    const s = new SymbolState(symbol, this.clock.now());
    const base = new Series(s, this.baseInterval, this.depth, true);
    s.base = base;
    s.series.push(base);
    for (const h of this.higher) {
      const derived = new Series(s, h, this.depth, false);
      s.series.push(derived);
      base.aggregators.push(
        new CandleAggregator(
          base.intervalMs,
          derived.intervalMs,
          (bar) => {
            this.forming(derived, bar);
          },
          (bar) => {
            this.closeBar(derived, bar);
          },
        ),
      );
    }
    s.builder = new TradeCandleBuilder(
      base.intervalMs,
      (bar) => {
        this.forming(base, bar);
      },
      (bar) => {
        this.closeBar(base, bar);
      },
      this.maxQuietBars,
    );
    s.conflation = new ConflationBuffer(
      this.conflationMs,
      (batch) => {
        if (this.source === 'trades' && !s.builder.addBatch(batch)) {
          this.reject(s, base, 'trade batch for a closed bar', { time: batch.startTime });
        }
      },
      (q) => {
        this.bus.publish('MARKET_QUOTE', q);
      },
      (t) => {
        if (this.source === 'trades' && !s.builder.addTrade(t)) {
          this.reject(s, base, 'trade for a closed bar', { time: t.time });
        }
      },
    );
    this.states.set(symbol, s);
    this.stateList.push(s);
    return s;
  }

  private ingestTrade(s: SymbolState, t: Trade): void {
    const time = t.time;
    const order = tradeOrder(s.lastTrade, t);
    if (order !== 'accept') {
      if (order === 'repeat') s.duplicates++;
      else if (order === 'older-id') {
        this.reject(s, undefined, 'trade id older than the previous trade', { kind: 'trade', id: t.id });
      } else this.reject(s, undefined, tradeProblem(t, s.lastTradeTime), { kind: 'trade', time, id: t.id });
      return;
    }
    if (this.source === 'trades' && time < s.builder.formingOpenTime) {
      this.reject(s, undefined, 'trade for a bar already closed', { kind: 'trade', time, id: t.id });
      return;
    }
    s.lastTradeTime = time;
    s.lastTrade = t;
    this.touch(s, time);
    if (this.publishTrades) this.bus.publish('MARKET_TRADE', t);
    s.conflation.addTrade(t);
  }

  private ingestKline(s: SymbolState, c: Candle): void {
    const base = s.base;
    const problem =
      this.source !== 'klines'
        ? 'kline received while candles are built from trades'
        : c.interval !== this.baseInterval
          ? `kline interval ${c.interval} is not the base interval ${this.baseInterval}`
          : klineProblem(c, base.intervalMs);
    if (problem !== undefined) {
      this.reject(s, base, problem, { kind: 'kline', openTime: c.openTime, interval: c.interval });
      return;
    }
    this.touch(s, c.openTime);
    if (c.closed) {
      this.closeBar(base, c);
      return;
    }
    if (base.hasLast && c.openTime <= base.last.openTime) {
      this.reject(s, base, 'forming kline of a bar already closed', { kind: 'kline', openTime: c.openTime });
      return;
    }
    this.forming(base, c);
  }

  private touch(s: SymbolState, time: number): void {
    if (time > s.lastEventTime) s.lastEventTime = time;
    if (s.stale) {
      s.stale = false;
      this.bus.publish('DATA_STALE', {
        symbol: s.symbol,
        stale: false,
        lastEventTime: s.lastEventTime,
        time: s.lastEventTime,
      });
    }
  }

  private checkStale(now: number): void {
    for (const s of this.stateList) {
      if (!s.stale && now - s.lastEventTime >= this.staleAfterMs) {
        s.stale = true;
        this.logger.warn(
          { symbol: s.symbol, lastEventTime: s.lastEventTime, now },
          `no data for ${s.symbol} for ${now - s.lastEventTime} ms: stale`,
        );
        this.bus.publish('DATA_STALE', { symbol: s.symbol, stale: true, lastEventTime: s.lastEventTime, time: now });
      }
    }
  }

  private forming(x: Series, bar: BarLike): void {
    if (x.repairing) return; // the ring gets the repaired bars first
    if (x.formingInRing) x.ring.replaceLast(bar);
    else {
      x.ring.append(bar);
      x.formingInRing = true;
    }
    if (this.publishForming) this.bus.publish('CANDLE_UPDATED', toCandle(bar, x));
  }

  /** A closed bar for series `x`: duplicate / disorder / gap checks, then ring, event and higher intervals. */
  private closeBar(x: Series, bar: BarLike): void {
    if (x.repairing) {
      x.queue.push(toCandle(bar, x));
      return;
    }
    if (x.hasLast) {
      const last = x.last;
      const expected = last.openTime + x.intervalMs;
      if (bar.openTime !== expected) {
        if (bar.openTime === last.openTime && sameBar(bar, last)) {
          x.duplicates++;
          return;
        }
        if (bar.openTime < expected) {
          this.reject(x.sym, x, 'closed candle out of order', { openTime: bar.openTime, last: last.openTime });
          return;
        }
        const missing = (bar.openTime - expected) / x.intervalMs;
        if (!Number.isInteger(missing)) {
          this.reject(x.sym, x, 'closed candle not aligned to its interval', { openTime: bar.openTime });
          return;
        }
        if (this.gap(x, expected, missing, bar)) return; // deferred until the backfill answers
      }
    }
    this.commit(x, bar);
  }

  private commit(x: Series, bar: BarLike): void {
    if (x.formingInRing) {
      x.ring.removeLast();
      x.formingInRing = false;
    }
    x.ring.append(bar);
    x.last.copyFrom(bar);
    x.last.closed = true;
    x.hasLast = true;
    x.closed++;
    if (bar.synthetic) x.syntheticBars++;
    this.bus.publish('CANDLE_CLOSED', toCandle(bar, x, true));
    const aggs = x.aggregators;
    for (const a of aggs) a.addClosed(bar);
  }

  /**
   * Bars [from, from + missing * interval) are missing before `next`. Returns true when a backfill was started
   * (`next` is queued behind it), false when the gap was settled at once by the policy.
   */
  private gap(x: Series, from: number, missing: number, next: BarLike): boolean {
    x.gaps++;
    x.missingBars += missing;
    const s = x.sym;
    this.publishGap(x, from, missing, 'detected');
    this.logger.warn(
      { symbol: s.symbol, interval: x.interval, fromOpenTime: from, missing },
      `gap of ${missing} ${x.interval} bars in ${s.symbol}`,
    );
    const port = this.backfillPort;
    if (!x.isBase || port === undefined) {
      this.unrepaired(x, from, missing);
      return false;
    }
    // One request per gap; later bars wait in the queue so that the ring stays in time order.
    x.repairing = true;
    x.queue.push(toCandle(next, x));
    if (x.formingInRing) {
      x.ring.removeLast();
      x.formingInRing = false;
    }
    const to = from + (missing - 1) * x.intervalMs;
    this.pendingBackfills++;
    let request: Promise<Candle[]>;
    try {
      request = port.backfill(s.symbol, x.interval, from, to);
    } catch (caught) {
      request = Promise.reject(toError(caught));
    }
    void request.then(
      (bars) => {
        this.pendingBackfills--;
        this.safely(x, () => {
          this.repair(x, from, missing, bars);
        });
      },
      (caught: unknown) => {
        this.pendingBackfills--;
        this.safely(x, () => {
          const err = toError(caught);
          this.logger.error(
            { symbol: s.symbol, interval: x.interval, fromOpenTime: from, missing, err },
            `backfill of ${s.symbol} ${x.interval} failed; gap handled by policy ${this.policy}`,
          );
          this.bus.publish('ERROR', {
            source: 'data.backfill',
            code: errorCodeOf(caught),
            message: err.message,
            context: { symbol: s.symbol, interval: x.interval, fromOpenTime: from, missing },
          });
          this.repair(x, from, missing, []);
        });
      },
    );
    return true;
  }

  private safely(x: Series, fn: () => void): void {
    try {
      fn();
    } catch (caught) {
      const err = toError(caught);
      this.logger.error({ symbol: x.sym.symbol, interval: x.interval, err }, `gap repair failed: ${err.message}`);
      this.bus.publish('ERROR', {
        source: 'data.gap-repair',
        code: 'INVARIANT_BROKEN',
        message: err.message,
        context: { symbol: x.sym.symbol, interval: x.interval },
      });
    }
  }

  /** Commit what the venue returned for the gap, apply the policy to the rest, then drain the queue. */
  private repair(x: Series, from: number, missing: number, bars: readonly Candle[]): void {
    x.repairing = false;
    const step = x.intervalMs;
    const byTime = new Map<number, Candle>();
    for (const c of bars) {
      const k = (c.openTime - from) / step;
      const problem = klineProblem(c, step);
      if (problem !== undefined || c.symbol !== x.sym.symbol || !(k >= 0 && k < missing && Number.isInteger(k))) {
        this.reject(x.sym, x, `backfilled bar dropped: ${problem ?? 'outside the gap'}`, { openTime: c.openTime });
        continue;
      }
      byTime.set(c.openTime, c);
    }
    let runStart = -1;
    for (let k = 0; k <= missing; k++) {
      const t = from + k * step;
      const c = k < missing ? byTime.get(t) : undefined;
      if (k < missing && c === undefined) {
        if (runStart < 0) runStart = t;
        continue;
      }
      if (runStart >= 0) {
        this.unrepaired(x, runStart, (t - runStart) / step);
        runStart = -1;
      }
      if (c !== undefined) {
        x.repairedBars++;
        this.commit(x, { ...c, closed: true, synthetic: false });
      }
    }
    if (byTime.size === missing) this.publishGap(x, from, missing, 'repaired');
    const queued = x.queue;
    x.queue = [];
    // The first queued bar is the one that revealed the gap: the gap is settled, so it follows directly.
    const first = queued[0];
    if (first !== undefined) this.commit(x, first);
    for (let i = 1; i < queued.length; i++) this.closeBar(x, queued[i] as Candle);
  }

  /** Bars the venue does not have: an outage; skip them or fill them flat at the previous close. */
  private unrepaired(x: Series, from: number, missing: number): void {
    x.outageBars += missing;
    this.publishGap(x, from, missing, 'outage');
    if (this.policy === 'skip' || !x.hasLast) return;
    const flat = new Bar();
    const price = x.last.close;
    for (let k = 0; k < missing; k++) {
      flat.resetFlat(from + k * x.intervalMs, price);
      flat.closed = true;
      flat.synthetic = true;
      this.commit(x, flat);
    }
  }

  private publishGap(x: Series, from: number, missing: number, status: CandleGap['status']): void {
    this.bus.publish('CANDLE_GAP', {
      symbol: x.sym.symbol,
      interval: x.interval,
      fromOpenTime: from,
      missing,
      status,
      time: x.sym.lastEventTime,
    });
  }

  private reject(s: SymbolState, x: Series | undefined, reason: string, context: Record<string, string | number>): void {
    const n = x === undefined ? ++s.rejects : ++x.rejects;
    // Logged with its context; a flood is thinned to the first 10 and then every 1000th per counter.
    if (n <= 10 || n % 1000 === 0) {
      const err = new DataError(`${s.symbol}: ${reason}`, { symbol: s.symbol, ...context, rejected: n });
      this.logger.warn({ err, code: err.code, symbol: s.symbol, ...context, rejected: n }, err.message);
    }
  }
}

function tradeProblem(t: Trade, lastTime: number): string {
  if (!isPositive(t.price)) return 'trade price is not a finite number > 0';
  if (!isNonNegative(t.qty)) return 'trade quantity is not a finite number >= 0';
  if (!Number.isFinite(t.time)) return 'trade time is not finite';
  return `trade time ${t.time} is older than the previous trade (${lastTime})`;
}

function toCandle(bar: BarLike, x: Series, closed = bar.closed): Candle {
  return {
    symbol: x.sym.symbol,
    interval: x.interval,
    openTime: bar.openTime,
    open: bar.open,
    high: bar.high,
    low: bar.low,
    close: bar.close,
    volume: bar.volume,
    quoteVolume: bar.quoteVolume,
    trades: bar.trades,
    takerBuyVolume: bar.takerBuyVolume,
    takerBuyQuoteVolume: bar.takerBuyQuoteVolume,
    closed,
    synthetic: bar.synthetic,
  };
}
