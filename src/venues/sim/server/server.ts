/**
 * SimServer: a Binance USDⓈ-M futures look-alike on 127.0.0.1, backed by the in-process MatchingEngine.
 * One port serves REST (node:http) and WebSockets (`ws`): restUrl and wsUrl differ only in scheme.
 *
 * - REST: the /fapi paths registered in buildRoutes() (v1 ping/time/exchangeInfo/klines/premiumIndex,
 *   order, openOrders, allOrders, userTrades, leverageBracket, positionSide/dual (GET: one-way only),
 *   leverage, marginType, algoOrder, openAlgoOrders, listenKey; v2 and v3 balance, positionRisk,
 *   account), JSON bodies shaped like Binance's (payloads.ts). A parameter sent in both the query and the
 *   body takes the query's value, as on Binance. ccxt's binanceusdm runs against these unchanged
 *   (ccxt.test.ts).
 * - Spot: /api/v3 ping, time, exchangeInfo, klines, order (POST/GET/DELETE; newOrderRespType ACK /
 *   RESULT / FULL), openOrders, account, myTrades for the engine's spot instruments (spot.ts). The engine
 *   keeps one book per symbol, so spot and futures instruments need distinct symbols (a clash is a
 *   ConfigError). Spot and futures share one rate limiter. The spot user stream is served over the
 *   WebSocket API path /ws-api/v3 (ws-api.ts: userDataStream.subscribe.signature, executionReport,
 *   outboundAccountPosition, eventStreamTerminated); spot fills and balance changes are not sent on the
 *   futures user stream.
 * - Faults (faults.ts): `faults` option, injectFaults(), and POST/GET/DELETE /sim/faults (loopback
 *   clients only): clock skew, extra weight, HTTP delay / 5xx / lost response, dropped and stalled
 *   sockets, malformed market frames, listenKey expiry. `faultStats` counts what was applied.
 *   SIGNED endpoints check X-MBX-APIKEY (-2015), the HMAC-SHA256 signature over query + body (-1022) and
 *   timestamp / recvWindow against the server clock (-1021): see auth.ts. USER_STREAM endpoints check the
 *   key only. Every response carries X-MBX-USED-WEIGHT-1M, order endpoints X-MBX-ORDER-COUNT-1M/-10S;
 *   over a limit -> 429 + Retry-After, repeated -> 418 (rate-limit.ts).
 * - Orders go to the engine at engine time (the latest fed market event). POST /fapi/v1/order answers the
 *   order's state after the submit (a MARKET order is already FILLED) whatever newOrderRespType says.
 *   STOP_MARKET / TAKE_PROFIT_MARKET are refused there with -4120 and accepted by /fapi/v1/algoOrder,
 *   where they become the engine's stop orders (always triggered by the contract price the engine
 *   sees: workingType MARK_PRICE is accepted and echoed but not honoured).
 * - Market streams: /ws/<stream>[/<stream>...] (raw) and /stream?streams=a/b (combined, wrapped
 *   {"stream","data"}), with SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS (more than
 *   `maxControlMessagesPerSecond` in one second closes the socket with 1008). Any `<symbol>@<name>` is
 *   accepted; only the four kinds below ever carry data. Payloads come from feedTrade
 *   (aggTrade), feedQuote (bookTicker), feedMarkPrice (markPrice, markPrice@1s: every update is sent to
 *   both) and feedCandle (kline_<interval>); the feed calls also drive the engine (feedCandle only with
 *   closed candles). Event times E are the market events' times, so a replay produces identical frames.
 * - User data stream: /ws/<listenKey> receives ORDER_TRADE_UPDATE, ACCOUNT_UPDATE and ALGO_UPDATE made from
 *   the engine's reports. A listenKey lives `listenKeyTtlMs` after its last POST/PUT; on expiry the server
 *   sends {"e":"listenKeyExpired"} and closes its sockets. Every socket is closed after
 *   `maxConnectionAgeMs`; the server pings each socket every `pingIntervalMs` and closes one that sent
 *   no pong (solicited or not) for `pongTimeoutMs`.
 * - Time: `clock` (default: the wall clock) gives serverTime, checks timestamps, ages listenKeys and
 *   sockets and windows the rate limits. Expiries are checked by `housekeep()`, which runs on every REST
 *   request, on feed calls once a deadline has passed and, unless `housekeepingIntervalMs` is 0, on a
 *   timer. Tests use a manual clock and call `housekeep()`.
 * - Algo orders share the engine's client-order-id space with regular orders (an active algo's
 *   clientAlgoId cannot be reused as a newClientOrderId: -4116). A triggered algo's market order keeps
 *   the clientAlgoId as its clientOrderId and the engine's order id (ALGO_UPDATE `ai`), and is visible to
 *   GET /fapi/v1/order from then on.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type RawData, WebSocket } from 'ws';
import type { Clock } from '../../../core/clock.js';
import { AegisError, ConfigError, InvariantError, toError } from '../../../core/errors.js';
import { silentLogger, type Logger } from '../../../core/logger.js';
import { Decimal } from '../../../domain/decimal.js';
import type { Instrument } from '../../../domain/instrument.js';
import { isInterval, type Candle, type MarkPrice, type Quote, type Trade } from '../../../domain/market.js';
import type { OrderType, TimeInForce } from '../../../domain/order.js';
import type { Side } from '../../../domain/signal.js';
import { MatchingEngine } from '../engine.js';
import type {
  EngineOptions,
  ExecutionReport,
  PositionView,
  SimEvent,
  SimOrderView,
  SimResult,
} from '../types.js';
import { checkApiKey, checkSigned, mandatory, type ApiError } from './auth.js';
import {
  accountJson,
  accountUpdateJson,
  aggTradeJson,
  balanceJson,
  bookTickerJson,
  exchangeInfoJson,
  klineEventJson,
  klineRow,
  markPriceJson,
  MAX_NOTIONAL,
  orderJson,
  orderTradeUpdateJson,
  positionRiskJson,
  userTradeJson,
  precisionOf,
  type AssetTotals,
  type Json,
  type Precision,
} from './payloads.js';
import {
  emptyStats,
  HttpFaults,
  malformed,
  parseFaultSpec,
  UNKNOWN_ERROR_BODY,
  type FaultSpec,
  type FaultStats,
  type HttpFaultSpec,
  type StreamTarget,
} from './faults.js';
import { RateLimiter, type RateLimitOptions } from './rate-limit.js';
import {
  spotAccountJson,
  spotExchangeInfoJson,
  spotNewOrderJson,
  spotOrderJson,
  spotTradeJson,
} from './spot.js';
import { SimWsApi } from './ws-api.js';

export interface SimServerOptions {
  readonly apiKey: string;
  readonly apiSecret: string;
  /** Engine configuration (instruments, balances, fees...). The server owns the engine's event sink. */
  readonly engine: Omit<EngineOptions, 'onEvent'>;
  /** Server clock (serverTime, timestamp checks, expiries, rate windows). Default: wall clock. */
  readonly clock?: Clock;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0 (any free port). */
  readonly port?: number;
  /** listenKey validity after its last POST/PUT. Default 60 min (Binance). */
  readonly listenKeyTtlMs?: number;
  /** Sockets are closed after this age. Default 24 h (Binance). */
  readonly maxConnectionAgeMs?: number;
  /** The server pings every socket this often (server clock). Default 3 min (Binance USD-M). */
  readonly pingIntervalMs?: number;
  /** A socket with no pong for this long is closed. Default 10 min (Binance USD-M). */
  readonly pongTimeoutMs?: number;
  /** Incoming SUBSCRIBE/UNSUBSCRIBE/LIST messages per second per socket; above it the socket is closed. Default 10 (USD-M). */
  readonly maxControlMessagesPerSecond?: number;
  /** Wall-clock period of the expiry check; 0 = only on requests, feeds and explicit housekeep(). Default 1000. */
  readonly housekeepingIntervalMs?: number;
  readonly rateLimits?: RateLimitOptions;
  /** Faults armed from the start (same JSON as POST /sim/faults; see faults.ts). */
  readonly faults?: FaultSpec;
  readonly logger?: Logger;
}

export interface SimServerUrls {
  /** e.g. http://127.0.0.1:12345 (use as the futures REST base URL). */
  readonly restUrl: string;
  /** e.g. ws://127.0.0.1:12345 (use as the futures stream base URL: /ws/..., /stream?streams=...). */
  readonly wsUrl: string;
  /** e.g. ws://127.0.0.1:12345/ws-api/v3 (the spot WebSocket API: user data stream). */
  readonly wsApiUrl: string;
}

type AlgoStatus = 'NEW' | 'TRIGGERING' | 'TRIGGERED' | 'FINISHED' | 'CANCELED' | 'REJECTED' | 'EXPIRED';

interface AlgoRecord {
  readonly algoId: number;
  readonly clientAlgoId: string;
  readonly engineOrderId: number;
  readonly symbol: string;
  readonly side: Side;
  readonly orderType: 'STOP_MARKET' | 'TAKE_PROFIT_MARKET';
  readonly quantity: string;
  readonly triggerPrice: string;
  readonly closePosition: boolean;
  readonly reduceOnly: boolean;
  readonly workingType: string;
  readonly priceProtect: boolean;
  readonly createTime: number;
  status: AlgoStatus;
  updateTime: number;
  triggerTime: number;
  reason: string;
}

interface MarketConn {
  readonly kind: 'market';
  readonly combined: boolean;
  readonly subs: Set<string>;
  readonly openedAt: number;
  /** Incoming control messages in the current one-second window (server clock). */
  msgWindow: number;
  msgCount: number;
}

interface UserConn {
  readonly kind: 'user';
  readonly listenKey: string;
  readonly openedAt: number;
}

/** A spot WebSocket API session (/ws-api/v3); counts as a "user" socket for faults. */
interface WsApiConn {
  readonly kind: 'wsapi';
  readonly openedAt: number;
}

