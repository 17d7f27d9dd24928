/**
 * Binance market-stream message -> domain event. This is the hottest code in the engine.
 *
 * Two parsers with one meaning:
 * - `parseMarketMessageReference`: JSON.parse + explicit field checks. It defines what is accepted.
 * - `parseMarketMessage`: a single-pass scanner over the raw text for the hot messages (aggTrade, trade,
 *   bookTicker, markPriceUpdate, depthUpdate; kline goes to the reference). It only ever *accepts* input
 *   it fully understands (strict JSON subset: compact, no escapes, plain integers); on anything else it
 *   hands the text to the reference parser, so both return the same result for every input (tested on
 *   every captured message and on fuzzed ones).
 *
 * Neither throws: malformed or unknown input comes back as `{ type: 'rejected' }`.
 *
 * Payloads: https://developers.binance.com/docs/binance-spot-api-docs/web-socket-streams and
 * https://developers.binance.com/docs/derivatives/usds-margined-futures/websocket-market-streams
 */
import type { Candle, MarkPrice, Quote, Trade } from '../../domain/market.js';
import { isInterval } from '../../domain/market.js';
import { DataError } from '../../core/errors.js';

/** One price level of a diff-depth update. Quantity 0 removes the level. */
export type BookLevel = readonly [price: number, qty: number];

/** A diff-depth update (`<symbol>@depth[@100ms|@0ms]`). */
export interface DepthUpdate {
  readonly symbol: string;
  /** Event time E, epoch ms. */
  readonly time: number;
  /** Transaction time T (futures only). */
  readonly transactTime: number | undefined;
  /** U */
  readonly firstUpdateId: number;
  /** u */
  readonly finalUpdateId: number;
  /** pu: the previous event's `u` (futures only); a mismatch means the local book is broken. */
  readonly prevFinalUpdateId: number | undefined;
  readonly bids: readonly BookLevel[];
  readonly asks: readonly BookLevel[];
}

export type RejectReason = 'malformed' | 'unknown' | 'invalid';

export type MarketMessage =
  | { readonly type: 'aggTrade'; readonly event: Trade }
  | { readonly type: 'trade'; readonly event: Trade }
  | { readonly type: 'bookTicker'; readonly event: Quote }
  | { readonly type: 'markPrice'; readonly event: MarkPrice }
  | { readonly type: 'kline'; readonly event: Candle }
  | { readonly type: 'depth'; readonly event: DepthUpdate }
  | { readonly type: 'rejected'; readonly reason: RejectReason; readonly detail: string };

export type MarketMessageType = MarketMessage['type'];

// ---------------------------------------------------------------------------------------------------
// Shared constructors (one object shape per type, whichever parser made it).

function makeTrade(symbol: string, time: number, price: number, qty: number, m: boolean, id: number): Trade {
  return { symbol, time, price, qty, buyerIsMaker: m, id };
}

function makeQuote(
  symbol: string,
  time: number,
  bidPrice: number,
  bidQty: number,
  askPrice: number,
  askQty: number,
  updateId: number,
): Quote {
  return { symbol, time, bidPrice, bidQty, askPrice, askQty, updateId };
}

function makeMark(
  symbol: string,
  time: number,
  markPrice: number,
  indexPrice: number,
  fundingRate: number,
  nextFundingTime: number,
): MarkPrice {
  return { symbol, time, markPrice, indexPrice, fundingRate, nextFundingTime };
}

function rejected(reason: RejectReason, detail: string): MarketMessage {
  return { type: 'rejected', reason, detail };
}

// ---------------------------------------------------------------------------------------------------
// Reference parser: JSON.parse + checks. This is the definition of what is accepted.

const UDEC = /^\d+(?:\.\d+)?$/;
const SDEC = /^-?\d+(?:\.\d+)?$/;

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Thrown only inside the reference parser and turned into a `rejected` result before returning. */
class FieldError extends DataError {
  readonly field: string;
  constructor(name: string) {
    super(`market message field ${name} missing or invalid`, { field: name });
    this.field = name;
  }
}

