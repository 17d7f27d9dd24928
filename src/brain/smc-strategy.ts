import { ATR, EMA, RSI } from './indicators/index.js';
import { SmcEngine, type SmcEvent, type SmcOptions } from './smc/index.js';
import type { Candle } from '../domain/market.js';
import type { PatternRef, Side } from '../domain/signal.js';
import { num, type ParamSpec, type StrategyDefinition } from './parameters.js';
import type { SignalIntent, Strategy, TimeframeView } from './strategy.js';

/** Weights of the confidence components (any non-negative numbers; they are normalised). */
export interface ConfidenceWeights {
  /** Market structure behind the setup (BOS in trend 1.0, CHoCH 0.8). */
  readonly structure: number;
  /** Quality of the zone price returned into (OB + FVG overlap 1.0, OB 0.8, FVG 0.6, none 0.4). */
  readonly zone: number;
  /** A liquidity sweep in the trade's favour shortly before (1 or 0). */
  readonly sweep: number;
  /** RSI not stretched against the trade (1 below 70 for longs / above 30 for shorts, falling to 0 at 80/20). */
  readonly rsi: number;
  /** ATR regime: volatility near its usual level (1 within 0.5x..2x of its slow average). */
  readonly atr: number;
  /** Higher-timeframe trend agrees (1), unknown (0.5), disagrees (0). */
  readonly htf: number;
}

export interface SmcStrategyOptions {
  readonly rsiPeriod: number;
  readonly atrPeriod: number;
  readonly smc: SmcOptions;
  readonly weights: ConfidenceWeights;
  /** Stop = beyond the zone/sweep extreme plus this many ATRs. */
  readonly stopAtr: number;
  /** Take-profit as a multiple of the risk (entry to stop), unless opposite liquidity is nearer but >= minR. */
  readonly rewardR: number;
  /** Smallest reward/risk accepted when the target is the opposite liquidity. */
  readonly minR: number;
  /** A break of structure older than this many candles no longer supports a continuation entry. */
  readonly structureLookback: number;
  /** A sweep older than this many candles no longer supports a reversal. */
  readonly sweepLookback: number;
}

export const DEFAULT_WEIGHTS: ConfidenceWeights = {
  structure: 0.25,
  zone: 0.2,
  sweep: 0.15,
  rsi: 0.15,
  atr: 0.1,
  htf: 0.15,
};

export function defaultSmcStrategyOptions(rsiPeriod = 14, atrPeriod = 14): SmcStrategyOptions {
  return {
    rsiPeriod,
    atrPeriod,
    smc: { swingLength: 5, atrPeriod },
    weights: DEFAULT_WEIGHTS,
    stopAtr: 0.5,
    rewardR: 2,
    minR: 1.5,
    structureLookback: 60,
    sweepLookback: 20,
  };
}

/** Live zones kept per strategy instance (oldest dropped first). */
const MAX_ZONES = 64;

interface Zone {
  readonly kind: 'OB' | 'FVG';
  readonly id: number;
  readonly direction: 1 | -1;
  readonly top: number;
  readonly bottom: number;
  readonly time: number;
  readonly decidedTime: number;
}

interface Sweep {
  readonly side: 'buy' | 'sell';
  readonly level: number;
  readonly row: number;
  readonly extreme: number;
  readonly decidedTime: number;
}

interface Break {
  readonly direction: 1 | -1;
  readonly kind: 'BOS' | 'CHOCH';
  readonly level: number;
  readonly row: number;
  readonly pivotTime: number;
  readonly decidedTime: number;
}

/**
 * The default strategy: Smart Money Concepts confluence (docs/strategies.md).
 *
 * - Continuation: the last break of structure is in the trend's direction (within `structureLookback`
 *   candles); price returns into a fresh order block or fair value gap of that direction that lies in the
 *   discount half of the dealing range (premium for shorts), and closes back out of it in the trade's
 *   direction.
 * - Reversal: a liquidity sweep (sell-side for longs) within `sweepLookback` candles, then a CHoCH in the
 *   opposite direction decided on this candle.
 *
 * Nothing is decided while RSI or ATR is warming up.
 */
