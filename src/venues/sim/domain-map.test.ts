import { describe, expect, it } from 'vitest';
import { toFill, toOrderEvent } from './domain-map.js';
import { MatchingEngine } from './engine.js';
import { USDM_BTCUSDT } from './instruments.js';
import { reports, trade } from './test-helpers.js';

describe('domain mapping of execution reports', () => {
  it('turns a filled market order into an OrderEvent per report and one Fill', () => {
    const eng = new MatchingEngine({ instruments: [USDM_BTCUSDT], balances: { USDT: '10000' } });
    eng.onTrade(trade('BTCUSDT', 1000, 60000));
    eng.submit({ clientOrderId: 'm1', symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.01' });
    const rs = reports(eng.drainEvents());
    expect(rs.map((r) => toOrderEvent(r).status)).toEqual(['new', 'filled']);
    expect(rs.map(toFill)).toEqual([
      undefined,
      {
        clientOrderId: 'm1',
        tradeId: '1',
        symbol: 'BTCUSDT',
        side: 'BUY',
        price: '60000',
        quantity: '0.01',
        commission: '0.3', // 600 * 0.0005
        commissionAsset: 'USDT',
        maker: false,
        time: 1000,
      },
    ]);
  });
});
