/**
 * Causality, immutability, streaming = batch and the rules of ../shared/reference/smc-spec.md on hand-built
 * series (expected values worked out by hand from the spec) and on real Binance klines from
 * ../shared/data/klines/ (the files the SMC reference outputs were computed on).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../core/errors.js';
import type { Candle } from '../../domain/market.js';
import { readCsvFile } from '../../venues/files/csv.js';
import { sharedData } from '../../../test/support/shared-data.js';
import { runSmc, smcTablesToCsv, tabulateSmc } from './batch.js';
import { SmcEngine } from './engine.js';
import type { SmcBar, SmcEvent, SmcOptions } from './types.js';

function loadKlines(file: string): SmcBar[] {
  return readCsvFile(sharedData(`klines/${file}`), true).rows.map((r) => ({
    openTime: Number(r[0]),
    open: Number(r[1]),
    high: Number(r[2]),
    low: Number(r[3]),
    close: Number(r[4]),
    volume: Number(r[5]),
  }));
}

const ETH15 = loadKlines('binance_spot_ETHUSDT_15m_20230401_20230501.csv');
const BTC1H = loadKlines('binance_spot_BTCUSDT_1h_20201201_20210717.csv.gz');
const BTC5M = loadKlines('binance_spot_BTCUSDT_5m_20201201_20210717.csv.gz');

const json = (events: readonly SmcEvent[]): string => JSON.stringify(events);

/** Full-file runs are shared by the tests below (each is a plain runSmc call). */
const fullRuns = new Map<string, { events: readonly SmcEvent[]; json: string }>();
function fullRun(data: readonly SmcBar[], L: number): { events: readonly SmcEvent[]; json: string } {
  const key = `${data.length}:${data[0]?.openTime}:${L}`;
  let r = fullRuns.get(key);
  if (r === undefined) {
    const events = runSmc(data, { swingLength: L }).events;
    r = { events, json: json(events) };
    fullRuns.set(key, r);
  }
  return r;
}

/** (h, l, c) rows; open = previous close; volume 1; 1-minute open times. */
function bars(rows: readonly (readonly [number, number, number])[]): SmcBar[] {
  return rows.map(([h, l, c], i) => ({
    openTime: 1_700_000_000_000 + i * 60_000,
    open: i === 0 ? c : (rows[i - 1] as readonly [number, number, number])[2],
    high: h,
    low: l,
    close: c,
    volume: 1 + i,
  }));
}

/** Random tick-rounded walk: many equal highs/lows (ties) and flat stretches. */
const walkArb = fc
  .array(
    fc.tuple(fc.integer({ min: -3, max: 3 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })),
    {
      minLength: 0,
      maxLength: 300,
    },
  )
  .map((steps) => {
    let p = 100;
    return steps.map(([d, up, down], i): SmcBar => {
      const o = p;
      p += d;
      return {
        openTime: i * 60_000,
        open: o,
        high: Math.max(o, p) + up,
        low: Math.min(o, p) - down,
        close: p,
        volume: (i * 7) % 5,
      };
    });
  });

describe('causality: a run on candles 0…k emits exactly the full run’s events decided at rows ≤ k', () => {
  const cases: [string, SmcBar[], number, number][] = [
    ['ETHUSDT 15m L=5', ETH15, 5, 60],
    ['ETHUSDT 15m L=50', ETH15, 50, 60],
    ['BTCUSDT 1h L=5', BTC1H, 5, 40],
    ['BTCUSDT 5m L=5', BTC5M, 5, 6],
    ['BTCUSDT 5m L=50', BTC5M, 50, 6],
  ];
  for (const [name, data, L, runs] of cases) {
    it(`${name}: identical field by field at ${runs} random cut points`, () => {
      const full = fullRun(data, L).events;
      expect(full.length).toBeGreaterThan(100);
      // decided rows are non-decreasing in emission order, so a prefix of the stream is the expected set
      const backwards = full.findIndex(
        (e, k) => k > 0 && e.decidedRow < (full[k - 1] as SmcEvent).decidedRow,
      );
      expect(backwards).toBe(-1);
      fc.assert(
        fc.property(fc.integer({ min: 0, max: data.length - 1 }), (k) => {
          const cut = runSmc(data.slice(0, k + 1), { swingLength: L }).events;
          return json(cut) === json(full.filter((e) => e.decidedRow <= k));
        }),
        { numRuns: runs, seed: 20260101 + L },
      );
    });
  }

  it('holds on random tick-rounded series full of ties (L = 1…6)', () => {
    fc.assert(
      fc.property(walkArb, fc.integer({ min: 1, max: 6 }), fc.nat(), (data, L, cutSeed) => {
        const full = runSmc(data, { swingLength: L }).events;
        const k = data.length === 0 ? 0 : cutSeed % data.length;
        const cut = runSmc(data.slice(0, k + 1), { swingLength: L }).events;
        return json(cut) === json(full.filter((e) => e.decidedRow <= k));
      }),
      { numRuns: 300, seed: 7 },
    );
  });
});

