/**
 * The spot user-data stream over the WebSocket API. Spot listenKeys (POST /api/v3/userDataStream) were
 * discontinued on 2026-02-20; the stream is now a subscription on a WebSocket API session
 * (`wss://ws-api.binance.com:443/ws-api/v3`):
 * - HMAC (or RSA) key: one signed request `userDataStream.subscribe.signature {apiKey, timestamp,
 *   recvWindow, signature}`;
 * - Ed25519 key: `session.logon {apiKey, timestamp, recvWindow, signature}`, then
 *   `userDataStream.subscribe {}`.
 * Events arrive as `{"subscriptionId": n, "event": {...}}` (mapped by spot-user-events.ts); responses as
 * `{"id", "status", "result" | "error": {code, msg}}`. The signature payload of a WebSocket API request
 * is every parameter but `signature`, sorted by name, joined as `name=value` with `&`.
 * https://developers.binance.com/docs/binance-spot-api-docs/websocket-api/request-security
 * https://developers.binance.com/docs/binance-spot-api-docs/user-data-stream
 *
 * Readiness is the same contract as the futures stream: false from every (re)connect, (re)subscription
 * or `eventStreamTerminated` until the subscription is confirmed AND the REST resync of open orders and
 * balances has completed.
 */
import WebSocket from 'ws';
import type { Clock, Scheduler } from '../../core/clock.js';
import { toError } from '../../core/errors.js';
import { silentLogger, type Logger } from '../../core/logger.js';
import { rawText } from './market-stream.js';
import type { RequestSigner } from './signing.js';
import { parseSpotUserEvent, type SpotUserEvent } from './spot-user-events.js';

/** Production WebSocket API endpoint (spot). Testnet: wss://ws-api.testnet.binance.vision/ws-api/v3. */
export const SPOT_WS_API_URL = 'wss://ws-api.binance.com:443/ws-api/v3';

export type WsApiParamValue = string | number | boolean;

/** The signature payload of a WebSocket API request: all params but `signature`, sorted by name. */
export function wsApiSignaturePayload(params: Readonly<Record<string, WsApiParamValue>>): string {
  return Object.keys(params)
    .filter((name) => name !== 'signature')
    .sort()
    .map((name) => `${name}=${String(params[name])}`)
    .join('&');
}

/** `params` plus their `signature`. */
export function signWsApiParams(
  params: Readonly<Record<string, WsApiParamValue>>,
  signer: RequestSigner,
): Record<string, WsApiParamValue> {
  return { ...params, signature: signer.sign(wsApiSignaturePayload(params)) };
}

export interface WsApiError {
  readonly code: number;
  readonly msg: string;
}

export interface SpotUserStreamStats {
  /** Sessions opened (first connect included). */
  readonly connects: number;
  /** Subscriptions confirmed by the venue. */
  readonly subscriptions: number;
  /** Error responses to our requests (logon / subscribe). */
  readonly requestErrors: number;
  /** Messages that were not JSON, had no event type or failed the event schema: dropped. */
  readonly dropped: number;
  /** `eventStreamTerminated` received. */
  readonly terminations: number;
}

export interface SpotUserStreamOptions {
  /** e.g. SPOT_WS_API_URL, or the simulator's ws://127.0.0.1:<port>/ws-api/v3. */
  readonly wsApiUrl: string;
  readonly apiKey: string;
  readonly signer: RequestSigner;
  /** Server-time estimate for `timestamp` (TimeSync.timestamp). */
  readonly timestamp: () => number;
  readonly recvWindow?: number;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  /** Uniform in [0, 1): backoff jitter. */
  readonly random: () => number;
  readonly onEvent: (event: SpotUserEvent) => void;
  /** REST resync of open orders and balances; trading is not ready until it has completed. */
  readonly resync: () => Promise<void>;
  readonly onReady?: (ready: boolean) => void;
  /** A request was refused (e.g. -1021: the owner re-measures the clock offset; -2015: bad key). */
  readonly onRequestError?: (error: WsApiError, method: string) => void;
  readonly logger?: Logger;
  readonly backoffInitialMs?: number;
  readonly backoffMaxMs?: number;
}

