/**
 * Positions from fills only. One net position per symbol (signed quantity: > 0 long, < 0 short), with
 * its average entry price, realised PnL, fees and funding. Exact decimals throughout.
 *
 * - A fill in the direction of the position (or from flat) adds to it: the new average entry is the
 *   quantity-weighted mean, rounded to AVG_DECIMALS.
 * - A fill against it reduces it: realised PnL = closed qty x (price - avg) for a long, x (avg - price)
 *   for a short; the average entry does not change.
 * - A fill larger than the position flips it: the old position closes at the fill price and the rest
 *   opens a new one at that price. The fill's commission is split pro rata between the two parts.
 * - Commission in the quote asset is a fee of the position; commission in another asset (BNB) is
 *   recorded per asset in `otherFees` and not mixed into PnL.
 * - Net PnL of a position = realised - fees + funding.
 */
import { InvariantError } from '../../core/errors.js';
import { Decimal } from '../../domain/decimal.js';
import type { Fill } from '../../domain/order.js';

/** Decimals kept for the average entry price. */
export const AVG_DECIMALS = 12;

export interface Position {
  readonly symbol: string;
  /** Signed: > 0 long, < 0 short, 0 flat. */
  readonly quantity: Decimal;
  readonly avgEntry: Decimal;
  readonly realizedPnl: Decimal;
  /** Quote-asset commissions paid by this position. */
  readonly fees: Decimal;
  /** Funding received (> 0) or paid (< 0) while the position was open. */
  readonly funding: Decimal;
  readonly openedAt: number;
  readonly updatedAt: number;
}

export type FillEffectKind = 'opened' | 'increased' | 'reduced' | 'closed' | 'flipped';

export interface FillEffect {
  readonly kind: FillEffectKind;
  /** Realised PnL of this fill (before fees). */
  readonly realized: Decimal;
  /** Quote-asset commission of this fill. */
  readonly fee: Decimal;
  /** The position after the fill (flat after 'closed'). */
  readonly position: Position;
  /** For 'closed' and 'flipped': the position that was closed, with its final totals. */
  readonly closed?: Position;
}

function flat(symbol: string, time: number): Position {
  return {
    symbol,
    quantity: Decimal.ZERO,
    avgEntry: Decimal.ZERO,
    realizedPnl: Decimal.ZERO,
    fees: Decimal.ZERO,
    funding: Decimal.ZERO,
    openedAt: time,
    updatedAt: time,
  };
}

export function netPnl(p: Position): Decimal {
  return p.realizedPnl.sub(p.fees).add(p.funding);
}

/** Unrealised PnL at `mark`: quantity x (mark - avg entry) (negative quantity for a short). */
export function unrealizedPnl(p: Position, mark: Decimal): Decimal {
  return p.quantity.mul(mark.sub(p.avgEntry));
}

export class PositionBook {
  readonly quoteAsset: string;
  private readonly positions = new Map<string, Position>();
  private readonly other = new Map<string, Decimal>();

  constructor(quoteAsset: string) {
    this.quoteAsset = quoteAsset;
  }

  get(symbol: string): Position | undefined {
    const p = this.positions.get(symbol);
    return p === undefined || p.quantity.isZero() ? undefined : p;
  }

  open(): Position[] {
    return [...this.positions.values()].filter((p) => !p.quantity.isZero());
  }

  /** Commissions paid in assets other than the quote asset, per asset. */
  otherFees(): ReadonlyMap<string, Decimal> {
    return this.other;
  }

  applyFill(fill: Fill): FillEffect {
    const price = Decimal.parse(fill.price);
    const qty = Decimal.parse(fill.quantity);
    const commission = Decimal.parse(fill.commission);
    if (qty.sign() <= 0 || price.sign() <= 0 || commission.sign() < 0) {
      throw new InvariantError(
        `fill ${fill.tradeId} of ${fill.clientOrderId} has quantity ${fill.quantity}, price ${fill.price}, commission ${fill.commission}`,
        { symbol: fill.symbol, clientOrderId: fill.clientOrderId, tradeId: fill.tradeId },
      );
    }
    let fee = Decimal.ZERO;
    if (fill.commissionAsset === this.quoteAsset) fee = commission;
    else if (!commission.isZero()) {
      this.other.set(
        fill.commissionAsset,
        (this.other.get(fill.commissionAsset) ?? Decimal.ZERO).add(commission),
      );
    }
    const signed = fill.side === 'BUY' ? qty : qty.neg();
    const before = this.positions.get(fill.symbol) ?? flat(fill.symbol, fill.time);
    const q = before.quantity;

    // from flat, or in the position's direction
    if (q.isZero() || q.sign() === signed.sign()) {
      const start = q.isZero() ? flat(fill.symbol, fill.time) : before;
      const newQty = start.quantity.add(signed);
      const cost = start.quantity.abs().mul(start.avgEntry).add(qty.mul(price));
      const position: Position = {
        ...start,
        quantity: newQty,
        avgEntry: cost.div(newQty.abs(), AVG_DECIMALS, 'nearest'),
        fees: start.fees.add(fee),
        updatedAt: fill.time,
      };
      this.positions.set(fill.symbol, position);
      return { kind: q.isZero() ? 'opened' : 'increased', realized: Decimal.ZERO, fee, position };
    }

    // against the position
    const held = q.abs();
    const closing = Decimal.min(held, qty);
    const perUnit = q.sign() > 0 ? price.sub(before.avgEntry) : before.avgEntry.sub(price);
    const realized = closing.mul(perUnit);
    const closingFee = closing.eq(qty) ? fee : fee.mul(closing).div(qty, AVG_DECIMALS, 'nearest');
    const reduced: Position = {
      ...before,
      quantity: q.add(signed.sign() > 0 ? closing : closing.neg()),
      realizedPnl: before.realizedPnl.add(realized),
      fees: before.fees.add(closingFee),
      updatedAt: fill.time,
    };
    if (qty.lt(held)) {
      this.positions.set(fill.symbol, reduced);
      return { kind: 'reduced', realized, fee, position: reduced };
    }
    const closed: Position = { ...reduced, avgEntry: before.avgEntry };
    if (qty.eq(held)) {
      const after = flat(fill.symbol, fill.time);
      this.positions.set(fill.symbol, after);
      return { kind: 'closed', realized, fee, position: after, closed };
    }
    const rest = qty.sub(held);
    const opened: Position = {
      ...flat(fill.symbol, fill.time),
      quantity: signed.sign() > 0 ? rest : rest.neg(),
      avgEntry: price,
      fees: fee.sub(closingFee),
    };
    this.positions.set(fill.symbol, opened);
    return { kind: 'flipped', realized, fee, position: opened, closed };
  }

  /** Book a funding payment on the open position of `symbol` (ignored when flat: returns false). */
  applyFunding(symbol: string, amount: Decimal, time: number): boolean {
    const p = this.get(symbol);
    if (p === undefined) return false;
    this.positions.set(symbol, { ...p, funding: p.funding.add(amount), updatedAt: time });
    return true;
  }

  /** Replace a position wholesale (reconciliation with the venue). */
  set(position: Position): void {
    this.positions.set(position.symbol, position);
  }
}