function field(d: Json, k: string): unknown {
  return Object.hasOwn(d, k) ? d[k] : undefined;
}

function str(d: Json, k: string): string {
  const v = field(d, k);
  if (typeof v !== 'string' || v.length === 0) throw new FieldError(k);
  return v;
}

function int(d: Json, k: string): number {
  const v = field(d, k);
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new FieldError(k);
  return v;
}

function optInt(d: Json, k: string): number | undefined {
  return field(d, k) === undefined ? undefined : int(d, k);
}

function bool(d: Json, k: string): boolean {
  const v = field(d, k);
  if (typeof v !== 'boolean') throw new FieldError(k);
  return v;
}

function udecValue(v: unknown, k: string): number {
  if (typeof v !== 'string' || !UDEC.test(v)) throw new FieldError(k);
  return Number(v);
}

function udec(d: Json, k: string): number {
  return udecValue(field(d, k), k);
}

function sdec(d: Json, k: string): number {
  const v = field(d, k);
  if (typeof v !== 'string' || !SDEC.test(v)) throw new FieldError(k);
  return Number(v);
}

function levels(d: Json, k: string): BookLevel[] {
  const v = field(d, k);
  if (!Array.isArray(v)) throw new FieldError(k);
  const out: BookLevel[] = [];
  for (const level of v as unknown[]) {
    if (!Array.isArray(level) || level.length !== 2) throw new FieldError(k);
    const pair = level as unknown[];
    out.push([udecValue(pair[0], k), udecValue(pair[1], k)]);
  }
  return out;
}

function isSpotBookTicker(d: Json): boolean {
  return field(d, 'e') === undefined && field(d, 'u') !== undefined && field(d, 'b') !== undefined;
}

function mapEvent(d: Json, recvTimeMs: number): MarketMessage {
  const e = field(d, 'e');
  if (e === undefined && !isSpotBookTicker(d)) return rejected('unknown', 'no event type');
  if (e !== undefined && typeof e !== 'string') return rejected('unknown', 'event type is not a string');
  try {
    switch (e ?? 'bookTicker') {
      case 'aggTrade':
        return {
          type: 'aggTrade',
          event: makeTrade(str(d, 's'), int(d, 'T'), udec(d, 'p'), udec(d, 'q'), bool(d, 'm'), int(d, 'a')),
        };
      case 'trade':
        return {
          type: 'trade',
          event: makeTrade(str(d, 's'), int(d, 'T'), udec(d, 'p'), udec(d, 'q'), bool(d, 'm'), int(d, 't')),
        };
      case 'bookTicker':
        return {
          type: 'bookTicker',
          event: makeQuote(
            str(d, 's'),
            optInt(d, 'E') ?? recvTimeMs,
            udec(d, 'b'),
            udec(d, 'B'),
            udec(d, 'a'),
            udec(d, 'A'),
            int(d, 'u'),
          ),
        };
      case 'markPriceUpdate':
        return {
          type: 'markPrice',
          event: makeMark(str(d, 's'), int(d, 'E'), udec(d, 'p'), udec(d, 'i'), sdec(d, 'r'), int(d, 'T')),
        };
      case 'kline': {
        const k = field(d, 'k');
        if (!isObject(k)) throw new FieldError('k');
        const interval = str(k, 'i');
        if (!isInterval(interval)) throw new FieldError('k.i');
        const candle: Candle = {
          symbol: str(d, 's'),
          interval,
          openTime: int(k, 't'),
          open: udec(k, 'o'),
          high: udec(k, 'h'),
          low: udec(k, 'l'),
          close: udec(k, 'c'),
          volume: udec(k, 'v'),
          quoteVolume: udec(k, 'q'),
          trades: int(k, 'n'),
          takerBuyVolume: udec(k, 'V'),
          takerBuyQuoteVolume: udec(k, 'Q'),
          closed: bool(k, 'x'),
          synthetic: false,
        };
        return { type: 'kline', event: candle };
      }
      case 'depthUpdate': {
        const update: DepthUpdate = {
          symbol: str(d, 's'),
          time: int(d, 'E'),
          transactTime: optInt(d, 'T'),
          firstUpdateId: int(d, 'U'),
          finalUpdateId: int(d, 'u'),
          prevFinalUpdateId: optInt(d, 'pu'),
          bids: levels(d, 'b'),
          asks: levels(d, 'a'),
        };
        return { type: 'depth', event: update };
      }
      default:
        return rejected('unknown', `event type ${e ?? ''}`);
    }
  } catch (caught) {
    if (caught instanceof FieldError) return rejected('invalid', `field ${caught.field}`);
    throw caught;
  }
}

