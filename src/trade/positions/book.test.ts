/**
 * Every expected number below is worked out by hand in the comment next to it.
 */
import { describe, expect, it } from 'vitest';
import { Decimal } from '../../domain/decimal.js';
import type { Fill } from '../../domain/order.js';
import { Account } from './account.js';
import { netPnl, PositionBook, unrealizedPnl } from './book.js';

let trade = 0;
function fill(side: 'BUY' | 'SELL', quantity: string, price: string, commission = '0', asset = 'USDT'): Fill {
  trade++;
  return {
    clientOrderId: 'c',
    tradeId: String(trade),
    symbol: 'BTCUSDT',
    side,
    price,
    quantity,
    commission,
    commissionAsset: asset,
    maker: false,
    time: trade,
  };
}
const d = (s: string) => Decimal.parse(s);
const str = (x: Decimal) => x.toString();

describe('PositionBook', () => {
  it('averages a long entry, realises PnL on a partial close and marks the rest', () => {
    const book = new PositionBook('USDT');
    expect(book.applyFill(fill('BUY', '0.1', '50000', '2.5')).kind).toBe('opened');
    // avg = (0.1*50000 + 0.1*51000) / 0.2 = 10100 / 0.2 = 50500
    const inc = book.applyFill(fill('BUY', '0.1', '51000', '2.55'));
    expect(inc.kind).toBe('increased');
    expect(str(inc.position.avgEntry)).toBe('50500');
    // sell 0.05 @ 52000: realised = 0.05 * (52000 - 50500) = 75
    const red = book.applyFill(fill('SELL', '0.05', '52000', '1.3'));
    expect(red.kind).toBe('reduced');
    expect(str(red.realized)).toBe('75');
    const p = book.get('BTCUSDT');
    expect(p && str(p.quantity)).toBe('0.15');
    expect(p && str(p.avgEntry)).toBe('50500');
    // fees 2.5 + 2.55 + 1.3 = 6.35; net = 75 - 6.35 = 68.65
    expect(p && str(p.fees)).toBe('6.35');
    expect(p && str(netPnl(p))).toBe('68.65');
    // unrealised at mark 53000: 0.15 * (53000 - 50500) = 375
    expect(p && str(unrealizedPnl(p, d('53000')))).toBe('375');
  });

  it('realises a short: sell 2 @ 100, buy 1 @ 90 = +10, unrealised at 110 on the last 1 = -10', () => {
    const book = new PositionBook('USDT');
    book.applyFill(fill('SELL', '2', '100'));
    const r = book.applyFill(fill('BUY', '1', '90'));
    expect(str(r.realized)).toBe('10');
    const p = book.get('BTCUSDT');
    expect(p && str(p.quantity)).toBe('-1');
    expect(p && str(unrealizedPnl(p, d('110')))).toBe('-10');
  });

  it('flips a short into a long: the old part closes at the fill price, the rest opens there, the fee is split pro rata', () => {
    const book = new PositionBook('USDT');
    book.applyFill(fill('SELL', '2', '100'));
    book.applyFill(fill('BUY', '1', '90')); // +10
    // buy 3 @ 95: closes 1 (+5, total +15), opens long 2 @ 95; fee 0.3 -> 0.1 closing, 0.2 opening
    const f = book.applyFill(fill('BUY', '3', '95', '0.3'));
    expect(f.kind).toBe('flipped');
    expect(str(f.realized)).toBe('5');
    expect(f.closed && str(f.closed.realizedPnl)).toBe('15');
    expect(f.closed && str(f.closed.fees)).toBe('0.1');
    expect(str(f.position.quantity)).toBe('2');
    expect(str(f.position.avgEntry)).toBe('95');
    expect(str(f.position.fees)).toBe('0.2');
    expect(str(f.position.realizedPnl)).toBe('0');
  });

  it('closes to flat and reports the closed position with realised PnL, fees and funding', () => {
    const book = new PositionBook('USDT');
    book.applyFill(fill('BUY', '1', '200', '0.1'));
    expect(book.applyFunding('BTCUSDT', d('-0.25'), 10)).toBe(true);
    // sell 1 @ 190: realised -10; net = -10 - (0.1 + 0.095) - 0.25 = -10.445
    const c = book.applyFill(fill('SELL', '1', '190', '0.095'));
    expect(c.kind).toBe('closed');
    expect(c.closed && str(netPnl(c.closed))).toBe('-10.445');
    expect(book.get('BTCUSDT')).toBeUndefined();
    expect(book.applyFunding('BTCUSDT', d('1'), 11)).toBe(false);
  });

  it('keeps a commission paid in BNB out of the PnL and records it per asset', () => {
    const book = new PositionBook('USDT');
    const f = book.applyFill(fill('BUY', '1', '100', '0.0001', 'BNB'));
    expect(str(f.fee)).toBe('0');
    expect(book.otherFees().get('BNB')?.toString()).toBe('0.0001');
  });

  it('rejects a fill with a non-positive quantity', () => {
    expect(() => new PositionBook('USDT').applyFill(fill('BUY', '0', '100'))).toThrow(/quantity 0/);
  });
});

describe('Account', () => {
  it('computes wallet, margin in use, free balance and equity from fills', () => {
    const book = new PositionBook('USDT');
    const acct = new Account('USDT', d('10000'), book);
    acct.setLeverage('BTCUSDT', 10);
    const f = book.applyFill(fill('BUY', '0.1', '50000', '2.5'));
    acct.credit(f.realized.sub(f.fee));
    // wallet 10000 - 2.5 = 9997.5; margin 0.1*50000/10 = 500; free 9497.5
    expect(str(acct.wallet)).toBe('9997.5');
    expect(str(acct.usedMargin())).toBe('500');
    expect(str(acct.free())).toBe('9497.5');
    // equity at mark 49000: 9997.5 + 0.1*(49000-50000) = 9897.5
    acct.setMark('BTCUSDT', d('49000'));
    expect(str(acct.equity())).toBe('9897.5');
  });
});
