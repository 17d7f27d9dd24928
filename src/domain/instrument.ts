/**
 * A tradable symbol and its exchange filters (Binance exchangeInfo `symbols[].filters`), as exact
 * decimal strings, plus the one place where prices and quantities are rounded and checked.
 *
 * Filter rules (Binance "Filters" docs; /work/shared/reference/binance-api.md section 5):
 * - PRICE_FILTER: price >= minPrice, price <= maxPrice (0 disables), (price - minPrice) % tickSize == 0
 *   (tickSize 0 disables). STOP prices are checked the same way.
 * - LOT_SIZE: quantity >= minQty, <= maxQty, (quantity - minQty) % stepSize == 0. MARKET orders also
 *   satisfy MARKET_LOT_SIZE when the instrument has one (marketMinQty/marketMaxQty/marketStepSize).
 * - Notional: spot NOTIONAL (price * qty >= minNotional; MARKET orders only when applyMinToMarket, with
 *   a reference price), futures MIN_NOTIONAL (waived for reduce-only and closePosition orders).
 *
 * Spot answers -1013 "Filter failure: <FILTER>". USDⓈ-M futures answers its own codes (Binance
 * USDⓈ-M "Error Codes", 40xx section): -4013/-4002/-4014 for the price, -4003/-4004/-4005/-4023 for the
 * quantity, -4164 for the notional.
 */
import type { MarketType } from './market.js';
import type { OrderType } from './order.js';
import { Decimal, type RoundingMode } from './decimal.js';

export interface Instrument {
  readonly symbol: string;
  readonly market: MarketType;
  readonly baseAsset: string;
  readonly quoteAsset: string;
  /** PRICE_FILTER */
  readonly tickSize: string;
  readonly minPrice: string;
  /** "0" = no maximum. */
  readonly maxPrice: string;
  /** LOT_SIZE */
  readonly stepSize: string;
  readonly minQty: string;
  readonly maxQty: string;
  /** MARKET_LOT_SIZE, when the symbol has one. */
  readonly marketStepSize?: string;
  readonly marketMinQty?: string;
  readonly marketMaxQty?: string;
  /** Spot NOTIONAL.minNotional or futures MIN_NOTIONAL.notional. */
  readonly minNotional: string;
  /** Spot NOTIONAL.maxNotional (absent = none). */
  readonly maxNotional?: string;
  /** Spot NOTIONAL.applyMinToMarket (default true). */
  readonly applyMinToMarket?: boolean;
  /** Futures maintenance margin rate of the first notional bracket (e.g. "0.004" for BTCUSDT). */
  readonly maintMarginRate?: string;
}

/** The parts of an order the filters look at. */
export interface OrderToCheck {
  readonly type: OrderType;
  readonly quantity?: string | undefined;
  readonly price?: string | undefined;
  readonly stopPrice?: string | undefined;
  readonly reduceOnly?: boolean | undefined;
  readonly closePosition?: boolean | undefined;
}

export type FilterName =
  'PRICE_FILTER' | 'LOT_SIZE' | 'MARKET_LOT_SIZE' | 'NOTIONAL' | 'MIN_NOTIONAL' | 'PARAMETER';

export type FilterCheck =
  | { readonly ok: true }
  | { readonly ok: false; readonly filter: FilterName; readonly code: number; readonly msg: string };

/** The instrument with its filters parsed once. */
export interface InstrumentSpec {
  readonly instrument: Instrument;
  readonly tickSize: Decimal;
  readonly minPrice: Decimal;
  readonly maxPrice: Decimal;
  readonly stepSize: Decimal;
  readonly minQty: Decimal;
  readonly maxQty: Decimal;
  readonly marketStepSize: Decimal | undefined;
  readonly marketMinQty: Decimal | undefined;
  readonly marketMaxQty: Decimal | undefined;
  readonly minNotional: Decimal;
  readonly maxNotional: Decimal | undefined;
  readonly applyMinToMarket: boolean;
  readonly maintMarginRate: Decimal;
}

const specs = new WeakMap<Instrument, InstrumentSpec>();

function opt(text: string | undefined): Decimal | undefined {
  return text === undefined ? undefined : Decimal.parse(text);
}

