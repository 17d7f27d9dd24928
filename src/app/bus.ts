import { randomUUID } from 'node:crypto';
import type { MonotonicClock } from '../core/clock.js';
import { EventBus } from '../core/event-bus.js';
import type { Logger } from '../core/logger.js';
import type { AegisConfig } from '../config/schema.js';
import { TOPICS, type AegisTopics, type Topic } from '../domain/events.js';
import { RedisStreamTransport } from './redis-transport.js';

/**
 * Topics carried across processes when REDIS_URL is set: the decisions and their outcomes, not the
 * market data (each process reads its own feed) and not ERROR (each process reports its own).
 */
export const BRIDGED_TOPICS: readonly Topic[] = [
  'SIGNAL_GENERATED',
  'RISK_REJECTED',
  'TRADING_STATE_CHANGED',
  'ORDER_SUBMITTED',
  'ORDER_UPDATED',
  'FILL',
  'POSITION_OPENED',
  'POSITION_CLOSED',
  'BALANCE_UPDATED',
  'HEARTBEAT',
];

export interface EngineBus {
  readonly bus: EventBus<AegisTopics>;
  readonly transport: RedisStreamTransport | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** The engine's bus: in-process always, bridged over Redis Streams when `REDIS_URL` is configured. */
export function createEngineBus(
  config: Pick<AegisConfig, 'redisUrl'>,
  logger: Logger,
  options: { monotonic?: MonotonicClock; origin?: string; stream?: string } = {},
): EngineBus {
  const bus = new EventBus<AegisTopics>(TOPICS, {
    logger: logger.child({ component: 'bus' }),
    ...(options.monotonic === undefined ? {} : { monotonic: options.monotonic }),
  });
  let transport: RedisStreamTransport | undefined;
  if (config.redisUrl !== undefined) {
    transport = new RedisStreamTransport({
      url: config.redisUrl,
      origin: options.origin ?? randomUUID(),
      logger: logger.child({ component: 'bus.redis' }),
      ...(options.stream === undefined ? {} : { stream: options.stream }),
      onError: (e) => {
        bus.publish('ERROR', { source: 'bus.redis', code: e.code, message: e.message, context: e.context });
      },
    });
    bus.bridge(transport, BRIDGED_TOPICS);
  }
  return {
    bus,
    transport,
    start: async () => {
      await transport?.start();
    },
    stop: async () => {
      await transport?.stop();
    },
  };
}
