/**
 * HMAC-SHA256 (RFC 2104 over FIPS 180-4 SHA-256) with the key's inner and outer pad blocks hashed once,
 * for the order hot path.
 *
 * Why not node:crypto: `createHmac` builds a native HMAC context per request (OpenSSL 3 fetches the
 * digest and MAC implementations each time, plus a JS stream object and a weak native handle for the GC).
 * In a tight loop that is ~2.5 µs, about what this file costs; but on the tick-to-order path, where it
 * runs once after a network round trip with cold caches, it measured 13-20 µs against 5-8 µs here
 * (bench/tick-to-order.ts, docs/benchmarks.md). Here a signature is: the two precomputed 32-byte
 * states, the payload's ASCII bytes copied into a reused buffer, ceil((len + 9) / 64) inner blocks and one
 * outer block, and the hex text. Nothing is allocated but the result string.
 *
 * Checked against node:crypto's createHmac on random keys and payloads (every length across the block
 * boundaries, non-ASCII text, keys longer than a block) and against Binance's published signing vectors
 * (hmac-sha256.test.ts, signing.test.ts).
 */
import { createHash } from 'node:crypto';

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);
const IV = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
const BLOCK = 64;

/** Message schedule scratch (single-threaded, never re-entered). */
const W = new Int32Array(64);

/** One SHA-256 compression of the 64 bytes of `m` at `off` into the state `h`. */
function compress(h: Int32Array, m: Uint8Array, off: number): void {
  for (let i = 0; i < 16; i++) {
    const j = off + i * 4;
    W[i] =
      ((m[j] as number) << 24) |
      ((m[j + 1] as number) << 16) |
      ((m[j + 2] as number) << 8) |
      (m[j + 3] as number);
  }
  for (let i = 16; i < 64; i++) {
    const x = W[i - 15] as number;
    const y = W[i - 2] as number;
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    W[i] = ((W[i - 16] as number) + s0 + (W[i - 7] as number) + s1) | 0;
  }
  let a = h[0] as number;
  let b = h[1] as number;
  let c = h[2] as number;
  let d = h[3] as number;
  let e = h[4] as number;
  let f = h[5] as number;
  let g = h[6] as number;
  let k = h[7] as number;
  for (let i = 0; i < 64; i++) {
    const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const ch = (e & f) ^ (~e & g);
    const t1 = (k + s1 + ch + (K[i] as number) + (W[i] as number)) | 0;
    const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const maj = (a & b) ^ (a & c) ^ (b & c);
    const t2 = (s0 + maj) | 0;
    k = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  h[0] = ((h[0] as number) + a) | 0;
  h[1] = ((h[1] as number) + b) | 0;
  h[2] = ((h[2] as number) + c) | 0;
  h[3] = ((h[3] as number) + d) | 0;
  h[4] = ((h[4] as number) + e) | 0;
  h[5] = ((h[5] as number) + f) | 0;
  h[6] = ((h[6] as number) + g) | 0;
  h[7] = ((h[7] as number) + k) | 0;
}

/** "00".."ff" */
const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** The state after hashing one 64-byte block `key XOR pad`. */
function padState(key: Uint8Array, pad: number): Int32Array {
  const block = new Uint8Array(BLOCK);
  for (let i = 0; i < BLOCK; i++) block[i] = (key[i] ?? 0) ^ pad;
  const h = Int32Array.from(IV);
  compress(h, block, 0);
  return h;
}

/** Write the 64-bit big-endian bit length of `bytes` bytes at `at`. */
function writeBitLength(buf: Uint8Array, at: number, bytes: number): void {
  const hi = Math.floor(bytes / 0x20000000); // bytes * 8 / 2^32
  const lo = (bytes * 8) >>> 0;
  buf[at] = 0;
  buf[at + 1] = 0;
  buf[at + 2] = 0;
  buf[at + 3] = hi & 0xff;
  buf[at + 4] = lo >>> 24;
  buf[at + 5] = (lo >>> 16) & 0xff;
  buf[at + 6] = (lo >>> 8) & 0xff;
  buf[at + 7] = lo & 0xff;
}

export class HmacSha256 {
  private readonly inner: Int32Array;
  private readonly outer: Int32Array;
  private readonly h = new Int32Array(8);
  private readonly last = new Uint8Array(BLOCK);
  private buf = new Uint8Array(1024);

  constructor(key: Uint8Array) {
    // RFC 2104: a key longer than the block is replaced by its hash
    const k = key.length > BLOCK ? createHash('sha256').update(key).digest() : key;
    this.inner = padState(k, 0x36);
    this.outer = padState(k, 0x5c);
  }

  /** Lower-case hex HMAC of the UTF-8 bytes of `text`. */
  hex(text: string): string {
    const n = text.length;
    // room for the text, the 0x80 byte, the zero fill and the 8-byte length
    let buf = this.buf;
    if (buf.length < n * 3 + BLOCK + 9) {
      buf = new Uint8Array(n * 3 + 2 * BLOCK);
      this.buf = buf;
    }
    let len = 0;
    for (; len < n; len++) {
      const c = text.charCodeAt(len);
      if (c >= 0x80) break;
      buf[len] = c;
    }
    if (len < n) len = Buffer.from(buf.buffer, buf.byteOffset, buf.length).write(text, 'utf8');
    return this.digestHex(buf, len);
  }

  /** Lower-case hex HMAC of `data` (any length). */
  hexOfBytes(data: Uint8Array): string {
    if (this.buf.length < data.length + 2 * BLOCK) this.buf = new Uint8Array(data.length + 2 * BLOCK);
    this.buf.set(data);
    return this.digestHex(this.buf, data.length);
  }

  /** `buf[0, len)` is the message; `buf` has room for its padding. */
  private digestHex(buf: Uint8Array, len: number): string {
    const h = this.h;
    h.set(this.inner);
    const total = BLOCK + len; // the inner pad block precedes the message
    let end = len;
    buf[end++] = 0x80;
    while (end % BLOCK !== BLOCK - 8) buf[end++] = 0;
    writeBitLength(buf, end, total);
    end += 8;
    for (let off = 0; off < end; off += BLOCK) compress(h, buf, off);
    // outer: state after the outer pad block, then the 32-byte inner digest, padded: one block
    const last = this.last;
    for (let i = 0; i < 8; i++) {
      const w = h[i] as number;
      last[i * 4] = w >>> 24;
      last[i * 4 + 1] = (w >>> 16) & 0xff;
      last[i * 4 + 2] = (w >>> 8) & 0xff;
      last[i * 4 + 3] = w & 0xff;
    }
    last[32] = 0x80;
    last.fill(0, 33, BLOCK - 8);
    writeBitLength(last, BLOCK - 8, BLOCK + 32);
    h.set(this.outer);
    compress(h, last, 0);
    let out = '';
    for (let i = 0; i < 8; i++) {
      const w = h[i] as number;
      out +=
        (HEX[w >>> 24] as string) +
        (HEX[(w >>> 16) & 0xff] as string) +
        (HEX[(w >>> 8) & 0xff] as string) +
        (HEX[w & 0xff] as string);
    }
    return out;
  }
}