export class SmcStrategy implements Strategy {
  readonly name = 'smc';
  private readonly o: SmcStrategyOptions;
  private readonly engine: SmcEngine;
  private readonly rsi: RSI;
  private readonly atr: ATR;
  private readonly atrPctSlow = new EMA(100);
  /** Live zones in creation order, keyed OB id → 2·id, FVG id → 2·id + 1 (a number key needs no string). */
  private readonly zones = new Map<number, Zone>();
  /**
   * Highest top of the live bullish zones and lowest bottom of the live bearish ones: a long needs a zone
   * with low <= top (a short: high >= bottom), so `continuation` skips the zone scan when no zone can be
   * touched. Recomputed lazily after the extreme zone left (`extremesStale`).
   */
  private bullMaxTop = Number.NEGATIVE_INFINITY;
  private bearMinBottom = Number.POSITIVE_INFINITY;
  private extremesStale = false;
  private readonly pools = new Map<number, { side: 'buy' | 'sell'; level: number }>();
  private lastBreak: Break | undefined;
  private lastSweep: Sweep | undefined;
  private row = -1;

  constructor(options: SmcStrategyOptions) {
    this.o = options;
    this.engine = new SmcEngine(options.smc);
    this.rsi = new RSI(options.rsiPeriod);
    this.atr = new ATR(options.atrPeriod);
  }

  trend(): -1 | 0 | 1 {
    return this.engine.trend;
  }

  onCandle(candle: Candle, view: TimeframeView): SignalIntent | undefined {
    this.row++;
    const events = this.engine.update(candle);
    this.rsi.update(candle.close);
    const atr = this.atr.update(candle.high, candle.low, candle.close);
    let breakNow: Break | undefined;
    for (const e of events) {
      const b = this.apply(e, candle);
      if (b !== undefined) breakNow = b;
    }
    if (this.atr.ready && candle.close > 0) this.atrPctSlow.update(atr / candle.close);
    let intent: SignalIntent | undefined;
    if (this.rsi.ready && this.atr.ready && this.atrPctSlow.ready && atr > 0) {
      intent = breakNow !== undefined ? this.reversal(breakNow, candle, atr, view) : undefined;
      // zones are still those live before this candle: a return into them is judged on this candle's range
      intent ??= this.continuation(candle, atr, view);
    }
    for (const e of events) this.applyZone(e);
    return intent;
  }

  /** Structure and liquidity first: the setups of this candle need them. */
  private apply(e: SmcEvent, candle: Candle): Break | undefined {
    switch (e.type) {
      case 'structure': {
        const b: Break = {
          direction: e.direction,
          kind: e.kind,
          level: e.level,
          row: e.decidedRow,
          pivotTime: e.time,
          decidedTime: e.decidedTime,
        };
        this.lastBreak = b;
        return b;
      }
      case 'liquidity':
        if (e.action === 'taken') {
          this.pools.delete(e.id);
          if (e.sweep === true) {
            this.lastSweep = {
              side: e.side,
              level: e.level,
              row: e.decidedRow,
              extreme: e.side === 'sell' ? candle.low : candle.high,
              decidedTime: e.decidedTime,
            };
          }
        } else this.pools.set(e.id, { side: e.side, level: e.level });
        return undefined;
      case 'orderBlock':
      case 'fvg':
      case 'swing':
      case 'range':
        return undefined;
    }
  }

