/**
 * Keep-alive HTTP transport for Binance REST (or anything that speaks the same API, e.g. the simulator).
 * One place classifies every failure:
 * - 2xx -> parsed JSON;
 * - 4xx with `{code,msg}` -> VenueRejectedError (nothing happened on the venue);
 * - 429 -> pause all requests until Retry-After, VenueRateLimitedError;
 * - 418 -> halt (IP ban) until Retry-After, `onHalt` is told, VenueRateLimitedError(halted);
 * - 5xx, timeout, connection lost after sending -> for an order submit OrderOutcomeUnknownError (never
 *   retried here: resolve by querying the client order id), otherwise VenueTransportError (retryable).
 * The transport never retries by itself.
 */
import http from 'node:http';
import https from 'node:https';
import type { Clock, Scheduler, TimerHandle } from '../../core/clock.js';
import { InvariantError, toError } from '../../core/errors.js';
import { silentLogger, type Logger } from '../../core/logger.js';
import {
  OrderOutcomeUnknownError,
  VenueRateLimitedError,
  VenueRejectedError,
  VenueTransportError,
} from './errors.js';
import { KeepAliveHttpClient, type HttpTlsOptions, type PendingRequest } from './http-client.js';
import { RateLimitTracker, retryAfterMs, type HeaderBag, type RateLimitRule } from './rate-limit.js';
import { pathWithQuery, type BuiltRequest } from './request.js';

export interface TransportOptions {
  /** e.g. https://api.binance.com, https://fapi.binance.com, a testnet, or http://127.0.0.1:<port>. */
  readonly baseUrl: string;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly rateLimits: readonly RateLimitRule[];
  /** Per-request timeout (default 10 s). */
  readonly timeoutMs?: number;
  readonly logger?: Logger;
  /** Called once per 418: trading must halt until `untilMs`. */
  readonly onHalt?: (untilMs: number, request: string) => void;
  /** Max sockets per host for the keep-alive agent (default 8). */
  readonly maxSockets?: number;
  /**
   * HTTP client: 'raw' (default) is our keep-alive HTTP/1.1 writer (http-client.ts) over net.Socket for
   * `http:` and over node:tls for `https:`; 'node' is node:http / node:https with a keep-alive agent.
   */
  readonly httpClient?: 'raw' | 'node';
  /** `https:` only: CA certificates to trust instead of Node's roots (a test server, a private gateway). */
  readonly tlsCa?: HttpTlsOptions['ca'];
}

export interface SendOptions {
  /** Request weight from the endpoint's doc (default 1). */
  readonly weight?: number;
  /** Counts towards the ORDERS limits. */
  readonly isOrder?: boolean;
  /** Set for order submits: failures with unknown outcome become OrderOutcomeUnknownError. */
  readonly clientOrderId?: string;
  /**
   * While paused/throttled: wait, or fail at once with VenueRateLimitedError. Default: wait for reads,
   * reject for orders (an order delayed by up to a minute is the trade layer's decision, not ours).
   */
  readonly whenPaused?: 'wait' | 'reject';
}

export interface RawResponse {
  readonly status: number;
  /** Lower-case names. */
  readonly headers: HeaderBag;
  readonly body: string;
}

/**
 * Failures of raw-client requests whose bytes never left this process (PendingRequest.requestSent was
 * false: still queued, or the connection not yet up when it timed out or failed): a submit that fails
 * this way was not placed, whatever the error.
 */
const neverSent = new WeakSet<object>();

/**
 * Errors before any byte could have reached the venue: a submit that fails this way was not placed.
 * ERR_TLS_CERTIFICATE / ERR_TLS_HANDSHAKE: HttpTlsError, the TLS session never came up (the raw client
 * writes nothing before the handshake completes).
 */
const NOT_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ERR_TLS_CERTIFICATE',
  'ERR_TLS_HANDSHAKE',
]);

const NO_OPTIONS: SendOptions = {};

interface Deadline {
  readonly at: number;
  /** Cleared once answered (or failed). */
  pending: PendingRequest | undefined;
}

function labelOf(request: BuiltRequest): string {
  return `${request.method} ${request.path}`;
}

