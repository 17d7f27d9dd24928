/**
 * SimServer's spot paths (/api/v3) through the AEGIS spot REST client (SpotRestClient -> BinanceTransport,
 * real HMAC signing, real socket) and, for exact payload shapes, the plain test client. The engine holds
 * spot BTCUSDT (Binance's published filters, src/venues/sim/instruments.ts) and futures ETHUSDT: one
 * engine, one book per symbol, so the two markets need distinct symbols.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../core/errors.js';
import { SpotRestClient } from '../../binance/clients.js';
import { defaultRateLimits } from '../../binance/rate-limit.js';
import { HmacSigner } from '../../binance/signing.js';
import { BinanceTransport } from '../../binance/transport.js';
import { SPOT_BTCUSDT, USDM_BTCUSDT, USDM_ETHUSDT } from '../instruments.js';
import { SimServer } from './server.js';
import { EXAMPLE_KEY, EXAMPLE_SECRET, Probe, startServer, T0, type Harness } from './test-support.js';

let h: Harness | undefined;
let transport: BinanceTransport | undefined;
afterEach(async () => {
  transport?.close();
  await h?.server.stop();
  h = undefined;
  transport = undefined;
});

async function spotRig(): Promise<{ harness: Harness; client: SpotRestClient }> {
  const harness = await startServer({
    engine: { instruments: [SPOT_BTCUSDT, USDM_ETHUSDT], balances: { USDT: '10000', BTC: '0.5' } },
  });
  // bid 30,000.00 / ask 30,000.01, 2 BTC each
  harness.server.feedQuote({
    symbol: 'BTCUSDT',
    time: T0,
    bidPrice: 30000,
    bidQty: 2,
    askPrice: 30000.01,
    askQty: 2,
    updateId: 1,
  });
  transport = new BinanceTransport({
    baseUrl: harness.urls.restUrl,
    clock: harness.clock,
    scheduler: harness.clock,
    rateLimits: defaultRateLimits('spot'),
  });
  const client = new SpotRestClient({
    transport,
    clock: harness.clock,
    credentials: { apiKey: EXAMPLE_KEY, signer: new HmacSigner(EXAMPLE_SECRET) },
  });
  return { harness, client };
}

describe('SimServer spot /api/v3', () => {
  it('refuses a spot and a futures instrument with the same symbol (one book per symbol)', () => {
    expect(
      () =>
        new SimServer({
          apiKey: EXAMPLE_KEY,
          apiSecret: EXAMPLE_SECRET,
          engine: { instruments: [SPOT_BTCUSDT, USDM_BTCUSDT] },
        }),
    ).toThrow(ConfigError);
  });

  it('serves time and exchangeInfo that the AEGIS spot client maps to the engine instrument', async () => {
    const { harness, client } = await spotRig();
    h = harness;
    expect(await client.serverTime()).toBe(T0);
    const info = await client.exchangeInfo(['BTCUSDT']);
    expect(info.instruments.map((i) => i.symbol)).toEqual(['BTCUSDT']);
    const i = info.instruments[0];
    expect([i?.tickSize, i?.stepSize, i?.minNotional]).toEqual([
      SPOT_BTCUSDT.tickSize,
      SPOT_BTCUSDT.stepSize,
      SPOT_BTCUSDT.minNotional,
    ]);
    // the futures symbol is not a spot symbol
    const res = await harness.client.send('GET', '/api/v3/exchangeInfo', { query: 'symbol=ETHUSDT' });
    expect(res.body).toEqual({ code: -1121, msg: 'Invalid symbol.' });
  });

  it('places, queries, lists and cancels a LIMIT order; balances lock and unlock the quote', async () => {
    const { harness, client } = await spotRig();
    h = harness;
    const placed = await client.newOrder({
      clientOrderId: 'spot-1',
      symbol: 'BTCUSDT',
      side: 'BUY',
      type: 'LIMIT',
      quantity: '0.01000',
      price: '29000.00',
      timeInForce: 'GTC',
    });
    expect([placed.clientOrderId, placed.status, placed.fills]).toEqual(['spot-1', 'new', []]);
    const usdt = (await client.balances()).find((b) => b.asset === 'USDT');
    // 0.01 x 29000 = 290 locked
    expect([usdt?.free, usdt?.locked]).toEqual(['9710.00000000', '290.00000000']);
    expect((await client.queryOrder('BTCUSDT', { clientOrderId: 'spot-1' })).status).toBe('new');
    expect((await client.openOrders('BTCUSDT')).map((o) => o.clientOrderId)).toEqual(['spot-1']);
    const canceled = await client.cancelOrder('BTCUSDT', { clientOrderId: 'spot-1' });
    expect([canceled.clientOrderId, canceled.status]).toEqual(['spot-1', 'canceled']);
    expect(await client.openOrders()).toEqual([]);
    const after = (await client.balances()).find((b) => b.asset === 'USDT');
    expect([after?.free, after?.locked]).toEqual(['10000.00000000', '0.00000000']);
  });

  it('fills a MARKET buy at the ask and answers FULL with its fills; myTrades lists the fill', async () => {
    const { harness, client } = await spotRig();
    h = harness;
    const filled = await client.newOrder({
      clientOrderId: 'spot-m',
      symbol: 'BTCUSDT',
      side: 'BUY',
      type: 'MARKET',
      quantity: '0.01000',
    });
    expect(filled.status).toBe('filled');
    expect(filled.fills.map((f) => [f.price, f.qty, f.commissionAsset])).toEqual([
      ['30000.01000000', '0.01000000', 'BTC'],
    ]);
    // spot default fee 0.1 % of the 0.01 BTC received (src/venues/sim/types.ts SPOT_DEFAULT_FEES)
    expect(filled.fills[0]?.commission).toBe('0.00001000');
    const trades = await harness.client.signed('GET', '/api/v3/myTrades', { symbol: 'BTCUSDT' });
    expect(trades.body).toMatchObject([
      { symbol: 'BTCUSDT', price: '30000.01000000', qty: '0.01000000', isBuyer: true, isMaker: false },
    ]);
    const btc = (await client.balances()).find((b) => b.asset === 'BTC');
    expect(btc?.free).toBe('0.50999000');
  });

  it('a spot order sends nothing on the futures user stream and keeps Binance error codes', async () => {
    const { harness, client } = await spotRig();
    h = harness;
    // below NOTIONAL minNotional 5: 0.0001 x 29000 = 2.9
    await expect(
      client.newOrder({
        clientOrderId: 'tiny',
        symbol: 'BTCUSDT',
        side: 'BUY',
        type: 'LIMIT',
        quantity: '0.00010',
        price: '29000.00',
        timeInForce: 'GTC',
      }),
    ).rejects.toMatchObject({ venueCode: -1013 });
    const key = ((await harness.client.send('POST', '/fapi/v1/listenKey')).body as { listenKey: string })
      .listenKey;
    const user = await Probe.open(`${harness.urls.wsUrl}/ws/${key}`);
    await client.newOrder({
      clientOrderId: 'spot-quiet',
      symbol: 'BTCUSDT',
      side: 'BUY',
      type: 'MARKET',
      quantity: '0.01000',
    });
    await harness.client.signed('POST', '/fapi/v1/order', {
      symbol: 'ETHUSDT',
      side: 'BUY',
      type: 'LIMIT',
      timeInForce: 'GTC',
      quantity: '0.200',
      price: '100.00',
      newClientOrderId: 'fut-1',
    });
    // the first user-stream frame is the futures order's: the spot fill produced none
    expect(await user.next()).toMatchObject({ e: 'ORDER_TRADE_UPDATE', o: { c: 'fut-1' } });
    user.close();
    const missing = await harness.client.signed('GET', '/api/v3/order', {
      symbol: 'BTCUSDT',
      origClientOrderId: 'nope',
    });
    expect(missing.body).toEqual({ code: -2013, msg: 'Order does not exist.' });
  });
});
