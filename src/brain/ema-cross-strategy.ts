import { ATR, EMA } from './indicators/index.js';
import type { Candle } from '../domain/market.js';
import { num, type ParamSpec, type StrategyDefinition } from './parameters.js';
import type { SignalIntent, Strategy, TimeframeView } from './strategy.js';

export interface EmaCrossOptions {
  readonly fast: number;
  readonly slow: number;
  readonly atrPeriod: number;
  /** Stop distance in ATRs. */
  readonly stopAtr: number;
  /** Take-profit in multiples of the stop distance. */
  readonly rewardR: number;
}

/**
 * A small example strategy (docs/strategies.md): buy when the fast EMA crosses above the slow one,
 * sell when it crosses below; stop `stopAtr` ATRs away, target `rewardR` times the risk. Confidence grows
 * with the gap between the EMAs (in ATRs) and with higher-timeframe agreement.
 */
export class EmaCrossStrategy implements Strategy {
  readonly name = 'ema-cross';
  private readonly fast: EMA;
  private readonly slow: EMA;
  private readonly atr: ATR;
  private prevDiff = Number.NaN;

  constructor(
    private readonly o: EmaCrossOptions = { fast: 9, slow: 21, atrPeriod: 14, stopAtr: 1.5, rewardR: 2 },
  ) {
    this.fast = new EMA(o.fast);
    this.slow = new EMA(o.slow);
    this.atr = new ATR(o.atrPeriod);
  }

  trend(): -1 | 0 | 1 {
    if (!this.fast.ready || !this.slow.ready) return 0;
    return this.fast.value > this.slow.value ? 1 : this.fast.value < this.slow.value ? -1 : 0;
  }

  onCandle(candle: Candle, view: TimeframeView): SignalIntent | undefined {
    const f = this.fast.update(candle.close);
    const s = this.slow.update(candle.close);
    const atr = this.atr.update(candle.high, candle.low, candle.close);
    if (!this.fast.ready || !this.slow.ready || !this.atr.ready || !(atr > 0)) return undefined;
    const diff = f - s;
    const prev = this.prevDiff;
    this.prevDiff = diff;
    if (Number.isNaN(prev) || Math.sign(diff) === Math.sign(prev) || diff === 0) return undefined;
    const long = diff > 0;
    const entry = candle.close;
    const risk = this.o.stopAtr * atr;
    const htf = view.higherTrend();
    const gap = Math.min(1, Math.abs(diff) / atr);
    const confidence = 0.4 + 0.3 * gap + (htf === 0 ? 0.15 : htf === (long ? 1 : -1) ? 0.3 : 0);
    return {
      side: long ? 'BUY' : 'SELL',
      confidence: Math.min(1, confidence),
      entry,
      stop: long ? entry - risk : entry + risk,
      takeProfit: long ? entry + this.o.rewardR * risk : entry - this.o.rewardR * risk,
      patterns: [
        { kind: 'EMA_CROSS', direction: long ? 'up' : 'down', level: s, decidedTime: candle.openTime },
      ],
      setup: 'cross',
    };
  }
}

/** The tunable parameters of EmaCrossStrategy (docs/optimize.md). */
export const EMA_CROSS_PARAMETERS: readonly ParamSpec[] = [
  { name: 'fast', type: 'int', min: 2, max: 200, default: 9, description: 'fast EMA period' },
  { name: 'slow', type: 'int', min: 3, max: 400, default: 21, description: 'slow EMA period' },
  { name: 'atrPeriod', type: 'int', min: 2, max: 200, default: 14, description: 'ATR period' },
  {
    name: 'stopAtr',
    type: 'float',
    min: 0.1,
    max: 10,
    step: 0.25,
    default: 1.5,
    description: 'stop distance in ATRs',
  },
  {
    name: 'rewardR',
    type: 'float',
    min: 0.5,
    max: 10,
    step: 0.5,
    default: 2,
    description: 'take-profit in multiples of the stop distance',
  },
];

export const EMA_CROSS_DEFINITION: StrategyDefinition = {
  name: 'ema-cross',
  description: 'EMA cross with an ATR stop and an R-multiple target',
  parameters: EMA_CROSS_PARAMETERS,
  check(values) {
    return num(values, 'fast') < num(values, 'slow')
      ? []
      : [`fast (${String(values.fast)}) must be below slow (${String(values.slow)})`];
  },
  create(values) {
    const o: EmaCrossOptions = {
      fast: num(values, 'fast'),
      slow: num(values, 'slow'),
      atrPeriod: num(values, 'atrPeriod'),
      stopAtr: num(values, 'stopAtr'),
      rewardR: num(values, 'rewardR'),
    };
    return () => new EmaCrossStrategy(o);
  },
};
