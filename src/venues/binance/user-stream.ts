/**
 * USDⓈ-M futures user data: the listenKey life cycle and the event mapping.
 * https://developers.binance.com/docs/derivatives/usds-margined-futures/user-data-streams
 *
 * Not here yet: the spot user stream over the WebSocket API (spot listenKeys were discontinued).
 */
import WebSocket from 'ws';
import { z } from 'zod';
import type { Clock, Scheduler, TimerHandle } from '../../core/clock.js';
import { toError } from '../../core/errors.js';
import { silentLogger, type Logger } from '../../core/logger.js';
import type { Fill, OrderEvent, OrderStatus, OrderType } from '../../domain/order.js';
import type { FuturesRestClient } from './clients.js';
import { VenueRejectedError } from './errors.js';
import { tradeReportFill } from './mappers.js';
import { rawText } from './market-stream.js';

// ---------------------------------------------------------------------------------------------------
// events

export interface FuturesBalanceUpdate {
  readonly asset: string;
  readonly walletBalance: string;
  readonly crossWalletBalance: string;
  readonly balanceChange: string;
}

export interface FuturesPositionUpdate {
  readonly symbol: string;
  readonly positionSide: 'BOTH' | 'LONG' | 'SHORT';
  /** Signed decimal string. */
  readonly positionAmt: string;
  readonly entryPrice: string;
  readonly unrealizedPnl: string;
  readonly marginType: string;
}

export interface AlgoUpdate {
  readonly algoId: string;
  readonly clientAlgoId: string;
  readonly symbol: string;
  readonly side: 'BUY' | 'SELL';
  readonly type: string;
  /** NEW, TRIGGERING, TRIGGERED, FINISHED, CANCELED, REJECTED, EXPIRED */
  readonly status: string;
  readonly triggerPrice: string | undefined;
  readonly time: number;
}

export type FuturesUserEvent =
  | {
      readonly type: 'order';
      readonly order: OrderEvent;
      readonly venueType: string;
      readonly fill: Fill | undefined;
    }
  | {
      readonly type: 'account';
      readonly reason: string;
      readonly time: number;
      readonly balances: readonly FuturesBalanceUpdate[];
      readonly positions: readonly FuturesPositionUpdate[];
    }
  | { readonly type: 'algo'; readonly algo: AlgoUpdate }
  | { readonly type: 'listenKeyExpired'; readonly time: number }
  | { readonly type: 'ignored'; readonly event: string }
  | { readonly type: 'rejected'; readonly detail: string };

const decimal = z.string().regex(/^-?\d+(\.\d+)?$/);
const int = z.number().int();
const side = z.enum(['BUY', 'SELL']);

const orderTradeUpdate = z.object({
  e: z.literal('ORDER_TRADE_UPDATE'),
  E: int,
  T: int,
  o: z.object({
    s: z.string(),
    c: z.string(),
    S: side,
    o: z.string(),
    q: decimal,
    p: decimal,
    x: z.string(),
    X: z.string(),
    i: z.union([int, z.string()]),
    l: decimal,
    z: decimal,
    L: decimal,
    N: z.string().optional(),
    n: decimal.optional(),
    T: int,
    t: z.union([int, z.string()]),
    m: z.boolean(),
    R: z.boolean().optional(),
  }),
});

const accountUpdate = z.object({
  e: z.literal('ACCOUNT_UPDATE'),
  E: int,
  T: int,
  a: z.object({
    m: z.string(),
    B: z.array(z.object({ a: z.string(), wb: decimal, cw: decimal, bc: decimal.default('0') })),
    P: z.array(
      z.object({
        s: z.string(),
        pa: decimal,
        ep: decimal,
        up: decimal,
        mt: z.string(),
        ps: z.enum(['BOTH', 'LONG', 'SHORT']),
      }),
    ),
  }),
});

