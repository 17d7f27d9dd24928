/**
 * Fixtures shared by the journal tests, the kill -9 child and the bench (no vitest import here).
 *
 * Reference values: the fill is the "fills" entry of the FULL response example of Binance Spot
 * "New order (TRADE)" (POST /api/v3/order, developers.binance.com/docs/binance-spot-api-docs/rest-api/
 * trading-endpoints): {"price":"4000.00000000","qty":"1.00000000","commission":"4.00000000",
 * "commissionAsset":"USDT","tradeId":56}. The venue's decimal strings must come back byte for byte.
 */
import type { Fill } from '../domain/order.js';

export const binanceFill: Fill = {
  clientOrderId: 'aegis-BTCUSDT-1',
  tradeId: '56',
  symbol: 'BTCUSDT',
  side: 'BUY',
  price: '4000.00000000',
  quantity: '1.00000000',
  commission: '4.00000000',
  commissionAsset: 'USDT',
  maker: false,
  time: 1_507_725_176_595, // transactTime of the same Binance example
};

export function fillNo(n: number): Fill {
  return { ...binanceFill, tradeId: String(n), time: binanceFill.time + n };
}
