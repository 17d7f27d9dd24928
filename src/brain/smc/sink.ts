import type {
  Dir,
  FvgEvent,
  LiquidityEvent,
  OrderBlockEvent,
  PdZone,
  RangeEvent,
  SmcEvent,
  SwingEvent,
} from './types.js';

/** A swing known to the detector (pending or final). */
export interface SwingPoint {
  readonly side: Dir;
  readonly row: number;
  readonly time: number;
  readonly level: number;
  /** Row at which it became known (row + L). */
  readonly detectedRow: number;
}

/** The swing a structure break broke (read it during the call: the detector reuses the object). */
export interface PivotView {
  readonly row: number;
  readonly time: number;
  readonly level: number;
}

/** An order block as the detector holds it (`mitigated` changes later: read it during the call). */
export interface BlockView {
  readonly id: number;
  readonly direction: Dir;
  readonly row: number;
  readonly time: number;
  readonly top: number;
  readonly bottom: number;
  readonly volume: number;
  readonly strength: number;
  readonly createdRow: number;
  readonly pivotRow: number;
}

/** A fair value gap as the detector holds it (never changes). */
export interface GapView {
  readonly id: number;
  readonly direction: Dir;
  readonly row: number;
  readonly time: number;
  readonly top: number;
  readonly bottom: number;
  readonly createdRow: number;
}

/** A liquidity pool as the detector holds it (sum, members, lastMemberRow change later). */
export interface PoolView {
  readonly id: number;
  readonly side: Dir;
  readonly anchorRow: number;
  readonly anchorTime: number;
  readonly anchorLevel: number;
  readonly tolerance: number;
  readonly sum: number;
  readonly members: number;
  readonly lastMemberRow: number;
}

/**
 * Receiver of what the detectors decide on one candle, in emission order (`t`/`tTime` = the deciding
 * candle). The objects passed are the detectors' own: read them during the call, do not keep them.
 *
 * `EventCollector` turns every call into an `SmcEvent` (what `SmcEngine.update` returns); a consumer that
 * needs only a few facts (the SMC strategy) implements this interface instead, so no event object is
 * built for it.
 */
export interface SmcSink {
  swing(
    action: SwingEvent['action'],
    s: SwingPoint,
    t: number,
    tTime: number,
    replacesRow: number | null,
  ): void;
  structure(direction: Dir, kind: 'BOS' | 'CHOCH', pivot: PivotView, t: number, tTime: number): void;
  orderBlock(action: OrderBlockEvent['action'], b: BlockView, t: number, tTime: number): void;
  fvg(action: FvgEvent['action'], g: GapView, t: number, tTime: number): void;
  liquidity(
    action: LiquidityEvent['action'],
    p: PoolView,
    t: number,
    tTime: number,
    sweep: boolean | null,
  ): void;
  range(
    action: RangeEvent['action'],
    hi: SwingPoint,
    lo: SwingPoint,
    position: number,
    zone: PdZone,
    t: number,
    tTime: number,
  ): void;
}

/** The sink behind `SmcEngine.update`/`step`: one event object per call, collected per candle. */
export class EventCollector implements SmcSink {
  /**
   * Events of the candle being processed. When a candle emits, this very array is handed to the caller
   * and a fresh one takes its place (cheaper than `slice()` + `length = 0`).
   */
  private out: SmcEvent[] = [];

  /** The events collected since the last call; a new array every time (empty when nothing happened). */
  take(): SmcEvent[] {
    const out = this.out;
    // Not a shared frozen empty array: a frozen array has another elements kind, and a consumer looping
    // over both kinds leaves the fast path; an empty literal is nearly free.
    if (out.length === 0) return [];
    this.out = [];
    return out;
  }

  swing(
    action: SwingEvent['action'],
    s: SwingPoint,
    t: number,
    tTime: number,
    replacesRow: number | null,
  ): void {
    this.out.push({
      type: 'swing',
      action,
      side: s.side,
      row: s.row,
      time: s.time,
      level: s.level,
      detectedRow: s.detectedRow,
      replacesRow,
      decidedRow: t,
      decidedTime: tTime,
    });
  }

  structure(direction: Dir, kind: 'BOS' | 'CHOCH', pivot: PivotView, t: number, tTime: number): void {
    this.out.push({
      type: 'structure',
      direction,
      kind,
      level: pivot.level,
      row: pivot.row,
      time: pivot.time,
      decidedRow: t,
      decidedTime: tTime,
    });
  }

  orderBlock(action: OrderBlockEvent['action'], b: BlockView, t: number, tTime: number): void {
    this.out.push({
      type: 'orderBlock',
      action,
      id: b.id,
      direction: b.direction,
      row: b.row,
      time: b.time,
      top: b.top,
      bottom: b.bottom,
      volume: b.volume,
      strength: b.strength,
      createdRow: b.createdRow,
      pivotRow: b.pivotRow,
      decidedRow: t,
      decidedTime: tTime,
    });
  }

  fvg(action: FvgEvent['action'], g: GapView, t: number, tTime: number): void {
    this.out.push({
      type: 'fvg',
      action,
      id: g.id,
      direction: g.direction,
      row: g.row,
      time: g.time,
      top: g.top,
      bottom: g.bottom,
      createdRow: g.createdRow,
      decidedRow: t,
      decidedTime: tTime,
    });
  }

  liquidity(
    action: LiquidityEvent['action'],
    p: PoolView,
    t: number,
    tTime: number,
    sweep: boolean | null,
  ): void {
    this.out.push({
      type: 'liquidity',
      action,
      id: p.id,
      side: p.side === 1 ? 'buy' : 'sell',
      row: p.anchorRow,
      time: p.anchorTime,
      anchorLevel: p.anchorLevel,
      tolerance: p.tolerance,
      level: p.sum / p.members,
      members: p.members,
      lastMemberRow: p.lastMemberRow,
      sweep,
      decidedRow: t,
      decidedTime: tTime,
    });
  }

  range(
    action: RangeEvent['action'],
    hi: SwingPoint,
    lo: SwingPoint,
    position: number,
    zone: PdZone,
    t: number,
    tTime: number,
  ): void {
    const newer = hi.row > lo.row ? hi : lo;
    this.out.push({
      type: 'range',
      action,
      lowRow: lo.row,
      low: lo.level,
      highRow: hi.row,
      high: hi.level,
      position,
      zone,
      row: newer.row,
      time: newer.time,
      decidedRow: t,
      decidedTime: tTime,
    });
  }
}