describe('no rewriting: an emitted event never changes afterwards', () => {
  it('every event serialises identically at emission and after the whole BTCUSDT 1h file (L=5)', () => {
    const engine = new SmcEngine({ swingLength: 5 });
    const kept: SmcEvent[] = [];
    const atEmission: string[] = [];
    for (const b of BTC1H) {
      const out = engine.update(b);
      for (const e of out) {
        kept.push(e);
        atEmission.push(JSON.stringify(e));
      }
    }
    expect(kept.length).toBeGreaterThan(1000);
    expect(kept.map((e) => JSON.stringify(e))).toEqual(atEmission);
  });

  it('later knowledge is a new event: a replaced swing keeps its old pending event', () => {
    const { events } = runSmc(BTC1H, { swingLength: 5 });
    const replaced = events.filter((e) => e.type === 'swing' && e.action === 'replaced');
    expect(replaced.length).toBeGreaterThan(10);
    for (const r of replaced) {
      if (r.type !== 'swing') continue;
      const earlier = events.find(
        (e) =>
          e.type === 'swing' &&
          e.row === r.replacesRow &&
          e.decidedRow < r.decidedRow &&
          e.action !== 'final',
      );
      expect(earlier).toBeDefined();
    }
  });
});

describe('streaming = batch', () => {
  for (const [name, data] of [
    ['BTCUSDT 5m', BTC5M],
    ['BTCUSDT 1h', BTC1H],
  ] as const) {
    it(`candle-by-candle update(), the numeric step() and runSmc give identical events (${name}, L=5 and L=50)`, () => {
      for (const L of [5, 50]) {
        const batch = fullRun(data, L);
        const a = new SmcEngine({ swingLength: L });
        const b = new SmcEngine({ swingLength: L });
        const viaUpdate: SmcEvent[] = [];
        const viaStep: SmcEvent[] = [];
        for (const bar of data) {
          for (const e of a.update(bar)) viaUpdate.push(e);
          for (const e of b.step(bar.openTime, bar.open, bar.high, bar.low, bar.close, bar.volume))
            viaStep.push(e);
        }
        expect(viaUpdate.length).toBe(batch.events.length);
        expect(json(viaUpdate)).toBe(batch.json);
        expect(json(viaStep)).toBe(batch.json);
      }
    });
  }

  it('accepts the domain Candle type directly and gives the same events', () => {
    const candles: Candle[] = ETH15.map((b) => ({
      ...b,
      symbol: 'ETHUSDT',
      interval: '15m',
      quoteVolume: 0,
      trades: 0,
      takerBuyVolume: 0,
      takerBuyQuoteVolume: 0,
      closed: true,
      synthetic: false,
    }));
    expect(json(runSmc(candles, { swingLength: 5 }).events)).toBe(fullRun(ETH15, 5).json);
  });

  it('rejects a candle that is not closed (the forming bar)', () => {
    const forming = { ...(ETH15[0] as SmcBar), closed: false };
    expect(() => new SmcEngine({ swingLength: 5 }).update(forming)).toThrow(/not closed/);
  });
});