/** Parse an instrument's filters (cached per object). Throws DecimalError on a malformed filter value. */
export function instrumentSpec(instrument: Instrument): InstrumentSpec {
  let spec = specs.get(instrument);
  if (spec === undefined) {
    spec = {
      instrument,
      tickSize: Decimal.parse(instrument.tickSize),
      minPrice: Decimal.parse(instrument.minPrice),
      maxPrice: Decimal.parse(instrument.maxPrice),
      stepSize: Decimal.parse(instrument.stepSize),
      minQty: Decimal.parse(instrument.minQty),
      maxQty: Decimal.parse(instrument.maxQty),
      marketStepSize: opt(instrument.marketStepSize),
      marketMinQty: opt(instrument.marketMinQty),
      marketMaxQty: opt(instrument.marketMaxQty),
      minNotional: Decimal.parse(instrument.minNotional),
      maxNotional: opt(instrument.maxNotional),
      applyMinToMarket: instrument.applyMinToMarket ?? true,
      maintMarginRate: Decimal.parse(instrument.maintMarginRate ?? '0.004'),
    };
    specs.set(instrument, spec);
  }
  return spec;
}

const ok: FilterCheck = { ok: true };

function fail(filter: FilterName, code: number, msg: string): FilterCheck {
  return { ok: false, filter, code, msg };
}

function illegal(param: string): FilterCheck {
  return fail(
    'PARAMETER',
    -1100,
    `Illegal characters found in parameter '${param}'; legal range is '^([0-9]{1,20})(\\.[0-9]{1,20})?$'.`,
  );
}

function parseParam(text: string | undefined, param: string): Decimal | FilterCheck | undefined {
  if (text === undefined) return undefined;
  if (!Decimal.isValid(text)) return illegal(param);
  return Decimal.parse(text);
}

function onGrid(value: Decimal, base: Decimal, step: Decimal): boolean {
  return step.isZero() || value.sub(base).isMultipleOf(step);
}

function checkPrice(spec: InstrumentSpec, price: Decimal, stop: boolean): FilterCheck {
  const futures = spec.instrument.market === 'futures';
  const tooHigh = !spec.maxPrice.isZero() && price.gt(spec.maxPrice);
  const tooLow = price.sign() <= 0 || price.lt(spec.minPrice);
  const offTick = !onGrid(price, spec.minPrice, spec.tickSize);
  if (!tooHigh && !tooLow && !offTick) return ok;
  if (!futures) return fail('PRICE_FILTER', -1013, 'Filter failure: PRICE_FILTER');
  if (tooLow) {
    if (stop) return fail('PRICE_FILTER', -4006, 'Stop price less than zero.');
    return price.sign() <= 0
      ? fail('PRICE_FILTER', -4001, 'Price less than 0.')
      : fail('PRICE_FILTER', -4013, 'Price less than min price.');
  }
  if (tooHigh) {
    return stop
      ? fail('PRICE_FILTER', -4007, 'Stop price greater than max price.')
      : fail('PRICE_FILTER', -4002, 'Price greater than max price.');
  }
  return fail('PRICE_FILTER', -4014, 'Price not increased by tick size.');
}

function checkLot(
  spec: InstrumentSpec,
  qty: Decimal,
  filter: 'LOT_SIZE' | 'MARKET_LOT_SIZE',
  minQty: Decimal,
  maxQty: Decimal,
  step: Decimal,
): FilterCheck {
  const futures = spec.instrument.market === 'futures';
  if (qty.sign() <= 0) {
    return futures
      ? fail(filter, -4003, 'Quantity less than or equal to zero.')
      : fail(filter, -1013, `Filter failure: ${filter}`);
  }
  if (qty.lt(minQty)) {
    return futures
      ? fail(filter, -4004, 'Quantity less than min quantity.')
      : fail(filter, -1013, `Filter failure: ${filter}`);
  }
  if (!maxQty.isZero() && qty.gt(maxQty)) {
    return futures
      ? fail(filter, -4005, 'Quantity greater than max quantity.')
      : fail(filter, -1013, `Filter failure: ${filter}`);
  }
  if (!onGrid(qty, minQty, step)) {
    return futures
      ? fail(filter, -4023, 'Qty not increased by step size.')
      : fail(filter, -1013, `Filter failure: ${filter}`);
  }
  return ok;
}

/**
 * Check an order against the instrument's filters, in Binance's order: price, quantity, notional.
 * `referencePrice` is the price a MARKET order's notional is measured at (spot: average price; futures:
 * last or mark price); without it a MARKET order's notional is not checked.
 */
