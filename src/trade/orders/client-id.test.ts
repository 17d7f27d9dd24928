import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CLIENT_ORDER_ID, clientOrderId, fnv1a64, parseClientOrderId } from './client-id.js';

describe('client order ids', () => {
  it('are the same for the same inputs (they survive a restart) and differ per role and attempt', () => {
    expect(clientOrderId('run1', 'abc123', 'entry')).toBe('run1-abc123-e');
    expect(clientOrderId('run1', 'abc123', 'entry')).toBe(clientOrderId('run1', 'abc123', 'entry'));
    const ids = [
      clientOrderId('run1', 'abc123', 'entry'),
      clientOrderId('run1', 'abc123', 'sl'),
      clientOrderId('run1', 'abc123', 'tp'),
      clientOrderId('run1', 'abc123', 'close'),
      clientOrderId('run1', 'abc123', 'close', 1),
    ];
    expect(new Set(ids).size).toBe(5);
  });

  it('hash a long or non-alphanumeric signal id into the 36-character limit', () => {
    const id = clientOrderId('AEGIS001', 'BTCUSDT:5m:1700000000000:smc-bos-long', 'close', 999);
    expect(id.length).toBeLessThanOrEqual(36);
    expect(id).toMatch(/^AEGIS001-h[0-9a-z]+-c999$/);
  });

  it('match the Binance pattern ^[\\.A-Z\\:/a-z0-9_-]{1,36}$ for any signal id, and parse back', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9]{1,8}$/),
        fc.string({ maxLength: 200 }),
        fc.constantFrom('entry', 'sl', 'tp', 'close'),
        fc.integer({ min: 0, max: 999 }),
        (prefix, signalId, role, attempt) => {
          const id = clientOrderId(prefix, signalId, role, attempt);
          expect(id).toMatch(CLIENT_ORDER_ID);
          expect(id.length).toBeLessThanOrEqual(36);
          expect(parseClientOrderId(id)).toMatchObject({ prefix, role, attempt });
        },
      ),
    );
  });

  it('never give two different signal ids the same key when one is used directly and the other hashed', () => {
    const hashed = `h${fnv1a64('x:y')}`;
    expect(clientOrderId('p', hashed, 'entry')).not.toBe(clientOrderId('p', 'x:y', 'entry'));
  });

  it('reject a prefix that is not 1..8 letters or digits', () => {
    expect(() => clientOrderId('bad-prefix', 's', 'entry')).toThrow(/run prefix/);
  });

  it('return undefined when parsing an id this engine did not make', () => {
    expect(parseClientOrderId('web_abcdef123')).toBeUndefined();
  });
});
