import { EventBus } from '../core/event-bus.js';
import type { Logger } from '../core/logger.js';
import { silentLogger } from '../core/logger.js';
import { TOPICS, type AegisTopics, type CandleGap, type DataStale } from '../domain/events.js';
import type { Candle } from '../domain/market.js';

/** A bus with recorders on the data topics (for tests and the bench). */
export function recordingBus(logger: Logger = silentLogger): {
  bus: EventBus<AegisTopics>;
  closed: Candle[];
  updated: Candle[];
  gaps: CandleGap[];
  stale: DataStale[];
} {
  const bus = new EventBus<AegisTopics>(TOPICS, { logger });
  const closed: Candle[] = [];
  const updated: Candle[] = [];
  const gaps: CandleGap[] = [];
  const stale: DataStale[] = [];
  bus.subscribe('CANDLE_CLOSED', 'test', (c) => closed.push(c));
  bus.subscribe('CANDLE_UPDATED', 'test', (c) => updated.push(c));
  bus.subscribe('CANDLE_GAP', 'test', (g) => gaps.push(g));
  bus.subscribe('DATA_STALE', 'test', (s) => stale.push(s));
  return { bus, closed, updated, gaps, stale };
}