export function checkOrder(
  instrument: Instrument,
  order: OrderToCheck,
  referencePrice?: string | Decimal,
): FilterCheck {
  const spec = instrumentSpec(instrument);
  const futures = instrument.market === 'futures';
  const isMarket = order.type === 'MARKET';
  const conditional = order.type === 'STOP_MARKET' || order.type === 'TAKE_PROFIT_MARKET';

  const price = parseParam(order.price, 'price');
  if (price !== undefined && !(price instanceof Decimal)) return price;
  const stopPrice = parseParam(order.stopPrice, 'stopPrice');
  if (stopPrice !== undefined && !(stopPrice instanceof Decimal)) return stopPrice;
  const quantity = parseParam(order.quantity, 'quantity');
  if (quantity !== undefined && !(quantity instanceof Decimal)) return quantity;

  if (order.type === 'LIMIT' && price === undefined) {
    return fail(
      'PARAMETER',
      -1102,
      "Mandatory parameter 'price' was not sent, was empty/null, or malformed.",
    );
  }
  if (conditional && stopPrice === undefined) {
    return fail(
      'PARAMETER',
      -1102,
      "Mandatory parameter 'stopPrice' was not sent, was empty/null, or malformed.",
    );
  }
  if (order.closePosition === true && quantity !== undefined && !quantity.isZero()) {
    return fail('PARAMETER', -4137, 'Quantity must be zero with closePosition equals true');
  }
  if (order.closePosition !== true && quantity === undefined) {
    return fail(
      'PARAMETER',
      -1102,
      "Mandatory parameter 'quantity' was not sent, was empty/null, or malformed.",
    );
  }

  if (price !== undefined) {
    const r = checkPrice(spec, price, false);
    if (!r.ok) return r;
  }
  if (stopPrice !== undefined) {
    const r = checkPrice(spec, stopPrice, true);
    if (!r.ok) return r;
  }
  if (order.closePosition === true || quantity === undefined) return ok;

  const lot = checkLot(spec, quantity, 'LOT_SIZE', spec.minQty, spec.maxQty, spec.stepSize);
  if (!lot.ok) return lot;
  if ((isMarket || conditional) && spec.marketStepSize !== undefined) {
    const mlot = checkLot(
      spec,
      quantity,
      'MARKET_LOT_SIZE',
      spec.marketMinQty ?? spec.minQty,
      spec.marketMaxQty ?? spec.maxQty,
      spec.marketStepSize,
    );
    if (!mlot.ok) return mlot;
  }

  // notional
  let at: Decimal | undefined = price ?? stopPrice;
  if (isMarket) {
    at =
      referencePrice === undefined
        ? undefined
        : typeof referencePrice === 'string'
          ? Decimal.parse(referencePrice)
          : referencePrice;
    if (!futures && !spec.applyMinToMarket) at = undefined;
  }
  if (at === undefined) return ok;
  const notional = at.mul(quantity);
  if (futures) {
    if (order.reduceOnly !== true && notional.lt(spec.minNotional)) {
      return fail(
        'MIN_NOTIONAL',
        -4164,
        `Order's notional must be no smaller than ${spec.minNotional.toString()} (unless you choose reduce only).`,
      );
    }
    return ok;
  }
  if (notional.lt(spec.minNotional)) return fail('NOTIONAL', -1013, 'Filter failure: NOTIONAL');
  if (spec.maxNotional !== undefined && !spec.maxNotional.isZero() && notional.gt(spec.maxNotional)) {
    return fail('NOTIONAL', -1013, 'Filter failure: NOTIONAL');
  }
  return ok;
}

/**
 * Round a price to the instrument's tick (relative to minPrice, as PRICE_FILTER measures it).
 * Default `nearest`; use `down` for a buy you must not overpay, `up` for a sell you must not undersell.
 */
export function roundPrice(
  instrument: Instrument,
  price: string | Decimal,
  mode: RoundingMode = 'nearest',
): string {
  const spec = instrumentSpec(instrument);
  const p = typeof price === 'string' ? Decimal.parse(price) : price;
  if (spec.tickSize.isZero()) return p.toString();
  return spec.minPrice.add(p.sub(spec.minPrice).roundToStep(spec.tickSize, mode)).toString();
}

/**
 * Round a quantity to the lot step (relative to minQty). Default `down` so a size never grows past what
 * risk allowed. `market` uses MARKET_LOT_SIZE's step when the instrument has one.
 */
export function roundQuantity(
  instrument: Instrument,
  quantity: string | Decimal,
  mode: RoundingMode = 'down',
  market = false,
): string {
  const spec = instrumentSpec(instrument);
  const q = typeof quantity === 'string' ? Decimal.parse(quantity) : quantity;
  const step = market && spec.marketStepSize !== undefined ? spec.marketStepSize : spec.stepSize;
  const min = market && spec.marketMinQty !== undefined ? spec.marketMinQty : spec.minQty;
  if (step.isZero()) return q.toString();
  return min.add(q.sub(min).roundToStep(step, mode)).toString();
}
