/**
 * Deterministic client order ids: the same (run prefix, signal id, role, attempt) always gives the same
 * id, so after a restart the engine re-derives the ids of the orders it owns (and a resubmit of the same
 * order is refused by the venue as a duplicate instead of opening a second position).
 *
 * Format: `<prefix>-<key>-<role><attempt?>`, at most 36 characters, matching Binance's
 * `^[\.A-Z\:/a-z0-9_-]{1,36}$` (/work/shared/reference/binance-api.md, "newClientOrderId").
 * `key` is the signal id itself when it is short and alphanumeric, else `h` + a 64-bit FNV-1a hash of it
 * in base 36. The prefix is 1..8 alphanumeric characters.
 */
import { InvariantError } from '../../core/errors.js';

export type OrderRole = 'entry' | 'sl' | 'tp' | 'close';

const ROLE_CODE: Readonly<Record<OrderRole, string>> = { entry: 'e', sl: 's', tp: 't', close: 'c' };
const CODE_ROLE: Readonly<Record<string, OrderRole>> = { e: 'entry', s: 'sl', t: 'tp', c: 'close' };

export const CLIENT_ORDER_ID = /^[.A-Z:/a-z0-9_-]{1,36}$/;
const PREFIX = /^[A-Za-z0-9]{1,8}$/;

// 64-bit FNV-1a in two exact 32-bit halves (no BigInt per character): offset basis 0xcbf29ce484222325,
// prime 0x100000001b3 = 2^40 + 0x1b3, so h * prime mod 2^64 = h * 0x1b3 + (lo << 40) mod 2^64.
const FNV_OFFSET_HI = 0xcbf29ce4;
const FNV_OFFSET_LO = 0x84222325;
const FNV_PRIME_LO = 0x1b3;
const TWO_32 = 4_294_967_296;

/** 64-bit FNV-1a over the UTF-16 code units of `text`, base 36 (at most 13 characters). */
export function fnv1a64(text: string): string {
  let hi = FNV_OFFSET_HI;
  let lo = FNV_OFFSET_LO;
  for (let i = 0; i < text.length; i++) {
    // a code unit is < 2^16: the xor only touches the low half
    lo = (lo ^ text.charCodeAt(i)) >>> 0;
    // every intermediate below is < 2^42: exact in a double; `>>> 0` is the exact mod 2^32
    const loProduct = lo * FNV_PRIME_LO;
    const carry = Math.floor(loProduct / TWO_32);
    hi = (hi * FNV_PRIME_LO + carry + ((lo << 8) >>> 0)) >>> 0;
    lo = loProduct >>> 0;
  }
  return base36(hi, lo);
}

/**
 * hi x 2^32 + lo in base 36, as BigInt#toString(36) prints it, without a BigInt: long division of the two
 * halves by 36 until the high half is 0 (every intermediate is below 36 x 2^32: exact), then the low half.
 */
function base36(hi: number, lo: number): string {
  let digits = '';
  while (hi !== 0) {
    const rest = (hi % 36) * TWO_32 + lo;
    hi = Math.floor(hi / 36);
    lo = Math.floor(rest / 36);
    digits = DIGITS36.charAt(rest % 36) + digits;
  }
  return lo.toString(36) + digits;
}
const DIGITS36 = '0123456789abcdefghijklmnopqrstuvwxyz';

export function signalKey(signalId: string): string {
  // a direct key never starts with 'h' + hash look-alike ambiguity: hashed keys start with 'h' and
  // direct keys that start with 'h' are hashed too, so the two spaces never overlap.
  // isDirectKey is /^[A-Za-z0-9]{1,20}$/.test without a regex (client-id.test.ts checks the two agree)
  return isDirectKey(signalId) && signalId.charCodeAt(0) !== 104 /* 'h' */
    ? signalId
    : `h${fnv1a64(signalId)}`;
}

/** A-Z, a-z, 0-9. */
function isAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** `^[A-Za-z0-9]{1,maxLength}$` without a regex. */
function isAlnumText(text: string, maxLength: number): boolean {
  const n = text.length;
  if (n === 0 || n > maxLength) return false;
  for (let i = 0; i < n; i++) if (!isAlnum(text.charCodeAt(i))) return false;
  return true;
}

/** `/^[A-Za-z0-9]{1,20}$/.test(text)`: a signal id used as its key as it is. */
export function isDirectKey(text: string): boolean {
  return isAlnumText(text, 20);
}

/** The last prefix that passed PREFIX (an engine uses one run prefix: it is checked once). */
let validPrefix: string | undefined;
/** The last key that passed isDirectKey. */
let directKey: string | undefined;

export function clientOrderId(prefix: string, signalId: string, role: OrderRole, attempt = 0): string {
  return clientOrderIdForKey(prefix, signalKey(signalId), role, attempt);
}

/** The same id from the signal's key (as parsed back from one of its orders: reconciliation). */
export function clientOrderIdForKey(prefix: string, key: string, role: OrderRole, attempt = 0): string {
  if (prefix !== validPrefix) {
    if (!PREFIX.test(prefix)) {
      throw new InvariantError(`run prefix "${prefix}" must be 1..8 letters or digits`, { prefix });
    }
    validPrefix = prefix;
  }
  if (!Number.isInteger(attempt) || attempt < 0 || attempt > 999) {
    throw new InvariantError(`order attempt ${attempt} must be an integer 0..999`, { attempt });
  }
  const id = `${prefix}-${key}-${ROLE_CODE[role]}${attempt === 0 ? '' : String(attempt)}`;
  // a valid prefix (<= 8) and a key of 1..20 letters/digits (every key signalKey makes: the hash is 'h' +
  // at most 13 base-36 digits) give at most 8 + 1 + 20 + 1 + 1 + 3 = 34 characters of the venue's set:
  // the pattern cannot fail, so it is tested only for other keys. The entry, stop-loss and take-profit
  // ids of one signal share the key: the last direct key is remembered.
  if (key !== directKey) {
    if (isDirectKey(key)) {
      directKey = key;
    } else if (!CLIENT_ORDER_ID.test(id)) {
      throw new InvariantError(`client order id "${id}" does not match the venue's pattern`, { id });
    }
  }
  return id;
}

export interface ParsedClientOrderId {
  readonly prefix: string;
  readonly key: string;
  readonly role: OrderRole;
  readonly attempt: number;
}

/** Inverse of clientOrderId (for adopting the engine's own orders after a restart); undefined if foreign. */
export function parseClientOrderId(id: string): ParsedClientOrderId | undefined {
  const m = /^([A-Za-z0-9]{1,8})-([A-Za-z0-9]{1,20})-([esct])(\d{0,3})$/.exec(id);
  if (m === null) return undefined;
  const role = CODE_ROLE[m[3] ?? ''];
  if (role === undefined) return undefined;
  return { prefix: m[1] ?? '', key: m[2] ?? '', role, attempt: m[4] === '' ? 0 : Number(m[4]) };
}