const algoUpdate = z.object({
  e: z.literal('ALGO_UPDATE'),
  T: int,
  E: int,
  o: z.object({
    caid: z.string(),
    aid: z.union([int, z.string()]),
    o: z.string(),
    s: z.string(),
    S: side,
    X: z.string(),
    tp: decimal.optional(),
  }),
});

const STATUS: Readonly<Record<string, OrderStatus>> = {
  NEW: 'new',
  PARTIALLY_FILLED: 'partially_filled',
  FILLED: 'filled',
  CANCELED: 'canceled',
  REJECTED: 'rejected',
  EXPIRED: 'expired',
  EXPIRED_IN_MATCH: 'expired',
};

const DOMAIN_TYPES: readonly string[] = ['MARKET', 'LIMIT', 'STOP_MARKET', 'TAKE_PROFIT_MARKET'];

/** Raw text of one user-data message (plain or wrapped as `{"stream":..,"data":..}`) -> event. Never throws. */
export function parseFuturesUserEvent(text: string): FuturesUserEvent {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch {
    return { type: 'rejected', detail: 'not JSON' };
  }
  const data =
    typeof root === 'object' && root !== null && 'data' in root && 'stream' in root
      ? (root as { data: unknown }).data
      : root;
  if (typeof data !== 'object' || data === null || !('e' in data) || typeof data.e !== 'string') {
    return { type: 'rejected', detail: 'no event type' };
  }
  const kind = data.e;
  switch (kind) {
    case 'ORDER_TRADE_UPDATE': {
      const r = orderTradeUpdate.safeParse(data);
      if (!r.success)
        return { type: 'rejected', detail: `${kind}: ${r.error.issues[0]?.path.join('.') ?? ''}` };
      const o = r.data.o;
      const type: OrderType = DOMAIN_TYPES.includes(o.o) ? (o.o as OrderType) : 'MARKET';
      const order: OrderEvent = {
        clientOrderId: o.c,
        venueOrderId: String(o.i),
        symbol: o.s,
        side: o.S,
        type,
        status: STATUS[o.X] ?? 'unknown',
        quantity: o.q,
        filledQuantity: o.z,
        // a market order has p "0": no price, as venueOrderToEvent and SimVenue report it
        ...(Number(o.p) === 0 ? {} : { price: o.p }),
        reason: o.x,
        time: o.T,
      };
      const fill = tradeReportFill(o.c, o);
      return { type: 'order', order, venueType: o.o, fill };
    }
    case 'ACCOUNT_UPDATE': {
      const r = accountUpdate.safeParse(data);
      if (!r.success)
        return { type: 'rejected', detail: `${kind}: ${r.error.issues[0]?.path.join('.') ?? ''}` };
      const a = r.data.a;
      return {
        type: 'account',
        reason: a.m,
        time: r.data.T,
        balances: a.B.map((b) => ({
          asset: b.a,
          walletBalance: b.wb,
          crossWalletBalance: b.cw,
          balanceChange: b.bc,
        })),
        positions: a.P.map((p) => ({
          symbol: p.s,
          positionSide: p.ps,
          positionAmt: p.pa,
          entryPrice: p.ep,
          unrealizedPnl: p.up,
          marginType: p.mt,
        })),
      };
    }
    case 'ALGO_UPDATE': {
      const r = algoUpdate.safeParse(data);
      if (!r.success)
        return { type: 'rejected', detail: `${kind}: ${r.error.issues[0]?.path.join('.') ?? ''}` };
      const o = r.data.o;
      return {
        type: 'algo',
        algo: {
          algoId: String(o.aid),
          clientAlgoId: o.caid,
          symbol: o.s,
          side: o.S,
          type: o.o,
          status: o.X,
          triggerPrice: o.tp,
          time: r.data.T,
        },
      };
    }
    case 'listenKeyExpired': {
      const time = 'E' in data && typeof data.E === 'number' ? data.E : 0;
      return { type: 'listenKeyExpired', time };
    }
    default:
      return { type: 'ignored', event: kind };
  }
}

