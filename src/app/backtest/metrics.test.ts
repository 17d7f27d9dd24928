// Reference values below are computed by hand (each comment shows the arithmetic), not by this code.
import { describe, expect, it } from 'vitest';
import {
  averageHoldingMs,
  cagr,
  calibration,
  calmar,
  computeMetrics,
  DAY_MS,
  dailyEquity,
  expectancyR,
  exposure,
  maxDrawdown,
  profitFactor,
  returns,
  sharpe,
  sortino,
  tradeStats,
  winRate,
} from './metrics.js';
import type { BacktestTrade } from './trades.js';

function trade(over: Partial<BacktestTrade>): BacktestTrade {
  return {
    n: 1,
    symbol: 'BTCUSDT',
    side: 'LONG',
    tier: 'student',
    confidence: 0.7,
    signalId: 's',
    strategy: 'x',
    entryTime: 0,
    entryPrice: 100,
    quantity: 1,
    stop: 90,
    takeProfit: 120,
    exitTime: 10,
    exitPrice: 110,
    exitReason: 'target',
    pnl: 0,
    fees: 0,
    r: null,
    ...over,
  };
}

const pts = (xs: readonly number[]): { time: number; equity: number }[] =>
  xs.map((equity, time) => ({ time, equity }));

describe('maxDrawdown', () => {
  it('measures the deepest fall from a running peak and the longest time under water', () => {
    // peak 120 at t=1, trough 90: 30 / 120 = 25 %; under water t=1..4 (130 recovers) = 3, then t=4..5 = 1
    expect(maxDrawdown(pts([100, 120, 90, 110, 130, 125]))).toEqual({
      depth: 0.25,
      amount: 30,
      durationMs: 3,
    });
  });

  it('counts a drawdown that never recovers up to the last point', () => {
    // peak 100 at t=0, still below at t=3: duration 3, depth (100 - 70) / 100
    expect(maxDrawdown(pts([100, 80, 70, 90]))).toEqual({ depth: 0.3, amount: 30, durationMs: 3 });
  });

  it('is zero for a curve that only rises', () => {
    expect(maxDrawdown(pts([1, 2, 3]))).toEqual({ depth: 0, amount: 0, durationMs: 0 });
  });
});

describe('daily equity and returns', () => {
  it('takes the start and the last equity of each UTC day', () => {
    const curve = [
      { time: 0, equity: 100 },
      { time: DAY_MS / 2, equity: 105 },
      { time: DAY_MS + 1000, equity: 110 },
      { time: 2 * DAY_MS - 1, equity: 99 },
      { time: 2 * DAY_MS + 3_600_000, equity: 120 },
    ];
    expect(dailyEquity(curve)).toEqual([100, 105, 99, 120]);
    const r = returns(dailyEquity(curve));
    // 105/100 - 1, 99/105 - 1, 120/99 - 1
    expect(r[0]).toBeCloseTo(0.05, 12);
    expect(r[1]).toBeCloseTo(-0.0571428571428571, 12);
    expect(r[2]).toBeCloseTo(0.2121212121212121, 12);
  });
});

describe('Sharpe and Sortino (daily returns, 365-day year, risk-free 0)', () => {
  const daily = [0.01, -0.02, 0.03, 0];
  it('Sharpe = mean / sample stdev x sqrt(365)', () => {
    // mean 0.005; squared deviations 25e-6 + 625e-6 + 625e-6 + 25e-6 = 1300e-6; / 3 -> sd 0.0208167
    // 0.005 / 0.0208167 x 19.104973 = 4.5888661
    expect(sharpe(daily)).toBeCloseTo(4.5888661244, 8);
  });
  it('Sortino = mean / downside deviation x sqrt(365)', () => {
    // downside: sqrt(0.02^2 / 4) = 0.01; 0.005 / 0.01 x 19.104973 = 9.5524866
    expect(sortino(daily)).toBeCloseTo(9.5524865873, 8);
  });
  it('is n/a without variation or without a losing day', () => {
    expect(sharpe([0.01, 0.01])).toBeNull();
    expect(sortino([0.01, 0.02])).toBeNull();
  });
});

