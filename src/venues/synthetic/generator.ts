import { InvariantError } from '../../core/errors.js';
import { SeededRng } from '../../core/rng.js';
import type { Quote, Trade } from '../../domain/market.js';

/**
 * A seeded synthetic market: trades and best bid/ask for one or more symbols, in event-time order.
 * Same seed and options -> the same market, event for event.
 *
 * Model (per symbol), in continuous event time:
 * - Volatility clustering: log-volatility follows an Ornstein-Uhlenbeck process around the symbol's
 *   base volatility, so calm and wild stretches alternate.
 * - Regimes: trend-up, trend-down and range, switching after exponentially distributed durations; trends
 *   add drift, the range pulls the price back towards an anchor.
 * - Jumps: rare (Poisson) price jumps with a normal size.
 * - Trade arrivals: Poisson, busier when volatility is high. Aggressor side leans with the drift.
 * - Sizes: log-normal body with a Pareto tail (a few large prints).
 * - Spread: whole ticks, wider when volatility is high. Buys print at the ask, sells at the bid.
 */
export interface SymbolSpec {
  readonly symbol: string;
  readonly startPrice: number;
  readonly tickSize: number;
  /** Quantity step (trade sizes are rounded to it). */
  readonly stepSize: number;
  /** Annualised volatility, e.g. 0.6 for 60%. */
  readonly annualVol: number;
  /** Mean trades per second at base volatility. */
  readonly tradesPerSecond: number;
  /** Median trade size in base units. */
  readonly medianQty: number;
}

export interface GeneratorOptions {
  readonly seed: number;
  readonly startTime: number;
  readonly symbols: readonly SymbolSpec[];
  /** Mean regime duration, ms (default 3 h). */
  readonly meanRegimeMs?: number;
  /** Mean time between jumps, ms (default 12 h). */
  readonly meanJumpMs?: number;
}

export type MarketEvent =
  { readonly kind: 'trade'; readonly trade: Trade } | { readonly kind: 'quote'; readonly quote: Quote };

export type Regime = 'up' | 'down' | 'range';

const YEAR_S = 365 * 24 * 3600;

class SymbolProcess {
  readonly spec: SymbolSpec;
  private readonly rng: SeededRng;
  private readonly baseSigma: number; // per sqrt(second)
  private logVolDev = 0; // log(sigma / baseSigma)
  private logMid: number;
  private anchor: number;
  regime: Regime = 'range';
  private regimeEnds: number;
  private nextJump: number;
  private readonly meanRegimeMs: number;
  private readonly meanJumpMs: number;
  private tradeId = 1;
  private updateId = 1;
  time: number;
  private lastBid = 0;
  private lastAsk = 0;
  private pendingTrade: Trade | undefined;

  constructor(spec: SymbolSpec, seed: number, startTime: number, meanRegimeMs: number, meanJumpMs: number) {
    if (
      !(spec.startPrice > 0) ||
      !(spec.tickSize > 0) ||
      !(spec.stepSize > 0) ||
      !(spec.tradesPerSecond > 0)
    ) {
      throw new InvariantError(`synthetic symbol ${spec.symbol}: prices, steps and rates must be > 0`, {
        symbol: spec.symbol,
      });
    }
    this.spec = spec;
    this.rng = new SeededRng(seed);
    this.baseSigma = spec.annualVol / Math.sqrt(YEAR_S);
    this.logMid = Math.log(spec.startPrice);
    this.anchor = this.logMid;
    this.meanRegimeMs = meanRegimeMs;
    this.meanJumpMs = meanJumpMs;
    this.time = startTime;
    this.regimeEnds = startTime + this.rng.exponential(meanRegimeMs);
    this.nextJump = startTime + this.rng.exponential(meanJumpMs);
  }

