import { ConfigError, DataError } from '../../core/errors.js';
import { FvgDetector } from './fvg.js';
import { LiquidityDetector } from './liquidity.js';
import { OrderBlockDetector } from './order-blocks.js';
import { PremiumDiscount, type PdState } from './premium-discount.js';
import { BREAK_DOWN, BREAK_UP, StructureDetector } from './structure.js';
import { EventCollector, type SmcSink, type SwingPoint } from './sink.js';
import { SWING_FINALISED, SWING_PENDING_CHANGED, SwingAlternation } from './swings.js';
import type { Dir, ResolvedSmcOptions, SmcBar, SmcEvent, SmcOptions } from './types.js';

export function resolveSmcOptions(options: SmcOptions): ResolvedSmcOptions {
  const r: ResolvedSmcOptions = {
    swingLength: options.swingLength,
    closeBreak: options.closeBreak ?? true,
    closeMitigation: options.closeMitigation ?? false,
    maxOrderBlocksPerSide: options.maxOrderBlocksPerSide ?? 20,
    atrPeriod: options.atrPeriod ?? 14,
    liquidityTolerance: options.liquidityTolerance ?? 0.5,
    maxOpenPoolsPerSide: options.maxOpenPoolsPerSide ?? 50,
  };
  const problems: string[] = [];
  const posInt = (name: string, v: number): void => {
    if (!Number.isInteger(v) || v < 1) problems.push(`smc.${name} must be an integer >= 1 (got ${v})`);
  };
  posInt('swingLength', r.swingLength);
  posInt('maxOrderBlocksPerSide', r.maxOrderBlocksPerSide);
  posInt('atrPeriod', r.atrPeriod);
  posInt('maxOpenPoolsPerSide', r.maxOpenPoolsPerSide);
  if (!Number.isFinite(r.liquidityTolerance) || r.liquidityTolerance < 0)
    problems.push(`smc.liquidityTolerance must be a finite number >= 0 (got ${r.liquidityTolerance})`);
  if (problems.length > 0) throw new ConfigError(problems);
  return r;
}

/**
 * All SMC detectors of one symbol and interval, fed one closed candle at a time (spec: smc-spec.md).
 * `update` is O(1) amortised per candle (FVG mitigation: O(log open gaps) per gap touched); nothing
 * scans the history. Rows are the 0-based count of candles fed.
 *
 * Order inside one candle t: liquidity take-tests, order-block and FVG lifecycle tests (objects created
 * before t), FVG detection (middle row t − 1), swing test of row t − L, structure breaks and new order
 * blocks, premium/discount zone.
 */
export class SmcEngine {
  readonly options: ResolvedSmcOptions;
  private row = 0;
  private readonly mask: number;
  private readonly ro: Float64Array;
  private readonly rh: Float64Array;
  private readonly rl: Float64Array;
  private readonly rc: Float64Array;
  private readonly rv: Float64Array;
  private readonly rt: Float64Array;
  private readonly swings = new SwingAlternation();
  private readonly structure: StructureDetector;
  private readonly obs: OrderBlockDetector;
  private readonly fvg = new FvgDetector();
  private readonly liquidity: LiquidityDetector;
  private readonly pd = new PremiumDiscount();
  /** Builds the event objects of `update`/`step`. */
  private readonly collector = new EventCollector();
  /** L (cached: read on every candle). */
  private readonly L: number;

  constructor(options: SmcOptions) {
    this.options = resolveSmcOptions(options);
    let cap = 8;
    // the ring holds the swing window (the last 2L candles) and a little more
    while (cap < 2 * this.options.swingLength + 4) cap *= 2;
    this.mask = cap - 1;
    this.L = this.options.swingLength;
    this.ro = new Float64Array(cap);
    this.rh = new Float64Array(cap);
    this.rl = new Float64Array(cap);
    this.rc = new Float64Array(cap);
    this.rv = new Float64Array(cap);
    this.rt = new Float64Array(cap);
    this.structure = new StructureDetector(this.options.closeBreak);
    this.obs = new OrderBlockDetector(this.options.maxOrderBlocksPerSide, this.options.closeMitigation, {
      h: this.rh,
      l: this.rl,
      t: this.rt,
      mask: this.mask,
    });
    this.liquidity = new LiquidityDetector(
      this.options.atrPeriod,
      this.options.liquidityTolerance,
      this.options.maxOpenPoolsPerSide,
    );
  }

  /** Number of candles fed so far (= the row the next candle gets). */
  get rows(): number {
    return this.row;
  }

  /** The pending swing, if any. */
  get pendingSwing(): SwingPoint | null {
    return this.swings.pending;
  }

  /** Current trend of the structure detector: 1 up, -1 down, 0 none yet. */
  get trend(): 0 | Dir {
    return this.structure.trend;
  }

  /** Premium/discount position of the last close, or null while there is no valid dealing range. */
  get premiumDiscount(): PdState | null {
    return this.pd.state;
  }

  /**
   * Feed the next closed candle. Returns the events it decided, in emission order: a new array per call
   * that the caller may keep, empty when the candle decided nothing. A candle with `closed: false`,
   * non-finite values, high < low or a negative volume is rejected with DataError (DATA_REJECTED) and
   * leaves the engine unchanged.
   */
  update(bar: SmcBar): readonly SmcEvent[] {
    this.feedBar(this.collector, bar);
    return this.collector.take();
  }

