/**
 * The quote-asset wallet, kept from fills only after one starting balance read from the venue:
 * wallet = start + realised PnL - quote-asset commissions + funding. Margin in use = sum over open
 * positions of |quantity| x avg entry / leverage; free = wallet - margin in use; equity = wallet +
 * unrealised PnL at the last mark price (avg entry when no mark is known yet).
 */
import { Decimal } from '../../domain/decimal.js';
import { type Position, type PositionBook, unrealizedPnl } from './book.js';

const MARGIN_DECIMALS = 8;

export class Account {
  readonly asset: string;
  private balance: Decimal;
  private readonly book: PositionBook;
  private readonly leverage = new Map<string, number>();
  private readonly marks = new Map<string, Decimal>();
  /** Marks given as numbers (market data) and not read since: converted to decimals when read. */
  private readonly markPrices = new Map<string, number>();

  constructor(asset: string, startBalance: Decimal, book: PositionBook) {
    this.asset = asset;
    this.balance = startBalance;
    this.book = book;
  }

  get wallet(): Decimal {
    return this.balance;
  }

  /** Add a signed amount (realised PnL, -fee, funding) to the wallet. */
  credit(amount: Decimal): void {
    this.balance = this.balance.add(amount);
  }

  reset(balance: Decimal): void {
    this.balance = balance;
  }

  setLeverage(symbol: string, leverage: number): void {
    this.leverage.set(symbol, leverage);
  }

  leverageOf(symbol: string): number {
    return this.leverage.get(symbol) ?? 1;
  }

  setMark(symbol: string, mark: Decimal): void {
    this.marks.set(symbol, mark);
    this.markPrices.delete(symbol);
  }

  /**
   * A mark price from market data (a finite float > 0): kept as a number and converted to its exact
   * decimal (Decimal.fromNumber) only when the mark is read. A backtest marks every candle while a
   * position is open and reads the mark far less often (equity at a signal, a fill, a heartbeat).
   */
  setMarkPrice(symbol: string, price: number): void {
    this.markPrices.set(symbol, price);
  }

  mark(symbol: string): Decimal | undefined {
    const price = this.markPrices.get(symbol);
    if (price === undefined) return this.marks.get(symbol);
    this.markPrices.delete(symbol);
    const mark = Decimal.fromNumber(price);
    this.marks.set(symbol, mark);
    return mark;
  }

  marginOf(p: Position): Decimal {
    return p.quantity
      .abs()
      .mul(p.avgEntry)
      .div(Decimal.fromNumber(this.leverageOf(p.symbol)), MARGIN_DECIMALS, 'up');
  }

  usedMargin(): Decimal {
    let sum = Decimal.ZERO;
    for (const p of this.book.open()) sum = sum.add(this.marginOf(p));
    return sum;
  }

  free(): Decimal {
    return this.balance.sub(this.usedMargin());
  }

  equity(): Decimal {
    let eq = this.balance;
    for (const p of this.book.open()) eq = eq.add(unrealizedPnl(p, this.mark(p.symbol) ?? p.avgEntry));
    return eq;
  }
}
