import { ATR, EMA, RSI } from './indicators/index.js';
import { SmcEngine, type SmcOptions } from './smc/index.js';
import type { BlockView, GapView, PivotView, PoolView, SmcSink } from './smc/sink.js';
import type { Dir, FvgEvent, LiquidityEvent, OrderBlockEvent } from './smc/types.js';
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
  /** OB id → 2·id, FVG id → 2·id + 1. */
  readonly key: number;
  /** Creation order across both directions (the oldest zone is dropped first). */
  readonly seq: number;
  readonly direction: 1 | -1;
  readonly top: number;
  readonly bottom: number;
  readonly time: number;
  readonly decidedTime: number;
}

/** An open liquidity pool of two or more swings (updated in place when it grows). */
interface PoolEntry {
  readonly side: 'buy' | 'sell';
  level: number;
}

/** Zone changes of the candle being processed, applied after it was judged (ZONE_* codes). */
const ZONE_ADD = 0;
const ZONE_REMOVE = 1;

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
 *
 * The SMC engine reports to this object as an `SmcSink` (`engine.feedBar(this, candle)`): no event object
 * is built for it, the few facts the setups need are copied into fields.
 */
export class SmcStrategy implements Strategy, SmcSink {
  readonly name = 'smc';
  private readonly o: SmcStrategyOptions;
  private readonly engine: SmcEngine;
  private readonly rsi: RSI;
  private readonly atr: ATR;
  private readonly atrPctSlow = new EMA(100);
  /**
   * Live zones per direction, each list in creation order (at most MAX_ZONES in both together). A setup
   * only looks at the zones of its own direction; a list of at most 64 is cheaper than a Map to search.
   */
  private readonly bullZones: Zone[] = [];
  private readonly bearZones: Zone[] = [];
  private zoneSeq = 0;
  /**
   * Highest top of the live bullish zones and lowest bottom of the live bearish ones: a long needs a zone
   * with low <= top (a short: high >= bottom), so `continuation` skips the zone scan when no zone can be
   * touched. An upper (lower) bound, made exact lazily after the extreme zone left (`*Stale`).
   */
  private bullMaxTop = Number.NEGATIVE_INFINITY;
  private bearMinBottom = Number.POSITIVE_INFINITY;
  private bullStale = false;
  private bearStale = false;
  private readonly pools = new Map<number, PoolEntry>();
  /** The last break of structure (`breakRow` −1: none yet); `brokeNow` when it was decided on this candle. */
  private breakRow = -1;
  private breakDirection: 1 | -1 = 1;
  private breakKind: 'BOS' | 'CHOCH' = 'BOS';
  private breakLevel = 0;
  private breakPivotTime = 0;
  private breakDecidedTime = 0;
  private brokeNow = false;
  /** The last liquidity sweep (`sweepRow` −1: none yet). */
  private sweepRow = -1;
  private sweepSide: 'buy' | 'sell' = 'buy';
  private sweepLevel = 0;
  private sweepExtreme = 0;
  private sweepDecidedTime = 0;
  /** High and low of the candle being fed (a sweep's extreme). */
  private candleHigh = 0;
  private candleLow = 0;
  /** Zone changes of this candle, in event order: ZONE_ADD with its zone, ZONE_REMOVE with key and direction. */
  private readonly pendingOps: number[] = [];
  private readonly pendingKeys: number[] = [];
  private readonly pendingDirections: Dir[] = [];
  private readonly pendingZones: (Zone | null)[] = [];
  private pendingCount = 0;
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
    this.feedEngine(candle);
    this.rsi.update(candle.close);
    const atr = this.atr.update(candle.high, candle.low, candle.close);
    if (this.atr.ready && candle.close > 0) this.atrPctSlow.update(atr / candle.close);
    let intent: SignalIntent | undefined;
    if (this.rsi.ready && this.atr.ready && this.atrPctSlow.ready && atr > 0) {
      intent = this.brokeNow ? this.reversal(candle, atr, view) : undefined;
      // zones are still those live before this candle: a return into them is judged on this candle's range
      intent ??= this.continuation(candle, atr, view);
    }
    if (this.pendingCount > 0) this.applyZoneChanges();
    return intent;
  }

  /** The candle through the SMC engine, which reports to this object (the SmcSink methods below). */
  private feedEngine(candle: Candle): void {
    this.brokeNow = false;
    this.candleHigh = candle.high;
    this.candleLow = candle.low;
    this.engine.feedBar(this, candle);
  }

  // SmcSink: structure and liquidity are applied at once (the setups of this candle need them); zone
  // changes wait in the pending list until the candle was judged.

  /** @internal SmcSink */
  swing(): void {
    // swings reach the strategy through structure, liquidity and the premium/discount range
  }

  /** @internal SmcSink */
  structure(direction: Dir, kind: 'BOS' | 'CHOCH', pivot: PivotView, t: number, tTime: number): void {
    this.breakDirection = direction;
    this.breakKind = kind;
    this.breakLevel = pivot.level;
    this.breakRow = t;
    this.breakPivotTime = pivot.time;
    this.breakDecidedTime = tTime;
    this.brokeNow = true;
  }

  /** @internal SmcSink */
  liquidity(
    action: LiquidityEvent['action'],
    p: PoolView,
    t: number,
    tTime: number,
    sweep: boolean | null,
  ): void {
    const level = p.sum / p.members;
    const side = p.side === 1 ? 'buy' : 'sell';
    if (action === 'taken') {
      this.pools.delete(p.id);
      if (sweep === true) {
        this.sweepSide = side;
        this.sweepLevel = level;
        this.sweepRow = t;
        this.sweepExtreme = side === 'sell' ? this.candleLow : this.candleHigh;
        this.sweepDecidedTime = tTime;
      }
      return;
    }
    const entry = this.pools.get(p.id);
    if (entry === undefined) this.pools.set(p.id, { side, level });
    else entry.level = level;
  }

  /** @internal SmcSink */
  orderBlock(action: OrderBlockEvent['action'], b: BlockView, _t: number, tTime: number): void {
    // mitigated blocks are spent, evicted ones are gone (an invalidated block was mitigated before)
    if (action === 'created') this.pendZone(2 * b.id, 'OB', b, tTime);
    else if (action !== 'invalidated') this.pendRemove(2 * b.id, b.direction);
  }

  /** @internal SmcSink */
  fvg(action: FvgEvent['action'], g: GapView, _t: number, tTime: number): void {
    // first touch (mitigated) spends a gap (a filled gap was mitigated before)
    if (action === 'created') this.pendZone(2 * g.id + 1, 'FVG', g, tTime);
    else if (action === 'mitigated') this.pendRemove(2 * g.id + 1, g.direction);
  }

  /** @internal SmcSink */
  range(): void {
    // read through engine.premiumDiscount when a setup needs it
  }

  private pendZone(key: number, kind: 'OB' | 'FVG', z: BlockView | GapView, tTime: number): void {
    const k = this.pendingCount++;
    this.pendingOps[k] = ZONE_ADD;
    this.pendingKeys[k] = key;
    this.pendingDirections[k] = z.direction;
    this.pendingZones[k] = {
      kind,
      id: z.id,
      key,
      seq: this.zoneSeq++,
      direction: z.direction,
      top: z.top,
      bottom: z.bottom,
      time: z.time,
      decidedTime: tTime,
    };
  }

  private pendRemove(key: number, direction: Dir): void {
    const k = this.pendingCount++;
    this.pendingOps[k] = ZONE_REMOVE;
    this.pendingKeys[k] = key;
    this.pendingDirections[k] = direction;
    this.pendingZones[k] = null;
  }

  /** Zone lifecycle, applied after the candle was judged. Only fresh zones stay: a touched zone is spent. */
  private applyZoneChanges(): void {
    const n = this.pendingCount;
    for (let k = 0; k < n; k++) {
      if (this.pendingOps[k] === ZONE_ADD) {
        this.addZone(this.pendingZones[k] as Zone);
        this.pendingZones[k] = null;
        // keep the newest MAX_ZONES: old zones far from price only cost time
        if (this.bullZones.length + this.bearZones.length > MAX_ZONES) this.removeOldestZone();
      } else this.removeZone(this.pendingKeys[k] as number, this.pendingDirections[k] as Dir);
    }
    this.pendingCount = 0;
  }

  private addZone(z: Zone): void {
    if (z.direction === 1) {
      this.bullZones.push(z);
      if (z.top > this.bullMaxTop) this.bullMaxTop = z.top;
    } else {
      this.bearZones.push(z);
      if (z.bottom < this.bearMinBottom) this.bearMinBottom = z.bottom;
    }
  }

  private removeZone(key: number, direction: Dir): void {
    const list = direction === 1 ? this.bullZones : this.bearZones;
    const n = list.length;
    // newest first: gaps are mostly touched soon after they open
    for (let i = n - 1; i >= 0; i--) {
      const z = list[i] as Zone;
      if (z.key === key) {
        // close the gap by hand: splice is a runtime call
        for (let j = i + 1; j < n; j++) list[j - 1] = list[j] as Zone;
        list.pop();
        this.zoneLeft(z);
        return;
      }
    }
  }

  private removeOldestZone(): void {
    const bull = this.bullZones;
    const bear = this.bearZones;
    const b = bull[0];
    const s = bear[0];
    const z = b !== undefined && (s === undefined || b.seq < s.seq) ? bull.shift() : bear.shift();
    if (z !== undefined) this.zoneLeft(z);
  }

  private zoneLeft(z: Zone): void {
    if (z.direction === 1) {
      if (z.top === this.bullMaxTop) this.bullStale = true;
    } else if (z.bottom === this.bearMinBottom) this.bearStale = true;
  }

  /** Make the bound of `direction` exact. */
  private refreshExtreme(direction: Dir): void {
    if (direction === 1) {
      let maxTop = Number.NEGATIVE_INFINITY;
      for (const z of this.bullZones) if (z.top > maxTop) maxTop = z.top;
      this.bullMaxTop = maxTop;
      this.bullStale = false;
    } else {
      let minBottom = Number.POSITIVE_INFINITY;
      for (const z of this.bearZones) if (z.bottom < minBottom) minBottom = z.bottom;
      this.bearMinBottom = minBottom;
      this.bearStale = false;
    }
  }

  /** A CHoCH decided on this candle after a recent sweep on the other side. */
  private reversal(candle: Candle, atr: number, view: TimeframeView): SignalIntent | undefined {
    if (this.breakKind !== 'CHOCH' || this.sweepRow < 0 || this.row - this.sweepRow > this.o.sweepLookback)
      return undefined;
    const side: Side = this.breakDirection === 1 ? 'BUY' : 'SELL';
    if ((side === 'BUY') !== (this.sweepSide === 'sell')) return undefined; // longs need sell-side taken
    const stop =
      side === 'BUY' ? this.sweepExtreme - this.o.stopAtr * atr : this.sweepExtreme + this.o.stopAtr * atr;
    const patterns: PatternRef[] = [
      {
        kind: 'SWEEP',
        direction: this.sweepSide === 'sell' ? 'up' : 'down',
        level: this.sweepLevel,
        decidedTime: this.sweepDecidedTime,
      },
      {
        kind: 'CHOCH',
        direction: this.breakDirection === 1 ? 'up' : 'down',
        level: this.breakLevel,
        refTime: this.breakPivotTime,
        decidedTime: this.breakDecidedTime,
      },
    ];
    return this.intent('reversal', side, candle, stop, atr, view, 0.8, 0.4, 1, patterns);
  }

  private continuation(candle: Candle, atr: number, view: TimeframeView): SignalIntent | undefined {
    const trend = this.engine.trend;
    if (
      this.breakRow < 0 ||
      trend === 0 ||
      this.breakDirection !== trend ||
      this.row - this.breakRow > this.o.structureLookback
    )
      return undefined;
    if (this.breakRow === this.row) return undefined; // the break itself is not the return into a zone
    const long = trend === 1;
    // the return must close as a candle of the trade's direction: checked before scanning the zones
    if (long ? !(candle.close > candle.open) : !(candle.close < candle.open)) return undefined;
    // no zone reachable by this candle (a stale extreme is only an upper/lower bound: refresh before scanning)
    if (long ? this.bullMaxTop < candle.low : this.bearMinBottom > candle.high) return undefined;
    const pd = this.engine.premiumDiscount;
    if (pd === null) return undefined;
    if (long ? this.bullStale : this.bearStale) {
      this.refreshExtreme(trend);
      if (long ? this.bullMaxTop < candle.low : this.bearMinBottom > candle.high) return undefined;
    }
    // the first order block and the first gap (creation order) this candle returned into and closed out
    // of, whose middle lies in the discount half of the range (premium for shorts)
    const range = pd.high - pd.low;
    let ob: Zone | undefined;
    let fvg: Zone | undefined;
    for (const z of long ? this.bullZones : this.bearZones) {
      if (
        long
          ? candle.low <= z.top && candle.close > z.top && candle.close > candle.open
          : candle.high >= z.bottom && candle.close < z.bottom && candle.close < candle.open
      ) {
        const mid = ((z.top + z.bottom) / 2 - pd.low) / range;
        if (long ? mid < 0.5 : mid > 0.5) {
          if (z.kind === 'OB') ob ??= z;
          else fvg ??= z;
        }
      }
    }
    if (ob === undefined && fvg === undefined) return undefined;
    const overlap =
      ob !== undefined && fvg !== undefined && Math.min(ob.top, fvg.top) >= Math.max(ob.bottom, fvg.bottom);
    const zoneScore = overlap ? 1 : ob !== undefined ? 0.8 : 0.6;
    const used: Zone[] = [];
    if (ob !== undefined) used.push(ob);
    if (fvg !== undefined) used.push(fvg);
    let extreme = long ? candle.low : candle.high;
    for (const z of used) extreme = long ? Math.min(extreme, z.bottom) : Math.max(extreme, z.top);
    const stop = long ? extreme - this.o.stopAtr * atr : extreme + this.o.stopAtr * atr;
    const sweepRecent =
      this.sweepRow >= 0 &&
      this.row - this.sweepRow <= this.o.sweepLookback &&
      (long ? this.sweepSide === 'sell' : this.sweepSide === 'buy');
    const patterns: PatternRef[] = [
      {
        kind: this.breakKind,
        direction: long ? 'up' : 'down',
        level: this.breakLevel,
        refTime: this.breakPivotTime,
        decidedTime: this.breakDecidedTime,
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
      this.breakKind === 'BOS' ? 1 : 0.8,
      zoneScore,
      sweepRecent ? 1 : 0,
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
    structureScore: number,
    zoneScore: number,
    sweepScore: number,
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
        ? (w.structure * structureScore +
            w.zone * zoneScore +
            w.sweep * sweepScore +
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