// ---------------------------------------------------------------------------------------------------
// listenKey life cycle

export interface ListenKeyOptions {
  readonly client: FuturesRestClient;
  readonly scheduler: Scheduler;
  readonly clock: Clock;
  /** A (new) key is in force: (re)connect the user stream to `<ws base>/ws/<key>`, then resync over REST. */
  readonly onKey: (listenKey: string) => void;
  /** Keep-alive period; Binance keys live 60 min, keep-alive every 30–50 min (default 30 min). */
  readonly keepAliveMs?: number;
  readonly logger?: Logger;
  /** A keep-alive or renewal failed for another reason (owner logs, alerts, retries later). */
  readonly onError?: (error: Error) => void;
}

/**
 * Owns the futures listenKey: creates it, keeps it alive on the scheduler, and replaces it when the venue
 * says it is gone (-1125 on keep-alive, or a `listenKeyExpired` event passed to `expired()`).
 */
export class FuturesListenKey {
  private key: string | undefined;
  private timer: TimerHandle | undefined;
  private readonly o: ListenKeyOptions;
  private readonly logger: Logger;

  constructor(options: ListenKeyOptions) {
    this.o = options;
    this.logger = options.logger ?? silentLogger;
  }

  get current(): string | undefined {
    return this.key;
  }

  async start(): Promise<string> {
    const key = await this.renew();
    this.timer = this.o.scheduler.every(this.o.keepAliveMs ?? 30 * 60_000, () => {
      this.keepAlive().then(
        () => undefined,
        (caught: unknown) => {
          this.fail(caught);
        },
      );
    });
    return key;
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) this.o.scheduler.cancel(this.timer);
    this.timer = undefined;
    if (this.key !== undefined) await this.o.client.closeListenKey();
    this.key = undefined;
  }

  /** Call on a `listenKeyExpired` event: a new key is created and announced. */
  async expired(): Promise<string> {
    this.logger.warn({ at: this.o.clock.now() }, 'binance listenKey expired: creating a new one');
    return this.renew();
  }

  private async keepAlive(): Promise<void> {
    try {
      await this.o.client.keepAliveListenKey();
    } catch (caught) {
      if (caught instanceof VenueRejectedError && caught.venueCode === -1125) {
        this.logger.warn(
          { at: this.o.clock.now() },
          'binance listenKey does not exist (-1125): creating a new one',
        );
        await this.renew();
        return;
      }
      throw caught;
    }
  }

  private async renew(): Promise<string> {
    const key = await this.o.client.createListenKey();
    this.key = key;
    this.o.onKey(key);
    return key;
  }

  private fail(caught: unknown): void {
    const error = toError(caught);
    this.logger.error({ error: error.message }, 'binance listenKey keep-alive failed');
    this.o.onError?.(error);
  }
}

// ---------------------------------------------------------------------------------------------------
// the user-data connection

export interface FuturesUserStreamOptions {
  /** e.g. wss://fstream.binance.com or ws://127.0.0.1:<port>; the stream is `<base>/ws/<listenKey>`. */
  readonly wsBaseUrl: string;
  readonly client: FuturesRestClient;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  /** Uniform in [0, 1): backoff jitter. */
  readonly random: () => number;
  readonly onEvent: (event: FuturesUserEvent) => void;
  /**
   * REST resync of open orders, positions and balances. Runs after every (re)connect; trading is "not
   * ready" until it has completed, because events may have been missed while disconnected.
   */
  readonly resync: () => Promise<void>;
  readonly onReady?: (ready: boolean) => void;
  readonly logger?: Logger;
  readonly backoffInitialMs?: number;
  readonly backoffMaxMs?: number;
  readonly keepAliveMs?: number;
}

/**
 * The futures user-data stream: listenKey (created, kept alive, replaced on -1125 or `listenKeyExpired`),
 * one WebSocket on it with backoff reconnects, and a readiness flag that is false from every (re)connect
 * until the REST resync has completed.
 */
