import { describe, expect, it } from 'vitest';
import type { Candle } from '../domain/market.js';
import { EmaCrossStrategy } from './ema-cross-strategy.js';

const flatView = { higherTrend: () => 0 as const };

function candle(i: number, close: number): Candle {
  return {
    symbol: 'X',
    interval: '1m',
    openTime: i * 60_000,
    open: close,
    high: close + 1,
    low: close - 1,
    close,
    volume: 1,
    quoteVolume: close,
    trades: 1,
    takerBuyVolume: 0.5,
    takerBuyQuoteVolume: close / 2,
    closed: true,
    synthetic: false,
  };
}

describe('EmaCrossStrategy (the example in docs/strategies.md)', () => {
  it('buys once when a falling market turns up, with a stop 1.5 ATR below and a 2R target', () => {
    const s = new EmaCrossStrategy({ fast: 3, slow: 6, atrPeriod: 3, stopAtr: 1.5, rewardR: 2 });
    const closes = [110, 109, 108, 107, 106, 105, 104, 103, 104, 106, 108, 110, 112];
    const intents = closes.map((c, i) => s.onCandle(candle(i, c), flatView));
    const fired = intents.map((x, i) => [i, x] as const).filter(([, x]) => x !== undefined);
    expect(fired).toHaveLength(1);
    const [, intent] = fired[0] ?? [];
    expect(intent?.side).toBe('BUY');
    const risk = (intent?.entry ?? 0) - (intent?.stop ?? 0);
    expect(risk).toBeGreaterThan(0);
    expect((intent?.takeProfit ?? 0) - (intent?.entry ?? 0)).toBeCloseTo(2 * risk, 9);
  });
});
