/**
 * Binance adapter hot paths.
 *   node --import tsx bench/binance.ts
 * 1. raw text -> domain event, ns/message, on real captured lines (../shared/data/raw):
 *    ours (single-pass scanner) on the frame's UTF-8 bytes as ws delivers them (the live path) and on the
 *    decoded string, vs JSON.parse + mapping (the reference parser) vs bare JSON.parse.
 * 2. signing + request building per order (HMAC-SHA256 and Ed25519), us/order.
 * Each case: 1 warm-up round, then ROUNDS rounds; the median round is reported, as wall time and as
 * process CPU time (the CPU figure is steadier on a shared machine).
 */
import { generateKeyPairSync } from 'node:crypto';
import path from 'node:path';
import {
  parseMarketMessage,
  parseMarketMessageBytes,
  parseMarketMessageReference,
} from '../src/venues/binance/market-parse.js';
import { newOrderSpec, spotOrderParams, futuresOrderParams } from '../src/venues/binance/orders.js';
import { buildRequest, type Credentials } from '../src/venues/binance/request.js';
import { Ed25519Signer, HmacSigner } from '../src/venues/binance/signing.js';
import { readTextFile } from '../src/venues/files/csv.js';
import type { OrderRequest } from '../src/domain/order.js';

const RAW = path.resolve(import.meta.dirname, '..', '..', 'shared', 'data', 'raw');
const ROUNDS = 7;

function lines(file: string, cryptofeed: boolean): string[] {
  const out: string[] = [];
  const all = readTextFile(path.join(RAW, file)).split('\n');
  for (let n = cryptofeed ? 1 : 0; n < all.length; n++) {
    const line = all[n] ?? '';
    if (line.length === 0) continue;
    out.push(cryptofeed ? line.slice(line.indexOf(': ') + 2) : line.slice(line.indexOf(' ') + 1));
  }
  return out;
}

/** Matching lines as fresh flat strings, as a WebSocket frame decoded from a Buffer would be. */
function pick(all: readonly string[], stream: string, max: number): string[] {
  return all
    .filter((l) => l.includes(stream))
    .slice(0, max)
    .map((l) => Buffer.from(l, 'utf8').toString('utf8'));
}

const futuresCf = lines('cryptofeed/BINANCE_FUTURES.ws.1.0.txt.gz', true);
const spotCf = lines('cryptofeed/BINANCE.ws.1.0.txt.gz', true);
const spotHft = lines('hftbacktest/binance_spot_btcusdt_20240809_ws.txt.gz', false);
const usdmHft = lines('hftbacktest/binance_usdm_btcusdt_20240808_ws.txt.gz', false);

const sets: [string, string[]][] = [
  [
    'aggTrade (futures+spot, cryptofeed)',
    [...pick(futuresCf, '@aggTrade"', 1000), ...pick(spotCf, '@aggTrade"', 1000)],
  ],
  ['bookTicker spot (hftbacktest)', pick(spotHft, '@bookTicker"', 20_000)],
  ['bookTicker futures (hftbacktest)', pick(usdmHft, '@bookTicker"', 20_000)],
  ['trade futures (hftbacktest)', pick(usdmHft, '@trade"', 20_000)],
  ['depth futures @0ms (hftbacktest; big)', pick(usdmHft, '@depth@0ms"', 2000)],
  ['depth spot @100ms (hftbacktest)', pick(spotHft, '@depth@100ms"', 2000)],
];

