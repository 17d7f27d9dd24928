/**
 * Combined-stream market data connection (`<base>/stream?streams=a/b/c`) with:
 * - live SUBSCRIBE / UNSUBSCRIBE (`{"method","params","id"}`), the stream list kept for reconnects;
 * - reconnect with exponential backoff and full jitter (random in [0, min(max, initial * 2^attempt)));
 * - a staleness watchdog: no message for `staleAfterMs` -> the socket is dropped and reopened;
 * - 24-hour rollover: before Binance closes a connection (at most 24 h), a new one is opened; the old one
 *   is closed `overlapMs` after the new one delivers, and the overlap is de-duplicated by trade / update
 *   ids (per stream, ids only grow: a message at or below the last delivered id is dropped);
 * - parsing with `parseMarketMessage`; malformed or unknown messages are counted, logged (at most once per
 *   `logEveryMs`) and dropped.
 * Timers run on the injected Scheduler and jitter comes from the injected random source.
 * https://developers.binance.com/docs/binance-spot-api-docs/web-socket-streams
 */
import WebSocket from 'ws';
import type { Clock, Scheduler, TimerHandle } from '../../core/clock.js';
import { InvariantError } from '../../core/errors.js';
import { silentLogger, type Logger } from '../../core/logger.js';
import { parseMarketMessage, parseMarketMessageBytes, type MarketMessage } from './market-parse.js';

export type MarketEvent = Exclude<MarketMessage, { type: 'rejected' }>;

export interface MarketStreamOptions {
  /** e.g. wss://stream.binance.com:9443, wss://fstream.binance.com, ws://127.0.0.1:<port>. */
  readonly baseUrl: string;
  readonly streams: readonly string[];
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  /** Uniform in [0, 1): backoff jitter. */
  readonly random: () => number;
  readonly onEvent: (event: MarketEvent) => void;
  /** Called first thing for every WebSocket frame received (latency measurement: tick-to-order). */
  readonly onFrame?: () => void;
  /** Each time a connection opens (its streams are subscribed through the URL). */
  readonly onConnected?: (rollover: boolean) => void;
  readonly logger?: Logger;
  /** Default 500 ms. */
  readonly backoffInitialMs?: number;
  /** Default 30 s. */
  readonly backoffMaxMs?: number;
  /** Default 60 s without any message. */
  readonly staleAfterMs?: number;
  /** Open the replacement connection this long after a connection opened (default 23 h 30 min). */
  readonly rolloverAfterMs?: number;
  /** How long the old connection stays open after its replacement delivered (default 2 s). */
  readonly overlapMs?: number;
  /** Binance: 1024 streams per connection (default). */
  readonly maxStreams?: number;
  /** SUBSCRIBE / UNSUBSCRIBE messages per second (default 5, the spot limit; futures allows 10). */
  readonly maxControlPerSecond?: number;
  /** Rejected-message log lines at most this often (default 10 s). */
  readonly logEveryMs?: number;
}

export interface MarketStreamCounters {
  received: number;
  delivered: number;
  duplicates: number;
  rejected: number;
  connects: number;
  reconnectsScheduled: number;
  stale: number;
  rollovers: number;
}

interface Connection {
  readonly ws: WebSocket;
  readonly id: number;
  lastMessageAt: number;
}

export class BinanceMarketStream {
  readonly counters: MarketStreamCounters = {
    received: 0,
    delivered: 0,
    duplicates: 0,
    rejected: 0,
    connects: 0,
    reconnectsScheduled: 0,
    stale: 0,
    rollovers: 0,
  };
  private readonly o: MarketStreamOptions;
  private readonly logger: Logger;
  private streams: string[];
  private active: Connection | undefined;
  private incoming: Connection | undefined;
  private attempt = 0;
  private nextConnectionId = 1;
  private nextRequestId = 1;
  private outbox: string[] = [];
  private sentAt: number[] = [];
  private flushScheduled = false;
  /** One-shot timers not fired yet (cancelled by stop()). */
  private readonly pending = new Set<TimerHandle>();
  private running = false;
  private timers: TimerHandle[] = [];
  private lastRejectLogAt = -Infinity;
  private readonly lastIds = new Map<string, number>();

  constructor(options: MarketStreamOptions) {
    this.o = options;
    this.logger = options.logger ?? silentLogger;
    this.streams = [...options.streams];
  }

