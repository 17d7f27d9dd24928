/**
 * Order lifecycle and rejections of the matching engine. Error codes and messages are Binance's
 * (spot "Error codes" page, USDⓈ-M "Error Codes" page; /work/shared/reference/binance-api.md section 8).
 * Instruments: USDⓈ-M BTCUSDT tick 0.10 / step 0.001 / min notional 100; spot BTCUSDT tick 0.01 /
 * step 0.00001 / min notional 5. Fees: USDⓈ-M 0.02 % maker, 0.05 % taker.
 */
import { describe, expect, it } from 'vitest';
import { MatchingEngine } from './engine.js';
import { SPOT_BTCUSDT, USDM_BTCUSDT } from './instruments.js';
import { quote, reports, trade, trades } from './test-helpers.js';
import type { SimResult, SimOrderView } from './types.js';

const S = 'BTCUSDT';

function futures(extra: Partial<ConstructorParameters<typeof MatchingEngine>[0]> = {}): MatchingEngine {
  return new MatchingEngine({ instruments: [USDM_BTCUSDT], balances: { USDT: '10000' }, ...extra });
}

function value(r: SimResult<SimOrderView>): SimOrderView {
  if (!r.ok) throw new Error(`expected ok, got ${r.code} ${r.msg}`);
  return r.value;
}

describe('order lifecycle', () => {
  it('rests a GTC limit, fills it partially under a participation cap, then fully', () => {
    const eng = futures({ fillModel: { participation: 0.5 } });
    eng.onTrade(trade(S, 1000, 60000, 1));
    const placed = value(
      eng.submit(
        { clientOrderId: 'b1', symbol: S, side: 'BUY', type: 'LIMIT', quantity: '0.1', price: '59900' },
        1001,
      ),
    );
    expect(placed.status).toBe('NEW');

    eng.onTrade(trade(S, 1002, 59900, 1)); // touches the limit: not traded through, no fill
    expect(value(eng.query({ symbol: S, orderId: placed.orderId })).executedQty).toBe('0');

    eng.onTrade(trade(S, 1003, 59899.9, 0.1)); // through; cap = 0.5 * 0.1 = 0.05
    const partial = value(eng.query({ symbol: S, clientOrderId: 'b1' }));
    expect(partial).toMatchObject({ status: 'PARTIALLY_FILLED', executedQty: '0.05' });

    eng.onTrade(trade(S, 1004, 59800, 1)); // cap 0.5 > remaining 0.05
    const done = value(eng.query({ symbol: S, clientOrderId: 'b1' }));
    expect(done).toMatchObject({ status: 'FILLED', executedQty: '0.1', avgPrice: '59900', cumQuote: '5990' });

    const fills = trades(eng.drainEvents());
    expect(fills.map((f) => [f.lastQty, f.lastPrice, f.maker, f.commission])).toEqual([
      // maker fee 0.05 * 59900 * 0.0002 = 0.599 each
      ['0.05', '59900', true, '0.599'],
      ['0.05', '59900', true, '0.599'],
    ]);
    // wallet 10000 - 2 * 0.599 = 9998.802
    expect(eng.balance('USDT').walletBalance).toBe('9998.802');
    expect(eng.position(S)).toMatchObject({ positionAmt: '0.1', entryPrice: '59900' });
    expect(eng.openOrders()).toEqual([]);
  });

  it('fills on a touch when fillAtTouch is set', () => {
    const eng = futures({ fillModel: { fillAtTouch: true } });
    eng.onTrade(trade(S, 1000, 60000));
    eng.submit({
      clientOrderId: 'b',
      symbol: S,
      side: 'BUY',
      type: 'LIMIT',
      quantity: '0.01',
      price: '59900',
    });
    eng.onTrade(trade(S, 1001, 59900, 1));
    expect(value(eng.query({ symbol: S, clientOrderId: 'b' })).status).toBe('FILLED');
  });

  it('cancels by client order id, then answers -2011 to a second cancel and -2013 to an unknown query', () => {
    const eng = futures();
    eng.onTrade(trade(S, 1000, 60000));
    const o = value(
      eng.submit({
        clientOrderId: 'c1',
        symbol: S,
        side: 'SELL',
        type: 'LIMIT',
        quantity: '0.01',
        price: '61000',
      }),
    );
    expect(eng.openOrders(S).map((v) => v.orderId)).toEqual([o.orderId]);
    expect(value(eng.cancel({ symbol: S, clientOrderId: 'c1' })).status).toBe('CANCELED');
    expect(eng.cancel({ symbol: S, orderId: o.orderId })).toEqual({
      ok: false,
      code: -2011,
      msg: 'Unknown order sent.',
    });
    expect(value(eng.query({ symbol: S, orderId: o.orderId })).status).toBe('CANCELED');
    expect(eng.query({ symbol: S, orderId: 999 })).toEqual({
      ok: false,
      code: -2013,
      msg: 'Order does not exist.',
    });
    expect(eng.openOrders()).toEqual([]);
    expect(reports(eng.drainEvents()).map((r) => r.execType)).toEqual(['NEW', 'CANCELED']);
  });

  it('rejects a duplicate client order id while the first order is open, and accepts it afterwards', () => {
    const eng = futures();
    eng.onTrade(trade(S, 1000, 60000));
    const req = {
      clientOrderId: 'dup',
      symbol: S,
      side: 'BUY' as const,
      type: 'LIMIT' as const,
      quantity: '0.01',
      price: '59000',
    };
    value(eng.submit(req));
    expect(eng.submit(req)).toEqual({ ok: false, code: -4116, msg: 'ClientOrderId is duplicated.' });
    eng.cancel({ symbol: S, clientOrderId: 'dup' });
    expect(eng.submit(req).ok).toBe(true);

    const spot = new MatchingEngine({ instruments: [SPOT_BTCUSDT], balances: { USDT: '10000' } });
    spot.onTrade(trade(S, 1000, 60000));
    value(spot.submit(req));
    expect(spot.submit(req)).toEqual({ ok: false, code: -2010, msg: 'Duplicate order sent.' });
  });
});

