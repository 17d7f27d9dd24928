/**
 * Fault injection for SimServer: what can go wrong between AEGIS and Binance, on demand.
 *
 * A `FaultSpec` (JSON) is applied by `SimServerOptions.faults` at construction, by
 * `SimServer.injectFaults(spec)` in-process, or by `POST /sim/faults` (loopback clients only, no auth; the
 * body is the spec). `GET /sim/faults` shows the armed faults and counters, `DELETE /sim/faults` clears
 * every armed fault (counters stay). Fields, all optional, applied in this order:
 *
 * - `clear: true` - disarm everything first (stalls are released, queued frames flushed).
 * - `clockSkewMs` - the server clock as clients see it (`/fapi/v1/time`, exchangeInfo serverTime and the
 *   timestamp / recvWindow check) is shifted by this many ms (+ ahead, - behind). Replaces the skew.
 * - `addWeight` - adds request weight to the current minute window (rate-limit pressure): the next
 *   requests see a high X-MBX-USED-WEIGHT-1M and, over the limit, get 429 then 418.
 * - `http: [...]` - response faults, each matching `method` (default any) and `path` (exact, default any
 *   path except /sim/...) for the next `count` matching requests (default 1; 0 = until cleared):
 *   - `{"kind":"delay","ms":N}`: the request is served at once (an order is placed), the answer is
 *     written N ms (wall clock, like a slow network) later.
 *   - `{"kind":"error","status":503,"executed":false}`: answer 5xx (`status` 500-599, default 503) with
 *     Binance's `{"code":-1000,"msg":"Unknown error, please check your request or try again later."}`;
 *     `executed: true` serves the request first (an order is placed and its answer replaced by the
 *     error: Binance's "execution status unknown"), default false (nothing happens).
 *   - `{"kind":"lose-response"}`: the request is served (the order is placed), then the HTTP
 *     connection is destroyed without a byte of answer: the dangerous case.
 *   The first armed fault that matches a request applies (one per request).
 * - `dropSockets: "market" | "user" | "all"` - terminate those WebSockets now (TCP-level, no close
 *   frame: the client sees 1006), or `{"target": ..., "code": 1001, "reason": "..."}` for a clean close.
 * - `stall: {"target": "market" | "user" | "all", "ms": N}` - stop writing frames to those sockets (now
 *   open and opened later) for N ms of server clock, or until `{"target": ..., "release": true}` / clear
 *   without `ms`. Frames produced meanwhile are queued per socket and written, in order, when the stall
 *   ends (as a stalled TCP connection delivers late). Pings and pongs are not stalled. Stall deadlines
 *   are checked by housekeep() (timer, requests, feeds).
 * - `malformedFrames: N` - the next N market-stream publications are preceded, on every socket that gets
 *   them, by a malformed frame (the real frame's JSON cut in half). The real frame still follows.
 * - `expireListenKey: true` - every live listenKey expires now (listenKeyExpired event, sockets closed).
 * - `terminateUserStreams: true` - every spot WebSocket API user-data subscription gets
 *   `eventStreamTerminated` and ends (the socket stays open; the client must subscribe again).
 *
 * Counters (`FaultStats`) say what was actually applied, so a test can check that the fault happened.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError, toError } from '../../../core/errors.js';

export type StreamTarget = 'market' | 'user' | 'all';

const target = z.enum(['market', 'user', 'all']);

const httpMatch = {
  method: z.string().min(1).optional(),
  path: z.string().startsWith('/').optional(),
  count: z.number().int().min(0).optional(),
};

const httpFault = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('delay'), ms: z.number().int().min(0).max(600_000), ...httpMatch }).strict(),
  z
    .object({
      kind: z.literal('error'),
      status: z.number().int().min(500).max(599).optional(),
      executed: z.boolean().optional(),
      ...httpMatch,
    })
    .strict(),
  z.object({ kind: z.literal('lose-response'), ...httpMatch }).strict(),
]);

export const faultSpecSchema = z
  .object({
    clear: z.boolean().optional(),
    clockSkewMs: z.number().int().min(-86_400_000).max(86_400_000).optional(),
    addWeight: z.number().int().min(0).max(1_000_000).optional(),
    http: z.array(httpFault).optional(),
    dropSockets: z
      .union([
        target,
        z
          .object({
            target,
            code: z.number().int().min(1000).max(4999).optional(),
            reason: z.string().max(120).optional(),
          })
          .strict(),
      ])
      .optional(),
    stall: z
      .union([
        z.object({ target, ms: z.number().int().min(1).max(86_400_000).optional() }).strict(),
        z.object({ target, release: z.literal(true) }).strict(),
      ])
      .optional(),
    malformedFrames: z.number().int().min(0).max(1_000_000).optional(),
    expireListenKey: z.boolean().optional(),
    terminateUserStreams: z.boolean().optional(),
  })
  .strict();

export type FaultSpec = z.infer<typeof faultSpecSchema>;
export type HttpFaultSpec = z.infer<typeof httpFault>;

/** Parse a fault spec; a bad one throws ConfigError (CONFIG_INVALID) naming the field and the value. */
export function parseFaultSpec(input: unknown, source = 'faults'): FaultSpec {
  const r = faultSpecSchema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const path = issue === undefined ? '' : issue.path.map(String).join('.');
  const value = valueAt(input, issue?.path ?? []);
  throw new ConfigError([
    `${source}${path === '' ? '' : `.${path}`}: ${issue?.message ?? 'invalid'} (got ${value === undefined ? 'undefined' : JSON.stringify(value)})`,
  ]);
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const k of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

/** An armed HTTP fault with its remaining count (Infinity = until cleared). */
export interface ArmedHttpFault {
  readonly spec: HttpFaultSpec;
  remaining: number;
}

export interface FaultStats {
  delayed: number;
  errors: number;
  lostResponses: number;
  droppedSockets: number;
  malformedSent: number;
  stalledFrames: number;
  expiredListenKeys: number;
  weightAdded: number;
  /** Spot WebSocket API subscriptions ended with eventStreamTerminated. */
  terminatedStreams: number;
}

export function emptyStats(): FaultStats {
  return {
    delayed: 0,
    errors: 0,
    lostResponses: 0,
    droppedSockets: 0,
    malformedSent: 0,
    stalledFrames: 0,
    expiredListenKeys: 0,
    weightAdded: 0,
    terminatedStreams: 0,
  };
}

/** Armed HTTP faults: the first that matches a request is consumed. */
export class HttpFaults {
  private armed: ArmedHttpFault[] = [];

  arm(specs: readonly HttpFaultSpec[]): void {
    for (const spec of specs) {
      const count = spec.count ?? 1;
      this.armed.push({ spec, remaining: count === 0 ? Number.POSITIVE_INFINITY : count });
    }
  }

  clear(): void {
    this.armed = [];
  }

  /** The fault to apply to this request (consumed), if any. Control paths (/sim/...) never match. */
  take(method: string, path: string): HttpFaultSpec | undefined {
    if (path.startsWith('/sim/')) return undefined;
    const i = this.armed.findIndex(
      (f) =>
        f.remaining > 0 &&
        (f.spec.method === undefined || f.spec.method.toUpperCase() === method) &&
        (f.spec.path === undefined || f.spec.path === path),
    );
    if (i < 0) return undefined;
    const f = this.armed[i] as ArmedHttpFault;
    f.remaining--;
    if (f.remaining <= 0) this.armed.splice(i, 1);
    return f.spec;
  }

  list(): { spec: HttpFaultSpec; remaining: number | 'until cleared' }[] {
    return this.armed.map((f) => ({
      spec: f.spec,
      remaining: Number.isFinite(f.remaining) ? f.remaining : 'until cleared',
    }));
  }
}

/** Binance's answer to a request whose outcome it does not know (reference binance-api.md section 7). */
export const UNKNOWN_ERROR_BODY = {
  code: -1000,
  msg: 'Unknown error, please check your request or try again later.',
};

/** Cut a frame in half: never valid JSON (an object's closing brace is always lost). */
export function malformed(frame: string): string {
  return frame.slice(0, Math.max(1, Math.floor(frame.length / 2)));
}

/**
 * A fault spec from a command-line argument: inline JSON (`{"clockSkewMs":-1500}`) or `@path` to a JSON
 * file. A bad argument throws ConfigError naming `--faults`, the file and the problem.
 */
export function faultSpecFromArg(arg: string): FaultSpec {
  let text = arg;
  let source = '--faults';
  if (arg.startsWith('@')) {
    const file = arg.slice(1);
    source = `--faults ${file}`;
    try {
      text = readFileSync(file, 'utf8');
    } catch (caught) {
      throw new ConfigError([`${source}: cannot read the file: ${toError(caught).message}`]);
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (caught) {
    throw new ConfigError([`${source}: not valid JSON (${toError(caught).message}): ${text.slice(0, 80)}`]);
  }
  return parseFaultSpec(json, source);
}
