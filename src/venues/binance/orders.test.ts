import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { OrderRequest } from '../../domain/order.js';
import { futuresOrderParams, futuresOrderQuery, type PositionSide } from './orders.js';
import { encodeParams } from './request.js';

/** Client ids from Binance's pattern `^[\.A-Z\:/a-z0-9_-]{1,36}$` (`:` and `/` need percent-encoding). */
const clientId = fc
  .array(fc.constantFrom(...'.:/_-aZ09xQ'.split('')), { minLength: 1, maxLength: 36 })
  .map((cs) => cs.join(''));
const decimal = fc
  .tuple(fc.nat({ max: 10_000_000 }), fc.option(fc.nat({ max: 99_999 }), { nil: undefined }))
  .map(([i, f]) => (f === undefined ? String(i) : `${i}.${f}`));

const orderArb: fc.Arbitrary<OrderRequest> = fc
  .record({
    clientOrderId: clientId,
    symbol: fc.constantFrom('BTCUSDT', 'ETHUSDT', '1000PEPEUSDT'),
    side: fc.constantFrom('BUY', 'SELL'),
    type: fc.constantFrom('MARKET', 'LIMIT'),
    quantity: decimal,
    price: decimal,
    timeInForce: fc.option(fc.constantFrom('GTC', 'IOC', 'FOK', 'GTX'), { nil: undefined }),
    reduceOnly: fc.option(fc.boolean(), { nil: undefined }),
  })
  .map(({ price, timeInForce, reduceOnly, ...o }) => ({
    ...o,
    ...(o.type === 'LIMIT' ? { price } : {}),
    ...(timeInForce === undefined ? {} : { timeInForce }),
    ...(reduceOnly === undefined ? {} : { reduceOnly }),
  }));

describe('futuresOrderQuery (the order submit hot path)', () => {
  it('writes exactly encodeParams(futuresOrderParams(order, options)) for random MARKET and LIMIT orders', () => {
    fc.assert(
      fc.property(
        orderArb,
        fc.option(fc.constantFrom<PositionSide>('BOTH', 'LONG', 'SHORT'), { nil: undefined }),
        (order, positionSide) => {
          const options = positionSide === undefined ? {} : { positionSide };
          expect(futuresOrderQuery(order, options)).toBe(encodeParams(futuresOrderParams(order, options)));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('percent-encodes ":" and "/" of a client id as encodeURIComponent does', () => {
    const q = futuresOrderQuery({
      clientOrderId: 'a:b/c',
      symbol: 'BTCUSDT',
      side: 'BUY',
      type: 'MARKET',
      quantity: '0.010',
    });
    expect(q).toBe(
      'symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.010&newClientOrderId=a%3Ab%2Fc&newOrderRespType=RESULT',
    );
  });

  it('refuses what futuresOrderParams refuses (conditional types, float-looking quantities)', () => {
    const base = { clientOrderId: 'x1', symbol: 'BTCUSDT', side: 'SELL', quantity: '1' } as const;
    expect(() => futuresOrderQuery({ ...base, type: 'STOP_MARKET', stopPrice: '1' })).toThrow(/algo order/);
    expect(() => futuresOrderQuery({ ...base, type: 'MARKET', quantity: '1e-3' })).toThrow(/exact decimal/);
  });
});
