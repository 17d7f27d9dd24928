import { describe, expect, it } from 'vitest';
import { MatchingEngine } from './engine.js';
import { USDM_BTCUSDT } from './instruments.js';
import { DelayedEngine } from './latency.js';
import { candle, trade, trades } from './test-helpers.js';
import type { SimOrderView, SimResult } from './types.js';

const S = 'BTCUSDT';

function setup(latencyMs: number): DelayedEngine {
  return new DelayedEngine(
    new MatchingEngine({ instruments: [USDM_BTCUSDT], balances: { USDT: '10000' } }),
    latencyMs,
  );
}

describe('latency between order and arrival', () => {
  it('fills a market order at the price the market has when the order arrives, not when it was sent', () => {
    const venue = setup(100);
    venue.onTrade(trade(S, 1000, 60000));
    const answers: [SimResult<SimOrderView>, number][] = [];
    venue.submit(
      { clientOrderId: 'm', symbol: S, side: 'BUY', type: 'MARKET', quantity: '0.01' },
      1000,
      (r, t) => answers.push([r, t]),
    );
    expect(venue.inFlight).toBe(1);
    venue.onTrade(trade(S, 1050, 60100)); // before arrival (1100): the order is still in flight
    expect(answers).toEqual([]);
    venue.onTrade(trade(S, 1100, 60200)); // arrival 1100 is delivered before this trade
    expect(answers.map(([r, t]) => [r.ok && r.value.status, r.ok && r.value.avgPrice, t])).toEqual([
      ['FILLED', '60100', 1100],
    ]);
  });

  it('a cancel that arrives after the order filled is answered -2011', () => {
    const venue = setup(50);
    venue.onTrade(trade(S, 1000, 60000));
    let orderId = 0;
    venue.submit(
      { clientOrderId: 'b', symbol: S, side: 'BUY', type: 'LIMIT', quantity: '0.01', price: '59900' },
      1000,
      (r) => {
        if (r.ok) orderId = r.value.orderId;
      },
    );
    venue.deliverUntil(1050);
    let cancel: SimResult<SimOrderView> | undefined;
    venue.cancel({ symbol: S, clientOrderId: 'b' }, 1060, (r) => (cancel = r));
    venue.onTrade(trade(S, 1080, 59800, 1)); // fills the limit while the cancel is in flight (arrives 1110)
    venue.onTrade(trade(S, 1200, 59850));
    expect(orderId).toBe(1);
    expect(cancel).toEqual({ ok: false, code: -2011, msg: 'Unknown order sent.' });
    expect(trades(venue.engine.drainEvents()).map((f) => f.lastPrice)).toEqual(['59900']);
  });

  it('delivers an order due inside a candle after that candle', () => {
    const venue = setup(30_000);
    venue.onCandle(candle(S, 0, [60000, 60100, 59900, 60050]));
    let status = '';
    let arrived = 0;
    // sent at the close of the first bar (59,999), arrives 89,999: inside the next bar [60,000, 120,000)
    venue.submit(
      { clientOrderId: 'b', symbol: S, side: 'BUY', type: 'LIMIT', quantity: '0.01', price: '59000' },
      59_999,
      (r, t) => {
        status = r.ok ? r.value.status : String(r.code);
        arrived = t;
      },
    );
    venue.onCandle(candle(S, 60_000, [60050, 60100, 58000, 58500])); // would have filled the limit
    expect(status).toBe('');
    venue.onCandle(candle(S, 120_000, [58500, 59500, 58400, 59400]));
    expect(status).toBe('FILLED'); // marketable on arrival against the last close 58500: taker at 58500
    expect(arrived).toBe(119_999); // stamped with the close time of the bar it was delivered after
    expect(trades(venue.engine.drainEvents()).map((f) => [f.lastPrice, f.maker])).toEqual([['58500', false]]);
  });

  it('with zero latency answers at once', () => {
    const venue = setup(0);
    venue.onTrade(trade(S, 1000, 60000));
    let got = false;
    venue.submit(
      { clientOrderId: 'm', symbol: S, side: 'BUY', type: 'MARKET', quantity: '0.01' },
      1000,
      () => (got = true),
    );
    expect(got).toBe(true);
  });
});
