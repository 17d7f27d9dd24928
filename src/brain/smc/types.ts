/**
 * Smart Money Concepts: causal event vocabulary (definitions in ../shared/reference/smc-spec.md).
 *
 * Every event carries the row/time it was **decided** (the closed candle whose close made it known) and
 * the row/time of the candle it **refers to**. Rows are 0-based counts of closed candles fed to one
 * engine; times are candle open times (epoch ms) of those rows. Events are never mutated after they
 * are emitted: later knowledge is a new event.
 */

/** The part of a closed candle the detectors read. `Candle` from src/domain/market.ts satisfies it. */
export interface SmcBar {
  readonly openTime: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
  /** When present it must be true: the detectors take closed candles only (a forming bar is rejected). */
  readonly closed?: boolean;
}

/** 1 = high / bullish / up, -1 = low / bearish / down. */
export type Dir = 1 | -1;

interface Decided {
  /** Row of the candle whose close made this event known. */
  readonly decidedRow: number;
  /** Open time of that candle. */
  readonly decidedTime: number;
}

/** Swing point lifecycle (spec section 1). */
export interface SwingEvent extends Decided {
  readonly type: 'swing';
  /** pending = new pending swing; replaced = the pending swing moved to a more extreme candle; final. */
  readonly action: 'pending' | 'replaced' | 'final';
  /** 1 swing high, -1 swing low. */
  readonly side: Dir;
  /** Row of the swing candle. */
  readonly row: number;
  readonly time: number;
  /** h (high) or l (low) of the swing candle. */
  readonly level: number;
  /** Row at which this swing (this row and level) first became known, i.e. row + L. */
  readonly detectedRow: number;
  /** For `replaced`: the row of the pending swing it replaces; otherwise null. */
  readonly replacesRow: number | null;
}

/** Break of structure / change of character (spec section 2). */
export interface StructureEvent extends Decided {
  readonly type: 'structure';
  readonly direction: Dir;
  readonly kind: 'BOS' | 'CHOCH';
  /** Level of the broken swing. */
  readonly level: number;
  /** Row/time of the broken swing (the pivot). */
  readonly row: number;
  readonly time: number;
}

/** Order block lifecycle (spec section 3). */
export interface OrderBlockEvent extends Decided {
  readonly type: 'orderBlock';
  /**
   * created (at the break) → mitigated (becomes a breaker) → invalidated (leaves the book);
   * evicted = dropped from the live book because more than `maxOrderBlocksPerSide` were live.
   */
  readonly action: 'created' | 'mitigated' | 'invalidated' | 'evicted';
  /** Engine-wide sequence number of the block (0, 1, 2… in creation order). */
  readonly id: number;
  readonly direction: Dir;
  /** Row/time of the order-block candle. */
  readonly row: number;
  readonly time: number;
  readonly top: number;
  readonly bottom: number;
  /** v[t] + v[t-1] + v[t-2] of the breaking candle t. */
  readonly volume: number;
  /** min(A,B)/max(A,B), A = v[t]+v[t-1], B = v[t-2]; 1 when both are 0. */
  readonly strength: number;
  /** Row of the breaking candle (the created event's decidedRow). */
  readonly createdRow: number;
  /** Row of the broken swing. */
  readonly pivotRow: number;
}

/** Fair value gap lifecycle (spec section 4). */
export interface FvgEvent extends Decided {
  readonly type: 'fvg';
  /** created → mitigated (first touch of the near edge) → filled (price crossed the far edge). */
  readonly action: 'created' | 'mitigated' | 'filled';
  readonly id: number;
  readonly direction: Dir;
  /** Row/time of the middle candle. */
  readonly row: number;
  readonly time: number;
  readonly top: number;
  readonly bottom: number;
  readonly createdRow: number;
}

/** Liquidity pool lifecycle (spec section 5). */
export interface LiquidityEvent extends Decided {
  readonly type: 'liquidity';
  /** formed (2nd member) → grew (each further member) → taken (sweep or breakout). */
  readonly action: 'formed' | 'grew' | 'taken';
  readonly id: number;
  /** buy = pool of swing highs (buy stops above), sell = pool of swing lows. */
  readonly side: 'buy' | 'sell';
  /** Row/time of the anchor swing (first member). */
  readonly row: number;
  readonly time: number;
  readonly anchorLevel: number;
  /** Tolerance of the pool: liquidityTolerance × ATR when the anchor swing was finalised. */
  readonly tolerance: number;
  /** Mean level of the members. */
  readonly level: number;
  readonly members: number;
  readonly lastMemberRow: number;
  /** For `taken`: true = sweep (closed back inside the pool level), false = breakout; else null. */
  readonly sweep: boolean | null;
}

/** Premium/discount dealing range and zone (spec section 6). */
export interface RangeEvent extends Decided {
  readonly type: 'range';
  /** `range`: the dealing range changed; `zone`: the close moved to another zone of the range. */
  readonly action: 'range' | 'zone';
  readonly lowRow: number;
  readonly low: number;
  readonly highRow: number;
  readonly high: number;
  /** (close − low) / (high − low) at the deciding candle; < 0 or > 1 when the close is outside. */
  readonly position: number;
  readonly zone: PdZone;
  /** Row/time the event refers to: the newer of the two swings. */
  readonly row: number;
  readonly time: number;
}

export type PdZone = 'premium' | 'discount' | 'equilibrium';

export type SmcEvent = SwingEvent | StructureEvent | OrderBlockEvent | FvgEvent | LiquidityEvent | RangeEvent;

export interface SmcOptions {
  /** L: a swing at row i needs L − 1 candles before and L after it (spec section 1). */
  readonly swingLength: number;
  /** Break on the close (default) or on the wick. */
  readonly closeBreak?: boolean;
  /** Mitigate order blocks on the body (min/max of open, close) instead of the wick. Default false. */
  readonly closeMitigation?: boolean;
  /** Live order blocks kept per side; the oldest is evicted first. Default 20. */
  readonly maxOrderBlocksPerSide?: number;
  /** ATR period for the liquidity tolerance. Default 14. */
  readonly atrPeriod?: number;
  /** Liquidity tolerance as a multiple of ATR. Default 0.5. */
  readonly liquidityTolerance?: number;
  /** Open (untaken) liquidity pools kept per side, candidates included; the oldest go first. Default 50. */
  readonly maxOpenPoolsPerSide?: number;
}

export interface ResolvedSmcOptions {
  readonly swingLength: number;
  readonly closeBreak: boolean;
  readonly closeMitigation: boolean;
  readonly maxOrderBlocksPerSide: number;
  readonly atrPeriod: number;
  readonly liquidityTolerance: number;
  readonly maxOpenPoolsPerSide: number;
}