type Conn = MarketConn | UserConn | WsApiConn;

/** The fault target a socket belongs to. */
function streamKind(conn: Conn): 'market' | 'user' {
  return conn.kind === 'market' ? 'market' : 'user';
}

interface PositionMargins {
  readonly p: PositionView;
  readonly inst: Instrument;
  readonly initialMargin: Decimal;
  readonly maintMargin: Decimal;
}

interface Reply {
  readonly status: number;
  readonly body: unknown;
}

interface Request {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly body: string;
  readonly params: Readonly<Record<string, string>>;
  readonly apiKeyHeader: string | undefined;
}

type Security = 'NONE' | 'USER_STREAM' | 'SIGNED';

interface Route {
  readonly security: Security;
  /** Counts toward the ORDERS limits. */
  readonly order: boolean;
  weight(params: Readonly<Record<string, string>>): number;
  handle(req: Request): Reply;
}

/** A Binance error reply (thrown inside handlers, turned into {code,msg} with its HTTP status). */
class ApiFailure extends AegisError {
  constructor(readonly error: ApiError) {
    super('VENUE_REJECTED', error.msg, { context: { venueCode: error.code } });
  }
}

function fail(code: number, msg: string, status = 400): never {
  throw new ApiFailure({ status, code, msg });
}

function ok(body: unknown): Reply {
  return { status: 200, body };
}

function unwrap<T>(r: SimResult<T>): T {
  if (!r.ok) fail(r.code, r.msg);
  return r.value;
}

