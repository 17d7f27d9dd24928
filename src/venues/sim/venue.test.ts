/**
 * SimVenue: the ExecutionVenue port over the matching engine. Numbers are worked out by hand in the
 * comments. Sources: fees are Binance USDⓈ-M regular-user rates (0.02 % maker / 0.05 % taker,
 * src/venues/sim/types.ts USDM_DEFAULT_FEES); BTCUSDT filters (tick 0.10, step 0.001) from Binance
 * exchangeInfo (src/venues/sim/instruments.ts); error codes from the Binance API error list as the
 * engine reproduces them (docs/fill-model.md "Order rules").
 */
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../core/clock.js';
import { AegisError } from '../../core/errors.js';
import { type ErrorEvent, EventBus } from '../../core/event-bus.js';
import { MemoryLogger } from '../../core/logger.js';
import { type AegisTopics, TOPICS } from '../../domain/events.js';
import type { Fill, OrderEvent, OrderRequest, PositionEvent } from '../../domain/order.js';
import type { ExecutionUpdate } from '../../domain/ports.js';
import { TradeEngine } from '../../trade/engine.js';
import { RISK, signal } from '../../trade/test-support/fixtures.js';
import { MatchingEngine } from './engine.js';
import { SPOT_BTCUSDT, USDM_BTCUSDT } from './instruments.js';
import { candle, markPrice, quote, trade } from './test-helpers.js';
import { createSimVenue, SimVenue } from './venue.js';

const S = 'BTCUSDT';
const T0 = 1_700_000_000_000;

function setup(usdt = '10000'): { venue: SimVenue; updates: ExecutionUpdate[] } {
  const venue = createSimVenue({ instruments: [USDM_BTCUSDT], balances: { USDT: usdt } });
  const updates: ExecutionUpdate[] = [];
  venue.onExecution((u) => updates.push(u));
  return { venue, updates };
}

function market(clientOrderId: string, side: 'BUY' | 'SELL', quantity: string): OrderRequest {
  return { clientOrderId, symbol: S, side, type: 'MARKET', quantity };
}

/** [clientOrderId, status, filled, fill price?, fill commission?] of each order update. */
function summary(updates: readonly ExecutionUpdate[]): (string | undefined)[][] {
  return updates.map((u) =>
    u.kind === 'order'
      ? [u.order.clientOrderId, u.order.status, u.order.filledQuantity, u.fill?.price, u.fill?.commission]
      : ['funding', u.amount],
  );
}

