import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Decimal } from './decimal.js';
import { checkOrder, roundPrice, roundQuantity, type Instrument } from './instrument.js';
import { USDM_BTCUSDT } from '../venues/sim/instruments.js';

// Filter values as Binance's exchangeInfo publishes them (strings with 8 decimals on spot).
// Spot BTCUSDT: PRICE_FILTER tickSize 0.01, LOT_SIZE stepSize 0.00001, NOTIONAL minNotional 5.
const spotBtc: Instrument = {
  symbol: 'BTCUSDT',
  market: 'spot',
  baseAsset: 'BTC',
  quoteAsset: 'USDT',
  tickSize: '0.01000000',
  minPrice: '0.01000000',
  maxPrice: '1000000.00000000',
  stepSize: '0.00001000',
  minQty: '0.00001000',
  maxQty: '9000.00000000',
  marketStepSize: '0.00000000',
  marketMinQty: '0.00000000',
  marketMaxQty: '83.50000000',
  minNotional: '5.00000000',
  applyMinToMarket: true,
};

// USDⓈ-M BTCUSDT (exchangeInfo filters): tickSize 0.10, stepSize 0.001, MARKET_LOT_SIZE maxQty 120, MIN_NOTIONAL 100.
const futBtc: Instrument = USDM_BTCUSDT;

describe('checkOrder on a spot symbol (-1013 Filter failure)', () => {
  it('accepts a limit order on the tick, on the step and above the minimum notional', () => {
    // 0.001 BTC * 60000.01 = 60.00001 USDT >= 5
    expect(checkOrder(spotBtc, { type: 'LIMIT', quantity: '0.001', price: '60000.01' })).toEqual({
      ok: true,
    });
  });

  it('rejects a price off the tick with PRICE_FILTER', () => {
    expect(checkOrder(spotBtc, { type: 'LIMIT', quantity: '0.001', price: '60000.015' })).toEqual({
      ok: false,
      filter: 'PRICE_FILTER',
      code: -1013,
      msg: 'Filter failure: PRICE_FILTER',
    });
  });

  it('rejects a quantity off the step or below the minimum with LOT_SIZE', () => {
    const offStep = checkOrder(spotBtc, { type: 'LIMIT', quantity: '0.000015', price: '60000' });
    expect(offStep).toMatchObject({ ok: false, code: -1013, msg: 'Filter failure: LOT_SIZE' });
    const tooSmall = checkOrder(spotBtc, { type: 'LIMIT', quantity: '0.000001', price: '60000' });
    expect(tooSmall).toMatchObject({ ok: false, filter: 'LOT_SIZE' });
  });

  it('rejects a notional below minNotional with NOTIONAL', () => {
    // 0.00008 * 60000 = 4.8 USDT < 5
    const r = checkOrder(spotBtc, { type: 'LIMIT', quantity: '0.00008', price: '60000' });
    expect(r).toEqual({ ok: false, filter: 'NOTIONAL', code: -1013, msg: 'Filter failure: NOTIONAL' });
    // 0.00009 * 60000 = 5.4 USDT: passes
    expect(checkOrder(spotBtc, { type: 'LIMIT', quantity: '0.00009', price: '60000' }).ok).toBe(true);
  });

  it('measures a market order at the reference price and applies MARKET_LOT_SIZE', () => {
    expect(checkOrder(spotBtc, { type: 'MARKET', quantity: '0.00008' }, '60000')).toMatchObject({
      msg: 'Filter failure: NOTIONAL',
    });
    expect(checkOrder(spotBtc, { type: 'MARKET', quantity: '84' }, '60000')).toMatchObject({
      msg: 'Filter failure: MARKET_LOT_SIZE',
    });
  });

  it('rejects exponent junk with -1100 rather than reading it as a number', () => {
    expect(checkOrder(spotBtc, { type: 'LIMIT', quantity: '1e-3', price: '60000' })).toMatchObject({
      ok: false,
      code: -1100,
    });
    expect(checkOrder(spotBtc, { type: 'LIMIT', quantity: '0.001' })).toMatchObject({ code: -1102 });
  });
});

describe('checkOrder on a USDⓈ-M symbol (futures error codes)', () => {
  it('answers -4014 for a price off the tick and -4023 for a quantity off the step', () => {
    // Binance USDⓈ-M "Error Codes": -4014 PRICE_NOT_INCREASED_BY_TICK_SIZE, -4023 QTY_NOT_INCREASED_BY_STEP_SIZE
    expect(checkOrder(futBtc, { type: 'LIMIT', quantity: '0.01', price: '60000.05' })).toMatchObject({
      code: -4014,
      msg: 'Price not increased by tick size.',
    });
    expect(checkOrder(futBtc, { type: 'LIMIT', quantity: '0.0105', price: '60000' })).toMatchObject({
      code: -4023,
      msg: 'Qty not increased by step size.',
    });
    expect(checkOrder(futBtc, { type: 'LIMIT', quantity: '1001', price: '60000' })).toMatchObject({
      code: -4005,
    });
    expect(checkOrder(futBtc, { type: 'LIMIT', quantity: '0.01', price: '500' })).toMatchObject({
      code: -4013,
    });
  });

  it("answers -4164 with Binance's message below the minimum notional, unless reduce-only", () => {
    // 0.001 * 60000 = 60 USDT < 100
    expect(checkOrder(futBtc, { type: 'LIMIT', quantity: '0.001', price: '60000' })).toEqual({
      ok: false,
      filter: 'MIN_NOTIONAL',
      code: -4164,
      msg: "Order's notional must be no smaller than 100 (unless you choose reduce only).",
    });
    expect(
      checkOrder(futBtc, { type: 'LIMIT', quantity: '0.001', price: '60000', reduceOnly: true }).ok,
    ).toBe(true);
    // a STOP_MARKET's notional is measured at its stop price: 0.002 * 60000 = 120 >= 100
    expect(checkOrder(futBtc, { type: 'STOP_MARKET', quantity: '0.002', stopPrice: '60000' }).ok).toBe(true);
  });

  it('checks closePosition orders without a quantity and refuses one with a quantity', () => {
    expect(checkOrder(futBtc, { type: 'STOP_MARKET', stopPrice: '55000', closePosition: true }).ok).toBe(
      true,
    );
    expect(
      checkOrder(futBtc, { type: 'STOP_MARKET', stopPrice: '55000', closePosition: true, quantity: '1' }),
    ).toMatchObject({ code: -4137 });
  });
});

describe('roundPrice / roundQuantity', () => {
  it('rounds to the tick and the step', () => {
    expect(roundPrice(futBtc, '60000.06')).toBe('60000.1');
    expect(roundPrice(futBtc, '60000.06', 'down')).toBe('60000');
    expect(roundQuantity(futBtc, '0.0129')).toBe('0.012');
    expect(roundQuantity(futBtc, '0.0121', 'up')).toBe('0.013');
    expect(roundQuantity(spotBtc, Decimal.fromNumber(0.123456789))).toBe('0.12345');
  });

  it('always yields a price and quantity that pass the tick and step filters (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 600_000, max: 2_000_000_000 }),
        fc.integer({ min: 1_000, max: 999_000_000 }),
        (priceMilli, qtyMicro) => {
          const price = roundPrice(futBtc, Decimal.of(BigInt(priceMilli), 3));
          const qty = roundQuantity(futBtc, Decimal.of(BigInt(qtyMicro), 6));
          const r = checkOrder(futBtc, { type: 'LIMIT', quantity: qty, price, reduceOnly: true });
          expect(r).toEqual({ ok: true });
        },
      ),
    );
  });
});
