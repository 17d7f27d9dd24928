/**
 * Signed order round trips over loopback: the AEGIS Binance REST client (FuturesRestClient ->
 * BinanceTransport, HMAC-SHA256 signing, keep-alive HTTP) against SimServer (signature and recvWindow
 * check, rate-limit accounting, matching engine, Binance JSON).
 *   node --import tsx bench/sim-roundtrip.ts [--ops N] [--clients 1,4,16]
 *
 * The server runs in a worker thread (its own event loop: on 2 cores client and server do not share one
 * thread); its rate limits are raised so that they never throttle. Cases, per number of concurrent
 * clients (each its own transport, keep-alive agent and signer; each runs its share of the operations
 * one after another):
 *   - limit+cancel: POST /fapi/v1/order (LIMIT GTC, far from the market: rests) then DELETE by client id;
 *     one operation = 2 round trips, latency is per round trip.
 *   - market: POST /fapi/v1/order MARKET, alternating BUY / SELL (fills at the quote; position stays
 *     flat); 1 round trip per operation.
 * Latency: wall time from the client call to its parsed answer (p50 / p99 / max over every round trip).
 * Throughput: round trips / wall time of the case. CPU: process CPU time (both threads) per round trip,
 * steadier than wall time on a shared machine. One warm-up run per case is discarded.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { FuturesRestClient } from '../src/venues/binance/clients.js';
import type { RateLimitRule } from '../src/venues/binance/rate-limit.js';
import { HmacSigner } from '../src/venues/binance/signing.js';
import { BinanceTransport } from '../src/venues/binance/transport.js';
import { USDM_BTCUSDT } from '../src/venues/sim/instruments.js';
import { SimServer } from '../src/venues/sim/server/server.js';
import { WallClock } from '../src/venues/wall-clock.js';
import { machineLine, nowNs, printTable } from './util.js';

const KEY = 'bench-key';
const SECRET = 'bench-secret';
const UNLIMITED = 1_000_000_000;

async function serve(): Promise<void> {
  const server = new SimServer({
    apiKey: KEY,
    apiSecret: SECRET,
    engine: { instruments: [USDM_BTCUSDT], balances: { USDT: '100000000' } },
    rateLimits: { requestWeightPerMinute: UNLIMITED, ordersPerMinute: UNLIMITED, ordersPer10s: UNLIMITED },
  });
  const urls = await server.start();
  server.feedQuote({
    symbol: 'BTCUSDT',
    time: Date.now(),
    bidPrice: 30000,
    bidQty: 1000,
    askPrice: 30000.1,
    askQty: 1000,
    updateId: 1,
  });
  parentPort?.on('message', (m: unknown) => {
    if (m === 'stop') {
      void server.stop().then(() => {
        parentPort?.postMessage({ stopped: true, internalErrors: server.internalErrors });
      });
    }
  });
  parentPort?.postMessage({ restUrl: urls.restUrl });
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

interface CaseResult {
  readonly roundTrips: number;
  readonly wallMs: number;
  readonly cpuUs: number;
  readonly latUs: number[];
}

type Op = (client: FuturesRestClient, n: number, lat: number[]) => Promise<void>;

function makeClient(restUrl: string, clock: WallClock): { client: FuturesRestClient; close: () => void } {
  const limits: RateLimitRule[] = [
    { kind: 'REQUEST_WEIGHT', intervalMs: 60_000, limit: UNLIMITED },
    { kind: 'ORDERS', intervalMs: 60_000, limit: UNLIMITED },
  ];
  const transport = new BinanceTransport({ baseUrl: restUrl, clock, scheduler: clock, rateLimits: limits });
  const client = new FuturesRestClient({
    transport,
    clock,
    credentials: { apiKey: KEY, signer: new HmacSigner(SECRET) },
  });
  return {
    client,
    close: () => {
      transport.close();
    },
  };
}

let seq = 0;

const limitCancel: Op = async (client, n, lat) => {
  for (let i = 0; i < n; i++) {
    const cid = `b-${++seq}`;
    let t = nowNs();
    await client.newOrder({
      clientOrderId: cid,
      symbol: 'BTCUSDT',
      side: 'BUY',
      type: 'LIMIT',
      quantity: '0.010',
      price: '20000.0',
      timeInForce: 'GTC',
    });
    lat.push((nowNs() - t) / 1000);
    t = nowNs();
    await client.cancelOrder('BTCUSDT', { clientOrderId: cid });
    lat.push((nowNs() - t) / 1000);
  }
};

const market: Op = async (client, n, lat) => {
  for (let i = 0; i < n; i++) {
    const t = nowNs();
    await client.newOrder({
      clientOrderId: `m-${++seq}`,
      symbol: 'BTCUSDT',
      side: i % 2 === 0 ? 'BUY' : 'SELL',
      type: 'MARKET',
      quantity: '0.010',
    });
    lat.push((nowNs() - t) / 1000);
  }
};

async function runCase(restUrl: string, clients: number, ops: number, op: Op): Promise<CaseResult> {
  const clock = new WallClock();
  const made = Array.from({ length: clients }, () => makeClient(restUrl, clock));
  const lat: number[] = [];
  const per = Math.ceil(ops / clients);
  const cpu0 = process.cpuUsage();
  const t0 = nowNs();
  await Promise.all(made.map((m) => op(m.client, per, lat)));
  const wallMs = (nowNs() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  for (const m of made) m.close();
  return { roundTrips: lat.length, wallMs, cpuUs: cpu.user + cpu.system, latUs: lat };
}

function pct(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;
}

async function main(): Promise<void> {
  const ops = Number(arg('ops', '2000'));
  const clientCounts = arg('clients', '1,4,16')
    .split(',')
    .map((s) => Number(s));
  // a worker does not inherit tsx's loader: a JS bootstrap loads this file through tsx's API
  const bootstrap = `import('tsx/esm/api').then((m) => m.tsImport(${JSON.stringify(import.meta.url)}, ${JSON.stringify(import.meta.url)}))`;
  const worker = new Worker(bootstrap, { eval: true, workerData: { server: true } });
  const restUrl = await new Promise<string>((resolve, reject) => {
    worker.once('message', (m: { restUrl: string }) => {
      resolve(m.restUrl);
    });
    worker.once('error', reject);
  });
  const rows: (string | number)[][] = [];
  const cases: [string, Op][] = [
    ['limit+cancel', limitCancel],
    ['market', market],
  ];
  for (const [name, op] of cases) {
    for (const clients of clientCounts) {
      await runCase(restUrl, clients, Math.max(clients, Math.floor(ops / 10)), op); // warm-up
      const r = await runCase(restUrl, clients, ops, op);
      const sorted = [...r.latUs].sort((a, b) => a - b);
      rows.push([
        name,
        clients,
        r.roundTrips,
        pct(sorted, 50),
        pct(sorted, 99),
        sorted[sorted.length - 1] ?? Number.NaN,
        (r.roundTrips / r.wallMs) * 1000,
        r.cpuUs / r.roundTrips,
      ]);
    }
  }
  const stopped = await new Promise<{ internalErrors: number }>((resolve) => {
    worker.once('message', (m: { internalErrors: number }) => {
      resolve(m);
    });
    worker.postMessage('stop');
  });
  await worker.terminate();
  printTable(
    `Signed order round trips, AEGIS Binance REST client -> SimServer over loopback (${machineLine()}, ${ops} operations per row)`,
    ['case', 'clients', 'round trips', 'p50 us', 'p99 us', 'max us', 'round trips/s', 'CPU us/round trip'],
    rows,
  );
  if (stopped.internalErrors !== 0) {
    throw new Error(`SimServer answered ${stopped.internalErrors} requests with 500 (handler bugs)`);
  }
}

if (isMainThread) {
  await main();
} else if ((workerData as { server?: boolean } | null)?.server === true) {
  await serve();
}
