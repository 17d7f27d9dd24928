import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../core/clock.js';
import { AegisError, type ErrorContext } from '../core/errors.js';
import { type ErrorEvent, EventBus } from '../core/event-bus.js';
import { MemoryLogger } from '../core/logger.js';
import { type AegisTopics, TOPICS } from '../domain/events.js';
import type { Signal } from '../domain/signal.js';
import { TradeEngine, type TradeEngineConfig } from './engine.js';
import { BTCUSDT, ETHUSDT, likeBtc, RISK, signal } from './test-support/fixtures.js';
import { FakeVenue } from './test-support/fake-venue.js';

const CONFIG: TradeEngineConfig = {
  risk: RISK,
  rotation: { margin: 0.1, cooldownMs: 600_000 },
  quoteAsset: 'USDT',
};

const T0 = 1_700_000_000_000;

async function setup(config: TradeEngineConfig = CONFIG) {
  const clock = new SimulatedClock(T0);
  const logger = new MemoryLogger();
  const bus = new EventBus<AegisTopics>(TOPICS, { logger });
  const venue = new FakeVenue(clock, [BTCUSDT, ETHUSDT, likeBtc('SOLUSDT'), likeBtc('XRPUSDT')], {
    USDT: '10000',
  });
  venue.setPrice('BTCUSDT', '50000');
  venue.setPrice('ETHUSDT', '3000');
  venue.setPrice('SOLUSDT', '50000');
  venue.setPrice('XRPUSDT', '50000');
  const engine = new TradeEngine({ bus, clock, venue, logger, config, isStale: () => false });
  const events: { topic: string; payload: unknown }[] = [];
  for (const topic of TOPICS) bus.subscribe(topic, 'test', (payload) => events.push({ topic, payload }));
  await engine.start();
  const errors = () => events.filter((e) => e.topic === 'ERROR').map((e) => e.payload as ErrorEvent);
  const topics = () => events.map((e) => e.topic);
  async function send(sig: Signal): Promise<void> {
    bus.publish('SIGNAL_GENERATED', sig);
    await engine.idle();
  }
  return { clock, logger, bus, venue, engine, events, errors, topics, send };
}

function venueError(code: 'VENUE_TRANSPORT' | 'VENUE_REJECTED', venueCode?: number): AegisError {
  const context: ErrorContext = venueCode === undefined ? {} : { venueCode };
  return new AegisError(code, code === 'VENUE_TRANSPORT' ? 'ETIMEDOUT' : 'Unknown order sent.', { context });
}