/**
 * JSON.parse-based parser for a combined-stream (`{"stream":..,"data":{..}}`) or raw-stream message.
 * `recvTimeMs` is used as the time of messages that carry none (spot bookTicker).
 */
export function parseMarketMessageReference(text: string, recvTimeMs: number): MarketMessage {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch {
    return rejected('malformed', 'not JSON');
  }
  if (!isObject(root)) return rejected('malformed', 'not a JSON object');
  if (Object.hasOwn(root, 'stream')) {
    const data = field(root, 'data');
    if (typeof root.stream !== 'string' || !isObject(data)) {
      return rejected('malformed', 'combined-stream wrapper without stream/data');
    }
    return mapEvent(data, recvTimeMs);
  }
  return mapEvent(root, recvTimeMs);
}

// ---------------------------------------------------------------------------------------------------
// Fast parser: one pass over the UTF-8 bytes of the message (a WebSocket text frame as received, or a
// string encoded into a scratch buffer), single-character keys recorded in slots by byte value. Bytes
// rather than the string: indexing a Uint8Array is a plain load, while every charCodeAt dispatches on the
// string's representation, and a frame parsed as bytes needs no UTF-8 decoding at all.
//
// Strictness argument (why accepting here means the reference accepts with the same values):
// - only compact JSON is accepted: `{"k":v,...}` with one-character keys (and `pu`), no whitespace, no
//   duplicate keys, values that are strings, plain non-negative integers of at most 15 digits, true,
//   false, null, or (for `b` / `a`) arrays of `["decimal","decimal"]` pairs;
// - every string value is scanned byte by byte: a control character or a backslash (an escape) sends
//   the message to the reference parser, so a string accepted here is valid JSON and the bytes between
//   its quotes are its value (the UTF-8 input is valid: ws checks text frames, TextEncoder writes valid
//   UTF-8); the one string we return, the symbol, must be ASCII, else the reference parser decides;
// - reads past the end give `undefined` (or, in the scratch buffer, the 0 sentinel written after the
//   message), which fails every test below, and an accepted object must end exactly at the message end;
// - decimals are read during that scan as an integer mantissa of at most 15 digits (trailing fractional
//   zeros dropped: "61685.99000000" is 6168599 / 100) divided by an exact power of ten. Both operands are
//   exact doubles, so the one division is correctly rounded: the same double Number() gives. Longer
//   decimals are read by Number() itself.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const DOT = 0x2e;
const MINUS = 0x2d;
const D0 = 0x30;
const D9 = 0x39;
const SPACE = 0x20;

const K_STRING = 1;
const K_INT = 2;
const K_TRUE = 3;
const K_FALSE = 4;
const K_NULL = 5;
/** A string holding an unsigned decimal of at most 15 digits, already parsed into slotNum. */
const K_DECIMAL = 6;
/** An array of [price, qty] string pairs (depth `b` / `a`), parsed into levelsB / levelsA. */
const K_LEVELS = 7;
/** Slot of the one two-character key the scanner knows: futures depth `pu`. */
const SLOT_PU = 128;
const SLOTS = 129;

/** Max digits for exact scaled-integer arithmetic: 10^15 < 2^53, and 10^k is exact for k <= 22. */
const MAX_FAST_DIGITS = 15;
const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