describe('SimVenue orders', () => {
  it('a MARKET buy fills at the ask with the taker fee; the fill reaches the listener before the ack settles', async () => {
    const { venue, updates } = setup();
    venue.feedQuote(quote(S, T0, 49999.9, 50000, 2, 2));
    const pending = venue.submitOrder(market('e1', 'BUY', '0.1'));
    // delivered synchronously, before the promise settles: NEW, then the TRADE that fills it.
    // 0.1 <= ask size 2, so no slippage: price 50000; commission 0.1 * 50000 * 0.0005 = 2.5 USDT
    expect(summary(updates)).toEqual([
      ['e1', 'new', '0', undefined, undefined],
      ['e1', 'filled', '0.1', '50000', '2.5'],
    ]);
    const fill = updates[1]?.kind === 'order' ? updates[1].fill : undefined;
    expect(fill).toEqual<Fill>({
      clientOrderId: 'e1',
      tradeId: '1',
      symbol: S,
      side: 'BUY',
      price: '50000',
      quantity: '0.1',
      commission: '2.5',
      commissionAsset: 'USDT',
      maker: false,
      time: T0,
    });
    const result = await pending;
    expect(result).toEqual({
      kind: 'ack',
      order: {
        clientOrderId: 'e1',
        venueOrderId: '1',
        symbol: S,
        side: 'BUY',
        type: 'MARKET',
        status: 'filled',
        quantity: '0.1',
        filledQuantity: '0.1',
        time: T0,
      },
    });
  });

  it('a reduce-only STOP_MARKET rests, triggers on the trade that crosses it and closes the position', async () => {
    const { venue, updates } = setup();
    venue.feedQuote(quote(S, T0, 49999.9, 50000));
    await venue.submitOrder(market('e1', 'BUY', '0.1')); // at 50000, fee 2.5
    const stop = await venue.submitOrder({
      clientOrderId: 'sl1',
      symbol: S,
      side: 'SELL',
      type: 'STOP_MARKET',
      quantity: '0.1',
      stopPrice: '49000',
      reduceOnly: true,
    });
    expect(stop).toMatchObject({ kind: 'ack', order: { status: 'new', filledQuantity: '0' } });
    updates.length = 0;
    venue.feedTrade(trade(S, T0 + 1000, 49500)); // above the stop: nothing
    expect(updates).toEqual([]);
    venue.feedTrade(trade(S, T0 + 2000, 48990)); // 48990 <= 49000: triggers, fills at the crossing trade price
    // commission 0.1 * 48990 * 0.0005 = 2.4495
    expect(summary(updates)).toEqual([['sl1', 'filled', '0.1', '48990', '2.4495']]);
    expect(await venue.positions()).toEqual([{ symbol: S, quantity: '0', entryPrice: '0', leverage: 20 }]);
    expect(await venue.openOrders()).toEqual([]);
    // wallet: 10000 - 2.5 + (48990 - 50000) * 0.1 - 2.4495 = 10000 - 2.5 - 101 - 2.4495 = 9894.0505
    expect(await venue.balances()).toEqual([{ asset: 'USDT', free: '9894.0505', locked: '0' }]);
  });

  it('a closed candle whose path passes the stop fills it at the stop price, stamped with the candle close time', async () => {
    const { venue, updates } = setup();
    venue.feedQuote(quote(S, T0, 49999.9, 50000));
    await venue.submitOrder(market('e1', 'BUY', '0.1')); // at 50000, fee 2.5
    await venue.submitOrder({
      clientOrderId: 'sl1',
      symbol: S,
      side: 'SELL',
      type: 'STOP_MARKET',
      quantity: '0.1',
      stopPrice: '49000',
      reduceOnly: true,
    });
    updates.length = 0;
    // 1m down candle 49800 -> high 49900 -> low 48500 -> close 48800: reaches 49000 on the way down,
    // no gap, so it fills at the stop price 49000 (docs/fill-model.md, candles); fee 0.1 * 49000 * 0.0005 = 2.45
    const openTime = T0 + 60_000;
    venue.feedCandle(candle(S, openTime, [49800, 49900, 48500, 48800]));
    expect(summary(updates)).toEqual([['sl1', 'filled', '0.1', '49000', '2.45']]);
    const u = updates[0];
    expect(u?.kind === 'order' ? u.fill?.time : undefined).toBe(openTime + 60_000 - 1);
    // 10000 - 2.5 + (49000 - 50000) * 0.1 - 2.45 = 9895.05
    expect(await venue.balances()).toEqual([{ asset: 'USDT', free: '9895.05', locked: '0' }]);
  });

  it('rejects a duplicate client order id with Binance -4116 and delivers nothing for it', async () => {
    const { venue, updates } = setup();
    venue.feedQuote(quote(S, T0, 49999.9, 50000));
    const limit: OrderRequest = {
      clientOrderId: 'dup',
      symbol: S,
      side: 'BUY',
      type: 'LIMIT',
      quantity: '0.01',
      price: '40000', // below the ask: rests; notional 400 >= MIN_NOTIONAL 100
      timeInForce: 'GTC',
    };
    expect(await venue.submitOrder(limit)).toMatchObject({ kind: 'ack', order: { status: 'new' } });
    const before = updates.length;
    expect(await venue.submitOrder(limit)).toEqual({
      kind: 'rejected',
      clientOrderId: 'dup',
      code: -4116,
      reason: 'ClientOrderId is duplicated.',
    });
    expect(updates.length).toBe(before);
    expect((await venue.openOrders(S)).map((o) => o.clientOrderId)).toEqual(['dup']);
  });

  it('maps other engine rejections with their Binance code (-2019 margin, -2021 would trigger)', async () => {
    const { venue } = setup('100');
    venue.feedQuote(quote(S, T0, 49999.9, 50000));
    // 0.1 * 50000 / 20 = 250 margin > 100 available
    expect(await venue.submitOrder(market('big', 'BUY', '0.1'))).toMatchObject({
      kind: 'rejected',
      code: -2019,
    });
    // a sell stop above the last price (mid 49999.95) would trigger at once
    expect(
      await venue.submitOrder({
        clientOrderId: 'st',
        symbol: S,
        side: 'SELL',
        type: 'STOP_MARKET',
        quantity: '0.001',
        stopPrice: '50100',
        reduceOnly: true,
      }),
    ).toMatchObject({ kind: 'rejected', code: -2021, reason: 'Order would immediately trigger.' });
  });

  it('queryOrder resolves undefined for an unknown client order id (Binance -2013) and the state for a known one', async () => {
    const { venue } = setup();
    venue.feedQuote(quote(S, T0, 49999.9, 50000));
    expect(await venue.queryOrder(S, 'nope')).toBeUndefined();
    await venue.submitOrder(market('e1', 'BUY', '0.002'));
    expect(await venue.queryOrder(S, 'e1')).toMatchObject({
      clientOrderId: 'e1',
      status: 'filled',
      quantity: '0.002',
      filledQuantity: '0.002',
    });
  });

  it('cancels a resting order (update delivered, order gone) and rejects a second cancel with VENUE_REJECTED -2011', async () => {
    const { venue, updates } = setup();
    venue.feedQuote(quote(S, T0, 49999.9, 50000));
    await venue.submitOrder({
      clientOrderId: 'l1',
      symbol: S,
      side: 'BUY',
      type: 'LIMIT',
      quantity: '0.01',
      price: '45000',
      timeInForce: 'GTC',
    });
    updates.length = 0;
    const canceled = await venue.cancelOrder(S, 'l1');
    expect(canceled).toMatchObject({ clientOrderId: 'l1', status: 'canceled', price: '45000' });
    expect(summary(updates)).toEqual([['l1', 'canceled', '0', undefined, undefined]]);
    expect(await venue.openOrders()).toEqual([]);
    const again = venue.cancelOrder(S, 'l1');
    await expect(again).rejects.toBeInstanceOf(AegisError);
    await expect(again).rejects.toMatchObject({
      code: 'VENUE_REJECTED',
      context: { venue: 'sim', operation: 'cancelOrder', venueCode: -2011, clientOrderId: 'l1' },
    });
  });
});