describe('CAGR and Calmar', () => {
  it('CAGR of 100 -> 121 over two 365-day years is 10 %', () => {
    expect(cagr(100, 121, 2 * 365 * DAY_MS)).toBeCloseTo(0.1, 12);
  });
  it('CAGR of 100 -> 110 over half a year compounds to 21 %', () => {
    // 1.1^2 - 1
    expect(cagr(100, 110, 182.5 * DAY_MS)).toBeCloseTo(0.21, 12);
  });
  it('Calmar = CAGR / max drawdown depth', () => {
    expect(calmar(0.1, 0.25)).toBeCloseTo(0.4, 12);
    expect(calmar(0.1, 0)).toBeNull();
  });
});

describe('trade statistics', () => {
  const trades = [
    trade({ pnl: 10, r: 1, entryTime: 0, exitTime: 10, fees: 1 }),
    trade({ pnl: -5, r: -0.5, entryTime: 5, exitTime: 15, fees: 1 }),
    trade({ pnl: 0, r: 0, entryTime: 20, exitTime: 30, fees: 0.5 }),
    trade({ pnl: 20, r: 2, entryTime: 30, exitTime: 40, fees: 0.25 }),
  ];
  it('win rate counts pnl > 0 only', () => {
    expect(winRate(trades)).toBe(0.5);
  });
  it('profit factor = gross profit / gross loss', () => {
    expect(profitFactor(trades)).toBe(6); // 30 / 5
    expect(profitFactor([trade({ pnl: 3 })])).toBeNull();
  });
  it('expectancy is the mean R of the trades that have one', () => {
    expect(expectancyR(trades)).toBe(0.625); // (1 - 0.5 + 0 + 2) / 4
    expect(expectancyR([trade({ r: null }), trade({ r: 1 })])).toBe(1);
  });
  it('exposure counts overlapping trades once', () => {
    // [0,15) and [20,40) covered out of [0,50): 35 / 50
    expect(exposure(trades, 0, 50)).toBe(0.7);
  });
  it('average holding time', () => {
    expect(averageHoldingMs(trades)).toBe(10);
  });
  it('ratios are n/a below the minimum number of trades, counts and sums are not', () => {
    const s = tradeStats(trades, 10);
    expect(s).toEqual({
      trades: 4,
      net_pnl: 25,
      fees: 2.75,
      win_rate: null,
      profit_factor: null,
      expectancy_r: null,
      avg_holding_ms: 10,
    });
    expect(tradeStats(trades, 4).win_rate).toBe(0.5);
  });
});

describe('calibration', () => {
  it('buckets trades by confidence, the last bucket including 1.0', () => {
    const rows = calibration(
      [
        trade({ confidence: 0.55, pnl: 1, r: 1 }),
        trade({ confidence: 0.6, pnl: -1, r: -1 }),
        trade({ confidence: 0.95, pnl: 2, r: 2 }),
        trade({ confidence: 1, pnl: -1, r: -1 }),
        trade({ confidence: 0.4, pnl: 5, r: 5 }),
      ],
      1,
    );
    expect(rows.map((r) => [r.from, r.trades, r.hit_rate, r.avg_r])).toEqual([
      [0.5, 1, 1, 1],
      [0.6, 1, 0, -1],
      [0.7, 0, null, null],
      [0.8, 0, null, null],
      [0.9, 2, 0.5, 0.5],
    ]);
  });
});

describe('computeMetrics', () => {
  it('splits per tier and per symbol and hides ratios below the minimum', () => {
    const trades = [
      trade({ tier: 'teacher', pnl: 10 }),
      trade({ symbol: 'ETHUSDT', pnl: -4 }),
      trade({ pnl: 2, exitTime: 20 }),
    ];
    const m = computeMetrics({
      trades,
      curve: pts([100, 110, 106, 108]),
      feesPaid: 3,
      start: 0,
      end: 40,
      minTrades: 10,
    });
    expect(m.net_pnl).toBe(8);
    expect(m.return).toBeCloseTo(0.08, 12);
    expect(m.by_tier.teacher?.trades).toBe(1);
    expect(m.by_tier.student?.net_pnl).toBe(-2);
    expect(m.by_symbol.ETHUSDT?.trades).toBe(1);
    expect(m.sharpe).toBeNull();
    expect(m.cagr).toBeNull();
    expect(m.max_drawdown).toBeCloseTo(4 / 110, 12);
    expect(m.exposure).toBe(0.5); // [0, 20) of [0, 40)
  });
});
