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
 */
import { SimulatedClock } from '../../core/clock.js';
import { ConfigError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { MonotonicClock } from '../../core/clock.js';
import type { AegisConfig } from '../../config/schema.js';
import type { StrategyFactory } from '../../brain/strategy.js';
import type { Instrument } from '../../domain/instrument.js';
import { INTERVAL_MS, type Candle, type Interval } from '../../domain/market.js';
import { openJournal } from '../../store/open.js';
import { loadKlines } from '../../venues/files/market-csv.js';
import { SPOT_BTCUSDT, USDM_BTCUSDT, USDM_ETHUSDT } from '../../venues/sim/instruments.js';
import type { FeeRates } from '../../venues/sim/types.js';
import { createSimVenue } from '../../venues/sim/venue.js';
import { buildEngine } from '../engine.js';
import { computeMetrics, DAY_MS, type BacktestMetrics, type EquityPoint } from './metrics.js';
import { canonicalTrades, fingerprint, TradeRecorder, type BacktestTrade } from './trades.js';
import type { Signal } from '../../domain/signal.js';
import type { RiskDenialReason } from '../../domain/events.js';

export interface BacktestOptions {
  readonly config: AegisConfig;
  /** The candles (closed klines of `symbol` and `interval`, as in the file: duplicates and gaps included)... */
  readonly candles?: readonly Candle[];
  /** ...or a kline file in the ../shared/data layout (plain or .gz). */
  readonly file?: string;
  readonly symbol: string;
  readonly interval: Interval;
  /** Keep candles with openTime >= from (epoch ms). */
  readonly from?: number;
  /** Keep candles with openTime < to (epoch ms). */
  readonly to?: number;
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
  /** Called every `progressEvery` candles (default 10 000) with (done, total); see progress.ts. */
  readonly onProgress?: (done: number, total: number) => void;
  readonly progressEvery?: number;
  readonly logger: Logger;
}

export interface BacktestResult {
  readonly symbol: string;
  readonly interval: Interval;
  readonly from: number | null;
  readonly to: number | null;
  /** Candles given to the engine (after from/to), duplicates included. */
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
  /** Of which parsing the file (0 when candles were given). */
  readonly load_ms: number;
  /** Candles over the replay time (elapsed minus load). */
  readonly candles_per_sec: number;
  /** CANDLE_GAP 'detected' events and the bars they miss. */
  readonly gaps: number;
  readonly missing_bars: number;
  /** Exact repeats of the previous candle, dropped by the data layer. */
  readonly duplicates: number;
  /** Candles the data layer refused (out of order, malformed). */
  readonly rejected: number;
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
  /** The candles given to the engine (after from/to; the same array, no copy): for the HTML report. */
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

export async function runBacktestDetailed(o: BacktestOptions): Promise<BacktestRun> {
  const t0 = performance.now();
  const all = o.candles ?? (o.file === undefined ? undefined : loadKlines(o.file, o.symbol, o.interval));
  if (all === undefined) throw new ConfigError(['runBacktest needs candles or a file']);
  const loadMs = performance.now() - t0;
  const candles = all.filter(
    (c) => (o.from === undefined || c.openTime >= o.from) && (o.to === undefined || c.openTime < o.to),
  );
  const foreign = candles.find((c) => c.symbol !== o.symbol || c.interval !== o.interval);
  if (foreign !== undefined) {
    throw new ConfigError([
      `runBacktest of ${o.symbol} ${o.interval} was given a ${foreign.symbol} ${foreign.interval} candle (open time ${foreign.openTime})`,
    ]);
  }
  const config: AegisConfig = Object.freeze({
    ...o.config,
    environment: 'backtest',
    symbols: Object.freeze([o.symbol]),
    intervals: Object.freeze([o.interval]),
    heartbeatMinutes: o.heartbeatMinutes ?? BACKTEST_HEARTBEAT_MINUTES,
  });
  const step = INTERVAL_MS[o.interval];
  const startTime = candles[0]?.openTime ?? 0;
  const clock = new SimulatedClock(startTime);
  const instrument = o.instrument ?? defaultInstrument(o.symbol, config.market);
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
        baseInterval: o.interval,
        candleSource: 'klines',
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
  bus.subscribe('CANDLE_CLOSED', 'app.backtest', () => closed++);
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
  const symbol = o.symbol;
  const mark = (time: number, price: number): void => {
    data.onMarkPrice({
      symbol,
      time,
      markPrice: price,
      indexPrice: price,
      fundingRate: 0,
      nextFundingTime: 0,
    });
  };
  const replay = async (): Promise<void> => {
    let fedOpen = -Infinity;
    let delivered = venue.delivered;
    for (let i = 0; i < candles.length; i++) {
      const c = candles[i] as Candle;
      const closeTime = c.openTime + step - 1;
      if (closeTime > clock.now()) clock.advanceTo(closeTime);
      if (resumeDaily && engine.trade.gate.state === 'halted') {
        const last = halts[halts.length - 1];
        if (last !== undefined && Math.floor(closeTime / DAY_MS) > Math.floor(last.time / DAY_MS)) {
          engine.trade.gate.setState('active', 'backtest: resumed on the next UTC day (--resume-daily)');
        }
      }
      if (c.openTime > fedOpen) {
        // duplicates and out-of-order bars never reach the venue (they would be counted twice)
        fedOpen = c.openTime;
        venue.feedCandle(c);
        if (slip > 0) {
          venue.feedQuote({
            symbol,
            time: closeTime,
            bidPrice: c.close * (1 - slip),
            bidQty: DEEP_BOOK,
            askPrice: c.close * (1 + slip),
            askQty: DEEP_BOOK,
            updateId: i,
          });
        }
        // the trade layer's unrealised PnL: marked at the close while a position is open (flat, a mark
        // changes nothing)
        if (recorder.hasOpen) mark(closeTime, c.close);
      }
      data.onKline(c);
      if (flags.busy || venue.delivered !== delivered) {
        const wasOpen = recorder.hasOpen;
        await engine.trade.idle();
        flags.busy = false;
        delivered = venue.delivered;
        // a position opened on this close: mark it now, not with the mark of an older position
        if (!wasOpen && recorder.openPositions() > 0) mark(closeTime, c.close);
      }
      curve.push({ time: closeTime, equity: recorder.equityAt(symbol, c.close) });
      if (o.onProgress !== undefined && (i + 1) % every === 0) o.onProgress(i + 1, candles.length);
    }
  };

  let started = false;
  try {
    await engine.start('backtest');
    started = true;
    await replay();
    await engine.trade.idle();
  } finally {
    try {
      if (started) await engine.stop();
    } finally {
      await journal?.close();
    }
  }

  const elapsed = performance.now() - t0;
  const endTime = candles.length === 0 ? startTime : (candles[candles.length - 1] as Candle).openTime + step;
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
  const result: BacktestResult = {
    symbol,
    interval: o.interval,
    from: o.from ?? null,
    to: o.to ?? null,
    candles: candles.length,
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
    candles_per_sec: elapsed - loadMs > 0 ? Math.round((candles.length / (elapsed - loadMs)) * 1000) : 0,
    gaps,
    missing_bars: missing,
    duplicates: dm?.duplicates ?? 0,
    rejected: dm?.rejects ?? 0,
    errors: engine.errors.total,
    halts,
    metrics,
    trade_list: trades,
  };
  return { result, signals: recorder.signals, canonicalTrades: canonical, curve, candles };
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