  /** Zone lifecycle, applied after the candle was judged. Only fresh zones stay: a touched zone is spent. */
  private applyZone(e: SmcEvent): void {
    switch (e.type) {
      case 'orderBlock':
        if (e.action === 'created') {
          this.addZone(2 * e.id, {
            kind: 'OB',
            id: e.id,
            direction: e.direction,
            top: e.top,
            bottom: e.bottom,
            time: e.time,
            decidedTime: e.decidedTime,
          });
        } else this.removeZone(2 * e.id); // mitigated blocks are spent; invalidated/evicted are gone
        break;
      case 'fvg':
        if (e.action === 'created') {
          this.addZone(2 * e.id + 1, {
            kind: 'FVG',
            id: e.id,
            direction: e.direction,
            top: e.top,
            bottom: e.bottom,
            time: e.time,
            decidedTime: e.decidedTime,
          });
        } else this.removeZone(2 * e.id + 1); // first touch (mitigated) spends a gap
        break;
      case 'structure':
      case 'liquidity':
      case 'swing':
      case 'range':
        break;
    }
    // keep the newest MAX_ZONES: old zones far from price only cost time
    if (this.zones.size > MAX_ZONES) {
      const oldest = this.zones.keys().next().value;
      if (oldest !== undefined) this.removeZone(oldest);
    }
  }

  private addZone(key: number, z: Zone): void {
    this.zones.set(key, z);
    if (z.direction === 1) this.bullMaxTop = Math.max(this.bullMaxTop, z.top);
    else this.bearMinBottom = Math.min(this.bearMinBottom, z.bottom);
  }

  private removeZone(key: number): void {
    const z = this.zones.get(key);
    if (z === undefined) return;
    this.zones.delete(key);
    if (z.direction === 1 ? z.top === this.bullMaxTop : z.bottom === this.bearMinBottom)
      this.extremesStale = true;
  }

  private refreshExtremes(): void {
    let maxTop = Number.NEGATIVE_INFINITY;
    let minBottom = Number.POSITIVE_INFINITY;
    for (const z of this.zones.values()) {
      if (z.direction === 1) maxTop = Math.max(maxTop, z.top);
      else minBottom = Math.min(minBottom, z.bottom);
    }
    this.bullMaxTop = maxTop;
    this.bearMinBottom = minBottom;
    this.extremesStale = false;
  }

  private reversal(b: Break, candle: Candle, atr: number, view: TimeframeView): SignalIntent | undefined {
    const sweep = this.lastSweep;
    if (b.kind !== 'CHOCH' || sweep === undefined || this.row - sweep.row > this.o.sweepLookback)
      return undefined;
    const side: Side = b.direction === 1 ? 'BUY' : 'SELL';
    if ((side === 'BUY') !== (sweep.side === 'sell')) return undefined; // longs need sell-side taken
    const stop = side === 'BUY' ? sweep.extreme - this.o.stopAtr * atr : sweep.extreme + this.o.stopAtr * atr;
    const patterns: PatternRef[] = [
      {
        kind: 'SWEEP',
        direction: sweep.side === 'sell' ? 'up' : 'down',
        level: sweep.level,
        decidedTime: sweep.decidedTime,
      },
      {
        kind: 'CHOCH',
        direction: b.direction === 1 ? 'up' : 'down',
        level: b.level,
        refTime: b.pivotTime,
        decidedTime: b.decidedTime,
      },
    ];
    return this.intent(
      'reversal',
      side,
      candle,
      stop,
      atr,
      view,
      { structure: 0.8, zone: 0.4, sweep: 1 },
      patterns,
    );
  }

