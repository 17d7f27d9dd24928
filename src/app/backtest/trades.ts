/**
 * Trades reconstructed from the bus, the way any observer of a live run could do it:
 *
 * - SIGNAL_GENERATED: remembered by its client-order-id key (`signalKey(signal.id)`), so that an order's
 *   client id (`<prefix>-<key>-<role><attempt>`, src/trade/orders/client-id.ts) leads back to its signal
 *   (confidence, tier, stop, target, strategy).
 * - FILL: remembered as the symbol's latest fill; commissions are added to the trade of the same signal
 *   key; fills against an open trade's side add to its exit volume (exit price = their VWAP).
 * - POSITION_OPENED (published right after the fill that opened it): a trade starts, with the side,
 *   quantity, entry price and time of the event, and the signal of that fill's client order id.
 * - POSITION_CLOSED: the trade ends; `pnl` is the event's realised PnL net of fees and funding
 *   (src/trade/positions/book.ts netPnl); the exit reason is the role of the fill that closed it
 *   (sl -> stop, tp -> target, close -> close; a client id the engine did not make, such as the
 *   simulator's `autoclose-N`, -> liquidation).
 * - BALANCE_UPDATED: free + locked is the wallet (for the mark-to-market equity curve).
 *
 * R of a trade = pnl / initial risk, initial risk = |entry price - signal stop| x entry quantity.
 */
import { createHash } from 'node:crypto';
import type { EventBus } from '../../core/event-bus.js';
import type { AegisTopics } from '../../domain/events.js';
import type { Fill } from '../../domain/order.js';
import type { Signal, Tier } from '../../domain/signal.js';
import { parseClientOrderId, signalKey } from '../../trade/orders/client-id.js';

export type ExitReason = 'stop' | 'target' | 'close' | 'liquidation';

/** One round trip: position opened -> position closed. Field order is the canonical serialisation order. */
export interface BacktestTrade {
  readonly n: number;
  readonly symbol: string;
  readonly side: 'LONG' | 'SHORT';
  readonly tier: Tier;
  /** Signal confidence in [0, 1] (NaN is never produced: an unknown signal gives 0). */
  readonly confidence: number;
  readonly signalId: string;
  readonly strategy: string;
  readonly entryTime: number;
  readonly entryPrice: number;
  readonly quantity: number;
  readonly stop: number;
  readonly takeProfit: number;
  readonly exitTime: number;
  readonly exitPrice: number;
  readonly exitReason: ExitReason;
  /** Net of fees and funding, quote asset. */
  readonly pnl: number;
  /** Commissions of every fill of this trade (entry, stop, target, close), quote asset. */
  readonly fees: number;
  /** pnl / initial risk; null when the risk is 0 or unknown. */
  readonly r: number | null;
}

interface OpenTrade {
  readonly symbol: string;
  readonly side: 'LONG' | 'SHORT';
  readonly tier: Tier;
  readonly signal: Signal | undefined;
  readonly key: string | undefined;
  readonly entryTime: number;
  readonly entryPrice: number;
  readonly quantity: number;
  fees: number;
  exitQty: number;
  exitNotional: number;
}

/** A canonical, comparable form of a signal (every field, fixed order). */
export function canonicalSignal(s: Signal): string {
  return JSON.stringify([
    s.id,
    s.symbol,
    s.interval,
    s.side,
    s.confidence,
    s.tier,
    s.position_size,
    s.entry,
    s.stop,
    s.take_profit,
    s.candleOpenTime,
    s.decidedAt,
    s.strategy,
    s.patterns.map((p) => [p.kind, p.direction, p.level, p.top, p.bottom, p.refTime, p.decidedTime]),
  ]);
}

export class TradeRecorder {
  readonly trades: BacktestTrade[] = [];
  readonly signals: Signal[] = [];
  readonly fills: Fill[] = [];
  /** Wallet (free + locked of the quote asset) after the latest balance update. */
  wallet: number;
  feesPaid = 0;
  private readonly byKey = new Map<string, Signal>();
  private readonly open = new Map<string, OpenTrade>();
  private readonly lastFill = new Map<string, Fill>();

