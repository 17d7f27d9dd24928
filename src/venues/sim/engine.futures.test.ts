/**
 * Futures account: one-way positions, PnL, fees, funding, liquidation, and the candle / trade / quote
 * fill models, each with numbers worked out by hand in the comments.
 * Fees: Binance USDⓈ-M regular user, 0.02 % maker / 0.05 % taker. BTCUSDT tick 0.10, step 0.001,
 * maintenance margin rate 0.4 % (first bracket).
 */
import { describe, expect, it } from 'vitest';
import { MatchingEngine } from './engine.js';
import { USDM_BTCUSDT, USDM_ETHUSDT } from './instruments.js';
import { candle, markPrice, quote, reports, trade, trades } from './test-helpers.js';
import type { FundingPayment, SimOrderRequest } from './types.js';

const S = 'BTCUSDT';

function engine(
  usdt = '10000',
  extra: Partial<ConstructorParameters<typeof MatchingEngine>[0]> = {},
): MatchingEngine {
  return new MatchingEngine({ instruments: [USDM_BTCUSDT], balances: { USDT: usdt }, ...extra });
}

function ok(eng: MatchingEngine, req: SimOrderRequest): void {
  const r = eng.submit(req);
  if (!r.ok) throw new Error(`submit ${req.clientOrderId}: ${r.code} ${r.msg}`);
}

/** Open a long (or short) at `price` with a market order after a trade at that price. */
function open(eng: MatchingEngine, side: 'BUY' | 'SELL', qty: string, price: number, time = 1000): void {
  eng.onTrade(trade(S, time, price));
  ok(eng, { clientOrderId: `open-${time}`, symbol: S, side, type: 'MARKET', quantity: qty });
}

describe('positions, PnL and fees', () => {
  it('a long opened at market and closed by a limit realises the price difference minus both fees', () => {
    const eng = engine();
    open(eng, 'BUY', '0.01', 60000); // taker fee 0.01 * 60000 * 0.0005 = 0.3
    ok(eng, {
      clientOrderId: 'tp',
      symbol: S,
      side: 'SELL',
      type: 'LIMIT',
      quantity: '0.01',
      price: '61000',
      reduceOnly: true,
    });
    eng.onTrade(trade(S, 2000, 61000.1)); // through 61000: maker fill, fee 0.01 * 61000 * 0.0002 = 0.122
    const fills = trades(eng.drainEvents());
    expect(fills.map((f) => [f.side, f.lastPrice, f.commission, f.realizedPnl])).toEqual([
      ['BUY', '60000', '0.3', '0'],
      ['SELL', '61000', '0.122', '10'], // (61000 - 60000) * 0.01 = 10
    ]);
    // 10000 - 0.3 + 10 - 0.122 = 10009.578
    expect(eng.balance('USDT').walletBalance).toBe('10009.578');
    expect(eng.position(S)).toMatchObject({ positionAmt: '0', entryPrice: '0' });
  });

  it('a buy larger than a short closes it and opens a long with the remainder (one-way mode)', () => {
    const eng = engine();
    open(eng, 'SELL', '0.01', 60000); // fee 0.3
    open(eng, 'BUY', '0.03', 59000, 2000); // fee 0.03 * 59000 * 0.0005 = 0.885
    const last = trades(eng.drainEvents()).at(-1);
    expect(last?.realizedPnl).toBe('10'); // short 0.01: (60000 - 59000) * 0.01
    expect(eng.position(S)).toMatchObject({ positionAmt: '0.02', entryPrice: '59000' });
    // 10000 - 0.3 - 0.885 + 10 = 10008.815
    expect(eng.balance('USDT').walletBalance).toBe('10008.815');
    // mark 59500: unrealised (59500 - 59000) * 0.02 = 10
    eng.onMarkPrice(markPrice(S, 3000, 59500));
    expect(eng.position(S)).toMatchObject({ markPrice: '59500', unRealizedProfit: '10' });
  });

  it('averages the entry price over two buys', () => {
    const eng = engine();
    open(eng, 'BUY', '0.01', 60000);
    open(eng, 'BUY', '0.03', 62000, 2000);
    // (0.01 * 60000 + 0.03 * 62000) / 0.04 = (600 + 1860) / 0.04 = 61500
    expect(eng.position(S)).toMatchObject({ positionAmt: '0.04', entryPrice: '61500' });
    open(eng, 'SELL', '0.02', 61000, 3000);
    // realised on 0.02 at entry 61500: (61000 - 61500) * 0.02 = -10
    expect(trades(eng.drainEvents()).at(-1)?.realizedPnl).toBe('-10');
    expect(eng.position(S)).toMatchObject({ positionAmt: '0.02', entryPrice: '61500' });
  });
});

