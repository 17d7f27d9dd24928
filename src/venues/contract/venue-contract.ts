/**
 * The ExecutionVenue contract: one vitest suite that says what "an exchange" is for AEGIS (order life
 * cycle, partial fills, rejections, cancels, positions, balances, user-stream updates). It is run
 * against every implementation of the port (src/domain/ports.ts); venue-contract.test.ts runs it on the
 * in-process SimVenue and on BinanceFuturesVenue talking to the exchange simulator over real sockets.
 *
 * The venue under test must hold one USDⓈ-M BTCUSDT perpetual with Binance's filters
 * (src/venues/sim/instruments.ts USDM_BTCUSDT: tick 0.10, step 0.001, min qty 0.001, MIN_NOTIONAL 100),
 * 10,000 USDT, default leverage 20, the Binance regular-user fees (0.02 % maker / 0.05 % taker,
 * USDM_DEFAULT_FEES) and a fill model where a resting order may take the whole quantity of a trade
 * through its price (docs/fill-model.md, participation 1). Error codes are Binance USDⓈ-M's own
 * ("Error Codes" page; /work/shared/reference/binance-api.md section 8; src/domain/instrument.ts).
 *
 * The suite only looks at BTCUSDT: a harness may use other symbols for its own bookkeeping (the socket
 * harness places and cancels marker orders on another symbol to know the user stream has caught up).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AegisError } from '../../core/errors.js';
import { Decimal } from '../../domain/decimal.js';
import type { Quote, Trade } from '../../domain/market.js';
import type { OrderEvent, OrderRequest } from '../../domain/order.js';
import type { ExecutionUpdate, ExecutionVenue } from '../../domain/ports.js';

/** Feeds market data to whatever fills the venue's orders (an in-process engine or a simulator server). */
export interface ContractMarket {
  trade(t: Trade): void;
  quote(q: Quote): void;
}