  get subscribedStreams(): readonly string[] {
    return this.streams;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const stale = this.o.staleAfterMs ?? 60_000;
    this.timers.push(
      this.o.scheduler.every(Math.max(1, Math.floor(stale / 2)), (now) => {
        this.checkStale(now, stale);
      }),
    );
    this.connect();
  }

  stop(): void {
    this.running = false;
    for (const t of this.timers) this.o.scheduler.cancel(t);
    this.timers = [];
    for (const t of this.pending) this.o.scheduler.cancel(t);
    this.pending.clear();
    for (const c of [this.active, this.incoming]) c?.ws.terminate();
    this.active = undefined;
    this.incoming = undefined;
  }

  /** Throws INVARIANT_BROKEN beyond `maxStreams` (Binance: 1024 streams per connection). */
  subscribe(streams: readonly string[]): void {
    const added = streams.filter((s) => !this.streams.includes(s));
    if (added.length === 0) return;
    const max = this.o.maxStreams ?? 1024;
    if (this.streams.length + added.length > max) {
      throw new InvariantError(`a Binance connection carries at most ${max} streams`, {
        have: this.streams.length,
        adding: added.length,
      });
    }
    this.streams.push(...added);
    this.send({ method: 'SUBSCRIBE', params: added, id: this.nextRequestId++ });
  }

  unsubscribe(streams: readonly string[]): void {
    const removed = streams.filter((s) => this.streams.includes(s));
    if (removed.length === 0) return;
    this.streams = this.streams.filter((s) => !removed.includes(s));
    this.send({ method: 'UNSUBSCRIBE', params: removed, id: this.nextRequestId++ });
  }

  /**
   * Control messages go out at most `maxControlPerSecond` per rolling second (Binance: 5/s spot, 10/s
   * futures, per connection); the rest wait on the scheduler. A closed socket needs none: the reconnect
   * URL carries the current stream list.
   */
  private send(request: { method: string; params: string[]; id: number }): void {
    this.outbox.push(JSON.stringify(request));
    this.flush();
  }

  private flush(): void {
    const now = this.o.clock.now();
    const limit = this.o.maxControlPerSecond ?? 5;
    this.sentAt = this.sentAt.filter((t) => t > now - 1000);
    while (this.outbox.length > 0 && this.sentAt.length < limit) {
      const text = this.outbox.shift() ?? '';
      this.sentAt.push(now);
      for (const conn of [this.active, this.incoming]) {
        if (conn?.ws.readyState === WebSocket.OPEN) conn.ws.send(text);
      }
    }
    const oldest = this.sentAt[0];
    if (this.outbox.length > 0 && oldest !== undefined && !this.flushScheduled) {
      this.flushScheduled = true;
      this.once(oldest + 1000, () => {
        this.flushScheduled = false;
        this.flush();
      });
    }
  }

  private once(atMs: number, callback: () => void): void {
    const handle = this.o.scheduler.at(atMs, () => {
      this.pending.delete(handle);
      callback();
    });
    this.pending.add(handle);
  }

  private url(): string {
    const base = this.o.baseUrl.endsWith('/') ? this.o.baseUrl.slice(0, -1) : this.o.baseUrl;
    return `${base}/stream?streams=${this.streams.join('/')}`;
  }

  /** Open a connection: the main one, or (rollover) its replacement while the old one still runs. */
  private connect(rollover = false): void {
    const ws = new WebSocket(this.url());
    const conn: Connection = { ws, id: this.nextConnectionId++, lastMessageAt: this.o.clock.now() };
    if (rollover) this.incoming = conn;
    else this.active = conn;
    ws.on('open', () => {
      this.counters.connects++;
      conn.lastMessageAt = this.o.clock.now();
      this.logger.info({ connection: conn.id, rollover }, 'binance market stream connected');
      this.o.onConnected?.(rollover);
      const after = this.o.rolloverAfterMs ?? 23.5 * 3_600_000;
      this.once(this.o.clock.now() + after, () => {
        if (this.running && this.active === conn && this.incoming === undefined) {
          this.counters.rollovers++;
          this.connect(true);
        }
      });
    });
    ws.on('message', (data: WebSocket.RawData) => {
      this.o.onFrame?.();
      this.onMessage(conn, data);
    });
    ws.on('error', (error: Error) => {
      this.logger.warn({ connection: conn.id, error: error.message }, 'binance market stream socket error');
    });
    ws.on('close', (code: number) => {
      this.onClose(conn, code);
    });
  }