describe('SimVenue account', () => {
  it('balances and positions: margin is locked while open, and after the round trip free = start + pnl - fees', async () => {
    const { venue } = setup();
    await venue.setLeverage(S, 10);
    venue.feedQuote(quote(S, T0, 49999.8, 50000)); // mid (= mark without a mark feed) 49999.9
    await venue.submitOrder(market('e1', 'BUY', '0.1')); // at the ask 50000, fee 2.5
    expect(await venue.positions()).toEqual([
      { symbol: S, quantity: '0.1', entryPrice: '50000', leverage: 10 },
    ]);
    // wallet 9997.5; unrealised 0.1 * (49999.9 - 50000) = -0.01; initial margin 0.1 * 49999.9 / 10 = 499.999
    // available = 9997.5 - 0.01 - 499.999 = 9497.491; locked = margin held = 499.999
    expect(await venue.balances()).toEqual([{ asset: 'USDT', free: '9497.491', locked: '499.999' }]);
    venue.feedQuote(quote(S, T0 + 1000, 51000, 51000.1));
    await venue.submitOrder(market('x1', 'SELL', '0.1')); // at the bid 51000, fee 0.1 * 51000 * 0.0005 = 2.55
    // 10000 + (51000 - 50000) * 0.1 - 2.5 - 2.55 = 10000 + 100 - 5.05 = 10094.95
    expect(await venue.balances()).toEqual([{ asset: 'USDT', free: '10094.95', locked: '0' }]);
    expect(await venue.positions()).toEqual([{ symbol: S, quantity: '0', entryPrice: '0', leverage: 10 }]);
  });

  it('setLeverage outside 1..125 rejects with VENUE_REJECTED -4028; a spot venue accepts only 1', async () => {
    const { venue } = setup();
    await expect(venue.setLeverage(S, 200)).rejects.toMatchObject({
      code: 'VENUE_REJECTED',
      context: { venueCode: -4028 },
    });
    const spot = createSimVenue({ instruments: [SPOT_BTCUSDT], balances: { USDT: '1000' } });
    await expect(spot.setLeverage(S, 1)).resolves.toBeUndefined();
    await expect(spot.setLeverage(S, 3)).rejects.toMatchObject({ code: 'VENUE_REJECTED' });
    expect(await spot.balances()).toEqual([
      { asset: 'BTC', free: '0', locked: '0' },
      { asset: 'USDT', free: '1000', locked: '0' },
    ]);
    expect(await spot.instruments()).toEqual([SPOT_BTCUSDT]);
  });

  it('refuses a mix of spot and futures instruments (one venue is one market)', () => {
    const engine = new MatchingEngine({ instruments: [USDM_BTCUSDT] });
    expect(
      () => new SimVenue({ engine, instruments: [USDM_BTCUSDT, { ...SPOT_BTCUSDT, symbol: 'BTCUSDC' }] }),
    ).toThrow(/must all be spot or all futures/);
  });

  it('delivers a funding payment from the mark-price feed as a funding update', async () => {
    const { venue, updates } = setup();
    venue.feedQuote(quote(S, T0, 49999.9, 50000));
    await venue.submitOrder(market('e1', 'BUY', '0.1'));
    updates.length = 0;
    const next = T0 + 3_600_000;
    venue.feedMarkPrice(markPrice(S, T0 + 1, 50000, 0.0001, next)); // announces rate 0.0001 at `next`
    expect(updates).toEqual([]);
    venue.feedMarkPrice(markPrice(S, next, 50000, 0.0001, next + 28_800_000));
    // a long pays: -0.1 * 50000 * 0.0001 = -0.5
    expect(updates).toEqual([{ kind: 'funding', symbol: S, asset: 'USDT', amount: '-0.5', time: next }]);
  });
});

