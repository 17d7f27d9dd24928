/**
 * Fixtures for the trade layer's tests. Instrument filters: Binance USDⓈ-M exchangeInfo
 * (GET /fapi/v1/exchangeInfo) for BTCUSDT and ETHUSDT, the same values as src/venues/sim/instruments.ts
 * (copied: src/trade may not import src/venues).
 */
import { Decimal } from '../../domain/decimal.js';
import type { Instrument } from '../../domain/instrument.js';
import type { Signal } from '../../domain/signal.js';
import type { RiskConfig } from '../risk/gate.js';

/** USDⓈ-M BTCUSDT perpetual: PRICE_FILTER tick 0.10, LOT_SIZE step 0.001, MIN_NOTIONAL 100. */
export const BTCUSDT: Instrument = {
  symbol: 'BTCUSDT',
  market: 'futures',
  baseAsset: 'BTC',
  quoteAsset: 'USDT',
  tickSize: '0.10',
  minPrice: '556.80',
  maxPrice: '4529764',
  stepSize: '0.001',
  minQty: '0.001',
  maxQty: '1000',
  marketStepSize: '0.001',
  marketMinQty: '0.001',
  marketMaxQty: '120',
  minNotional: '100',
  maintMarginRate: '0.004',
};

/**
 * Binance spot BTCUSDT (GET /api/v3/exchangeInfo: PRICE_FILTER tick 0.01, LOT_SIZE step 0.00001 / min
 * 0.00001, NOTIONAL min 5 applied to market orders), the same values as src/venues/sim/instruments.ts
 * SPOT_BTCUSDT (copied: src/trade may not import src/venues).
 */
export const SPOT_BTCUSDT: Instrument = {
  symbol: 'BTCUSDT',
  market: 'spot',
  baseAsset: 'BTC',
  quoteAsset: 'USDT',
  tickSize: '0.01000000',
  minPrice: '0.01000000',
  maxPrice: '1000000.00000000',
  stepSize: '0.00001000',
  minQty: '0.00001000',
  maxQty: '9000.00000000',
  minNotional: '5.00000000',
  maxNotional: '9000000.00000000',
  applyMinToMarket: true,
};

/** USDⓈ-M ETHUSDT perpetual: tick 0.01, step 0.001, MIN_NOTIONAL 20. */
export const ETHUSDT: Instrument = {
  symbol: 'ETHUSDT',
  market: 'futures',
  baseAsset: 'ETH',
  quoteAsset: 'USDT',
  tickSize: '0.01',
  minPrice: '39.86',
  maxPrice: '306177',
  stepSize: '0.001',
  minQty: '0.001',
  maxQty: '10000',
  marketStepSize: '0.001',
  marketMinQty: '0.001',
  marketMaxQty: '2000',
  minNotional: '20',
  maintMarginRate: '0.004',
};

/** Same filters as BTCUSDT under other names, to fill the book in tests. */
export function likeBtc(symbol: string): Instrument {
  return { ...BTCUSDT, symbol, baseAsset: symbol.replace(/USDT$/, '') };
}

export const RISK: RiskConfig = {
  runPrefix: 'T1',
  maxOpenPositions: 3,
  minConfidence: 0.6,
  teacherThreshold: 0.75,
  maxLeverageTeacher: 10,
  maxLeverageStudent: 3,
  riskPerTrade: 0.01,
  maxNotionalPerSymbol: '6000',
  maxNotionalTotal: '20000',
  maxDailyLoss: 0.05,
  stopOutCooldownMs: 3_600_000,
};

/**
 * A teacher BUY on BTCUSDT: entry 50000, stop 49000 (distance 1000), take profit 52000. With equity
 * 10000 and riskPerTrade 0.01 the gate sizes it 100 / 1000 = 0.1 BTC, notional 5000.
 */
export function signal(over: Partial<Signal> = {}): Signal {
  return {
    id: 'sig1',
    symbol: 'BTCUSDT',
    interval: '5m',
    side: 'BUY',
    confidence: 0.8,
    tier: 'teacher',
    position_size: 0.1,
    entry: 50000,
    stop: 49000,
    take_profit: 52000,
    patterns: [],
    candleOpenTime: 0,
    decidedAt: 0,
    strategy: 'test',
    ...over,
  };
}

export function d(text: string): Decimal {
  return Decimal.parse(text);
}
