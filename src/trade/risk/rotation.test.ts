import { describe, expect, it } from 'vitest';
import { d, signal } from '../test-support/fixtures.js';
import type { ExposureView } from './gate.js';
import { decideRotation, weakest } from './rotation.js';

const CFG = { margin: 0.1, cooldownMs: 600_000 };

function pos(symbol: string, confidence: number, openedAt = 0, closable = true): ExposureView {
  return { symbol, notional: d('1000'), confidence, openedAt, closable };
}

const FULL = [pos('ETHUSDT', 0.8), pos('SOLUSDT', 0.7), pos('XRPUSDT', 0.9)];
const idle = { lastRotationAt: undefined, inProgress: false, now: 1_000_000 };

describe('rotation policy', () => {
  it('does nothing below capacity', () => {
    expect(decideRotation(signal({ confidence: 0.99 }), FULL.slice(0, 2), 3, idle, CFG)).toMatchObject({
      kind: 'keep',
      reason: 'below capacity',
    });
  });

  it('rotates out the weakest position when the signal beats it by exactly the margin (0.8 vs 0.7 + 0.1)', () => {
    const r = decideRotation(signal({ confidence: 0.8 }), FULL, 3, idle, CFG);
    expect(r.kind === 'rotate' ? r.victim.symbol : r.reason).toBe('SOLUSDT');
  });

  it('keeps the positions when the signal beats the weakest by less than the margin (0.79)', () => {
    expect(decideRotation(signal({ confidence: 0.79 }), FULL, 3, idle, CFG).kind).toBe('keep');
  });

  it('keeps the positions during the rotation cooldown and rotates once it has elapsed', () => {
    const strong = signal({ confidence: 0.95 });
    const last = 1_000_000;
    expect(
      decideRotation(strong, FULL, 3, { ...idle, lastRotationAt: last, now: last + 599_999 }, CFG).kind,
    ).toBe('keep');
    expect(
      decideRotation(strong, FULL, 3, { ...idle, lastRotationAt: last, now: last + 600_000 }, CFG).kind,
    ).toBe('rotate');
  });

  it('never rotates while another rotation is in progress, nor for a symbol already open', () => {
    expect(
      decideRotation(signal({ confidence: 0.95 }), FULL, 3, { ...idle, inProgress: true }, CFG).kind,
    ).toBe('keep');
    expect(decideRotation(signal({ symbol: 'ETHUSDT', confidence: 0.95 }), FULL, 3, idle, CFG).kind).toBe(
      'keep',
    );
  });

  it('picks the lowest confidence among closable positions, the oldest on a tie, and skips entries in flight', () => {
    expect(weakest([pos('A', 0.7, 5), pos('B', 0.7, 3), pos('C', 0.9)])?.symbol).toBe('B');
    expect(weakest([pos('A', 0.5, 0, false), pos('B', 0.7), pos('C', 0.9)])?.symbol).toBe('B');
    expect(weakest([pos('A', 0.5, 0, false)])).toBeUndefined();
  });
});