class TimeoutSignal extends Error {
  constructor(ms: number) {
    super(`no response within ${ms} ms`);
  }
}

export class BinanceTransport {
  readonly baseUrl: URL;
  readonly limits: RateLimitTracker;
  private readonly clock: Clock;
  private readonly scheduler: Scheduler;
  private readonly timeoutMs: number;
  private readonly logger: Logger;
  private readonly onHalt: ((untilMs: number, request: string) => void) | undefined;
  private readonly agent: http.Agent;
  private readonly lib: typeof http | typeof https;
  private readonly raw: KeepAliveHttpClient | undefined;
  private readonly basePathPrefix: string;
  /** Header lines of the last frozen header object seen (one API key per transport in practice). */
  private linesFor: BuiltRequest['headers'] | undefined;
  private lines = '';
  /** Raw-client requests in flight by deadline, and the one timer for the oldest. */
  private readonly deadlines: Deadline[] = [];
  private deadlineTimer: TimerHandle | undefined;

  constructor(options: TransportOptions) {
    this.baseUrl = new URL(options.baseUrl);
    this.clock = options.clock;
    this.scheduler = options.scheduler;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.logger = options.logger ?? silentLogger;
    this.onHalt = options.onHalt;
    this.limits = new RateLimitTracker(options.rateLimits);
    const secure = this.baseUrl.protocol === 'https:';
    this.lib = secure ? https : http;
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 8 };
    const ca =
      options.tlsCa === undefined ? {} : { ca: options.tlsCa as string | Buffer | (string | Buffer)[] };
    this.agent = secure ? new https.Agent({ ...agentOptions, ...ca }) : new http.Agent(agentOptions);
    this.raw =
      options.httpClient === 'node'
        ? undefined
        : new KeepAliveHttpClient({
            host: this.baseUrl.hostname.replace(/^\[(.*)\]$/, '$1'), // URL keeps IPv6 brackets
            port: Number(this.baseUrl.port === '' ? (secure ? 443 : 80) : this.baseUrl.port),
            maxSockets: options.maxSockets ?? 8,
            ...(secure ? { tls: ca } : {}),
          });
    const p = this.baseUrl.pathname;
    this.basePathPrefix = p.endsWith('/') ? p.slice(0, -1) : p;
  }

  /** Close the keep-alive sockets (requests in flight fail). */
  close(): void {
    if (this.deadlineTimer !== undefined) this.scheduler.cancel(this.deadlineTimer);
    this.deadlineTimer = undefined;
    this.deadlines.length = 0;
    this.agent.destroy();
    this.raw?.close();
  }

  /** Send a built request and return the parsed JSON body of a 2xx answer; throws the typed errors above. */
  async send(request: BuiltRequest, options: SendOptions = NO_OPTIONS): Promise<unknown> {
    const weight = options.weight ?? 1;
    const isOrder = options.isOrder ?? false;
    const now = this.clock.now();
    // the usual case (not halted, inside every window) decides here, without a wait loop or a label
    if (this.limits.isHalted(now) || this.limits.sendableAt(now, weight, isOrder) > now) {
      await this.waitForWindow(request, options, weight, isOrder);
      this.limits.reserve(this.clock.now(), weight, isOrder);
    } else {
      this.limits.reserve(now, weight, isOrder);
    }
    let response: RawResponse;
    try {
      response = await this.exchange(request);
    } catch (caught) {
      throw this.classifyFailure(caught, labelOf(request), options.clientOrderId);
    }
    return this.handle(response, labelOf(request), options.clientOrderId);
  }

  /** Halted: throw. Throttled: wait for the window, or throw when the request must not wait. */
  private async waitForWindow(
    request: BuiltRequest,
    options: SendOptions,
    weight: number,
    isOrder: boolean,
  ): Promise<void> {
    const label = labelOf(request);
    for (;;) {
      const now = this.clock.now();
      if (this.limits.isHalted(now)) {
        throw new VenueRateLimitedError(418, this.limits.haltedUntilMs, true, { request: label });
      }
      const at = this.limits.sendableAt(now, weight, isOrder);
      if (at <= now) return;
      if ((options.whenPaused ?? (isOrder ? 'reject' : 'wait')) === 'reject') {
        throw new VenueRateLimitedError(0, at, false, { request: label });
      }
      this.logger.warn({ request: label, waitMs: at - now }, 'binance: waiting for rate limit window');
      await new Promise<void>((resolve) => {
        this.scheduler.at(at, () => {
          resolve();
        });
      });
    }
  }

  private handle(response: RawResponse, label: string, clientOrderId: string | undefined): unknown {
    const now = this.clock.now();
    this.limits.update(response.headers, now);
    const { status } = response;
    const parsed = parseJson(response.body);
    if (status >= 200 && status < 300) {
      if (parsed.ok) return parsed.value;
      if (clientOrderId !== undefined) {
        throw new OrderOutcomeUnknownError(
          clientOrderId,
          `order submit answered ${status} with an unreadable body`,
          {
            request: label,
            status,
          },
        );
      }
      throw new VenueTransportError(`${label}: ${status} with an unreadable body`, {
        request: label,
        status,
      });
    }
    const { code, msg } = errorBody(parsed.ok ? parsed.value : undefined, response.body);
    if (status === 429 || status === 418) {
      const until =
        now + retryAfterMs(response.headers['retry-after'], now, status === 418 ? 120_000 : 60_000);
      if (status === 418) {
        this.limits.halt(until);
        this.logger.error({ request: label, until, code, msg }, 'binance: IP banned (418), trading halted');
        this.onHalt?.(until, label);
      } else {
        this.limits.pause(until);
        this.logger.warn(
          { request: label, until, code, msg },
          'binance: rate limited (429), requests paused',
        );
      }
      throw new VenueRateLimitedError(status, until, status === 418, { request: label, venueCode: code });
    }
    if (status >= 500) {
      if (clientOrderId !== undefined) {
        throw new OrderOutcomeUnknownError(
          clientOrderId,
          `order submit answered HTTP ${status}: outcome unknown`,
          {
            request: label,
            status,
            venueCode: code,
            venueMsg: msg,
          },
        );
      }
      throw new VenueTransportError(`${label}: HTTP ${status} ${msg}`, {
        request: label,
        status,
        venueCode: code,
      });
    }
    throw new VenueRejectedError(status, code, msg, { request: label });
  }

  private classifyFailure(caught: unknown, label: string, clientOrderId: string | undefined): Error {
    const error = toError(caught);
    const errno = (error as NodeJS.ErrnoException).code;
    const timedOut = error instanceof TimeoutSignal;
    const unsent = (errno !== undefined && NOT_SENT.has(errno)) || neverSent.has(error);
    const context = { request: label, errno, timedOut, ...(unsent ? { sent: false } : {}) };
    if (clientOrderId !== undefined && !unsent) {
      return new OrderOutcomeUnknownError(
        clientOrderId,
        `order submit ${timedOut ? 'timed out' : 'lost its connection'}: outcome unknown`,
        context,
        error,
      );
    }
    return new VenueTransportError(`${label}: ${error.message}`, context, error);
  }

  /** One HTTP exchange, with the timeout on the injected scheduler. */
  private exchange(request: BuiltRequest): Promise<RawResponse> {
    return this.raw === undefined ? this.exchangeNode(request) : this.exchangeRaw(this.raw, request);
  }

  private exchangeRaw(raw: KeepAliveHttpClient, request: BuiltRequest): Promise<RawResponse> {
    const headers = request.headers;
    let lines: string;
    if (headers === this.linesFor) {
      lines = this.lines;
    } else {
      lines = '';
      for (const name in headers) lines += headerLine(name, headers[name] as string);
      lines += 'Accept: application/json\r\n';
      // buildRequest hands out one frozen header object per API key: its lines are built once
      if (Object.isFrozen(headers)) {
        this.linesFor = headers;
        this.lines = lines;
      }
    }
    const target =
      request.query.length > 0
        ? this.basePathPrefix + request.path + '?' + request.query
        : this.basePathPrefix + request.path;
    const pending: PendingRequest = raw.request(request.method, target, lines, request.body);
    // no timer per request: one timer for the oldest deadline (all requests share timeoutMs, so
    // deadlines come in order); a request that is answered in time makes its abort a no-op
    const deadline: Deadline = { at: this.clock.now() + this.timeoutMs, pending };
    this.deadlines.push(deadline);
    if (this.deadlineTimer === undefined) this.armDeadlines();
    return pending.response.then(
      (response) => {
        deadline.pending = undefined;
        return response;
      },
      (error: unknown) => {
        deadline.pending = undefined;
        // a request whose bytes never left (queued, or its connection not up): certainly not placed
        if (!pending.requestSent && typeof error === 'object' && error !== null) neverSent.add(error);
        throw error;
      },
    );
  }

  /** Drop answered requests from the head; arm the timer for the oldest one still waiting. */
  private armDeadlines(): void {
    const q = this.deadlines;
    let head = 0;
    while (head < q.length && (q[head] as Deadline).pending === undefined) head++;
    if (head > 0) q.splice(0, head);
    const first = q[0];
    if (first === undefined) {
      this.deadlineTimer = undefined;
      return;
    }
    this.deadlineTimer = this.scheduler.at(first.at, (nowMs) => {
      this.deadlineTimer = undefined;
      this.expire(nowMs);
    });
  }

  private expire(nowMs: number): void {
    const q = this.deadlines;
    let n = 0;
    while (n < q.length && (q[n] as Deadline).at <= nowMs) n++;
    for (const d of q.splice(0, n)) {
      const pending = d.pending;
      if (pending !== undefined) {
        d.pending = undefined;
        pending.abort(new TimeoutSignal(this.timeoutMs));
      }
    }
    this.armDeadlines();
  }

  private exchangeNode(request: BuiltRequest): Promise<RawResponse> {
    return new Promise<RawResponse>((resolve, reject) => {
      const headers: Record<string, string | number> = { ...request.headers, Accept: 'application/json' };
      if (request.body.length > 0) headers['Content-Length'] = Buffer.byteLength(request.body);
      const req = this.lib.request({
        protocol: this.baseUrl.protocol,
        hostname: this.baseUrl.hostname,
        port: this.baseUrl.port,
        method: request.method,
        path: this.basePathPrefix + pathWithQuery(request),
        headers,
        agent: this.agent,
      });
      const timer = this.scheduler.at(this.clock.now() + this.timeoutMs, () => {
        req.destroy(new TimeoutSignal(this.timeoutMs));
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          this.scheduler.cancel(timer);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          });
        });
        res.on('error', (error) => {
          this.scheduler.cancel(timer);
          reject(error);
        });
      });
      req.on('error', (error) => {
        this.scheduler.cancel(timer);
        reject(error);
      });
      req.end(request.body.length > 0 ? request.body : undefined);
    });
  }
}

