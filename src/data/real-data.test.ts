/**
 * Real-data oracles. Every reference value comes from ../shared/data (real Binance klines and aggTrades);
 * the expected gap positions and sizes are the ones listed in ../shared/data/README.md.
 */
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../core/clock.js';
import { MemoryLogger } from '../core/logger.js';
import type { Candle, Interval } from '../domain/market.js';
import { loadKlines, loadTrades } from '../venues/files/market-csv.js';
import { sharedData } from '../../test/support/shared-data.js';
import { DataEngine, type DataEngineOptions } from './engine.js';
import { recordingBus } from './test-support.js';

/**
 * Volumes are sums of floats: each addition rounds by at most 2^-53 relative, so n additions of positive terms
 * stay within n * 2^-53 * sum (about 7e-15 * sum for the 60 one-minute bars of an hour, 1e-13 for the busiest
 * minute's few hundred trades). 1e-11 relative is far above that and far below the smallest volume step in
 * these files (0.0001 ETH on 18 603 ETH is 5e-9 relative; 1 XRP on 1482 XRP), so a missing or extra trade or bar
 * would still fail.
 */
const VOLUME_REL_TOL = 1e-11;

function expectSameBars(built: readonly Candle[], expected: readonly Candle[], label: string): void {
  expect(built.length, `${label}: number of bars`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const b = built[i] as Candle;
    const e = expected[i] as Candle;
    const row = `${label} row ${i} (${new Date(e.openTime).toISOString()})`;
    expect(b.openTime, row).toBe(e.openTime);
    expect([b.open, b.high, b.low, b.close], row).toEqual([e.open, e.high, e.low, e.close]);
    expect(Math.abs(b.volume - e.volume), `${row} volume ${b.volume} vs ${e.volume}`).toBeLessThanOrEqual(
      VOLUME_REL_TOL * Math.max(1, e.volume),
    );
  }
}

function engine(
  overrides: Partial<DataEngineOptions> = {},
): ReturnType<typeof recordingBus> & { engine: DataEngine; logger: MemoryLogger } {
  const rec = recordingBus();
  const logger = new MemoryLogger();
  const e = new DataEngine({
    bus: rec.bus,
    logger,
    clock: new SimulatedClock(0),
    staleAfterMs: 0,
    publishForming: false,
    ...overrides,
  });
  return { ...rec, engine: e, logger };
}

const MIN = 60_000;
const at = (iso: string): number => Date.parse(iso);

describe('XRPETH aggTrades -> 1m candles equal the Binance 1m klines', () => {
  const trades = loadTrades(sharedData('trades/binance_spot_XRPETH_aggtrades_20191011_20191013.csv.gz'), 'XRPETH');
  const klines = loadKlines(sharedData('klines/binance_spot_XRPETH_1m_20191011_20191013.csv'), 'XRPETH', '1m');
  const lastOpen = (klines[klines.length - 1] as Candle).openTime;

  for (const conflationMs of [0, 1_000, 15_000]) {
    it(`reproduces all 3560 rows incl. the 1091 zero-volume minutes (conflation ${conflationMs} ms)`, () => {
      const t = engine({ conflationMs, higherIntervals: ['5m'] });
      for (const tr of trades) t.engine.onTrade(tr);
      t.engine.advanceTo(lastOpen + MIN);
      const built = t.closed.filter((c) => c.interval === '1m');
      expectSameBars(built, klines, 'XRPETH 1m');
      expect(built.filter((c) => c.volume === 0).length).toBe(1091);
      expect(built.reduce((n, c) => n + c.trades, 0)).toBe(trades.length);
      expect(t.gaps).toEqual([]);
    });
  }

  it('builds 5m bars from the 1m bars that equal the Binance 5m klines', () => {
    const k5 = loadKlines(sharedData('klines/binance_spot_XRPETH_5m_20191011_20191013.csv'), 'XRPETH', '5m');
    const t = engine({ higherIntervals: ['5m'] });
    for (const tr of trades) t.engine.onTrade(tr);
    t.engine.advanceTo((k5[k5.length - 1] as Candle).openTime + 5 * MIN);
    expectSameBars(
      t.closed.filter((c) => c.interval === '5m'),
      k5,
      'XRPETH 5m',
    );
  });
});

