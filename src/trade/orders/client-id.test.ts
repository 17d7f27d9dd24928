import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CLIENT_ORDER_ID,
  clientOrderId,
  clientOrderIdForKey,
  fnv1a64,
  isDirectKey,
  type OrderRole,
  parseClientOrderId,
  signalKey,
} from './client-id.js';

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

/** The BigInt implementation fnv1a64 had until the 32-bit-halves rewrite, kept as the oracle. */
function fnv1a64BigInt(text: string): string {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++) {
    h ^= BigInt(text.charCodeAt(i));
    h = (h * 0x100000001b3n) & ((1n << 64n) - 1n);
  }
  return h.toString(36);
}

describe('client order id checks without regexes (the validated prefix is remembered)', () => {
  const DIRECT_KEY = /^[A-Za-z0-9]{1,20}$/;
  const PREFIX = /^[A-Za-z0-9]{1,8}$/;
  const text = fc.oneof(
    fc.string({ maxLength: 30 }),
    fc.stringMatching(/^[A-Za-z0-9]{0,22}$/),
    fc.stringMatching(/^[A-Za-z0-9:_./@\-\u00e9\u0660 ]{0,24}$/),
  );

  it('isDirectKey is DIRECT_KEY.test on any string (property)', () => {
    fc.assert(
      fc.property(text, (t) => {
        expect(isDirectKey(t)).toBe(DIRECT_KEY.test(t));
      }),
      { numRuns: 3000 },
    );
    for (const t of ['', 'a', 'Z9', '/', '@', '[', '`', '{', ':', 'a'.repeat(20), 'a'.repeat(21)]) {
      expect(isDirectKey(t)).toBe(DIRECT_KEY.test(t));
    }
  });

  it('signalKey uses the id directly exactly when it is 1..20 letters/digits not starting with h', () => {
    fc.assert(
      fc.property(text, (t) => {
        const direct = DIRECT_KEY.test(t) && !t.startsWith('h');
        expect(signalKey(t)).toBe(direct ? t : `h${fnv1a64(t)}`);
      }),
      { numRuns: 2000 },
    );
  });

  it('accepts or refuses (prefix, key) exactly as the regexes do, whatever prefix was valid before', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.stringMatching(/^[A-Za-z0-9]{1,8}$/), fc.string({ maxLength: 10 })),
        fc.oneof(fc.stringMatching(/^[A-Za-z0-9]{1,20}$/), text),
        fc.integer({ min: 0, max: 999 }),
        (prefix, key, attempt) => {
          const id = `${prefix}-${key}-t${attempt === 0 ? '' : String(attempt)}`;
          const valid = PREFIX.test(prefix) && CLIENT_ORDER_ID.test(id);
          if (valid) expect(clientOrderIdForKey(prefix, key, 'tp', attempt)).toBe(id);
          else expect(() => clientOrderIdForKey(prefix, key, 'tp', attempt)).toThrow();
        },
      ),
      { numRuns: 3000 },
    );
    // a valid prefix remembered does not let a bad one through; a key the venue refuses is refused
    expect(clientOrderIdForKey('run1', 'k1', 'entry')).toBe('run1-k1-e');
    expect(() => clientOrderIdForKey('run-1', 'k1', 'entry')).toThrow(/run prefix/);
    expect(() => clientOrderIdForKey('run1', 'k 1', 'entry')).toThrow(/venue's pattern/);
    expect(() => clientOrderIdForKey('run1', 'x'.repeat(30), 'entry')).toThrow(/venue's pattern/);
    expect(clientOrderIdForKey('run1', 'a_b:c', 'sl')).toBe('run1-a_b:c-s');
  });
});

