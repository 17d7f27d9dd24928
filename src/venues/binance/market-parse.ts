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
// Fast parser: one pass over the text, single-character keys recorded in slots by char code.
//
// Strictness argument (why accepting here means the reference accepts with the same values):
// - only compact JSON is accepted: `{"k":v,...}` with one-character keys (and `pu`), no whitespace, no
//   duplicate keys, values that are strings, plain non-negative integers of at most 15 digits, true,
//   false, null, or (for `b` / `a`) arrays of `["decimal","decimal"]` pairs;
// - every string value is checked for JSON validity (no control characters; a backslash is either caught
//   by the checks below or by the decimal/symbol validation of the fields we consume);
// - decimals are parsed as an integer mantissa divided by an exact power of ten, which is the correctly
//   rounded double, i.e. the same value Number() gives.

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

const K_STRING = 1;
const K_INT = 2;
const K_TRUE = 3;
const K_FALSE = 4;
const K_NULL = 5;
/** A string holding an unsigned decimal of at most 15 digits, already parsed into slotInt. */
const K_DECIMAL = 6;
/** An array of [price, qty] string pairs (depth `b` / `a`), parsed into levelsB / levelsA. */
const K_LEVELS = 7;
/** Slot of the one two-character key the scanner knows: futures depth `pu`. */
const SLOT_PU = 128;
const SLOTS = 129;

/** Max digits for exact scaled-integer arithmetic: 10^15 < 2^53, and 10^k is exact for k <= 22. */
const MAX_FAST_DIGITS = 15;
const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];
const MAX_KEYS = 32;

// Slot tables indexed by the key's char code (keys of the hot messages are single ASCII characters).
const slotGen = new Int32Array(SLOTS);
const slotKind = new Uint8Array(SLOTS);
const slotStart = new Int32Array(SLOTS);
const slotEnd = new Int32Array(SLOTS);
const slotInt = new Float64Array(SLOTS);
/** Keys holding (non-decimal) strings, in message order, for the final string-validity check. */
const keyOrder = new Uint8Array(MAX_KEYS);
let keyCount = 0;
let gen = 0;

/**
 * Text starting with a digit: `\d+(\.\d+)?` between start and end with at most 15 significant digits
 * once trailing fractional zeros are dropped ("61685.99000000" is read as 6168599 / 100); NaN otherwise
 * (the caller falls back to `decimalAt`, which handles every case).
 */
function shortDecimal(text: string, start: number, end: number): number {
  // drop trailing zeros of the fraction (and the dot when only zeros follow it)
  let e = end;
  while (e > start + 1 && text.charCodeAt(e - 1) === D0) e--;
  const trimmed = e < end;
  const droppedDot = trimmed && text.charCodeAt(e - 1) === DOT;
  if (droppedDot) e--;
  let m = 0;
  let digits = 0;
  let frac = -1;
  for (let i = start; i < e; i++) {
    const c = text.charCodeAt(i);
    if (c >= D0 && c <= D9) {
      m = m * 10 + (c - D0);
      digits++;
      if (frac >= 0) frac++;
    } else if (c === DOT && frac < 0) {
      frac = 0;
    } else {
      return NaN;
    }
  }
  if (frac === 0 || digits > MAX_FAST_DIGITS || (droppedDot && frac >= 0)) return NaN;
  if (frac < 0) {
    // no dot left: either "X.000" (zeros were fractional: exact integer) or "58000" (zeros were integer
    // digits: let decimalAt read the whole text)
    return trimmed && !droppedDot ? NaN : m;
  }
  return m / (POW10[frac] as number);
}

let levelsB: BookLevel[] = [];
let levelsA: BookLevel[] = [];

/** One `"decimal"` at i (the opening quote); returns the value and sets `afterString`, or NaN. */
let afterString = 0;
function quotedDecimal(text: string, i: number): number {
  if (text.charCodeAt(i) !== QUOTE) return NaN;
  const start = i + 1;
  const end = text.indexOf('"', start);
  if (end < 0) return NaN;
  afterString = end + 1;
  const first = text.charCodeAt(start);
  if (first < D0 || first > D9) return NaN; // also rejects "" (shortDecimal expects a leading digit)
  const v = shortDecimal(text, start, end);
  return v === v ? v : decimalAt(text, start, end);
}

