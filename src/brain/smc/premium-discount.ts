import type { SmcSink, SwingPoint } from './sink.js';
import type { PdZone } from './types.js';

/** Current premium/discount state (spec section 6). */
export interface PdState {
  readonly low: number;
  readonly lowRow: number;
  readonly high: number;
  readonly highRow: number;
  /** (close − low) / (high − low) of the last candle; outside 0…1 when the close is outside the range. */
  readonly position: number;
  readonly zone: PdZone;
}

export function zoneOf(position: number): PdZone {
  return position > 0.5 ? 'premium' : position < 0.5 ? 'discount' : 'equilibrium';
}

/**
 * Dealing range = the latest final swing low and the latest final swing high (valid when high > low).
 * Emits `range` when the range changes and `zone` when the close moves to another zone.
 */
export class PremiumDiscount {
  private high: SwingPoint | null = null;
  private low: SwingPoint | null = null;
  private zone: PdZone | null = null;
  /**
   * Position and zone of the last close while the range is valid (`valid`). The PdState object is only
   * built when someone asks for it (`state`), not on every candle: most candles nobody reads it.
   */
  private valid = false;
  private position = 0;
  private closeZone: PdZone = 'equilibrium';
  private cached: PdState | null = null;

  /** The state after the last candle, or null while there is no valid dealing range. */
  get state(): PdState | null {
    if (!this.valid) return null;
    if (this.cached === null) {
      const hi = this.high as SwingPoint;
      const lo = this.low as SwingPoint;
      this.cached = {
        low: lo.level,
        lowRow: lo.row,
        high: hi.level,
        highRow: hi.row,
        position: this.position,
        zone: this.closeZone,
      };
    }
    return this.cached;
  }

  onFinal(s: SwingPoint, t: number, tTime: number, c: number, sink: SmcSink): void {
    if (s.side === 1) this.high = s;
    else this.low = s;
    const hi = this.high;
    const lo = this.low;
    if (hi === null || lo === null || !(hi.level > lo.level)) {
      this.zone = null;
      return;
    }
    const position = (c - lo.level) / (hi.level - lo.level);
    const zone = zoneOf(position);
    this.zone = zone;
    sink.range('range', hi, lo, position, zone, t, tTime);
  }

  onClose(t: number, tTime: number, c: number, sink: SmcSink): void {
    const hi = this.high;
    const lo = this.low;
    this.cached = null;
    if (hi === null || lo === null || this.zone === null) {
      this.valid = false;
      return;
    }
    const position = (c - lo.level) / (hi.level - lo.level);
    const zone = zoneOf(position);
    this.valid = true;
    this.position = position;
    this.closeZone = zone;
    if (zone !== this.zone) {
      this.zone = zone;
      sink.range('zone', hi, lo, position, zone, t, tTime);
    }
  }
}