/** `Name: value\r\n`; a CR, LF or NUL in a value would split the request, so it is refused. */
function headerLine(name: string, value: string): string {
  if (/[\r\n\0]/.test(value)) {
    throw new InvariantError(`HTTP header ${name} contains a line break or NUL`, { header: name });
  }
  return `${name}: ${value}\r\n`;
}

/** Integers beyond 2^53 (some order ids) become strings, so they reach the mappers exactly. */
const BIG_INTEGER = /([:,[]\s*)(-?\d{16,})(?=\s*[,\]}])/g;

export function protectBigIntegers(body: string): string {
  return body.replace(BIG_INTEGER, (match, lead: string, digits: string) =>
    Number.isSafeInteger(Number(digits)) ? match : `${lead}"${digits}"`,
  );
}

function parseJson(body: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(protectBigIntegers(body)) as unknown };
  } catch {
    return { ok: false };
  }
}

function errorBody(value: unknown, raw: string): { code: number | undefined; msg: string } {
  if (typeof value === 'object' && value !== null) {
    const v = value as Record<string, unknown>;
    const code = typeof v.code === 'number' ? v.code : undefined;
    const msg = typeof v.msg === 'string' ? v.msg : raw.slice(0, 200);
    return { code, msg };
  }
  return { code: undefined, msg: raw.slice(0, 200) };
}
