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

function encodeValue(key: string, value: string | number | boolean): string {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      throw new InvariantError(
        `parameter ${key}=${value} is not a safe integer; send decimals (money) as exact strings`,
        { key, value },
      );
    }
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return encodeURIComponent(value);
}

/** `k=v&k2=v2` in insertion order, values percent-encoded, `undefined` skipped. */
export function encodeParams(params: Params | undefined): string {
  if (params === undefined) return '';
  let out = '';
  for (const key in params) {
    const value = params[key];
    if (value === undefined) continue;
    if (out.length > 0) out += '&';
    out += encodeURIComponent(key) + '=' + encodeValue(key, value);
  }
  return out;
}

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
  let query = encodeParams(spec.query);
  let body = encodeParams(spec.body);
  const headers: Record<string, string> = {};
  if (spec.security !== 'none') {
    if (credentials === undefined) {
      throw new InvariantError(`${spec.method} ${spec.path} needs an API key`, { path: spec.path });
    }
    headers['X-MBX-APIKEY'] = credentials.apiKey;
  }
  if (spec.security === 'signed') {
    if (credentials === undefined || sign === undefined) {
      throw new InvariantError(`${spec.method} ${spec.path} is SIGNED: credentials and timestamp needed`, {
        path: spec.path,
      });
    }
    const recvWindow = sign.recvWindow ?? DEFAULT_RECV_WINDOW;
    const tail = `recvWindow=${encodeValue('recvWindow', recvWindow)}&timestamp=${encodeValue('timestamp', sign.timestamp)}`;
    const inBody = body.length > 0;
    if (inBody) body = join(body, tail);
    else query = join(query, tail);
    const signature = encodeURIComponent(credentials.signer.sign(query + body));
    if (inBody) body += '&signature=' + signature;
    else query += '&signature=' + signature;
  }
  if (body.length > 0) headers['Content-Type'] = 'application/x-www-form-urlencoded';
  return { method: spec.method, path: spec.path, query, body, headers };
}

/** Path plus `?query` when there is one. */
export function pathWithQuery(request: BuiltRequest): string {
  return request.query.length > 0 ? `${request.path}?${request.query}` : request.path;
}