// Slot tables indexed by the key's char code (keys of the hot messages are single ASCII characters).
// A slot is set for the current message when slotGen[key] === gen, so nothing is cleared between messages.
const slotGen = new Int32Array(SLOTS);
const slotKind = new Uint8Array(SLOTS);
/** Content start / end (exclusive) of string values. */
const slotStart = new Int32Array(SLOTS);
const slotEnd = new Int32Array(SLOTS);
/** Value of integers and decimals. */
const slotNum = new Float64Array(SLOTS);
let gen = 0;

/** Index of the first character `readDecimal` did not consume. */
let decimalEnd = 0;

/**
 * Reads `\d+(\.\d+)?` starting at j (a digit) up to the first other character, whose index goes to
 * `decimalEnd`. Returns the value when it has at most 15 digits in all, NaN otherwise (the caller then
 * reads the bytes again with `decimalAt`, which also handles longer decimals).
 */
function readDecimal(b: Uint8Array, j: number): number {
  const start = j;
  let m = 0;
  let ch = b[j] as number;
  while (ch >= D0 && ch <= D9) {
    m = m * 10 + (ch - D0);
    ch = b[++j] as number;
  }
  let frac = 0;
  if (ch === DOT) {
    const fracStart = ++j;
    ch = b[j] as number;
    while (ch >= D0 && ch <= D9) {
      m = m * 10 + (ch - D0);
      ch = b[++j] as number;
    }
    frac = j - fracStart;
    if (frac === 0 || j - start - 1 > MAX_FAST_DIGITS) {
      decimalEnd = j;
      return NaN;
    }
  } else if (j - start > MAX_FAST_DIGITS) {
    decimalEnd = j;
    return NaN;
  }
  decimalEnd = j;
  // m < 10^15 and 10^frac are exact doubles, so the one division is correctly rounded (= Number()).
  return frac === 0 ? m : m / (POW10[frac] as number);
}

/**
 * From j (inside a string) to its closing quote: returns the quote's index, or -1 at a control
 * character, a backslash or the end of the input (`undefined` and the 0 sentinel fail `>= SPACE`).
 */
function stringEnd(b: Uint8Array, j: number): number {
  let ch = b[j] as number;
  while (ch !== QUOTE) {
    if (!(ch >= SPACE) || ch === BACKSLASH) return -1;
    ch = b[++j] as number;
  }
  return j;
}

let levelsB: BookLevel[] = [];
let levelsA: BookLevel[] = [];

/** One `"decimal"` at i (the opening quote); returns the value and sets `afterString`, or NaN. */
let afterString = 0;
function quotedDecimal(b: Uint8Array, i: number): number {
  if ((b[i] as number) !== QUOTE) return NaN;
  const start = i + 1;
  const first = b[start] as number;
  if (first < D0 || first > D9) return NaN; // also rejects "" and a missing string
  let v = readDecimal(b, start);
  let end = decimalEnd;
  if ((b[end] as number) !== QUOTE) {
    end = stringEnd(b, end);
    if (end < 0) return NaN;
    v = decimalAt(b, start, end);
  } else if (v !== v) {
    v = decimalAt(b, start, end);
  }
  afterString = end + 1;
  return v;
}

/** `[["p","q"],...]` starting at the `[` at i, into `out`; returns the index after `]`, or -1. */
function scanLevels(b: Uint8Array, i: number, out: BookLevel[]): number {
  i++;
  if ((b[i] as number) === RBRACKET) return i + 1;
  for (;;) {
    if ((b[i] as number) !== LBRACKET) return -1;
    const price = quotedDecimal(b, i + 1);
    if (price !== price || (b[afterString] as number) !== COMMA) return -1;
    const qty = quotedDecimal(b, afterString + 1);
    if (qty !== qty || (b[afterString] as number) !== RBRACKET) return -1;
    out.push([price, qty]);
    i = afterString + 1;
    const sep = b[i] as number;
    if (sep === COMMA) {
      i++;
      continue;
    }
    if (sep === RBRACKET) return i + 1;
    return -1;
  }
}

