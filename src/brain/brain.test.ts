import { describe, expect, it } from 'vitest';
import { sharedData } from '../../test/support/shared-data.js';
import { SimulatedClock } from '../core/clock.js';
import { EventBus } from '../core/event-bus.js';
import { MemoryLogger } from '../core/logger.js';
import { TOPICS, type AegisTopics } from '../domain/events.js';
import type { Candle } from '../domain/market.js';
import type { Signal } from '../domain/signal.js';
import { loadKlines } from '../venues/files/market-csv.js';
import { Brain, checkIntent } from './brain.js';
import { defaultSmcStrategyOptions, SmcStrategy } from './smc-strategy.js';
import type { Strategy } from './strategy.js';

// Real Binance data: BTCUSDT spot 5m, 2020-12-01 .. 2021-07-17 (../shared/data/README.md), 65,741 bars.
const CANDLES = loadKlines(
  sharedData('klines/binance_spot_BTCUSDT_5m_20201201_20210717.csv.gz'),
  'BTCUSDT',
  '5m',
);
const EQUITY = 10_000;

function run(
  candles: readonly Candle[],
  strategy: () => Strategy = () => new SmcStrategy(defaultSmcStrategyOptions()),
) {
  const logger = new MemoryLogger();
  const bus = new EventBus<AegisTopics>(TOPICS, { logger });
  const clock = new SimulatedClock(0);
  const brain = new Brain(bus, {
    intervals: ['5m'],
    teacherThreshold: 0.75,
    riskPerTrade: 0.01,
    equity: () => EQUITY,
    strategy,
    clock,
    logger,
  });
  const signals: Signal[] = [];
  const errors: string[] = [];
  bus.subscribe('SIGNAL_GENERATED', 'test', (s) => signals.push(s));
  bus.subscribe('ERROR', 'test', (e) => errors.push(e.code));
  for (const c of candles) {
    clock.advanceTo(c.openTime + 300_000);
    bus.publish('CANDLE_CLOSED', c);
  }
  return { signals, errors, brain };
}

const full = run(CANDLES);

describe('Brain with the default SMC strategy on real BTCUSDT 5m data', () => {
  it('produces signals, both sides and both tiers', () => {
    expect(full.signals.length).toBeGreaterThan(50);
    expect(new Set(full.signals.map((s) => s.side))).toEqual(new Set(['BUY', 'SELL']));
    expect(new Set(full.signals.map((s) => s.tier))).toEqual(new Set(['teacher', 'student']));
    expect(full.errors).toEqual([]);
  });

  it('makes every signal self-consistent: sides of stop and target, confidence, tier, size', () => {
    const bad = full.signals.filter(
      (s) =>
        checkIntent({ ...s, takeProfit: s.take_profit, setup: s.strategy }) !== undefined ||
        s.tier !== (s.confidence >= 0.75 ? 'teacher' : 'student') ||
        Math.abs(s.position_size - (0.01 * EQUITY) / Math.abs(s.entry - s.stop)) > 1e-9 * s.position_size ||
        s.patterns.some((p) => p.decidedTime > s.candleOpenTime) ||
        s.decidedAt !== s.candleOpenTime + 300_000,
    );
    expect(bad).toEqual([]);
  });

  it('is causal: cutting the data never changes a signal decided before the cut', () => {
    for (const cut of [5_000, 23_456, 47_000]) {
      const part = run(CANDLES.slice(0, cut));
      const before = full.signals.filter((s) => s.candleOpenTime < (CANDLES[cut]?.openTime ?? 0));
      expect(part.signals).toEqual(before);
    }
  });

  it('is deterministic: the same data gives the same signals', () => {
    expect(run(CANDLES.slice(0, 20_000)).signals).toEqual(
      full.signals.filter((s) => s.candleOpenTime < (CANDLES[20_000]?.openTime ?? 0)),
    );
  });

  it('decides nothing while RSI and ATR are warming up', () => {
    expect(full.signals[0]?.candleOpenTime).toBeGreaterThan(CANDLES[100]?.openTime ?? 0);
  });
});

describe('Brain', () => {
  it('survives a strategy that throws: logs, publishes ERROR, keeps processing', () => {
    let calls = 0;
    const flaky: Strategy = {
      name: 'flaky',
      trend: () => 0,
      onCandle: (c) => {
        calls++;
        if (calls === 2) throw new Error('bad strategy');
        return {
          side: 'BUY',
          confidence: 0.9,
          entry: c.close,
          stop: c.close * 0.99,
          takeProfit: c.close * 1.02,
          patterns: [],
          setup: 'x',
        };
      },
    };
    const r = run(CANDLES.slice(0, 3), () => flaky);
    expect(r.errors).toEqual(['STRATEGY_FAILED']);
    expect(r.signals).toHaveLength(2);
    expect(r.brain.counters.get('strategy_errors')).toBe(1);
  });

  it('refuses inconsistent intents', () => {
    const base = {
      side: 'BUY' as const,
      confidence: 0.5,
      entry: 100,
      stop: 99,
      takeProfit: 102,
      patterns: [],
      setup: 'x',
    };
    expect(checkIntent(base)).toBeUndefined();
    expect(checkIntent({ ...base, stop: 101 })).toMatch(/stop < entry/);
    expect(checkIntent({ ...base, confidence: 1.2 })).toMatch(/confidence/);
    expect(checkIntent({ ...base, entry: Number.NaN })).toBe('non-finite number');
    expect(checkIntent({ ...base, side: 'SELL', stop: 101, takeProfit: 98 })).toBeUndefined();
  });
});
