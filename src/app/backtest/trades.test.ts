import { describe, expect, it } from 'vitest';
import { EventBus } from '../../core/event-bus.js';
import { silentLogger } from '../../core/logger.js';
import { TOPICS, type AegisTopics } from '../../domain/events.js';
import type { Signal } from '../../domain/signal.js';
import { clientOrderId } from '../../trade/orders/client-id.js';
import { canonicalTrades, fingerprint, TradeRecorder, type BacktestTrade } from './trades.js';

function signal(id: string, over: Partial<Signal> = {}): Signal {
  return {
    id,
    symbol: 'BTCUSDT',
    interval: '5m',
    side: 'BUY',
    confidence: 0.8,
    tier: 'teacher',
    position_size: 2,
    entry: 100,
    stop: 95,
    take_profit: 110,
    patterns: [],
    candleOpenTime: 700,
    decidedAt: 999,
    strategy: 'smc:continuation',
    ...over,
  };
}

function fill(
  cid: string,
  side: 'BUY' | 'SELL',
  price: string,
  quantity: string,
  commission: string,
  time: number,
) {
  return {
    clientOrderId: cid,
    tradeId: `${cid}-${time}`,
    symbol: 'BTCUSDT',
    side,
    price,
    quantity,
    commission,
    commissionAsset: 'USDT',
    maker: false,
    time,
  } as const;
}

describe('TradeRecorder (trades from bus events)', () => {
  it('rebuilds a stopped-out long from SIGNAL_GENERATED, FILL and POSITION_* events', () => {
    const bus = new EventBus<AegisTopics>(TOPICS, { logger: silentLogger });
    const rec = new TradeRecorder(bus, 1000);
    const s = signal('smc-BTCUSDT-5m-700');
    bus.publish('SIGNAL_GENERATED', s);
    bus.publish('FILL', fill(clientOrderId('aegis', s.id, 'entry'), 'BUY', '100', '2', '0.1', 1000));
    bus.publish('POSITION_OPENED', {
      symbol: 'BTCUSDT',
      side: 'LONG',
      quantity: 2,
      entryPrice: 100,
      tier: 'teacher',
      leverage: 5,
      realizedPnl: 0,
      time: 1000,
    });
    bus.publish('BALANCE_UPDATED', { asset: 'USDT', free: 959.9, locked: 40, time: 1000 });
    // wallet 999.9, long 2 from 100 marked at 103: 999.9 + 6
    expect(rec.equityAt('BTCUSDT', 103)).toBeCloseTo(1005.9, 9);
    bus.publish('FILL', fill(clientOrderId('aegis', s.id, 'sl'), 'SELL', '95', '2', '0.095', 2000));
    // realised (95 - 100) x 2 = -10, fees 0.1 + 0.095
    bus.publish('POSITION_CLOSED', {
      symbol: 'BTCUSDT',
      side: 'LONG',
      quantity: 2,
      entryPrice: 100,
      tier: 'teacher',
      leverage: 5,
      realizedPnl: -10.195,
      time: 2000,
    });
    expect(rec.trades).toEqual([
      {
        n: 1,
        symbol: 'BTCUSDT',
        side: 'LONG',
        tier: 'teacher',
        confidence: 0.8,
        signalId: s.id,
        strategy: 'smc:continuation',
        entryTime: 1000,
        entryPrice: 100,
        quantity: 2,
        stop: 95,
        takeProfit: 110,
        exitTime: 2000,
        exitPrice: 95,
        exitReason: 'stop',
        pnl: -10.195,
        fees: 0.195,
        r: -10.195 / 10, // risk |100 - 95| x 2
      },
    ]);
    expect(rec.feesPaid).toBeCloseTo(0.195, 12);
    expect(rec.openPositions()).toBe(0);
  });

  it("names a close by an order the engine did not make (the simulator's autoclose) a liquidation", () => {
    const bus = new EventBus<AegisTopics>(TOPICS, { logger: silentLogger });
    const rec = new TradeRecorder(bus, 1000);
    const s = signal('abc', { side: 'SELL', stop: 105, take_profit: 90 });
    bus.publish('SIGNAL_GENERATED', s);
    bus.publish('FILL', fill(clientOrderId('aegis', s.id, 'entry'), 'SELL', '100', '1', '0', 10));
    const pos = {
      symbol: 'BTCUSDT',
      side: 'SHORT',
      quantity: 1,
      entryPrice: 100,
      tier: 'teacher',
      leverage: 20,
      realizedPnl: 0,
      time: 10,
    } as const;
    bus.publish('POSITION_OPENED', pos);
    bus.publish('FILL', fill('autoclose-1', 'BUY', '104.5', '1', '0', 20));
    bus.publish('POSITION_CLOSED', { ...pos, realizedPnl: -4.5, time: 20 });
    expect(rec.trades[0]?.exitReason).toBe('liquidation');
    expect(rec.trades[0]?.r).toBeCloseTo(-0.9, 12); // -4.5 / (|100 - 105| x 1)
  });
});

describe('canonical trade list and fingerprint', () => {
  const t: BacktestTrade = {
    n: 1,
    symbol: 'BTCUSDT',
    side: 'LONG',
    tier: 'student',
    confidence: 0.7,
    signalId: 'x',
    strategy: 'y',
    entryTime: 1,
    entryPrice: 100.5,
    quantity: 0.001,
    stop: 99,
    takeProfit: 103,
    exitTime: 2,
    exitPrice: 103,
    exitReason: 'target',
    pnl: 0.0025,
    fees: 0,
    r: null,
  };

  it('is one JSON array per line in a fixed key order, whatever the object key order', () => {
    const shuffled = Object.fromEntries(Object.entries(t).reverse()) as unknown as BacktestTrade;
    expect(canonicalTrades([shuffled])).toBe(canonicalTrades([t]));
    expect(canonicalTrades([t]).split('\n')[1]).toBe(
      '[1,"BTCUSDT","LONG","student",0.7,"x","y",1,100.5,0.001,99,103,2,103,"target",0.0025,0,null]',
    );
  });

  it('fingerprint is the sha256 of the canonical list', () => {
    // the two lines below, each ending in \n, piped through GNU coreutils `sha256sum`
    expect(canonicalTrades([t])).toBe(
      '["n","symbol","side","tier","confidence","signalId","strategy","entryTime","entryPrice","quantity",' +
        '"stop","takeProfit","exitTime","exitPrice","exitReason","pnl","fees","r"]\n' +
        '[1,"BTCUSDT","LONG","student",0.7,"x","y",1,100.5,0.001,99,103,2,103,"target",0.0025,0,null]\n',
    );
    expect(fingerprint([t])).toBe('5c801d460296229a482ad6da4f0ef659a5f0514c407ea984117e49ba29a9addc');
  });
});
