/**
 * The risk gate's hot path for the exchange filters, on Decimals it already holds (no string round trip).
 *
 * - `roundPriceDec` / `roundQuantityDec` compute exactly what `roundPrice` / `roundQuantity`
 *   (src/domain/instrument.ts) compute, as a Decimal instead of its string (a Decimal is normalised, so
 *   `Decimal.parse(roundPrice(...))` and `roundPriceDec(...)` are the same value with the same units and
 *   scale).
 * - `passesFilters` answers "would `checkOrder` accept this order?" for the orders the gate builds (no
 *   `price`, no `closePosition`), without parsing the order's strings again. It mirrors `checkOrder`
 *   rule for rule; the gate still asks `checkOrder` itself whenever this says no, so a denial and its
 *   detail always come from `checkOrder`. filters.test.ts checks the two agree on random orders.
 */
import { Decimal, type RoundingMode } from '../../domain/decimal.js';
import { type InstrumentSpec } from '../../domain/instrument.js';
import type { OrderType } from '../../domain/order.js';

/** Decimal.isValid's length limit on an order parameter (checkOrder answers -1100 above it). */
const MAX_PARAM_CHARS = 100;

/**
 * Whether a spec's minimums sit on their grid (minPrice a multiple of the tick, minQty of the step): then
 * rounding `x - min` to the grid and adding `min` back is rounding `x` itself (shifting by a whole number
 * of steps commutes with rounding, ties included), and `x - min` is on the grid exactly when `x` is, so
 * the subtraction and the addition are skipped. Kept for the last spec (specs are cached and immutable).
 */
let gridSpec: InstrumentSpec | undefined;
let minPriceOnGrid = false;
let minQtyOnGrid = false;
let marketMinQtyOnGrid = false;

function onItsGrid(min: Decimal, step: Decimal): boolean {
  return step.isZero() || min.isMultipleOf(step);
}

function grids(spec: InstrumentSpec): void {
  if (spec === gridSpec) return;
  minPriceOnGrid = onItsGrid(spec.minPrice, spec.tickSize);
  minQtyOnGrid = onItsGrid(spec.minQty, spec.stepSize);
  marketMinQtyOnGrid =
    spec.marketStepSize === undefined || onItsGrid(spec.marketMinQty ?? spec.minQty, spec.marketStepSize);
  gridSpec = spec;
}

export function roundPriceDec(spec: InstrumentSpec, price: Decimal, mode: RoundingMode = 'nearest'): Decimal {
  if (spec.tickSize.isZero()) return price;
  grids(spec);
  if (minPriceOnGrid) return price.roundToStep(spec.tickSize, mode);
  return spec.minPrice.add(price.sub(spec.minPrice).roundToStep(spec.tickSize, mode));
}

export function roundQuantityDec(
  spec: InstrumentSpec,
  quantity: Decimal,
  mode: RoundingMode = 'down',
  market = false,
): Decimal {
  const marketLot = market && spec.marketStepSize !== undefined;
  const step = market && spec.marketStepSize !== undefined ? spec.marketStepSize : spec.stepSize;
  const min = market && spec.marketMinQty !== undefined ? spec.marketMinQty : spec.minQty;
  if (step.isZero()) return quantity;
  grids(spec);
  // MARKET_LOT_SIZE's step with its (or LOT_SIZE's) minimum, or LOT_SIZE's step with LOT_SIZE's minimum
  const onGrid = marketLot ? marketMinQtyOnGrid : min === spec.minQty && minQtyOnGrid;
  if (onGrid) return quantity.roundToStep(step, mode);
  return min.add(quantity.sub(min).roundToStep(step, mode));
}

/** `value - base` is a multiple of `step`; `baseOnGrid`: base is one (then value alone is tested). */
function onGrid(value: Decimal, base: Decimal, step: Decimal, baseOnGrid: boolean): boolean {
  if (step.isZero()) return true;
  return baseOnGrid ? value.isMultipleOf(step) : value.sub(base).isMultipleOf(step);
}