interface Pending {
  readonly method: string;
  readonly then: (result: unknown) => void;
}

/**
 * One WebSocket API session carrying the spot user-data subscription, with backoff reconnects and the
 * not-ready-until-resync contract. Request ids are `aegis-<generation>-<n>`: a late answer to a request of
 * an older session is ignored.
 */
export class SpotUserStream {
  private readonly o: SpotUserStreamOptions;
  private readonly logger: Logger;
  private ws: WebSocket | undefined;
  private generation = 0;
  private nextId = 0;
  private attempt = 0;
  private running = false;
  private readyFlag = false;
  private readonly pending = new Map<string, Pending>();
  private stats = { connects: 0, subscriptions: 0, requestErrors: 0, dropped: 0, terminations: 0 };

  constructor(options: SpotUserStreamOptions) {
    this.o = options;
    this.logger = options.logger ?? silentLogger;
  }

  /** True once subscribed and the REST resync after the last (re)subscription has completed. */
  get ready(): boolean {
    return this.readyFlag;
  }

  get counters(): SpotUserStreamStats {
    return { ...this.stats };
  }

  start(): void {
    this.running = true;
    this.connect();
  }

  stop(): void {
    this.running = false;
    this.generation++;
    this.setReady(false);
    this.pending.clear();
    this.ws?.terminate();
    this.ws = undefined;
  }

  private setReady(ready: boolean): void {
    if (this.readyFlag === ready) return;
    this.readyFlag = ready;
    this.o.onReady?.(ready);
  }

  private connect(): void {
    const generation = ++this.generation;
    this.setReady(false);
    this.pending.clear();
    const old = this.ws;
    this.ws = undefined;
    old?.terminate();
    const ws = new WebSocket(this.o.wsApiUrl);
    this.ws = ws;
    ws.on('open', () => {
      if (generation !== this.generation) return;
      this.attempt = 0;
      this.stats.connects++;
      this.subscribe(generation);
    });
    ws.on('message', (data: WebSocket.RawData) => {
      if (generation !== this.generation) return;
      this.onMessage(generation, rawText(data));
    });
    ws.on('error', (error: Error) => {
      this.logger.warn(
        { error: error.message, url: this.o.wsApiUrl },
        'binance spot user stream socket error',
      );
    });
    ws.on('close', (code: number) => {
      if (generation !== this.generation || !this.running) return;
      this.logger.warn({ code }, 'binance spot user stream closed: reconnecting');
      this.scheduleReconnect(generation);
    });
  }

  /** Logon if the key needs a session (Ed25519), then subscribe; on success resync, then ready. */
  private subscribe(generation: number): void {
    const signed = (): Record<string, WsApiParamValue> =>
      signWsApiParams(
        {
          apiKey: this.o.apiKey,
          timestamp: this.o.timestamp(),
          ...(this.o.recvWindow === undefined ? {} : { recvWindow: this.o.recvWindow }),
        },
        this.o.signer,
      );
    const subscribed = (result: unknown): void => {
      this.stats.subscriptions++;
      const id =
        typeof result === 'object' && result !== null && 'subscriptionId' in result
          ? result.subscriptionId
          : undefined;
      this.logger.info({ subscriptionId: id }, 'binance spot user stream subscribed: resyncing');
      this.runResync(generation);
    };
    if (this.o.signer.kind === 'ed25519') {
      this.request(generation, 'session.logon', signed(), () => {
        this.request(generation, 'userDataStream.subscribe', undefined, subscribed);
      });
    } else {
      this.request(generation, 'userDataStream.subscribe.signature', signed(), subscribed);
    }
  }