describe('funding', () => {
  it('settles -positionAmt * mark * rate at the funding time announced by the previous mark-price event', () => {
    const eng = engine();
    open(eng, 'BUY', '0.1', 60000); // fee 0.1 * 60000 * 0.0005 = 3
    eng.onMarkPrice(markPrice(S, 1500, 60000, 0.0001, 28_800_000));
    eng.onMarkPrice(markPrice(S, 28_799_000, 60400, 0.0002, 28_800_000)); // before the funding time: nothing
    eng.drainEvents();
    eng.onMarkPrice(markPrice(S, 28_800_000, 60500, 0.0003, 57_600_000));
    const funding = eng.drainEvents().filter((e): e is FundingPayment => e.e === 'funding');
    // the rate announced for this settlement is the last one before it: 0.0002
    // long 0.1 pays 0.1 * 60500 * 0.0002 = 1.21
    expect(funding).toEqual([
      {
        e: 'funding',
        time: 28_800_000,
        symbol: S,
        asset: 'USDT',
        rate: '0.0002',
        markPrice: '60500',
        positionAmt: '0.1',
        amount: '-1.21',
      },
    ]);
    // 10000 - 3 - 1.21 = 9995.79
    expect(eng.balance('USDT').walletBalance).toBe('9995.79');
  });

  it('pays a short when the rate is positive (applyFunding with a rate from a funding file)', () => {
    const eng = engine();
    open(eng, 'SELL', '0.1', 60000); // fee 3
    // rate as Binance's funding files print it: 2.109e-05 (binance_usdm_BTCUSDT_funding_20250919_20251027.csv)
    eng.applyFunding(S, 2.109e-5, 28_800_000, 60000);
    // short receives 0.1 * 60000 * 0.00002109 = 0.12654
    expect(eng.balance('USDT').walletBalance).toBe('9997.12654');
  });
});