describe('fnv1a64 (ids survive restarts: the hash must never change)', () => {
  it('matches the published FNV-1a 64-bit test vectors', () => {
    // http://www.isthe.com/chongo/tech/comp/fnv/ (test vectors of FNV-1a 64): "" -> 0xcbf29ce484222325,
    // "a" -> 0xaf63dc4c8601ec8c, "foobar" -> 0x85944171f73967e8
    expect(fnv1a64('')).toBe(0xcbf29ce484222325n.toString(36));
    expect(fnv1a64('a')).toBe(0xaf63dc4c8601ec8cn.toString(36));
    expect(fnv1a64('foobar')).toBe(0x85944171f73967e8n.toString(36));
  });

  it('gives the ids the BigInt implementation gave (captured from it before the rewrite)', () => {
    const hashes: [string, string][] = [
      ['sig1', '16qhc2rfr1vd5'],
      ['s42', '1yxuth09jv6k0'],
      ['h1', '4s10z4xvpu4y'],
      ['BTCUSDT:1m:1767571200000:BUY', '20zrtb6kemp1c'],
      ['ETHUSDT-5m-1700000000000-SELL-teacher', '3919brruzlpj0'],
      ['', '33niihzj4ux45'],
      ['a', '2o0ongoiv4rrg'],
      ['ünïcødé-✓-𝄞', '3hoe2hbdz8hxp'],
      ['abcdefghijklmnopqrstu', '3oiyr65abc27c'],
      ['abcdefghijklmnopqrst', '19zx2lwizzqz1'],
      ['BTCUSDT.close', '3avmdytvp60g2'],
      ['0', '2o0o558ezw52n'],
      ['sig 1', '3ctf0hrrk2az9'],
    ];
    for (const [text, hash] of hashes) expect(fnv1a64(text)).toBe(hash);
    expect(fnv1a64('x'.repeat(200))).toBe('1opaahlfhztc5');
    const ids: [string, OrderRole, number, string][] = [
      ['sig1', 'entry', 0, 'AEGIS1-sig1-e'],
      ['sig1', 'sl', 7, 'AEGIS1-sig1-s7'],
      ['sig1', 'close', 0, 'AEGIS1-sig1-c'],
      ['s42', 'entry', 7, 'AEGIS1-s42-e7'],
      ['s42', 'tp', 0, 'AEGIS1-s42-t'],
      ['s42', 'close', 7, 'AEGIS1-s42-c7'],
      ['h1', 'sl', 0, 'AEGIS1-h4s10z4xvpu4y-s'],
      ['h1', 'tp', 7, 'AEGIS1-h4s10z4xvpu4y-t7'],
      ['BTCUSDT:1m:1767571200000:BUY', 'entry', 0, 'AEGIS1-h20zrtb6kemp1c-e'],
      ['BTCUSDT:1m:1767571200000:BUY', 'sl', 7, 'AEGIS1-h20zrtb6kemp1c-s7'],
      ['BTCUSDT:1m:1767571200000:BUY', 'close', 0, 'AEGIS1-h20zrtb6kemp1c-c'],
      ['ETHUSDT-5m-1700000000000-SELL-teacher', 'entry', 7, 'AEGIS1-h3919brruzlpj0-e7'],
      ['ETHUSDT-5m-1700000000000-SELL-teacher', 'tp', 0, 'AEGIS1-h3919brruzlpj0-t'],
      ['ETHUSDT-5m-1700000000000-SELL-teacher', 'close', 7, 'AEGIS1-h3919brruzlpj0-c7'],
      ['', 'sl', 0, 'AEGIS1-h33niihzj4ux45-s'],
      ['', 'tp', 7, 'AEGIS1-h33niihzj4ux45-t7'],
      ['a', 'entry', 0, 'AEGIS1-a-e'],
      ['a', 'sl', 7, 'AEGIS1-a-s7'],
      ['a', 'close', 0, 'AEGIS1-a-c'],
      ['ünïcødé-✓-𝄞', 'entry', 7, 'AEGIS1-h3hoe2hbdz8hxp-e7'],
      ['ünïcødé-✓-𝄞', 'tp', 0, 'AEGIS1-h3hoe2hbdz8hxp-t'],
      ['ünïcødé-✓-𝄞', 'close', 7, 'AEGIS1-h3hoe2hbdz8hxp-c7'],
      [
        'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
        'sl',
        0,
        'AEGIS1-h1opaahlfhztc5-s',
      ],
      [
        'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
        'tp',
        7,
        'AEGIS1-h1opaahlfhztc5-t7',
      ],
      ['abcdefghijklmnopqrstu', 'entry', 0, 'AEGIS1-h3oiyr65abc27c-e'],
      ['abcdefghijklmnopqrstu', 'sl', 7, 'AEGIS1-h3oiyr65abc27c-s7'],
      ['abcdefghijklmnopqrstu', 'close', 0, 'AEGIS1-h3oiyr65abc27c-c'],
      ['abcdefghijklmnopqrst', 'entry', 7, 'AEGIS1-abcdefghijklmnopqrst-e7'],
      ['abcdefghijklmnopqrst', 'tp', 0, 'AEGIS1-abcdefghijklmnopqrst-t'],
      ['abcdefghijklmnopqrst', 'close', 7, 'AEGIS1-abcdefghijklmnopqrst-c7'],
      ['BTCUSDT.close', 'sl', 0, 'AEGIS1-h3avmdytvp60g2-s'],
      ['BTCUSDT.close', 'tp', 7, 'AEGIS1-h3avmdytvp60g2-t7'],
      ['0', 'entry', 0, 'AEGIS1-0-e'],
      ['0', 'sl', 7, 'AEGIS1-0-s7'],
      ['0', 'close', 0, 'AEGIS1-0-c'],
      ['sig 1', 'entry', 7, 'AEGIS1-h3ctf0hrrk2az9-e7'],
      ['sig 1', 'tp', 0, 'AEGIS1-h3ctf0hrrk2az9-t'],
      ['sig 1', 'close', 7, 'AEGIS1-h3ctf0hrrk2az9-c7'],
    ];
    for (const [signalId, role, attempt, id] of ids) {
      expect(clientOrderId('AEGIS1', signalId, role, attempt)).toBe(id);
    }
  });

  it('equals the BigInt implementation for any string (UTF-16 code units, surrogates included)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
        expect(fnv1a64(text)).toBe(fnv1a64BigInt(text));
      }),
      { numRuns: 2000 },
    );
  });
});
