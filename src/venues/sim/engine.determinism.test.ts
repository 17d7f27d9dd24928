/**
 * Same inputs -> identical outputs, on real Binance USDⓈ-M data (../shared/data: BTCUSDT trades and
 * bookTicker of 2024-08-08, recorded from the WebSocket streams), and the wallet always equals
 * start + realised PnL - commissions + funding, exactly.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sharedData } from '../../../test/support/shared-data.js';
import { Decimal } from '../../domain/decimal.js';
import type { Quote, Trade } from '../../domain/market.js';
import { columnIndex, readCsvFile } from '../files/csv.js';
import { MatchingEngine } from './engine.js';
import { USDM_BTCUSDT } from './instruments.js';
import { markPrice, trade } from './test-helpers.js';
import type { SimEvent } from './types.js';

const S = 'BTCUSDT';

function loadMarket(): (Trade | Quote)[] {
  const tf = sharedData('trades/binance_usdm_BTCUSDT_trades_20240808_ws.csv.gz');
  const t = readCsvFile(tf);
  const [ti, pi, qi, mi, ii] = ['time_ms', 'price', 'qty', 'is_buyer_maker', 'id'].map((c) =>
    columnIndex(t, c, tf),
  );
  const trades: Trade[] = t.rows.map((r) => ({
    symbol: S,
    time: Number(r[ti as number]),
    price: Number(r[pi as number]),
    qty: Number(r[qi as number]),
    buyerIsMaker: r[mi as number] === 'true',
    id: Number(r[ii as number]),
  }));
  const qf = sharedData('quotes/binance_usdm_BTCUSDT_bookticker_20240808_ws.csv.gz');
  const q = readCsvFile(qf);
  const cols = ['event_time_ms', 'bid_price', 'bid_qty', 'ask_price', 'ask_qty', 'update_id'].map((c) =>
    columnIndex(q, c, qf),
  );
  const quotes: Quote[] = q.rows.map((r) => ({
    symbol: S,
    time: Number(r[cols[0] as number]),
    bidPrice: Number(r[cols[1] as number]),
    bidQty: Number(r[cols[2] as number]),
    askPrice: Number(r[cols[3] as number]),
    askQty: Number(r[cols[4] as number]),
    updateId: Number(r[cols[5] as number]),
  }));
  // stable merge by time: quotes before trades at equal times
  const all: (Trade | Quote)[] = [...quotes, ...trades];
  return all
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.time - b.e.time || a.i - b.i)
    .map((x) => x.e);
}

/** A scripted strategy: every 500th event places a bracket around the market; every 2000th trades at market. */
function run(market: readonly (Trade | Quote)[]): SimEvent[] {
  const events: SimEvent[] = [];
  const eng = new MatchingEngine({
    instruments: [USDM_BTCUSDT],
    balances: { USDT: '100000' },
    fillModel: { participation: 0.5 },
    onEvent: (e) => events.push(e),
  });
  let n = 0;
  for (const ev of market) {
    let last: number;
    if ('price' in ev) {
      eng.onTrade(ev);
      last = ev.price;
    } else {
      eng.onQuote(ev);
      last = (ev.bidPrice + ev.askPrice) / 2;
    }
    n++;
    if (n % 500 === 0) {
      const below = (Math.floor(last / 10) * 10 - 20).toFixed(1);
      const above = (Math.ceil(last / 10) * 10 + 20).toFixed(1);
      eng.submit(
        { clientOrderId: `b${n}`, symbol: S, side: 'BUY', type: 'LIMIT', quantity: '0.01', price: below },
        ev.time,
      );
      eng.submit(
        { clientOrderId: `s${n}`, symbol: S, side: 'SELL', type: 'LIMIT', quantity: '0.01', price: above },
        ev.time,
      );
    }
    if (n % 2000 === 0) {
      eng.submit(
        {
          clientOrderId: `m${n}`,
          symbol: S,
          side: n % 4000 === 0 ? 'SELL' : 'BUY',
          type: 'MARKET',
          quantity: '0.005',
        },
        ev.time,
      );
    }
  }
  return events;
}

describe('determinism', () => {
  it('replaying the same real market data and orders twice gives identical events', () => {
    const market = loadMarket();
    // 21,313 trades + 66,089 quotes (row counts in ../shared/data/README.md)
    expect(market.length).toBe(21_313 + 66_089);
    const a = run(market);
    const b = run(market);
    const fills = a.filter((e) => e.e === 'executionReport' && e.execType === 'TRADE').length;
    expect(fills).toBeGreaterThan(10); // not a vacuous comparison
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });
});

describe('accounting identity (property)', () => {
  it('wallet = start + sum(realised PnL) - sum(commission) + sum(funding), exactly, for random order flows', () => {
    const step = fc.oneof(
      fc.record({
        kind: fc.constant('trade' as const),
        dp: fc.integer({ min: -300, max: 300 }),
        qty: fc.integer({ min: 1, max: 50 }),
      }),
      fc.record({
        kind: fc.constant('market' as const),
        buy: fc.boolean(),
        q: fc.integer({ min: 2, max: 30 }),
      }),
      fc.record({
        kind: fc.constant('limit' as const),
        buy: fc.boolean(),
        off: fc.integer({ min: -50, max: 50 }),
        q: fc.integer({ min: 2, max: 30 }),
      }),
      fc.record({ kind: fc.constant('funding' as const), bp: fc.integer({ min: -10, max: 10 }) }),
    );
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 60 }), (steps) => {
        const events: SimEvent[] = [];
        const eng = new MatchingEngine({
          instruments: [USDM_BTCUSDT],
          balances: { USDT: '1000000' },
          onEvent: (e) => events.push(e),
        });
        let price = 60000;
        let time = 1000;
        eng.onTrade(trade(S, time, price));
        let i = 0;
        for (const s of steps) {
          time += 1000;
          i++;
          switch (s.kind) {
            case 'trade':
              price = Math.max(1000, price + s.dp);
              eng.onTrade(trade(S, time, price, s.qty / 100));
              break;
            case 'market':
              eng.submit(
                {
                  clientOrderId: `m${i}`,
                  symbol: S,
                  side: s.buy ? 'BUY' : 'SELL',
                  type: 'MARKET',
                  quantity: (s.q / 1000).toFixed(3),
                },
                time,
              );
              break;
            case 'limit':
              eng.submit(
                {
                  clientOrderId: `l${i}`,
                  symbol: S,
                  side: s.buy ? 'BUY' : 'SELL',
                  type: 'LIMIT',
                  quantity: (s.q / 1000).toFixed(3),
                  price: (price + s.off * 10).toFixed(1),
                },
                time,
              );
              break;
            case 'funding':
              eng.onMarkPrice(markPrice(S, time, price, s.bp / 10000, time + 1));
              break;
          }
        }
        let expected = Decimal.parse('1000000');
        for (const e of events) {
          if (e.e === 'executionReport' && (e.execType === 'TRADE' || e.execType === 'CALCULATED')) {
            expected = expected.add(Decimal.parse(e.realizedPnl)).sub(Decimal.parse(e.commission));
          } else if (e.e === 'funding') {
            expected = expected.add(Decimal.parse(e.amount));
          }
        }
        expect(eng.balance('USDT').walletBalance).toBe(expected.toString());
      }),
      { numRuns: 150 },
    );
  });
});
