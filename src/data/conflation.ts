import { InvariantError } from '../core/errors.js';
import type { Quote, Trade } from '../domain/market.js';
import { barOpenTime } from './bar.js';

/**
 * Trades of one symbol coalesced over one conflation window. One instance is reused for every window: a
 * sink must copy what it wants to keep before it returns.
 */
export class TradeBatch {
  symbol = '';
  /** Time of the first and last trade in the batch (epoch ms, exchange time). */
  startTime = 0;
  endTime = 0;
  open = 0;
  high = 0;
  low = 0;
  close = 0;
  /** Base-asset volume, quote-asset volume (sum of price * qty), and the taker buy/sell parts. */
  volume = 0;
  quoteVolume = 0;
  buyVolume = 0;
  buyQuoteVolume = 0;
  sellVolume = 0;
  count = 0;
  firstId = 0;
  lastId = 0;

  /** Volume-weighted average price; the close when the batch has no volume. */
  get vwap(): number {
    return this.volume > 0 ? this.quoteVolume / this.volume : this.close;
  }

  start(t: Trade): void {
    const q = t.price * t.qty;
    this.symbol = t.symbol;
    this.startTime = t.time;
    this.endTime = t.time;
    this.open = t.price;
    this.high = t.price;
    this.low = t.price;
    this.close = t.price;
    this.volume = t.qty;
    this.quoteVolume = q;
    this.count = 1;
    this.firstId = t.id;
    this.lastId = t.id;
    // buyerIsMaker: the aggressor sold (Binance `m`).
    if (t.buyerIsMaker) {
      this.buyVolume = 0;
      this.buyQuoteVolume = 0;
      this.sellVolume = t.qty;
    } else {
      this.buyVolume = t.qty;
      this.buyQuoteVolume = q;
      this.sellVolume = 0;
    }
  }

  add(t: Trade): void {
    const q = t.price * t.qty;
    this.endTime = t.time;
    if (t.price > this.high) this.high = t.price;
    if (t.price < this.low) this.low = t.price;
    this.close = t.price;
    this.volume += t.qty;
    this.quoteVolume += q;
    this.count++;
    this.lastId = t.id;
    if (t.buyerIsMaker) {
      this.sellVolume += t.qty;
    } else {
      this.buyVolume += t.qty;
      this.buyQuoteVolume += q;
    }
  }
}

export type TradeBatchSink = (batch: TradeBatch) => void;
/** Pass-through sink (window 0): the trade itself, with no batch filled. */
export type TradeSink = (trade: Trade) => void;
export type QuoteSink = (quote: Quote) => void;

/**
 * Per-symbol conflation over an event-time window of `windowMs` (0 = pass-through: every trade is its own
 * batch, every quote is passed on). Windows are aligned to the epoch ([k*w, (k+1)*w)), so when `windowMs`
 * divides the candle interval a batch never straddles two bars. Trades are aggregated (OHLC, volume, quote
 * volume, count, VWAP, buy/sell volume); of the quotes in a window only the latest is passed on.
 * A window is flushed when data of a later window arrives or when `advanceTo` passes its end.
 */
export class ConflationBuffer {
  readonly windowMs: number;
  private readonly batch = new TradeBatch();
  private readonly onBatch: TradeBatchSink;
  private readonly onSingle: TradeSink | undefined;
  private readonly onQuote: QuoteSink;
  private batchWindowEnd = 0;
  private pendingTrades = false;
  private quote: Quote | undefined = undefined;
  private quoteWindowEnd = 0;

  tradesIn = 0;
  batchesOut = 0;
  quotesIn = 0;
  quotesOut = 0;

  /** `onSingle`, when given, receives each trade in pass-through mode instead of a one-trade batch. */
  constructor(windowMs: number, onBatch: TradeBatchSink, onQuote: QuoteSink, onSingle?: TradeSink) {
    if (!Number.isInteger(windowMs) || windowMs < 0) {
      throw new InvariantError(`conflation window must be an integer >= 0 ms, got ${windowMs}`, { windowMs });
    }
    this.windowMs = windowMs;
    this.onBatch = onBatch;
    this.onQuote = onQuote;
    this.onSingle = onSingle;
  }

  addTrade(t: Trade): void {
    this.tradesIn++;
    const w = this.windowMs;
    if (w === 0) {
      this.batchesOut++;
      if (this.onSingle !== undefined) this.onSingle(t);
      else {
        this.batch.start(t);
        this.onBatch(this.batch);
      }
      return;
    }
    if (this.pendingTrades) {
      if (t.time < this.batchWindowEnd) {
        this.batch.add(t);
        return;
      }
      this.flushTrades();
    }
    this.batch.start(t);
    this.batchWindowEnd = barOpenTime(t.time, w) + w;
    this.pendingTrades = true;
  }

  addQuote(q: Quote): void {
    this.quotesIn++;
    const w = this.windowMs;
    if (w === 0) {
      this.quotesOut++;
      this.onQuote(q);
      return;
    }
    if (this.quote !== undefined && q.time >= this.quoteWindowEnd) this.flushQuote();
    if (this.quote === undefined) this.quoteWindowEnd = barOpenTime(q.time, w) + w;
    this.quote = q; // the latest quote wins
  }

  /** Event time reached `time`: flush every window that ended at or before it. */
  advanceTo(time: number): void {
    if (this.pendingTrades && time >= this.batchWindowEnd) this.flushTrades();
    if (this.quote !== undefined && time >= this.quoteWindowEnd) this.flushQuote();
  }

  /** Flush whatever is pending, window ended or not (shutdown, end of a replay). */
  flush(): void {
    if (this.pendingTrades) this.flushTrades();
    if (this.quote !== undefined) this.flushQuote();
  }

  /** Trades in per batch out (1 = no conflation). */
  get ratio(): number {
    return this.batchesOut === 0 ? 0 : this.tradesIn / this.batchesOut;
  }

  private flushTrades(): void {
    this.pendingTrades = false;
    this.batchesOut++;
    this.onBatch(this.batch);
  }

  private flushQuote(): void {
    const q = this.quote;
    if (q === undefined) return;
    this.quote = undefined;
    this.quotesOut++;
    this.onQuote(q);
  }
}
