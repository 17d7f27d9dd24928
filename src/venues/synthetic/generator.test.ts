import { describe, expect, it } from 'vitest';
import { DEMO_SYMBOLS, SyntheticMarket, type MarketEvent } from './generator.js';

const START = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;

function take(seed: number, n: number): MarketEvent[] {
  const m = new SyntheticMarket({ seed, startTime: START, symbols: DEMO_SYMBOLS });
  return Array.from({ length: n }, () => m.next());
}

function series(seed: number, hours: number, symbol = 'BTCUSDT') {
  const m = new SyntheticMarket({ seed, startTime: START, symbols: DEMO_SYMBOLS });
  const trades = [];
  const quotes = [];
  for (const e of m.until(START + hours * HOUR)) {
    if (e.kind === 'trade' && e.trade.symbol === symbol) trades.push(e.trade);
    if (e.kind === 'quote' && e.quote.symbol === symbol) quotes.push(e.quote);
  }
  return { trades, quotes };
}

function minuteReturns(trades: readonly { time: number; price: number }[]): number[] {
  const closes = new Map<number, number>();
  for (const t of trades) closes.set(Math.floor(t.time / 60_000), t.price);
  const xs = [...closes.values()];
  return xs.slice(1).map((p, i) => Math.log(p / (xs[i] ?? p)));
}

function autocorr(xs: readonly number[], lag: number): number {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    const d = (xs[i] ?? 0) - mean;
    den += d * d;
    if (i >= lag) num += d * ((xs[i - lag] ?? 0) - mean);
  }
  return num / den;
}

describe('SyntheticMarket', () => {
  it('is the same market for the same seed, event for event', () => {
    expect(take(42, 5_000)).toEqual(take(42, 5_000));
  });

  it('is a different market for a different seed', () => {
    expect(take(42, 100)).not.toEqual(take(43, 100));
  });

  it('emits events in non-decreasing time, with consistent books and trades', () => {
    const { trades, quotes } = series(7, 6);
    expect(trades.length).toBeGreaterThan(6 * 3600); // ~2/s on average
    const bad = trades.filter(
      (t, i) =>
        t.time < (trades[i - 1]?.time ?? 0) ||
        !(t.price > 0) ||
        !(t.qty > 0) ||
        Math.abs(t.price * 10 - Math.round(t.price * 10)) > 1e-6, // on the 0.1 tick
    );
    expect(bad).toEqual([]);
    expect(quotes.filter((q) => !(q.askPrice > q.bidPrice))).toEqual([]);
    const ids = trades.map((t) => t.id);
    expect(ids).toEqual(ids.map((_, i) => i + 1)); // contiguous trade ids per symbol
  });

  it('has the stylised facts of a real market: fat tails and volatility clustering without return autocorrelation', () => {
    const returns = minuteReturns(series(11, 48).trades);
    const n = returns.length;
    const mean = returns.reduce((a, b) => a + b, 0) / n;
    const m2 = returns.reduce((a, r) => a + (r - mean) ** 2, 0) / n;
    const m4 = returns.reduce((a, r) => a + (r - mean) ** 4, 0) / n;
    expect(m4 / (m2 * m2)).toBeGreaterThan(3.5); // kurtosis of a normal is 3
    expect(autocorr(returns.map(Math.abs), 1)).toBeGreaterThan(0.1); // |r| clusters
    expect(Math.abs(autocorr(returns, 1))).toBeLessThan(0.1); // r itself is not predictable
  });

  it('varies trade sizes with a few large prints', () => {
    const qtys = series(3, 6)
      .trades.map((t) => t.qty)
      .sort((a, b) => a - b);
    const median = qtys[Math.floor(qtys.length / 2)] ?? 0;
    const p999 = qtys[Math.floor(qtys.length * 0.999)] ?? 0;
    expect(new Set(qtys).size).toBeGreaterThan(50);
    expect(p999 / median).toBeGreaterThan(10);
  });
});