export interface ContractHarness {
  readonly venue: ExecutionVenue;
  readonly market: ContractMarket;
  /** Resolves once every execution update caused so far has reached the venue's listeners. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export type ContractFactory = () => Promise<ContractHarness>;

/** A venue with a life cycle (the Binance adapters: start connects the user stream). */
export interface StartableVenue extends ExecutionVenue {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The part of a harness over SimServer's sockets that both contracts share, once the venue is built:
 * market events go to the server's feeds; `settle` places and cancels a marker LIMIT order on ETHUSDT
 * (`marker` sizes it for the instrument's filters) and waits for its cancel on the user stream: the
 * server sends updates in the order its engine reports them, on one socket, so by then every update
 * caused before it has been handled. No wall-clock wait. `ready` resolves when the user stream is ready.
 */
export async function socketContractHarness(o: {
  readonly venue: StartableVenue;
  readonly ready: Promise<void>;
  readonly server: {
    feedTrade(t: Trade): void;
    feedQuote(q: Quote): void;
    stop(): Promise<void>;
  };
  readonly transport: { close(): void };
  readonly marker: { readonly quantity: string; readonly price: string };
}): Promise<ContractHarness> {
  const { venue, server } = o;
  const waiting = new Map<string, () => void>();
  venue.onExecution((u: ExecutionUpdate) => {
    if (u.kind !== 'order' || u.order.status !== 'canceled') return;
    waiting.get(u.order.clientOrderId)?.();
  });
  await venue.start();
  await o.ready;
  let markers = 0;
  return {
    venue,
    market: {
      trade: (t) => {
        server.feedTrade(t);
      },
      quote: (q) => {
        server.feedQuote(q);
      },
    },
    settle: async () => {
      const id = `settle-${++markers}`;
      const seen = new Promise<void>((resolve) => {
        waiting.set(id, resolve);
      });
      const marker: OrderRequest = {
        clientOrderId: id,
        symbol: 'ETHUSDT',
        side: 'BUY',
        type: 'LIMIT',
        quantity: o.marker.quantity,
        price: o.marker.price,
        timeInForce: 'GTC',
      };
      const placed = await venue.submitOrder(marker);
      if (placed.kind !== 'ack') throw new Error(`settle marker not placed: ${JSON.stringify(placed)}`);
      await venue.cancelOrder('ETHUSDT', id);
      await seen;
      waiting.delete(id);
    },
    close: async () => {
      await venue.stop();
      o.transport.close();
      await server.stop();
    },
  };
}

/** Cases an implementation may declare as known failures (see ContractOptions). */
export type ContractCaseId =
  | 'instrument-market-lot-step'
  | 'market-order-no-price'
  | 'invalid-client-id'
  | 'unknown-symbol'
  | 'stop-one-identity';

export interface ContractOptions {
  /**
   * Cases this implementation is known to fail, with the bug. They run as `it.fails`, so the suite stays
   * green while the bug is open and turns red the day it is fixed (then remove the entry).
   */
  readonly knownFailures?: Readonly<Partial<Record<ContractCaseId, string>>>;
}

/** One order update as the cross-implementation comparison sees it. */
export type UpdateStep = readonly [clientOrderId: string, status: string, filledQuantity: string];

/** Per case title, the BTCUSDT order updates (client id, status, filled quantity) in delivery order. */
export type ContractRecording = Map<string, readonly UpdateStep[]>;

const S = 'BTCUSDT';
/** Market event times; the exact value only has to be the same for every implementation. */
const T0 = 1_700_000_000_000;

/** Decimal strings compared by value: "0.010" and "0.01" are the same quantity. */
export function dec(text: string | undefined): string {
  return text === undefined ? 'undefined' : Decimal.parse(text).toString();
}

export function trade(price: number, qty: number, time: number, id: number): Trade {
  return { symbol: S, time, price, qty, buyerIsMaker: false, id };
}

/** Bid 29,999.9 / ask 30,000.0, 5 BTC each side. */
function quote30k(time: number): Quote {
  return { symbol: S, time, bidPrice: 29_999.9, bidQty: 5, askPrice: 30_000, askQty: 5, updateId: 1 };
}

export function limit(
  clientOrderId: string,
  side: 'BUY' | 'SELL',
  quantity: string,
  price: string,
): OrderRequest {
  return { clientOrderId, symbol: S, side, type: 'LIMIT', quantity, price, timeInForce: 'GTC' };
}

export function market(clientOrderId: string, side: 'BUY' | 'SELL', quantity: string): OrderRequest {
  return { clientOrderId, symbol: S, side, type: 'MARKET', quantity };
}

/** The rejection of `p` (fails the test if it resolves). */
export async function rejection(p: Promise<unknown>): Promise<AegisError> {
  try {
    await p;
  } catch (caught) {
    expect(caught).toBeInstanceOf(AegisError);
    return caught as AegisError;
  }
  throw new Error('expected the promise to reject');
}

function venueCode(e: AegisError): unknown {
  return e.context.venueCode;
}

/** The venue's BTCUSDT position, or a flat one when it reports none. */
async function position(
  venue: ExecutionVenue,
): Promise<{ quantity: string; entryPrice: string; leverage: number }> {
  const p = (await venue.positions()).find((x) => x.symbol === S);
  return p === undefined
    ? { quantity: '0', entryPrice: '0', leverage: 0 }
    : { quantity: dec(p.quantity), entryPrice: dec(p.entryPrice), leverage: p.leverage };
}

async function usdt(venue: ExecutionVenue): Promise<{ free: string; locked: string }> {
  const b = (await venue.balances()).find((x) => x.asset === 'USDT');
  expect(b, 'a USDT balance').toBeDefined();
  return { free: dec(b?.free), locked: dec(b?.locked) };
}

function orderIds(orders: readonly OrderEvent[]): string[] {
  return orders.filter((o) => o.symbol === S).map((o) => o.clientOrderId);
}

/**
 * Define the contract suite for one implementation. The returned recording fills in as the cases run
 * (one entry per case); compare two recordings in a later test to check that the same actions give the
 * same updates everywhere.
 */
export function describeVenueContract(
  name: string,
  factory: ContractFactory,
  options: ContractOptions = {},
): ContractRecording {
  const recording: ContractRecording = new Map();
  const known = options.knownFailures ?? {};
  /** A case that an implementation may list in `knownFailures`. */
  const strict = (id: ContractCaseId, title: string, fn: () => Promise<void>): void => {
    const bug = known[id];
    if (bug === undefined) it(title, fn);
    else it.fails(`${title} [known failure: ${bug}]`, fn);
  };

  describe(`ExecutionVenue contract: ${name}`, () => {
    let h: ContractHarness;
    let updates: ExecutionUpdate[];

    /** BTCUSDT order updates only (a harness may trade another symbol for its own needs). */
    const orderUpdates = (): Extract<ExecutionUpdate, { kind: 'order' }>[] =>
      updates.flatMap((u) => (u.kind === 'order' && u.order.symbol === S ? [u] : []));
    const summary = (cid: string): string[][] =>
      orderUpdates()
        .filter((u) => u.order.clientOrderId === cid)
        .map((u) => [u.order.status, dec(u.order.filledQuantity)]);
    const fills = (cid: string): NonNullable<Extract<ExecutionUpdate, { kind: 'order' }>['fill']>[] =>
      orderUpdates().flatMap((u) => (u.order.clientOrderId === cid && u.fill !== undefined ? [u.fill] : []));

    /** Record this case's updates for the cross-implementation comparison. */
    function record(title: string): void {
      recording.set(
        title,
        orderUpdates().map(
          (u) => [u.order.clientOrderId, u.order.status, dec(u.order.filledQuantity)] as const,
        ),
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

    it('lists BTCUSDT with its Binance filters and starts with 10,000 USDT free, nothing locked', async () => {
      const inst = (await h.venue.instruments()).find((i) => i.symbol === S);
      expect(inst).toBeDefined();
      // USDⓈ-M BTCUSDT exchangeInfo filters (src/venues/sim/instruments.ts, Binance 2024-2025)
      expect({
        market: inst?.market,
        baseAsset: inst?.baseAsset,
        quoteAsset: inst?.quoteAsset,
        tickSize: dec(inst?.tickSize),
        minPrice: dec(inst?.minPrice),
        maxPrice: dec(inst?.maxPrice),
        stepSize: dec(inst?.stepSize),
        minQty: dec(inst?.minQty),
        maxQty: dec(inst?.maxQty),
        marketMinQty: dec(inst?.marketMinQty),
        marketMaxQty: dec(inst?.marketMaxQty),
        minNotional: dec(inst?.minNotional),
      }).toEqual({
        market: 'futures',
        baseAsset: 'BTC',
        quoteAsset: 'USDT',
        tickSize: '0.1',
        minPrice: '556.8',
        maxPrice: '4529764',
        stepSize: '0.001',
        minQty: '0.001',
        maxQty: '1000',
        marketMinQty: '0.001',
        marketMaxQty: '120',
        minNotional: '100',
      });
      expect(await usdt(h.venue)).toEqual({ free: '10000', locked: '0' });
      expect(await position(h.venue)).toMatchObject({ quantity: '0' });
      expect(await h.venue.openOrders()).toEqual([]);
    });

    it('fills a MARKET buy at the ask with the 0.05 % taker fee, reports new then filled, and opens the long', async () => {
      h.market.quote(quote30k(T0 + 1_000));
      const ack = await h.venue.submitOrder(market('mkt-1', 'BUY', '0.010'));
      // the answer is the order's state after the submit: a MARKET order is already filled
      expect(ack).toMatchObject({ kind: 'ack', order: { clientOrderId: 'mkt-1', symbol: S, side: 'BUY' } });
      expect(ack.kind === 'ack' ? [ack.order.status, dec(ack.order.filledQuantity)] : []).toEqual([
        'filled',
        '0.01',
      ]);
      await h.settle();
      expect(summary('mkt-1')).toEqual([
        ['new', '0'],
        ['filled', '0.01'],
      ]);
      // 0.010 BTC <= 5 BTC at the ask: no slippage, price 30,000.0;
      // commission 0.01 * 30000 * 0.0005 = 0.15 USDT, taker
      const f = fills('mkt-1');
      expect(f).toHaveLength(1);
      expect({
        side: f[0]?.side,
        price: dec(f[0]?.price),
        quantity: dec(f[0]?.quantity),
        commission: dec(f[0]?.commission),
        commissionAsset: f[0]?.commissionAsset,
        maker: f[0]?.maker,
      }).toEqual({
        side: 'BUY',
        price: '30000',
        quantity: '0.01',
        commission: '0.15',
        commissionAsset: 'USDT',
        maker: false,
      });
      // default leverage 20 (Binance's default; the engine's defaultLeverage)
      expect(await position(h.venue)).toEqual({ quantity: '0.01', entryPrice: '30000', leverage: 20 });
      // a trade at the entry price makes the mark 30,000: unrealised PnL 0.
      // wallet 10000 - 0.15 = 9999.85; initial margin 0.01 * 30000 / 20 = 15 held;
      // free = 9999.85 - 15 = 9984.85
      h.market.trade(trade(30_000, 0.5, T0 + 2_000, 1));
      await h.settle();
      expect(await usdt(h.venue)).toEqual({ free: '9984.85', locked: '15' });
      record('market buy');
    });

    it('rests a LIMIT buy below the market, fills it partially then fully on trades through its price, as maker', async () => {
      h.market.quote(quote30k(T0 + 1_000));
      const ack = await h.venue.submitOrder(limit('lim-1', 'BUY', '0.010', '29000.0'));
      expect(
        ack.kind === 'ack' ? [ack.order.status, dec(ack.order.filledQuantity), dec(ack.order.price)] : ack,
      ).toEqual(['new', '0', '29000']);
      await h.settle();
      expect(summary('lim-1')).toEqual([['new', '0']]);
      expect(orderIds(await h.venue.openOrders(S))).toEqual(['lim-1']);
      const q = await h.venue.queryOrder(S, 'lim-1');
      expect(q && [q.status, q.type, q.side, dec(q.quantity), dec(q.filledQuantity), dec(q.price)]).toEqual([
        'new',
        'LIMIT',
        'BUY',
        '0.01',
        '0',
        '29000',
      ]);
      // a touch at 29,000.0 does not fill (queue position unknown: docs/fill-model.md)
      h.market.trade(trade(29_000, 1, T0 + 2_000, 1));
      // 0.004 BTC prints at 28,990.0, through the price: participation 1 -> 0.004 of the 0.010 fill at 29,000.0
      h.market.trade(trade(28_990, 0.004, T0 + 3_000, 2));
      await h.settle();
      expect(summary('lim-1')).toEqual([
        ['new', '0'],
        ['partially_filled', '0.004'],
      ]);
      const partial = await h.venue.queryOrder(S, 'lim-1');
      expect(partial && [partial.status, dec(partial.filledQuantity)]).toEqual(['partially_filled', '0.004']);
      expect(orderIds(await h.venue.openOrders(S))).toEqual(['lim-1']);
      // 1 BTC prints at 28,980.0: the remaining 0.006 fills
      h.market.trade(trade(28_980, 1, T0 + 4_000, 3));
      await h.settle();
      expect(summary('lim-1')).toEqual([
        ['new', '0'],
        ['partially_filled', '0.004'],
        ['filled', '0.01'],
      ]);
      // maker 0.02 %: 0.004 * 29000 * 0.0002 = 0.0232; 0.006 * 29000 * 0.0002 = 0.0348
      expect(
        fills('lim-1').map((f) => [
          dec(f.price),
          dec(f.quantity),
          dec(f.commission),
          f.commissionAsset,
          f.maker,
        ]),
      ).toEqual([
        ['29000', '0.004', '0.0232', 'USDT', true],
        ['29000', '0.006', '0.0348', 'USDT', true],
      ]);
      expect(await h.venue.openOrders(S)).toEqual([]);
      expect(await position(h.venue)).toMatchObject({ quantity: '0.01', entryPrice: '29000' });
      record('limit partial fills');
    });

    it('cancels a resting order: canceled, gone from openOrders; a second cancel rejects with -2011', async () => {
      h.market.quote(quote30k(T0 + 1_000));
      expect(await h.venue.submitOrder(limit('cxl-1', 'BUY', '0.010', '29000.0'))).toMatchObject({
        kind: 'ack',
      });
      // margin reserved by the open order: 0.01 * 29000 / 20 = 14.5
      expect(await usdt(h.venue)).toEqual({ free: '9985.5', locked: '14.5' });
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
      expect(await h.venue.openOrders()).toEqual([]);
      expect(await usdt(h.venue)).toEqual({ free: '10000', locked: '0' });
      // Binance -2011 "Unknown order sent." for a cancel of a finished order
      const again = await rejection(h.venue.cancelOrder(S, 'cxl-1'));
      expect([again.code, venueCode(again)]).toEqual(['VENUE_REJECTED', -2011]);
      const q = await h.venue.queryOrder(S, 'cxl-1');
      expect(q?.status).toBe('canceled');
      record('cancel');
    });

    it('rejects with the Binance USDⓈ-M codes: duplicate id, quantity under min, notional under 100, price off tick', async () => {
      h.market.quote(quote30k(T0 + 1_000));
      expect(await h.venue.submitOrder(limit('dup-1', 'BUY', '0.010', '29000.0'))).toMatchObject({
        kind: 'ack',
      });
      const codes = [
        // -4116 ClientOrderId is duplicated (an open order has it)
        await h.venue.submitOrder(limit('dup-1', 'BUY', '0.010', '28000.0')),
        // -4004 Quantity less than min quantity (0.0001 < 0.001)
        await h.venue.submitOrder(limit('rej-qty', 'BUY', '0.0001', '29000.0')),
        // -4164 notional 0.003 * 29000 = 87 < 100
        await h.venue.submitOrder(limit('rej-notional', 'BUY', '0.003', '29000.0')),
        // -4014 Price not increased by tick size (29000.05 is not a multiple of 0.10 above 556.80)
        await h.venue.submitOrder(limit('rej-tick', 'BUY', '0.010', '29000.05')),
      ].map((r) => (r.kind === 'rejected' ? [r.clientOrderId, r.code] : [r.kind]));
      expect(codes).toEqual([
        ['dup-1', -4116],
        ['rej-qty', -4004],
        ['rej-notional', -4164],
        ['rej-tick', -4014],
      ]);
      await h.settle();
      // a rejected submit creates no order: only the resting one ever reports
      expect(orderUpdates().map((u) => u.order.clientOrderId)).toEqual(['dup-1']);
      expect(orderIds(await h.venue.openOrders())).toEqual(['dup-1']);
      const q = await h.venue.queryOrder(S, 'dup-1');
      expect(q && dec(q.price)).toBe('29000');
      record('rejections');
    });

    it('rejects a reduce-only order with no position (-2022) and an order beyond the margin (-2019)', async () => {
      h.market.quote(quote30k(T0 + 1_000));
      // flat: a reduce-only MARKET buy has nothing to reduce -> -2022 "ReduceOnly Order is rejected."
      const ro = await h.venue.submitOrder({ ...market('ro-1', 'BUY', '0.010'), reduceOnly: true });
      // 100 BTC * 30000 / 20 = 150,000 USDT initial margin > 10,000 -> -2019 "Margin is insufficient."
      const big = await h.venue.submitOrder(market('big-1', 'BUY', '100'));
      expect([ro, big].map((r) => (r.kind === 'rejected' ? r.code : r.kind))).toEqual([-2022, -2019]);
      await h.settle();
      expect(orderUpdates()).toEqual([]);
      expect(await position(h.venue)).toMatchObject({ quantity: '0' });
    });

    it('queryOrder of a client id the venue never saw resolves undefined', async () => {
      expect(await h.venue.queryOrder(S, 'never-sent')).toBeUndefined();
    });

    it('a reduce-only STOP_MARKET rests, triggers on a trade through its stop and closes the long', async () => {
      h.market.quote(quote30k(T0 + 1_000));
      expect(await h.venue.submitOrder(market('sl-entry', 'BUY', '0.010'))).toMatchObject({ kind: 'ack' });
      const stop: OrderRequest = {
        clientOrderId: 'sl-1',
        symbol: S,
        side: 'SELL',
        type: 'STOP_MARKET',
        quantity: '0.010',
        stopPrice: '29500.0',
        reduceOnly: true,
      };
      const ack = await h.venue.submitOrder(stop);
      expect(ack).toMatchObject({
        kind: 'ack',
        order: { clientOrderId: 'sl-1', type: 'STOP_MARKET', status: 'new' },
      });
      await h.settle();
      const open = (await h.venue.openOrders(S)).map((o) => [o.clientOrderId, o.type, o.status]);
      expect(open).toEqual([['sl-1', 'STOP_MARKET', 'new']]);
      expect((await h.venue.queryOrder(S, 'sl-1'))?.status).toBe('new');
      // a trade at 29,600.0 is above the stop: nothing happens
      h.market.trade(trade(29_600, 1, T0 + 2_000, 1));
      // a trade at 29,400.0 crosses 29,500.0: the stop becomes a market sell filled at 29,400.0
      // (the trade price that crossed it, docs/fill-model.md model 2)
      h.market.trade(trade(29_400, 1, T0 + 3_000, 2));
      await h.settle();
      const last = orderUpdates()
        .filter((u) => u.order.clientOrderId === 'sl-1')
        .at(-1);
      expect(last && [last.order.type, last.order.status, dec(last.order.filledQuantity)]).toEqual([
        'STOP_MARKET',
        'filled',
        '0.01',
      ]);
      // taker 0.05 %: 0.01 * 29400 * 0.0005 = 0.147
      expect(
        fills('sl-1').map((f) => [f.side, dec(f.price), dec(f.quantity), dec(f.commission), f.maker]),
      ).toEqual([['SELL', '29400', '0.01', '0.147', false]]);
      expect(await position(h.venue)).toMatchObject({ quantity: '0' });
      expect(await h.venue.openOrders()).toEqual([]);
      expect((await h.venue.queryOrder(S, 'sl-1'))?.status).toBe('filled');
      // wallet = 10000 - 0.15 (entry fee) - 0.147 (stop fee) + (29400 - 30000) * 0.01 (= -6) = 9993.703
      expect(await usdt(h.venue)).toEqual({ free: '9993.703', locked: '0' });
      record('stop market');
    });

    it('setLeverage 200 rejects with -4028; setLeverage 10 applies to the next position', async () => {
      // Binance USDⓈ-M BTCUSDT leverage brackets allow 1..125: -4028 "Leverage 200 is not valid"
      const refused = await rejection(h.venue.setLeverage(S, 200));
      expect([refused.code, venueCode(refused)]).toEqual(['VENUE_REJECTED', -4028]);
      await h.venue.setLeverage(S, 10);
      h.market.quote(quote30k(T0 + 1_000));
      expect(await h.venue.submitOrder(market('lev-1', 'BUY', '0.010'))).toMatchObject({ kind: 'ack' });
      await h.settle();
      expect(await position(h.venue)).toEqual({ quantity: '0.01', entryPrice: '30000', leverage: 10 });
      record('leverage');
    });

    strict(
      'instrument-market-lot-step',
      'instruments carry the MARKET_LOT_SIZE step (0.001 for BTCUSDT)',
      async () => {
        const inst = (await h.venue.instruments()).find((i) => i.symbol === S);
        expect(dec(inst?.marketStepSize)).toBe('0.001');
      },
    );

    strict(
      'market-order-no-price',
      'updates of a MARKET order leave the price out, as the submit answer does',
      async () => {
        h.market.quote(quote30k(T0 + 1_000));
        const ack = await h.venue.submitOrder(market('np-1', 'BUY', '0.010'));
        expect(ack.kind === 'ack' ? ack.order.price : 'no ack').toBeUndefined();
        await h.settle();
        const prices = orderUpdates()
          .filter((u) => u.order.clientOrderId === 'np-1')
          .map((u) => u.order.price);
        // OrderEvent.price is the limit price (src/domain/order.ts); a MARKET order has none
        expect(prices).toEqual([undefined, undefined]);
      },
    );

    strict(
      'invalid-client-id',
      'a client order id Binance does not allow is answered rejected with -4015',
      async () => {
        h.market.quote(quote30k(T0 + 1_000));
        // Binance: newClientOrderId must match ^[.A-Z:/a-z0-9_-]{1,36}$ (-4015 "Client order id is not valid.")
        const r = await h.venue.submitOrder(market('bad id!', 'BUY', '0.010'));
        expect(r).toMatchObject({ kind: 'rejected', clientOrderId: 'bad id!', code: -4015 });
      },
    );

    strict(
      'unknown-symbol',
      'queryOrder and openOrders of a symbol the venue does not list reject with -1121',
      async () => {
        // Binance -1121 "Invalid symbol."; undefined / [] would hide a typo in the symbol
        const q = await rejection(h.venue.queryOrder('FOOUSDT', 'x-1'));
        expect([q.code, venueCode(q)]).toEqual(['VENUE_REJECTED', -1121]);
        const o = await rejection(h.venue.openOrders('FOOUSDT'));
        expect([o.code, venueCode(o)]).toEqual(['VENUE_REJECTED', -1121]);
      },
    );

    strict(
      'stop-one-identity',
      'a triggered stop keeps one venue order id and reports filled exactly once',
      async () => {
        h.market.quote(quote30k(T0 + 1_000));
        expect(await h.venue.submitOrder(market('id-entry', 'BUY', '0.010'))).toMatchObject({ kind: 'ack' });
        const stop: OrderRequest = {
          clientOrderId: 'id-sl',
          symbol: S,
          side: 'SELL',
          type: 'STOP_MARKET',
          quantity: '0.010',
          stopPrice: '29500.0',
          reduceOnly: true,
        };
        const ack = await h.venue.submitOrder(stop);
        h.market.trade(trade(29_400, 1, T0 + 2_000, 1));
        await h.settle();
        const mine = orderUpdates().filter((u) => u.order.clientOrderId === 'id-sl');
        const ids = new Set(mine.map((u) => u.order.venueOrderId));
        expect([...ids]).toEqual([ack.kind === 'ack' ? ack.order.venueOrderId : 'no ack']);
        expect(mine.filter((u) => u.order.status === 'filled')).toHaveLength(1);
        expect((await h.venue.queryOrder(S, 'id-sl'))?.venueOrderId).toBe([...ids][0]);
      },
    );
  });

  return recording;
}