  constructor(
    bus: EventBus<AegisTopics>,
    startWallet: number,
    private readonly quoteAsset = 'USDT',
  ) {
    this.wallet = startWallet;
    const name = 'app.backtest';
    bus.subscribe('SIGNAL_GENERATED', name, (s) => {
      this.signals.push(s);
      this.byKey.set(signalKey(s.id), s);
    });
    bus.subscribe('FILL', name, (f) => {
      this.onFill(f);
    });
    bus.subscribe('POSITION_OPENED', name, (p) => {
      const fill = this.lastFill.get(p.symbol);
      const key = fill === undefined ? undefined : parseClientOrderId(fill.clientOrderId)?.key;
      const signal = key === undefined ? undefined : this.byKey.get(key);
      this.open.set(p.symbol, {
        symbol: p.symbol,
        side: p.side,
        tier: p.tier,
        signal,
        key,
        entryTime: p.time,
        entryPrice: p.entryPrice,
        quantity: p.quantity,
        // the opening fill's commission was counted before the trade existed
        fees: fill === undefined ? 0 : this.feeOf(fill),
        exitQty: 0,
        exitNotional: 0,
      });
    });
    bus.subscribe('POSITION_CLOSED', name, (p) => {
      const t = this.open.get(p.symbol);
      if (t === undefined) return;
      this.open.delete(p.symbol);
      const fill = this.lastFill.get(p.symbol);
      const s = t.signal;
      const risk = s === undefined ? 0 : Math.abs(t.entryPrice - s.stop) * t.quantity;
      this.trades.push({
        n: this.trades.length + 1,
        symbol: t.symbol,
        side: t.side,
        tier: t.tier,
        confidence: s?.confidence ?? 0,
        signalId: s?.id ?? '',
        strategy: s?.strategy ?? '',
        entryTime: t.entryTime,
        entryPrice: t.entryPrice,
        quantity: t.quantity,
        stop: s?.stop ?? 0,
        takeProfit: s?.take_profit ?? 0,
        exitTime: p.time,
        exitPrice: t.exitQty > 0 ? t.exitNotional / t.exitQty : fill === undefined ? 0 : Number(fill.price),
        exitReason: exitReason(fill),
        pnl: p.realizedPnl,
        fees: t.fees,
        r: risk > 0 ? p.realizedPnl / risk : null,
      });
    });
    bus.subscribe('BALANCE_UPDATED', name, (b) => {
      if (b.asset === this.quoteAsset) this.wallet = b.free + b.locked;
    });
  }

  /** Positions still open (at the end of the data they are not counted as trades). */
  openPositions(): number {
    return this.open.size;
  }

  /** Wallet + unrealised PnL of the open trades at `price` (one symbol's price; others at their entry). */
  equityAt(symbol: string, price: number): number {
    let eq = this.wallet;
    for (const t of this.open.values()) {
      if (t.symbol !== symbol) continue;
      const q = t.side === 'LONG' ? t.quantity : -t.quantity;
      eq += q * (price - t.entryPrice);
    }
    return eq;
  }

  get hasOpen(): boolean {
    return this.open.size > 0;
  }

  private onFill(f: Fill): void {
    this.fills.push(f);
    this.lastFill.set(f.symbol, f);
    const fee = this.feeOf(f);
    this.feesPaid += fee;
    const t = this.open.get(f.symbol);
    if (t === undefined) return;
    const key = parseClientOrderId(f.clientOrderId)?.key;
    if (key === undefined || key === t.key) t.fees += fee;
    const against = (t.side === 'LONG') === (f.side === 'SELL');
    if (against) {
      const q = Number(f.quantity);
      t.exitQty += q;
      t.exitNotional += q * Number(f.price);
    }
  }

  private feeOf(f: Fill): number {
    const c = Number(f.commission);
    return f.commissionAsset === this.quoteAsset ? c : c * Number(f.price);
  }
}

function exitReason(fill: Fill | undefined): ExitReason {
  const parsed = fill === undefined ? undefined : parseClientOrderId(fill.clientOrderId);
  switch (parsed?.role) {
    case 'sl':
      return 'stop';
    case 'tp':
      return 'target';
    case 'close':
    case 'entry': // a flip by an entry order
      return 'close';
    case undefined:
      return 'liquidation';
  }
}

const TRADE_KEYS: readonly (keyof BacktestTrade)[] = [
  'n',
  'symbol',
  'side',
  'tier',
  'confidence',
  'signalId',
  'strategy',
  'entryTime',
  'entryPrice',
  'quantity',
  'stop',
  'takeProfit',
  'exitTime',
  'exitPrice',
  'exitReason',
  'pnl',
  'fees',
  'r',
];

/**
 * The canonical trade list: one JSON array per trade, values in TRADE_KEYS order, one trade per line
 * (numbers in JavaScript's shortest round-trip form, so equal numbers give equal bytes).
 */
export function canonicalTrades(trades: readonly BacktestTrade[]): string {
  let out = JSON.stringify(TRADE_KEYS) + '\n';
  for (const t of trades) out += JSON.stringify(TRADE_KEYS.map((k) => t[k])) + '\n';
  return out;
}

/** sha256 (hex) of the canonical trade list. */
export function fingerprint(trades: readonly BacktestTrade[]): string {
  return createHash('sha256').update(canonicalTrades(trades)).digest('hex');
}