describe('liquidation (simplified rule, docs/fill-model.md)', () => {
  it('liquidates an isolated long when the mark reaches (entry*q - isolatedMargin) / (q * (1 - mmr))', () => {
    const eng = engine();
    expect(eng.setMarginType(S, 'ISOLATED').ok).toBe(true);
    eng.setLeverage(S, 10);
    open(eng, 'BUY', '0.1', 60000); // fee 3; isolated margin 0.1 * 60000 / 10 = 600
    // liq = (6000 - 600) / (0.1 * 0.996) = 54216.867... -> 54216.9 on the 0.1 tick
    expect(eng.position(S)).toMatchObject({ isolatedWallet: '600', liquidationPrice: '54216.9' });
    eng.onMarkPrice(markPrice(S, 2000, 54300));
    expect(eng.position(S)?.positionAmt).toBe('0.1');
    eng.onMarkPrice(markPrice(S, 3000, 54200));
    expect(eng.position(S)?.positionAmt).toBe('0');
    const liq = reports(eng.drainEvents()).filter((r) => r.execType === 'CALCULATED');
    // closed at the mark 54200: realised (54200 - 60000) * 0.1 = -580, taker fee 5420 * 0.0005 = 2.71
    expect(liq.map((r) => [r.clientOrderId, r.side, r.lastPrice, r.realizedPnl, r.commission])).toEqual([
      ['autoclose-1', 'SELL', '54200', '-580', '2.71'],
    ]);
    // 10000 - 3 - 580 - 2.71 = 9414.29
    expect(eng.balance('USDT').walletBalance).toBe('9414.29');
  });

  it('liquidates a cross long from trades when no mark-price feed is present', () => {
    const eng = engine('1000');
    open(eng, 'BUY', '0.1', 60000); // fee 3 -> wallet 997
    // cross: margin = wallet 997 -> liq = (6000 - 997) / (0.1 * 0.996) = 50230.92... -> 50230.9
    expect(eng.position(S)?.liquidationPrice).toBe('50230.9');
    eng.onTrade(trade(S, 2000, 50300));
    expect(eng.position(S)?.positionAmt).toBe('0.1');
    eng.onTrade(trade(S, 3000, 50200));
    expect(eng.position(S)?.positionAmt).toBe('0');
    // realised (50200 - 60000) * 0.1 = -980, fee 5020 * 0.0005 = 2.51 -> 997 - 980 - 2.51 = 14.49
    expect(eng.balance('USDT').walletBalance).toBe('14.49');
  });

  it('cancels the symbol’s open orders when it liquidates', () => {
    const eng = engine('1000');
    open(eng, 'BUY', '0.1', 60000);
    ok(eng, {
      clientOrderId: 'tp',
      symbol: S,
      side: 'SELL',
      type: 'LIMIT',
      quantity: '0.1',
      price: '65000',
      reduceOnly: true,
    });
    eng.onTrade(trade(S, 2000, 50000));
    expect(eng.openOrders()).toEqual([]);
    const tp = eng.query({ symbol: S, clientOrderId: 'tp' });
    expect(tp.ok && tp.value.status).toBe('CANCELED');
  });
});

describe('fill model: candles', () => {
  function bracket(eng: MatchingEngine): void {
    open(eng, 'BUY', '0.1', 60000); // fee 3
    ok(eng, {
      clientOrderId: 'sl',
      symbol: S,
      side: 'SELL',
      type: 'STOP_MARKET',
      stopPrice: '59000',
      closePosition: true,
    });
    ok(eng, {
      clientOrderId: 'tp',
      symbol: S,
      side: 'SELL',
      type: 'TAKE_PROFIT_MARKET',
      stopPrice: '61000',
      closePosition: true,
    });
    eng.drainEvents();
  }

  it('executes the stop before the take-profit when one candle touches both (down candle: path O-H-L-C)', () => {
    const eng = engine();
    bracket(eng);
    // down candle: the path reaches the high (take-profit) first, the stop rule still takes the stop
    eng.onCandle(candle(S, 60_000, [60000, 61500, 58500, 58800]));
    const ev = reports(eng.drainEvents());
    expect(
      ev.filter((r) => r.execType === 'TRADE').map((r) => [r.clientOrderId, r.lastPrice, r.realizedPnl]),
    ).toEqual([
      ['sl', '59000', '-100'], // (59000 - 60000) * 0.1
    ]);
    // the take-profit has nothing left to close: expired
    expect(ev.find((r) => r.clientOrderId === 'tp')?.status).toBe('EXPIRED');
    // 10000 - 3 - 100 - 5900 * 0.0005 (2.95) = 9894.05
    expect(eng.balance('USDT').walletBalance).toBe('9894.05');
    // fills carry the candle's close time: open 60000 + 60000 - 1
    expect(ev.find((r) => r.clientOrderId === 'sl')?.time).toBe(119_999);
  });

  it('takes the take-profit when only it is touched', () => {
    const eng = engine();
    bracket(eng);
    eng.onCandle(candle(S, 60_000, [60000, 61200, 59500, 61100]));
    expect(trades(eng.drainEvents()).map((r) => [r.clientOrderId, r.lastPrice, r.realizedPnl])).toEqual([
      ['tp', '61000', '100'],
    ]);
  });

  it('fills a stop gapped through at the open price, not the stop price', () => {
    const eng = engine();
    bracket(eng);
    eng.onCandle(candle(S, 60_000, [58000, 58200, 57500, 57800]));
    expect(trades(eng.drainEvents()).map((r) => [r.clientOrderId, r.lastPrice])).toEqual([['sl', '58000']]);
  });

  it('fills resting limits in intra-candle path order: low first on an up candle, high first on a down candle', () => {
    for (const [ohlc, first] of [
      [[60000, 61500, 58500, 61200], 'BUY'],
      [[60000, 61500, 58500, 58800], 'SELL'],
    ] as const) {
      const eng = engine();
      eng.onTrade(trade(S, 1000, 60000));
      ok(eng, {
        clientOrderId: 'lo',
        symbol: S,
        side: 'BUY',
        type: 'LIMIT',
        quantity: '0.1',
        price: '59000',
      });
      ok(eng, {
        clientOrderId: 'hi',
        symbol: S,
        side: 'SELL',
        type: 'LIMIT',
        quantity: '0.1',
        price: '61000',
      });
      eng.onCandle(candle(S, 60_000, ohlc));
      const fills = trades(eng.drainEvents());
      expect(fills.map((f) => f.side)).toEqual(first === 'BUY' ? ['BUY', 'SELL'] : ['SELL', 'BUY']);
      // either way the round trip realises (61000 - 59000) * 0.1 = 200 on the second fill
      expect(fills[1]?.realizedPnl).toBe('200');
      expect(eng.position(S)?.positionAmt).toBe('0');
    }
  });

  it('caps a limit fill at participation * candle volume', () => {
    const eng = engine('10000', { fillModel: { participation: 0.1 } });
    eng.onTrade(trade(S, 1000, 60000));
    ok(eng, { clientOrderId: 'b', symbol: S, side: 'BUY', type: 'LIMIT', quantity: '0.1', price: '59000' });
    eng.onCandle(candle(S, 60_000, [60000, 60100, 58900, 59500], 0.5)); // cap 0.1 * 0.5 = 0.05
    const q = eng.query({ symbol: S, clientOrderId: 'b' });
    expect(q.ok && [q.value.status, q.value.executedQty]).toEqual(['PARTIALLY_FILLED', '0.05']);
  });
});