/**
 * Scan the flat object whose `{` is at `i`; fill the slots. Returns the index after `}`, or -1 when the
 * input is outside the subset this scanner accepts.
 */
function scanFlatObject(b: Uint8Array, i: number): number {
  gen = (gen + 1) | 0;
  i++;
  for (;;) {
    if ((b[i] as number) !== QUOTE) return -1;
    let key = b[i + 1] as number;
    if ((b[i + 2] as number) === QUOTE) {
      if (key < SPACE || key >= 128 || key === BACKSLASH || key === QUOTE) return -1;
      i += 3;
    } else if (key === 0x70 && (b[i + 2] as number) === 0x75 && (b[i + 3] as number) === QUOTE) {
      key = SLOT_PU; // "pu"
      i += 4;
    } else {
      return -1;
    }
    if (slotGen[key] === gen) return -1; // duplicate key: leave to JSON.parse
    if ((b[i] as number) !== COLON) return -1;
    i++;
    const c = b[i] as number;
    if (c === QUOTE) {
      const start = i + 1;
      const first = b[start] as number;
      let j = start;
      if (first >= D0 && first <= D9) {
        // most string values are decimals: read them now
        const value = readDecimal(b, start);
        j = decimalEnd;
        if (value === value && (b[j] as number) === QUOTE) {
          slotGen[key] = gen;
          slotKind[key] = K_DECIMAL;
          slotNum[key] = value;
          i = j + 1;
          const sep = b[i] as number;
          if (sep === COMMA) {
            i++;
            continue;
          }
          if (sep === RBRACE) return i + 1;
          return -1;
        }
      }
      const end = stringEnd(b, j);
      if (end < 0) return -1;
      slotGen[key] = gen;
      slotKind[key] = K_STRING;
      slotStart[key] = start;
      slotEnd[key] = end;
      i = end + 1;
    } else if (c >= D0 && c <= D9) {
      let j = i;
      let ch = c;
      let value = 0;
      do {
        value = value * 10 + (ch - D0);
        ch = b[++j] as number;
      } while (ch >= D0 && ch <= D9);
      const digits = j - i;
      if (digits > MAX_FAST_DIGITS || (c === D0 && digits > 1)) return -1;
      if (ch === DOT || ch === 0x65 || ch === 0x45) return -1; // fraction / exponent: not a plain integer
      slotGen[key] = gen;
      slotKind[key] = K_INT;
      slotNum[key] = value;
      i = j;
    } else if (
      c === 0x74 &&
      (b[i + 1] as number) === 0x72 &&
      (b[i + 2] as number) === 0x75 &&
      (b[i + 3] as number) === 0x65
    ) {
      slotGen[key] = gen;
      slotKind[key] = K_TRUE;
      i += 4;
    } else if (
      c === 0x66 &&
      (b[i + 1] as number) === 0x61 &&
      (b[i + 2] as number) === 0x6c &&
      (b[i + 3] as number) === 0x73 &&
      (b[i + 4] as number) === 0x65
    ) {
      slotGen[key] = gen;
      slotKind[key] = K_FALSE;
      i += 5;
    } else if (c === LBRACKET && (key === C_b || key === C_a)) {
      const levels: BookLevel[] = [];
      i = scanLevels(b, i, levels);
      if (i < 0) return -1;
      if (key === C_b) levelsB = levels;
      else levelsA = levels;
      slotGen[key] = gen;
      slotKind[key] = K_LEVELS;
    } else if (
      c === 0x6e &&
      (b[i + 1] as number) === 0x75 &&
      (b[i + 2] as number) === 0x6c &&
      (b[i + 3] as number) === 0x6c
    ) {
      slotGen[key] = gen;
      slotKind[key] = K_NULL;
      i += 4;
    } else {
      return -1;
    }
    const sep = b[i] as number;
    if (sep === COMMA) {
      i++;
      continue;
    }
    if (sep === RBRACE) return i + 1;
    return -1;
  }
}

