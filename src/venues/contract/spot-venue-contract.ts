/**
 * The ExecutionVenue contract for a spot venue: the subset of venue-contract.ts that has a meaning on
 * spot (no positions, no margin, no leverage, no reduce-only), plus what only spot has (balances of the
 * base and quote asset move with every fill, -2010 insufficient balance, -1013 filter failures,
 * STOP_LOSS / TAKE_PROFIT as the market stop types). spot-venue-contract.test.ts runs it on SimVenue and
 * on BinanceSpotVenue talking to SimServer over real sockets (REST + the WebSocket API user stream).
 *
 * The venue under test holds spot BTCUSDT with Binance's filters (src/venues/sim/instruments.ts
 * SPOT_BTCUSDT: tick 0.01, step 0.00001, min qty 0.00001, NOTIONAL min 5 applied to market orders),
 * 10,000 USDT and 0.5 BTC free, Binance's spot regular-user fees (0.1 % maker and taker,
 * SPOT_DEFAULT_FEES; commission in the asset received: BTC on a buy, USDT on a sell) and participation
 * 1 (docs/fill-model.md). Error codes are Binance spot's ("Error codes" page of the spot API docs:
 * -2010 NEW_ORDER_REJECTED, -1013 filter failure, -2011 CANCEL_REJECTED, -2013 NO_SUCH_ORDER).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Quote } from '../../domain/market.js';
import type { OrderRequest } from '../../domain/order.js';
import type { ExecutionUpdate, ExecutionVenue } from '../../domain/ports.js';
import {
  dec,
  type ContractFactory,
  type ContractHarness,
  type ContractRecording,
  type UpdateStep,
  limit,
  market,
  rejection,
  trade,
} from './venue-contract.js';

const S = 'BTCUSDT';
const T0 = 1_700_000_000_000;

/** Bid 30,000.00 / ask 30,000.01, 2 BTC each side. */
function quote30k(time: number): Quote {
  return { symbol: S, time, bidPrice: 30_000, bidQty: 2, askPrice: 30_000.01, askQty: 2, updateId: 1 };
}

/** { asset: "free/locked" } for BTC and USDT (an asset the venue does not list counts as 0/0). */
async function wallet(venue: ExecutionVenue): Promise<Record<string, string>> {
  const all = await venue.balances();
  const out: Record<string, string> = {};
  for (const asset of ['BTC', 'USDT']) {
    const b = all.find((x) => x.asset === asset);
    out[asset] = `${dec(b?.free ?? '0')}/${dec(b?.locked ?? '0')}`;
  }
  return out;
}

/** Spot cases an implementation may declare as known failures (run as `it.fails`). */
export type SpotContractCaseId = 'stop';

export interface SpotContractOptions {
  readonly knownFailures?: Readonly<Partial<Record<SpotContractCaseId, string>>>;
}

