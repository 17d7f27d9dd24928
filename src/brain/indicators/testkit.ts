/**
 * Uniform adapters over every indicator, for the tests (reference files, replace() equivalence,
 * property tests). Not exported from index.ts.
 */
import { ADX } from './adx.js';
import { ATR } from './atr.js';
import { BollingerBands } from './bollinger.js';
import { EMA } from './ema.js';
import { MACD } from './macd.js';
import { OBV } from './obv.js';
import { RSI } from './rsi.js';
import { SMA } from './sma.js';
import { Stochastic } from './stochastic.js';
import { VWAP } from './vwap.js';

export interface Bar {
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

export interface Driver {
  readonly name: string;
  add(bar: Bar): void;
  replace(bar: Bar): void;
  readonly ready: boolean;
  /** Every output, in the reference file's column order. */
  outputs(): number[];
}

function closeDriver(
  name: string,
  ind: { update(c: number): number; replace(c: number): number; ready: boolean },
  out: () => number[],
): Driver {
  return {
    name,
    add: (b) => ind.update(b.close),
    replace: (b) => ind.replace(b.close),
    get ready() {
      return ind.ready;
    },
    outputs: out,
  };
}

function hlcDriver(
  name: string,
  ind: {
    update(h: number, l: number, c: number): number;
    replace(h: number, l: number, c: number): number;
    ready: boolean;
  },
  out: () => number[],
): Driver {
  return {
    name,
    add: (b) => ind.update(b.high, b.low, b.close),
    replace: (b) => ind.replace(b.high, b.low, b.close),
    get ready() {
      return ind.ready;
    },
    outputs: out,
  };
}

/** Fresh instances with the reference files' parameters, keyed by reference file name. */
export function makeDrivers(): Record<string, Driver> {
  const rsi = new RSI(14);
  const atr = new ATR(14);
  const ema = new EMA(20);
  const sma = new SMA(20);
  const macd = new MACD(12, 26, 9);
  const bb = new BollingerBands(20, 2);
  const stoch = new Stochastic(14, 3, 3);
  const adx = new ADX(14);
  const obv = new OBV();
  const vwap = new VWAP();
  return {
    rsi_14: closeDriver('RSI(14)', rsi, () => [rsi.value]),
    atr_14: hlcDriver('ATR(14)', atr, () => [atr.value]),
    ema_20: closeDriver('EMA(20)', ema, () => [ema.value]),
    sma_20: closeDriver('SMA(20)', sma, () => [sma.value]),
    macd_12_26_9: closeDriver('MACD(12,26,9)', macd, () => [macd.value, macd.signal, macd.histogram]),
    bbands_20_2_exact: closeDriver('BollingerBands(20,2)', bb, () => [bb.upper, bb.middle, bb.lower]),
    stoch_14_3_3: hlcDriver('Stochastic(14,3,3)', stoch, () => [stoch.k, stoch.d]),
    adx_14: hlcDriver('ADX(14)', adx, () => [adx.value, adx.plusDI, adx.minusDI]),
    obv: {
      name: 'OBV',
      add: (b) => obv.update(b.close, b.volume),
      replace: (b) => obv.replace(b.close, b.volume),
      get ready() {
        return obv.ready;
      },
      outputs: () => [obv.value],
    },
    vwap: {
      name: 'VWAP',
      add: (b) => vwap.update(b.high, b.low, b.close, b.volume),
      replace: (b) => vwap.replace(b.high, b.low, b.close, b.volume),
      get ready() {
        return vwap.ready;
      },
      outputs: () => [vwap.value],
    },
  };
}
