import { describe, expect, it } from 'vitest';
import { parseSpotUserEvent } from './spot-user-events.js';
import { SPOT_EXECUTION_REPORT_NEW } from './spot-test-payloads.js';

// Payloads: the examples of the spot "User Data Streams" page (executionReport, outboundAccountPosition,
// balanceUpdate, eventStreamTerminated), wrapped as the WebSocket API delivers them; field lists also in
// ../shared/reference/binance-api.md §6.
const NEW_ORDER = SPOT_EXECUTION_REPORT_NEW;
const wrap = (event: unknown): string => JSON.stringify({ subscriptionId: 0, event });

describe('spot user-data events (WebSocket API)', () => {
  it('maps a NEW executionReport to an order event without a fill', () => {
    expect(parseSpotUserEvent(wrap(NEW_ORDER))).toEqual({
      type: 'order',
      venueType: 'LIMIT',
      fill: undefined,
      order: {
        clientOrderId: 'mUvoqJxFIILMdfAW5iGSOW',
        venueOrderId: '4293153',
        symbol: 'ETHBTC',
        side: 'BUY',
        type: 'LIMIT',
        status: 'new',
        quantity: '1.00000000',
        filledQuantity: '0.00000000',
        price: '0.10264410',
        reason: 'NEW',
        time: 1499405658657,
      },
    });
  });

  it('a TRADE execution carries the fill; a cancel reports the original client id (C), not the cancel id (c)', () => {
    const trade = parseSpotUserEvent(
      wrap({
        ...NEW_ORDER,
        x: 'TRADE',
        X: 'PARTIALLY_FILLED',
        l: '0.40000000',
        z: '0.40000000',
        L: '0.10264410',
        n: '0.00040000',
        N: 'ETH',
        t: 77,
        m: true,
      }),
    );
    expect(trade.type === 'order' && trade.fill).toEqual({
      clientOrderId: 'mUvoqJxFIILMdfAW5iGSOW',
      tradeId: '77',
      symbol: 'ETHBTC',
      side: 'BUY',
      price: '0.10264410',
      quantity: '0.40000000',
      commission: '0.00040000',
      commissionAsset: 'ETH',
      maker: true,
      time: 1499405658657,
    });
    const cancel = parseSpotUserEvent(
      wrap({ ...NEW_ORDER, x: 'CANCELED', X: 'CANCELED', c: 'cancel-req-1', C: 'mUvoqJxFIILMdfAW5iGSOW' }),
    );
    expect(cancel).toMatchObject({
      type: 'order',
      order: { clientOrderId: 'mUvoqJxFIILMdfAW5iGSOW', status: 'canceled' },
    });
  });

  it('maps balances, balance deltas and stream termination; rejects malformed events', () => {
    expect(
      parseSpotUserEvent(
        wrap({
          e: 'outboundAccountPosition',
          E: 1564034571105,
          u: 1564034571073,
          B: [{ a: 'ETH', f: '10000.000000', l: '0.000000' }],
        }),
      ),
    ).toEqual({
      type: 'balances',
      balances: [{ asset: 'ETH', free: 10000, locked: 0, time: 1564034571073 }],
    });
    expect(
      parseSpotUserEvent(
        wrap({ e: 'balanceUpdate', E: 1573200697110, a: 'BTC', d: '100.00000000', T: 1573200697068 }),
      ),
    ).toEqual({
      type: 'balanceDelta',
      asset: 'BTC',
      delta: '100.00000000',
      time: 1573200697068,
    });
    expect(parseSpotUserEvent(wrap({ e: 'eventStreamTerminated', E: 1728973001334 }))).toEqual({
      type: 'terminated',
      time: 1728973001334,
    });
    expect(parseSpotUserEvent(wrap({ ...NEW_ORDER, q: 1 }))).toEqual({
      type: 'rejected',
      detail: 'executionReport: q',
    });
    expect(parseSpotUserEvent('nope')).toEqual({ type: 'rejected', detail: 'not JSON' });
  });
});
