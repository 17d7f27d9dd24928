import type { Clock } from '../core/clock.js';
import { toError, type ErrorCode } from '../core/errors.js';
import type { EventBus } from '../core/event-bus.js';
import type { Logger } from '../core/logger.js';
import { Counters } from '../core/metrics.js';
import type { AegisTopics } from '../domain/events.js';
import { INTERVAL_MS, type Candle, type Interval } from '../domain/market.js';
import { tierOf, type Signal } from '../domain/signal.js';
import type { SignalIntent, Strategy, StrategyFactory, TimeframeView } from './strategy.js';

const NO_VIEW: TimeframeView = { higherTrend: () => 0 };

export interface BrainOptions {
  /** Intervals per symbol; the first is the trading interval, the next one is its higher timeframe. */
  readonly intervals: readonly Interval[];
  readonly teacherThreshold: number;
  /** Fraction of equity risked between entry and stop. */
  readonly riskPerTrade: number;
  /** Current equity in quote currency (read when a signal is sized). */
  readonly equity: () => number;
  readonly strategy: StrategyFactory;
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * The brain's counters: the per-candle count lives in a plain field (a Map update on every candle costs
 * more than the rest of the bookkeeping) and is folded into the named counter `candles` when read.
 */
class BrainCounters extends Counters {
  candles = 0;

  override get(name: string): number {
    this.fold();
    return super.get(name);
  }

  override snapshot(): Record<string, number> {
    this.fold();
    return super.snapshot();
  }

  private fold(): void {
    if (this.candles === 0) return;
    super.inc('candles', this.candles);
    this.candles = 0;
  }
}

interface SymbolState {
  readonly strategies: Map<Interval, Strategy>;
  readonly view: TimeframeView;
}

/**
 * The brain: `process_candle` for every closed candle of every symbol. Strategies see only closed
 * candles, in order; a strategy on the trading interval may read the trend of the next higher interval.
 * An intent becomes a Signal (tier, size, ids) published on SIGNAL_GENERATED.
 */
export class Brain {
  private readonly fastCounters = new BrainCounters();
  readonly counters: Counters = this.fastCounters;
  private readonly symbols = new Map<string, SymbolState>();
  private readonly tradeInterval: Interval;
  private readonly higherInterval: Interval | undefined;
  /**
   * The strategy and view of the last (symbol, interval) fed: a backtest or a single-symbol feed repeats
   * it candle after candle, so the two Map lookups are skipped then.
   */
  private lastSymbol = '';
  private lastInterval: Interval | undefined;
  private lastStrategy: Strategy | undefined;
  private lastView: TimeframeView = NO_VIEW;

  constructor(
    private readonly bus: EventBus<AegisTopics>,
    private readonly options: BrainOptions,
  ) {
    const sorted = [...options.intervals].sort((a, b) => INTERVAL_MS[a] - INTERVAL_MS[b]);
    const first = options.intervals[0];
    if (first === undefined) throw new TypeError('Brain needs at least one interval');
    this.tradeInterval = first;
    this.higherInterval = sorted.find((i) => INTERVAL_MS[i] > INTERVAL_MS[first]);
    bus.subscribe('CANDLE_CLOSED', 'brain', (candle) => {
      this.processCandle(candle);
    });
  }