describe('TradeEngine', () => {
  it('counts the margin of an entry acknowledged but not yet filled as committed in the risk view', async () => {
    const { venue, engine, send } = await setup();
    venue.fillMarketAtOnce = false; // acknowledged NEW, filled later (as a user data stream reports)
    expect(engine.view().freeBalance.toString()).toBe('10000');
    await send(signal()); // 0.1 BTC at 50000, teacher leverage 10: margin 500
    expect(engine.book.get('BTCUSDT')).toBeUndefined();
    // a second signal decided now is not sized on the balance the first one already uses
    expect(engine.view().freeBalance.toString()).toBe('9500');
    expect(engine.view().exposures.map((e) => [e.symbol, e.notional.toString()])).toEqual([
      ['BTCUSDT', '5000'],
    ]);
  });

  it('turns an approved signal into an entry, a position and reduce-only stop-loss and take-profit orders', async () => {
    const { venue, engine, events, topics, errors, send } = await setup();
    await send(signal());
    expect(
      venue.submits().map((o) => [o.clientOrderId, o.type, o.side, o.quantity, o.stopPrice, o.reduceOnly]),
    ).toEqual([
      ['T1-sig1-e', 'MARKET', 'BUY', '0.1', undefined, undefined],
      ['T1-sig1-s', 'STOP_MARKET', 'SELL', '0.1', '49000', true],
      ['T1-sig1-t', 'TAKE_PROFIT_MARKET', 'SELL', '0.1', '52000', true],
    ]);
    expect(venue.leverage.get('BTCUSDT')).toBe(10);
    expect(engine.order('T1-sig1-e')?.status).toBe('filled');
    expect(engine.order('T1-sig1-s')?.status).toBe('new');
    // the entry's life in order: submitted, accepted, filled, then position and balance
    const entry = topics()
      .slice(topics().indexOf('SIGNAL_GENERATED') + 1)
      .slice(0, 6);
    expect(entry).toEqual([
      'ORDER_SUBMITTED',
      'ORDER_UPDATED',
      'FILL',
      'POSITION_OPENED',
      'BALANCE_UPDATED',
      'ORDER_UPDATED',
    ]);
    const opened = events.find((e) => e.topic === 'POSITION_OPENED')?.payload;
    expect(opened).toMatchObject({
      symbol: 'BTCUSDT',
      side: 'LONG',
      quantity: 0.1,
      entryPrice: 50000,
      tier: 'teacher',
      leverage: 10,
    });
    // fee 0.1 * 50000 * 0.0005 = 2.5: wallet 9997.5, margin 500 -> free 9497.5
    const balance = events.filter((e) => e.topic === 'BALANCE_UPDATED').at(-1)?.payload;
    expect(balance).toMatchObject({ asset: 'USDT', free: 9497.5, locked: 500 });
    expect(errors()).toEqual([]);
  });

  it('sends nothing to the venue for a denied signal and publishes the denial', async () => {
    const { venue, events, send } = await setup();
    await send(signal({ confidence: 0.5, tier: 'student' }));
    expect(venue.countCalls('submitOrder')).toBe(0);
    expect(events.find((e) => e.topic === 'RISK_REJECTED')?.payload).toMatchObject({
      reason: 'min_confidence',
    });
  });

  it('resolves an unknown submit by querying the order and does not submit it again when the venue has it', async () => {
    const { venue, engine, send } = await setup();
    venue.script.push('unknown-placed'); // placed and filled; the answer is lost, the stream lags
    await send(signal());
    const entryCalls = venue.calls.filter((c) => c.clientOrderId === 'T1-sig1-e').map((c) => c.op);
    expect(entryCalls).toEqual(['submitOrder', 'queryOrder']);
    expect(engine.order('T1-sig1-e')?.status).toBe('filled');
    expect(venue.positionQty('BTCUSDT')).toBe('0.1');
    // protection waits for the fills to be booked, then goes out once
    expect(engine.order('T1-sig1-s')).toBeUndefined();
    venue.releaseHeld();
    await engine.idle();
    expect(engine.book.get('BTCUSDT')?.quantity.toString()).toBe('0.1');
    expect(engine.order('T1-sig1-s')?.status).toBe('new');
    expect(venue.countCalls('submitOrder', 'T1-sig1-s')).toBe(1);
  });

  it('resubmits an unknown order once with the same client order id only after the query shows the venue never got it', async () => {
    const { venue, engine, events, send } = await setup();
    venue.script.push('unknown-lost');
    await send(signal());
    const entryCalls = venue.calls.filter((c) => c.clientOrderId === 'T1-sig1-e').map((c) => c.op);
    expect(entryCalls).toEqual(['submitOrder', 'queryOrder', 'submitOrder']);
    expect(engine.order('T1-sig1-e')?.status).toBe('filled');
    expect(venue.positionQty('BTCUSDT')).toBe('0.1');
    const statuses = events
      .filter((e) => e.topic === 'ORDER_UPDATED')
      .map((e) => e.payload as { clientOrderId: string; status: string })
      .filter((o) => o.clientOrderId === 'T1-sig1-e')
      .map((o) => o.status);
    expect(statuses).toEqual(['unknown', 'pending', 'new', 'filled']);
  });

  it('treats a submit that throws as unknown: it queries before anything else', async () => {
    const { venue, engine, errors, send } = await setup();
    venue.script.push('throw');
    await send(signal());
    expect(venue.calls.filter((c) => c.clientOrderId === 'T1-sig1-e').map((c) => c.op)).toEqual([
      'submitOrder',
      'queryOrder',
      'submitOrder',
    ]);
    expect(engine.order('T1-sig1-e')?.status).toBe('filled');
    expect(errors()[0]).toMatchObject({
      code: 'ORDER_OUTCOME_UNKNOWN',
      context: { operation: 'submitOrder', symbol: 'BTCUSDT', clientOrderId: 'T1-sig1-e' },
    });
  });

  it('leaves an order unknown (never resubmitted) while the query keeps failing, and resolves it later', async () => {
    const { venue, engine, errors, send } = await setup({ ...CONFIG, maxQueryAttempts: 1 });
    venue.script.push('unknown-placed');
    venue.failNext.set('queryOrder', venueError('VENUE_TRANSPORT'));
    await send(signal());
    expect(engine.unknownOrders()).toEqual(['T1-sig1-e']);
    expect(venue.countCalls('submitOrder', 'T1-sig1-e')).toBe(1);
    expect(errors().map((e) => [e.code, e.context.operation])).toEqual([
      ['ORDER_OUTCOME_UNKNOWN', 'submitOrder'],
      ['VENUE_TRANSPORT', 'queryOrder'],
    ]);
    expect(engine.counters.get('trade.errors.queryOrder')).toBe(1);
    await engine.resolveUnknownOrders();
    venue.releaseHeld();
    await engine.idle();
    expect(engine.unknownOrders()).toEqual([]);
    expect(engine.order('T1-sig1-e')?.status).toBe('filled');
    expect(venue.countCalls('submitOrder', 'T1-sig1-e')).toBe(1);
  });

  it('on a stop-out closes the position, cancels the take-profit and starts the cooldown', async () => {
    const { venue, engine, clock, events, send } = await setup();
    await send(signal());
    clock.advanceTo(T0 + 60_000);
    venue.trigger('T1-sig1-s', '49000');
    await engine.idle();
    expect(engine.book.get('BTCUSDT')).toBeUndefined();
    expect(venue.venueOrder('T1-sig1-t')?.status).toBe('canceled');
    expect(engine.order('T1-sig1-t')?.status).toBe('canceled');
    // realised 0.1 * (49000 - 50000) = -100; fees 2.5 + 2.45 -> net -104.95
    expect(events.find((e) => e.topic === 'POSITION_CLOSED')?.payload).toMatchObject({
      symbol: 'BTCUSDT',
      realizedPnl: -104.95,
    });
    await send(signal({ id: 'sig2' }));
    expect(events.filter((e) => e.topic === 'RISK_REJECTED').at(-1)?.payload).toMatchObject({
      reason: 'cooldown',
    });
  });

  it('closes a position by cancelling its protective orders first, then a reduce-only market order', async () => {
    const { venue, engine, events, send } = await setup();
    await send(signal());
    await engine.closePosition('BTCUSDT', 'operator');
    const after = venue.calls
      .slice(venue.calls.findIndex((c) => c.op === 'cancelOrder'))
      .map((c) => [c.op, c.clientOrderId]);
    expect(after).toEqual([
      ['cancelOrder', 'T1-sig1-s'],
      ['cancelOrder', 'T1-sig1-t'],
      ['submitOrder', 'T1-sig1-c'],
    ]);
    expect(venue.submits().at(-1)).toMatchObject({
      type: 'MARKET',
      side: 'SELL',
      quantity: '0.1',
      reduceOnly: true,
    });
    expect(venue.positionQty('BTCUSDT')).toBe('0');
    expect(engine.book.get('BTCUSDT')).toBeUndefined();
    expect(events.some((e) => e.topic === 'POSITION_CLOSED')).toBe(true);
  });

  it('still closes the position when cancelling a protective order fails, and reports the failure with its context', async () => {
    const { venue, engine, errors, logger, send } = await setup();
    await send(signal());
    venue.failNext.set('cancelOrder', venueError('VENUE_REJECTED', -2011));
    await engine.closePosition('BTCUSDT', 'operator');
    expect(venue.positionQty('BTCUSDT')).toBe('0');
    expect(errors()).toEqual([
      {
        source: 'trade',
        code: 'VENUE_REJECTED',
        message: 'Unknown order sent.',
        context: {
          operation: 'cancelOrder',
          venue: 'fake',
          symbol: 'BTCUSDT',
          clientOrderId: 'T1-sig1-s',
          venueCode: -2011,
        },
      },
    ]);
    expect(engine.counters.get('trade.errors.cancelOrder')).toBe(1);
    expect(
      logger.records.some(
        (r) =>
          r.level === 'error' &&
          r.fields.operation === 'cancelOrder' &&
          r.fields.clientOrderId === 'T1-sig1-s',
      ),
    ).toBe(true);
  });

  it('keeps running after a setLeverage failure: no order for that signal, the next signal trades', async () => {
    const { venue, engine, errors, send } = await setup();
    venue.failNext.set('setLeverage', venueError('VENUE_TRANSPORT'));
    await send(signal());
    expect(venue.countCalls('submitOrder')).toBe(0);
    expect(errors()[0]).toMatchObject({
      code: 'VENUE_TRANSPORT',
      context: { operation: 'setLeverage', symbol: 'BTCUSDT' },
    });
    await send(signal({ id: 'sig2' }));
    expect(engine.order('T1-sig2-e')?.status).toBe('filled');
  });

  it('closes the position at market when its stop-loss is rejected, instead of keeping it unprotected', async () => {
    const { venue, engine, events, send } = await setup();
    venue.script.push('normal', 'reject'); // the entry fills; the stop-loss is refused
    await send(signal());
    // what was sent: entry, stop-loss (refused), then the reduce-only market close; no take-profit
    expect(venue.calls.filter((c) => c.op === 'submitOrder').map((c) => c.clientOrderId)).toEqual([
      'T1-sig1-e',
      'T1-sig1-s',
      'T1-sig1-c',
    ]);
    expect(venue.submits().map((o) => [o.clientOrderId, o.type, o.side, o.quantity, o.reduceOnly])).toEqual([
      ['T1-sig1-e', 'MARKET', 'BUY', '0.1', undefined],
      ['T1-sig1-c', 'MARKET', 'SELL', '0.1', true],
    ]);
    expect(engine.order('T1-sig1-s')?.status).toBe('rejected');
    expect(engine.book.get('BTCUSDT')?.quantity.isZero() ?? true).toBe(true);
    expect(events.filter((e) => e.topic === 'POSITION_CLOSED')).toHaveLength(1);
  });

  it('reports a rejected entry with the venue code and frees the symbol for the next signal', async () => {
    const { venue, engine, errors, send } = await setup();
    venue.script.push('reject');
    await send(signal());
    expect(engine.order('T1-sig1-e')?.status).toBe('rejected');
    expect(errors()[0]).toMatchObject({
      code: 'VENUE_REJECTED',
      context: { operation: 'submitOrder', venueCode: -2019 },
    });
    await send(signal({ id: 'sig2' }));
    expect(engine.order('T1-sig2-e')?.status).toBe('filled');
  });

  it('never sends a second entry for a signal seen again', async () => {
    const { venue, send } = await setup();
    await send(signal());
    await send(signal());
    expect(venue.countCalls('submitOrder', 'T1-sig1-e')).toBe(1);
  });

  it('after a restart reconciliation adopts the position and its protection: the same signal opens nothing', async () => {
    const { venue, engine, clock, bus, logger, send } = await setup();
    await send(signal());
    engine.stop();
    const restarted = new TradeEngine({ bus, clock, venue, logger, config: CONFIG, isStale: () => false });
    await restarted.start();
    expect(restarted.book.get('BTCUSDT')?.quantity.toString()).toBe('0.1');
    expect(restarted.protectiveOrders('BTCUSDT')).toBe(2);
    bus.publish('SIGNAL_GENERATED', signal());
    await restarted.idle();
    expect(venue.countCalls('submitOrder', 'T1-sig1-e')).toBe(1);
    expect(venue.positionQty('BTCUSDT')).toBe('0.1');
  });

  it('a protective order cancelled while the engine was down is replaced at restart under a fresh id', async () => {
    const { venue, engine, clock, bus, logger, send } = await setup();
    await send(signal());
    engine.stop();
    await venue.cancelOrder('BTCUSDT', 'T1-sig1-s');
    const restarted = new TradeEngine({ bus, clock, venue, logger, config: CONFIG, isStale: () => false });
    await restarted.start();
    // the stop-loss was cancelled while the engine was down: a new one with a fresh id (round 1)
    expect(restarted.order('T1-sig1-s1')?.status).toBe('new');
    expect(venue.countCalls('submitOrder', 'T1-sig1-s')).toBe(1);
  });

  it('abandons a rotation whose close is rejected: the position keeps (new) protection and a later rotation can run', async () => {
    const { venue, engine, send, clock } = await setup({
      ...CONFIG,
      risk: { ...RISK, maxNotionalTotal: '100000' },
    });
    await send(signal({ id: 'a', confidence: 0.8 }));
    await send(signal({ id: 'b', symbol: 'SOLUSDT', confidence: 0.7, tier: 'student' }));
    await send(signal({ id: 'c', symbol: 'XRPUSDT', confidence: 0.9 }));
    venue.script.push('reject');
    await send(
      signal({ id: 'd', symbol: 'ETHUSDT', entry: 3000, stop: 2900, take_profit: 3200, confidence: 0.8 }),
    );
    expect(engine.order('T1-b-c')?.status).toBe('rejected');
    expect(engine.book.get('SOLUSDT')).toBeDefined();
    expect(engine.book.get('ETHUSDT')).toBeUndefined();
    // its cancelled protection is placed again under new ids
    expect(venue.venueOrder('T1-b-s')?.status).toBe('canceled');
    expect(venue.venueOrder('T1-b-s1')?.status).toBe('new');
    expect(venue.venueOrder('T1-b-t1')?.status).toBe('new');
    clock.advanceTo(T0 + 600_000);
    await send(
      signal({ id: 'f', symbol: 'ETHUSDT', entry: 3000, stop: 2900, take_profit: 3200, confidence: 0.8 }),
    );
    expect(engine.order('T1-b-c1')?.status).toBe('filled');
    expect(engine.book.get('ETHUSDT')).toBeDefined();
  });

  it('halts trading when a stop-out takes the day loss to the limit, and keeps the other positions protected', async () => {
    const tight = { ...CONFIG, risk: { ...RISK, maxDailyLoss: 0.01 } };
    const { venue, engine, events, send } = await setup(tight);
    await send(signal());
    await send(signal({ id: 'sig2', symbol: 'ETHUSDT', entry: 3000, stop: 2900, take_profit: 3200 }));
    venue.trigger('T1-sig1-s', '49000'); // net -104.95 (plus the opening fees) >= 1 % of 10000
    await engine.idle();
    expect(engine.gate.state).toBe('halted');
    expect(events.find((e) => e.topic === 'TRADING_STATE_CHANGED')?.payload).toMatchObject({
      state: 'halted',
    });
    expect(engine.order('T1-sig2-s')?.status).toBe('new');
    expect(engine.book.get('ETHUSDT')).toBeDefined();
  });

  it('rotates: at capacity a signal beating the weakest by the margin closes it (reduce-only) and then opens', async () => {
    const { venue, engine, send, clock } = await setup({
      ...CONFIG,
      risk: { ...RISK, maxNotionalTotal: '100000' },
    });
    await send(signal({ id: 'a', confidence: 0.8 }));
    await send(signal({ id: 'b', symbol: 'SOLUSDT', confidence: 0.7, tier: 'student' }));
    await send(signal({ id: 'c', symbol: 'XRPUSDT', confidence: 0.9 }));
    clock.advanceTo(T0 + 1000);
    await send(
      signal({ id: 'd', symbol: 'ETHUSDT', entry: 3000, stop: 2900, take_profit: 3200, confidence: 0.8 }),
    );
    expect(engine.book.get('SOLUSDT')).toBeUndefined();
    expect(venue.positionQty('SOLUSDT')).toBe('0');
    const order = venue.calls.map((c) => c.clientOrderId).filter((id) => id === 'T1-b-c' || id === 'T1-d-e');
    expect(order).toEqual(['T1-b-c', 'T1-d-e']);
    expect(venue.submits().find((o) => o.clientOrderId === 'T1-b-c')).toMatchObject({
      type: 'MARKET',
      reduceOnly: true,
    });
    // 1 % of equity (10000 less 3 entry and 1 close fees: 9990.0 or so) over 100 -> 0.999 ETH
    expect(engine.book.get('ETHUSDT')?.quantity.toString()).toBe('0.999');
    expect(engine.book.open()).toHaveLength(3);
    // the rotation cooldown stops an immediate second rotation
    await send(signal({ id: 'e', symbol: 'DOGEUSDT', confidence: 0.99 }));
    expect(venue.countCalls('cancelOrder')).toBe(2);
  });

  it('books funding into the wallet and publishes the balance', async () => {
    const { venue, engine, events, send } = await setup();
    await send(signal());
    venue.pushFunding('BTCUSDT', '-1.25');
    expect(engine.book.get('BTCUSDT')?.funding.toString()).toBe('-1.25');
    // 9997.5 - 1.25 = 9996.25 wallet, 500 margin
    expect(events.filter((e) => e.topic === 'BALANCE_UPDATED').at(-1)?.payload).toMatchObject({
      free: 9496.25,
    });
  });
});