describe('ETHUSDT 1m klines -> 5m/15m/30m/1h equal the exchange files of the same download', () => {
  const k1 = loadKlines(sharedData('klines/binance_spot_ETHUSDT_1m_20230316_20230501.csv.gz'), 'ETHUSDT', '1m');
  const t = engine({ candleSource: 'klines', higherIntervals: ['5m', '15m', '30m', '1h'] });
  for (const k of k1) t.engine.onKline(k);

  const files: [Interval, string][] = [
    ['5m', 'klines/binance_spot_ETHUSDT_5m_20230316_20230501.csv.gz'],
    ['15m', 'klines/binance_spot_ETHUSDT_15m_20230401_20230501.csv'],
    ['30m', 'klines/binance_spot_ETHUSDT_30m_20230401_20230501.csv'],
    ['1h', 'klines/binance_spot_ETHUSDT_1h_20230401_20230501.csv'],
  ];
  for (const [interval, file] of files) {
    it(`${interval}: every bar of ${file} and no other in its range`, () => {
      const expected = loadKlines(sharedData(file), 'ETHUSDT', interval);
      const first = (expected[0] as Candle).openTime;
      const last = (expected[expected.length - 1] as Candle).openTime;
      const built = t.closed.filter((c) => c.interval === interval && c.openTime >= first && c.openTime <= last);
      expectSameBars(built, expected, `ETHUSDT ${interval}`);
    });
  }

  it('detects the 2023-03-24 12:40 halt as an 80-bar 1m gap and a 16-bar 5m gap', () => {
    const detected = t.gaps.filter((g) => g.status === 'detected');
    expect(detected.filter((g) => g.interval === '1m').map((g) => [g.fromOpenTime, g.missing])).toEqual([
      [at('2023-03-24T12:40:00Z'), 80],
    ]);
    expect(detected.filter((g) => g.interval === '5m').map((g) => [g.fromOpenTime, g.missing])).toEqual([
      [at('2023-03-24T12:40:00Z'), 16],
    ]);
    // With the default 'skip' policy and no backfill port, the gap is an outage and nothing is invented.
    expect(t.gaps.filter((g) => g.interval === '1m' && g.status === 'outage')).toHaveLength(1);
    expect(t.closed.some((c) => c.synthetic)).toBe(false);
  });
});

describe('real Binance outages are detected as gaps with the README start and length', () => {
  function gapsOf(file: string, symbol: string, interval: Interval): [string, number][] {
    const t = engine({ candleSource: 'klines', baseInterval: interval });
    for (const k of loadKlines(sharedData(file), symbol, interval)) t.engine.onKline(k);
    return t.gaps
      .filter((g) => g.status === 'detected')
      .map((g) => [new Date(g.fromOpenTime).toISOString(), g.missing * (INTERVAL_MIN[interval] ?? Number.NaN)]);
  }

  it('BTCUSDT 5m 2020-12 .. 2021-07: 6 gaps, 177 missing bars, the 5 largest as listed', () => {
    const gaps = gapsOf('klines/binance_spot_BTCUSDT_5m_20201201_20210717.csv.gz', 'BTCUSDT', '5m');
    expect(gaps).toHaveLength(6);
    expect(gaps.reduce((n, [, minutes]) => n + minutes / 5, 0)).toBe(177);
    for (const g of [
      ['2021-04-25T04:05:00.000Z', 280],
      ['2020-12-21T14:10:00.000Z', 230],
      ['2021-04-20T02:00:00.000Z', 150],
      ['2021-03-06T02:00:00.000Z', 90],
      ['2021-02-11T03:45:00.000Z', 75],
    ]) {
      expect(gaps).toContainEqual(g);
    }
  });

  it('BTCUSDT 1m 2021-04-20 .. 05-20: the 2021-04-25 04:01 upgrade, 284 minutes', () => {
    expect(gapsOf('klines/binance_spot_BTCUSDT_1m_20210420_20210520.csv.gz', 'BTCUSDT', '1m')).toEqual([
      ['2021-04-25T04:01:00.000Z', 284],
    ]);
  });

  it('ninjabot BTCUSDT 1h: the 5 exact duplicate rows are dropped and the 7 gaps (12 bars) found', () => {
    const file = 'klines/binance_spot_BTCUSDT_1h_20201117_20210516_ninjabot.csv.gz';
    const rows = loadKlines(sharedData(file), 'BTCUSDT', '1h');
    const t = engine({ candleSource: 'klines', baseInterval: '1h', depth: 5000 });
    for (const k of rows) t.engine.onKline(k);
    expect(rows).toHaveLength(4314);
    expect(t.closed).toHaveLength(4309);
    const m = t.engine.metrics().symbols.BTCUSDT;
    expect(m?.duplicates).toBe(5);
    expect(m?.rejects).toBe(0);
    const times = t.closed.map((c) => c.openTime);
    expect(new Set(times).size).toBe(times.length);
    const detected = t.gaps.filter((g) => g.status === 'detected');
    expect(detected).toHaveLength(7);
    expect(detected.reduce((n, g) => n + g.missing, 0)).toBe(12);
    for (const [iso, bars] of [
      ['2020-12-21T15:00:00.000Z', 3],
      ['2021-04-25T05:00:00.000Z', 3],
      ['2021-04-20T02:00:00.000Z', 2],
      ['2020-11-30T06:00:00.000Z', 1],
      ['2020-12-25T02:00:00.000Z', 1],
    ] as const) {
      expect(detected.map((g) => [new Date(g.fromOpenTime).toISOString(), g.missing])).toContainEqual([iso, bars]);
    }
    // The ring holds the de-duplicated series: newest first, one hour apart except across the gaps.
    const ring = t.engine.series('BTCUSDT', '1h');
    expect(ring?.openTime(0)).toBe(times[times.length - 1]);
    expect(ring?.length).toBe(4309);
  });
});

const INTERVAL_MIN: Partial<Record<Interval, number>> = { '1m': 1, '5m': 5, '1h': 60 };