function has(key: number, kind: number): boolean {
  return slotGen[key] === gen && slotKind[key] === kind;
}

function present(key: number): boolean {
  return slotGen[key] === gen;
}

/**
 * Unsigned decimal `\d+(\.\d+)?` between start and end; NaN when the bytes do not match. The slow
 * path of `readDecimal`: trailing fractional zeros are dropped first ("0.100000000000000000" has one
 * significant fractional digit), and what still has more than 15 digits is read by Number().
 */
function decimalAt(b: Uint8Array, start: number, end: number): number {
  let m = 0;
  let digits = 0;
  let frac = -1;
  // mantissa, digit count and fraction length at the last significant digit
  let sigM = 0;
  let sigDigits = 0;
  let sigFrac = 0;
  for (let i = start; i < end; i++) {
    const c = b[i] as number;
    if (c >= D0 && c <= D9) {
      m = m * 10 + (c - D0);
      digits++;
      if (frac < 0) {
        sigM = m;
        sigDigits = digits;
      } else {
        frac++;
        if (c !== D0) {
          sigM = m;
          sigDigits = digits;
          sigFrac = frac;
        }
      }
    } else if (c === DOT && frac < 0 && digits > 0) {
      frac = 0;
    } else {
      return NaN;
    }
  }
  if (digits === 0 || frac === 0) return NaN;
  if (sigDigits > MAX_FAST_DIGITS) return Number(ascii(b, start, end));
  // sigM (< 10^15) and 10^sigFrac are exact doubles: one correctly rounded division, the same as Number().
  return sigFrac === 0 ? sigM : sigM / (POW10[sigFrac] as number);
}

function udecSlot(b: Uint8Array, key: number): number {
  if (slotGen[key] !== gen) return NaN;
  const kind = slotKind[key];
  if (kind === K_DECIMAL) return slotNum[key] as number;
  if (kind !== K_STRING) return NaN;
  return decimalAt(b, slotStart[key] as number, slotEnd[key] as number);
}

function sdecSlot(b: Uint8Array, key: number): number {
  if (has(key, K_DECIMAL)) return slotNum[key] as number;
  if (!has(key, K_STRING)) return NaN;
  const start = slotStart[key] as number;
  if ((b[start] as number) === MINUS) return -decimalAt(b, start + 1, slotEnd[key] as number);
  return decimalAt(b, start, slotEnd[key] as number);
}

/** Last symbols seen: reused without decoding (the scan already checked they are plain strings). */
const SYMBOL_CACHE_SIZE = 8;
const symbolCache: string[] = [];
let symbolCacheNext = 0;
let lastSymbol = '';

/** Latin-1 decoding of b[start, end), used on ASCII only (digits, symbols). */
function ascii(b: Uint8Array, start: number, end: number): string {
  return Buffer.from(b.buffer, b.byteOffset + start, end - start).toString('latin1');
}

function symbolSlot(b: Uint8Array, key: number): string | undefined {
  if (!has(key, K_STRING)) return undefined;
  const start = slotStart[key] as number;
  const end = slotEnd[key] as number;
  const n = end - start;
  if (n === 0) return undefined;
  if (lastSymbol.length === n && wordAt(b, start, lastSymbol)) return lastSymbol;
  for (const cached of symbolCache) {
    if (cached.length === n && wordAt(b, start, cached)) {
      lastSymbol = cached;
      return cached;
    }
  }
  // a new symbol: ASCII only (anything else is decoded by the reference parser)
  for (let j = start; j < end; j++) if ((b[j] as number) >= 0x80) return undefined;
  const symbol = ascii(b, start, end);
  symbolCache[symbolCacheNext] = symbol;
  symbolCacheNext = (symbolCacheNext + 1) % SYMBOL_CACHE_SIZE;
  lastSymbol = symbol;
  return symbol;
}

function boolSlot(key: number): number {
  if (slotGen[key] !== gen) return -1;
  const k = slotKind[key];
  return k === K_TRUE ? 1 : k === K_FALSE ? 0 : -1;
}

