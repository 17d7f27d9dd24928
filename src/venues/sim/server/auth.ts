/**
 * Request authentication exactly as Binance checks SIGNED and USER_STREAM endpoints
 * (/work/shared/reference/binance-api.md section 1; Binance "General API Information" / "SIGNED Endpoint
 * security"): API key header, HMAC-SHA256 over totalParams = query string + body (the `signature`
 * parameter removed), and timestamp within recvWindow and not more than 1000 ms ahead of server time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface ApiError {
  readonly status: number;
  readonly code: number;
  readonly msg: string;
}

export const INVALID_KEY: ApiError = {
  status: 401,
  code: -2015,
  msg: 'Invalid API-key, IP, or permissions for action.',
};
export const INVALID_SIGNATURE: ApiError = {
  status: 400,
  code: -1022,
  msg: 'Signature for this request is not valid.',
};
export const OUTSIDE_RECV_WINDOW: ApiError = {
  status: 400,
  code: -1021,
  msg: 'Timestamp for this request is outside of the recvWindow.',
};
export const AHEAD_OF_SERVER: ApiError = {
  status: 400,
  code: -1021,
  msg: "Timestamp for this request was 1000ms ahead of the server's time.",
};

export function mandatory(name: string): ApiError {
  return {
    status: 400,
    code: -1102,
    msg: `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`,
  };
}

const SIGNATURE_PARAM = /(^|&)signature=([^&]*)/;

/** Split the signature out of a raw query string or body: the rest is what was signed. */
function extractSignature(raw: string): { rest: string; signature: string | undefined } {
  const m = SIGNATURE_PARAM.exec(raw);
  if (m === null) return { rest: raw, signature: undefined };
  const before = raw.slice(0, m.index);
  const after = raw.slice(m.index + m[0].length);
  const rest = before === '' ? after.replace(/^&/, '') : before + after;
  return { rest, signature: decodeURIComponent(m[2] ?? '') };
}

export function hmacHex(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload).digest('hex');
}

export interface SignedRequest {
  readonly apiKeyHeader: string | undefined;
  /** Raw query string without `?`. */
  readonly query: string;
  /** Raw request body (application/x-www-form-urlencoded). */
  readonly body: string;
  readonly params: Readonly<Record<string, string>>;
}

export function checkApiKey(req: SignedRequest, apiKey: string): ApiError | undefined {
  const given = req.apiKeyHeader;
  if (given === undefined || !safeEqual(given, apiKey)) return INVALID_KEY;
  return undefined;
}

/** API key, signature, then timestamp / recvWindow. Undefined = accepted. */
export function checkSigned(
  req: SignedRequest,
  apiKey: string,
  apiSecret: string,
  serverTime: number,
): ApiError | undefined {
  const keyError = checkApiKey(req, apiKey);
  if (keyError !== undefined) return keyError;
  const q = extractSignature(req.query);
  const b = extractSignature(req.body);
  const signature = q.signature ?? b.signature;
  if (signature === undefined || signature === '') return mandatory('signature');
  const expected = hmacHex(apiSecret, q.rest + b.rest);
  if (!safeEqual(signature.toLowerCase(), expected)) return INVALID_SIGNATURE;

  const ts = req.params.timestamp;
  if (ts === undefined || !/^\d{1,16}$/.test(ts)) return mandatory('timestamp');
  const rw = req.params.recvWindow;
  let recvWindow = 5000;
  if (rw !== undefined) {
    if (!/^\d{1,6}$/.test(rw)) return mandatory('recvWindow');
    recvWindow = Number(rw);
    if (recvWindow > 60_000) {
      return { status: 400, code: -1131, msg: 'recvWindow must be less than 60000' };
    }
  }
  const timestamp = Number(ts);
  if (timestamp >= serverTime + 1000) return AHEAD_OF_SERVER;
  if (serverTime - timestamp > recvWindow) return OUTSIDE_RECV_WINDOW;
  return undefined;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