/** `[["p","q"],...]` starting at the `[` at i, into `out`; returns the index after `]`, or -1. */
function scanLevels(text: string, i: number, out: BookLevel[]): number {
  i++;
  if (text.charCodeAt(i) === RBRACKET) return i + 1;
  for (;;) {
    if (text.charCodeAt(i) !== LBRACKET) return -1;
    const price = quotedDecimal(text, i + 1);
    if (price !== price || text.charCodeAt(afterString) !== COMMA) return -1;
    const qty = quotedDecimal(text, afterString + 1);
    if (qty !== qty || text.charCodeAt(afterString) !== RBRACKET) return -1;
    out.push([price, qty]);
    i = afterString + 1;
    const sep = text.charCodeAt(i);
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
function scanFlatObject(text: string, i: number): number {
  gen = (gen + 1) | 0;
  keyCount = 0;
  i++;
  for (;;) {
    if (text.charCodeAt(i) !== QUOTE) return -1;
    let key = text.charCodeAt(i + 1);
    if (text.charCodeAt(i + 2) === QUOTE) {
      if (key < 0x20 || key >= 128 || key === BACKSLASH || key === QUOTE) return -1;
      i += 3;
    } else if (key === 0x70 && text.charCodeAt(i + 2) === 0x75 && text.charCodeAt(i + 3) === QUOTE) {
      key = SLOT_PU; // "pu"
      i += 4;
    } else {
      return -1;
    }
    if (slotGen[key] === gen || keyCount === MAX_KEYS) return -1; // duplicate key: leave to JSON.parse
    if (text.charCodeAt(i) !== COLON) return -1;
    i++;
    const c = text.charCodeAt(i);
    let kind: number;
    let start = i;
    let end: number;
    let value = 0;
    if (c === QUOTE) {
      start = i + 1;
      end = text.indexOf('"', start);
      if (end < 0) return -1;
      i = end + 1;
      kind = K_STRING;
      const first = text.charCodeAt(start);
      if (first >= D0 && first <= D9) {
        // most string values are decimals: parse them now
        value = shortDecimal(text, start, end);
        if (value === value) kind = K_DECIMAL;
      }
    } else if (c >= D0 && c <= D9) {
      let j = i;
      let ch = c;
      do {
        value = value * 10 + (ch - D0);
        j++;
        ch = text.charCodeAt(j);
      } while (ch >= D0 && ch <= D9);
      const digits = j - i;
      if (digits > MAX_FAST_DIGITS || (c === D0 && digits > 1)) return -1;
      if (ch === DOT || ch === 0x65 || ch === 0x45) return -1; // fraction / exponent: not a plain integer
      end = j;
      i = j;
      kind = K_INT;
    } else if (
      c === 0x74 &&
      text.charCodeAt(i + 1) === 0x72 &&
      text.charCodeAt(i + 2) === 0x75 &&
      text.charCodeAt(i + 3) === 0x65
    ) {
      kind = K_TRUE;
      i += 4;
      end = i;
    } else if (c === 0x66 && text.startsWith('alse', i + 1)) {
      kind = K_FALSE;
      i += 5;
      end = i;
    } else if (c === LBRACKET && (key === C_b || key === C_a)) {
      const levels: BookLevel[] = [];
      i = scanLevels(text, i, levels);
      if (i < 0) return -1;
      if (key === C_b) levelsB = levels;
      else levelsA = levels;
      kind = K_LEVELS;
      end = i;
    } else if (c === 0x6e && text.startsWith('ull', i + 1)) {
      kind = K_NULL;
      i += 4;
      end = i;
    } else {
      return -1;
    }
    slotGen[key] = gen;
    slotKind[key] = kind;
    if (kind === K_STRING) {
      slotStart[key] = start;
      slotEnd[key] = end;
      keyOrder[keyCount++] = key;
    } else {
      slotInt[key] = value;
    }
    const sep = text.charCodeAt(i);
    if (sep === COMMA) {
      i++;
      continue;
    }
    if (sep === RBRACE) return i + 1;
    return -1;
  }
}

/** JSON string content check for text[start, end): no control characters and no escapes. */
function plainString(text: string, start: number, end: number): boolean {
  for (let j = start; j < end; j++) {
    const ch = text.charCodeAt(j);
    if (ch < 0x20 || ch === BACKSLASH) return false;
  }
  return true;
}

/**
 * After a successful mapping: every string value the mapping did not validate itself (`consumed` marks
 * the keys whose values were fully validated as decimals or the event type) must be a plain string.
 */
function otherStringsValid(text: string, consumed: Uint8Array): boolean {
  for (let n = 0; n < keyCount; n++) {
    const key = keyOrder[n] as number;
    if (slotKind[key] === K_STRING && consumed[key] === 0) {
      if (!plainString(text, slotStart[key] as number, slotEnd[key] as number)) return false;
    }
  }
  return true;
}

function consumedKeys(keys: string): Uint8Array {
  const table = new Uint8Array(SLOTS);
  for (const k of keys) table[k.charCodeAt(0)] = 1;
  return table;
}

// 's' is not listed: the symbol is checked by symbolSlot (or matched against an already checked one).
const CONSUMED_AGG = consumedKeys('epqs');
const CONSUMED_TRADE = consumedKeys('epqs');
const CONSUMED_QUOTE = consumedKeys('ebBaAs');
const CONSUMED_MARK = consumedKeys('epirs');
const CONSUMED_DEPTH = consumedKeys('es');

function has(key: number, kind: number): boolean {
  return slotGen[key] === gen && slotKind[key] === kind;
}

function present(key: number): boolean {
  return slotGen[key] === gen;
}

/** Unsigned decimal `\d+(\.\d+)?` between start and end; NaN when the text does not match. */
function decimalAt(text: string, start: number, end: number): number {
  let m = 0;
  let digits = 0;
  let frac = -1;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= D0 && c <= D9) {
      m = m * 10 + (c - D0);
      digits++;
      if (frac >= 0) frac++;
    } else if (c === DOT && frac < 0 && digits > 0) {
      frac = 0;
    } else {
      return NaN;
    }
  }
  if (digits === 0 || frac === 0) return NaN;
  // Both m and 10^frac are exact doubles, so one division is correctly rounded: the same double as Number().
  if (digits > MAX_FAST_DIGITS) return Number(text.slice(start, end));
  return frac > 0 ? m / (POW10[frac] as number) : m;
}

