import type { PoolView, SmcSink, SwingPoint } from './sink.js';
import type { Dir } from './types.js';

interface Pool extends PoolView {
  /** anchor + tol (buy side) or anchor − tol (sell side): reaching it takes the pool. */
  readonly threshold: number;
  sum: number;
  members: number;
  lastMemberRow: number;
}

/**
 * Liquidity pools and sweeps (spec section 5). The tolerance is `liquidityTolerance × ATR` (Wilder ATR;
 * before `atrPeriod` candles the mean true range so far), taken when the anchor swing is finalised; the
 * band is fixed on the anchor. A finalised swing high joins the oldest open buy-side pool whose anchor is
 * within that pool's tolerance, else it starts a candidate pool. A pool is emitted from its second member
 * on. A later candle with h ≥ anchor + tol takes it: a sweep if it closes below the pool level (mean),
 * else a breakout. Sell side mirrors with swing lows.
 *
 * A swing whose level was already exceeded by ≥ its tolerance between its detection and its
 * finalisation (the liquidity above it is already gone) joins or starts nothing.
 */
export class LiquidityDetector {
  private prevClose = Number.NaN;
  private count = 0;
  private trSum = 0;
  private atr = 0;
  /** Highest high since the pending swing high was detected (−∞ when none). */
  private runMaxHigh = Number.NEGATIVE_INFINITY;
  private runMinLow = Number.POSITIVE_INFINITY;
  private readonly buy: Pool[] = [];
  private readonly sell: Pool[] = [];
  private minBuyThreshold = Number.POSITIVE_INFINITY;
  private maxSellThreshold = Number.NEGATIVE_INFINITY;
  private nextId = 0;

  constructor(
    private readonly atrPeriod: number,
    private readonly tolerance: number,
    private readonly maxOpen: number,
  ) {}

  /** Current ATR (after the last candle). */
  get currentAtr(): number {
    return this.atr;
  }

  /** Candle t: ATR, then take-tests of the pools that existed before t, then the running extremes. */
  onCandle(t: number, tTime: number, h: number, l: number, c: number, sink: SmcSink): void {
    const pc = this.prevClose;
    const tr = Number.isNaN(pc) ? h - l : Math.max(h - l, Math.abs(h - pc), Math.abs(l - pc));
    this.prevClose = c;
    const n = this.atrPeriod;
    if (this.count < n) {
      this.count++;
      this.trSum += tr;
      this.atr = this.trSum / this.count;
    } else {
      this.atr = (this.atr * (n - 1) + tr) / n;
    }

    // taken pools leave the list (compacted in place, order kept); the threshold is recomputed on the way
    if (h >= this.minBuyThreshold) {
      const list = this.buy;
      const n = list.length;
      let kept = 0;
      let min = Number.POSITIVE_INFINITY;
      for (let k = 0; k < n; k++) {
        const p = list[k] as Pool;
        if (h >= p.threshold) {
          if (p.members >= 2) sink.liquidity('taken', p, t, tTime, c < p.sum / p.members);
        } else {
          list[kept++] = p;
          if (p.threshold < min) min = p.threshold;
        }
      }
      while (list.length > kept) list.pop();
      this.minBuyThreshold = min;
    }
    if (l <= this.maxSellThreshold) {
      const list = this.sell;
      const n = list.length;
      let kept = 0;
      let max = Number.NEGATIVE_INFINITY;
      for (let k = 0; k < n; k++) {
        const p = list[k] as Pool;
        if (l <= p.threshold) {
          if (p.members >= 2) sink.liquidity('taken', p, t, tTime, c > p.sum / p.members);
        } else {
          list[kept++] = p;
          if (p.threshold > max) max = p.threshold;
        }
      }
      while (list.length > kept) list.pop();
      this.maxSellThreshold = max;
    }
    if (h > this.runMaxHigh) this.runMaxHigh = h;
    if (l < this.runMinLow) this.runMinLow = l;
  }

  /** A new pending swing (or a replacement) on `side`: restart its running extreme. */
  onPending(side: Dir): void {
    if (side === 1) this.runMaxHigh = Number.NEGATIVE_INFINITY;
    else this.runMinLow = Number.POSITIVE_INFINITY;
  }

  /** A swing became final at candle t. */
  onFinal(s: SwingPoint, t: number, tTime: number, sink: SmcSink): void {
    const tol = this.tolerance * this.atr;
    const buySide = s.side === 1;
    if (buySide ? this.runMaxHigh >= s.level + tol : this.runMinLow <= s.level - tol) return;
    const list = buySide ? this.buy : this.sell;
    for (const p of list) {
      if (Math.abs(s.level - p.anchorLevel) <= p.tolerance) {
        p.sum += s.level;
        p.members++;
        p.lastMemberRow = s.row;
        sink.liquidity(p.members === 2 ? 'formed' : 'grew', p, t, tTime, null);
        return;
      }
    }
    const dropped = list.length >= this.maxOpen ? list.shift() : undefined;
    const pool: Pool = {
      id: this.nextId++,
      side: s.side,
      anchorRow: s.row,
      anchorTime: s.time,
      anchorLevel: s.level,
      tolerance: tol,
      threshold: buySide ? s.level + tol : s.level - tol,
      sum: s.level,
      members: 1,
      lastMemberRow: s.row,
    };
    list.push(pool);
    // the extreme moves with the new pool; a full rescan only when the dropped pool held it
    if (buySide)
      this.minBuyThreshold =
        dropped?.threshold === this.minBuyThreshold
          ? extremeThreshold(list, 1)
          : Math.min(this.minBuyThreshold, pool.threshold);
    else
      this.maxSellThreshold =
        dropped?.threshold === this.maxSellThreshold
          ? extremeThreshold(list, -1)
          : Math.max(this.maxSellThreshold, pool.threshold);
  }
}

function extremeThreshold(list: readonly Pool[], side: Dir): number {
  let x = side === 1 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  for (const p of list) x = side === 1 ? Math.min(x, p.threshold) : Math.max(x, p.threshold);
  return x;
}