  private continuation(candle: Candle, atr: number, view: TimeframeView): SignalIntent | undefined {
    const b = this.lastBreak;
    const trend = this.engine.trend;
    if (
      b === undefined ||
      trend === 0 ||
      b.direction !== trend ||
      this.row - b.row > this.o.structureLookback
    )
      return undefined;
    if (b.row === this.row) return undefined; // the break itself is not the return into a zone
    const pd = this.engine.premiumDiscount;
    if (pd === null) return undefined;
    const long = trend === 1;
    // the return must close as a candle of the trade's direction: checked before scanning the zones
    if (long ? !(candle.close > candle.open) : !(candle.close < candle.open)) return undefined;
    // no zone reachable by this candle (a stale extreme is only an upper/lower bound: refresh before scanning)
    if (long ? this.bullMaxTop < candle.low : this.bearMinBottom > candle.high) return undefined;
    if (this.extremesStale) {
      this.refreshExtremes();
      if (long ? this.bullMaxTop < candle.low : this.bearMinBottom > candle.high) return undefined;
    }
    const touched: Zone[] = [];
    for (const z of this.zones.values()) {
      if (
        z.direction === trend &&
        (long
          ? candle.low <= z.top && candle.close > z.top && candle.close > candle.open
          : candle.high >= z.bottom && candle.close < z.bottom && candle.close < candle.open)
      )
        touched.push(z);
    }
    if (touched.length === 0) return undefined;
    const range = pd.high - pd.low;
    const inHalf = touched.filter((z) => {
      const mid = ((z.top + z.bottom) / 2 - pd.low) / range;
      return long ? mid < 0.5 : mid > 0.5;
    });
    if (inHalf.length === 0) return undefined;
    const ob = inHalf.find((z) => z.kind === 'OB');
    const fvg = inHalf.find((z) => z.kind === 'FVG');
    const overlap =
      ob !== undefined && fvg !== undefined && Math.min(ob.top, fvg.top) >= Math.max(ob.bottom, fvg.bottom);
    const zoneScore = overlap ? 1 : ob !== undefined ? 0.8 : 0.6;
    const used = [ob, fvg].filter((z): z is Zone => z !== undefined);
    const extreme = long
      ? Math.min(candle.low, ...used.map((z) => z.bottom))
      : Math.max(candle.high, ...used.map((z) => z.top));
    const stop = long ? extreme - this.o.stopAtr * atr : extreme + this.o.stopAtr * atr;
    const sweepRecent =
      this.lastSweep !== undefined &&
      this.row - this.lastSweep.row <= this.o.sweepLookback &&
      (long ? this.lastSweep.side === 'sell' : this.lastSweep.side === 'buy');
    const patterns: PatternRef[] = [
      {
        kind: b.kind,
        direction: long ? 'up' : 'down',
        level: b.level,
        refTime: b.pivotTime,
        decidedTime: b.decidedTime,
      },
      ...used.map((z): PatternRef => ({
        kind: z.kind,
        direction: long ? 'up' : 'down',
        top: z.top,
        bottom: z.bottom,
        refTime: z.time,
        decidedTime: z.decidedTime,
      })),
    ];
    return this.intent(
      'continuation',
      long ? 'BUY' : 'SELL',
      candle,
      stop,
      atr,
      view,
      { structure: b.kind === 'BOS' ? 1 : 0.8, zone: zoneScore, sweep: sweepRecent ? 1 : 0 },
      patterns,
    );
  }

  private intent(
    setup: string,
    side: Side,
    candle: Candle,
    stop: number,
    atr: number,
    view: TimeframeView,
    scores: { structure: number; zone: number; sweep: number },
    patterns: PatternRef[],
  ): SignalIntent | undefined {
    const entry = candle.close;
    const long = side === 'BUY';
    const risk = long ? entry - stop : stop - entry;
    if (!(risk > 0)) return undefined;
    // target: the nearest opposite liquidity if it pays at least minR, else rewardR
    let target = long ? entry + this.o.rewardR * risk : entry - this.o.rewardR * risk;
    for (const p of this.pools.values()) {
      if (long && p.side === 'buy' && p.level > entry + this.o.minR * risk && p.level < target)
        target = p.level;
      if (!long && p.side === 'sell' && p.level < entry - this.o.minR * risk && p.level > target)
        target = p.level;
    }
    const rsi = this.rsi.flat ? 50 : this.rsi.value;
    const stretch = long ? rsi : 100 - rsi;
    const rsiScore = stretch <= 70 ? 1 : stretch >= 80 ? 0 : (80 - stretch) / 10;
    const ratio = atr / entry / this.atrPctSlow.value;
    const atrScore =
      ratio >= 0.5 && ratio <= 2
        ? 1
        : ratio < 0.5
          ? Math.max(0, ratio / 0.5)
          : Math.max(0, 1 - (ratio - 2) / 2);
    const htf = view.higherTrend();
    const htfScore = htf === 0 ? 0.5 : htf === (long ? 1 : -1) ? 1 : 0;
    const w = this.o.weights;
    const total = w.structure + w.zone + w.sweep + w.rsi + w.atr + w.htf;
    const confidence =
      total > 0
        ? (w.structure * scores.structure +
            w.zone * scores.zone +
            w.sweep * scores.sweep +
            w.rsi * rsiScore +
            w.atr * atrScore +
            w.htf * htfScore) /
          total
        : 0;
    return { side, confidence, entry, stop, takeProfit: target, patterns, setup };
  }
}