  /** The next event of this symbol: a quote change (its trade is held for the following call) or a trade. */
  next(): MarketEvent {
    const rng = this.rng;
    const volFactor = Math.exp(this.logVolDev);
    const rate = this.spec.tradesPerSecond * Math.min(4, Math.max(0.25, volFactor));
    const dtS = Math.max(0.001, rng.exponential(1 / rate));
    const prevTime = this.time;
    this.time = prevTime + Math.max(1, Math.round(dtS * 1000));

    // regime switches and jumps happen on their own clocks
    if (this.time >= this.regimeEnds) {
      const r = rng.next();
      this.regime = r < 0.3 ? 'up' : r < 0.6 ? 'down' : 'range';
      this.anchor = this.logMid;
      this.regimeEnds = this.time + rng.exponential(this.meanRegimeMs);
    }
    let jump = 0;
    if (this.time >= this.nextJump) {
      jump = rng.normal() * 0.012;
      this.logVolDev += 0.7; // jumps come with a volatility burst
      this.nextJump = this.time + rng.exponential(this.meanJumpMs);
    }

    // volatility: OU on log scale, mean reversion half-life ~30 min
    const kappa = Math.LN2 / 1800;
    this.logVolDev += -kappa * this.logVolDev * dtS + 0.02 * Math.sqrt(dtS) * rng.normal();
    const sigma = this.baseSigma * Math.exp(this.logVolDev);

    // drift: trends move ~3 sigma-per-hour equivalents, ranges revert to their anchor
    let drift: number;
    if (this.regime === 'up') drift = (0.8 * this.baseSigma * Math.sqrt(3600)) / 3600;
    else if (this.regime === 'down') drift = (-0.8 * this.baseSigma * Math.sqrt(3600)) / 3600;
    else drift = (-(this.logMid - this.anchor) * Math.LN2) / 3600;
    this.logMid += drift * dtS + sigma * Math.sqrt(dtS) * rng.normal() + jump;

    const tick = this.spec.tickSize;
    const mid = Math.exp(this.logMid);
    const spreadTicks = Math.max(1, Math.round((mid * sigma * 2) / tick));
    const bidTicks = Math.floor((mid - (spreadTicks * tick) / 2) / tick);
    const bid = roundTo(Math.max(1, bidTicks) * tick, tick);
    const ask = roundTo(bid + spreadTicks * tick, tick);

    const buyProb = this.regime === 'up' ? 0.56 : this.regime === 'down' ? 0.44 : 0.5;
    const buy = rng.next() < buyProb;
    const step = this.spec.stepSize;
    let qty = this.spec.medianQty * Math.exp(0.9 * rng.normal());
    if (rng.next() < 0.02) qty *= 1 / Math.pow(1 - rng.next() * 0.999, 1 / 1.5); // Pareto tail
    qty = Math.max(step, roundTo(Math.round(qty / step) * step, step));

    const trade: Trade = {
      symbol: this.spec.symbol,
      time: this.time,
      price: buy ? ask : bid,
      qty,
      buyerIsMaker: !buy,
      id: this.tradeId++,
    };
    if (bid !== this.lastBid || ask !== this.lastAsk) {
      this.lastBid = bid;
      this.lastAsk = ask;
      const quote: Quote = {
        symbol: this.spec.symbol,
        time: this.time,
        bidPrice: bid,
        bidQty: roundTo(Math.max(step, this.spec.medianQty * (1 + 4 * rng.next())), step),
        askPrice: ask,
        askQty: roundTo(Math.max(step, this.spec.medianQty * (1 + 4 * rng.next())), step),
        updateId: this.updateId++,
      };
      // the book moves first, then the trade prints against it
      this.pendingTrade = trade;
      return { kind: 'quote', quote };
    }
    return { kind: 'trade', trade };
  }

  /** The trade held back behind its quote, if any. */
  takePendingTrade(): Trade | undefined {
    const t = this.pendingTrade;
    this.pendingTrade = undefined;
    return t;
  }
}

function roundTo(value: number, step: number): number {
  const decimals = Math.max(0, Math.ceil(-Math.log10(step) - 1e-9));
  return Number(value.toFixed(decimals));
}

/** Merges the symbols' streams by event time (ties by symbol order): a single ordered market. */
export class SyntheticMarket {
  private readonly processes: SymbolProcess[];
  private readonly heads: (MarketEvent | undefined)[];

  constructor(options: GeneratorOptions) {
    if (options.symbols.length === 0) throw new InvariantError('SyntheticMarket needs at least one symbol');
    const meanRegimeMs = options.meanRegimeMs ?? 3 * 3_600_000;
    const meanJumpMs = options.meanJumpMs ?? 12 * 3_600_000;
    this.processes = options.symbols.map(
      (spec, i) =>
        new SymbolProcess(
          spec,
          options.seed * 7919 + i * 104_729,
          options.startTime,
          meanRegimeMs,
          meanJumpMs,
        ),
    );
    this.heads = this.processes.map((p) => this.pull(p));
  }

  /** The next event across all symbols, in event-time order. */
  next(): MarketEvent {
    let best = 0;
    let bestTime = Number.POSITIVE_INFINITY;
    for (let i = 0; i < this.heads.length; i++) {
      const h = this.heads[i];
      const t = h === undefined ? Number.POSITIVE_INFINITY : eventTime(h);
      if (t < bestTime) {
        bestTime = t;
        best = i;
      }
    }
    const event = this.heads[best] as MarketEvent;
    this.heads[best] = this.pull(this.processes[best] as SymbolProcess);
    return event;
  }

  /** Every event with time < `endTime`. */
  *until(endTime: number): Generator<MarketEvent> {
    for (;;) {
      const head = this.peekTime();
      if (head >= endTime) return;
      yield this.next();
    }
  }

  /** Current regime per symbol (for tests and the demo's narration). */
  regimes(): Record<string, Regime> {
    return Object.fromEntries(this.processes.map((p) => [p.spec.symbol, p.regime]));
  }

  private peekTime(): number {
    let t = Number.POSITIVE_INFINITY;
    for (const h of this.heads) if (h !== undefined) t = Math.min(t, eventTime(h));
    return t;
  }

  private pull(p: SymbolProcess): MarketEvent {
    const held = p.takePendingTrade();
    if (held !== undefined) return { kind: 'trade', trade: held };
    return p.next();
  }
}

function eventTime(e: MarketEvent): number {
  return e.kind === 'trade' ? e.trade.time : e.quote.time;
}

/** Defaults for the demo and tests: two liquid USDⓈ-M perpetuals. */
export const DEMO_SYMBOLS: readonly SymbolSpec[] = [
  {
    symbol: 'BTCUSDT',
    startPrice: 60_000,
    tickSize: 0.1,
    stepSize: 0.001,
    annualVol: 0.6,
    tradesPerSecond: 2,
    medianQty: 0.01,
  },
  {
    symbol: 'ETHUSDT',
    startPrice: 3_000,
    tickSize: 0.01,
    stepSize: 0.001,
    annualVol: 0.75,
    tradesPerSecond: 1.5,
    medianQty: 0.2,
  },
];
