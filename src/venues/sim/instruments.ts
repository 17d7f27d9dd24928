/**
 * Realistic instruments for the simulator, with the filter values Binance's exchangeInfo published for
 * these symbols (GET /fapi/v1/exchangeInfo and GET /api/v3/exchangeInfo, 2024-2025; Binance changes
 * them from time to time, so load the live exchangeInfo when it matters).
 */
import type { Instrument } from '../../domain/instrument.js';

/** USDⓈ-M BTCUSDT perpetual: PRICE_FILTER tick 0.10, LOT_SIZE step 0.001, MIN_NOTIONAL 100, mmr 0.4 %. */
export const USDM_BTCUSDT: Instrument = {
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

/** USDⓈ-M ETHUSDT perpetual: tick 0.01, step 0.001, MIN_NOTIONAL 20. */
export const USDM_ETHUSDT: Instrument = {
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

/** Spot BTCUSDT: tick 0.01, step 0.00001, NOTIONAL min 5 (applied to market orders). */
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