  /** Feed one closed candle; returns the signal it produced, if any (also published). */
  processCandle(candle: Candle): Signal | undefined {
    if (!candle.closed || candle.synthetic) {
      this.counters.inc(candle.synthetic ? 'synthetic_skipped' : 'forming_ignored');
      return undefined;
    }
    let strategy: Strategy | undefined;
    let view: TimeframeView;
    if (
      this.lastStrategy !== undefined &&
      candle.interval === this.lastInterval &&
      candle.symbol === this.lastSymbol
    ) {
      strategy = this.lastStrategy;
      view = this.lastView;
    } else {
      strategy = this.strategyFor(candle.symbol, candle.interval);
      if (strategy === undefined) return undefined;
      view = this.symbols.get(candle.symbol)?.view ?? NO_VIEW;
      this.lastSymbol = candle.symbol;
      this.lastInterval = candle.interval;
      this.lastStrategy = strategy;
      this.lastView = view;
    }
    this.fastCounters.candles++;
    let intent: SignalIntent | undefined;
    try {
      intent = strategy.onCandle(candle, view);
    } catch (caught) {
      const err = toError(caught);
      this.counters.inc('strategy_errors');
      this.options.logger.error(
        { symbol: candle.symbol, interval: candle.interval, strategy: strategy.name, err },
        `strategy ${strategy.name} failed on ${candle.symbol} ${candle.interval}: ${err.message}`,
      );
      this.bus.publish('ERROR', {
        source: `brain.${strategy.name}`,
        code: 'STRATEGY_FAILED' satisfies ErrorCode,
        message: err.message,
        context: { symbol: candle.symbol, interval: candle.interval, openTime: candle.openTime },
      });
      return undefined;
    }
    if (intent === undefined || candle.interval !== this.tradeInterval) return undefined;
    const problem = checkIntent(intent);
    if (problem !== undefined) {
      this.counters.inc('intents_rejected');
      this.options.logger.warn(
        { symbol: candle.symbol, strategy: strategy.name, problem },
        'strategy intent rejected',
      );
      return undefined;
    }
    const equity = this.options.equity();
    const distance = Math.abs(intent.entry - intent.stop);
    const signal: Signal = {
      id: `${strategy.name}-${candle.symbol}-${candle.interval}-${candle.openTime}`,
      symbol: candle.symbol,
      interval: candle.interval,
      side: intent.side,
      confidence: intent.confidence,
      tier: tierOf(intent.confidence, this.options.teacherThreshold),
      position_size: equity > 0 ? (this.options.riskPerTrade * equity) / distance : 0,
      entry: intent.entry,
      stop: intent.stop,
      take_profit: intent.takeProfit,
      patterns: intent.patterns,
      candleOpenTime: candle.openTime,
      decidedAt: this.options.clock.now(),
      strategy: `${strategy.name}:${intent.setup}`,
    };
    this.counters.inc(signal.tier === 'teacher' ? 'signals_teacher' : 'signals_student');
    this.bus.publish('SIGNAL_GENERATED', signal);
    return signal;
  }

  private strategyFor(symbol: string, interval: Interval): Strategy | undefined {
    if (interval !== this.tradeInterval && interval !== this.higherInterval) return undefined;
    let state = this.symbols.get(symbol);
    if (state === undefined) {
      const strategies = new Map<Interval, Strategy>();
      const higher = this.higherInterval;
      state = {
        strategies,
        view: { higherTrend: () => (higher === undefined ? 0 : (strategies.get(higher)?.trend() ?? 0)) },
      };
      this.symbols.set(symbol, state);
    }
    let s = state.strategies.get(interval);
    if (s === undefined) {
      s = this.options.strategy(symbol, interval);
      state.strategies.set(interval, s);
    }
    return s;
  }
}

/** A self-consistent intent: finite numbers, stop and target on the right sides, confidence in [0, 1]. */
export function checkIntent(i: SignalIntent): string | undefined {
  if (!(
    Number.isFinite(i.entry) &&
    Number.isFinite(i.stop) &&
    Number.isFinite(i.takeProfit) &&
    Number.isFinite(i.confidence)
  ))
    return 'non-finite number';
  if (i.confidence < 0 || i.confidence > 1) return `confidence must be in [0, 1], got ${i.confidence}`;
  if (!(i.entry > 0)) return `entry must be > 0, got ${i.entry}`;
  if (i.side === 'BUY' && !(i.stop < i.entry && i.takeProfit > i.entry))
    return `a BUY needs stop < entry < take profit, got ${i.stop} / ${i.entry} / ${i.takeProfit}`;
  if (i.side === 'SELL' && !(i.stop > i.entry && i.takeProfit < i.entry))
    return `a SELL needs take profit < entry < stop, got ${i.takeProfit} / ${i.entry} / ${i.stop}`;
  return undefined;
}