const STREAM_NAME = /^[a-z0-9]+@[A-Za-z0-9_@]+$/;
const ALGO_ID_BASE = 1_000_000_000;
/** listenKeys: 64 alphanumerics, like Binance's. */
const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export class SimServer {
  readonly engine: MatchingEngine;
  private readonly apiKey: string;
  private readonly apiSecret: string;
  private readonly clock: Clock;
  private readonly host: string;
  private readonly port: number;
  private readonly listenKeyTtlMs: number;
  private readonly maxAgeMs: number;
  private readonly pingIntervalMs: number;
  private readonly pongTimeoutMs: number;
  private readonly maxControlPerSecond: number;
  private readonly housekeepingMs: number;
  private readonly log: Logger;
  private readonly limiter: RateLimiter;
  private readonly instruments = new Map<string, Instrument>();
  /** Spot instruments (market 'spot'), served on /api/v3. */
  private readonly spotInstruments = new Map<string, Instrument>();
  /** Set while a spot order is submitted: its fills, for newOrderRespType FULL. */
  private spotFillsOfSubmit: ExecutionReport[] | undefined;
  private readonly precision = new Map<string, Precision>();
  private readonly balanceAssets: string[];
  private readonly klines = new Map<string, Candle[]>();
  private readonly marks = new Map<string, MarkPrice>();
  private readonly conns = new Map<WebSocket, Conn>();
  private readonly beats = new Map<WebSocket, { lastPing: number; lastPong: number }>();
  private readonly listenKeys = new Map<string, number>();
  private readonly algos = new Map<number, AlgoRecord>();
  private readonly algoByEngineId = new Map<number, AlgoRecord>();
  private readonly routes: ReadonlyMap<string, Route>;
  /** The spot WebSocket API (/ws-api/v3) sessions and their user-data subscriptions. */
  readonly wsApi: SimWsApi;
  private nextAlgoId = ALGO_ID_BASE + 1;
  /** Set while an algo order is being submitted: the engine's NEW report carries its order id. */
  private capturingAlgo = false;
  private capturedEngineId = 0;
  private nextDeadline = Number.POSITIVE_INFINITY;
  /** Fills per symbol (GET /fapi/v1/userTrades), in execution order. */
  private readonly fills = new Map<string, ExecutionReport[]>();
  /** Engine order ids per symbol in creation order (GET /fapi/v1/allOrders). */
  private readonly orderIds = new Map<string, number[]>();
  private readonly seenOrders = new Set<number>();
  // fault injection (faults.ts)
  private readonly httpFaults = new HttpFaults();
  private readonly stallUntil = new Map<'market' | 'user', number>();
  private readonly stalledQueues = new Map<WebSocket, string[]>();
  private clockSkewMs = 0;
  private malformedLeft = 0;
  /** What the fault injector actually did. */
  readonly faultStats: FaultStats = emptyStats();
  private http: http.Server | undefined;
  private wss: WebSocketServer | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Handler exceptions answered with 500 (bugs); also logged. */
  internalErrors = 0;

  constructor(options: SimServerOptions) {
    this.apiKey = options.apiKey;
    this.apiSecret = options.apiSecret;
    this.clock = options.clock ?? { now: () => Date.now() };
    this.host = options.host ?? '127.0.0.1';
    this.port = options.port ?? 0;
    this.listenKeyTtlMs = options.listenKeyTtlMs ?? 3_600_000;
    this.maxAgeMs = options.maxConnectionAgeMs ?? 86_400_000;
    this.pingIntervalMs = options.pingIntervalMs ?? 180_000;
    this.pongTimeoutMs = options.pongTimeoutMs ?? 600_000;
    this.maxControlPerSecond = options.maxControlMessagesPerSecond ?? 10;
    this.housekeepingMs = options.housekeepingIntervalMs ?? 1000;
    this.log = options.logger ?? silentLogger;
    this.limiter = new RateLimiter(options.rateLimits);
    this.wsApi = new SimWsApi({
      apiKey: this.apiKey,
      apiSecret: this.apiSecret,
      serverNow: () => this.serverNow(),
      write: (ws, text) => {
        if (ws.readyState === WebSocket.OPEN) this.write(ws, 'user', text);
      },
      log: this.log,
    });
    this.engine = new MatchingEngine({
      ...options.engine,
      onEvent: (e) => {
        this.onEngineEvent(e);
      },
    });
    const seen = new Set<string>();
    for (const inst of options.engine.instruments) {
      // the engine keeps one book per symbol: a spot and a futures instrument cannot share a name
      if (seen.has(inst.symbol)) {
        throw new ConfigError([
          `engine.instruments: symbol ${inst.symbol} appears twice (the engine has one book per symbol; give spot and futures instruments distinct symbols)`,
        ]);
      }
      seen.add(inst.symbol);
      if (inst.market === 'spot') {
        this.spotInstruments.set(inst.symbol, inst);
        continue;
      }
      this.instruments.set(inst.symbol, inst);
      this.precision.set(inst.symbol, precisionOf(inst));
    }
    const assets = new Set(Object.keys(options.engine.balances ?? {}));
    for (const inst of this.instruments.values()) assets.add(inst.quoteAsset);
    this.balanceAssets = [...assets].sort();
    this.routes = this.buildRoutes();
    if (options.faults !== undefined) this.injectFaults(parseFaultSpec(options.faults, 'faults'));
  }

  // ------------------------------------------------------------------------------ fault injection

  /** The server clock as clients see it: the clock plus the injected skew. */
  serverNow(): number {
    return this.clock.now() + this.clockSkewMs;
  }

  /** Apply a fault spec (see faults.ts for every field). Throws ConfigError on a malformed spec. */
  injectFaults(input: FaultSpec): void {
    const spec = parseFaultSpec(input);
    if (spec.clear === true) this.clearFaults();
    if (spec.clockSkewMs !== undefined) this.clockSkewMs = spec.clockSkewMs;
    if (spec.addWeight !== undefined) {
      this.limiter.addWeight(this.clock.now(), spec.addWeight);
      this.faultStats.weightAdded += spec.addWeight;
    }
    if (spec.http !== undefined) this.httpFaults.arm(spec.http);
    if (spec.dropSockets !== undefined) {
      const d = typeof spec.dropSockets === 'string' ? { target: spec.dropSockets } : spec.dropSockets;
      this.dropSockets(d.target, d.code, d.reason);
    }
    if (spec.stall !== undefined) {
      const st = spec.stall;
      const kinds: ('market' | 'user')[] = st.target === 'all' ? ['market', 'user'] : [st.target];
      for (const k of kinds) {
        if ('release' in st) this.releaseStall(k);
        else {
          const until = st.ms === undefined ? Number.POSITIVE_INFINITY : this.clock.now() + st.ms;
          this.stallUntil.set(k, until);
          if (until < this.nextDeadline) this.nextDeadline = until;
        }
      }
    }
    if (spec.malformedFrames !== undefined) this.malformedLeft += spec.malformedFrames;
    if (spec.expireListenKey === true) {
      const now = this.clock.now();
      for (const [key, expiresAt] of this.listenKeys) {
        if (expiresAt > now) {
          this.listenKeys.set(key, now);
          this.faultStats.expiredListenKeys++;
        }
      }
      this.housekeep();
    }
    if (spec.terminateUserStreams === true) {
      this.faultStats.terminatedStreams += this.wsApi.terminate(this.serverNow());
    }
  }

  /** Disarm every fault: skew 0, HTTP faults dropped, stalls released (queued frames written). */
  clearFaults(): void {
    this.clockSkewMs = 0;
    this.malformedLeft = 0;
    this.httpFaults.clear();
    this.releaseStall('market');
    this.releaseStall('user');
  }

  /** The armed faults and the counters (GET /sim/faults). */
  faultState(): Json {
    const stalls: Record<string, number | string> = {};
    for (const [k, until] of this.stallUntil) stalls[k] = Number.isFinite(until) ? until : 'until released';
    return {
      clockSkewMs: this.clockSkewMs,
      http: this.httpFaults.list(),
      stalls,
      malformedFramesLeft: this.malformedLeft,
      stats: { ...this.faultStats },
    };
  }

  private dropSockets(target: StreamTarget, code: number | undefined, reason: string | undefined): void {
    for (const [ws, conn] of [...this.conns]) {
      if (target !== 'all' && streamKind(conn) !== target) continue;
      this.conns.delete(ws);
      this.beats.delete(ws);
      this.stalledQueues.delete(ws);
      this.faultStats.droppedSockets++;
      if (code === undefined) ws.terminate();
      else ws.close(code, reason ?? 'fault injection');
    }
  }

  private releaseStall(kind: 'market' | 'user'): void {
    if (!this.stallUntil.delete(kind)) return;
    for (const [ws, queue] of [...this.stalledQueues]) {
      const conn = this.conns.get(ws);
      if (conn === undefined) {
        this.stalledQueues.delete(ws);
        continue;
      }
      if (streamKind(conn) !== kind) continue;
      this.stalledQueues.delete(ws);
      if (ws.readyState !== WebSocket.OPEN) continue;
      for (const text of queue) ws.send(text);
    }
  }

  /** Write a frame, or queue it while the socket's kind is stalled. */
  private write(ws: WebSocket, kind: 'market' | 'user', text: string): void {
    if (this.stallUntil.has(kind)) {
      let q = this.stalledQueues.get(ws);
      if (q === undefined) {
        q = [];
        this.stalledQueues.set(ws, q);
      }
      q.push(text);
      this.faultStats.stalledFrames++;
      return;
    }
    ws.send(text);
  }

  // ------------------------------------------------------------------------------------ lifecycle

  async start(): Promise<SimServerUrls> {
    if (this.http !== undefined) throw new InvariantError('SimServer already started');
    const server = http.createServer((req, res) => {
      this.onHttp(req, res);
    });
    const wss = new WebSocketServer({ noServer: true });
    server.on('upgrade', (req, socket, head) => {
      const conn = this.routeUpgrade(req.url ?? '/');
      if (typeof conn === 'string') {
        socket.end(`HTTP/1.1 ${conn}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        this.onSocket(ws, conn);
      });
    });
    this.http = server;
    this.wss = wss;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    if (this.housekeepingMs > 0) {
      this.timer = setInterval(() => {
        this.housekeep();
      }, this.housekeepingMs);
      this.timer.unref();
    }
    const { port } = server.address() as AddressInfo;
    return {
      restUrl: `http://${this.host}:${port}`,
      wsUrl: `ws://${this.host}:${port}`,
      wsApiUrl: `ws://${this.host}:${port}/ws-api/v3`,
    };
  }

  /** Close every socket and the listener; nothing is left running. */
  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    for (const ws of this.conns.keys()) ws.terminate();
    this.conns.clear();
    this.beats.clear();
    const server = this.http;
    const wss = this.wss;
    this.http = undefined;
    this.wss = undefined;
    if (wss !== undefined) {
      await new Promise<void>((resolve) => {
        wss.close(() => {
          resolve();
        });
      });
    }
    if (server !== undefined) {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => {
        server.close((err) => {
          if (err === undefined) resolve();
          else reject(err);
        });
      });
    }
  }

  /** Open sockets (market and user), for tests and the dashboard. */
  get connections(): number {
    return this.conns.size;
  }

  // ---------------------------------------------------------------------------------- market feed

  feedTrade(t: Trade): void {
    this.engine.onTrade(t);
    const s = t.symbol.toLowerCase();
    this.publish(`${s}@aggTrade`, () => aggTradeJson(t, this.precisionOf(t.symbol)));
    this.maybeHousekeep();
  }

  feedQuote(q: Quote): void {
    this.engine.onQuote(q);
    this.publish(`${q.symbol.toLowerCase()}@bookTicker`, () => bookTickerJson(q, this.precisionOf(q.symbol)));
    this.maybeHousekeep();
  }

  feedMarkPrice(m: MarkPrice): void {
    this.engine.onMarkPrice(m);
    this.marks.set(m.symbol, m);
    const s = m.symbol.toLowerCase();
    const build = (): Json => markPriceJson(m, this.precisionOf(m.symbol));
    this.publish(`${s}@markPrice`, build);
    this.publish(`${s}@markPrice@1s`, build);
    this.maybeHousekeep();
  }

  /** A candle (closed or forming): kept for GET klines, sent to kline streams; a closed one drives the engine. */
  feedCandle(c: Candle): void {
    this.storeCandle(c);
    if (c.closed) this.engine.onCandle(c);
    this.publish(`${c.symbol.toLowerCase()}@kline_${c.interval}`, () =>
      klineEventJson(c, this.precisionOf(c.symbol), Math.max(c.openTime, this.engine.time())),
    );
    this.maybeHousekeep();
  }

  /** History for GET /fapi/v1/klines only (no streams, no engine). */
  seedKlines(candles: readonly Candle[]): void {
    for (const c of candles) this.storeCandle(c);
  }

  /**
   * At the server clock's now: expire listenKeys, close sockets past their age or silent (no pong) for
   * too long, ping the sockets whose ping is due.
   */
  housekeep(): void {
    const now = this.clock.now();
    let next = Number.POSITIVE_INFINITY;
    for (const [kind, until] of [...this.stallUntil]) {
      if (until <= now) this.releaseStall(kind);
      else if (until < next) next = until;
    }
    for (const [key, expiresAt] of this.listenKeys) {
      if (expiresAt <= now) {
        this.listenKeys.delete(key);
        this.closeUserSockets(key, { e: 'listenKeyExpired', E: now, listenKey: key });
      } else if (expiresAt < next) next = expiresAt;
    }
    for (const [ws, conn] of this.conns) {
      const due = conn.openedAt + this.maxAgeMs;
      if (due <= now) {
        this.conns.delete(ws);
        ws.close(1000, 'Connection reached its maximum age');
        continue;
      }
      const beat = this.beats.get(ws);
      if (beat !== undefined) {
        if (now - beat.lastPong >= this.pongTimeoutMs) {
          this.conns.delete(ws);
          ws.close(1000, 'No pong received in time');
          continue;
        }
        if (now - beat.lastPing >= this.pingIntervalMs && ws.readyState === WebSocket.OPEN) {
          beat.lastPing = now;
          ws.ping();
        }
        next = Math.min(next, beat.lastPing + this.pingIntervalMs, beat.lastPong + this.pongTimeoutMs);
      }
      if (due < next) next = due;
    }
    this.nextDeadline = next;
  }

  /** Make a listenKey expire now (fault injection / tests). Returns false when there is none. */
  expireListenKey(key: string): boolean {
    if (!this.listenKeys.has(key)) return false;
    this.listenKeys.set(key, this.clock.now());
    this.housekeep();
    return true;
  }

  private maybeHousekeep(): void {
    if (this.nextDeadline !== Number.POSITIVE_INFINITY && this.clock.now() >= this.nextDeadline)
      this.housekeep();
  }

  private precisionOf(symbol: string): Precision {
    return this.precision.get(symbol) ?? precisionOf(undefined);
  }

  private storeCandle(c: Candle): void {
    const key = `${c.symbol}|${c.interval}`;
    let list = this.klines.get(key);
    if (list === undefined) {
      list = [];
      this.klines.set(key, list);
    }
    const last = list[list.length - 1];
    if (last === undefined || last.openTime < c.openTime) {
      list.push(c);
      return;
    }
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((list[mid] as Candle).openTime < c.openTime) lo = mid + 1;
      else hi = mid;
    }
    if (list[lo]?.openTime === c.openTime) list[lo] = c;
    else list.splice(lo, 0, c);
  }

  // -------------------------------------------------------------------------------- engine events

  private onEngineEvent(e: SimEvent): void {
    if (e.e === 'funding') return; // an ACCOUNT_UPDATE with reason FUNDING_FEE follows
    if (e.e === 'accountUpdate') {
      // spot balance changes carry no position: they go to the spot user stream (WebSocket API)
      if (e.positions.length > 0) this.sendUser(accountUpdateJson(e));
      else this.wsApi.pushAccount(e);
      return;
    }
    this.record(e);
    if (this.spotInstruments.has(e.symbol)) {
      if (e.execType === 'TRADE') this.spotFillsOfSubmit?.push(e);
      this.wsApi.pushExecution(e);
      return;
    }
    if (this.capturingAlgo && e.execType === 'NEW') {
      this.capturedEngineId = e.orderId;
      return;
    }
    const algo = this.algoByEngineId.get(e.orderId);
    if (algo === undefined) {
      this.sendUser(orderTradeUpdateJson(e));
      return;
    }
    this.onAlgoReport(algo, e);
  }

  /** Keep what GET allOrders / userTrades / myTrades need. */
  private record(e: ExecutionReport): void {
    if (!this.seenOrders.has(e.orderId)) {
      this.seenOrders.add(e.orderId);
      let ids = this.orderIds.get(e.symbol);
      if (ids === undefined) {
        ids = [];
        this.orderIds.set(e.symbol, ids);
      }
      ids.push(e.orderId);
    }
    if (e.execType !== 'TRADE') return;
    let list = this.fills.get(e.symbol);
    if (list === undefined) {
      list = [];
      this.fills.set(e.symbol, list);
    }
    list.push(e);
  }

  private onAlgoReport(algo: AlgoRecord, e: ExecutionReport): void {
    const terminal = e.status === 'FILLED' || e.status === 'CANCELED' || e.status === 'EXPIRED';
    if (algo.status === 'NEW') {
      if (e.execType === 'CANCELED') {
        this.setAlgo(algo, 'CANCELED', e.time);
        return;
      }
      if (e.execType === 'EXPIRED') {
        algo.reason = algo.closePosition || algo.reduceOnly ? 'Reduce Only reject' : 'Margin is insufficient';
        this.setAlgo(algo, 'EXPIRED', e.time);
        return;
      }
      // Triggered: the algo service places a MARKET order in the matching engine.
      algo.triggerTime = e.time;
      this.setAlgo(algo, 'TRIGGERING', e.time);
      this.setAlgo(algo, 'TRIGGERED', e.time);
      this.sendUser(
        orderTradeUpdateJson(
          {
            ...e,
            execType: 'NEW',
            status: 'NEW',
            executedQty: '0',
            cumQuote: '0',
            avgPrice: '0',
            lastQty: '0',
            lastPrice: '0',
            commission: '0',
            commissionAsset: '',
            tradeId: 0,
            maker: false,
            realizedPnl: '0',
          },
          { type: 'MARKET', origType: algo.orderType },
        ),
      );
    }
    if (algo.status === 'TRIGGERED') {
      this.sendUser(orderTradeUpdateJson(e, { type: 'MARKET', origType: algo.orderType }));
      if (terminal) this.setAlgo(algo, 'FINISHED', e.time);
    }
  }

  private setAlgo(algo: AlgoRecord, status: AlgoStatus, time: number): void {
    algo.status = status;
    algo.updateTime = time;
    this.sendUser(this.algoUpdateJson(algo, time));
  }

  private algoEngineView(algo: AlgoRecord): SimOrderView | undefined {
    const r = this.engine.query({ symbol: algo.symbol, orderId: algo.engineOrderId });
    return r.ok ? r.value : undefined;
  }

  private algoUpdateJson(algo: AlgoRecord, time: number): Json {
    const placed = algo.status === 'TRIGGERED' || algo.status === 'FINISHED';
    const v = placed ? this.algoEngineView(algo) : undefined;
    return {
      e: 'ALGO_UPDATE',
      T: time,
      E: time,
      o: {
        caid: algo.clientAlgoId,
        aid: algo.algoId,
        at: 'CONDITIONAL',
        o: algo.orderType,
        s: algo.symbol,
        S: algo.side,
        ps: 'BOTH',
        f: 'GTC',
        q: algo.quantity,
        X: algo.status,
        ai: placed ? String(algo.engineOrderId) : '',
        ap: v?.avgPrice ?? '0',
        aq: v?.executedQty ?? '0',
        act: placed ? 'MARKET' : '',
        tp: algo.triggerPrice,
        p: '0',
        V: 'EXPIRE_MAKER',
        wt: algo.workingType,
        pm: 'NONE',
        cp: algo.closePosition,
        pP: algo.priceProtect,
        R: algo.reduceOnly,
        tt: algo.triggerTime,
        gtd: 0,
        rm: algo.reason,
      },
    };
  }

  private algoJson(algo: AlgoRecord): Json {
    const placed = algo.status === 'TRIGGERED' || algo.status === 'FINISHED';
    const v = placed ? this.algoEngineView(algo) : undefined;
    return {
      algoId: algo.algoId,
      clientAlgoId: algo.clientAlgoId,
      algoType: 'CONDITIONAL',
      orderType: algo.orderType,
      symbol: algo.symbol,
      side: algo.side,
      positionSide: 'BOTH',
      timeInForce: 'GTC',
      quantity: algo.quantity,
      algoStatus: algo.status,
      actualOrderId: placed ? String(algo.engineOrderId) : '',
      actualPrice: v?.avgPrice ?? '0',
      triggerPrice: algo.triggerPrice,
      price: '0',
      icebergQuantity: null,
      tpTriggerPrice: '0',
      tpPrice: '0',
      slTriggerPrice: '0',
      slPrice: '0',
      tpOrderType: '',
      selfTradePreventionMode: 'EXPIRE_MAKER',
      workingType: algo.workingType,
      priceMatch: 'NONE',
      closePosition: algo.closePosition,
      priceProtect: algo.priceProtect,
      reduceOnly: algo.reduceOnly,
      activatePrice: '',
      callbackRate: '',
      createTime: algo.createTime,
      updateTime: algo.updateTime,
      triggerTime: algo.triggerTime,
      goodTillDate: 0,
    };
  }

  // ------------------------------------------------------------------------------------ websocket

  /** Decide what an upgrade request connects to, or the HTTP status line refusing it. */
  private routeUpgrade(rawUrl: string): Conn | string {
    const url = new URL(rawUrl, 'http://127.0.0.1');
    const now = this.clock.now();
    if (url.pathname === '/stream') {
      const streams = (url.searchParams.get('streams') ?? '').split('/').filter((s) => s !== '');
      if (!streams.every((s) => STREAM_NAME.test(s))) return '400 Bad Request';
      return {
        kind: 'market',
        combined: true,
        subs: new Set(streams),
        openedAt: now,
        msgWindow: -1,
        msgCount: 0,
      };
    }
    if (url.pathname === '/ws-api/v3') return { kind: 'wsapi', openedAt: now };
    if (url.pathname === '/ws' || url.pathname.startsWith('/ws/')) {
      const rest = url.pathname.slice(4);
      const parts = rest.split('/').filter((s) => s !== '');
      if (parts.length === 1 && !(parts[0] as string).includes('@')) {
        const key = parts[0] as string;
        const expiresAt = this.listenKeys.get(key);
        if (expiresAt === undefined || expiresAt <= now) return '400 Bad Request';
        return { kind: 'user', listenKey: key, openedAt: now };
      }
      if (!parts.every((s) => STREAM_NAME.test(s))) return '400 Bad Request';
      return {
        kind: 'market',
        combined: false,
        subs: new Set(parts),
        openedAt: now,
        msgWindow: -1,
        msgCount: 0,
      };
    }
    return '404 Not Found';
  }

  private onSocket(ws: WebSocket, conn: Conn): void {
    this.conns.set(ws, conn);
    const beat = { lastPing: conn.openedAt, lastPong: conn.openedAt };
    this.beats.set(ws, beat);
    this.nextDeadline = Math.min(
      this.nextDeadline,
      conn.openedAt + this.maxAgeMs,
      conn.openedAt + this.pingIntervalMs,
      conn.openedAt + this.pongTimeoutMs,
    );
    // Any pong (answer or unsolicited) keeps a USD-M connection alive.
    ws.on('pong', () => {
      beat.lastPong = this.clock.now();
    });
    ws.on('close', () => {
      this.conns.delete(ws);
      this.beats.delete(ws);
      this.stalledQueues.delete(ws);
      if (conn.kind === 'wsapi') this.wsApi.close(ws);
    });
    ws.on('error', (err) => {
      this.log.warn({ err: err.message }, 'sim server socket error');
    });
    if (conn.kind === 'market') {
      ws.on('message', (data) => {
        this.onControlMessage(ws, conn, data);
      });
    }
    if (conn.kind === 'wsapi') {
      this.wsApi.open(ws);
      ws.on('message', (data) => {
        this.wsApi.onMessage(ws, rawDataText(data));
      });
    }
  }

  private onControlMessage(ws: WebSocket, conn: MarketConn, data: RawData): void {
    const second = Math.floor(this.clock.now() / 1000);
    if (second !== conn.msgWindow) {
      conn.msgWindow = second;
      conn.msgCount = 0;
    }
    if (++conn.msgCount > this.maxControlPerSecond) {
      this.conns.delete(ws);
      ws.close(1008, 'Too many requests');
      return;
    }
    const text = Array.isArray(data)
      ? Buffer.concat(data).toString('utf8')
      : data instanceof ArrayBuffer
        ? Buffer.from(data).toString('utf8')
        : data.toString('utf8');
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch (caught) {
      this.log.debug({ err: toError(caught).message }, 'sim server: unparsable control message');
      ws.send(JSON.stringify({ error: { code: 3, msg: 'Invalid JSON: expected value at line 1 column 1' } }));
      return;
    }
    const m = (typeof msg === 'object' && msg !== null ? msg : {}) as Record<string, unknown>;
    const id = typeof m.id === 'number' || typeof m.id === 'string' ? m.id : null;
    const params = Array.isArray(m.params) ? (m.params as unknown[]) : [];
    const names = params.filter((p): p is string => typeof p === 'string');
    const invalid = (why: string): void => {
      ws.send(JSON.stringify({ error: { code: 2, msg: `Invalid request: ${why}` }, id }));
    };
    switch (m.method) {
      case 'SUBSCRIBE':
        if (names.length !== params.length || !names.every((s) => STREAM_NAME.test(s))) {
          invalid('invalid stream name');
          return;
        }
        for (const s of names) conn.subs.add(s);
        ws.send(JSON.stringify({ result: null, id }));
        return;
      case 'UNSUBSCRIBE':
        for (const s of names) conn.subs.delete(s);
        ws.send(JSON.stringify({ result: null, id }));
        return;
      case 'LIST_SUBSCRIPTIONS':
        ws.send(JSON.stringify({ result: [...conn.subs], id }));
        return;
      default:
        invalid('unknown method');
    }
  }

  private publish(stream: string, build: () => Json): void {
    if (this.conns.size === 0) return;
    let raw: string | undefined;
    let wrapped: string | undefined;
    let sent = false;
    const bad = this.malformedLeft > 0;
    for (const [ws, conn] of this.conns) {
      if (conn.kind !== 'market' || !conn.subs.has(stream) || ws.readyState !== WebSocket.OPEN) continue;
      let text: string;
      if (conn.combined) text = wrapped ??= JSON.stringify({ stream, data: build() });
      else text = raw ??= JSON.stringify(build());
      if (bad) {
        this.write(ws, 'market', malformed(text));
        this.faultStats.malformedSent++;
      }
      this.write(ws, 'market', text);
      sent = true;
    }
    if (bad && sent) this.malformedLeft--;
  }

  private sendUser(event: Json): void {
    let text: string | undefined;
    for (const [ws, conn] of this.conns) {
      if (conn.kind !== 'user' || ws.readyState !== WebSocket.OPEN) continue;
      text ??= JSON.stringify(event);
      this.write(ws, 'user', text);
    }
  }

  private closeUserSockets(key: string, last: Json | undefined): void {
    for (const [ws, conn] of this.conns) {
      if (conn.kind !== 'user' || conn.listenKey !== key) continue;
      this.conns.delete(ws);
      if (last !== undefined && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(last));
      ws.close(1000, 'listenKey expired');
    }
  }

  // ----------------------------------------------------------------------------------------- REST

  private onHttp(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= 1_000_000) chunks.push(c);
    });
    req.on('error', (err) => {
      this.log.warn({ err: err.message }, 'sim server: request stream error');
    });
    req.on('end', () => {
      const rawUrl = req.url ?? '/';
      const q = rawUrl.indexOf('?');
      const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
      const query = q < 0 ? '' : rawUrl.slice(q + 1);
      const body = Buffer.concat(chunks).toString('utf8');
      const params: Record<string, string> = {};
      // Binance: a parameter sent in both the query string and the body takes the query string's value.
      for (const [k, v] of new URLSearchParams(body)) params[k] = v;
      for (const [k, v] of new URLSearchParams(query)) params[k] = v;
      const header = req.headers['x-mbx-apikey'];
      const method = req.method ?? 'GET';
      if (path === '/sim/faults') {
        this.answer(res, this.control(method, body, req.socket.remoteAddress), {});
        return;
      }
      const request: Request = {
        method,
        path,
        query,
        body,
        params,
        apiKeyHeader: Array.isArray(header) ? header[0] : header,
      };
      const fault = this.httpFaults.take(method, path);
      if (fault?.kind === 'error' && fault.executed !== true) {
        this.faultStats.errors++;
        this.answer(res, { status: fault.status ?? 503, body: UNKNOWN_ERROR_BODY }, {});
        return;
      }
      const { reply, headers } = this.serve(request);
      this.applyFault(fault, res, reply, headers);
    });
  }

  private applyFault(
    fault: HttpFaultSpec | undefined,
    res: http.ServerResponse,
    reply: Reply,
    headers: Record<string, string>,
  ): void {
    if (fault === undefined) {
      this.answer(res, reply, headers);
      return;
    }
    switch (fault.kind) {
      case 'error':
        this.faultStats.errors++;
        this.answer(res, { status: fault.status ?? 503, body: UNKNOWN_ERROR_BODY }, headers);
        return;
      case 'lose-response':
        this.faultStats.lostResponses++;
        res.socket?.destroy();
        return;
      case 'delay': {
        this.faultStats.delayed++;
        const t = setTimeout(() => {
          if (!res.socket?.destroyed) this.answer(res, reply, headers);
        }, fault.ms);
        t.unref();
        return;
      }
    }
  }

  private answer(res: http.ServerResponse, reply: Reply, headers: Record<string, string>): void {
    const text = JSON.stringify(reply.body);
    res.writeHead(reply.status, {
      'Content-Type': 'application/json;charset=UTF-8',
      'Content-Length': Buffer.byteLength(text),
      ...headers,
    });
    res.end(text);
  }

  /** /sim/faults: loopback clients only; GET state, POST a spec (JSON body), DELETE clears. */
  private control(method: string, body: string, remote: string | undefined): Reply {
    if (remote !== '127.0.0.1' && remote !== '::1' && remote !== '::ffff:127.0.0.1') {
      return { status: 403, body: { code: -1000, msg: `/sim/faults is loopback-only (peer ${remote})` } };
    }
    try {
      if (method === 'GET') return ok(this.faultState());
      if (method === 'DELETE') {
        this.clearFaults();
        return ok(this.faultState());
      }
      if (method !== 'POST') {
        return { status: 405, body: { code: -1000, msg: `Method ${method} not allowed on /sim/faults` } };
      }
      let spec: unknown;
      try {
        spec = JSON.parse(body === '' ? '{}' : body);
      } catch (caught) {
        return {
          status: 400,
          body: { code: -1000, msg: `/sim/faults body is not JSON: ${toError(caught).message}` },
        };
      }
      this.injectFaults(spec as FaultSpec);
      this.log.info({ spec }, 'sim server: faults injected');
      return ok(this.faultState());
    } catch (caught) {
      const err = toError(caught);
      this.log.warn({ err: err.message }, 'sim server: fault spec refused');
      return { status: 400, body: { code: -1000, msg: err.message } };
    }
  }

  private serve(req: Request): { reply: Reply; headers: Record<string, string> } {
    this.housekeep();
    const route = this.routes.get(`${req.method} ${req.path}`);
    const now = this.clock.now();
    if (route === undefined) {
      // Counted with weight 1 so that even a 404 carries the used-weight header.
      const counted = this.limiter.admit(now, 1, false);
      const known = [...this.routes.keys()].some((k) => k.endsWith(` ${req.path}`));
      return {
        reply: known
          ? { status: 405, body: { code: -1000, msg: `Method ${req.method} not allowed on ${req.path}` } }
          : { status: 404, body: { code: -1000, msg: `Unknown path ${req.path}` } },
        headers: { ...counted.headers },
      };
    }
    const admission = this.limiter.admit(now, route.weight(req.params), route.order);
    const headers: Record<string, string> = { ...admission.headers };
    if (admission.error !== undefined) {
      headers['Retry-After'] = String(admission.error.retryAfterS);
      return {
        reply: {
          status: admission.error.status,
          body: { code: admission.error.code, msg: admission.error.msg },
        },
        headers,
      };
    }
    const denied =
      route.security === 'SIGNED'
        ? checkSigned(req, this.apiKey, this.apiSecret, now + this.clockSkewMs)
        : route.security === 'USER_STREAM'
          ? checkApiKey(req, this.apiKey)
          : undefined;
    if (denied !== undefined) {
      return { reply: { status: denied.status, body: { code: denied.code, msg: denied.msg } }, headers };
    }
    try {
      return { reply: route.handle(req), headers };
    } catch (caught) {
      if (caught instanceof ApiFailure) {
        return {
          reply: { status: caught.error.status, body: { code: caught.error.code, msg: caught.error.msg } },
          headers,
        };
      }
      this.internalErrors++;
      const err = toError(caught);
      this.log.error({ err: err.message, stack: err.stack, path: req.path }, 'sim server handler failed');
      return {
        reply: {
          status: 500,
          body: { code: -1000, msg: 'An unknown error occured while processing the request.' },
        },
        headers,
      };
    }
  }

  private buildRoutes(): Map<string, Route> {
    const r = new Map<string, Route>();
    const add = (
      key: string,
      security: Security,
      weight: number | ((p: Readonly<Record<string, string>>) => number),
      handle: (req: Request) => Reply,
      order = false,
    ): void => {
      r.set(key, { security, order, weight: typeof weight === 'number' ? () => weight : weight, handle });
    };
    const bySymbol = (withSymbol: number, without: number) => (p: Readonly<Record<string, string>>) =>
      p.symbol === undefined ? without : withSymbol;

    // Weights: Binance USDⓈ-M endpoint pages ("Request Weight"), 2025.
    add('GET /fapi/v1/ping', 'NONE', 1, () => ok({}));
    add('GET /fapi/v1/time', 'NONE', 1, () => ok({ serverTime: this.serverNow() }));
    add('GET /fapi/v1/exchangeInfo', 'NONE', 1, () =>
      ok(exchangeInfoJson([...this.instruments.values()], this.limiter, this.serverNow())),
    );
    add(
      'GET /fapi/v1/klines',
      'NONE',
      (p) => klineWeight(p.limit),
      (req) => ok(this.getKlines(req.params)),
    );
    add('POST /fapi/v1/order', 'SIGNED', 0, (req) => ok(this.newOrder(req.params)), true);
    add('GET /fapi/v1/order', 'SIGNED', 1, (req) => ok(this.queryOrder(req.params)));
    add('DELETE /fapi/v1/order', 'SIGNED', 1, (req) => ok(this.cancelOrder(req.params)));
    add('GET /fapi/v1/openOrders', 'SIGNED', bySymbol(1, 40), (req) => ok(this.openOrders(req.params)));
    add('POST /fapi/v1/leverage', 'SIGNED', 1, (req) => ok(this.leverage(req.params)));
    add('POST /fapi/v1/marginType', 'SIGNED', 1, (req) => ok(this.marginType(req.params)));
    add('GET /fapi/v2/balance', 'SIGNED', 5, () => ok(this.balances()));
    add('GET /fapi/v2/positionRisk', 'SIGNED', 5, (req) => ok(this.positionRisk(req.params)));
    add('GET /fapi/v2/account', 'SIGNED', 5, () => ok(this.account(false)));
    // v3: balance has the v2 shape; positionRisk and account list open positions only.
    add('GET /fapi/v3/balance', 'SIGNED', 5, () => ok(this.balances()));
    add('GET /fapi/v3/positionRisk', 'SIGNED', 5, (req) => ok(this.positionRiskV3(req.params)));
    add('GET /fapi/v3/account', 'SIGNED', 5, () => ok(this.account(true)));
    add(
      'GET /fapi/v1/premiumIndex',
      'NONE',
      (p) => (p.symbol === undefined ? 10 : 1),
      (req) => ok(this.premiumIndex(req.params)),
    );
    add('POST /fapi/v1/algoOrder', 'SIGNED', 0, (req) => ok(this.newAlgo(req.params)), true);
    add('DELETE /fapi/v1/algoOrder', 'SIGNED', 1, (req) => ok(this.cancelAlgo(req.params)));
    add('GET /fapi/v1/algoOrder', 'SIGNED', 1, (req) => ok(this.algoJson(this.findAlgo(req.params, -2013))));
    add('GET /fapi/v1/openAlgoOrders', 'SIGNED', bySymbol(1, 40), (req) => ok(this.openAlgos(req.params)));
    add('GET /fapi/v1/allOrders', 'SIGNED', 5, (req) => ok(this.allOrders(req.params)));
    add('GET /fapi/v1/userTrades', 'SIGNED', 5, (req) => ok(this.userTrades(req.params)));
    add('GET /fapi/v1/leverageBracket', 'SIGNED', 1, (req) => ok(this.leverageBracket(req.params)));
    // One-way mode only: the position mode query always answers false.
    add('GET /fapi/v1/positionSide/dual', 'SIGNED', 30, () => ok({ dualSidePosition: false }));
    // spot (/api/v3), backed by the engine's spot account; weights from Binance's spot endpoint pages
    add('GET /api/v3/ping', 'NONE', 1, () => ok({}));
    add('GET /api/v3/time', 'NONE', 1, () => ok({ serverTime: this.serverNow() }));
    add('GET /api/v3/exchangeInfo', 'NONE', 20, (req) => ok(this.spotExchangeInfo(req.params)));
    add('GET /api/v3/klines', 'NONE', 2, (req) => ok(this.getKlines(req.params, this.spotInstruments)));
    add('POST /api/v3/order', 'SIGNED', 1, (req) => ok(this.spotNewOrder(req.params)), true);
    add('GET /api/v3/order', 'SIGNED', 4, (req) => ok(this.spotQuery(req.params)));
    add('DELETE /api/v3/order', 'SIGNED', 1, (req) => ok(this.spotCancel(req.params)));
    add('GET /api/v3/openOrders', 'SIGNED', bySymbol(6, 80), (req) => ok(this.spotOpenOrders(req.params)));
    add('GET /api/v3/account', 'SIGNED', 20, (req) =>
      ok(
        spotAccountJson(
          this.spotAssets().map((a) => this.engine.balance(a, 'spot')),
          this.engine.time(),
          boolParam(req.params, 'omitZeroBalances'),
        ),
      ),
    );
    add('GET /api/v3/myTrades', 'SIGNED', 20, (req) => ok(this.userTrades(req.params, this.spotInstruments)));
    add('POST /fapi/v1/listenKey', 'USER_STREAM', 1, () => ok({ listenKey: this.createListenKey() }));
    add('PUT /fapi/v1/listenKey', 'USER_STREAM', 1, () => ok({ listenKey: this.keepAliveListenKey() }));
    add('DELETE /fapi/v1/listenKey', 'USER_STREAM', 1, () => {
      this.deleteListenKey();
      return ok({});
    });
    return r;
  }

  // ------------------------------------------------------------------------------------- handlers

  private symbolParam(
    p: Readonly<Record<string, string>>,
    market: ReadonlyMap<string, Instrument> = this.instruments,
  ): Instrument {
    const symbol = p.symbol;
    if (symbol === undefined || symbol === '') throw new ApiFailure(mandatory('symbol'));
    const inst = market.get(symbol);
    if (inst === undefined) fail(-1121, 'Invalid symbol.');
    return inst;
  }

  private getKlines(
    p: Readonly<Record<string, string>>,
    market: ReadonlyMap<string, Instrument> = this.instruments,
  ): unknown[] {
    const inst = this.symbolParam(p, market);
    const interval = p.interval;
    if (interval === undefined || interval === '') throw new ApiFailure(mandatory('interval'));
    if (!isInterval(interval)) fail(-1120, 'Invalid interval.');
    const limit = intParam(p, 'limit') ?? 500;
    if (limit < 1 || limit > 1500) fail(-1130, "Data sent for parameter 'limit' is not valid.");
    const start = intParam(p, 'startTime');
    const end = intParam(p, 'endTime');
    let rows = (this.klines.get(`${inst.symbol}|${interval}`) ?? []).filter(
      (c) => (start === undefined || c.openTime >= start) && (end === undefined || c.openTime <= end),
    );
    rows = start !== undefined ? rows.slice(0, limit) : rows.slice(Math.max(0, rows.length - limit));
    const prec = this.precisionOf(inst.symbol);
    return rows.map((c) => klineRow(c, prec));
  }

  private newOrder(p: Readonly<Record<string, string>>): Json {
    const inst = this.symbolParam(p);
    const side = sideParam(p);
    const type = p.type;
    if (type === undefined || type === '') throw new ApiFailure(mandatory('type'));
    if (CONDITIONAL_TYPES.has(type)) {
      fail(
        -4120,
        'Order type not supported for this endpoint. Please use the Algo Order API endpoints instead.',
      );
    }
    if (type !== 'MARKET' && type !== 'LIMIT') fail(-1116, 'Invalid orderType.');
    positionSideParam(p);
    let timeInForce: TimeInForce | undefined;
    if (type === 'LIMIT') {
      const tif = p.timeInForce;
      if (tif === undefined || tif === '') throw new ApiFailure(mandatory('timeInForce'));
      if (tif !== 'GTC' && tif !== 'IOC' && tif !== 'FOK' && tif !== 'GTX')
        fail(-1115, 'Invalid timeInForce.');
      timeInForce = tif;
      if (p.price === undefined || p.price === '') throw new ApiFailure(mandatory('price'));
    }
    const quantity = p.quantity;
    if (quantity === undefined || quantity === '') throw new ApiFailure(mandatory('quantity'));
    const view = unwrap(
      this.engine.submit({
        clientOrderId: p.newClientOrderId ?? '',
        symbol: inst.symbol,
        side,
        type,
        quantity,
        ...(type === 'LIMIT' && p.price !== undefined ? { price: p.price } : {}),
        ...(timeInForce === undefined ? {} : { timeInForce }),
        reduceOnly: boolParam(p, 'reduceOnly'),
        closePosition: boolParam(p, 'closePosition'),
      }),
    );
    return orderJson(view);
  }

  // ------------------------------------------------------------------------------------------ spot

  private spotAssets(): string[] {
    const assets = new Set(this.balanceAssets);
    for (const inst of this.spotInstruments.values()) {
      assets.add(inst.baseAsset);
      assets.add(inst.quoteAsset);
    }
    return [...assets].sort();
  }

  private spotExchangeInfo(p: Readonly<Record<string, string>>): Json {
    let list = [...this.spotInstruments.values()];
    const one = p.symbol;
    const many = p.symbols;
    if (one !== undefined) list = [this.symbolParam(p, this.spotInstruments)];
    else if (many !== undefined) {
      let names: unknown;
      try {
        names = JSON.parse(many);
      } catch (caught) {
        this.log.debug({ err: toError(caught).message, symbols: many }, 'sim server: bad symbols parameter');
        fail(-1100, "Illegal characters found in parameter 'symbols'.");
      }
      if (!Array.isArray(names)) fail(-1100, "Illegal characters found in parameter 'symbols'.");
      list = names.map((n) => this.symbolParam({ symbol: String(n) }, this.spotInstruments));
    }
    return spotExchangeInfoJson(list, this.serverNow());
  }

  /** POST /api/v3/order: LIMIT, LIMIT_MAKER, MARKET (quantity), STOP_LOSS / TAKE_PROFIT (stopPrice). */
  private spotNewOrder(p: Readonly<Record<string, string>>): Json {
    const inst = this.symbolParam(p, this.spotInstruments);
    const side = sideParam(p);
    const t = p.type;
    if (t === undefined || t === '') throw new ApiFailure(mandatory('type'));
    const types: Readonly<Record<string, OrderType>> = {
      LIMIT: 'LIMIT',
      LIMIT_MAKER: 'LIMIT',
      MARKET: 'MARKET',
      STOP_LOSS: 'STOP_MARKET',
      TAKE_PROFIT: 'TAKE_PROFIT_MARKET',
    };
    const type = types[t];
    if (type === undefined) fail(-1116, 'Invalid orderType.');
    if (p.quoteOrderQty !== undefined) {
      fail(-1106, "Parameter 'quoteOrderQty' sent when not required."); // not simulated
    }
    let timeInForce: TimeInForce | undefined;
    if (t === 'LIMIT') {
      const tif = p.timeInForce;
      if (tif === undefined || tif === '') throw new ApiFailure(mandatory('timeInForce'));
      if (tif !== 'GTC' && tif !== 'IOC' && tif !== 'FOK') fail(-1115, 'Invalid timeInForce.');
      timeInForce = tif;
    } else if (t === 'LIMIT_MAKER') timeInForce = 'GTX';
    if (type === 'LIMIT' && (p.price === undefined || p.price === ''))
      throw new ApiFailure(mandatory('price'));
    if (type !== 'LIMIT' && type !== 'MARKET' && (p.stopPrice === undefined || p.stopPrice === '')) {
      throw new ApiFailure(mandatory('stopPrice'));
    }
    const quantity = p.quantity;
    if (quantity === undefined || quantity === '') throw new ApiFailure(mandatory('quantity'));
    const resp = p.newOrderRespType ?? (type === 'MARKET' || t === 'LIMIT' ? 'FULL' : 'ACK');
    if (resp !== 'ACK' && resp !== 'RESULT' && resp !== 'FULL') {
      fail(-1130, "Data sent for parameter 'newOrderRespType' is not valid.");
    }
    const fills: ExecutionReport[] = [];
    this.spotFillsOfSubmit = fills;
    let result: SimResult<SimOrderView>;
    try {
      result = this.engine.submit({
        clientOrderId: p.newClientOrderId ?? '',
        symbol: inst.symbol,
        side,
        type,
        quantity,
        ...(type === 'LIMIT' && p.price !== undefined ? { price: p.price } : {}),
        ...(type === 'STOP_MARKET' || type === 'TAKE_PROFIT_MARKET' ? { stopPrice: p.stopPrice } : {}),
        ...(timeInForce === undefined ? {} : { timeInForce }),
      });
    } finally {
      this.spotFillsOfSubmit = undefined;
    }
    const v = unwrap(result);
    return spotNewOrderJson(
      v,
      resp,
      this.engine.time(),
      fills.filter((f) => f.orderId === v.orderId),
    );
  }

  private spotFind(p: Readonly<Record<string, string>>, missing: number): SimOrderView {
    const inst = this.symbolParam(p, this.spotInstruments);
    const orderId = intParam(p, 'orderId');
    const cid = p.origClientOrderId;
    if (orderId === undefined && (cid === undefined || cid === '')) {
      fail(-1102, "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!");
    }
    const r = this.engine.query({
      symbol: inst.symbol,
      ...(orderId === undefined ? {} : { orderId }),
      ...(cid === undefined ? {} : { clientOrderId: cid }),
    });
    if (!r.ok) fail(missing, missing === -2011 ? 'Unknown order sent.' : 'Order does not exist.');
    return r.value;
  }

  private spotQuery(p: Readonly<Record<string, string>>): Json {
    return spotOrderJson(this.spotFind(p, -2013));
  }

  private spotCancel(p: Readonly<Record<string, string>>): Json {
    const v = this.spotFind(p, -2011);
    const after = unwrap(this.engine.cancel({ symbol: v.symbol, orderId: v.orderId }));
    return spotOrderJson(after, p.newClientOrderId ?? `sim-cancel-${after.orderId}`);
  }

  private spotOpenOrders(p: Readonly<Record<string, string>>): Json[] {
    const symbol = p.symbol === undefined ? undefined : this.symbolParam(p, this.spotInstruments).symbol;
    return this.engine
      .openOrders(symbol)
      .filter((o) => this.spotInstruments.has(o.symbol))
      .map((o) => spotOrderJson(o));
  }

  /** The engine order a regular order query may see (algo orders only once triggered). */
  private visibleOrder(p: Readonly<Record<string, string>>, missingCode: number): SimOrderView {
    const inst = this.symbolParam(p);
    const orderId = intParam(p, 'orderId');
    const cid = p.origClientOrderId;
    if (orderId === undefined && (cid === undefined || cid === '')) {
      fail(-1102, "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!");
    }
    const r = this.engine.query({
      symbol: inst.symbol,
      ...(orderId === undefined ? {} : { orderId }),
      ...(cid === undefined ? {} : { clientOrderId: cid }),
    });
    if (!r.ok) fail(missingCode, missingCode === -2011 ? 'Unknown order sent.' : 'Order does not exist.');
    const algo = this.algoByEngineId.get(r.value.orderId);
    if (
      algo !== undefined &&
      (algo.status === 'NEW' || algo.status === 'CANCELED' || algo.status === 'EXPIRED')
    ) {
      fail(missingCode, missingCode === -2011 ? 'Unknown order sent.' : 'Order does not exist.');
    }
    return r.value;
  }

  private engineOrderJson(v: SimOrderView): Json {
    const algo = this.algoByEngineId.get(v.orderId);
    return algo === undefined ? orderJson(v) : orderJson(v, { origType: algo.orderType });
  }

  private queryOrder(p: Readonly<Record<string, string>>): Json {
    return this.engineOrderJson(this.visibleOrder(p, -2013));
  }

  private cancelOrder(p: Readonly<Record<string, string>>): Json {
    const v = this.visibleOrder(p, -2011);
    return this.engineOrderJson(unwrap(this.engine.cancel({ symbol: v.symbol, orderId: v.orderId })));
  }

  private openOrders(p: Readonly<Record<string, string>>): Json[] {
    const symbol = p.symbol === undefined ? undefined : this.symbolParam(p).symbol;
    return this.engine
      .openOrders(symbol)
      .filter((o) => !this.algoByEngineId.has(o.orderId) && this.instruments.has(o.symbol))
      .map((o) => orderJson(o));
  }

  /** GET /fapi/v1/allOrders: symbol required; orderId = from that id; startTime/endTime on `time`; limit <= 1000. */
  private allOrders(p: Readonly<Record<string, string>>): Json[] {
    const inst = this.symbolParam(p);
    const limit = limitParam(p, 500, 1000);
    const fromId = intParam(p, 'orderId');
    const start = intParam(p, 'startTime');
    const end = intParam(p, 'endTime');
    const rows: Json[] = [];
    for (const id of this.orderIds.get(inst.symbol) ?? []) {
      if (fromId !== undefined && id < fromId) continue;
      const algo = this.algoByEngineId.get(id);
      if (algo !== undefined && algo.status !== 'TRIGGERED' && algo.status !== 'FINISHED') continue;
      const r = this.engine.query({ symbol: inst.symbol, orderId: id });
      if (!r.ok) continue;
      const v = r.value;
      if ((start !== undefined && v.time < start) || (end !== undefined && v.time > end)) continue;
      rows.push(this.engineOrderJson(v));
    }
    // Binance: with orderId the first `limit` from it, otherwise the most recent `limit`
    return fromId !== undefined ? rows.slice(0, limit) : rows.slice(Math.max(0, rows.length - limit));
  }

  /** GET /fapi/v1/userTrades: symbol required; orderId, fromId (trade id), startTime/endTime, limit <= 1000. */
  private userTrades(
    p: Readonly<Record<string, string>>,
    market: ReadonlyMap<string, Instrument> = this.instruments,
  ): Json[] {
    const inst = this.symbolParam(p, market);
    const limit = limitParam(p, 500, 1000);
    const orderId = intParam(p, 'orderId');
    const fromId = intParam(p, 'fromId');
    const start = intParam(p, 'startTime');
    const end = intParam(p, 'endTime');
    const rows = (this.fills.get(inst.symbol) ?? []).filter(
      (t) =>
        (orderId === undefined || t.orderId === orderId) &&
        (fromId === undefined || t.tradeId >= fromId) &&
        (start === undefined || t.time >= start) &&
        (end === undefined || t.time <= end),
    );
    const picked = fromId !== undefined ? rows.slice(0, limit) : rows.slice(Math.max(0, rows.length - limit));
    return picked.map(this.spotInstruments.has(inst.symbol) ? spotTradeJson : userTradeJson);
  }

  /**
   * GET /fapi/v1/leverageBracket: the engine has one maintenance margin rate per symbol and no notional
   * caps, so each symbol has one bracket (initialLeverage 125, floor 0, cap MAX_NOTIONAL, its mmr).
   * Without symbol: an array; with symbol: that symbol's object (Binance's two documented shapes).
   */
  private leverageBracket(p: Readonly<Record<string, string>>): Json | Json[] {
    const row = (inst: Instrument): Json => ({
      symbol: inst.symbol,
      notionalCoef: 1.0,
      brackets: [
        {
          bracket: 1,
          initialLeverage: 125,
          notionalCap: Number(MAX_NOTIONAL),
          notionalFloor: 0,
          maintMarginRatio: Number(inst.maintMarginRate ?? '0'),
          cum: 0.0,
        },
      ],
    });
    if (p.symbol !== undefined) return row(this.symbolParam(p));
    return [...this.instruments.values()].map(row);
  }

  private leverage(p: Readonly<Record<string, string>>): Json {
    const inst = this.symbolParam(p);
    const raw = p.leverage;
    if (raw === undefined || raw === '') throw new ApiFailure(mandatory('leverage'));
    if (!/^\d{1,4}$/.test(raw)) fail(-1130, "Data sent for parameter 'leverage' is not valid.");
    const leverage = unwrap(this.engine.setLeverage(inst.symbol, Number(raw)));
    return { leverage, maxNotionalValue: MAX_NOTIONAL, symbol: inst.symbol };
  }

  private marginType(p: Readonly<Record<string, string>>): Json {
    const inst = this.symbolParam(p);
    const t = p.marginType;
    if (t === undefined || t === '') throw new ApiFailure(mandatory('marginType'));
    if (t !== 'ISOLATED' && t !== 'CROSSED') fail(-4044, 'The margin type is invalid.');
    unwrap(this.engine.setMarginType(inst.symbol, t));
    return { code: 200, msg: 'success' };
  }

  /** Per-asset totals and per-position margins (initial = notional at mark / leverage; maint = notional x mmr). */
  private totals(): { assets: AssetTotals[]; positions: PositionMargins[] } {
    const positions = this.engine
      .positions()
      .filter((p) => this.instruments.has(p.symbol))
      .map((p) => {
        const inst = this.instruments.get(p.symbol) as Instrument;
        const notional = Decimal.parse(p.positionAmt).abs().mul(Decimal.parse(p.markPrice));
        const initialMargin = notional.div(Decimal.of(BigInt(p.leverage)), 8, 'up');
        const maintMargin = notional.mul(Decimal.parse(inst.maintMarginRate ?? '0')).roundToScale(8, 'up');
        return { p, inst, initialMargin, maintMargin };
      });
    const assets = this.balanceAssets.map((asset) => {
      let crossUnPnl = Decimal.ZERO;
      let im = Decimal.ZERO;
      let mm = Decimal.ZERO;
      for (const x of positions) {
        if (x.inst.quoteAsset !== asset) continue;
        if (x.p.marginType === 'CROSSED') crossUnPnl = crossUnPnl.add(Decimal.parse(x.p.unRealizedProfit));
        im = im.add(x.initialMargin);
        mm = mm.add(x.maintMargin);
      }
      return {
        balance: this.engine.balance(asset, 'futures'),
        crossUnPnl,
        positionInitialMargin: im,
        maintMargin: mm,
      };
    });
    return { assets, positions };
  }

  private balances(): Json[] {
    const now = this.clock.now();
    return this.totals().assets.map((t) => balanceJson(t, now));
  }

  private positionRisk(p: Readonly<Record<string, string>>): Json[] {
    const symbol = p.symbol === undefined ? undefined : this.symbolParam(p).symbol;
    const now = this.engine.time();
    return this.engine
      .positions()
      .filter((x) => this.instruments.has(x.symbol) && (symbol === undefined || x.symbol === symbol))
      .map((x) => positionRiskJson(x, now));
  }

  private positionRiskV3(p: Readonly<Record<string, string>>): Json[] {
    const symbol = p.symbol === undefined ? undefined : this.symbolParam(p).symbol;
    const now = this.engine.time();
    return this.totals()
      .positions.filter((x) => !Decimal.parse(x.p.positionAmt).isZero())
      .filter((x) => symbol === undefined || x.p.symbol === symbol)
      .map(({ p: x, initialMargin, maintMargin }) => {
        const inst = this.instruments.get(x.symbol);
        const v2 = positionRiskJson(x, now);
        return {
          symbol: x.symbol,
          positionSide: 'BOTH',
          positionAmt: x.positionAmt,
          entryPrice: x.entryPrice,
          breakEvenPrice: x.entryPrice,
          markPrice: x.markPrice,
          unRealizedProfit: x.unRealizedProfit,
          liquidationPrice: x.liquidationPrice,
          isolatedMargin: v2.isolatedMargin,
          notional: v2.notional,
          marginAsset: inst?.quoteAsset ?? 'USDT',
          isolatedWallet: x.isolatedWallet,
          initialMargin: initialMargin.toString(),
          maintMargin: maintMargin.toString(),
          positionInitialMargin: initialMargin.toString(),
          openOrderInitialMargin: '0',
          adl: 0,
          bidNotional: '0',
          askNotional: '0',
          updateTime: now,
        };
      });
  }

  private account(openOnly: boolean): Json {
    const t = this.totals();
    const positions = openOnly
      ? t.positions.filter((x) => !Decimal.parse(x.p.positionAmt).isZero())
      : t.positions;
    return accountJson(t.assets, positions, this.engine.time());
  }

  private premiumIndex(p: Readonly<Record<string, string>>): Json | Json[] {
    const row = (symbol: string): Json => {
      const m = this.marks.get(symbol);
      const prec = this.precisionOf(symbol);
      const pos = this.engine.position(symbol);
      const mark = m?.markPrice.toFixed(prec.price) ?? pos?.markPrice ?? '0';
      return {
        symbol,
        markPrice: mark,
        indexPrice: m?.indexPrice.toFixed(prec.price) ?? mark,
        estimatedSettlePrice: m?.indexPrice.toFixed(prec.price) ?? mark,
        lastFundingRate: (m?.fundingRate ?? 0).toFixed(8),
        interestRate: '0.00010000',
        nextFundingTime: m?.nextFundingTime ?? 0,
        time: m?.time ?? this.engine.time(),
      };
    };
    if (p.symbol !== undefined) return row(this.symbolParam(p).symbol);
    return [...this.instruments.keys()].map(row);
  }

  private newAlgo(p: Readonly<Record<string, string>>): Json {
    const algoType = p.algoType;
    if (algoType === undefined || algoType === '') throw new ApiFailure(mandatory('algoType'));
    if (algoType !== 'CONDITIONAL') fail(-1130, "Data sent for parameter 'algoType' is not valid.");
    const inst = this.symbolParam(p);
    const side = sideParam(p);
    const type = p.type;
    if (type === undefined || type === '') throw new ApiFailure(mandatory('type'));
    if (type !== 'STOP_MARKET' && type !== 'TAKE_PROFIT_MARKET') fail(-1116, 'Invalid orderType.');
    positionSideParam(p);
    const triggerPrice = p.triggerPrice;
    if (triggerPrice === undefined || triggerPrice === '') throw new ApiFailure(mandatory('triggerPrice'));
    const closePosition = boolParam(p, 'closePosition');
    const reduceOnly = boolParam(p, 'reduceOnly');
    const quantity = p.quantity;
    if (closePosition && quantity !== undefined) {
      fail(-1106, "Parameter 'quantity' sent when not required.");
    }
    if (!closePosition && (quantity === undefined || quantity === '')) {
      throw new ApiFailure(mandatory('quantity'));
    }
    const workingType = p.workingType ?? 'CONTRACT_PRICE';
    if (workingType !== 'CONTRACT_PRICE' && workingType !== 'MARK_PRICE') {
      fail(-1130, "Data sent for parameter 'workingType' is not valid.");
    }
    const algoId = this.nextAlgoId;
    const clientAlgoId = p.clientAlgoId ?? `sim-algo-${algoId}`;
    if (!/^[.A-Z:/a-z0-9_-]{1,36}$/.test(clientAlgoId)) fail(-4015, 'Client order id is not valid.');
    for (const a of this.algos.values()) {
      if (a.clientAlgoId === clientAlgoId && a.status === 'NEW') fail(-4116, 'ClientOrderId is duplicated.');
    }
    this.capturingAlgo = true;
    this.capturedEngineId = 0;
    let result: SimResult<SimOrderView>;
    try {
      result = this.engine.submit({
        clientOrderId: clientAlgoId,
        symbol: inst.symbol,
        side,
        type: type satisfies OrderType,
        ...(quantity === undefined ? {} : { quantity }),
        stopPrice: triggerPrice,
        reduceOnly,
        closePosition,
      });
    } finally {
      this.capturingAlgo = false;
    }
    const view = unwrap(result);
    this.nextAlgoId++;
    const now = this.engine.time();
    const algo: AlgoRecord = {
      algoId,
      clientAlgoId,
      engineOrderId: view.orderId,
      symbol: inst.symbol,
      side,
      orderType: type,
      quantity: view.origQty,
      triggerPrice: view.stopPrice,
      closePosition,
      reduceOnly,
      workingType,
      priceProtect: boolParam(p, 'priceProtect'),
      createTime: now,
      status: 'NEW',
      updateTime: now,
      triggerTime: 0,
      reason: '',
    };
    this.algos.set(algoId, algo);
    this.algoByEngineId.set(view.orderId, algo);
    this.sendUser(this.algoUpdateJson(algo, now));
    return this.algoJson(algo);
  }

  private findAlgo(p: Readonly<Record<string, string>>, missingCode: number): AlgoRecord {
    const algoId = intParam(p, 'algoId');
    const cid = p.clientAlgoId;
    if (algoId === undefined && (cid === undefined || cid === '')) {
      fail(-1102, "Param 'clientAlgoId' or 'algoId' must be sent, but both were empty/null!");
    }
    let found: AlgoRecord | undefined;
    if (algoId !== undefined) found = this.algos.get(algoId);
    else {
      for (const a of this.algos.values()) if (a.clientAlgoId === cid) found = a;
    }
    if (found === undefined)
      fail(missingCode, missingCode === -2011 ? 'Unknown order sent.' : 'Order does not exist.');
    return found;
  }

  private cancelAlgo(p: Readonly<Record<string, string>>): Json {
    const algo = this.findAlgo(p, -2011);
    if (algo.status !== 'NEW') fail(-2011, 'Unknown order sent.');
    unwrap(this.engine.cancel({ symbol: algo.symbol, orderId: algo.engineOrderId }));
    return { algoId: algo.algoId, clientAlgoId: algo.clientAlgoId, code: '200', msg: 'success' };
  }

  private openAlgos(p: Readonly<Record<string, string>>): Json[] {
    const symbol = p.symbol === undefined ? undefined : this.symbolParam(p).symbol;
    return [...this.algos.values()]
      .filter((a) => a.status === 'NEW' && (symbol === undefined || a.symbol === symbol))
      .map((a) => this.algoJson(a));
  }

  // ----------------------------------------------------------------------------------- listenKeys

  /** USDⓈ-M keeps one listenKey per account: POST returns the active one (extended) or a new one. */
  private createListenKey(): string {
    const now = this.clock.now();
    for (const [key, expiresAt] of this.listenKeys) {
      if (expiresAt > now) {
        this.setKey(key, now + this.listenKeyTtlMs);
        return key;
      }
    }
    const key = [...randomBytes(64)].map((b) => KEY_ALPHABET[b % KEY_ALPHABET.length]).join('');
    this.setKey(key, now + this.listenKeyTtlMs);
    return key;
  }

  private keepAliveListenKey(): string {
    const now = this.clock.now();
    for (const [key, expiresAt] of this.listenKeys) {
      if (expiresAt > now) {
        this.setKey(key, now + this.listenKeyTtlMs);
        return key;
      }
    }
    fail(-1125, 'This listenKey does not exist.');
  }

  private deleteListenKey(): void {
    for (const key of [...this.listenKeys.keys()]) {
      this.listenKeys.delete(key);
      this.closeUserSockets(key, undefined);
    }
  }

  private setKey(key: string, expiresAt: number): void {
    this.listenKeys.set(key, expiresAt);
    if (expiresAt < this.nextDeadline) this.nextDeadline = expiresAt;
  }
}