export class FuturesUserStream {
  private readonly o: FuturesUserStreamOptions;
  private readonly logger: Logger;
  private readonly listenKey: FuturesListenKey;
  private ws: WebSocket | undefined;
  private key: string | undefined;
  private attempt = 0;
  private running = false;
  private readyFlag = false;
  private generation = 0;

  constructor(options: FuturesUserStreamOptions) {
    this.o = options;
    this.logger = options.logger ?? silentLogger;
    const lk: ListenKeyOptions = {
      client: options.client,
      scheduler: options.scheduler,
      clock: options.clock,
      logger: this.logger,
      onKey: (key) => {
        this.key = key;
        if (this.running) this.connect();
      },
      onError: (error) => {
        this.logger.error({ error: error.message }, 'binance user stream: listenKey upkeep failed');
      },
    };
    this.listenKey = new FuturesListenKey(
      options.keepAliveMs === undefined ? lk : { ...lk, keepAliveMs: options.keepAliveMs },
    );
  }

  /** True once the stream is connected and the REST resync after the last (re)connect has completed. */
  get ready(): boolean {
    return this.readyFlag;
  }

  async start(): Promise<void> {
    this.running = true;
    await this.listenKey.start();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.setReady(false);
    this.ws?.terminate();
    this.ws = undefined;
    await this.listenKey.stop();
  }

  private setReady(ready: boolean): void {
    if (this.readyFlag === ready) return;
    this.readyFlag = ready;
    this.o.onReady?.(ready);
  }

  private connect(): void {
    const key = this.key;
    if (key === undefined) return;
    const generation = ++this.generation;
    this.setReady(false);
    const old = this.ws;
    this.ws = undefined;
    old?.terminate();
    const base = this.o.wsBaseUrl.endsWith('/') ? this.o.wsBaseUrl.slice(0, -1) : this.o.wsBaseUrl;
    const ws = new WebSocket(`${base}/ws/${key}`);
    this.ws = ws;
    ws.on('open', () => {
      this.attempt = 0;
      this.runResync(generation);
    });
    ws.on('message', (data: WebSocket.RawData) => {
      if (generation !== this.generation) return;
      const event = parseFuturesUserEvent(rawText(data));
      if (event.type === 'listenKeyExpired') {
        this.setReady(false);
        this.listenKey.expired().then(
          () => undefined,
          (caught: unknown) => {
            this.logger.error(
              { error: toError(caught).message },
              'binance user stream: new listenKey failed',
            );
            this.scheduleReconnect(generation);
          },
        );
        return;
      }
      if (event.type === 'rejected') {
        this.logger.warn({ detail: event.detail }, 'binance user stream: message dropped');
        return;
      }
      this.o.onEvent(event);
    });
    ws.on('error', (error: Error) => {
      this.logger.warn({ error: error.message }, 'binance user stream socket error');
    });
    ws.on('close', (code: number) => {
      if (generation !== this.generation || !this.running) return;
      this.logger.warn({ code }, 'binance user stream closed: reconnecting');
      this.scheduleReconnect(generation);
    });
  }

  private runResync(generation: number): void {
    this.o.resync().then(
      () => {
        if (generation === this.generation && this.running) this.setReady(true);
      },
      (caught: unknown) => {
        this.logger.error(
          { error: toError(caught).message },
          'binance user stream: resync failed, reconnecting',
        );
        if (generation === this.generation) this.scheduleReconnect(generation);
      },
    );
  }

  private scheduleReconnect(generation: number): void {
    this.setReady(false);
    const initial = this.o.backoffInitialMs ?? 500;
    const cap = Math.min(this.o.backoffMaxMs ?? 30_000, initial * 2 ** this.attempt);
    const delay = Math.floor(this.o.random() * cap);
    this.attempt++;
    this.o.scheduler.at(this.o.clock.now() + delay, () => {
      if (this.running && generation === this.generation) this.connect();
    });
  }
}
