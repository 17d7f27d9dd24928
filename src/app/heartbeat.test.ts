import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../core/clock.js';
import { EventBus } from '../core/event-bus.js';
import { MemoryLogger } from '../core/logger.js';
import { TOPICS, type AegisTopics, type Heartbeat as HeartbeatEvent } from '../domain/events.js';
import type { Signal } from '../domain/signal.js';
import { ErrorMonitor } from './error-monitor.js';
import { Heartbeat, LatencyStages, type HeartbeatReport } from './heartbeat.js';

const signal = (id: string): Signal => ({
  id,
  symbol: 'BTCUSDT',
  interval: '5m',
  side: 'BUY',
  confidence: 0.5,
  tier: 'student',
  position_size: 1,
  entry: 100,
  stop: 99,
  take_profit: 102,
  patterns: [],
  candleOpenTime: 0,
  decidedAt: 0,
  strategy: 't',
});

describe('Heartbeat', () => {
  it('reports every 15 minutes of engine time what happened since the last beat', () => {
    const logger = new MemoryLogger();
    const bus = new EventBus<AegisTopics>(TOPICS, { logger });
    const clock = new SimulatedClock(0);
    const latency = new LatencyStages();
    const hb = new Heartbeat(bus, {
      scheduler: clock,
      periodMinutes: 15,
      account: {
        equity: () => 10_100,
        freeBalance: () => 9_000,
        pnlToday: () => 100,
        pnlTotal: () => 100,
        openPositions: () => [],
      },
      errors: new ErrorMonitor(bus, logger),
      latency,
      logger,
      keep: true,
    });
    const published: HeartbeatEvent[] = [];
    bus.subscribe('HEARTBEAT', 'test', (h) => published.push(h));
    hb.reportStreams(() => ({ market: { connects: 1, reconnectsScheduled: 0 } }));
    hb.start();

    clock.advanceTo(5 * 60_000);
    bus.publish('SIGNAL_GENERATED', signal('a'));
    bus.publish('SIGNAL_GENERATED', signal('b'));
    bus.publish('RISK_REJECTED', {
      signalId: 'b',
      symbol: 'BTCUSDT',
      reason: 'max_open_positions',
      detail: '3 open',
      time: 0,
    });
    bus.publish('DATA_STALE', { symbol: 'ETHUSDT', stale: true, lastEventTime: 0, time: 0 });
    latency.record('candle→signal', 4_000);
    bus.publish('ERROR', { source: 'venue', code: 'VENUE_TRANSPORT', message: 'x', context: {} });
    clock.advanceTo(20 * 60_000);
    bus.publish('TRADING_STATE_CHANGED', { state: 'halted', reason: 'daily loss limit', time: 20 * 60_000 });
    clock.advanceTo(60 * 60_000);

    expect(hb.beats.map((b) => b.time)).toEqual([900_000, 1_800_000, 2_700_000, 3_600_000]);
    const first = hb.beats[0] as HeartbeatReport;
    expect(first).toMatchObject({
      equity: 10_100,
      signalsSinceLast: 2,
      denialsSinceLast: { max_open_positions: 1 },
      staleSymbols: ['ETHUSDT'],
      errorsTotal: 1,
    });
    expect(first.latencyNs['candle→signal']?.p50).toBeGreaterThanOrEqual(3_990);
    expect(hb.beats[1]?.signalsSinceLast).toBe(0); // counts restart after each beat
    expect(first.tradingState).toBe('active');
    expect(first.streams).toEqual({ market: { connects: 1, reconnectsScheduled: 0 } });
    expect(hb.beats[1]?.tradingState).toBe('halted (daily loss limit)');
    expect(published).toHaveLength(4);
    expect(logger.records.filter((r) => r.message.startsWith('HEARTBEAT '))).toHaveLength(4);
    hb.stop();
    clock.advanceTo(2 * 3_600_000);
    expect(hb.beats).toHaveLength(4);
  });
});