const C_a = 0x61;
const C_A = 0x41;
const C_b = 0x62;
const C_B = 0x42;
const C_e = 0x65;
const C_E = 0x45;
const C_i = 0x69;
const C_m = 0x6d;
const C_p = 0x70;
const C_q = 0x71;
const C_r = 0x72;
const C_s = 0x73;
const C_t = 0x74;
const C_T = 0x54;
const C_u = 0x75;
const C_U = 0x55;

function fastTrade(b: Uint8Array, idKey: number): Trade | undefined {
  const price = udecSlot(b, C_p);
  const qty = udecSlot(b, C_q);
  const m = boolSlot(C_m);
  if (price !== price || qty !== qty || m < 0 || !has(C_T, K_INT) || !has(idKey, K_INT)) return undefined;
  const symbol = symbolSlot(b, C_s);
  if (symbol === undefined) return undefined;
  return makeTrade(symbol, slotNum[C_T] as number, price, qty, m === 1, slotNum[idKey] as number);
}

function fastQuote(b: Uint8Array, recvTimeMs: number): Quote | undefined {
  const bid = udecSlot(b, C_b);
  const bidQty = udecSlot(b, C_B);
  const ask = udecSlot(b, C_a);
  const askQty = udecSlot(b, C_A);
  if (bid !== bid || bidQty !== bidQty || ask !== ask || askQty !== askQty || !has(C_u, K_INT))
    return undefined;
  let time = recvTimeMs;
  if (present(C_E)) {
    if (slotKind[C_E] !== K_INT) return undefined;
    time = slotNum[C_E] as number;
  }
  const symbol = symbolSlot(b, C_s);
  if (symbol === undefined) return undefined;
  return makeQuote(symbol, time, bid, bidQty, ask, askQty, slotNum[C_u] as number);
}

function fastMark(b: Uint8Array): MarkPrice | undefined {
  const mark = udecSlot(b, C_p);
  const index = udecSlot(b, C_i);
  const rate = sdecSlot(b, C_r);
  if (mark !== mark || index !== index || rate !== rate || !has(C_E, K_INT) || !has(C_T, K_INT))
    return undefined;
  const symbol = symbolSlot(b, C_s);
  if (symbol === undefined) return undefined;
  return makeMark(symbol, slotNum[C_E] as number, mark, index, rate, slotNum[C_T] as number);
}

function optIntSlot(key: number): number | undefined | null {
  if (slotGen[key] !== gen) return undefined;
  return slotKind[key] === K_INT ? slotNum[key] : null;
}

function fastDepth(b: Uint8Array): DepthUpdate | undefined {
  if (
    !has(C_E, K_INT) ||
    !has(C_U, K_INT) ||
    !has(C_u, K_INT) ||
    !has(C_b, K_LEVELS) ||
    !has(C_a, K_LEVELS)
  ) {
    return undefined;
  }
  const transactTime = optIntSlot(C_T);
  const prev = optIntSlot(SLOT_PU);
  if (transactTime === null || prev === null) return undefined;
  const symbol = symbolSlot(b, C_s);
  if (symbol === undefined) return undefined;
  return {
    symbol,
    time: slotNum[C_E] as number,
    transactTime,
    firstUpdateId: slotNum[C_U] as number,
    finalUpdateId: slotNum[C_u] as number,
    prevFinalUpdateId: prev,
    bids: levelsB,
    asks: levelsA,
  };
}

/** `b` holds the ASCII `word` at `start`. */
function wordAt(b: Uint8Array, start: number, word: string): boolean {
  for (let k = 0; k < word.length; k++) {
    if ((b[start + k] as number) !== word.charCodeAt(k)) return false;
  }
  return true;
}