const CONDITIONAL_TYPES: ReadonlySet<string> = new Set([
  'STOP',
  'STOP_MARKET',
  'TAKE_PROFIT',
  'TAKE_PROFIT_MARKET',
  'TRAILING_STOP_MARKET',
]);

/** GET /fapi/v1/klines weight by limit: [1,100) 1, [100,500) 2, [500,1000] 5, > 1000 10. */
function klineWeight(limit: string | undefined): number {
  const n = limit === undefined ? 500 : Number(limit);
  if (!Number.isFinite(n) || n < 100) return 1;
  if (n < 500) return 2;
  if (n <= 1000) return 5;
  return 10;
}

function intParam(p: Readonly<Record<string, string>>, name: string): number | undefined {
  const v = p[name];
  if (v === undefined || v === '') return undefined;
  if (!/^-?\d{1,16}$/.test(v))
    fail(-1100, `Illegal characters found in parameter '${name}'; legal range is '^[0-9]{1,20}$'.`);
  return Number(v);
}

function limitParam(p: Readonly<Record<string, string>>, dflt: number, max: number): number {
  const n = intParam(p, 'limit') ?? dflt;
  if (n < 1 || n > max) fail(-1130, "Data sent for parameter 'limit' is not valid.");
  return n;
}

function boolParam(p: Readonly<Record<string, string>>, name: string): boolean {
  const v = p[name];
  if (v === undefined || v === '' || v === 'false' || v === 'FALSE') return false;
  if (v === 'true' || v === 'TRUE') return true;
  fail(-1130, `Data sent for parameter '${name}' is not valid.`);
}

function sideParam(p: Readonly<Record<string, string>>): Side {
  const side = p.side;
  if (side === undefined || side === '') throw new ApiFailure(mandatory('side'));
  if (side !== 'BUY' && side !== 'SELL') fail(-1117, 'Invalid side.');
  return side;
}

/** One-way mode only: positionSide BOTH (or absent). */
function positionSideParam(p: Readonly<Record<string, string>>): void {
  const ps = p.positionSide;
  if (ps !== undefined && ps !== '' && ps !== 'BOTH') {
    fail(-4061, "Order's position side does not match user's setting.");
  }
}

function rawDataText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}