  /** `update` into a sink (see `feed`): the same checks, no event objects. */
  feedBar(sink: SmcSink, bar: SmcBar): void {
    if (bar.closed === false) {
      throw new DataError(
        'SMC input candle rejected: the candle is not closed (the forming bar is not fed)',
        {
          row: this.row,
          openTime: bar.openTime,
        },
      );
    }
    this.feed(sink, bar.openTime, bar.open, bar.high, bar.low, bar.close, bar.volume);
  }

  /** Same as `update` with plain numbers (no object needed). */
  step(time: number, o: number, h: number, l: number, c: number, v: number): readonly SmcEvent[] {
    this.feed(this.collector, time, o, h, l, c, v);
    return this.collector.take();
  }

  /**
   * Same as `step`, but what the candle decides goes to `sink` as calls (in the order `update` would
   * return the events) instead of being built into event objects: for a consumer that reads a few fields
   * (the SMC strategy). The same input checks apply.
   */
  feed(sink: SmcSink, time: number, o: number, h: number, l: number, c: number, v: number): void {
    if (
      !(
        Number.isFinite(o) &&
        Number.isFinite(h) &&
        Number.isFinite(l) &&
        Number.isFinite(c) &&
        Number.isFinite(v) &&
        Number.isFinite(time)
      ) ||
      h < l ||
      v < 0
    ) {
      throw new DataError('SMC input candle rejected: non-finite OHLCV, high < low or negative volume', {
        row: this.row,
        openTime: time,
        open: o,
        high: h,
        low: l,
        close: c,
        volume: v,
      });
    }
    const t = this.row++;
    const m = this.mask;
    const at = t & m;
    this.ro[at] = o;
    this.rh[at] = h;
    this.rl[at] = l;
    this.rc[at] = c;
    this.rv[at] = v;
    this.rt[at] = time;

    this.liquidity.onCandle(t, time, h, l, c, sink);
    this.obs.onCandle(t, time, o, h, l, c, sink);
    this.fvg.onCandle(t, time, h, l, sink);
    if (t >= 2) {
      const a = (t - 2) & m;
      const b = (t - 1) & m;
      this.fvg.detect(
        t,
        time,
        this.rh[a] as number,
        this.rl[a] as number,
        this.ro[b] as number,
        this.rc[b] as number,
        this.rt[b] as number,
        h,
        l,
        sink,
      );
    }

    // Swings: row i = t - L against the window [i - L + 1, i + L] = the last 2L candles: h[i] is a
    // candidate high when no high in the window exceeds it (low: mirror). The ring is scanned outwards
    // from i, stopping as soon as both tests failed: most rows fail on a neighbour, so this costs a few
    // reads per candle (cheaper than two sliding-window deques; worst case the 2L − 1 other rows).
    const L = this.L;
    const i = t - L;
    if (i >= 2 * L - 1) {
      const rh = this.rh;
      const rl = this.rl;
      const ai = i & m;
      const hi = rh[ai] as number;
      const li = rl[ai] as number;
      let isHigh = true;
      let isLow = true;
      for (let d = 1; d <= L; d++) {
        const after = (i + d) & m;
        if ((rh[after] as number) > hi) isHigh = false;
        if ((rl[after] as number) < li) isLow = false;
        if (d < L) {
          const before = (i - d) & m;
          if ((rh[before] as number) > hi) isHigh = false;
          if ((rl[before] as number) < li) isLow = false;
        }
        if (!isHigh && !isLow) break;
      }
      let side: Dir | 0 = 0;
      if (isHigh) side = 1;
      else if (isLow) side = -1;
      if (side !== 0) {
        const changed = this.swings.offer(
          side,
          i,
          this.rt[ai] as number,
          side === 1 ? hi : li,
          t,
          time,
          sink,
        );
        if ((changed & SWING_FINALISED) !== 0) {
          const f = this.swings.lastFinal as SwingPoint;
          this.liquidity.onFinal(f, t, time, sink);
          this.pd.onFinal(f, t, time, c, sink);
        }
        if ((changed & SWING_PENDING_CHANGED) !== 0) {
          const p = this.swings.pending as SwingPoint;
          this.structure.onSwing(p.side, p.row, p.time, p.level);
          this.obs.onPivot(p.side, p.row, t);
          this.liquidity.onPending(p.side);
        }
      }
    }

    const breaks = this.structure.check(t, time, h, l, c, sink);
    if (breaks !== 0) {
      const v1 = t >= 1 ? (this.rv[(t - 1) & m] as number) : 0;
      const v2 = t >= 2 ? (this.rv[(t - 2) & m] as number) : 0;
      const A = v + v1;
      const B = v2;
      const strength = A === 0 && B === 0 ? 1 : Math.min(A, B) / Math.max(A, B);
      const p = (t - 1) & m;
      const ph = t >= 1 ? (this.rh[p] as number) : h;
      const pl = t >= 1 ? (this.rl[p] as number) : l;
      const pt = t >= 1 ? (this.rt[p] as number) : time;
      if ((breaks & BREAK_UP) !== 0)
        this.obs.create(1, this.structure.high.row, t, time, ph, pl, pt, A + B, strength, sink);
      if ((breaks & BREAK_DOWN) !== 0)
        this.obs.create(-1, this.structure.low.row, t, time, ph, pl, pt, A + B, strength, sink);
    }
    this.obs.pushRow(t, h, l, time);
    this.pd.onClose(t, time, c, sink);
  }
}
