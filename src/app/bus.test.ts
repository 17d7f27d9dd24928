import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { serviceAvailable } from '../../test/support/services.js';
import { MemoryLogger } from '../core/logger.js';
import type { Signal } from '../domain/signal.js';
import { createEngineBus, type EngineBus } from './bus.js';

const redisUp = await serviceAvailable(6379, 'Redis');
const STREAM = `aegis:test:${randomUUID()}`;
const URL = 'redis://127.0.0.1:6379';
const started: EngineBus[] = [];

afterAll(async () => {
  await Promise.all(started.map((b) => b.stop()));
});

function signal(id: string): Signal {
  return {
    id,
    symbol: 'BTCUSDT',
    interval: '5m',
    side: 'BUY',
    confidence: 0.8,
    tier: 'teacher',
    position_size: 0.01,
    entry: 100,
    stop: 99,
    take_profit: 102,
    patterns: [],
    candleOpenTime: 0,
    decidedAt: 300_000,
    strategy: 'test',
  };
}

describe('createEngineBus', () => {
  it('is in-process only when REDIS_URL is not set', () => {
    const engine = createEngineBus({ redisUrl: undefined }, new MemoryLogger());
    expect(engine.transport).toBeUndefined();
    const seen: string[] = [];
    engine.bus.subscribe('SIGNAL_GENERATED', 't', (s) => seen.push(s.id));
    engine.bus.publish('SIGNAL_GENERATED', signal('a'));
    expect(seen).toEqual(['a']);
  });

  it.runIf(redisUp)(
    'carries bridged topics between two processes over Redis Streams, without echo',
    async () => {
      const a = createEngineBus({ redisUrl: URL }, new MemoryLogger(), { origin: 'proc-a', stream: STREAM });
      const b = createEngineBus({ redisUrl: URL }, new MemoryLogger(), { origin: 'proc-b', stream: STREAM });
      started.push(a, b);
      await Promise.all([a.start(), b.start()]);

      const seenA: string[] = [];
      a.bus.subscribe('SIGNAL_GENERATED', 'a-reader', (s) => seenA.push(s.id));
      const received = new Promise<Signal[]>((resolve) => {
        const got: Signal[] = [];
        b.bus.subscribe('SIGNAL_GENERATED', 'b-reader', (s) => {
          got.push(s);
          if (got.length === 3) resolve(got);
        });
      });
      a.bus.publish('SIGNAL_GENERATED', signal('s1'));
      a.bus.publish('SIGNAL_GENERATED', signal('s2'));
      a.bus.publish('SIGNAL_GENERATED', signal('s3'));
      const got = await received;
      expect(got.map((s) => s.id)).toEqual(['s1', 's2', 's3']); // in order
      expect(got[0]).toEqual(signal('s1')); // intact
      expect(seenA).toEqual(['s1', 's2', 's3']); // local delivery once, no echo from Redis
      expect(a.transport?.counters.get('sent')).toBe(3);
      expect(b.transport?.counters.get('received')).toBe(3);
      expect(a.transport?.counters.get('errors')).toBe(0);
    },
  );

  it.runIf(redisUp)('reports an unreachable Redis on the ERROR topic instead of crashing', async () => {
    const logger = new MemoryLogger();
    const engine = createEngineBus({ redisUrl: 'redis://127.0.0.1:1' }, logger, { stream: STREAM });
    const errors: string[] = [];
    engine.bus.subscribe('ERROR', 'w', (e) => errors.push(e.code));
    await expect(engine.start()).rejects.toThrow();
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]).toBe('BUS_TRANSPORT_FAILED');
    expect(engine.transport?.counters.get('errors')).toBeGreaterThan(0);
    expect(logger.records.some((r) => r.level === 'error' && r.fields.code === 'BUS_TRANSPORT_FAILED')).toBe(
      true,
    );
    await engine.stop();
  });
});