function fastEvent(b: Uint8Array, recvTimeMs: number): MarketMessage | undefined {
  if (!present(C_e)) {
    const q = present(C_u) ? fastQuote(b, recvTimeMs) : undefined;
    return q === undefined ? undefined : { type: 'bookTicker', event: q };
  }
  if (slotKind[C_e] !== K_STRING) return undefined;
  const start = slotStart[C_e] as number;
  const n = (slotEnd[C_e] as number) - start;
  if (n === 8 && wordAt(b, start, 'aggTrade')) {
    const t = fastTrade(b, C_a);
    return t === undefined ? undefined : { type: 'aggTrade', event: t };
  }
  if (n === 10 && wordAt(b, start, 'bookTicker')) {
    const q = fastQuote(b, recvTimeMs);
    return q === undefined ? undefined : { type: 'bookTicker', event: q };
  }
  if (n === 5 && wordAt(b, start, 'trade')) {
    const t = fastTrade(b, C_t);
    return t === undefined ? undefined : { type: 'trade', event: t };
  }
  if (n === 11 && wordAt(b, start, 'depthUpdate')) {
    const d = fastDepth(b);
    return d === undefined ? undefined : { type: 'depth', event: d };
  }
  if (n === 15 && wordAt(b, start, 'markPriceUpdate')) {
    const mp = fastMark(b);
    return mp === undefined ? undefined : { type: 'markPrice', event: mp };
  }
  return undefined;
}

const STREAM_PREFIX = '{"stream":"';
const DATA_INFIX = '","data":';

/**
 * Start of the inner object of a combined-stream message, 0 for a raw one, -1 to leave it to JSON.parse.
 * The stream name is not used, only checked to be a plain JSON string (a char loop over it is cheaper
 * than caching known prefixes: startsWith and Set lookups cost more than the ~20 characters).
 */
function innerStart(b: Uint8Array): number {
  if ((b[2] as number) !== 0x73 || !wordAt(b, 0, STREAM_PREFIX)) return 0; // raw: `{"e":...`
  const q = stringEnd(b, STREAM_PREFIX.length);
  if (q < 0 || !wordAt(b, q, DATA_INFIX)) return -1;
  return q + DATA_INFIX.length;
}

/** Scratch buffer the string entry point encodes into; grows to the largest message seen. */
let scratch = new Uint8Array(4096);
const encoder = new TextEncoder();

function utf8(b: Uint8Array, len: number): string {
  return Buffer.from(b.buffer, b.byteOffset, len).toString('utf8');
}

/** The fast parse of b[0, len); undefined when the reference parser must decide. */
function parseBytes(b: Uint8Array, len: number, recvTimeMs: number): MarketMessage | undefined {
  const objStart = innerStart(b);
  if (objStart < 0 || (b[objStart] as number) !== LBRACE) return undefined;
  const end = scanFlatObject(b, objStart);
  if (end < 0) return undefined;
  if (objStart > 0 ? end !== len - 1 || (b[end] as number) !== RBRACE : end !== len) return undefined;
  return fastEvent(b, recvTimeMs);
}

/**
 * Parse a combined-stream or raw-stream market message. Same results as `parseMarketMessageReference`
 * for every input; several times faster for aggTrade, trade, bookTicker, markPriceUpdate and depthUpdate.
 */
export function parseMarketMessage(text: string, recvTimeMs: number): MarketMessage {
  // at most 3 UTF-8 bytes per UTF-16 unit, plus the sentinel
  if (scratch.length <= text.length * 3) scratch = new Uint8Array(text.length * 3 + 1024);
  const { written } = encoder.encodeInto(text, scratch);
  scratch[written] = 0;
  return parseBytes(scratch, written, recvTimeMs) ?? parseMarketMessageReference(text, recvTimeMs);
}

/**
 * The same for the UTF-8 bytes of a WebSocket text frame (e.g. the Buffer `ws` delivers), without
 * decoding them: the hot path. Same result as `parseMarketMessage` on the decoded text.
 */
export function parseMarketMessageBytes(bytes: Uint8Array, recvTimeMs: number): MarketMessage {
  return (
    parseBytes(bytes, bytes.length, recvTimeMs) ??
    parseMarketMessageReference(utf8(bytes, bytes.length), recvTimeMs)
  );
}