describe('SimVenue execution stream', () => {
  it('a listener that throws does not stop delivery to the others; the error is counted and reported', async () => {
    const reported: [string, string][] = [];
    const venue = createSimVenue(
      { instruments: [USDM_BTCUSDT], balances: { USDT: '10000' } },
      { onError: (err, u) => reported.push([err.message, u.kind]) },
    );
    const before: string[] = [];
    const after: string[] = [];
    venue.onExecution((u) => before.push(u.kind === 'order' ? u.order.status : u.kind));
    venue.onExecution(() => {
      throw new Error('listener bug');
    });
    venue.onExecution((u) => after.push(u.kind === 'order' ? u.order.status : u.kind));
    venue.feedQuote(quote(S, T0, 49999.9, 50000));
    await venue.submitOrder(market('e1', 'BUY', '0.01'));
    expect(before).toEqual(['new', 'filled']);
    expect(after).toEqual(['new', 'filled']);
    expect(venue.listenerErrors).toBe(2);
    expect(reported).toEqual([
      ['listener bug', 'order'],
      ['listener bug', 'order'],
    ]);
  });

  it('a listener that calls the venue gets the new updates queued behind the current ones, for every listener alike', async () => {
    const { venue, updates } = setup();
    const second: ExecutionUpdate[] = [];
    // on the entry's fill, place a stop at once from inside the listener (re-entrant submit)
    venue.onExecution((u) => {
      if (u.kind === 'order' && u.order.clientOrderId === 'e1' && u.order.status === 'filled') {
        void venue.submitOrder({
          clientOrderId: 'sl1',
          symbol: S,
          side: 'SELL',
          type: 'STOP_MARKET',
          quantity: '0.1',
          stopPrice: '49000',
          reduceOnly: true,
        });
      }
    });
    venue.onExecution((u) => second.push(u));
    venue.feedQuote(quote(S, T0, 49999.9, 50000));
    await venue.submitOrder(market('e1', 'BUY', '0.1'));
    const expected = [
      ['e1', 'new', '0', undefined, undefined],
      ['e1', 'filled', '0.1', '50000', '2.5'],
      ['sl1', 'new', '0', undefined, undefined],
    ];
    expect(summary(updates)).toEqual(expected);
    expect(summary(second)).toEqual(expected);
  });

  it('the same calls give the same update sequence, and an unsubscribed listener gets nothing more', async () => {
    async function run(): Promise<string> {
      const { venue, updates } = setup();
      venue.feedQuote(quote(S, T0, 49999.9, 50000));
      await venue.submitOrder(market('e1', 'BUY', '0.05'));
      await venue.submitOrder({
        clientOrderId: 'tp',
        symbol: S,
        side: 'SELL',
        type: 'LIMIT',
        quantity: '0.05',
        price: '50500',
        reduceOnly: true,
        timeInForce: 'GTC',
      });
      for (let i = 1; i <= 20; i++) venue.feedTrade(trade(S, T0 + i * 1000, 50000 + i * 30, 0.01));
      return JSON.stringify(updates);
    }
    const a = await run();
    expect(a).toContain('"tp"');
    expect(await run()).toBe(a);

    const { venue, updates } = setup();
    const extra: ExecutionUpdate[] = [];
    const sub = venue.onExecution((u) => extra.push(u));
    venue.feedQuote(quote(S, T0, 49999.9, 50000));
    await venue.submitOrder(market('e1', 'BUY', '0.01'));
    sub.unsubscribe();
    await venue.submitOrder(market('e2', 'BUY', '0.01'));
    expect(extra.length).toBe(2);
    expect(updates.length).toBe(4);
  });
});

