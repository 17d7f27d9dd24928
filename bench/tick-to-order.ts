/**
 * Tick to order over loopback, against the simulator server (issue 6):
 * WebSocket frame received -> parsed (Binance fast parser) -> data layer closes a 1m candle -> brain
 * (a strategy that decides on every candle) publishes SIGNAL_GENERATED -> risk gate (all rules, exact
 * decimals, filters) -> USDⓈ-M order params, timestamp, HMAC-SHA256 signature -> request handed to the
 * keep-alive HTTP client. Each trade is one minute after the previous one, so every frame closes a candle
 * and triggers one order; the next trade is sent once the previous order's answer is back (no queueing).
 * t1 is taken when the signed request has been handed to the HTTP client: with the default 'raw' client
 * (http-client.ts) that is after socket.write() of the request bytes on the kept-alive connection; with
 * 'node' (node:http + keep-alive agent) the write happens inside ClientRequest within the same turn.
 * The table splits the span at five stamps (frame, trade parsed, SIGNAL_GENERATED, decision, transport
 * send entered = request built and signed, t1); the stamps cost well under 1 µs of the span.
 * The simulator server runs in this process, between orders: each order runs with cold caches.
 * Run: node --import tsx bench/tick-to-order.ts [orders=10000] [raw|node]
 */
import { Brain } from '../src/brain/brain.js';
import type { Strategy } from '../src/brain/strategy.js';
import { SimulatedClock } from '../src/core/clock.js';
import { EventBus } from '../src/core/event-bus.js';
import { silentLogger } from '../src/core/logger.js';
import { LatencyHistogram } from '../src/core/metrics.js';
import { DataEngine } from '../src/data/engine.js';
import { Decimal } from '../src/domain/decimal.js';
import { TOPICS, type AegisTopics } from '../src/domain/events.js';
import { RiskGate } from '../src/trade/risk/gate.js';
import { RISK } from '../src/trade/test-support/fixtures.js';
import { FuturesRestClient } from '../src/venues/binance/clients.js';
import { BinanceMarketFeed } from '../src/venues/binance/market-feed.js';
import { HmacSigner } from '../src/venues/binance/signing.js';
import { BinanceTransport } from '../src/venues/binance/transport.js';
import { USDM_BTCUSDT } from '../src/venues/sim/instruments.js';
import { SimServer } from '../src/venues/sim/server/index.js';
import { WallClock } from '../src/venues/wall-clock.js';
import { machineLine, nowNs, printTable } from './util.js';

const ORDERS = Number(process.argv[2] ?? 10_000);
const HTTP_CLIENT = process.argv[3] === 'node' ? 'node' : 'raw';
const KEY = 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A'; // Binance's published example
const SECRET = 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j';

const server = new SimServer({
  apiKey: KEY,
  apiSecret: SECRET,
  engine: { instruments: [USDM_BTCUSDT], balances: { USDT: '100000000' } },
  housekeepingIntervalMs: 0,
  rateLimits: { requestWeightPerMinute: 1e9, ordersPerMinute: 1e9, ordersPer10s: 1e9 },
});
const { restUrl, wsUrl } = await server.start();
const wall = new WallClock();
const transport = new BinanceTransport({
  baseUrl: restUrl,
  clock: wall,
  scheduler: wall,
  rateLimits: [],
  httpClient: HTTP_CLIENT,
});
const client = new FuturesRestClient({
  transport,
  clock: wall,
  credentials: { apiKey: KEY, signer: new HmacSigner(SECRET) },
});
await client.timeSync.measure();

// a subscriber that throws (a denied signal) must stop the bench loudly, not leave it waiting
const loud = {
  ...silentLogger,
  error: (f: object, m: string) => {
    console.error(m, f);
  },
  child: () => loud,
};
const bus = new EventBus<AegisTopics>(TOPICS, { logger: loud, freezePayloads: false });
const engineClock = new SimulatedClock(0);
const data = new DataEngine({
  bus,
  logger: silentLogger,
  clock: engineClock,
  baseInterval: '1m',
  staleAfterMs: 0,
  publishForming: false,
});
let flip = false;
const everyCandle: Strategy = {
  name: 'bench',
  trend: () => 0,
  onCandle: (c) => {
    flip = !flip;
    const buy = flip;
    return {
      side: buy ? 'BUY' : 'SELL',
      confidence: 0.8,
      entry: c.close,
      stop: buy ? c.close - 2000 : c.close + 2000,
      takeProfit: buy ? c.close + 4000 : c.close - 4000,
      patterns: [],
      setup: 'bench',
    };
  },
};
new Brain(bus, {
  intervals: ['1m'],
  teacherThreshold: 0.75,
  riskPerTrade: 0.01,
  equity: () => 10_000,
  strategy: () => everyCandle,
  clock: engineClock,
  logger: silentLogger,
});
const gate = new RiskGate({
  bus,
  clock: engineClock,
  config: { ...RISK, minConfidence: 0.5, stopOutCooldownMs: 0 },
  isStale: () => false,
});
const view = {
  exposures: [],
  equity: Decimal.parse('10000'),
  freeBalance: Decimal.parse('10000'),
  instrument: (s: string) => (s === USDM_BTCUSDT.symbol ? USDM_BTCUSDT : undefined),
};