describe('rejections with Binance codes', () => {
  it('applies the instrument filters', () => {
    const eng = futures();
    eng.onTrade(trade(S, 1000, 60000));
    const base = { clientOrderId: 'f', symbol: S, side: 'BUY' as const, type: 'LIMIT' as const };
    expect(eng.submit({ ...base, quantity: '0.01', price: '59000.05' })).toMatchObject({ code: -4014 });
    expect(eng.submit({ ...base, quantity: '0.0015', price: '59000' })).toMatchObject({ code: -4023 });
    // 0.001 * 59000 = 59 < 100
    expect(eng.submit({ ...base, quantity: '0.001', price: '59000' })).toMatchObject({
      code: -4164,
      msg: "Order's notional must be no smaller than 100 (unless you choose reduce only).",
    });
    // a MARKET order's notional is measured at the fill price: 0.001 * 60000 = 60 < 100
    expect(eng.submit({ ...base, type: 'MARKET', quantity: '0.001' })).toMatchObject({ code: -4164 });

    const spot = new MatchingEngine({ instruments: [SPOT_BTCUSDT], balances: { USDT: '10000' } });
    spot.onTrade(trade(S, 1000, 60000));
    // 0.00008 * 60000 = 4.8 < 5
    expect(spot.submit({ ...base, quantity: '0.00008', price: '60000' })).toEqual({
      ok: false,
      code: -1013,
      msg: 'Filter failure: NOTIONAL',
    });
    expect(spot.submit({ ...base, quantity: '0.001', price: '60000.001' })).toMatchObject({
      code: -1013,
      msg: 'Filter failure: PRICE_FILTER',
    });
    expect(
      spot.submit({ ...base, type: 'STOP_MARKET', quantity: '0.001', stopPrice: '61000' }),
    ).toMatchObject({
      code: -1116,
    });
    expect(spot.submit({ ...base, quantity: '0.001', price: '60000', reduceOnly: true })).toMatchObject({
      code: -1106,
    });
  });

  it('rejects a post-only (GTX) order that would take with -5022, and rests one that would not', () => {
    const eng = futures();
    eng.onQuote(quote(S, 1000, 59999.9, 60000));
    expect(
      eng.submit({
        clientOrderId: 'g',
        symbol: S,
        side: 'BUY',
        type: 'LIMIT',
        timeInForce: 'GTX',
        quantity: '0.01',
        price: '60000',
      }),
    ).toMatchObject({ ok: false, code: -5022 });
    const rest = value(
      eng.submit({
        clientOrderId: 'g',
        symbol: S,
        side: 'BUY',
        type: 'LIMIT',
        timeInForce: 'GTX',
        quantity: '0.01',
        price: '59999.9',
      }),
    );
    expect(rest.status).toBe('NEW');
  });

  it('answers -2010 for a market order before any price, -2021 for a stop that would trigger at once, -2022 for reduce-only without a position', () => {
    const eng = futures();
    expect(
      eng.submit({ clientOrderId: 'm', symbol: S, side: 'BUY', type: 'MARKET', quantity: '0.01' }),
    ).toMatchObject({
      code: -2010,
    });
    eng.onTrade(trade(S, 1000, 60000));
    // a BUY STOP_MARKET triggers at price >= stop: 60000 >= 59000 already
    expect(
      eng.submit({
        clientOrderId: 's',
        symbol: S,
        side: 'BUY',
        type: 'STOP_MARKET',
        quantity: '0.01',
        stopPrice: '59000',
      }),
    ).toEqual({ ok: false, code: -2021, msg: 'Order would immediately trigger.' });
    expect(
      eng.submit({
        clientOrderId: 'r',
        symbol: S,
        side: 'SELL',
        type: 'MARKET',
        quantity: '0.01',
        reduceOnly: true,
      }),
    ).toEqual({ ok: false, code: -2022, msg: 'ReduceOnly Order is rejected.' });
    expect(
      eng.submit({ clientOrderId: 'bad id!', symbol: S, side: 'BUY', type: 'MARKET', quantity: '0.01' }),
    ).toMatchObject({
      code: -4015,
    });
    expect(
      eng.submit({ clientOrderId: 'x', symbol: 'NOPE', side: 'BUY', type: 'MARKET', quantity: '0.01' }),
    ).toMatchObject({
      code: -1121,
    });
  });

  it('answers -2019 when the initial margin exceeds the available balance', () => {
    const eng = new MatchingEngine({
      instruments: [USDM_BTCUSDT],
      balances: { USDT: '100' },
      defaultLeverage: 1,
    });
    eng.onTrade(trade(S, 1000, 60000));
    // 0.01 * 60000 / 1 = 600 > 100
    expect(
      eng.submit({ clientOrderId: 'm', symbol: S, side: 'BUY', type: 'MARKET', quantity: '0.01' }),
    ).toEqual({
      ok: false,
      code: -2019,
      msg: 'Margin is insufficient.',
    });
    // at leverage 10: 60 <= 100
    expect(eng.setLeverage(S, 10)).toEqual({ ok: true, value: 10 });
    expect(
      value(eng.submit({ clientOrderId: 'm', symbol: S, side: 'BUY', type: 'MARKET', quantity: '0.01' }))
        .status,
    ).toBe('FILLED');
    expect(eng.setLeverage(S, 0)).toMatchObject({ code: -4028 });
    expect(eng.setMarginType(S, 'CROSSED')).toEqual({
      ok: false,
      code: -4046,
      msg: 'No need to change margin type.',
    });
    expect(eng.setMarginType(S, 'ISOLATED')).toMatchObject({ code: -4048 });
  });
});

