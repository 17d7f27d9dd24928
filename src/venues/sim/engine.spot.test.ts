/**
 * Spot account: balances free / locked, fees in the received asset (Binance spot charges the commission
 * in the asset you receive unless BNB pays it). Regular-user rate 0.1 %.
 */
import { describe, expect, it } from 'vitest';
import { MatchingEngine } from './engine.js';
import { SPOT_BTCUSDT } from './instruments.js';
import { trade, trades } from './test-helpers.js';

const S = 'BTCUSDT';

describe('spot balances', () => {
  it('locks quote for a buy limit, pays with it on the fill and takes the fee in the base asset', () => {
    const eng = new MatchingEngine({ instruments: [SPOT_BTCUSDT], balances: { USDT: '1000' } });
    eng.onTrade(trade(S, 1000, 60500));
    const r = eng.submit({
      clientOrderId: 'b',
      symbol: S,
      side: 'BUY',
      type: 'LIMIT',
      quantity: '0.01',
      price: '60000',
    });
    expect(r.ok).toBe(true);
    // 0.01 * 60000 = 600 locked
    expect(eng.balance('USDT')).toEqual({ asset: 'USDT', walletBalance: '1000', free: '400', locked: '600' });
    eng.onTrade(trade(S, 2000, 59990, 1));
    // filled as maker at 60000: lock consumed; BTC 0.01 - 0.1 % fee (0.00001) = 0.00999
    expect(eng.balance('USDT')).toEqual({ asset: 'USDT', walletBalance: '400', free: '400', locked: '0' });
    expect(eng.balance('BTC').free).toBe('0.00999');

    // market sell 0.005 at the last price 59990: 299.95 USDT - 0.1 % (0.29995) = 299.65005
    const s = eng.submit({ clientOrderId: 's', symbol: S, side: 'SELL', type: 'MARKET', quantity: '0.005' });
    expect(s.ok && s.value.status).toBe('FILLED');
    expect(eng.balance('USDT').free).toBe('699.65005');
    expect(eng.balance('BTC').free).toBe('0.00499');
    expect(trades(eng.drainEvents()).map((f) => [f.side, f.commission, f.commissionAsset])).toEqual([
      ['BUY', '0.00001', 'BTC'],
      ['SELL', '0.29995', 'USDT'],
    ]);
  });

  it('returns the price improvement of a marketable buy limit to free balance', () => {
    const eng = new MatchingEngine({ instruments: [SPOT_BTCUSDT], balances: { USDT: '1000' } });
    eng.onTrade(trade(S, 1000, 59000));
    // limit 60000 >= last 59000: takes at 59000; 600 locked, 590 spent, 10 back
    eng.submit({
      clientOrderId: 'b',
      symbol: S,
      side: 'BUY',
      type: 'LIMIT',
      quantity: '0.01',
      price: '60000',
    });
    expect(eng.balance('USDT')).toEqual({ asset: 'USDT', walletBalance: '410', free: '410', locked: '0' });
  });

  it('releases the lock on cancel and refuses orders the balance cannot cover with -2010', () => {
    const eng = new MatchingEngine({ instruments: [SPOT_BTCUSDT], balances: { USDT: '1000' } });
    eng.onTrade(trade(S, 1000, 60500));
    eng.submit({
      clientOrderId: 'b',
      symbol: S,
      side: 'BUY',
      type: 'LIMIT',
      quantity: '0.01',
      price: '60000',
    });
    eng.cancel({ symbol: S, clientOrderId: 'b' });
    expect(eng.balance('USDT')).toEqual({ asset: 'USDT', walletBalance: '1000', free: '1000', locked: '0' });
    const insufficient = {
      ok: false,
      code: -2010,
      msg: 'Account has insufficient balance for requested action.',
    };
    // 0.02 * 60000 = 1200 > 1000
    expect(
      eng.submit({
        clientOrderId: 'x',
        symbol: S,
        side: 'BUY',
        type: 'LIMIT',
        quantity: '0.02',
        price: '60000',
      }),
    ).toEqual(insufficient);
    expect(
      eng.submit({ clientOrderId: 'y', symbol: S, side: 'SELL', type: 'MARKET', quantity: '0.001' }),
    ).toEqual(insufficient);
  });
});

describe('spot post-only', () => {
  it('rejects a GTX (LIMIT_MAKER) buy at or above the last price with -2010', () => {
    const eng = new MatchingEngine({ instruments: [SPOT_BTCUSDT], balances: { USDT: '1000' } });
    eng.onTrade(trade(S, 1000, 60000));
    expect(
      eng.submit({
        clientOrderId: 'p',
        symbol: S,
        side: 'BUY',
        type: 'LIMIT',
        timeInForce: 'GTX',
        quantity: '0.001',
        price: '60000',
      }),
    ).toEqual({ ok: false, code: -2010, msg: 'Order would immediately match and take.' });
  });
});
