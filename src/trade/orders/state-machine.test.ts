import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvariantError } from '../../core/errors.js';
import { Decimal } from '../../domain/decimal.js';
import type { OrderStatus } from '../../domain/order.js';
import { isLegalTransition, isTerminal, OrderStateMachine } from './state-machine.js';

const STATUSES: readonly OrderStatus[] = [
  'pending',
  'new',
  'partially_filled',
  'filled',
  'canceled',
  'rejected',
  'expired',
  'unknown',
];

describe('OrderStateMachine', () => {
  it('follows pending -> new -> partially_filled -> partially_filled -> filled', () => {
    const m = new OrderStateMachine('c1', '1.0');
    expect(m.apply('new', '0')).toBe('applied');
    expect(m.apply('partially_filled', '0.3')).toBe('applied');
    expect(m.apply('partially_filled', '0.7')).toBe('applied');
    expect(m.apply('filled', '1')).toBe('applied');
    expect(m.status).toBe('filled');
    expect(m.terminal).toBe(true);
  });

  it('throws InvariantError naming both states on an illegal transition and keeps its state', () => {
    const m = new OrderStateMachine('c2', '1');
    m.apply('canceled', '0');
    expect(() => m.apply('filled', '1')).toThrow(InvariantError);
    expect(() => m.apply('filled', '1')).toThrow('order c2: illegal transition (canceled -> filled');
    expect(m.status).toBe('canceled');
    const n = new OrderStateMachine('c3', '1');
    n.apply('new', '0');
    expect(() => n.apply('rejected', '0')).toThrow('(new -> rejected');
  });

  it('rejects a filled quantity that decreases, exceeds the order, or does not match the state', () => {
    const m = new OrderStateMachine('c4', '1');
    m.apply('partially_filled', '0.5');
    expect(() => m.apply('partially_filled', '0.4')).toThrow(/decrease/);
    expect(() => m.apply('filled', '1.1')).toThrow(/exceed/);
    expect(() => m.apply('filled', '0.9')).toThrow(/filled needs filled == quantity/);
    expect(() => new OrderStateMachine('c5', '1').apply('new', '0.1')).toThrow(/new needs nothing filled/);
    expect(m.filled.toString()).toBe('0.5');
  });

  it('ignores a duplicate update and an older one that arrives late (ack after the stream said filled)', () => {
    const m = new OrderStateMachine('c6', '1');
    m.apply('new', '0');
    expect(m.apply('new', '0')).toBe('duplicate');
    m.apply('filled', '1');
    expect(m.apply('new', '0')).toBe('stale');
    expect(m.status).toBe('filled');
  });

  it('resolves unknown by query into any venue state, or back to pending when the venue never got it', () => {
    const a = new OrderStateMachine('c7', '1');
    a.apply('unknown');
    expect(a.apply('filled', '1')).toBe('applied');
    const b = new OrderStateMachine('c8', '1');
    b.apply('unknown');
    expect(b.apply('pending')).toBe('applied');
    expect(isLegalTransition('new', 'unknown')).toBe(false);
  });

  describe('properties (fast-check)', () => {
    const event = fc.record({
      status: fc.constantFrom(...STATUSES),
      filledUnits: fc.integer({ min: 0, max: 12 }),
    });

    it('random event sequences never reach an illegal state; filled never decreases nor exceeds the quantity; terminal states are final', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 10 }),
          fc.array(event, { maxLength: 40 }),
          (qtyUnits, events) => {
            const qty = Decimal.of(BigInt(qtyUnits), 1);
            const m = new OrderStateMachine('p', qty);
            let prevStatus: OrderStatus = m.status;
            let prevFilled = m.filled;
            for (const e of events) {
              const filled = Decimal.of(BigInt(e.filledUnits), 1);
              let outcome: string;
              try {
                outcome = m.apply(e.status, filled);
              } catch (caught) {
                expect(caught).toBeInstanceOf(InvariantError);
                outcome = 'thrown';
              }
              // state legal and quantities consistent after every event
              expect(m.filled.gte(prevFilled)).toBe(true);
              expect(m.filled.lte(qty)).toBe(true);
              expect(m.filled.sign()).toBeGreaterThanOrEqual(0);
              if (m.status === 'filled') expect(m.filled.eq(qty)).toBe(true);
              if (m.status === 'partially_filled')
                expect(m.filled.gt(Decimal.ZERO) && m.filled.lt(qty)).toBe(true);
              if (['pending', 'new', 'rejected', 'unknown'].includes(m.status))
                expect(m.filled.isZero()).toBe(true);
              if (outcome === 'applied' && m.status !== prevStatus) {
                expect(isLegalTransition(prevStatus, m.status)).toBe(true);
              }
              if (outcome !== 'applied') expect(m.status).toBe(prevStatus);
              if (isTerminal(prevStatus)) expect(m.status).toBe(prevStatus);
              prevStatus = m.status;
              prevFilled = m.filled;
            }
          },
        ),
        { numRuns: 1000 },
      );
    });

    it('a venue-like sequence (new, rising partial fills, filled) is always accepted', () => {
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 10 }), (parts) => {
          const total = parts.reduce((a, b) => a + b, 0);
          const m = new OrderStateMachine('v', Decimal.of(BigInt(total)));
          m.apply('new', '0');
          let cum = 0;
          for (const p of parts) {
            cum += p;
            expect(m.apply(cum === total ? 'filled' : 'partially_filled', String(cum))).toBe('applied');
          }
          expect(m.status).toBe('filled');
        }),
      );
    });
  });
});