function priceOk(spec: InstrumentSpec, price: Decimal): boolean {
  if (!spec.maxPrice.isZero() && price.gt(spec.maxPrice)) return false;
  if (price.sign() <= 0 || price.lt(spec.minPrice)) return false;
  grids(spec);
  return onGrid(price, spec.minPrice, spec.tickSize, minPriceOnGrid);
}

function lotOk(qty: Decimal, minQty: Decimal, maxQty: Decimal, step: Decimal, minOnGrid: boolean): boolean {
  if (qty.sign() <= 0 || qty.lt(minQty)) return false;
  if (!maxQty.isZero() && qty.gt(maxQty)) return false;
  return onGrid(qty, minQty, step, minOnGrid);
}

/**
 * The gate checks one quantity for up to three orders (entry, stop-loss, take-profit): the lot answers for
 * the last (spec, quantity) pair are kept. Both are immutable (a Decimal never changes; a spec is cached
 * per instrument object), so the same pair always has the same answers.
 */
let lastSpec: InstrumentSpec | undefined;
let lastQty: Decimal | undefined;
let lastLotOk = false;
/** The MARKET_LOT_SIZE answer for the pair (true when the instrument has none). */
let lastMarketLotOk = false;

function lotsOk(spec: InstrumentSpec, qty: Decimal, marketLot: boolean): boolean {
  if (qty !== lastQty || spec !== lastSpec) {
    grids(spec);
    lastLotOk = lotOk(qty, spec.minQty, spec.maxQty, spec.stepSize, minQtyOnGrid);
    lastMarketLotOk =
      spec.marketStepSize === undefined ||
      lotOk(
        qty,
        spec.marketMinQty ?? spec.minQty,
        spec.marketMaxQty ?? spec.maxQty,
        spec.marketStepSize,
        marketMinQtyOnGrid,
      );
    lastSpec = spec;
    lastQty = qty;
  }
  return lastLotOk && (!marketLot || lastMarketLotOk);
}

/** An order as the gate builds it: a quantity, a trigger price for conditional types, never a limit price. */
export interface GateOrder {
  readonly type: OrderType;
  readonly quantity: Decimal;
  readonly quantityText: string;
  readonly stopPrice: Decimal | undefined;
  readonly stopPriceText: string | undefined;
  readonly reduceOnly: boolean;
}

/**
 * True only when `checkOrder(spec.instrument, order, referencePrice)` would answer ok. An order with a
 * limit price is never passed here (LIMIT needs checkOrder's full path).
 */
export function passesFilters(spec: InstrumentSpec, order: GateOrder, referencePrice: Decimal): boolean {
  return passesFiltersFor(
    spec,
    order.type,
    order.quantity,
    order.quantityText,
    order.stopPrice,
    order.stopPriceText,
    order.reduceOnly,
    referencePrice,
  );
}

/** passesFilters on the order's fields (the gate's approve path builds no GateOrder object). */
export function passesFiltersFor(
  spec: InstrumentSpec,
  type: OrderType,
  qty: Decimal,
  quantityText: string,
  stopPrice: Decimal | undefined,
  stopPriceText: string | undefined,
  reduceOnly: boolean,
  referencePrice: Decimal,
): boolean {
  if (type === 'LIMIT') return false;
  if (quantityText.length > MAX_PARAM_CHARS) return false;
  if (stopPriceText !== undefined && stopPriceText.length > MAX_PARAM_CHARS) return false;
  const isMarket = type === 'MARKET';
  const conditional = type === 'STOP_MARKET' || type === 'TAKE_PROFIT_MARKET';
  if (conditional && stopPrice === undefined) return false;
  if (stopPrice !== undefined && !priceOk(spec, stopPrice)) return false;
  if (!lotsOk(spec, qty, isMarket || conditional)) return false;
  const futures = spec.instrument.market === 'futures';
  let at: Decimal | undefined = stopPrice;
  if (isMarket) at = !futures && !spec.applyMinToMarket ? undefined : referencePrice;
  if (at === undefined) return true;
  const notional = at.mul(qty);
  if (futures) return reduceOnly || !notional.lt(spec.minNotional);
  if (notional.lt(spec.minNotional)) return false;
  return spec.maxNotional === undefined || spec.maxNotional.isZero() || !notional.gt(spec.maxNotional);
}
