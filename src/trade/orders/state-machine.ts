/**
 * Order life cycle. One `OrderStateMachine` per order, driven by venue updates (status + cumulative
 * filled quantity). Legal transitions:
 *
 *   pending  -> new | partially_filled | filled | canceled | rejected | expired | unknown
 *   unknown  -> pending (query proved the venue never got it: resubmit with the same client id)
 *             | new | partially_filled | filled | canceled | rejected | expired
 *   new      -> partially_filled | filled | canceled | expired
 *   partially_filled -> partially_filled (more filled) | filled | canceled | expired
 *   filled, canceled, rejected, expired: terminal (final).
 *
 * Invariants: the filled quantity never decreases and never exceeds the order quantity; `filled` means
 * filled == quantity; `partially_filled` means 0 < filled < quantity; `pending`, `new`, `rejected` and
 * `unknown` have nothing filled. A broken rule throws InvariantError naming both states and leaves the
 * machine unchanged.
 *
 * Venue updates can arrive out of order (the submit answer after the user-stream update): `apply`
 * reports an update that is older than the current state ('stale') or equal to it ('duplicate') and
 * ignores it instead of treating it as a transition.
 */
import { InvariantError } from '../../core/errors.js';
import { Decimal } from '../../domain/decimal.js';
import type { OrderStatus } from '../../domain/order.js';

export const TERMINAL: ReadonlySet<OrderStatus> = new Set(['filled', 'canceled', 'rejected', 'expired']);

const LEGAL: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  pending: ['new', 'partially_filled', 'filled', 'canceled', 'rejected', 'expired', 'unknown'],
  unknown: ['pending', 'new', 'partially_filled', 'filled', 'canceled', 'rejected', 'expired'],
  new: ['partially_filled', 'filled', 'canceled', 'expired'],
  partially_filled: ['partially_filled', 'filled', 'canceled', 'expired'],
  filled: [],
  canceled: [],
  rejected: [],
  expired: [],
};

/** Progress rank, used only to recognise stale (older) venue updates. */
const RANK: Readonly<Record<OrderStatus, number>> = {
  pending: 0,
  unknown: 0,
  new: 1,
  partially_filled: 2,
  filled: 3,
  canceled: 3,
  rejected: 3,
  expired: 3,
};

export function isTerminal(status: OrderStatus): boolean {
  return TERMINAL.has(status);
}

export function isLegalTransition(from: OrderStatus, to: OrderStatus): boolean {
  return LEGAL[from].includes(to);
}

export type ApplyOutcome = 'applied' | 'duplicate' | 'stale';

export class OrderStateMachine {
  readonly clientOrderId: string;
  readonly quantity: Decimal;
  private current: OrderStatus = 'pending';
  private filledQty: Decimal = Decimal.ZERO;

  constructor(clientOrderId: string, quantity: string | Decimal) {
    const q = typeof quantity === 'string' ? Decimal.parse(quantity) : quantity;
    if (q.sign() < 0) {
      throw new InvariantError(`order ${clientOrderId}: quantity ${q.toString()} is negative`, {
        clientOrderId,
      });
    }
    this.clientOrderId = clientOrderId;
    this.quantity = q;
  }

  get status(): OrderStatus {
    return this.current;
  }

  get filled(): Decimal {
    return this.filledQty;
  }

  get terminal(): boolean {
    return TERMINAL.has(this.current);
  }

  /**
   * Move to `status` with cumulative `filled` quantity (default: unchanged). Returns 'duplicate' for an
   * update equal to the current state, 'stale' for one that is older; throws InvariantError on an illegal
   * transition or a broken quantity rule.
   */
  apply(status: OrderStatus, filled?: string | Decimal): ApplyOutcome {
    const f =
      filled === undefined ? this.filledQty : typeof filled === 'string' ? Decimal.parse(filled) : filled;
    const from = this.current;
    if (status === from && f.eq(this.filledQty)) return 'duplicate';
    if (RANK[status] < RANK[from] && f.lte(this.filledQty)) return 'stale';
    if (status === from && status !== 'partially_filled') {
      this.fail(from, status, `filled quantity cannot change in state ${status}`, f);
    }
    if (!isLegalTransition(from, status)) this.fail(from, status, 'illegal transition', f);
    if (f.lt(this.filledQty)) this.fail(from, status, 'filled quantity would decrease', f);
    if (f.gt(this.quantity)) this.fail(from, status, 'filled quantity would exceed the order quantity', f);
    if (f.sign() < 0) this.fail(from, status, 'filled quantity is negative', f);
    switch (status) {
      case 'filled':
        if (!f.eq(this.quantity)) this.fail(from, status, 'filled needs filled == quantity', f);
        break;
      case 'partially_filled':
        if (f.isZero() || f.gte(this.quantity)) {
          this.fail(from, status, 'partially_filled needs 0 < filled < quantity', f);
        }
        break;
      case 'pending':
      case 'new':
      case 'rejected':
      case 'unknown':
        if (!f.isZero()) this.fail(from, status, `${status} needs nothing filled`, f);
        break;
      case 'canceled':
      case 'expired':
        break;
    }
    this.current = status;
    this.filledQty = f;
    return 'applied';
  }

  private fail(from: OrderStatus, to: OrderStatus, why: string, filled: Decimal): never {
    throw new InvariantError(
      `order ${this.clientOrderId}: ${why} (${from} -> ${to}, filled ${this.filledQty.toString()} -> ${filled.toString()} of ${this.quantity.toString()})`,
      {
        clientOrderId: this.clientOrderId,
        from,
        to,
        filled: filled.toString(),
        quantity: this.quantity.toString(),
      },
    );
  }
}
