/**
 * Spot protection (docs/reconciliation.md, "Spot protection"): the trade engine against the in-process
 * simulator's spot account (src/venues/sim, SPOT_BTCUSDT with Binance spot filters, 0.1 % taker fee in
 * the asset received). A spot position has no reduce-only and no STOP_MARKET: its stop-loss is a spot
 * STOP_LOSS sell on the exchange (it locks the base asset, so it protects the position while the engine
 * is down) and its take-profit is watched by the engine and closed at market.
 */
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../src/core/clock.js';
import { type ErrorEvent, EventBus } from '../src/core/event-bus.js';
import { MemoryLogger } from '../src/core/logger.js';
import { type AegisTopics, TOPICS } from '../src/domain/events.js';
import type { PositionEvent } from '../src/domain/order.js';
import { TradeEngine } from '../src/trade/engine.js';
import { RISK, signal } from '../src/trade/test-support/fixtures.js';
import { SPOT_BTCUSDT } from '../src/venues/sim/instruments.js';
import { quote, trade } from '../src/venues/sim/test-helpers.js';
import { createSimVenue } from '../src/venues/sim/venue.js';

const S = 'BTCUSDT';
const T0 = 1_700_000_000_000;

async function setup(spotFees?: { maker: string; taker: string }) {
  const clock = new SimulatedClock(T0);
  const logger = new MemoryLogger();
  const bus = new EventBus<AegisTopics>(TOPICS, { logger });
  const venue = createSimVenue(
    {
      instruments: [SPOT_BTCUSDT],
      balances: { USDT: '10000' },
      ...(spotFees === undefined ? {} : { spotFees }),
    },
    { clock },
  );
  const errors: ErrorEvent[] = [];
  const closed: PositionEvent[] = [];
  bus.subscribe('ERROR', 'test', (e) => errors.push(e));
  bus.subscribe('POSITION_CLOSED', 'test', (p) => closed.push(p));
  const market = (price: number): void => {
    clock.advanceTo(clock.now() + 1_000);
    venue.feedQuote(quote(S, clock.now(), price - 0.01, price));
    venue.feedTrade(trade(S, clock.now(), price));
  };
  market(50_000);
  const engine = new TradeEngine({
    bus,
    clock,
    venue,
    logger,
    config: { risk: RISK, rotation: { margin: 0.1, cooldownMs: 600_000 }, quoteAsset: 'USDT' },
    isStale: () => false,
  });
  await engine.start();
  const wallet = async (): Promise<Record<string, string>> => {
    const out: Record<string, string> = {};
    for (const b of await venue.balances()) out[b.asset] = `${b.free}/${b.locked}`;
    return out;
  };
  return { clock, bus, venue, engine, errors, closed, market, wallet };
}