describe('event invariants on real data (every event refers to a row at or before its decided row)', () => {
  for (const L of [5, 50]) {
    it(`BTCUSDT 5m L=${L}`, () => {
      const { events } = fullRun(BTC5M, L);
      const created = new Map<number, number>();
      const broken: string[] = [];
      const check = (ok: boolean, what: string, e: SmcEvent): void => {
        if (!ok && broken.length < 5) broken.push(`${what}: ${JSON.stringify(e)}`);
      };
      for (const e of events) {
        check(e.row <= e.decidedRow, 'row <= decidedRow', e);
        switch (e.type) {
          case 'swing':
            check(e.detectedRow === e.row + L, 'swing detected at row + L', e);
            check(e.decidedRow >= e.detectedRow, 'swing decided after detection', e);
            break;
          case 'structure':
            // a swing is known L candles after its row and cannot be broken by the candle that reveals it
            check(e.decidedRow > e.row + L, 'break after row + L', e);
            break;
          case 'orderBlock':
            if (e.action === 'created') {
              check(
                e.pivotRow < e.row && e.row < e.createdRow,
                'OB candle strictly between pivot and break',
                e,
              );
              check(e.bottom <= e.top, 'OB bottom <= top', e);
              created.set(e.id, e.decidedRow);
            } else check(e.decidedRow > (created.get(e.id) ?? Infinity), 'OB lifecycle after creation', e);
            break;
          case 'fvg':
            check(
              e.action === 'created' ? e.decidedRow === e.row + 1 : e.decidedRow > e.createdRow,
              'FVG timing',
              e,
            );
            check(e.bottom < e.top, 'FVG bottom < top', e);
            break;
          case 'liquidity':
            check(e.members >= 2 && e.lastMemberRow > e.row, 'pool of two or more swings', e);
            break;
          case 'range':
            check(e.high > e.low, 'range high > low', e);
            break;
        }
      }
      expect(events.length).toBeGreaterThan(10_000);
      expect(broken).toEqual([]);
    });
  }
});

describe('rules of the spec on a hand-built series (L = 2)', () => {
  // swing high at row 3 (110), swing low at row 6 (95), close 111 at row 9 breaks 110, swing high at
  // row 11 (118), close 94 at row 15 breaks 95, row 16 trades back above the bullish OB top (103).
  const series = bars([
    [100, 98, 99],
    [101, 99, 100],
    [102, 100, 101],
    [110, 104, 107],
    [106, 100, 103],
    [104, 97, 100.5],
    [103, 95, 99],
    [105, 99, 102],
    [108, 101, 104.5],
    [112, 106, 111],
    [115, 109, 114],
    [118, 112, 113],
    [114, 107, 108],
    [111, 104, 105],
    [106, 96, 97],
    [100, 93, 94],
    [104, 97, 103],
  ]);
  const run = runSmc(series, { swingLength: 2 });
  const of = <T extends SmcEvent['type']>(type: T): Extract<SmcEvent, { type: T }>[] =>
    run.events.filter((e): e is Extract<SmcEvent, { type: T }> => e.type === type);

  it('swings: pending at row+L, final when the opposite candidate is decided', () => {
    expect(of('swing').map((e) => [e.action, e.side, e.row, e.level, e.decidedRow])).toEqual([
      ['pending', 1, 3, 110, 5],
      ['final', 1, 3, 110, 8],
      ['pending', -1, 6, 95, 8],
      ['final', -1, 6, 95, 13],
      ['pending', 1, 11, 118, 13],
    ]);
  });

  it('structure: the first break is a BOS, a break against the trend is a CHoCH', () => {
    expect(of('structure').map((e) => [e.direction, e.kind, e.level, e.row, e.decidedRow])).toEqual([
      [1, 'BOS', 110, 3, 9],
      [-1, 'CHOCH', 95, 6, 15],
    ]);
  });

  it('order blocks: extreme candle between swing and break; mitigated at the mitigating candle; invalidated', () => {
    expect(
      of('orderBlock').map((e) => [e.action, e.direction, e.row, e.bottom, e.top, e.volume, e.decidedRow]),
    ).toEqual([
      ['created', 1, 6, 95, 103, 10 + 9 + 8, 9],
      ['mitigated', 1, 6, 95, 103, 27, 15],
      ['created', -1, 11, 112, 118, 16 + 15 + 14, 15],
      ['invalidated', 1, 6, 95, 103, 27, 16],
    ]);
    const first = of('orderBlock')[0];
    expect(first?.strength).toBeCloseTo(8 / 19, 12);
  });

  it('premium/discount: range from the latest final swings, zone flips as the close crosses the midpoint', () => {
    expect(of('range').map((e) => [e.action, e.low, e.high, e.zone, e.decidedRow])).toEqual([
      ['range', 95, 110, 'premium', 13],
      ['zone', 95, 110, 'discount', 14],
      ['zone', 95, 110, 'premium', 16],
    ]);
  });

  it('the CSV export has the documented columns and empty cells for what did not happen', () => {
    const csv = smcTablesToCsv(tabulateSmc(run.events));
    expect(csv.structure).toBe(
      'decided_row,direction,kind,level,pivot_row\n9,1,BOS,110,3\n15,-1,CHOCH,95,6\n',
    );
    expect(csv.order_blocks).toBe(
      'row,direction,top,bottom,created_row,mitigated_row,invalidated_row\n6,1,103,95,9,15,16\n11,-1,118,112,15,,\n',
    );
    expect(csv.swings.split('\n')[0]).toBe('row,open_time_ms,type,level,decided_row,final');
    expect(csv.swings.split('\n').at(-2)).toBe(`11,${series[11]?.openTime},1,118,13,0`);
    expect(csv.fvg.split('\n')[0]).toBe('row,open_time_ms,direction,top,bottom,decided_row,mitigated_row');
    expect(csv.liquidity.split('\n')[0]).toBe('anchor_row,side,level,members,decided_row,taken_row,sweep');
  });
});