describe('SimVenue with the TradeEngine (end to end)', () => {
  it('a signal becomes an entry, a stop-loss and a take-profit; the take-profit trade closes the position and the stop is canceled', async () => {
    const clock = new SimulatedClock(T0);
    const logger = new MemoryLogger();
    const bus = new EventBus<AegisTopics>(TOPICS, { logger });
    const venue = createSimVenue({ instruments: [USDM_BTCUSDT], balances: { USDT: '10000' } }, { clock });
    const engine = new TradeEngine({
      bus,
      clock,
      venue,
      logger,
      config: { risk: RISK, rotation: { margin: 0.1, cooldownMs: 600_000 }, quoteAsset: 'USDT' },
      isStale: () => false,
    });
    const events: { topic: string; payload: unknown }[] = [];
    for (const topic of TOPICS) bus.subscribe(topic, 'test', (payload) => events.push({ topic, payload }));
    const of = <T>(topic: string): T[] => events.filter((e) => e.topic === topic).map((e) => e.payload as T);

    venue.feedQuote(quote(S, T0, 49999.9, 50000, 5, 5));
    await engine.start();
    // teacher BUY, entry 50000, stop 49000, tp 52000: risk 1 % of 10000 = 100 / 1000 distance = 0.1 BTC,
    // leverage 10 (RISK.maxLeverageTeacher) (src/trade/test-support/fixtures.ts)
    bus.publish('SIGNAL_GENERATED', signal());
    await engine.idle();

    const open = await venue.openOrders(S);
    expect(open.map((o) => [o.clientOrderId, o.type, o.side, o.status, o.quantity])).toEqual([
      ['T1-sig1-s', 'STOP_MARKET', 'SELL', 'new', '0.1'],
      ['T1-sig1-t', 'TAKE_PROFIT_MARKET', 'SELL', 'new', '0.1'],
    ]);
    expect(await venue.positions()).toEqual([
      { symbol: S, quantity: '0.1', entryPrice: '50000', leverage: 10 },
    ]);
    expect(of<PositionEvent>('POSITION_OPENED')).toMatchObject([
      { symbol: S, side: 'LONG', quantity: 0.1, entryPrice: 50000, leverage: 10, time: T0 },
    ]);

    clock.advanceTo(T0 + 60_000);
    venue.feedTrade(trade(S, T0 + 60_000, 51000)); // between stop and take-profit: nothing
    clock.advanceTo(T0 + 120_000);
    venue.feedTrade(trade(S, T0 + 120_000, 52000.5)); // >= 52000: the sell take-profit fires at 52000.5
    await engine.idle(); // the engine cancels the stop it no longer needs

    // entry fee 0.1 * 50000 * 0.0005 = 2.5; exit fee 0.1 * 52000.5 * 0.0005 = 2.600025
    expect(of<Fill>('FILL').map((f) => [f.clientOrderId, f.side, f.price, f.quantity, f.commission])).toEqual(
      [
        ['T1-sig1-e', 'BUY', '50000', '0.1', '2.5'],
        ['T1-sig1-t', 'SELL', '52000.5', '0.1', '2.600025'],
      ],
    );
    // realised (52000.5 - 50000) * 0.1 = 200.05; net 200.05 - 2.5 - 2.600025 = 194.949975
    expect(of<PositionEvent>('POSITION_CLOSED')).toMatchObject([
      // (the trade layer reports the closed position's remaining quantity, 0: not asserted here)
      { symbol: S, side: 'LONG', realizedPnl: 194.949975, time: T0 + 120_000 },
    ]);
    const updated = of<OrderEvent>('ORDER_UPDATED').map((o) => [o.clientOrderId, o.status]);
    expect(updated).toEqual([
      ['T1-sig1-e', 'new'],
      ['T1-sig1-e', 'filled'],
      ['T1-sig1-s', 'new'],
      ['T1-sig1-t', 'new'],
      ['T1-sig1-t', 'filled'],
      ['T1-sig1-s', 'canceled'],
    ]);
    expect(await venue.openOrders()).toEqual([]);
    expect(await venue.positions()).toEqual([{ symbol: S, quantity: '0', entryPrice: '0', leverage: 10 }]);
    // the trade layer's wallet (from fills) and the venue's agree: 10000 + 194.949975
    expect(await venue.balances()).toEqual([{ asset: 'USDT', free: '10194.949975', locked: '0' }]);
    expect(engine.account.wallet.toString()).toBe('10194.949975');
    expect(of<ErrorEvent>('ERROR')).toEqual([]);
    engine.stop();
  });
});