describe('spot protection with the simulator spot account', () => {
  it('places the stop-loss on the exchange as a spot STOP_LOSS sell of the base received, no reduceOnly and no exchange take-profit', async () => {
    const { venue, engine, errors, bus, wallet } = await setup();
    bus.publish('SIGNAL_GENERATED', signal());
    await engine.idle();
    // 0.1 BTC bought at the ask 50,000; 0.1 % commission in BTC (0.0001): 0.0999 BTC received
    expect(engine.book.get(S)?.quantity.toString()).toBe('0.0999');
    const open = (await venue.openOrders(S)).map((o) => [o.clientOrderId, o.type, o.side, o.quantity]);
    expect(open).toEqual([['T1-sig1-s', 'STOP_MARKET', 'SELL', '0.0999']]);
    expect(engine.order('T1-sig1-s')?.request).toMatchObject({ stopPrice: '49000' });
    expect(engine.order('T1-sig1-s')?.request.reduceOnly).toBeUndefined();
    expect(engine.order('T1-sig1-t')).toBeUndefined();
    // the stop locks the base asset at the exchange (Binance spot STOP_LOSS)
    expect((await wallet()).BTC).toBe('0/0.0999');
    expect(errors).toEqual([]);
  });

  it('keeps the position protected while the engine is down: the exchange stop sells it', async () => {
    const { venue, engine, bus, market, wallet } = await setup();
    bus.publish('SIGNAL_GENERATED', signal());
    await engine.idle();
    engine.stop(); // the engine is down: no market data, no user stream
    market(49_500);
    market(48_900); // through the stop at 49,000
    const stop = await venue.queryOrder(S, 'T1-sig1-s');
    expect(stop).toMatchObject({ status: 'filled', filledQuantity: '0.0999' });
    // all the base is sold, nothing locked
    expect((await wallet()).BTC).toBe('0/0');
  });

  it('closes at market when the price reaches the take-profit the engine watches (the stop is cancelled first)', async () => {
    const { venue, engine, bus, errors, closed, market, clock, wallet } = await setup();
    bus.publish('SIGNAL_GENERATED', signal());
    await engine.idle();
    market(51_000);
    bus.publish('MARKET_TRADE', trade(S, clock.now(), 51_000));
    await engine.idle();
    expect(engine.book.get(S)).toBeDefined(); // below the take-profit 52,000: nothing to do
    market(52_000);
    bus.publish('MARKET_TRADE', trade(S, clock.now(), 52_000));
    await engine.idle();
    expect(engine.book.get(S)).toBeUndefined();
    expect(closed).toHaveLength(1);
    expect(engine.order('T1-sig1-s')?.status).toBe('canceled');
    expect(engine.order('T1-sig1-c')?.request).toMatchObject({
      type: 'MARKET',
      side: 'SELL',
      quantity: '0.0999',
    });
    expect(engine.order('T1-sig1-c')?.request.reduceOnly).toBeUndefined();
    expect(engine.order('T1-sig1-c')?.status).toBe('filled');
    expect(await venue.openOrders(S)).toEqual([]);
    expect((await wallet()).BTC).toBe('0/0');
    expect(errors).toEqual([]);
  });

  it('a take-profit reached inside a closed candle of the position counts; an older bar only by its close', async () => {
    const { engine, bus, market, clock } = await setup();
    bus.publish('SIGNAL_GENERATED', signal());
    await engine.idle();
    const bar = (openTime: number, high: number, close: number) => ({
      symbol: S,
      interval: '1m' as const,
      openTime,
      open: 50_000,
      high,
      low: 49_900,
      close,
      volume: 1,
      quoteVolume: 50_000,
      trades: 1,
      takerBuyVolume: 0.5,
      takerBuyQuoteVolume: 25_000,
      synthetic: false,
      closed: true,
    });
    // a bar that began before the entry: its high may be older than the position
    bus.publish('CANDLE_CLOSED', bar(T0 - 60_000, 52_500, 50_100));
    await engine.idle();
    expect(engine.book.get(S)).toBeDefined();
    market(52_100);
    bus.publish('CANDLE_CLOSED', bar(clock.now(), 52_200, 51_900));
    await engine.idle();
    expect(engine.book.get(S)).toBeUndefined();
  });

  it('sells whole lots and writes a sub-lot remainder off the book (it stays at the exchange as dust)', async () => {
    // taker 0.123 %: 0.1 BTC buys 0.099877 BTC, a sell can carry 0.09987 (step 0.00001)
    const { venue, engine, bus, closed, market, wallet } = await setup({ maker: '0.001', taker: '0.00123' });
    bus.publish('SIGNAL_GENERATED', signal());
    await engine.idle();
    expect(engine.book.get(S)?.quantity.toString()).toBe('0.099877');
    expect((await venue.openOrders(S)).map((o) => o.quantity)).toEqual(['0.09987']);
    market(48_900);
    await engine.idle();
    expect(engine.book.get(S)).toBeUndefined();
    expect(closed).toHaveLength(1);
    expect((await wallet()).BTC).toBe('0.000007/0');
    expect(engine.counters.get('trade.spot.dustWrittenOff')).toBe(1);
  });

  it('marks a spot position at the last trade (spot has no mark price stream): equity carries its unrealised PnL', async () => {
    const { engine, bus, market } = await setup();
    bus.publish('SIGNAL_GENERATED', signal());
    await engine.idle();
    const entry = engine.book.get(S);
    expect(entry?.quantity.toString()).toBe('0.0999');
    const before = engine.account.equity();
    // the market trades 500 higher: the data layer publishes the trade, the engine marks at its price
    market(50_500);
    bus.publish('MARKET_TRADE', trade(S, T0 + 60_000, 50_500));
    const after = engine.account.equity();
    // 0.0999 BTC x (50,500 - 50,000) = 49.95 USDT more (the position was bought at the ask 50,000)
    expect(after.sub(before).toString()).toBe('49.95');
  });
});
