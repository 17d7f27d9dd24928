/**
 * `runBacktest`: the engine of every mode (buildEngine: brain, trade layer, heartbeat, journal recorder)
 * on historical klines, with a SimulatedClock and the in-process simulator as the venue. See
 * docs/backtest.md.
 *
 * Per candle, in this order:
 *   1. the clock moves to the candle's close time (openTime + interval - 1, Binance's close_time);
 *      heartbeats due on the way fire;
 *   2. the simulator gets the closed candle (`feedCandle`): resting stops and targets fill along the
 *      documented intra-candle path (docs/fill-model.md, model 1); with `slippage` a quote at
 *      close x (1 -/+ slippage) follows, so market orders pay that half-spread;
 *   3. while a position is open, the data layer gets the close as a mark price (the trade layer's
 *      unrealised PnL); then the kline (`onKline`): gap / duplicate / order checks, ring buffer, CANDLE_CLOSED -> brain ->
 *      SIGNAL_GENERATED -> trade layer -> market entry at the close, protective orders;
 *   4. when the trade layer has work queued, the loop waits for it (`trade.idle()`) before the next candle.
 *
 * On trades (`trades`, or a trade / aggTrade file or directory as `data`), see `replayTrades`: every trade
 * moves the clock and goes to the simulator (`feedTrade`: resting stops and targets fill at trade prices,
 * docs/fill-model.md model 2) and to the data layer (candleSource 'trades'), which builds the candles of
 * the trading interval; each bar is closed by the loop at its close time, so the brain decides at the same
 * engine time as on klines.
 */