describe('FVG lifecycle', () => {
  it('a bullish gap is mitigated at the first touch of its top and filled when price trades below its bottom', () => {
    // row 1 up candle with h[0]=101 < l[2]=103: gap [101, 103]; row 4 touches 103; row 5 trades below 101
    // (no other gap: row 4 is red but l[3]=104 < h[5]=104.5)
    const run = runSmc(
      bars([
        [101, 99, 100],
        [104, 100, 103.5],
        [106, 103, 105],
        [107, 104, 106],
        [106, 102.5, 103],
        [104.5, 100.5, 101],
      ]),
      { swingLength: 5 },
    );
    const gaps = run.events.filter((e) => e.type === 'fvg');
    expect(gaps.map((e) => [e.action, e.row, e.bottom, e.top, e.decidedRow])).toEqual([
      ['created', 1, 101, 103, 2],
      ['mitigated', 1, 101, 103, 4],
      ['filled', 1, 101, 103, 5],
    ]);
    expect(run.fvg).toEqual([
      {
        row: 1,
        open_time_ms: 1_700_000_060_000,
        direction: 1,
        top: 103,
        bottom: 101,
        decided_row: 2,
        mitigated_row: 4,
      },
    ]);
  });
});

describe('liquidity pools', () => {
  it('two equal swing highs form a buy-side pool; a spike above anchor + tol closing below the level is a sweep', () => {
    // zigzag with L = 2: swing highs 110 (row 3) and 110.4 (row 9), lows between; row 15 spikes to 125 and
    // closes at 105 (below the pool level 110.2)
    const opts: SmcOptions = { swingLength: 2, atrPeriod: 3, liquidityTolerance: 0.5 };
    const series = bars([
      [104, 102, 103],
      [106, 104, 105],
      [108, 106, 107],
      [110, 108, 109],
      [108, 106, 107],
      [106, 104, 105],
      [104, 100, 101],
      [106, 104, 105],
      [108, 106, 107],
      [110.4, 108, 109],
      [108, 106, 107],
      [106, 104, 105],
      [104, 101, 102],
      [106, 104, 105],
      [107, 105, 106],
      [125, 104, 105],
    ]);
    const run = runSmc(series, opts);
    const liq = run.events.filter((e) => e.type === 'liquidity');
    expect(liq.map((e) => [e.action, e.side, e.row, e.level, e.members, e.sweep])).toEqual([
      ['formed', 'buy', 3, 110.2, 2, null],
      ['taken', 'buy', 3, 110.2, 2, true],
    ]);
    const formed = liq[0];
    const taken = liq[1];
    if (formed === undefined || taken === undefined) throw new Error('expected two pool events');
    // tol = 0.5 × Wilder ATR(3) at the anchor's finalisation (row 3 is final when the low at row 6 is decided, t = 8)
    expect(formed.tolerance).toBeCloseTo(0.5 * wilderAtr(series, 3, 8), 12);
    expect(formed.decidedRow).toBe(14); // the high at row 9 is final when the low at row 12 is decided (12 + 2)
    expect(taken.decidedRow).toBe(15);
    expect(run.liquidity).toEqual([
      { anchor_row: 3, side: 'buy', level: 110.2, members: 2, decided_row: 14, taken_row: 15, sweep: 1 },
    ]);
  });
});

