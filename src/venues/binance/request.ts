/**
 * Building Binance REST requests: parameter encoding, `recvWindow` + `timestamp`, signature placement and
 * the `X-MBX-APIKEY` header. Pure: no I/O, the timestamp is passed in.
 * https://developers.binance.com/docs/binance-spot-api-docs/rest-api/endpoint-security-type
 */
import { InvariantError } from '../../core/errors.js';
import type { RequestSigner } from './signing.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/**
 * A parameter value. Money (prices, quantities) is always a decimal string; numbers are accepted only as
 * safe integers (timestamps, ids, limits, leverage). `undefined` parameters are left out.
 */
export type ParamValue = string | number | boolean | undefined;
export type Params = Readonly<Record<string, ParamValue>>;

/** Binance security types: NONE (public), USER_STREAM / MARKET_DATA (API key only), SIGNED. */
export type Security = 'none' | 'apiKey' | 'signed';

export interface RequestSpec {
  readonly method: HttpMethod;
  readonly path: string;
  readonly security: Security;
  /** Parameters sent in the URL query. */
  readonly query?: Params;
  /** The query already encoded (`k=v&k2=v2`, e.g. futuresOrderQuery); used instead of `query`. */
  readonly encodedQuery?: string;
  /** Parameters sent as an `application/x-www-form-urlencoded` body. */
  readonly body?: Params;
}

export interface BuiltRequest {
  readonly method: HttpMethod;
  readonly path: string;
  /** Encoded query string without the leading `?` (may be empty). */
  readonly query: string;
  /** Encoded form body (may be empty). */
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
}

export interface Credentials {
  readonly apiKey: string;
  readonly signer: RequestSigner;
}

export interface SignOptions {
  /** Server-time estimate in epoch ms (TimeSync.timestamp()). */
  readonly timestamp: number;
  /** Default 5000; Binance accepts up to 60000. */
  readonly recvWindow?: number;
}

export const DEFAULT_RECV_WINDOW = 5000;

/**
 * encodeURIComponent, without its native call and new string for the usual case of a value that needs no
 * escaping (symbols, sides, decimal strings, client ids without `:` or `/`, hex signatures): the
 * characters encodeURIComponent leaves alone are A-Z a-z 0-9 - _ . ! ~ * ' ( ).
 */
export function encodeComponent(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 128 && UNRESERVED[c] === 1) continue;
    return encodeURIComponent(text);
  }
  return text;
}

const UNRESERVED = new Uint8Array(128);
for (const ch of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!~*'()") {
  UNRESERVED[ch.charCodeAt(0)] = 1;
}

function encodeValue(key: string, value: string | number | boolean): string {
  if (typeof value === 'string') return encodeComponent(value);
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      throw new InvariantError(
        `parameter ${key}=${value} is not a safe integer; send decimals (money) as exact strings`,
        { key, value },
      );
    }
    return String(value);
  }
  return value ? 'true' : 'false';
}

/** `k=v&k2=v2` in insertion order, values percent-encoded, `undefined` skipped. */
export function encodeParams(params: Params | undefined): string {
  if (params === undefined) return '';
  let out = '';
  for (const key in params) {
    const value = params[key];
    if (value === undefined) continue;
    if (out.length > 0) out += '&';
    out += encodeComponent(key) + '=' + encodeValue(key, value);
  }
  return out;
}

/** The `X-MBX-APIKEY` header object of a request without body, one per credentials (never mutated). */
const keyHeaders = new WeakMap<Credentials, Readonly<Record<string, string>>>();

function apiKeyHeaders(credentials: Credentials): Readonly<Record<string, string>> {
  let h = keyHeaders.get(credentials);
  if (h?.['X-MBX-APIKEY'] !== credentials.apiKey) {
    h = Object.freeze({ 'X-MBX-APIKEY': credentials.apiKey });
    keyHeaders.set(credentials, h);
  }
  return h;
}

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

function join(a: string, b: string): string {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  return a + '&' + b;
}

/**
 * Build the wire form of a request. For SIGNED requests `recvWindow` and `timestamp` are appended after
 * the caller's parameters, in the part that carries parameters last (the body when it has any, else the
 * query), then `signature` is appended last to that same part. The signed payload is exactly
 * `query + body` as sent.
 */
export function buildRequest(
  spec: RequestSpec,
  credentials: Credentials | undefined,
  sign: SignOptions | undefined,
): BuiltRequest {
  let query = spec.encodedQuery ?? encodeParams(spec.query);
  let body = encodeParams(spec.body);
  if (spec.security !== 'none' && credentials === undefined) {
    throw new InvariantError(`${spec.method} ${spec.path} needs an API key`, { path: spec.path });
  }
  if (spec.security === 'signed') {
    if (credentials === undefined || sign === undefined) {
      throw new InvariantError(`${spec.method} ${spec.path} is SIGNED: credentials and timestamp needed`, {
        path: spec.path,
      });
    }
    const recvWindow = sign.recvWindow ?? DEFAULT_RECV_WINDOW;
    const tail =
      'recvWindow=' +
      encodeValue('recvWindow', recvWindow) +
      '&timestamp=' +
      encodeValue('timestamp', sign.timestamp);
    const inBody = body.length > 0;
    if (inBody) body = join(body, tail);
    else query = join(query, tail);
    const signature = encodeComponent(credentials.signer.sign(query + body));
    if (inBody) body += '&signature=' + signature;
    else query += '&signature=' + signature;
  }
  let headers: Readonly<Record<string, string>>;
  if (body.length === 0) {
    headers = credentials === undefined || spec.security === 'none' ? NO_HEADERS : apiKeyHeaders(credentials);
  } else {
    const h: Record<string, string> = {};
    if (credentials !== undefined && spec.security !== 'none') h['X-MBX-APIKEY'] = credentials.apiKey;
    h['Content-Type'] = 'application/x-www-form-urlencoded';
    headers = h;
  }
  return { method: spec.method, path: spec.path, query, body, headers };
}

/** Path plus `?query` when there is one. */
export function pathWithQuery(request: BuiltRequest): string {
  return request.query.length > 0 ? `${request.path}?${request.query}` : request.path;
}
