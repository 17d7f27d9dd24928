import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HmacSha256 } from './hmac-sha256.js';

// Binance's published signing example (spot API docs, "SIGNED Endpoint Examples for POST /api/v3/order";
// ../shared/reference/binance-api.md §1).
const SECRET = 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j';
const ALL =
  'symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559';

/** node:crypto (OpenSSL) as the reference implementation. */
function reference(key: Uint8Array, data: string | Uint8Array): string {
  return createHmac('sha256', key).update(data).digest('hex');
}

describe('HmacSha256 (precomputed pads)', () => {
  it("gives Binance's published signature c8db5682... for the query-only example", () => {
    const h = new HmacSha256(Buffer.from(SECRET, 'utf8'));
    expect(h.hex(ALL)).toBe('c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71');
  });

  it('gives RFC 4231 test case 2 (key "Jefe")', () => {
    const h = new HmacSha256(Buffer.from('Jefe'));
    expect(h.hex('what do ya want for nothing?')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  it('matches node:crypto for every payload length 0..300 (across the block boundaries)', () => {
    const key = randomBytes(64);
    const h = new HmacSha256(key);
    const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789=&.-_%';
    let text = '';
    for (let n = 0; n <= 300; n++) {
      expect(h.hex(text), `length ${n}`).toBe(reference(key, text));
      text += alphabet.charAt((n * 7) % alphabet.length);
    }
  });

  it('matches node:crypto for non-ASCII text, long payloads, short and over-long keys', () => {
    for (const keyLength of [1, 32, 63, 64, 65, 200]) {
      const key = randomBytes(keyLength);
      const h = new HmacSha256(key);
      for (const text of ['é', 'symbol=BTCUSDT&note=日本語€😀', 'x'.repeat(5000), `${'ü'.repeat(700)}a`]) {
        expect(h.hex(text)).toBe(reference(key, text));
      }
      const bytes = randomBytes(3000);
      expect(h.hexOfBytes(bytes)).toBe(reference(key, bytes));
    }
  });

  it('reusing one instance does not carry state between signatures', () => {
    const key = Buffer.from(SECRET);
    const h = new HmacSha256(key);
    const a = h.hex('a=1');
    h.hex('x'.repeat(2000));
    expect(h.hex('a=1')).toBe(a);
    expect(h.hex('a=2')).not.toBe(a);
  });
});
