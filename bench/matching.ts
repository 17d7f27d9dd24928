/**
 * In-process matching engine throughput: market events per second with 0, 10 and 1000 resting orders.
 * Run: node --import tsx bench/matching.ts
 *
 * Rows:
 * - "away": resting orders are outside the band the market moves in (the common case: the event only
 *   updates the last price and is compared with the book's two thresholds).
 * - "touching": one resting buy limit sits exactly at the lowest traded price, so every event at that
 *   price walks the whole resting-order list (no fill: a touch is not a trade-through). Worst case.
 * - "filling": a resting buy and sell limit inside the band are filled and re-placed all the time.
 */
import { cpus, loadavg } from 'node:os';
import type { Quote, Trade } from '../src/domain/market.js';
import { MatchingEngine } from '../src/venues/sim/engine.js';
import { USDM_BTCUSDT } from '../src/venues/sim/instruments.js';
import type { SimEvent } from '../src/venues/sim/types.js';
import { machineLine, medianOf, nowNs, printTable } from './util.js';

const S = 'BTCUSDT';
const EVENTS = 1_000_000;
const BAND_LOW = 59_990;

/** Deterministic price walk inside [59990, 60010] on the 0.1 tick (LCG, no Math.random). */
function makeTrades(n: number): Trade[] {
  const out: Trade[] = [];
  let seed = 12345;
  let p = 600_000; // in ticks of 0.1
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    p += (seed >>> 16) % 3 === 0 ? -1 : (seed >>> 16) % 3 === 1 ? 1 : 0;
    if (p < BAND_LOW * 10) p = BAND_LOW * 10;
    if (p > 600_100) p = 600_100;
    out.push({
      symbol: S,
      time: 1_000 + i,
      price: p / 10,
      qty: 0.01 + ((seed >>> 8) % 100) / 1000,
      buyerIsMaker: (seed & 1) === 0,
      id: i,
    });
  }
  return out;
}

function makeQuotes(trades: readonly Trade[]): Quote[] {
  return trades.map((t) => ({
    symbol: S,
    time: t.time,
    bidPrice: t.price,
    bidQty: 1,
    askPrice: Math.round(t.price * 10 + 1) / 10,
    askQty: 1,
    updateId: t.id,
  }));
}

function engineWith(
  resting: number,
  touching: boolean,
  onEvent: (e: SimEvent) => void = () => undefined,
): MatchingEngine {
  const eng = new MatchingEngine({
    instruments: [USDM_BTCUSDT],
    balances: { USDT: '100000000' },
    onEvent,
  });
  eng.onTrade({ symbol: S, time: 0, price: 60000, qty: 1, buyerIsMaker: false, id: -1 });
  for (let i = 0; i < resting; i++) {
    const buy = i % 2 === 0;
    const price = buy ? 50000 - i : 70000 + i;
    eng.submit({
      clientOrderId: `r${i}`,
      symbol: S,
      side: buy ? 'BUY' : 'SELL',
      type: 'LIMIT',
      quantity: '0.01',
      price: price.toFixed(1),
    });
  }
  if (touching) {
    eng.submit({
      clientOrderId: 'touch',
      symbol: S,
      side: 'BUY',
      type: 'LIMIT',
      quantity: '0.01',
      price: BAND_LOW.toFixed(1),
    });
  }
  return eng;
}

function eventsPerSecond(run: () => void, n: number): number {
  return medianOf(9, 2, () => {
    const t0 = nowNs();
    run();
    return n / ((nowNs() - t0) / 1e9);
  });
}

const trades = makeTrades(EVENTS);
const quotes = makeQuotes(trades);
const touchHits = trades.filter((t) => t.price === BAND_LOW).length;

// warm the JIT on every path first so the first row is not penalised
for (const resting of [0, 10, 1000]) {
  const eng = engineWith(resting, resting > 0);
  for (const t of trades) eng.onTrade(t);
  for (const q of quotes) eng.onQuote(q);
}

const rows: (string | number)[][] = [];
for (const resting of [0, 10, 1000]) {
  const eng = engineWith(resting, false);
  const tps = eventsPerSecond(() => {
    for (const t of trades) eng.onTrade(t);
  }, EVENTS);
  const qps = eventsPerSecond(() => {
    for (const q of quotes) eng.onQuote(q);
  }, EVENTS);
  rows.push([`${resting} away`, tps / 1e6, qps / 1e6]);
}
for (const resting of [10, 1000]) {
  const eng = engineWith(resting - 1, true);
  const tps = eventsPerSecond(() => {
    for (const t of trades) eng.onTrade(t);
  }, EVENTS);
  const qps = eventsPerSecond(() => {
    for (const q of quotes) eng.onQuote(q);
  }, EVENTS);
  rows.push([
    `${resting} touching (${((100 * touchHits) / EVENTS).toFixed(1)} % of events)`,
    tps / 1e6,
    qps / 1e6,
  ]);
}
{
  // 8 far orders + a bracket 0.5 around the price, canceled and re-placed every 1024 events
  let fills = 0;
  const eng = engineWith(8, false, (e) => {
    if (e.e === 'executionReport' && e.execType === 'TRADE') fills++;
  });
  let k = 0;
  const place = (side: 'BUY' | 'SELL', price: number): void => {
    k++;
    const r = eng.submit({
      clientOrderId: `f${k}`,
      symbol: S,
      side,
      type: 'LIMIT',
      quantity: '0.01',
      price: price.toFixed(1),
    });
    if (!r.ok) throw new Error(`${r.code} ${r.msg}`);
  };
  const t = eventsPerSecond(() => {
    for (const tr of trades) {
      eng.onTrade(tr);
      if ((tr.id & 1023) === 0) {
        for (const o of eng.openOrders(S)) {
          if (o.clientOrderId.startsWith('f')) eng.cancel({ symbol: S, orderId: o.orderId });
        }
        place('BUY', tr.price - 0.5);
        place('SELL', tr.price + 0.5);
      }
    }
  }, EVENTS);
  rows.push([
    `10 filling (bracket re-placed every 1024 events; ${fills.toLocaleString('en-US')} fills in all rounds)`,
    t / 1e6,
    '',
  ]);
}

// order API cost: submit a resting limit and cancel it (each emits an execution report)
const API_PAIRS = 50_000;
const apiEng = engineWith(10, false);
let apiSeq = 0;
const pairsPerSecond = eventsPerSecond(() => {
  for (let i = 0; i < API_PAIRS; i++) {
    apiSeq++;
    const r = apiEng.submit({
      clientOrderId: `a${apiSeq}`,
      symbol: S,
      side: 'BUY',
      type: 'LIMIT',
      quantity: '0.01',
      price: '55000.0',
    });
    if (!r.ok) throw new Error(`${r.code} ${r.msg}`);
    apiEng.cancel({ symbol: S, orderId: r.value.orderId });
  }
}, API_PAIRS);

printTable(
  `Matching engine: million market events per second (median of 9 rounds x ${EVENTS.toLocaleString('en-US')} events after 2 warm-ups; ${machineLine()})`,
  ['resting orders', 'trades (M ev/s)', 'quotes (M ev/s)'],
  rows,
);
console.log(
  `\nOrder API: ${Math.round(pairsPerSecond).toLocaleString('en-US')} submit+cancel pairs per second (resting LIMIT, 10 other resting orders, median of 9 x ${API_PAIRS.toLocaleString('en-US')})`,
);
console.log(
  `load average at the end: ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')} on ${cpus().length} CPUs`,
);