  private request(
    generation: number,
    method: string,
    params: Readonly<Record<string, WsApiParamValue>> | undefined,
    then: (result: unknown) => void,
  ): void {
    const ws = this.ws;
    if (ws === undefined || generation !== this.generation) return;
    const id = `aegis-${generation}-${++this.nextId}`;
    this.pending.set(id, { method, then });
    ws.send(JSON.stringify(params === undefined ? { id, method } : { id, method, params }), (error) => {
      // ws hands the callback null (not undefined) once a frame is written
      if (!(error instanceof Error)) return;
      this.logger.error({ method, error: error.message }, 'binance spot user stream: request not sent');
      this.pending.delete(id);
      if (generation === this.generation) this.scheduleReconnect(generation);
    });
  }

  private onMessage(generation: number, text: string): void {
    let root: unknown;
    try {
      root = JSON.parse(text);
    } catch (caught) {
      this.drop(`not JSON: ${toError(caught).message}`, text);
      return;
    }
    if (typeof root !== 'object' || root === null) {
      this.drop('not an object', text);
      return;
    }
    if ('id' in root && typeof root.id === 'string' && this.pending.has(root.id)) {
      this.onResponse(generation, root.id, root);
      return;
    }
    if (!('event' in root)) {
      this.drop('neither a response to a pending request nor an event', text);
      return;
    }
    const event = parseSpotUserEvent(text);
    if (event.type === 'rejected') {
      this.drop(event.detail, text);
      return;
    }
    if (event.type === 'terminated') {
      this.stats.terminations++;
      this.logger.warn({ time: event.time }, 'binance spot user stream terminated: subscribing again');
      this.o.onEvent(event);
      this.setReady(false);
      this.subscribe(generation);
      return;
    }
    this.o.onEvent(event);
  }

  private onResponse(generation: number, id: string, root: object): void {
    const pending = this.pending.get(id);
    this.pending.delete(id);
    if (pending === undefined) return;
    const status = 'status' in root ? root.status : undefined;
    if (status === 200) {
      pending.then('result' in root ? root.result : undefined);
      return;
    }
    const raw = 'error' in root && typeof root.error === 'object' && root.error !== null ? root.error : {};
    const error: WsApiError = {
      code: 'code' in raw && typeof raw.code === 'number' ? raw.code : 0,
      msg: 'msg' in raw && typeof raw.msg === 'string' ? raw.msg : `status ${String(status)}`,
    };
    this.stats.requestErrors++;
    this.logger.error(
      { method: pending.method, status, code: error.code, msg: error.msg },
      'binance spot user stream: request refused, reconnecting with backoff',
    );
    this.o.onRequestError?.(error, pending.method);
    this.scheduleReconnect(generation);
  }

  private drop(detail: string, text: string): void {
    this.stats.dropped++;
    // one line per 100 drops at most: a flood of bad frames must not flood the log
    if (this.stats.dropped % 100 === 1) {
      this.logger.warn(
        { detail, sample: text.slice(0, 200), dropped: this.stats.dropped },
        'binance spot user stream: message dropped',
      );
    }
  }

  private runResync(generation: number): void {
    this.o.resync().then(
      () => {
        if (generation === this.generation && this.running) this.setReady(true);
      },
      (caught: unknown) => {
        this.logger.error(
          { error: toError(caught).message },
          'binance spot user stream: resync failed, reconnecting',
        );
        if (generation === this.generation) this.scheduleReconnect(generation);
      },
    );
  }

  private scheduleReconnect(generation: number): void {
    this.setReady(false);
    // this session is finished: answers or events still arriving on it are ignored
    if (generation === this.generation) this.generation++;
    const next = this.generation;
    this.ws?.terminate();
    this.ws = undefined;
    const initial = this.o.backoffInitialMs ?? 500;
    const cap = Math.min(this.o.backoffMaxMs ?? 30_000, initial * 2 ** this.attempt);
    const delay = Math.floor(this.o.random() * cap);
    this.attempt++;
    this.o.scheduler.at(this.o.clock.now() + delay, () => {
      if (this.running && next === this.generation) this.connect();
    });
  }
}
