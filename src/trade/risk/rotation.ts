/**
 * Rotation policy (docs/rotation.md). At capacity (open positions >= MAX_OPEN_POSITIONS), a new signal
 * replaces the weakest open position when:
 *  - its symbol has no position or entry in flight,
 *  - no rotation is already in progress,
 *  - at least `cooldownMs` of engine time has passed since the last rotation started,
 *  - the weakest closable position (lowest confidence; ties: oldest, then symbol name) exists, and
 *  - signal confidence >= weakest confidence + `margin` (compared with a 1e-9 tolerance so that
 *    0.8 vs 0.7 + 0.1 counts as equal).
 * The engine then closes the weakest position (cancel its protective orders, reduce-only market close)
 * and, once it is flat, runs the new signal through the full risk gate before opening it.
 */
import type { Signal } from '../../domain/signal.js';
import type { ExposureView } from './gate.js';

export interface RotationConfig {
  /** Confidence the new signal must have over the weakest position (e.g. 0.1). */
  readonly margin: number;
  /** Engine-time ms between two rotations. */
  readonly cooldownMs: number;
}

export type RotationDecision =
  | { readonly kind: 'rotate'; readonly victim: ExposureView }
  | { readonly kind: 'keep'; readonly reason: string };

const EPS = 1e-9;

export function weakest(exposures: readonly ExposureView[]): ExposureView | undefined {
  let best: ExposureView | undefined;
  for (const e of exposures) {
    if (!e.closable) continue;
    if (
      best === undefined ||
      e.confidence < best.confidence ||
      (e.confidence === best.confidence &&
        (e.openedAt < best.openedAt || (e.openedAt === best.openedAt && e.symbol < best.symbol)))
    ) {
      best = e;
    }
  }
  return best;
}

export function decideRotation(
  signal: Signal,
  exposures: readonly ExposureView[],
  maxOpenPositions: number,
  state: { readonly lastRotationAt: number | undefined; readonly inProgress: boolean; readonly now: number },
  config: RotationConfig,
): RotationDecision {
  if (exposures.length < maxOpenPositions) return keep('below capacity');
  if (exposures.some((e) => e.symbol === signal.symbol)) return keep(`${signal.symbol} already open`);
  if (state.inProgress) return keep('a rotation is already in progress');
  if (state.lastRotationAt !== undefined && state.now - state.lastRotationAt < config.cooldownMs) {
    return keep(
      `rotation cooldown: ${state.now - state.lastRotationAt} ms since the last one < ${config.cooldownMs} ms`,
    );
  }
  const victim = weakest(exposures);
  if (victim === undefined) return keep('no closable position');
  if (signal.confidence + EPS < victim.confidence + config.margin) {
    return keep(
      `confidence ${signal.confidence} does not beat weakest ${victim.symbol} ${victim.confidence} by ${config.margin}`,
    );
  }
  return { kind: 'rotate', victim };
}

function keep(reason: string): RotationDecision {
  return { kind: 'keep', reason };
}
