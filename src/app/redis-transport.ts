import { Redis } from 'ioredis';
import type { BusTransport } from '../core/event-bus.js';
import { AegisError, toError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { Counters } from '../core/metrics.js';

export interface RedisTransportOptions {
  readonly url: string;
  /** Stream key shared by the processes of one deployment. */
  readonly stream?: string;
  /** This process's id; its own messages are not delivered back to it. */
  readonly origin: string;
  readonly logger: Logger;
  /** Approximate cap on the stream length (XADD MAXLEN ~). */
  readonly maxLen?: number;
  /** Called for every transport failure, after it was logged and counted (the app publishes it on ERROR). */
  readonly onError?: (error: AegisError) => void;
}

/**
 * EventBus transport over Redis Streams: local publishes of bridged topics are XADDed (in order, on one
 * connection); a second connection blocks on XREAD for new entries and hands the other processes'
 * messages to the bus. Payloads travel as JSON.
 */
export class RedisStreamTransport implements BusTransport {
  readonly name = 'redis-streams';
  readonly counters = new Counters();
  private readonly writer: Redis;
  private readonly reader: Redis;
  private readonly stream: string;
  private readonly maxLen: number;
  private deliver: ((topic: string, payload: unknown) => void) | undefined;
  private running = false;
  private loop: Promise<void> | undefined;
  private lastId = '$';

  constructor(private readonly options: RedisTransportOptions) {
    this.stream = options.stream ?? 'aegis:bus';
    this.maxLen = options.maxLen ?? 100_000;
    const common = { lazyConnect: true, maxRetriesPerRequest: 3, enableOfflineQueue: true } as const;
    this.writer = new Redis(options.url, common);
    this.reader = new Redis(options.url, { ...common, maxRetriesPerRequest: null });
    for (const [role, client] of [
      ['writer', this.writer],
      ['reader', this.reader],
    ] as const) {
      client.on('error', (err: Error) => {
        this.fail(`redis ${role} connection error: ${err.message}`, err, { role });
      });
    }
  }

  attach(deliver: (topic: string, payload: unknown) => void): void {
    this.deliver = deliver;
  }

  /** Connect both clients and start reading entries added from now on. */
  async start(): Promise<void> {
    await Promise.all([this.writer.connect(), this.reader.connect()]);
    // read from the current end so a restarted process does not replay old events
    const last = await this.writer.xrevrange(this.stream, '+', '-', 'COUNT', 1);
    this.lastId = last[0]?.[0] ?? '0-0';
    this.running = true;
    this.loop = this.readLoop();
  }

  send(topic: string, payload: unknown): void {
    this.counters.inc('sent');
    this.writer
      .xadd(
        this.stream,
        'MAXLEN',
        '~',
        this.maxLen,
        '*',
        'o',
        this.options.origin,
        't',
        topic,
        'p',
        JSON.stringify(payload),
      )
      .then(
        () => undefined,
        (err: unknown) => {
          this.fail(`XADD ${topic} failed: ${toError(err).message}`, err, { topic });
        },
      );
  }

  async stop(): Promise<void> {
    this.running = false;
    this.reader.disconnect(); // unblocks the pending XREAD
    await this.loop;
    if (this.writer.status === 'ready') await this.writer.quit();
    else this.writer.disconnect(); // never connected or reconnecting: stop the retries
  }

  private async readLoop(): Promise<void> {
    while (this.running) {
      let batch: [string, [string, string[]][]][] | null;
      try {
        batch = await this.reader.xread('BLOCK', 0, 'STREAMS', this.stream, this.lastId);
      } catch (err) {
        if (this.stopped()) return; // disconnect() during stop rejects the blocked read: expected
        this.fail(`XREAD failed: ${toError(err).message}`, err, {});
        continue;
      }
      for (const [, entries] of batch ?? []) {
        for (const [id, fields] of entries) {
          this.lastId = id;
          this.handle(id, fields);
        }
      }
    }
  }

  /** Read through a method: `running` changes while an await is pending. */
  private stopped(): boolean {
    return !this.running;
  }

  private handle(id: string, fields: readonly string[]): void {
    const f: Record<string, string> = {};
    for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i] ?? ''] = fields[i + 1] ?? '';
    if (f.o === this.options.origin) return;
    const topic = f.t;
    if (topic === undefined || f.p === undefined) {
      this.fail(`malformed stream entry ${id}`, undefined, { id });
      return;
    }
    let payload: unknown;
    try {
      payload = JSON.parse(f.p);
    } catch (err) {
      this.fail(`entry ${id} on ${topic} is not JSON: ${toError(err).message}`, err, { id, topic });
      return;
    }
    this.counters.inc('received');
    this.deliver?.(topic, payload);
  }

  private fail(message: string, cause: unknown, context: Record<string, string>): void {
    this.counters.inc('errors');
    const error = new AegisError('BUS_TRANSPORT_FAILED', message, {
      cause,
      context: { stream: this.stream, ...context },
    });
    this.options.logger.error(
      { code: error.code, stream: this.stream, ...context, err: toError(cause ?? error) },
      message,
    );
    this.options.onError?.(error);
  }
}
