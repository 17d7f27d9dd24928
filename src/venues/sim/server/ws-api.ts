/**
 * The spot WebSocket API user-data methods for SimServer (`ws://<host>:<port>/ws-api/v3`), as Binance
 * serves them since the spot listenKey was discontinued on 2026-02-20
 * (https://developers.binance.com/docs/binance-spot-api-docs/websocket-api/user-data-stream-requests,
 * /work/shared/reference/binance-api.md section 6):
 *
 * - `userDataStream.subscribe.signature {apiKey, timestamp, recvWindow?, signature}`: checked like a REST
 *   SIGNED request (auth.ts: -2015 key, -1022 HMAC-SHA256 signature, -1021 timestamp / recvWindow); the
 *   signature payload is every param but `signature`, sorted by name, `name=value` joined with `&`.
 *   Answer `{id, status: 200, result: {subscriptionId}}`.
 * - `session.logon`: Binance accepts only Ed25519 keys there; the simulator has only the HMAC key, so it
 *   answers -1002 "You are not authorized to execute this request."; `userDataStream.subscribe`, which
 *   needs a logged-on session, answers -2015 (status 401). Both codes are the simulator's choice.
 * - `userDataStream.unsubscribe {subscriptionId?}`: ends one subscription, or all of the session's.
 * - Errors: `{id, status, error: {code, msg}}` (status 400, 401 for -2015). An unknown method or a
 *   frame that is not JSON is answered status 400 code -1000 (the simulator's choice, not checked
 *   against Binance).
 * - Events: `{"subscriptionId": n, "event": {...}}` for every subscription of every session, in the
 *   engine's order: executionReport (from the engine's spot execution reports), outboundAccountPosition
 *   (from the engine's spot balance changes, which happen on fills). The engine has no deposits or
 *   withdrawals, so balanceUpdate is never produced. `terminate()` sends eventStreamTerminated to every
 *   subscription and ends them (fault `terminateUserStreams`).
 *
 * Frames go through the server's `write` (so `stall` and `dropSockets` with target "user" apply).
 */
import type { WebSocket } from 'ws';
import { toError } from '../../../core/errors.js';
import type { Logger } from '../../../core/logger.js';
import { Decimal } from '../../../domain/decimal.js';
import type { AccountUpdate, ExecutionReport } from '../types.js';
import { INVALID_KEY, checkSigned, mandatory, type ApiError } from './auth.js';
import type { Json } from './payloads.js';

export interface SimWsApiOptions {
  readonly apiKey: string;
  readonly apiSecret: string;
  /** The server clock as clients see it (skew included): timestamp checks. */
  readonly serverNow: () => number;
  /** Write one frame to a socket (the server's stall-aware writer). */
  readonly write: (ws: WebSocket, text: string) => void;
  readonly log: Logger;
}

interface Session {
  readonly subscriptions: Set<number>;
  nextSubscriptionId: number;
}

export interface SimWsApiStats {
  requests: number;
  refused: number;
  subscriptions: number;
  eventsSent: number;
  terminated: number;
}

const UNAUTHORIZED: ApiError = {
  status: 400,
  code: -1002,
  msg: 'You are not authorized to execute this request.',
};

type Params = Readonly<Record<string, unknown>>;

/** Binance executionReport fields (spot "User Data Stream" page) from an engine report. */
export function executionReportJson(e: ExecutionReport): Json {
  const spotType =
    e.type === 'STOP_MARKET'
      ? 'STOP_LOSS'
      : e.type === 'TAKE_PROFIT_MARKET'
        ? 'TAKE_PROFIT'
        : e.type === 'LIMIT' && e.timeInForce === 'GTX'
          ? 'LIMIT_MAKER'
          : e.type;
  const trade = e.execType === 'TRADE';
  // decimals as spot writes them: 8 places ("0.01000000")
  const d8 = (text: string): string => Decimal.parse(text).toFixed(8);
  return {
    e: 'executionReport',
    E: e.time,
    s: e.symbol,
    c: e.clientOrderId,
    S: e.side,
    o: spotType,
    f: e.type === 'LIMIT' && e.timeInForce !== 'GTX' ? e.timeInForce : 'GTC',
    q: d8(e.origQty),
    p: d8(e.price),
    P: d8(e.stopPrice),
    F: '0.00000000',
    g: -1,
    C: '',
    x: e.execType,
    X: e.status,
    r: 'NONE',
    i: e.orderId,
    l: d8(e.lastQty),
    z: d8(e.executedQty),
    L: d8(e.lastPrice),
    n: d8(trade ? e.commission : '0'),
    N: trade ? e.commissionAsset : null,
    T: e.time,
    t: trade ? e.tradeId : -1,
    w: e.status === 'NEW' && (e.type === 'LIMIT' || e.type === 'MARKET'),
    m: e.maker,
    M: false,
    O: e.time,
    Z: d8(e.cumQuote),
    Y: trade ? Decimal.parse(e.lastQty).mul(Decimal.parse(e.lastPrice)).toFixed(8) : '0.00000000',
    Q: '0.00000000',
    W: e.time,
    V: 'EXPIRE_MAKER',
  };
}