  private onMessage(conn: Connection, data: WebSocket.RawData): void {
    const now = this.o.clock.now();
    conn.lastMessageAt = now;
    if (conn === this.incoming) {
      // the replacement is live: retire the old connection; the overlap is de-duplicated below
      const old = this.active;
      this.active = conn;
      this.incoming = undefined;
      this.attempt = 0;
      if (old !== undefined) {
        // keep the old one a little longer so its in-flight messages still arrive (then de-duplicated)
        this.once(now + (this.o.overlapMs ?? 2000), () => {
          old.ws.close(1000, 'rollover');
        });
      }
    } else if (conn === this.active) {
      this.attempt = 0;
    }
    this.counters.received++;
    // a single-Buffer frame (the usual case) is parsed from its bytes, without decoding it to a string
    const message = Buffer.isBuffer(data)
      ? parseMarketMessageBytes(data, now)
      : parseMarketMessage(rawText(data), now);
    if (message.type === 'rejected') {
      const text = rawText(data);
      // {"result":null,"id":n} answers to SUBSCRIBE are expected, not counted as rejected
      if (text.startsWith('{"result":')) return;
      this.counters.rejected++;
      if (now - this.lastRejectLogAt >= (this.o.logEveryMs ?? 10_000)) {
        this.lastRejectLogAt = now;
        this.logger.warn(
          {
            reason: message.reason,
            detail: message.detail,
            rejected: this.counters.rejected,
            sample: text.slice(0, 120),
          },
          'binance market message dropped',
        );
      }
      return;
    }
    if (this.isDuplicate(message)) {
      this.counters.duplicates++;
      return;
    }
    this.counters.delivered++;
    this.o.onEvent(message);
  }

  /** Per stream ids only grow; anything at or below the last delivered id is an overlap duplicate. */
  private isDuplicate(m: MarketEvent): boolean {
    let key: string;
    let id: number;
    switch (m.type) {
      case 'aggTrade':
      case 'trade':
        key = `${m.type}:${m.event.symbol}`;
        id = m.event.id;
        break;
      case 'bookTicker':
        key = `q:${m.event.symbol}`;
        id = m.event.updateId;
        break;
      case 'depth':
        key = `d:${m.event.symbol}`;
        id = m.event.finalUpdateId;
        break;
      case 'markPrice':
        key = `mp:${m.event.symbol}`;
        id = m.event.time;
        break;
      case 'kline':
        return false; // kline updates replace the forming bar in place: a repeat is harmless
    }
    const last = this.lastIds.get(key);
    if (last !== undefined && id <= last) return true;
    this.lastIds.set(key, id);
    return false;
  }

  private onClose(conn: Connection, code: number): void {
    if (conn === this.incoming) {
      this.incoming = undefined;
      this.logger.warn({ connection: conn.id, code }, 'binance market stream replacement closed before use');
      return;
    }
    if (conn !== this.active) return; // a retired connection
    this.active = undefined;
    if (!this.running) return;
    const initial = this.o.backoffInitialMs ?? 500;
    const cap = Math.min(this.o.backoffMaxMs ?? 30_000, initial * 2 ** this.attempt);
    const delay = Math.floor(this.o.random() * cap);
    this.attempt++;
    this.counters.reconnectsScheduled++;
    this.logger.warn(
      { connection: conn.id, code, delayMs: delay, attempt: this.attempt },
      'binance market stream closed: reconnecting',
    );
    this.once(this.o.clock.now() + delay, () => {
      if (this.running && this.active === undefined) this.connect();
    });
  }

  private checkStale(now: number, staleAfterMs: number): void {
    const conn = this.active;
    if (conn?.ws.readyState !== WebSocket.OPEN) return;
    if (now - conn.lastMessageAt > staleAfterMs) {
      this.counters.stale++;
      this.logger.warn(
        { connection: conn.id, silentMs: now - conn.lastMessageAt },
        'binance market stream stale: reconnecting',
      );
      conn.ws.terminate();
    }
  }
}

/** Text of a ws frame (Buffer, fragments or ArrayBuffer). */
export function rawText(data: WebSocket.RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
