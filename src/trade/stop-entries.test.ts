/**
 * Graceful shutdown's trade step (issue 6 item 6): TradeEngine.stopEntries stops new entries, cancels
 * working entry orders when asked, and never touches protective orders.
 */
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../core/clock.js';
import { type ErrorEvent, EventBus } from '../core/event-bus.js';
import { MemoryLogger } from '../core/logger.js';
import { type AegisTopics, type RiskRejected, TOPICS } from '../domain/events.js';
import { TradeEngine } from './engine.js';
import { BTCUSDT, ETHUSDT, RISK, signal } from './test-support/fixtures.js';
import { FakeVenue } from './test-support/fake-venue.js';

async function setup() {
  const clock = new SimulatedClock(1_700_000_000_000);
  const logger = new MemoryLogger();
  const bus = new EventBus<AegisTopics>(TOPICS, { logger });
  const venue = new FakeVenue(clock, [BTCUSDT, ETHUSDT], { USDT: '10000' });
  venue.setPrice('BTCUSDT', '50000');
  venue.setPrice('ETHUSDT', '3000');
  const engine = new TradeEngine({
    bus,
    clock,
    venue,
    logger,
    config: { risk: RISK, rotation: { margin: 0.1, cooldownMs: 600_000 }, quoteAsset: 'USDT' },
    isStale: () => false,
  });
  const errors: ErrorEvent[] = [];
  const denials: RiskRejected[] = [];
  bus.subscribe('ERROR', 'test', (e) => errors.push(e));
  bus.subscribe('RISK_REJECTED', 'test', (d) => denials.push(d));
  await engine.start();
  const send = async (id: string, symbol = 'BTCUSDT'): Promise<void> => {
    bus.publish(
      'SIGNAL_GENERATED',
      symbol === 'BTCUSDT'
        ? signal({ id })
        : signal({ id, symbol, entry: 3000, stop: 2950, take_profit: 3100 }),
    );
    await engine.idle();
  };
  return { venue, engine, errors, denials, send };
}

describe('TradeEngine.stopEntries (shutdown)', () => {
  it('cancels a working entry, keeps a protected position and its stop-loss / take-profit, denies new entries', async () => {
    const { venue, engine, errors, denials, send } = await setup();
    await send('a'); // BTCUSDT: filled and protected
    venue.fillMarketAtOnce = false;
    await send('b', 'ETHUSDT'); // acknowledged, still working at the venue
    expect(engine.order('T1-b-e')?.status).toBe('new');
    const result = await engine.stopEntries({ cancelWorking: true, reason: 'shutdown requested' });
    expect(result.cancelled).toEqual(['T1-b-e']);
    expect(engine.order('T1-b-e')?.status).toBe('canceled');
    expect(venue.venueOrder('T1-b-e')?.status).toBe('canceled');
    // the position's protection is untouched
    expect(engine.order('T1-a-s')?.status).toBe('new');
    expect(engine.order('T1-a-t')?.status).toBe('new');
    expect(venue.countCalls('cancelOrder')).toBe(1);
    expect(engine.gate.state).toBe('reducing');
    venue.fillMarketAtOnce = true;
    await send('c', 'ETHUSDT');
    expect(denials.map((d) => d.reason)).toEqual(['trading_reducing']);
    expect(engine.order('T1-c-e')).toBeUndefined();
    expect(errors).toEqual([]);
  });

  it('protects the filled part of a cancelled, partially filled entry', async () => {
    const { venue, engine, errors, send } = await setup();
    venue.fillMarketAtOnce = false;
    await send('p');
    venue.fillPart('T1-p-e', '0.04', '50000');
    await engine.idle();
    expect(engine.order('T1-p-e')?.status).toBe('partially_filled');
    const result = await engine.stopEntries({ cancelWorking: true });
    expect(result.cancelled).toEqual(['T1-p-e']);
    expect(engine.book.get('BTCUSDT')?.quantity.toString()).toBe('0.04');
    expect(venue.submits().map((o) => [o.clientOrderId, o.type, o.quantity, o.reduceOnly])).toEqual([
      ['T1-p-e', 'MARKET', '0.1', undefined],
      ['T1-p-s', 'STOP_MARKET', '0.04', true],
      ['T1-p-t', 'TAKE_PROFIT_MARKET', '0.04', true],
    ]);
    expect(errors).toEqual([]);
  });

  it('with cancelWorking false, leaves working entries at the venue and only stops new ones', async () => {
    const { venue, engine, send } = await setup();
    venue.fillMarketAtOnce = false;
    await send('k');
    const result = await engine.stopEntries({ cancelWorking: false });
    expect(result.cancelled).toEqual([]);
    expect(venue.countCalls('cancelOrder')).toBe(0);
    expect(engine.order('T1-k-e')?.status).toBe('new');
    expect(engine.gate.state).toBe('reducing');
  });
});