describe('fill model: trades and quotes', () => {
  it('a triggered stop fills at the trade price that crossed it', () => {
    const eng = engine();
    open(eng, 'BUY', '0.1', 60000);
    ok(eng, {
      clientOrderId: 'sl',
      symbol: S,
      side: 'SELL',
      type: 'STOP_MARKET',
      quantity: '0.1',
      stopPrice: '59000',
      reduceOnly: true,
    });
    eng.onTrade(trade(S, 2000, 59100));
    eng.onTrade(trade(S, 3000, 58950));
    expect(trades(eng.drainEvents()).at(-1)).toMatchObject({
      clientOrderId: 'sl',
      lastPrice: '58950',
      status: 'FILLED',
    });
  });

  it('a market order larger than the top of book pays size-based slippage', () => {
    const eng = engine('100000');
    eng.onQuote(quote(S, 1000, 59999.9, 60000, 0.2, 0.1));
    ok(eng, { clientOrderId: 'm', symbol: S, side: 'BUY', type: 'MARKET', quantity: '0.25' });
    // excess 0.15 = 1.5 books -> 60000 * (1 + 0.0001 * 1.5) = 60009 (on the 0.1 tick, rounded up for a buy)
    ok(eng, { clientOrderId: 's', symbol: S, side: 'SELL', type: 'MARKET', quantity: '0.1' });
    // no larger than the bid size 0.2: exactly the bid 59999.9
    expect(trades(eng.drainEvents()).map((f) => [f.clientOrderId, f.lastPrice])).toEqual([
      ['m', '60009'],
      ['s', '59999.9'],
    ]);
  });

  it('a resting limit fills from quotes when the opposite best price crosses it', () => {
    const eng = engine();
    eng.onQuote(quote(S, 1000, 59999.9, 60000));
    ok(eng, { clientOrderId: 'b', symbol: S, side: 'BUY', type: 'LIMIT', quantity: '0.01', price: '59990' });
    eng.onQuote(quote(S, 1001, 59989.9, 59990)); // ask == limit: a touch, no fill
    expect(trades(eng.drainEvents())).toEqual([]);
    eng.onQuote(quote(S, 1002, 59980, 59989.9));
    expect(trades(eng.drainEvents()).map((f) => [f.lastPrice, f.maker])).toEqual([['59990', true]]);
  });
});