interface Timing {
  wallNs: number;
  cpuNs: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

/**
 * The timed loop. The parsers get their own copies of it (below) so each call site stays monomorphic,
 * as the real call site in a WebSocket handler is; the generic one serves the order-request cases.
 */
type Loop = (messages: readonly string[], reps: number, fn: (s: string) => number) => number;
const genericLoop: Loop = (messages, reps, fn) => {
  let n = 0;
  for (let r = 0; r < reps; r++) for (const m of messages) n += fn(m);
  return n;
};
let frames: Buffer[] = [];
const bytesLoop: Loop = (_messages, reps) => {
  let n = 0;
  for (let r = 0; r < reps; r++)
    for (const f of frames) n += parseMarketMessageBytes(f, 0).type === 'rejected' ? 0 : 1;
  return n;
};
const oursLoop: Loop = (messages, reps) => {
  let n = 0;
  for (let r = 0; r < reps; r++)
    for (const m of messages) n += parseMarketMessage(m, 0).type === 'rejected' ? 0 : 1;
  return n;
};
const referenceLoop: Loop = (messages, reps) => {
  let n = 0;
  for (let r = 0; r < reps; r++) {
    for (const m of messages) n += parseMarketMessageReference(m, 0).type === 'rejected' ? 0 : 1;
  }
  return n;
};
const bareLoop: Loop = (messages, reps) => {
  let n = 0;
  for (let r = 0; r < reps; r++) for (const m of messages) n += JSON.parse(m) === null ? 0 : 1;
  return n;
};
let runLoop: Loop = genericLoop;

/** Runs `fn` over the messages until at least `minOps` operations; returns ns per op (wall, cpu). */
function measure(messages: readonly string[], minOps: number, fn: (s: string) => number): Timing {
  const wall: number[] = [];
  const cpu: number[] = [];
  let sink = 0;
  // scale the work to the message size so big depth messages do not take minutes
  const avgLen = messages.reduce((n, m) => n + m.length, 0) / messages.length;
  const ops = minOps * Math.min(1, 200 / avgLen);
  const reps = Math.max(1, Math.ceil(ops / messages.length));
  for (let round = 0; round <= ROUNDS; round++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    sink += runLoop(messages, reps, fn);
    const t1 = process.hrtime.bigint();
    const c1 = process.cpuUsage(c0);
    if (round === 0) continue; // warm-up
    const ops = reps * messages.length;
    wall.push(Number(t1 - t0) / ops);
    cpu.push(((c1.user + c1.system) * 1000) / ops);
  }
  if (sink === 42) console.log('');
  return { wallNs: median(wall), cpuNs: median(cpu) };
}

const none = (): number => 0;

console.log(`node ${process.version}, ${ROUNDS} rounds after 1 warm-up, median round\n`);
console.log(
  '| message type | msgs | avg chars | ours, frame bytes ns/msg (wall / cpu) | ours, string ns/msg | JSON.parse+map ns/msg | bare JSON.parse ns/msg | speed-up bytes (cpu) |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
for (const [name, messages] of sets) {
  if (messages.length === 0) throw new Error(`no messages for ${name}`);
  frames = messages.map((m) => Buffer.from(m, 'utf8'));
  runLoop = bytesLoop;
  const bytes = measure(messages, 400_000, none);
  runLoop = oursLoop;
  const ours = measure(messages, 400_000, none);
  runLoop = referenceLoop;
  const ref = measure(messages, 200_000, none);
  runLoop = bareLoop;
  const raw = measure(messages, 200_000, none);
  runLoop = genericLoop;
  console.log(
    `| ${name} | ${messages.length} | ${Math.round(messages.reduce((n, m) => n + m.length, 0) / messages.length)} | ${bytes.wallNs.toFixed(0)} / ${bytes.cpuNs.toFixed(0)} | ${ours.wallNs.toFixed(0)} / ${ours.cpuNs.toFixed(0)} | ${ref.wallNs.toFixed(0)} / ${ref.cpuNs.toFixed(0)} | ${raw.wallNs.toFixed(0)} / ${raw.cpuNs.toFixed(0)} | ${(ref.cpuNs / bytes.cpuNs).toFixed(1)}x |`,
  );
}

// --- signing + request building per order
const order: OrderRequest = {
  clientOrderId: 'aegis-BTCUSDT-1700000000000-1',
  symbol: 'BTCUSDT',
  side: 'BUY',
  type: 'LIMIT',
  quantity: '0.00100',
  price: '61837.63',
};
const hmac = {
  apiKey: 'k'.repeat(64),
  signer: new HmacSigner('NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j'),
};
const ed = { apiKey: 'k'.repeat(64), signer: new Ed25519Signer(generateKeyPairSync('ed25519').privateKey) };
let ts = 1_700_000_000_000;
const buildSpot = (creds: Credentials) => (): number =>
  buildRequest(newOrderSpec('/api/v3/order', spotOrderParams(order)), creds, { timestamp: ts++ }).query
    .length;
const buildFutures = (): number =>
  buildRequest(newOrderSpec('/fapi/v1/order', futuresOrderParams(order)), hmac, { timestamp: ts++ }).query
    .length;
const unsignedParams = (): number => JSON.stringify(spotOrderParams(order)).length;

const one = ['x'];
console.log('\n| order request | us/order (wall / cpu) |');
console.log('|---|---:|');
for (const [name, fn] of [
  ['spot LIMIT, HMAC-SHA256: params + encode + sign + headers', buildSpot(hmac)],
  ['futures LIMIT, HMAC-SHA256', buildFutures],
  ['spot LIMIT, Ed25519', buildSpot(ed)],
  ['(params only, no signing)', unsignedParams],
] as const) {
  const t = measure(one, name.includes('Ed25519') ? 20_000 : 100_000, fn);
  console.log(`| ${name} | ${(t.wallNs / 1000).toFixed(2)} / ${(t.cpuNs / 1000).toFixed(2)} |`);
}
