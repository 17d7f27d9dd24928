import { createPrivateKey, createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../core/clock.js';
import type { OrderRequest } from '../../domain/order.js';
import { futuresAlgoOrderParams, futuresOrderParams, newOrderSpec, spotOrderParams } from './orders.js';
import { buildRequest, encodeParams } from './request.js';
import { Ed25519Signer, HmacSigner, TimeSync } from './signing.js';

// Binance's published signing example (spot API docs, "SIGNED Endpoint Examples for POST /api/v3/order";
// copied into ../shared/reference/binance-api.md §1 and issue 9).
const SECRET = 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j';
const API_KEY = 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A';
const ALL =
  'symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559';
const SIG_ALL = 'c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71';
const SIG_SPLIT = '0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77';
const ORDER = { symbol: 'LTCBTC', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC' } as const;
const AMOUNTS = { quantity: '1', price: '0.1' } as const;

describe('HMAC-SHA256 signing (Binance published vectors)', () => {
  const credentials = { apiKey: API_KEY, signer: new HmacSigner(SECRET) };

  it('signs the query-only example to c8db5682...', () => {
    expect(new HmacSigner(SECRET).sign(ALL)).toBe(SIG_ALL);
  });

  it('builds the query-only example exactly: recvWindow then timestamp, signature last, API key header', () => {
    const r = buildRequest(
      { method: 'POST', path: '/api/v3/order', security: 'signed', query: { ...ORDER, ...AMOUNTS } },
      credentials,
      { timestamp: 1499827319559, recvWindow: 5000 },
    );
    expect(r.query).toBe(`${ALL}&signature=${SIG_ALL}`);
    expect(r.body).toBe('');
    expect(r.headers).toEqual({ 'X-MBX-APIKEY': API_KEY });
  });

  it('builds the body-only example with the same signature', () => {
    const r = buildRequest(
      { method: 'POST', path: '/api/v3/order', security: 'signed', body: { ...ORDER, ...AMOUNTS } },
      credentials,
      { timestamp: 1499827319559 },
    );
    expect(r.query).toBe('');
    expect(r.body).toBe(`${ALL}&signature=${SIG_ALL}`);
    expect(r.headers['Content-Type']).toBe('application/x-www-form-urlencoded');
  });

  it('signs the query+body split example over query concatenated with body to 0fd168b8...', () => {
    const r = buildRequest(
      { method: 'POST', path: '/api/v3/order', security: 'signed', query: ORDER, body: AMOUNTS },
      credentials,
      { timestamp: 1499827319559 },
    );
    expect(r.query).toBe('symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC');
    expect(r.body).toBe(
      `quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559&signature=${SIG_SPLIT}`,
    );
  });

  it('a changed parameter changes the signature', () => {
    const r = buildRequest(
      { method: 'POST', path: '/api/v3/order', security: 'signed', query: { ...ORDER, ...AMOUNTS } },
      credentials,
      { timestamp: 1499827319560 },
    );
    expect(r.query.endsWith(SIG_ALL)).toBe(false);
  });

  it('refuses a float parameter (money must be a decimal string)', () => {
    expect(() => encodeParams({ price: 0.1 })).toThrow(/not a safe integer/);
    expect(encodeParams({ limit: 500, a: undefined, flag: true, cid: 'a b/c' })).toBe(
      'limit=500&flag=true&cid=a%20b%2Fc',
    );
  });

  it('an API-key-only request carries the header and no signature; a public one carries neither', () => {
    const k = buildRequest(
      { method: 'POST', path: '/fapi/v1/listenKey', security: 'apiKey' },
      credentials,
      undefined,
    );
    expect(k.headers).toEqual({ 'X-MBX-APIKEY': API_KEY });
    expect(k.query).toBe('');
    const p = buildRequest({ method: 'GET', path: '/api/v3/time', security: 'none' }, undefined, undefined);
    expect(p.headers).toEqual({});
  });
});

describe('Ed25519 signing', () => {
  // RFC 8032 §7.1 TEST 1: secret key 9d61b1..., empty message -> signature e55643...100b.
  const seed = Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex');
  const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  const key = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  const RFC_SIG =
    'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b';

  it('reproduces the RFC 8032 test 1 signature, base64-encoded', () => {
    expect(new Ed25519Signer(key).sign('')).toBe(Buffer.from(RFC_SIG, 'hex').toString('base64'));
  });

  it('signs query+body with a signature the public key verifies, percent-encoded in the request', () => {
    const pem = key.export({ format: 'pem', type: 'pkcs8' }).toString();
    const signer = new Ed25519Signer(pem);
    const r = buildRequest(
      { method: 'POST', path: '/api/v3/order', security: 'signed', query: { ...ORDER, ...AMOUNTS } },
      { apiKey: API_KEY, signer },
      { timestamp: 1499827319559 },
    );
    const [payload, sig] = r.query.split('&signature=');
    expect(payload).toBe(ALL);
    const raw = Buffer.from(decodeURIComponent(sig ?? ''), 'base64');
    expect(verify(null, Buffer.from(ALL), createPublicKey(key), raw)).toBe(true);
  });

  it('rejects a key that is not Ed25519', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    expect(() => new Ed25519Signer(privateKey)).toThrow(/Ed25519/);
  });
});

describe('TimeSync', () => {
  it('measures offset as serverTime minus the round-trip midpoint and stamps requests with it', async () => {
    const clock = new SimulatedClock(1_000_000);
    const sync = new TimeSync({
      clock,
      fetchServerTime: () => {
        clock.advanceTo(1_000_040); // 40 ms round trip
        return Promise.resolve(1_002_520); // server is 2.5 s ahead of the midpoint 1_000_020
      },
    });
    expect(sync.timestamp()).toBe(1_000_000);
    const s = await sync.measure();
    expect(s.offsetMs).toBe(2500);
    expect(s.rttMs).toBe(40);
    clock.advanceTo(1_010_000);
    expect(sync.timestamp()).toBe(1_012_500);
  });

  it('re-measures on its refresh timer and keeps the old offset when a refresh fails', async () => {
    const clock = new SimulatedClock(0);
    let server = 500;
    let fail = false;
    const sync = new TimeSync({
      clock,
      fetchServerTime: () =>
        fail ? Promise.reject(new Error('down')) : Promise.resolve(clock.now() + server),
    });
    await sync.measure();
    expect(sync.offsetMs).toBe(500);
    const errors: Error[] = [];
    sync.refreshEvery(clock, 60_000, (e) => errors.push(e));
    server = 700;
    clock.advanceTo(60_000);
    await Promise.resolve();
    await Promise.resolve();
    expect(sync.offsetMs).toBe(700);
    fail = true;
    clock.advanceTo(120_000);
    await new Promise((r) => setImmediate(r));
    expect(sync.offsetMs).toBe(700);
    expect(errors.map((e) => e.message)).toEqual(['down']);
  });
});

describe('order request building', () => {
  const base: OrderRequest = {
    clientOrderId: 'aegis-BTCUSDT-1-entry',
    symbol: 'BTCUSDT',
    side: 'BUY',
    type: 'LIMIT',
    quantity: '0.00100',
    price: '61837.63',
  };

  it('builds a signed spot LIMIT order: method, path, query, headers', () => {
    const spec = newOrderSpec('/api/v3/order', spotOrderParams(base));
    const r = buildRequest(
      spec,
      { apiKey: API_KEY, signer: new HmacSigner(SECRET) },
      { timestamp: 1_700_000_000_000 },
    );
    const payload =
      'symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.00100&price=61837.63' +
      '&newClientOrderId=aegis-BTCUSDT-1-entry&newOrderRespType=FULL&recvWindow=5000&timestamp=1700000000000';
    expect(r.method).toBe('POST');
    expect(r.path).toBe('/api/v3/order');
    expect(r.query).toBe(`${payload}&signature=${new HmacSigner(SECRET).sign(payload)}`);
    expect(r.headers['X-MBX-APIKEY']).toBe(API_KEY);
  });

  it('sends a futures stop as an algo order with triggerPrice and closePosition, never to /fapi/v1/order', () => {
    const stop: OrderRequest = {
      ...base,
      type: 'STOP_MARKET',
      stopPrice: '60000.0',
      closePosition: true,
      side: 'SELL',
    };
    expect(() => futuresOrderParams(stop)).toThrow(/algo order/);
    expect(encodeParams(futuresAlgoOrderParams(stop))).toBe(
      'algoType=CONDITIONAL&symbol=BTCUSDT&side=SELL&type=STOP_MARKET&triggerPrice=60000.0' +
        '&workingType=MARK_PRICE&closePosition=true&priceProtect=true&clientAlgoId=aegis-BTCUSDT-1-entry',
    );
  });

  it('refuses a client order id Binance would reject and a non-decimal quantity', () => {
    expect(() => spotOrderParams({ ...base, clientOrderId: 'x'.repeat(37) })).toThrow(/client order id/);
    expect(() => spotOrderParams({ ...base, quantity: '1e-3' })).toThrow(/decimal/);
  });
});