describe('reduce-only and closePosition', () => {
  it('clips a reduce-only limit to the position and expires the rest', () => {
    const eng = engine();
    open(eng, 'BUY', '0.01', 60000); // fee 0.3
    ok(eng, {
      clientOrderId: 'ro',
      symbol: S,
      side: 'SELL',
      type: 'LIMIT',
      quantity: '0.05',
      price: '60500',
      reduceOnly: true,
    });
    eng.onTrade(trade(S, 2000, 60600, 1));
    const q = eng.query({ symbol: S, clientOrderId: 'ro' });
    // only the 0.01 held is sold: realised (60500 - 60000) * 0.01 = 5; the other 0.04 expires
    expect(q.ok && [q.value.status, q.value.executedQty]).toEqual(['EXPIRED', '0.01']);
    expect(trades(eng.drainEvents()).at(-1)?.realizedPnl).toBe('5');
    expect(eng.position(S)?.positionAmt).toBe('0');
  });

  it('a BUY closePosition stop closes a whole short when the price rises through it', () => {
    const eng = engine();
    open(eng, 'SELL', '0.02', 60000); // fee 0.6
    ok(eng, {
      clientOrderId: 'sl',
      symbol: S,
      side: 'BUY',
      type: 'STOP_MARKET',
      stopPrice: '60500',
      closePosition: true,
    });
    eng.onTrade(trade(S, 2000, 60400));
    expect(eng.position(S)?.positionAmt).toBe('-0.02');
    eng.onTrade(trade(S, 3000, 60520));
    const fill = trades(eng.drainEvents()).at(-1);
    // bought back 0.02 at 60520: realised (60000 - 60520) * 0.02 = -10.4, taker fee 1210.4 * 0.0005 = 0.6052
    expect(fill).toMatchObject({
      clientOrderId: 'sl',
      lastQty: '0.02',
      lastPrice: '60520',
      realizedPnl: '-10.4',
      commission: '0.6052',
    });
    // 10000 - 0.6 - 10.4 - 0.6052 = 9988.3948
    expect(eng.balance('USDT').walletBalance).toBe('9988.3948');
  });
});

describe('cross margin across symbols', () => {
  it("counts the other cross positions' unrealised PnL and maintenance margin in the liquidation price", () => {
    const eng = new MatchingEngine({ instruments: [USDM_BTCUSDT, USDM_ETHUSDT], balances: { USDT: '1000' } });
    open(eng, 'BUY', '0.1', 60000); // fee 3
    eng.onTrade(trade('ETHUSDT', 1500, 3000));
    ok(eng, { clientOrderId: 'eth', symbol: 'ETHUSDT', side: 'BUY', type: 'MARKET', quantity: '1' }); // fee 1.5
    // wallet 1000 - 3 - 1.5 = 995.5; ETH unrealised 0, ETH maintenance 1 * 3000 * 0.004 = 12
    // BTC margin 995.5 - 12 = 983.5 -> liq = (6000 - 983.5) / (0.1 * 0.996) = 50366.46... -> 50366.5
    expect(eng.position(S)?.liquidationPrice).toBe('50366.5');
    // ETH mark 3100: unrealised +100, maintenance 12.4 -> margin 995.5 + 100 - 12.4 = 1083.1
    // -> (6000 - 1083.1) / 0.0996 = 49366.46... -> 49366.5
    eng.onMarkPrice(markPrice('ETHUSDT', 2000, 3100));
    expect(eng.position(S)?.liquidationPrice).toBe('49366.5');
  });
});