/**
 * The tunable parameters of SmcStrategy (docs/optimize.md). Defaults are those of
 * defaultSmcStrategyOptions (rsiPeriod / atrPeriod: the config's RSI_PERIOD / ATR_PERIOD when a caller
 * passes them as the base values).
 */
export const SMC_PARAMETERS: readonly ParamSpec[] = [
  { name: 'swingLength', type: 'int', min: 2, max: 50, default: 5, description: 'SMC swing length L' },
  { name: 'rsiPeriod', type: 'int', min: 2, max: 200, default: 14, description: 'RSI period' },
  { name: 'atrPeriod', type: 'int', min: 2, max: 200, default: 14, description: 'ATR period' },
  {
    name: 'stopAtr',
    type: 'float',
    min: 0,
    max: 10,
    step: 0.25,
    default: 0.5,
    description: 'stop beyond the zone / sweep extreme plus this many ATRs',
  },
  {
    name: 'rewardR',
    type: 'float',
    min: 0.5,
    max: 20,
    step: 0.5,
    default: 2,
    description: 'take-profit as a multiple of the risk',
  },
  {
    name: 'minR',
    type: 'float',
    min: 0.25,
    max: 20,
    step: 0.25,
    default: 1.5,
    description: 'smallest reward/risk accepted when the target is the opposite liquidity',
  },
  {
    name: 'structureLookback',
    type: 'int',
    min: 1,
    max: 1000,
    step: 10,
    default: 60,
    description: 'candles a break of structure supports a continuation',
  },
  {
    name: 'sweepLookback',
    type: 'int',
    min: 1,
    max: 1000,
    step: 5,
    default: 20,
    description: 'candles a liquidity sweep supports a reversal',
  },
  {
    name: 'liquidityTolerance',
    type: 'float',
    min: 0,
    max: 5,
    step: 0.1,
    default: 0.5,
    description: 'equal highs/lows tolerance in ATRs',
  },
  {
    name: 'closeBreak',
    type: 'choice',
    values: [true, false],
    default: true,
    description: 'structure breaks on the close (true) or on the wick (false)',
  },
];

export const SMC_DEFINITION: StrategyDefinition = {
  name: 'smc',
  description: 'Smart Money Concepts confluence (the default strategy)',
  parameters: SMC_PARAMETERS,
  create(values) {
    const base = defaultSmcStrategyOptions(num(values, 'rsiPeriod'), num(values, 'atrPeriod'));
    const o: SmcStrategyOptions = {
      ...base,
      smc: {
        ...base.smc,
        swingLength: num(values, 'swingLength'),
        liquidityTolerance: num(values, 'liquidityTolerance'),
        closeBreak: values.closeBreak === true,
      },
      stopAtr: num(values, 'stopAtr'),
      rewardR: num(values, 'rewardR'),
      minR: num(values, 'minR'),
      structureLookback: num(values, 'structureLookback'),
      sweepLookback: num(values, 'sweepLookback'),
    };
    return () => new SmcStrategy(o);
  },
};
