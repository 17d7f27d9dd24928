import { describe, expect, it } from 'vitest';
import type { MonotonicClock } from './clock.js';
import { AegisError } from './errors.js';
import { EventBus, type BusTransport, type ErrorEvent } from './event-bus.js';
import { MemoryLogger } from './logger.js';

interface TestTopics {
  PRICE: { symbol: string; price: number };
  NOTE: { text: string };
  ERROR: ErrorEvent;
}

const TOPICS = ['PRICE', 'NOTE', 'ERROR'] as const;

function makeBus(
  logger = new MemoryLogger(),
  extra: { monotonic?: MonotonicClock } = {},
): EventBus<TestTopics> {
  return new EventBus<TestTopics>(TOPICS, { logger, ...extra });
}

describe('EventBus', () => {
  it('delivers synchronously, in subscription order, before publish returns', () => {
    const bus = makeBus();
    const seen: string[] = [];
    bus.subscribe('PRICE', 'a', (p) => seen.push(`a:${p.price}`));
    bus.subscribe('PRICE', 'b', (p) => seen.push(`b:${p.price}`));
    bus.publish('PRICE', { symbol: 'BTCUSDT', price: 1 });
    seen.push('after');
    bus.publish('PRICE', { symbol: 'BTCUSDT', price: 2 });
    expect(seen).toEqual(['a:1', 'b:1', 'after', 'a:2', 'b:2']);
  });

  it('keeps delivering to the other subscribers when one throws, and reports it on ERROR', () => {
    const logger = new MemoryLogger();
    const bus = makeBus(logger);
    const seen: string[] = [];
    const errors: ErrorEvent[] = [];
    bus.subscribe('ERROR', 'watcher', (e) => errors.push(e));
    bus.subscribe('PRICE', 'first', () => seen.push('first'));
    bus.subscribe('PRICE', 'broken', () => {
      throw new Error('boom');
    });
    bus.subscribe('PRICE', 'last', () => seen.push('last'));
    expect(() => {
      bus.publish('PRICE', { symbol: 'X', price: 1 });
    }).not.toThrow();
    expect(seen).toEqual(['first', 'last']);
    expect(errors).toEqual([
      {
        source: 'bus',
        code: 'BUS_HANDLER_FAILED',
        message: 'boom',
        context: { topic: 'PRICE', subscriber: 'broken', cause: 'UNCLASSIFIED' },
      },
    ]);
    const logged = logger.records.filter((r) => r.level === 'error');
    expect(logged).toHaveLength(1);
    expect(logged[0]?.fields).toMatchObject({ topic: 'PRICE', subscriber: 'broken' });
    const stats = bus.stats().find((s) => s.topic === 'PRICE');
    expect(stats?.handlerFailures).toBe(1);
    expect(stats?.published).toBe(1);
    expect(stats?.delivered).toBe(3);
  });

  it('does not loop when an ERROR subscriber itself throws', () => {
    const logger = new MemoryLogger();
    const bus = makeBus(logger);
    bus.subscribe('ERROR', 'bad-watcher', () => {
      throw new Error('watcher broke');
    });
    bus.subscribe('NOTE', 'broken', () => {
      throw new Error('first');
    });
    bus.publish('NOTE', { text: 'x' });
    expect(logger.records.filter((r) => r.level === 'error').map((r) => r.fields.subscriber)).toEqual([
      'broken',
      'bad-watcher',
    ]);
  });

  it('freezes published payloads so no subscriber can change what others see', () => {
    const bus = makeBus();
    const payload = { symbol: 'BTCUSDT', price: 100 };
    let after = 0;
    bus.subscribe('PRICE', 'mutator', (p) => {
      expect(() => {
        (p as { price: number }).price = 0;
      }).toThrow(TypeError);
    });
    bus.subscribe('PRICE', 'reader', (p) => (after = p.price));
    bus.publish('PRICE', payload);
    expect(after).toBe(100);
    expect(Object.isFrozen(payload)).toBe(true);
  });

  it('rejects an unknown topic with BUS_UNKNOWN_TOPIC', () => {
    const bus = makeBus();
    let caught: unknown;
    try {
      bus.publish('NOPE' as 'NOTE', { text: '' });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(AegisError);
    expect((caught as AegisError).code).toBe('BUS_UNKNOWN_TOPIC');
  });

  it('lets a subscriber unsubscribe during dispatch without disturbing the delivery in flight', () => {
    const bus = makeBus();
    const seen: string[] = [];
    const sub = bus.subscribe('NOTE', 'once', (n) => {
      seen.push(`once:${n.text}`);
      sub.unsubscribe();
    });
    bus.subscribe('NOTE', 'always', (n) => seen.push(`always:${n.text}`));
    bus.publish('NOTE', { text: '1' });
    bus.publish('NOTE', { text: '2' });
    expect(seen).toEqual(['once:1', 'always:1', 'always:2']);
  });

  it('records sampled handler time with the injected monotonic clock', () => {
    let t = 0;
    const clock: MonotonicClock = { nowNs: () => (t += 250) };
    const bus = new EventBus<TestTopics>(TOPICS, {
      logger: new MemoryLogger(),
      monotonic: clock,
      timingSampleEvery: 1,
    });
    bus.subscribe('PRICE', 'a', () => undefined);
    for (let i = 0; i < 10; i++) bus.publish('PRICE', { symbol: 'X', price: i });
    const h = bus.stats().find((s) => s.topic === 'PRICE')?.handlerTimeNs;
    expect(h?.count).toBe(10);
    expect(h?.p50).toBe(250);
  });

  it('bridges topics through a transport: local publishes go out, remote ones are delivered locally only', () => {
    // an in-memory "wire" between two buses stands in for Redis
    const wire: { topic: string; payload: unknown; from: string }[] = [];
    const deliverers = new Map<string, (topic: string, payload: unknown) => void>();
    const transport = (name: string): BusTransport => ({
      name,
      send: (topic, payload) => wire.push({ topic, payload, from: name }),
      attach: (deliver) => deliverers.set(name, deliver),
    });
    const a = makeBus();
    const b = makeBus();
    a.bridge(transport('a'), ['PRICE']);
    b.bridge(transport('b'), ['PRICE']);
    const seenB: number[] = [];
    b.subscribe('PRICE', 'b-reader', (p) => seenB.push(p.price));
    a.publish('PRICE', { symbol: 'X', price: 7 });
    a.publish('NOTE', { text: 'not bridged' });
    expect(wire).toEqual([{ topic: 'PRICE', payload: { symbol: 'X', price: 7 }, from: 'a' }]);
    for (const m of wire.splice(0)) deliverers.get('b')?.(m.topic, m.payload);
    expect(seenB).toEqual([7]);
    expect(wire).toEqual([]); // remote deliveries are not echoed back out
  });

  it('reports a remote message on a topic that is not bridged', () => {
    let deliver: ((topic: string, payload: unknown) => void) | undefined;
    const bus = makeBus();
    const errors: ErrorEvent[] = [];
    bus.subscribe('ERROR', 'w', (e) => errors.push(e));
    bus.bridge({ name: 'r', send: () => undefined, attach: (d) => (deliver = d) }, ['PRICE']);
    deliver?.('NOTE', { text: 'x' });
    expect(errors[0]?.code).toBe('BUS_TRANSPORT_FAILED');
  });
});
