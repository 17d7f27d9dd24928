import type { MonotonicClock } from './clock.js';
import { AegisError, errorCodeOf, toError } from './errors.js';
import type { Logger } from './logger.js';
import { LatencyHistogram, type LatencySummary } from './metrics.js';

/** Payload of the ERROR topic: any component's failure, published so that anyone may observe it. */
export interface ErrorEvent {
  /** Component that failed (e.g. 'bus', 'venue.binance', 'journal'). */
  readonly source: string;
  /** Stable code (an AegisError code or 'UNCLASSIFIED'). */
  readonly code: string;
  readonly message: string;
  readonly context: Readonly<Record<string, string | number | boolean | undefined>>;
}

/** A topic map: topic name → payload type. It must carry the ERROR topic. */
export interface TopicMap {
  ERROR: ErrorEvent;
}

export type Handler<T> = (payload: T) => void;

export interface Subscription {
  unsubscribe(): void;
}

/**
 * The seam for a cross-process transport (e.g. Redis Streams). The bus hands it local publishes of the
 * bridged topics; the transport hands back messages from other processes, which are delivered to local
 * subscribers only (never sent out again).
 */
export interface BusTransport {
  readonly name: string;
  send(topic: string, payload: unknown): void;
  /** Called once by the bus: where to deliver messages that arrive from other processes. */
  attach(deliver: (topic: string, payload: unknown) => void): void;
}

export interface EventBusOptions {
  readonly logger: Logger;
  /** Freeze every published payload (shallow) so no subscriber can mutate it. Default true. */
  readonly freezePayloads?: boolean;
  /** Monotonic clock for handler-time histograms; without it no timing is recorded. */
  readonly monotonic?: MonotonicClock;
  /** Time one delivery in every N (a power of two; default 64) so timing stays off the hot path. */
  readonly timingSampleEvery?: number;
}

interface Entry<T> {
  readonly name: string;
  readonly fn: Handler<T>;
  failures: number;
}

interface Channel<T> {
  readonly topic: string;
  handlers: readonly Entry<T>[];
  published: number;
  delivered: number;
  failures: number;
  readonly histogram: LatencyHistogram;
  transport: BusTransport | undefined;
}

export interface TopicStats {
  readonly topic: string;
  readonly subscribers: readonly string[];
  readonly published: number;
  readonly delivered: number;
  readonly handlerFailures: number;
  readonly handlerTimeNs: LatencySummary;
}

/**
 * Typed, synchronous, ordered publish/subscribe. Subscribers run in subscription order, inside
 * `publish`. A subscriber that throws is logged (topic, subscriber), counted and reported on ERROR;
 * the remaining subscribers and the publisher carry on.
 */
export class EventBus<M extends TopicMap> {
  private readonly channels = new Map<string, Channel<never>>();
  private readonly logger: Logger;
  private readonly freeze: boolean;
  private readonly monotonic: MonotonicClock | undefined;
  private readonly sampleMask: number;
  private tick = 0;

  constructor(topics: readonly (keyof M & string)[], options: EventBusOptions) {
    this.logger = options.logger;
    this.freeze = options.freezePayloads ?? true;
    this.monotonic = options.monotonic;
    const every = options.timingSampleEvery ?? 64;
    if (every < 1 || (every & (every - 1)) !== 0) {
      throw new AegisError('INVARIANT_BROKEN', `timingSampleEvery must be a power of two >= 1, got ${every}`);
    }
    this.sampleMask = every - 1;
    for (const topic of topics) this.channels.set(topic, newChannel(topic));
    if (!this.channels.has('ERROR')) this.channels.set('ERROR', newChannel('ERROR'));
  }

  get topics(): readonly string[] {
    return [...this.channels.keys()];
  }

  subscribe<K extends keyof M & string>(topic: K, subscriber: string, fn: Handler<M[K]>): Subscription {
    const ch = this.channel<K>(topic);
    const entry: Entry<M[K]> = { name: subscriber, fn, failures: 0 };
    ch.handlers = [...ch.handlers, entry]; // copy-on-write: a publish in flight keeps its list
    return {
      unsubscribe: () => {
        ch.handlers = ch.handlers.filter((e) => e !== entry);
      },
    };
  }

  publish<K extends keyof M & string>(topic: K, payload: M[K]): void {
    const ch = this.channel<K>(topic);
    this.dispatch(ch, payload);
    const transport = ch.transport;
    if (transport !== undefined) {
      try {
        transport.send(topic, payload);
      } catch (caught) {
        this.report('bus.transport', topic, transport.name, caught);
      }
    }
  }

  /** Forward local publishes of `topics` to `transport`, and deliver what it receives locally. */
  bridge(transport: BusTransport, topics: readonly (keyof M & string)[]): void {
    for (const topic of topics) this.channel(topic).transport = transport;
    const bridged = new Set<string>(topics);
    transport.attach((topic, payload) => {
      const ch = this.channels.get(topic);
      if (ch === undefined || !bridged.has(topic)) {
        this.report(
          'bus.transport',
          topic,
          transport.name,
          new AegisError('BUS_UNKNOWN_TOPIC', `remote topic ${topic} is not bridged`),
        );
        return;
      }
      this.dispatch(ch as Channel<unknown>, payload as object);
    });
  }

  stats(): TopicStats[] {
    return [...this.channels.values()].map((ch) => ({
      topic: ch.topic,
      subscribers: ch.handlers.map((h) => h.name),
      published: ch.published,
      delivered: ch.delivered,
      handlerFailures: ch.failures,
      handlerTimeNs: ch.histogram.summary(),
    }));
  }

  private channel<K extends keyof M & string>(topic: K): Channel<M[K]> {
    const ch = this.channels.get(topic);
    if (ch === undefined) {
      throw new AegisError('BUS_UNKNOWN_TOPIC', `Unknown topic "${topic}"`, { context: { topic } });
    }
    return ch as unknown as Channel<M[K]>;
  }

  private dispatch<T>(ch: Channel<T>, payload: T): void {
    if (this.freeze) Object.freeze(payload);
    ch.published++;
    const handlers = ch.handlers;
    const n = handlers.length;
    for (let i = 0; i < n; i++) {
      const entry = handlers[i] as Entry<T>;
      try {
        if (this.monotonic !== undefined && (++this.tick & this.sampleMask) === 0) {
          const t0 = this.monotonic.nowNs();
          entry.fn(payload);
          ch.histogram.record(this.monotonic.nowNs() - t0);
        } else {
          entry.fn(payload);
        }
      } catch (caught) {
        entry.failures++;
        ch.failures++;
        this.report('bus', ch.topic, entry.name, caught);
      }
    }
    ch.delivered += n;
  }

  private report(source: string, topic: string, subscriber: string, caught: unknown): void {
    const err = toError(caught);
    const code = errorCodeOf(caught);
    this.logger.error(
      { topic, subscriber, code, err },
      `subscriber "${subscriber}" failed on ${topic}: ${err.message}`,
    );
    if (topic === 'ERROR') return; // never loop on the error topic itself
    const event: ErrorEvent = {
      source,
      code: source === 'bus' ? 'BUS_HANDLER_FAILED' : 'BUS_TRANSPORT_FAILED',
      message: err.message,
      context: { topic, subscriber, cause: code },
    };
    this.dispatch(this.channel('ERROR'), event);
  }
}

function newChannel(topic: string): Channel<never> {
  return {
    topic,
    handlers: [],
    published: 0,
    delivered: 0,
    failures: 0,
    histogram: new LatencyHistogram(),
    transport: undefined,
  };
}
