/**
 * Exactness against TA-Lib on real Binance data. Reference values: ../shared/data/indicator-reference/
 * (TA-Lib C 0.6.0-dev via npm talib@1.1.6, default compatibility, unstable period 0; see its README).
 * Every row of both data sets is checked, through add() alone and through replace()-then-add().
 */
import { describe, expect, it } from 'vitest';
import { sharedData } from '../../../test/support/shared-data.js';
import { readCsvFile } from '../../venues/files/csv.js';
import type { Bar, Driver } from './testkit.js';
import { makeDrivers } from './testkit.js';

type Tolerance =
  { kind: 'exact' } | { kind: 'relative'; bound: number } | { kind: 'absolute'; bound: number };

interface RefSpec {
  readonly file: string;
  /** First output row (0-based), from the README's table. */
  readonly firstRow: number;
  readonly tolerance: Tolerance;
}

const EXACT: Tolerance = { kind: 'exact' };
const REL_1E12: Tolerance = { kind: 'relative', bound: 1e-12 };

const SPECS: readonly RefSpec[] = [
  { file: 'rsi_14', firstRow: 14, tolerance: EXACT },
  { file: 'atr_14', firstRow: 14, tolerance: EXACT },
  { file: 'ema_20', firstRow: 19, tolerance: EXACT },
  { file: 'sma_20', firstRow: 19, tolerance: REL_1E12 },
  { file: 'macd_12_26_9', firstRow: 33, tolerance: REL_1E12 },
  // not TA-Lib: exact population std-dev (BigInt sums); TA-Lib's own bands cancel badly (README)
  { file: 'bbands_20_2_exact', firstRow: 19, tolerance: { kind: 'absolute', bound: 1e-9 } },
  { file: 'stoch_14_3_3', firstRow: 17, tolerance: REL_1E12 },
  { file: 'adx_14', firstRow: 27, tolerance: REL_1E12 },
  { file: 'obv', firstRow: 0, tolerance: REL_1E12 },
];

const DATASETS = [
  { dir: 'btcusdt_5m', bars: 65_741 },
  { dir: 'xrpeth_1m_flatbars', bars: 3_560 },
] as const;

function loadBars(dir: string): Bar[] {
  const table = readCsvFile(sharedData(`indicator-reference/${dir}/input_ohlcv.csv.gz`));
  expect(table.header).toEqual(['timestamp', 'open', 'high', 'low', 'close', 'volume']);
  return table.rows.map((r) => ({
    high: Number(r[2]),
    low: Number(r[3]),
    close: Number(r[4]),
    volume: Number(r[5]),
  }));
}

/** Reference rows: one number[] per row (NaN for an empty field = no output yet). */
function loadReference(dir: string, file: string): number[][] {
  const table = readCsvFile(sharedData(`indicator-reference/${dir}/${file}.csv.gz`));
  return table.rows.map((r) => r.slice(1).map((f) => (f === '' ? Number.NaN : Number(f))));
}

function within(got: number, want: number, tol: Tolerance): boolean {
  switch (tol.kind) {
    case 'exact':
      return Object.is(got, want);
    case 'relative':
      return Math.abs(got - want) <= tol.bound * Math.abs(want);
    case 'absolute':
      return Math.abs(got - want) <= tol.bound;
  }
}

/** Describes the first row where the driver disagrees with the reference, or returns undefined. */
function compareRow(d: Driver, ref: readonly number[], row: number, spec: RefSpec): string | undefined {
  // only the reference's columns (ADX's DI lines are available before the ADX itself)
  const out = d.outputs().slice(0, ref.length);
  if (row < spec.firstRow) {
    if (d.ready) return `row ${row}: ready during warm-up`;
    if (!out.every((v) => Number.isNaN(v))) return `row ${row}: value ${out.join(',')} during warm-up`;
    return undefined;
  }
  if (!d.ready) return `row ${row}: not ready after warm-up`;
  for (let c = 0; c < ref.length; c++) {
    const want = ref[c] as number;
    const got = out[c] as number;
    if (!within(got, want, spec.tolerance)) return `row ${row} column ${c}: got ${got}, TA-Lib ${want}`;
  }
  return undefined;
}

describe.each(DATASETS)('indicators on $dir', ({ dir, bars: barCount }) => {
  const bars = loadBars(dir);

  it(`input has ${barCount} bars`, () => {
    expect(bars).toHaveLength(barCount);
  });

  describe.each(SPECS)('$file', (spec) => {
    const ref = loadReference(dir, spec.file);

    it('the reference file starts its output at the README row and has one row per bar', () => {
      expect(ref).toHaveLength(bars.length);
      const first = ref.findIndex((r) => r.every((v) => !Number.isNaN(v)));
      expect(first).toBe(spec.firstRow);
    });

    it('add() matches every row, with no output before the first reference row', () => {
      const d = makeDrivers()[spec.file] as Driver;
      let failure: string | undefined;
      for (let i = 0; i < bars.length && failure === undefined; i++) {
        d.add(bars[i] as Bar);
        failure = compareRow(d, ref[i] as number[], i, spec);
      }
      expect(failure).toBeUndefined();
    });

    it('replace() previews each row exactly and add() after several replaces commits the final bar', () => {
      const d = makeDrivers()[spec.file] as Driver;
      let failure: string | undefined;
      for (let i = 0; i < bars.length && failure === undefined; i++) {
        const b = bars[i] as Bar;
        // a forming bar that first spiked, then dipped, then closed at the real values
        d.replace({ high: b.high * 1.01, low: b.low, close: b.high * 1.01, volume: b.volume / 3 });
        d.replace({ high: b.high * 1.01, low: b.low * 0.99, close: b.low * 0.99, volume: b.volume / 2 });
        d.replace(b);
        failure = compareRow(d, ref[i] as number[], i, spec);
        if (failure !== undefined) failure = `replace preview, ${failure}`;
        d.add(b);
        failure ??= compareRow(d, ref[i] as number[], i, spec);
      }
      expect(failure).toBeUndefined();
    });
  });
});

describe('flat bars in xrpeth_1m_flatbars', () => {
  const bars = loadBars('xrpeth_1m_flatbars');
  const ref = loadReference('xrpeth_1m_flatbars', 'rsi_14');

  it('have at most 12 unchanged closes in a row, so no 14-change RSI window is flat and TA-Lib never takes its flat branch (RSI 0) there', () => {
    let run = 0;
    let longest = 0;
    for (let i = 1; i < bars.length; i++) {
      run = (bars[i] as Bar).close === (bars[i - 1] as Bar).close ? run + 1 : 0;
      longest = Math.max(longest, run);
    }
    expect(longest).toBe(12);
    const values = ref.map((r) => r[0] as number).filter((v) => !Number.isNaN(v));
    expect(values.every((v) => v > 0 && v < 100)).toBe(true);
  });

  it('include zero-volume bars and zero-range bars (the cases the degenerate-input tests cover)', () => {
    expect(bars.filter((b) => b.volume === 0).length).toBeGreaterThan(1000);
    expect(bars.filter((b) => b.high === b.low).length).toBeGreaterThan(2000);
  });
});