import { SimulatedClock } from '../../core/clock.js';
import { ConfigError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { MonotonicClock } from '../../core/clock.js';
import type { AegisConfig } from '../../config/schema.js';
import type { StrategyFactory } from '../../brain/strategy.js';
import type { Instrument } from '../../domain/instrument.js';
import { INTERVAL_MS, type Candle, type Interval, type Trade } from '../../domain/market.js';
import { tradeOrder } from '../../data/trade-order.js';
import { openJournal } from '../../store/open.js';
import { SPOT_BTCUSDT, USDM_BTCUSDT, USDM_ETHUSDT } from '../../venues/sim/instruments.js';
import type { FeeRates } from '../../venues/sim/types.js';
import { createSimVenue } from '../../venues/sim/venue.js';
import { buildEngine } from '../engine.js';
import { computeMetrics, DAY_MS, type BacktestMetrics, type EquityPoint } from './metrics.js';
import { canonicalTrades, fingerprint, TradeRecorder, type BacktestTrade } from './trades.js';
import {
  DEFAULT_TRADE_INTERVAL,
  loadBacktestData,
  resolveBacktestInput,
  tradeChunks,
  type BacktestDataKind,
  type BacktestInputFile,
  type TradeChunk,
} from './inputs.js';
import type { Signal } from '../../domain/signal.js';
import type { RiskDenialReason } from '../../domain/events.js';

export interface BacktestOptions {
  readonly config: AegisConfig;
  /** The candles (closed klines of `symbol` and `interval`, as in the file: duplicates and gaps included)... */
  readonly candles?: readonly Candle[];
  /** ...or the trades (or aggTrades) of `symbol`, as in the file (duplicates, disorder included)... */
  readonly trades?: readonly Trade[];
  /**
   * ...or a data file or directory (`--data FILE|DIR`, see inputs.ts): klines or trades, in the
   * ../shared/data layout or Binance's dump layout, plain or .gz. `file` is the same (kept for callers).
   */
  readonly data?: string;
  readonly file?: string;
  /** Required with `candles` / `trades`; with `data`, default from the file names (and it selects in a directory). */
  readonly symbol?: string;
  /**
   * Klines: their interval (required with `candles`; with `data` default from the file names). Trades: the
   * trading interval, the candles the data layer builds; default 1m (DEFAULT_TRADE_INTERVAL).
   */
  readonly interval?: Interval;
  /** Keep candles with openTime >= from (trades with time >= from), epoch ms. */
  readonly from?: number;
  /** Keep candles with openTime < to (trades with time < to), epoch ms. */
  readonly to?: number;
  /**
   * Trade backtests: how often an open position is marked to market for the trade layer: at each candle
   * close (default, as on klines) or at every trade (closer to the live 1 s mark stream; bench/backtest-trades.ts
   * measures the cost).
   */
  readonly markEvery?: 'candle' | 'trade';
  /** Maker / taker fee fractions; default the simulator's (USDⓈ-M 0.02 % / 0.05 %, spot 0.1 %). */
  readonly fees?: FeeRates;
  /** Half-spread paid by market orders, as a fraction of the close (0.0001 = 1 bp). Default 0. */
  readonly slippage?: number;
  /** Starting quote balance. Default 10 000. */
  readonly balance?: number;
  /**
   * Journal location; default ':memory:' (SQLite, synchronous NORMAL, BACKTEST_JOURNAL_BATCH record calls
   * per transaction: the file is complete when the run returns, but a crash mid-run may lose the last
   * batch). `false`: no journal at all (nothing recorded, no journal recorder; about 40 % of a trading
   * backtest's time on the 5m BTCUSDT file): for sweeps and benchmarks, where nothing reads it.
   */
  readonly journal?: string | false;
  /** Strategy override (default: the config's SMC strategy, as in every mode). */
  readonly strategy?: StrategyFactory;
  /** Instrument override (default: the simulator's BTCUSDT / ETHUSDT, else a generic *USDT instrument). */
  readonly instrument?: Instrument;
  /**
   * Heartbeat period in minutes of engine time. Default 1440 (one report per simulated day): at the
   * live default of 15 minutes, heartbeats (report, log line, journal row) cost more than the trading.
   */
  readonly heartbeatMinutes?: number;
  /**
   * After the daily-loss kill switch halts trading: 'never' resume (default; live behaviour, an operator
   * must resume) or resume at the first candle of the next UTC day (an operator who resumes every morning).
   */
  readonly resumeAfterHalt?: 'never' | 'next-day';
  /** Ratios are n/a below this many trades. Default 10. */
  readonly minTrades?: number;
  /**
   * Called every `progressEvery` candles (default 10 000) with (done, total); see progress.ts. On trades,
   * candles built out of the bars the trades span.
   */
  readonly onProgress?: (done: number, total: number) => void;
  readonly progressEvery?: number;
  readonly logger: Logger;
}

/** What a trade backtest read and how the data layer took it. */
export interface TradeDataStats {
  /** Trades given to the engine (after from/to), duplicates and disorder included. */
  readonly trades_read: number;
  /** Trades the loop found older than the previous one (time or id): never fed to the venue; the data layer rejects them. */
  readonly out_of_order: number;
  /** Candles built with no trade in them (Binance's flat zero-volume bars), and the longest run of them. */
  readonly flat_bars: number;
  readonly longest_flat_run: number;
  /** Mark prices published while a position was open. */
  readonly marks: number;
  readonly mark_every: 'candle' | 'trade';
  /** Trades over the replay time (elapsed minus load). */
  readonly trades_per_sec: number;
}

export interface BacktestResult {
  readonly symbol: string;
  readonly interval: Interval;
  readonly from: number | null;
  readonly to: number | null;
  /** klines: the exchange's candles were replayed; trades: candles were built from trades. */
  readonly data_kind: BacktestDataKind;
  /** Files read, in order ([] when candles or trades were given). */
  readonly data_files: readonly string[];
  /**
   * Klines: candles given to the engine (after from/to), duplicates included. Trades: candles built (every
   * bar the trades span, flat bars included).
   */
  readonly candles: number;
  /** Candles the data layer closed (CANDLE_CLOSED of the trading interval). */
  readonly candles_closed: number;
  readonly trades: number;
  readonly open_positions: number;
  readonly signals: number;
  /** Signals the risk gate denied, per reason. */
  readonly denials: Readonly<Partial<Record<RiskDenialReason, number>>>;
  readonly fills: number;
  readonly net_pnl: number;
  readonly max_drawdown: number;
  readonly sharpe: number | null;
  readonly fingerprint: string;
  /** Wall time of the whole call (file parse included). */
  readonly elapsed_ms: number;
  /** Of which reading and parsing the files (0 when candles or trades were given; trade files are read one at a time during the run). */
  readonly load_ms: number;
  /** Candles over the replay time (elapsed minus load). */
  readonly candles_per_sec: number;
  /** CANDLE_GAP 'detected' events and the bars they miss. */
  readonly gaps: number;
  readonly missing_bars: number;
  /** Exact repeats of the previous candle (trades: of the previous trade, same id), dropped by the data layer. */
  readonly duplicates: number;
  /** Candles (trades) the data layer refused: out of order, malformed. */
  readonly rejected: number;
  /** Trade backtests only (null on klines). */
  readonly trade_data: TradeDataStats | null;
  readonly errors: number;
  /** Trading-state changes (kill switch), in time order. */
  readonly halts: readonly { readonly time: number; readonly state: string; readonly reason: string }[];
  readonly metrics: BacktestMetrics;
  readonly trade_list: readonly BacktestTrade[];
}

/** Everything a run leaves behind, for tests and the look-ahead analysis. */
export interface BacktestRun {
  readonly result: BacktestResult;
  readonly signals: readonly Signal[];
  readonly canonicalTrades: string;
  readonly curve: readonly EquityPoint[];
  /**
   * The candles given to the engine (after from/to; the same array, no copy), or on trades the candles
   * the data layer built (CANDLE_CLOSED of the trading interval): for the HTML report.
   */
  readonly candles: readonly Candle[];
}

const DEFAULT_BALANCE = 10_000;
export const BACKTEST_HEARTBEAT_MINUTES = 1440;
/** Quote-model sizes large enough that a market order never walks the (synthetic) book. */
const DEEP_BOOK = 1e12;

/**
 * Journal record calls per SQLite transaction in a backtest (SqliteJournalOptions.batchWrites): a
 * backtest's journal is a by-product that a crash may lose anyway, so it is not committed call by call.
 */
export const BACKTEST_JOURNAL_BATCH = 1000;

/** No latency timing in a backtest: stage timings would measure this machine, not the strategy. */
const noTiming: MonotonicClock = { nowNs: () => 0 };

export async function runBacktest(o: BacktestOptions): Promise<BacktestResult> {
  return (await runBacktestDetailed(o)).result;
}

/** The data of a run: given, or read from `data` / `file`. */
interface RunData {
  readonly kind: BacktestDataKind;
  readonly symbol: string;
  readonly interval: Interval;
  readonly candles: readonly Candle[];
  /** Trades, one chunk per file, read when the loop gets to it (or the given trades as one chunk). */
  readonly chunks: Iterator<TradeChunk>;
  readonly files: readonly BacktestInputFile[];
}

async function runData(o: BacktestOptions): Promise<RunData> {
  const given = (o.candles === undefined ? 0 : 1) + (o.trades === undefined ? 0 : 1);
  const path = o.data ?? o.file;
  if (given + (path === undefined ? 0 : 1) !== 1) {
    throw new ConfigError(['runBacktest needs exactly one of candles, trades, or a data file / directory']);
  }
  const none: Iterator<TradeChunk> = [][Symbol.iterator]();
  if (path !== undefined) {
    const input = await resolveBacktestInput({
      data: path,
      ...(o.symbol === undefined ? {} : { symbol: o.symbol }),
      ...(o.interval === undefined ? {} : { interval: o.interval }),
    });
    const onTrades = input.kind === 'trades';
    return {
      kind: input.kind,
      symbol: input.symbol,
      interval: input.interval,
      candles: onTrades ? [] : loadBacktestData(input).candles,
      chunks: onTrades ? tradeChunks(input, o.to) : none,
      files: input.files,
    };
  }
  if (o.symbol === undefined)
    throw new ConfigError(['runBacktest of given candles or trades needs a symbol']);
  if (o.candles !== undefined) {
    if (o.interval === undefined)
      throw new ConfigError(['runBacktest of given candles needs their interval']);
    return {
      kind: 'klines',
      symbol: o.symbol,
      interval: o.interval,
      candles: o.candles,
      chunks: none,
      files: [],
    };
  }
  const symbol = o.symbol;
  const alien = o.trades?.find((t) => t.symbol !== symbol);
  if (alien !== undefined) {
    throw new ConfigError([`runBacktest of ${symbol} was given a ${alien.symbol} trade (id ${alien.id})`]);
  }
  return {
    kind: 'trades',
    symbol,
    interval: o.interval ?? DEFAULT_TRADE_INTERVAL,
    candles: [],
    chunks: [{ file: '', trades: (o.trades ?? []) as Trade[], loadMs: 0 }][Symbol.iterator](),
    files: [],
  };
}

export async function runBacktestDetailed(o: BacktestOptions): Promise<BacktestRun> {
  const t0 = performance.now();
  const input = await runData(o);
  let loadMs = performance.now() - t0;
  const symbol = input.symbol;
  const interval = input.interval;
  const step = INTERVAL_MS[interval];
  const onTrades = input.kind === 'trades';
  const inRange = (t: number): boolean =>
    (o.from === undefined || t >= o.from) && (o.to === undefined || t < o.to);
  const candles = onTrades ? [] : input.candles.filter((c) => inRange(c.openTime));
  // trades: the next chunk with trades in [from, to), its parse time counted as loading
  const ranged = o.from !== undefined || o.to !== undefined;
  const nextTrades = (): readonly Trade[] | undefined => {
    for (;;) {
      const r = input.chunks.next();
      if (r.done === true) return undefined;
      loadMs += r.value.loadMs;
      const ts = ranged ? r.value.trades.filter((t) => inRange(t.time)) : r.value.trades;
      if (ts.length > 0) return ts;
    }
  };
  const firstChunk = onTrades ? nextTrades() : undefined;
  const foreign = candles.find((c) => c.symbol !== symbol || c.interval !== interval);
  if (foreign !== undefined) {
    throw new ConfigError([
      `runBacktest of ${symbol} ${interval} was given a ${foreign.symbol} ${foreign.interval} candle (open time ${foreign.openTime})`,
    ]);
  }
  const config: AegisConfig = Object.freeze({
    ...o.config,
    environment: 'backtest',
    symbols: Object.freeze([symbol]),
    intervals: Object.freeze([interval]),
    heartbeatMinutes: o.heartbeatMinutes ?? BACKTEST_HEARTBEAT_MINUTES,
  });
  const firstTrade = firstChunk?.[0];
  const startTime = onTrades
    ? firstTrade === undefined
      ? 0
      : Math.floor(firstTrade.time / step) * step
    : (candles[0]?.openTime ?? 0);
  const clock = new SimulatedClock(startTime);
  const instrument = o.instrument ?? defaultInstrument(symbol, config.market);
  const balance = o.balance ?? DEFAULT_BALANCE;
  const venue = createSimVenue(
    {
      instruments: [instrument],
      balances: { [instrument.quoteAsset]: String(balance) },
      ...(o.fees === undefined ? {} : { futuresFees: o.fees, spotFees: o.fees }),
    },
    { clock },
  );
  const journal =
    o.journal === false
      ? undefined
      : await openJournal(o.journal ?? ':memory:', {
          logger: o.logger,
          sqlite: { synchronous: 'NORMAL', batchWrites: BACKTEST_JOURNAL_BATCH },
        });
  const engine = buildEngine(
    config,
    {
      clock,
      monotonic: noTiming,
      timing: false,
      venue,
      ...(journal === undefined ? {} : { journal }),
      data: {
        baseInterval: interval,
        candleSource: onTrades ? 'trades' : 'klines',
        gapPolicy: 'skip',
        staleAfterMs: 0,
        publishForming: false,
      },
      ...(o.strategy === undefined ? {} : { strategy: o.strategy }),
    },
    o.logger,
  );
  const bus = engine.engineBus.bus;
  const data = engine.data;
  const recorder = new TradeRecorder(bus, balance, instrument.quoteAsset);
  let gaps = 0;
  let missing = 0;
  let closed = 0;
  bus.subscribe('CANDLE_GAP', 'app.backtest', (g) => {
    if (g.status === 'detected') {
      gaps++;
      missing += g.missing;
    }
  });
  const built: Candle[] = [];
  if (onTrades) {
    bus.subscribe('CANDLE_CLOSED', 'app.backtest', (c) => {
      closed++;
      built.push(c);
    });
  } else {
    bus.subscribe('CANDLE_CLOSED', 'app.backtest', () => closed++);
  }
  const denials: Partial<Record<RiskDenialReason, number>> = {};
  bus.subscribe('RISK_REJECTED', 'app.backtest', (d) => (denials[d.reason] = (denials[d.reason] ?? 0) + 1));
  const halts: { time: number; state: string; reason: string }[] = [];
  bus.subscribe('TRADING_STATE_CHANGED', 'app.backtest', (e) => {
    halts.push({ time: e.time, state: e.state, reason: e.reason });
  });
  const resumeDaily = o.resumeAfterHalt === 'next-day';
  const flags = { busy: false };
  bus.subscribe('SIGNAL_GENERATED', 'app.backtest', () => (flags.busy = true));

  const curve: EquityPoint[] = [{ time: startTime, equity: balance }];
  const slip = o.slippage ?? 0;
  const every = o.progressEvery ?? 10_000;
  const markEvery = o.markEvery ?? 'candle';
  let marks = 0;
  const mark = (time: number, price: number): void => {
    marks++;
    data.onMarkPrice({
      symbol,
      time,
      markPrice: price,
      indexPrice: price,
      fundingRate: 0,
      nextFundingTime: 0,
    });
  };
  const resumeIfNewDay = (closeTime: number): void => {
    if (resumeDaily && engine.trade.gate.state === 'halted') {
      const last = halts[halts.length - 1];
      if (last !== undefined && Math.floor(closeTime / DAY_MS) > Math.floor(last.time / DAY_MS)) {
        engine.trade.gate.setState('active', 'backtest: resumed on the next UTC day (--resume-daily)');
      }
    }
  };
  /**
   * At a bar's close, before the data layer sees it: the quote around the close price (slippage) and the
   * trade layer's unrealised PnL, marked at the close while a position is open (flat, a mark changes
   * nothing).
   */
  const quoteClose = (closeTime: number, price: number, updateId: number): void => {
    if (slip > 0) {
      venue.feedQuote({
        symbol,
        time: closeTime,
        bidPrice: price * (1 - slip),
        bidQty: DEEP_BOOK,
        askPrice: price * (1 + slip),
        askQty: DEEP_BOOK,
        updateId,
      });
    }
    if (recorder.hasOpen) mark(closeTime, price);
  };
  /** The venue's delivered count the replay has waited for (set when a replay starts). */
  let delivered = 0;
  /**
   * After the data layer has the close: execution updates are awaited, then the equity-curve point.
   */
  const settleClose = async (closeTime: number, price: number): Promise<void> => {
    if (flags.busy || venue.delivered !== delivered) {
      const wasOpen = recorder.hasOpen;
      await engine.trade.idle();
      flags.busy = false;
      delivered = venue.delivered;
      // a position opened on this close: mark it now, not with the mark of an older position
      if (!wasOpen && recorder.openPositions() > 0) mark(closeTime, price);
    }
    curve.push({ time: closeTime, equity: recorder.equityAt(symbol, price) });
  };
  const replay = async (): Promise<void> => {
    let fedOpen = -Infinity;
    delivered = venue.delivered;
    for (let i = 0; i < candles.length; i++) {
      const c = candles[i] as Candle;
      const closeTime = c.openTime + step - 1;
      if (closeTime > clock.now()) clock.advanceTo(closeTime);
      resumeIfNewDay(closeTime);
      if (c.openTime > fedOpen) {
        // duplicates and out-of-order bars never reach the venue (they would be counted twice)
        fedOpen = c.openTime;
        venue.feedCandle(c);
        quoteClose(closeTime, c.close, i);
      }
      data.onKline(c);
      await settleClose(closeTime, c.close);
      if (o.onProgress !== undefined && (i + 1) % every === 0) o.onProgress(i + 1, candles.length);
    }
  };

  // ------------------------------------------------------------------ trades
  const lastFileStart = input.files.length > 1 ? input.files[input.files.length - 1]?.firstTime : undefined;
  let spanBars = 0;
  /**
   * The progress total: the bars from the first trade to the last one (every bar is closed, flat ones
   * included). Exact for one file; for a directory, estimated as the last file's start plus the span of
   * the file being read (exact once the last file is read).
   */
  const estimateBars = (chunk: readonly Trade[]): void => {
    const a = chunk[0];
    const b = chunk[chunk.length - 1];
    if (a === undefined || b === undefined || firstTrade === undefined) return;
    let end = lastFileStart === undefined ? b.time : Math.max(b.time, lastFileStart + (b.time - a.time));
    if (o.to !== undefined) end = Math.min(end, o.to - 1);
    spanBars = Math.floor(end / step) - Math.floor(firstTrade.time / step) + 1;
  };
  const tradeStats = {
    read: 0,
    outOfOrder: 0,
    flat: 0,
    flatRun: 0,
    longestFlat: 0,
    bars: 0,
    lastEnd: startTime,
  };
  /**
   * One trade at a time: (1) every bar that ended at or before the trade's time is closed, one by one, at
   * its close time (`closeBar`); (2) the clock moves to the trade's time; (3) the simulator gets the trade
   * (resting stops and targets fill at trade prices); (4) the data layer gets it (conflation off: into the
   * forming bar); (5) execution updates are awaited as on klines. Trades that go back in time (or id) or
   * repeat the previous trade go to the data layer only, which counts and drops them, as klines do.
   */
  const replayTrades = async (): Promise<void> => {
    delivered = venue.delivered;
    let barEnd = -Infinity;
    let last: Trade | undefined;
    let lastPrice = 0;
    let barTrades = 0;
    /** Close the forming bar (ends at barEnd) at its close time, as a kline would be at its close_time. */
    const closeBar = async (): Promise<void> => {
      const closeTime = barEnd - 1;
      if (closeTime > clock.now()) clock.advanceTo(closeTime);
      resumeIfNewDay(closeTime);
      quoteClose(closeTime, lastPrice, tradeStats.bars);
      data.advanceTo(barEnd);
      await settleClose(closeTime, lastPrice);
      if (barTrades === 0) {
        tradeStats.flat++;
        tradeStats.flatRun++;
        if (tradeStats.flatRun > tradeStats.longestFlat) tradeStats.longestFlat = tradeStats.flatRun;
      } else tradeStats.flatRun = 0;
      barTrades = 0;
      tradeStats.bars++;
      tradeStats.lastEnd = barEnd;
      barEnd += step;
      if (o.onProgress !== undefined && tradeStats.bars % every === 0)
        o.onProgress(tradeStats.bars, Math.max(spanBars, tradeStats.bars));
    };
    const replayChunk = async (ticks: readonly Trade[]): Promise<void> => {
      for (const t of ticks) {
        const time = t.time;
        // what the data layer accepts (src/data/engine.ts ingestTrade): valid, not older, not a repeat
        const order = tradeOrder(last, t);
        if (order !== 'accept') {
          if (order === 'older-time' || order === 'older-id') tradeStats.outOfOrder++;
          data.onTrade(t);
          continue;
        }
        if (barEnd === -Infinity) barEnd = Math.floor(time / step) * step + step;
        while (time >= barEnd) await closeBar();
        if (time > clock.now()) clock.advanceTo(time);
        last = t;
        lastPrice = t.price;
        barTrades++;
        venue.feedTrade(t);
        data.onTrade(t);
        if (venue.delivered !== delivered) {
          await engine.trade.idle();
          delivered = venue.delivered;
        }
        if (markEvery === 'trade' && recorder.hasOpen) mark(time, t.price);
      }
    };
    for (let chunk = firstChunk; chunk !== undefined; chunk = nextTrades()) {
      estimateBars(chunk);
      tradeStats.read += chunk.length;
      await replayChunk(chunk);
    }
    // the data ends: its last bar is taken as complete and closed at its close time
    if (barEnd !== -Infinity) await closeBar();
  };

  let started = false;
  try {
    await engine.start('backtest');
    started = true;
    await (onTrades ? replayTrades() : replay());
    await engine.trade.idle();
  } finally {
    try {
      if (started) await engine.stop();
    } finally {
      await journal?.close();
    }
  }

  const end = performance.now();
  const elapsed = end - t0;
  const endTime = onTrades
    ? tradeStats.lastEnd
    : candles.length === 0
      ? startTime
      : (candles[candles.length - 1] as Candle).openTime + step;
  const trades = recorder.trades;
  const metrics = computeMetrics({
    trades,
    curve,
    feesPaid: recorder.feesPaid,
    start: startTime,
    end: endTime,
    ...(o.minTrades === undefined ? {} : { minTrades: o.minTrades }),
  });
  const dm = data.metrics().symbols[symbol];
  const canonical = canonicalTrades(trades);
  const candleCount = onTrades ? tradeStats.bars : candles.length;
  const result: BacktestResult = {
    symbol,
    interval,
    from: o.from ?? null,
    to: o.to ?? null,
    data_kind: input.kind,
    data_files: input.files.map((f) => f.file),
    candles: candleCount,
    candles_closed: closed,
    trades: trades.length,
    open_positions: recorder.openPositions(),
    signals: recorder.signals.length,
    denials,
    fills: recorder.fills.length,
    net_pnl: metrics.net_pnl,
    max_drawdown: metrics.max_drawdown,
    sharpe: metrics.sharpe,
    fingerprint: fingerprint(trades),
    elapsed_ms: Math.round(elapsed),
    load_ms: Math.round(loadMs),
    candles_per_sec: elapsed - loadMs > 0 ? Math.round((candleCount / (elapsed - loadMs)) * 1000) : 0,
    gaps,
    missing_bars: missing,
    duplicates: dm?.duplicates ?? 0,
    rejected: dm?.rejects ?? 0,
    trade_data: onTrades
      ? {
          trades_read: tradeStats.read,
          out_of_order: tradeStats.outOfOrder,
          flat_bars: tradeStats.flat,
          longest_flat_run: tradeStats.longestFlat,
          marks,
          mark_every: markEvery,
          trades_per_sec:
            elapsed - loadMs > 0 ? Math.round((tradeStats.read / (elapsed - loadMs)) * 1000) : 0,
        }
      : null,
    errors: engine.errors.total,
    halts,
    metrics,
    trade_list: trades,
  };
  return {
    result,
    signals: recorder.signals,
    canonicalTrades: canonical,
    curve,
    candles: onTrades ? built : candles,
  };
}

/** The simulator's instruments for BTCUSDT / ETHUSDT; a permissive generic one for another *USDT symbol. */
export function defaultInstrument(symbol: string, market: 'spot' | 'futures'): Instrument {
  const known = [USDM_BTCUSDT, USDM_ETHUSDT, SPOT_BTCUSDT].find(
    (i) => i.symbol === symbol && i.market === market,
  );
  if (known !== undefined) return known;
  if (!symbol.endsWith('USDT') || symbol.length <= 4) {
    throw new ConfigError([
      `backtest of ${symbol}: only *USDT symbols are supported (the trade layer settles in USDT); pass an instrument`,
    ]);
  }
  return {
    symbol,
    market,
    baseAsset: symbol.slice(0, -4),
    quoteAsset: 'USDT',
    tickSize: '0.00000001',
    minPrice: '0.00000001',
    maxPrice: '0',
    stepSize: '0.00000001',
    minQty: '0.00000001',
    maxQty: '1000000000',
    minNotional: '5',
    maintMarginRate: '0.004',
  };
}