function udecSlot(text: string, key: number): number {
  if (slotGen[key] !== gen) return NaN;
  const kind = slotKind[key];
  if (kind === K_DECIMAL) return slotInt[key] as number;
  if (kind !== K_STRING) return NaN;
  return decimalAt(text, slotStart[key] as number, slotEnd[key] as number);
}

function sdecSlot(text: string, key: number): number {
  if (has(key, K_DECIMAL)) return slotInt[key] as number;
  if (!has(key, K_STRING)) return NaN;
  const start = slotStart[key] as number;
  if (text.charCodeAt(start) === MINUS) return -decimalAt(text, start + 1, slotEnd[key] as number);
  return decimalAt(text, start, slotEnd[key] as number);
}

/** Last symbols seen (already validated): reused without slicing or re-checking. */
const SYMBOL_CACHE_SIZE = 8;
const symbolCache: string[] = [];
let symbolCacheNext = 0;

function symbolSlot(text: string, key: number): string | undefined {
  if (!has(key, K_STRING)) return undefined;
  const start = slotStart[key] as number;
  const end = slotEnd[key] as number;
  const n = end - start;
  if (n === 0) return undefined;
  for (const cached of symbolCache) {
    if (cached.length === n && text.startsWith(cached, start)) return cached;
  }
  if (!plainString(text, start, end)) return undefined;
  const symbol = text.slice(start, end);
  symbolCache[symbolCacheNext] = symbol;
  symbolCacheNext = (symbolCacheNext + 1) % SYMBOL_CACHE_SIZE;
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

function fastTrade(text: string, idKey: number, consumed: Uint8Array): Trade | undefined {
  const price = udecSlot(text, C_p);
  const qty = udecSlot(text, C_q);
  const m = boolSlot(C_m);
  if (price !== price || qty !== qty || m < 0 || !has(C_T, K_INT) || !has(idKey, K_INT)) return undefined;
  const symbol = symbolSlot(text, C_s);
  if (symbol === undefined || !otherStringsValid(text, consumed)) return undefined;
  return makeTrade(symbol, slotInt[C_T] as number, price, qty, m === 1, slotInt[idKey] as number);
}

function fastQuote(text: string, recvTimeMs: number): Quote | undefined {
  const bid = udecSlot(text, C_b);
  const bidQty = udecSlot(text, C_B);
  const ask = udecSlot(text, C_a);
  const askQty = udecSlot(text, C_A);
  if (bid !== bid || bidQty !== bidQty || ask !== ask || askQty !== askQty || !has(C_u, K_INT))
    return undefined;
  let time = recvTimeMs;
  if (present(C_E)) {
    if (slotKind[C_E] !== K_INT) return undefined;
    time = slotInt[C_E] as number;
  }
  const symbol = symbolSlot(text, C_s);
  if (symbol === undefined || !otherStringsValid(text, CONSUMED_QUOTE)) return undefined;
  return makeQuote(symbol, time, bid, bidQty, ask, askQty, slotInt[C_u] as number);
}

function fastMark(text: string): MarkPrice | undefined {
  const mark = udecSlot(text, C_p);
  const index = udecSlot(text, C_i);
  const rate = sdecSlot(text, C_r);
  if (mark !== mark || index !== index || rate !== rate || !has(C_E, K_INT) || !has(C_T, K_INT))
    return undefined;
  const symbol = symbolSlot(text, C_s);
  if (symbol === undefined || !otherStringsValid(text, CONSUMED_MARK)) return undefined;
  return makeMark(symbol, slotInt[C_E] as number, mark, index, rate, slotInt[C_T] as number);
}

function optIntSlot(key: number): number | undefined | null {
  if (slotGen[key] !== gen) return undefined;
  return slotKind[key] === K_INT ? slotInt[key] : null;
}

function fastDepth(text: string): DepthUpdate | undefined {
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
  const symbol = symbolSlot(text, C_s);
  if (symbol === undefined || !otherStringsValid(text, CONSUMED_DEPTH)) return undefined;
  return {
    symbol,
    time: slotInt[C_E] as number,
    transactTime,
    firstUpdateId: slotInt[C_U] as number,
    finalUpdateId: slotInt[C_u] as number,
    prevFinalUpdateId: prev,
    bids: levelsB,
    asks: levelsA,
  };
}

function fastEvent(text: string, recvTimeMs: number): MarketMessage | undefined {
  if (!present(C_e)) {
    const q = present(C_u) ? fastQuote(text, recvTimeMs) : undefined;
    return q === undefined ? undefined : { type: 'bookTicker', event: q };
  }
  if (slotKind[C_e] !== K_STRING) return undefined;
  const start = slotStart[C_e] as number;
  const n = (slotEnd[C_e] as number) - start;
  if (n === 8 && text.startsWith('aggTrade', start)) {
    const t = fastTrade(text, C_a, CONSUMED_AGG);
    return t === undefined ? undefined : { type: 'aggTrade', event: t };
  }
  if (n === 5 && text.startsWith('trade', start)) {
    const t = fastTrade(text, C_t, CONSUMED_TRADE);
    return t === undefined ? undefined : { type: 'trade', event: t };
  }
  if (n === 10 && text.startsWith('bookTicker', start)) {
    const q = fastQuote(text, recvTimeMs);
    return q === undefined ? undefined : { type: 'bookTicker', event: q };
  }
  if (n === 11 && text.startsWith('depthUpdate', start)) {
    const d = fastDepth(text);
    return d === undefined ? undefined : { type: 'depth', event: d };
  }
  if (n === 15 && text.startsWith('markPriceUpdate', start)) {
    const mp = fastMark(text);
    return mp === undefined ? undefined : { type: 'markPrice', event: mp };
  }
  return undefined;
}

const STREAM_PREFIX = '{"stream":"';
const DATA_INFIX = '","data":';
/** Combined-stream prefixes `{"stream":"<name>","data":` already checked (bounded: cleared when full). */
const knownPrefixes = new Set<string>();
const MAX_KNOWN_PREFIXES = 4096;
/** The few most recent prefixes, checked first. */
const recentPrefixes: string[] = [];
const RECENT_PREFIXES = 8;
let recentNext = 0;

function rememberRecent(prefix: string): void {
  recentPrefixes[recentNext] = prefix;
  recentNext = (recentNext + 1) % RECENT_PREFIXES;
}

/** Start of the inner object of a combined-stream message, 0 for a raw one, -1 to leave it to JSON.parse. */
function innerStart(text: string): number {
  if (text.charCodeAt(2) !== 0x73) return 0; // `{"s...`: a wrapper starts `{"stream"`
  const q = text.indexOf('"', STREAM_PREFIX.length);
  if (q < 0) return text.startsWith(STREAM_PREFIX) ? -1 : 0;
  const objStart = q + DATA_INFIX.length;
  const prefix = text.slice(0, objStart);
  // string equality is a memcmp; a Set lookup would hash the new slice first (about twice the cost)
  for (const known of recentPrefixes) if (prefix === known) return objStart;
  if (knownPrefixes.has(prefix)) {
    rememberRecent(prefix);
    return objStart;
  }
  if (!text.startsWith(STREAM_PREFIX)) return 0;
  if (!text.startsWith(DATA_INFIX, q) || !plainString(text, STREAM_PREFIX.length, q)) return -1;
  if (knownPrefixes.size >= MAX_KNOWN_PREFIXES) knownPrefixes.clear();
  knownPrefixes.add(prefix);
  rememberRecent(prefix);
  return objStart;
}

/**
 * Parse a combined-stream or raw-stream market message. Same results as `parseMarketMessageReference`
 * for every input; several times faster for aggTrade, trade, bookTicker, markPriceUpdate and depthUpdate.
 */
export function parseMarketMessage(text: string, recvTimeMs: number): MarketMessage {
  const objStart = innerStart(text);
  if (objStart < 0) return parseMarketMessageReference(text, recvTimeMs);
  const wrapped = objStart > 0;
  if (text.charCodeAt(objStart) !== LBRACE) return parseMarketMessageReference(text, recvTimeMs);
  const end = scanFlatObject(text, objStart);
  if (end < 0) return parseMarketMessageReference(text, recvTimeMs);
  if (wrapped ? end !== text.length - 1 || text.charCodeAt(end) !== RBRACE : end !== text.length) {
    return parseMarketMessageReference(text, recvTimeMs);
  }
  return fastEvent(text, recvTimeMs) ?? parseMarketMessageReference(text, recvTimeMs);
}