/** Define the spot contract for one implementation; returns the per-case order-update recording. */
export function describeSpotVenueContract(
  name: string,
  factory: ContractFactory,
  options: SpotContractOptions = {},
): ContractRecording {
  const recording: ContractRecording = new Map();
  const known = options.knownFailures ?? {};
  const strict = (id: SpotContractCaseId, title: string, fn: () => Promise<void>): void => {
    const bug = known[id];
    if (bug === undefined) it(title, fn);
    else it.fails(`${title} [known failure: ${bug}]`, fn);
  };

  describe(`ExecutionVenue spot contract: ${name}`, () => {
    let h: ContractHarness;
    let updates: ExecutionUpdate[];

    const orderUpdates = (): Extract<ExecutionUpdate, { kind: 'order' }>[] =>
      updates.flatMap((u) => (u.kind === 'order' && u.order.symbol === S ? [u] : []));
    const summary = (cid: string): string[][] =>
      orderUpdates()
        .filter((u) => u.order.clientOrderId === cid)
        .map((u) => [u.order.status, dec(u.order.filledQuantity)]);
    const fills = (cid: string): string[][] =>
      orderUpdates().flatMap((u) =>
        u.order.clientOrderId === cid && u.fill !== undefined
          ? [
              [
                u.fill.side,
                dec(u.fill.price),
                dec(u.fill.quantity),
                dec(u.fill.commission),
                u.fill.commissionAsset,
                String(u.fill.maker),
              ],
            ]
          : [],
      );
    function record(title: string): void {
      recording.set(
        title,
        orderUpdates().map((u): UpdateStep => [
          u.order.clientOrderId,
          u.order.status,
          dec(u.order.filledQuantity),
        ]),
      );
    }

    beforeEach(async () => {
      h = await factory();
      updates = [];
      h.venue.onExecution((u) => updates.push(u));
    });

    afterEach(async () => {
      await h.close();
    });

    it('lists spot BTCUSDT with its filters, 10,000 USDT and 0.5 BTC free, no position, no order', async () => {
      const inst = (await h.venue.instruments()).find((i) => i.symbol === S);
      expect({
        market: inst?.market,
        tickSize: dec(inst?.tickSize),
        stepSize: dec(inst?.stepSize),
        minQty: dec(inst?.minQty),
        minNotional: dec(inst?.minNotional),
      }).toEqual({
        market: 'spot',
        tickSize: '0.01',
        stepSize: '0.00001',
        minQty: '0.00001',
        minNotional: '5',
      });
      expect(await wallet(h.venue)).toEqual({ BTC: '0.5/0', USDT: '10000/0' });
      expect(await h.venue.positions()).toEqual([]);
      expect(await h.venue.openOrders()).toEqual([]);
    });

    it('MARKET buy fills at the ask, 0.1 % commission in BTC; balances move', async () => {
      h.market.quote(quote30k(T0 + 1_000));
      const ack = await h.venue.submitOrder(market('mkt-b', 'BUY', '0.01000'));
      expect(ack.kind === 'ack' ? [ack.order.status, dec(ack.order.filledQuantity)] : ack).toEqual([
        'filled',
        '0.01',
      ]);
      await h.settle();
      expect(summary('mkt-b')).toEqual([
        ['new', '0'],
        ['filled', '0.01'],
      ]);
      // 0.01 <= 2 BTC at the ask: 30,000.01; commission 0.01 * 0.001 = 0.00001 BTC, taker
      expect(fills('mkt-b')).toEqual([['BUY', '30000.01', '0.01', '0.00001', 'BTC', 'false']]);
      // USDT 10000 - 0.01 * 30000.01 = 9699.9999; BTC 0.5 + 0.01 - 0.00001 = 0.50999
      expect(await wallet(h.venue)).toEqual({ BTC: '0.50999/0', USDT: '9699.9999/0' });
      expect(await h.venue.positions()).toEqual([]);
      record('market buy');
    });

    it('MARKET sell fills at the bid, 0.1 % commission in USDT', async () => {
      h.market.quote(quote30k(T0 + 1_000));
      expect(await h.venue.submitOrder(market('mkt-s', 'SELL', '0.10000'))).toMatchObject({ kind: 'ack' });
      await h.settle();
      // 0.1 at the bid 30,000.00: notional 3000, commission 3 USDT
      expect(fills('mkt-s')).toEqual([['SELL', '30000', '0.1', '3', 'USDT', 'false']]);
      expect(await wallet(h.venue)).toEqual({ BTC: '0.4/0', USDT: '12997/0' });
      record('market sell');
    });

    it('LIMIT buy locks its quote, fills partially then fully as maker; the lock is spent', async () => {
      h.market.quote(quote30k(T0 + 1_000));
      const ack = await h.venue.submitOrder(limit('lim-1', 'BUY', '0.01000', '29000.00'));
      expect(ack.kind === 'ack' ? [ack.order.status, dec(ack.order.price)] : ack).toEqual(['new', '29000']);
      // 0.01 * 29000 = 290 USDT locked
      expect(await wallet(h.venue)).toEqual({ BTC: '0.5/0', USDT: '9710/290' });
      h.market.trade(trade(28_990, 0.004, T0 + 2_000, 1));
      await h.settle();
      const partial = await h.venue.queryOrder(S, 'lim-1');
      expect(partial && [partial.status, dec(partial.filledQuantity)]).toEqual(['partially_filled', '0.004']);
      h.market.trade(trade(28_980, 1, T0 + 3_000, 2));
      await h.settle();
      expect(summary('lim-1')).toEqual([
        ['new', '0'],
        ['partially_filled', '0.004'],
        ['filled', '0.01'],
      ]);
      // maker 0.1 % of the BTC received: 0.000004 and 0.000006
      expect(fills('lim-1')).toEqual([
        ['BUY', '29000', '0.004', '0.000004', 'BTC', 'true'],
        ['BUY', '29000', '0.006', '0.000006', 'BTC', 'true'],
      ]);
      expect(await wallet(h.venue)).toEqual({ BTC: '0.50999/0', USDT: '9710/0' });
      expect(await h.venue.openOrders(S)).toEqual([]);
      record('limit partial fills');
    });

    it('cancels a resting order (lock released); a second cancel rejects with -2011', async () => {
      h.market.quote(quote30k(T0 + 1_000));
      expect(await h.venue.submitOrder(limit('cxl-1', 'SELL', '0.10000', '31000.00'))).toMatchObject({
        kind: 'ack',
      });
      expect(await wallet(h.venue)).toEqual({ BTC: '0.4/0.1', USDT: '10000/0' });
      const after = await h.venue.cancelOrder(S, 'cxl-1');
      expect([after.clientOrderId, after.status, dec(after.filledQuantity)]).toEqual([
        'cxl-1',
        'canceled',
        '0',
      ]);
      await h.settle();
      expect(summary('cxl-1')).toEqual([
        ['new', '0'],
        ['canceled', '0'],
      ]);
      expect(await wallet(h.venue)).toEqual({ BTC: '0.5/0', USDT: '10000/0' });
      const again = await rejection(h.venue.cancelOrder(S, 'cxl-1'));
      expect([again.code, again.context.venueCode]).toEqual(['VENUE_REJECTED', -2011]);
      expect((await h.venue.queryOrder(S, 'cxl-1'))?.status).toBe('canceled');
      expect(await h.venue.queryOrder(S, 'never-sent')).toBeUndefined();
      record('cancel');
    });

    it('rejects with the Binance spot codes: insufficient balance -2010, filters -1013', async () => {
      h.market.quote(quote30k(T0 + 1_000));
      const results = [
        // 1 BTC * 29000 = 29,000 USDT > 10,000 free
        await h.venue.submitOrder(limit('rej-usdt', 'BUY', '1.00000', '29000.00')),
        // 0.6 BTC > 0.5 free
        await h.venue.submitOrder(market('rej-btc', 'SELL', '0.60000')),
        // NOTIONAL: 0.0001 * 29000 = 2.9 < 5
        await h.venue.submitOrder(limit('rej-notional', 'BUY', '0.00010', '29000.00')),
        // LOT_SIZE: 0.000001 < min qty 0.00001
        await h.venue.submitOrder(limit('rej-lot', 'BUY', '0.000001', '29000.00')),
        // PRICE_FILTER: 29000.005 is off the 0.01 tick
        await h.venue.submitOrder(limit('rej-tick', 'BUY', '0.01000', '29000.005')),
      ].map((r) => (r.kind === 'rejected' ? [r.clientOrderId, r.code] : [r.kind]));
      expect(results).toEqual([
        ['rej-usdt', -2010],
        ['rej-btc', -2010],
        ['rej-notional', -1013],
        ['rej-lot', -1013],
        ['rej-tick', -1013],
      ]);
      await h.settle();
      expect(orderUpdates()).toEqual([]);
      expect(await wallet(h.venue)).toEqual({ BTC: '0.5/0', USDT: '10000/0' });
      record('rejections');
    });

    strict(
      'stop',
      'STOP_MARKET (spot STOP_LOSS) sell rests, triggers on a trade through its stop and fills; TAKE_PROFIT_MARKET rests as its own type',
      async () => {
        h.market.quote(quote30k(T0 + 1_000));
        const stop: OrderRequest = {
          clientOrderId: 'sl-1',
          symbol: S,
          side: 'SELL',
          type: 'STOP_MARKET',
          quantity: '0.10000',
          stopPrice: '29500.00',
        };
        const tp: OrderRequest = {
          clientOrderId: 'tp-1',
          symbol: S,
          side: 'SELL',
          type: 'TAKE_PROFIT_MARKET',
          quantity: '0.05000',
          stopPrice: '35000.00',
        };
        expect(await h.venue.submitOrder(stop)).toMatchObject({
          kind: 'ack',
          order: { clientOrderId: 'sl-1', type: 'STOP_MARKET', status: 'new' },
        });
        expect(await h.venue.submitOrder(tp)).toMatchObject({
          kind: 'ack',
          order: { clientOrderId: 'tp-1', type: 'TAKE_PROFIT_MARKET', status: 'new' },
        });
        await h.settle();
        const open = (await h.venue.openOrders(S)).map((o) => [o.clientOrderId, o.type, o.status]).sort();
        expect(open).toEqual([
          ['sl-1', 'STOP_MARKET', 'new'],
          ['tp-1', 'TAKE_PROFIT_MARKET', 'new'],
        ]);
        h.market.trade(trade(29_600, 1, T0 + 2_000, 1));
        h.market.trade(trade(29_400, 1, T0 + 3_000, 2));
        await h.settle();
        const last = orderUpdates()
          .filter((u) => u.order.clientOrderId === 'sl-1')
          .at(-1);
        expect(last && [last.order.type, last.order.status, dec(last.order.filledQuantity)]).toEqual([
          'STOP_MARKET',
          'filled',
          '0.1',
        ]);
        // filled at the crossing trade 29,400.00 (docs/fill-model.md); taker 0.1 %: 2.94 USDT
        expect(fills('sl-1')).toEqual([['SELL', '29400', '0.1', '2.94', 'USDT', 'false']]);
        await h.venue.cancelOrder(S, 'tp-1');
        await h.settle();
        // USDT 10000 + 2940 - 2.94 = 12937.06; BTC 0.5 - 0.1 = 0.4
        expect(await wallet(h.venue)).toEqual({ BTC: '0.4/0', USDT: '12937.06/0' });
        record('stop');
      },
    );

    it('setLeverage 1 resolves, any other leverage rejects', async () => {
      await h.venue.setLeverage(S, 1);
      const refused = await rejection(h.venue.setLeverage(S, 3));
      expect(refused.code).toBe('VENUE_REJECTED');
    });
  });

  return recording;
}