describe('time in force against quotes', () => {
  it('IOC takes what the top of book offers and expires the rest; FOK fills all or nothing', () => {
    const eng = futures();
    eng.onQuote(quote(S, 1000, 59999.9, 60000, 5, 0.03));
    const ioc = value(
      eng.submit({
        clientOrderId: 'i',
        symbol: S,
        side: 'BUY',
        type: 'LIMIT',
        timeInForce: 'IOC',
        quantity: '0.05',
        price: '60000.5',
      }),
    );
    // 0.03 available at the ask 60000 (better than the limit): taker
    expect(ioc).toMatchObject({ status: 'EXPIRED', executedQty: '0.03', avgPrice: '60000' });
    const fokBig = value(
      eng.submit({
        clientOrderId: 'k',
        symbol: S,
        side: 'BUY',
        type: 'LIMIT',
        timeInForce: 'FOK',
        quantity: '0.05',
        price: '60000.5',
      }),
    );
    expect(fokBig).toMatchObject({ status: 'EXPIRED', executedQty: '0' });
    const fokOk = value(
      eng.submit({
        clientOrderId: 'k2',
        symbol: S,
        side: 'BUY',
        type: 'LIMIT',
        timeInForce: 'FOK',
        quantity: '0.03',
        price: '60000.5',
      }),
    );
    expect(fokOk).toMatchObject({ status: 'FILLED', executedQty: '0.03' });
    const ev = trades(eng.drainEvents());
    // taker fee 0.03 * 60000 * 0.0005 = 0.9
    expect(ev.map((e) => [e.clientOrderId, e.maker, e.commission])).toEqual([
      ['i', false, '0.9'],
      ['k2', false, '0.9'],
    ]);
  });

  it('a marketable GTC limit takes the top of book and rests the remainder as maker', () => {
    const eng = futures();
    eng.onQuote(quote(S, 1000, 59999.9, 60000, 5, 0.02));
    const o = value(
      eng.submit({
        clientOrderId: 'g',
        symbol: S,
        side: 'BUY',
        type: 'LIMIT',
        quantity: '0.05',
        price: '60000',
      }),
    );
    expect(o).toMatchObject({ status: 'PARTIALLY_FILLED', executedQty: '0.02' });
    // the ask drops through the limit: the rest fills as maker at 60000, capped by the ask size 0.1
    eng.onQuote(quote(S, 1001, 59999, 59999.5, 5, 0.1));
    expect(value(eng.query({ symbol: S, clientOrderId: 'g' }))).toMatchObject({
      status: 'FILLED',
      executedQty: '0.05',
    });
    expect(trades(eng.drainEvents()).map((e) => [e.lastQty, e.lastPrice, e.maker])).toEqual([
      ['0.02', '60000', false],
      ['0.03', '60000', true],
    ]);
  });
});