// stage stamps (ns, process.hrtime): frame -> trade parsed -> SIGNAL_GENERATED -> decision -> request built
// and signed (the transport's send is entered) -> bytes written (newOrder returns: the raw client has
// called socket.write). Seven stamps per order cost well under 1 µs of the span.
const h = new LatencyHistogram();
const hParsed = new LatencyHistogram();
const hSignal = new LatencyHistogram();
const hDecision = new LatencyHistogram();
const hBuild = new LatencyHistogram();
const hWrite = new LatencyHistogram();
let t0 = 0;
let tParsed = 0;
let tBuilt = 0;
let measuring = false;
let answered: (() => void) | undefined;
let sent = 0;
const send = transport.send.bind(transport);
transport.send = (request, options) => {
  tBuilt = nowNs();
  return send(request, options);
};
const onAnswer = (): void => answered?.();
const onFailure = (e: unknown): void => {
  console.error('order failed', e);
  answered?.();
};
bus.subscribe('SIGNAL_GENERATED', 'bench', (s) => {
  const tSignal = nowNs();
  const d = gate.evaluate(s, view);
  if (d.kind !== 'approved') throw new Error(`denied: ${d.reason}`);
  const tDecision = nowNs();
  const pending = client.newOrder(d.entry);
  if (measuring) {
    const t1 = nowNs();
    h.record(t1 - t0);
    hParsed.record(tParsed - t0);
    hSignal.record(tSignal - tParsed);
    hDecision.record(tDecision - tSignal);
    hBuild.record(tBuilt - tDecision);
    hWrite.record(t1 - tBuilt);
  }
  sent++;
  pending.then(onAnswer, onFailure);
});

let connected: (() => void) | undefined;
const up = new Promise<void>((r) => (connected = r));
const feed = new BinanceMarketFeed({
  wsBaseUrl: wsUrl,
  symbols: ['BTCUSDT'],
  clock: wall,
  scheduler: wall,
  random: () => 0.5,
  onConnected: () => connected?.(),
  onFrame: () => {
    t0 = nowNs();
  },
  onTrade: (t) => {
    tParsed = nowNs();
    engineClock.advanceTo(Math.max(engineClock.now(), t.time));
    data.onTrade(t);
  },
});
feed.start();
await up;

const START = Date.UTC(2026, 0, 5);
let price = 60_000;
async function trade(i: number): Promise<void> {
  price += i % 2 === 0 ? 10 : -10;
  const done = new Promise<void>((r) => (answered = r));
  const before = sent;
  server.feedTrade({
    symbol: 'BTCUSDT',
    time: START + i * 60_000,
    price,
    qty: 0.01,
    buyerIsMaker: i % 2 === 0,
    id: i + 1,
  });
  server.feedQuote({
    symbol: 'BTCUSDT',
    time: START + i * 60_000,
    bidPrice: price - 0.1,
    bidQty: 5,
    askPrice: price,
    askQty: 5,
    updateId: i + 1,
  });
  if (i > 0) await done; // the first trade opens the first candle: no order yet
  if (i > 0 && sent === before) throw new Error(`trade ${i} triggered no order`);
}
for (let i = 0; i < 2_000; i++) await trade(i); // warm-up
measuring = true;
const cpu0 = process.cpuUsage();
const wall0 = nowNs();
for (let i = 2_000; i < 2_000 + ORDERS; i++) await trade(i);
const cpu = process.cpuUsage(cpu0);
const cpuPerOrderUs = (cpu.user + cpu.system) / ORDERS;
const wallPerOrderUs = (nowNs() - wall0) / 1000 / ORDERS;
const s = h.summary();
feed.stop();
transport.close();
wall.cancelAll();
await server.stop();
const row = (name: string, x: LatencyHistogram): (string | number)[] => {
  const v = x.summary();
  return [name, v.p50 / 1000, v.p99 / 1000, v.max / 1000, v.mean / 1000];
};
printTable(
  `Tick to order over loopback against the simulator server, µs (${s.count.toLocaleString('en-US')} orders after 2,000 warm-up; HTTP client ${HTTP_CLIENT}; ${machineLine()})`,
  ['stage', 'p50 µs', 'p99 µs', 'max µs', 'mean µs'],
  [
    row('frame -> trade parsed (fast parser, de-dup)', hParsed),
    row('parsed -> SIGNAL_GENERATED (candle, brain)', hSignal),
    row('risk decision (gate.evaluate)', hDecision),
    row('order params + query + timestamp + HMAC', hBuild),
    row('transport + HTTP head + socket.write', hWrite),
    row('WS frame received -> signed order bytes written', h),
  ],
);
// the simulator runs in this process: this CPU figure is client + server work per full round trip, but it
// is steady on a loaded machine where the wall-time percentiles above are not
console.log(
  `\nper order round trip (trade frame out -> order answered), whole process: CPU ${cpuPerOrderUs.toFixed(1)} µs, wall ${wallPerOrderUs.toFixed(1)} µs`,
);