/** Wilder ATR after candle `upto` (mean true range for the first `n`), written independently of the engine. */
function wilderAtr(series: readonly SmcBar[], n: number, upto: number): number {
  let atr = 0;
  for (let t = 0; t <= upto; t++) {
    const b = series[t] as SmcBar;
    const pc = t === 0 ? undefined : (series[t - 1] as SmcBar).close;
    const tr =
      pc === undefined
        ? b.high - b.low
        : Math.max(b.high - b.low, Math.abs(b.high - pc), Math.abs(b.low - pc));
    atr = t < n ? (atr * t + tr) / (t + 1) : (atr * (n - 1) + tr) / n;
  }
  return atr;
}

describe('edge cases', () => {
  it('fewer than 2L candles: no swings and no error', () => {
    const run = runSmc(BTC1H.slice(0, 99), { swingLength: 50 });
    expect(run.swings).toEqual([]);
    expect(run.events.filter((e) => e.type !== 'fvg')).toEqual([]);
    expect(runSmc([], { swingLength: 5 }).events).toEqual([]);
  });

  it('flat prices (ties everywhere): one pending swing high, nothing else, no error', () => {
    const flat = Array.from({ length: 200 }, (_, i) => ({
      openTime: i * 60_000,
      open: 5,
      high: 5,
      low: 5,
      close: 5,
      volume: 0,
    }));
    const run = runSmc(flat, { swingLength: 5 });
    expect(run.events.map((e) => (e.type === 'swing' ? [e.action, e.side, e.row] : e.type))).toEqual([
      ['pending', 1, 9],
    ]);
  });

  it('a gap in the candle series changes only time fields: detectors work on rows', () => {
    const shifted = ETH15.map((b, i) => (i < 1000 ? b : { ...b, openTime: b.openTime + 7 * 900_000 }));
    const strip = (events: readonly SmcEvent[]): string =>
      JSON.stringify(events, (k, v: unknown) => (k === 'time' || k === 'decidedTime' ? undefined : v));
    const a = runSmc(ETH15, { swingLength: 5 }).events;
    const b = runSmc(shifted, { swingLength: 5 }).events;
    expect(strip(b)).toBe(strip(a));
    expect(json(b)).not.toBe(json(a));
  });

  it('NaN or non-finite input is rejected with DATA_REJECTED and leaves the engine unchanged', () => {
    const engine = new SmcEngine({ swingLength: 5 });
    const ref = new SmcEngine({ swingLength: 5 });
    const got: SmcEvent[] = [];
    const want: SmcEvent[] = [];
    for (let i = 0; i < 500; i++) {
      const bar = ETH15[i] as SmcBar;
      if (i % 50 === 7) {
        for (const bad of [
          { ...bar, close: Number.NaN },
          { ...bar, high: Number.POSITIVE_INFINITY },
          { ...bar, volume: Number.NaN },
        ]) {
          let caught: unknown;
          try {
            engine.update(bad);
          } catch (error) {
            caught = error;
          }
          expect(caught).toBeInstanceOf(DataError);
          expect((caught as DataError).code).toBe('DATA_REJECTED');
        }
      }
      got.push(...engine.update(bar));
      want.push(...ref.update(bar));
    }
    expect(json(got)).toBe(json(want));
  });

  it('rejects a swing length that is not a positive integer', () => {
    expect(() => new SmcEngine({ swingLength: 0 })).toThrow(/swingLength/);
    expect(() => new SmcEngine({ swingLength: 2.5 })).toThrow(/swingLength/);
  });

  it('order blocks: at most maxOrderBlocksPerSide stay live; the oldest is evicted with an event', () => {
    const { events } = runSmc(BTC5M.slice(0, 20_000), { swingLength: 5, maxOrderBlocksPerSide: 3 });
    const live = new Map<number, Set<number>>([
      [1, new Set()],
      [-1, new Set()],
    ]);
    let evicted = 0;
    for (const e of events) {
      if (e.type !== 'orderBlock') continue;
      const side = live.get(e.direction) as Set<number>;
      if (e.action === 'created') side.add(e.id);
      else if (e.action === 'invalidated' || e.action === 'evicted') {
        expect(side.delete(e.id)).toBe(true);
        if (e.action === 'evicted') evicted++;
      }
      expect(side.size).toBeLessThanOrEqual(3);
    }
    expect(evicted).toBeGreaterThan(0);
  });
});