/** outboundAccountPosition from an engine account update (spot balances after a change). */
export function accountPositionJson(u: AccountUpdate): Json {
  const d8 = (text: string): string => Decimal.parse(text).toFixed(8);
  return {
    e: 'outboundAccountPosition',
    E: u.time,
    u: u.time,
    B: u.balances.map((b) => ({ a: b.asset, f: d8(b.free), l: d8(b.locked) })),
  };
}

export class SimWsApi {
  readonly stats: SimWsApiStats = { requests: 0, refused: 0, subscriptions: 0, eventsSent: 0, terminated: 0 };
  private readonly o: SimWsApiOptions;
  private readonly sessions = new Map<WebSocket, Session>();

  constructor(options: SimWsApiOptions) {
    this.o = options;
  }

  /** A socket upgraded on /ws-api/v3. */
  open(ws: WebSocket): void {
    this.sessions.set(ws, { subscriptions: new Set(), nextSubscriptionId: 0 });
  }

  close(ws: WebSocket): void {
    this.sessions.delete(ws);
  }

  /** Live subscriptions over all sessions. */
  get subscriptionCount(): number {
    let n = 0;
    for (const s of this.sessions.values()) n += s.subscriptions.size;
    return n;
  }

  onMessage(ws: WebSocket, text: string): void {
    const session = this.sessions.get(ws);
    if (session === undefined) return;
    this.stats.requests++;
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch (caught) {
      this.o.log.debug({ err: toError(caught).message }, 'sim ws-api: unparsable request');
      this.refuse(ws, null, { status: 400, code: -1000, msg: 'Malformed request: not JSON.' });
      return;
    }
    const m = (typeof msg === 'object' && msg !== null ? msg : {}) as Record<string, unknown>;
    const id = typeof m.id === 'string' || typeof m.id === 'number' ? m.id : null;
    const params = (typeof m.params === 'object' && m.params !== null ? m.params : {}) as Params;
    switch (m.method) {
      case 'userDataStream.subscribe.signature': {
        const denied = this.checkSignature(params);
        if (denied !== undefined) {
          this.refuse(ws, id, denied);
          return;
        }
        const subscriptionId = session.nextSubscriptionId++;
        session.subscriptions.add(subscriptionId);
        this.stats.subscriptions++;
        this.reply(ws, id, { subscriptionId });
        return;
      }
      case 'session.logon':
        this.refuse(ws, id, UNAUTHORIZED);
        return;
      case 'userDataStream.subscribe':
        // no session can be logged on (no Ed25519 key): the request lacks an authenticated key
        this.refuse(ws, id, INVALID_KEY);
        return;
      case 'userDataStream.unsubscribe': {
        const sub = params.subscriptionId;
        if (sub === undefined) session.subscriptions.clear();
        else if (typeof sub === 'number') session.subscriptions.delete(sub);
        else {
          this.refuse(ws, id, mandatory('subscriptionId'));
          return;
        }
        this.reply(ws, id, {});
        return;
      }
      default:
        this.refuse(ws, id, { status: 400, code: -1000, msg: `Unknown method ${String(m.method)}.` });
    }
  }

  /** Push one event to every subscription. */
  push(event: Json): void {
    for (const [ws, session] of this.sessions) {
      for (const subscriptionId of session.subscriptions) {
        this.o.write(ws, JSON.stringify({ subscriptionId, event }));
        this.stats.eventsSent++;
      }
    }
  }

  pushExecution(e: ExecutionReport): void {
    if (this.sessions.size > 0) this.push(executionReportJson(e));
  }

  pushAccount(u: AccountUpdate): void {
    if (this.sessions.size > 0) this.push(accountPositionJson(u));
  }

  /** eventStreamTerminated to every subscription, which ends (the client must subscribe again). */
  terminate(time: number): number {
    let n = 0;
    for (const [ws, session] of this.sessions) {
      for (const subscriptionId of session.subscriptions) {
        this.o.write(ws, JSON.stringify({ subscriptionId, event: { e: 'eventStreamTerminated', E: time } }));
        n++;
      }
      session.subscriptions.clear();
    }
    this.stats.terminated += n;
    return n;
  }

  /** Signed params checked like REST (auth.ts), with the WebSocket API's sorted payload. */
  private checkSignature(params: Params): ApiError | undefined {
    const flat: Record<string, string> = {};
    for (const [k, v] of Object.entries(params)) {
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') flat[k] = String(v);
    }
    const signature = flat.signature;
    if (signature === undefined || signature === '') return mandatory('signature');
    if (flat.apiKey === undefined || flat.apiKey === '') return mandatory('apiKey');
    const payload = Object.keys(flat)
      .filter((k) => k !== 'signature')
      .sort()
      .map((k) => `${k}=${flat[k] ?? ''}`)
      .join('&');
    return checkSigned(
      {
        apiKeyHeader: flat.apiKey,
        query: `${payload}&signature=${encodeURIComponent(signature)}`,
        body: '',
        params: flat,
      },
      this.o.apiKey,
      this.o.apiSecret,
      this.o.serverNow(),
    );
  }

  private reply(ws: WebSocket, id: string | number | null, result: Json): void {
    this.o.write(ws, JSON.stringify({ id, status: 200, result }));
  }

  private refuse(ws: WebSocket, id: string | number | null, error: ApiError): void {
    this.stats.refused++;
    this.o.write(
      ws,
      JSON.stringify({ id, status: error.status, error: { code: error.code, msg: error.msg } }),
    );
  }
}
