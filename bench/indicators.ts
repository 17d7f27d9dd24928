/**
 * Per-update cost of streaming RSI(14), ATR(14), EMA(20): AEGIS (src/brain/indicators) vs npm
 * trading-signals (update(x, false)) vs npm technicalindicators (nextValue) vs a plain inline loop in
 * TA-Lib's arithmetic, over the real BTCUSDT 5m closes (65,741 bars), repeated for stable timing.
 *
 *   node --import tsx bench/indicators.ts [--rounds 21]
 *
 * Each cell: median over rounds of (elapsed / updates) after one warm-up round. A round feeds the whole
 * series `passes` times into one fresh instance. Candle objects for the libraries that take one are
 * built once before timing (their per-update cost excludes our allocation, not theirs). The last column
 * checks one pass of each implementation against TA-Lib's output (../shared/data/indicator-reference).
 */
import { ATR as TsATR, EMA as TsEMA, RSI as TsRSI } from 'trading-signals';
import { ATR as TiATR, EMA as TiEMA, RSI as TiRSI } from 'technicalindicators';
import { ATR, EMA, RSI } from '../src/brain/indicators/index.js';
import { readCsvFile } from '../src/venues/files/csv.js';
import { sharedData } from '../test/support/shared-data.js';

const roundsArg = process.argv.indexOf('--rounds');
const ROUNDS = roundsArg >= 0 ? Number(process.argv[roundsArg + 1]) : 21;

const table = readCsvFile(sharedData('klines/binance_spot_BTCUSDT_5m_20201201_20210717.csv.gz'));
const col = (name: string): Float64Array => {
  const i = table.header.indexOf(name);
  if (i < 0) throw new Error(`column ${name} missing`);
  return Float64Array.from(table.rows, (r) => Number(r[i]));
};
const H = col('high');
const L = col('low');
const C = col('close');
const N = C.length;
const candles = Array.from({ length: N }, (_, i) => ({
  high: H[i] as number,
  low: L[i] as number,
  close: C[i] as number,
}));

function reference(file: string): Float64Array {
  const t = readCsvFile(sharedData(`indicator-reference/btcusdt_5m/${file}.csv.gz`));
  return Float64Array.from(t.rows, (r) => (r[1] === '' ? Number.NaN : Number(r[1])));
}
const REF = { rsi: reference('rsi_14'), atr: reference('atr_14'), ema: reference('ema_20') };

/**
 * One implementation: `run(passes)` feeds the series `passes` times into one fresh instance; with `out`
 * it instead records the outputs of a single pass (for the accuracy column, outside timing).
 */
interface Impl {
  readonly name: string;
  run(passes: number, out?: Float64Array): number;
}

// ---------------- AEGIS ----------------
const aegisRsi: Impl = {
  name: 'aegis',
  run(passes, out) {
    const ind = new RSI(14);
    let acc = 0;
    for (let p = 0; p < passes; p++) for (let i = 0; i < N; i++) acc += ind.update(C[i] as number) || 0;
    if (out) for (let i = 0, r = new RSI(14); i < N; i++) out[i] = r.update(C[i] as number);
    return acc;
  },
};
const aegisAtr: Impl = {
  name: 'aegis',
  run(passes, out) {
    const ind = new ATR(14);
    let acc = 0;
    for (let p = 0; p < passes; p++)
      for (let i = 0; i < N; i++) acc += ind.update(H[i] as number, L[i] as number, C[i] as number) || 0;
    if (out)
      for (let i = 0, r = new ATR(14); i < N; i++)
        out[i] = r.update(H[i] as number, L[i] as number, C[i] as number);
    return acc;
  },
};
const aegisEma: Impl = {
  name: 'aegis',
  run(passes, out) {
    const ind = new EMA(20);
    let acc = 0;
    for (let p = 0; p < passes; p++) for (let i = 0; i < N; i++) acc += ind.update(C[i] as number) || 0;
    if (out) for (let i = 0, r = new EMA(20); i < N; i++) out[i] = r.update(C[i] as number);
    return acc;
  },
};

// ---------------- trading-signals (v8: update(value, replace)) ----------------
const tsRsi: Impl = {
  name: 'trading-signals',
  run(passes, out) {
    const ind = new TsRSI(14);
    let acc = 0;
    for (let p = 0; p < passes; p++)
      for (let i = 0; i < N; i++) acc += ind.update(C[i] as number, false) ?? 0;
    if (out)
      for (let i = 0, r = new TsRSI(14); i < N; i++) out[i] = r.update(C[i] as number, false) ?? Number.NaN;
    return acc;
  },
};
const tsAtr: Impl = {
  name: 'trading-signals',
  run(passes, out) {
    const ind = new TsATR(14);
    let acc = 0;
    for (let p = 0; p < passes; p++)
      for (let i = 0; i < N; i++) acc += ind.update(candles[i] as (typeof candles)[0], false) ?? 0;
    if (out)
      for (let i = 0, r = new TsATR(14); i < N; i++)
        out[i] = r.update(candles[i] as (typeof candles)[0], false) ?? Number.NaN;
    return acc;
  },
};
const tsEma: Impl = {
  name: 'trading-signals',
  run(passes, out) {
    const ind = new TsEMA(20);
    let acc = 0;
    for (let p = 0; p < passes; p++) for (let i = 0; i < N; i++) acc += ind.update(C[i] as number, false);
    if (out)
      for (let i = 0, r = new TsEMA(20); i < N; i++) {
        const v = r.update(C[i] as number, false);
        out[i] = r.isStable ? v : Number.NaN;
      }
    return acc;
  },
};

// ---------------- technicalindicators (nextValue) ----------------
/** technicalindicators declares its inputs as classes; a plain object with the same fields is what its docs pass. */
type RSIInput = ConstructorParameters<typeof TiRSI>[0];
type ATRInput = ConstructorParameters<typeof TiATR>[0];
type MAInput = ConstructorParameters<typeof TiEMA>[0];
const tiInput = {
  rsi: (fields: object): RSIInput => fields as RSIInput,
  atr: (fields: object): ATRInput => fields as ATRInput,
  ema: (fields: object): MAInput => fields as MAInput,
};
const tiRsi: Impl = {
  name: 'technicalindicators',
  run(passes, out) {
    const ind = new TiRSI(tiInput.rsi({ period: 14, values: [] }));
    let acc = 0;
    for (let p = 0; p < passes; p++) for (let i = 0; i < N; i++) acc += ind.nextValue(C[i] as number) ?? 0;
    if (out)
      for (let i = 0, r = new TiRSI(tiInput.rsi({ period: 14, values: [] })); i < N; i++)
        out[i] = r.nextValue(C[i] as number) ?? Number.NaN;
    return acc;
  },
};
const tiAtr: Impl = {
  name: 'technicalindicators',
  run(passes, out) {
    const ind = new TiATR(tiInput.atr({ period: 14, high: [], low: [], close: [] }));
    let acc = 0;
    // its declared parameter type is a full CandleData; it reads high, low and close only
    const next = (r: TiATR, i: number): number | undefined => r.nextValue(candles[i] as never);
    for (let p = 0; p < passes; p++) for (let i = 0; i < N; i++) acc += next(ind, i) ?? 0;
    if (out)
      for (let i = 0, r = new TiATR(tiInput.atr({ period: 14, high: [], low: [], close: [] })); i < N; i++)
        out[i] = next(r, i) ?? Number.NaN;
    return acc;
  },
};
const tiEma: Impl = {
  name: 'technicalindicators',
  run(passes, out) {
    const ind = new TiEMA(tiInput.ema({ period: 20, values: [] }));
    let acc = 0;
    for (let p = 0; p < passes; p++) for (let i = 0; i < N; i++) acc += ind.nextValue(C[i] as number) || 0;
    if (out)
      for (let i = 0, r = new TiEMA(tiInput.ema({ period: 20, values: [] })); i < N; i++) {
        // declared as number, but it returns undefined during warm-up
        const v: unknown = r.nextValue(C[i] as number);
        out[i] = typeof v === 'number' ? v : Number.NaN;
      }
    return acc;
  },
};

// ---------------- plain inline loops (TA-Lib arithmetic, no class) ----------------
function inlineRsiPass(passes: number, out?: Float64Array): number {
  const p = 14;
  let n = 0;
  let prev = 0;
  let g = 0;
  let l = 0;
  let acc = 0;
  for (let pass = 0; pass < passes; pass++) {
    for (let i = 0; i < N; i++) {
      const c = C[i] as number;
      const d = c - prev;
      prev = c;
      let v = Number.NaN;
      if (n > p) {
        g *= p - 1;
        l *= p - 1;
        if (d < 0) l -= d;
        else g += d;
        g /= p;
        l /= p;
        const s = g + l;
        v = s > -1e-14 && s < 1e-14 ? 0 : 100 * (g / s);
      } else if (n > 0) {
        if (d < 0) l -= d;
        else g += d;
        if (n === p) {
          g /= p;
          l /= p;
          const s = g + l;
          v = s > -1e-14 && s < 1e-14 ? 0 : 100 * (g / s);
        }
      }
      n++;
      acc += v || 0;
      if (out && pass === 0) out[i] = v;
    }
  }
  return acc;
}
function inlineAtrPass(passes: number, out?: Float64Array): number {
  const p = 14;
  let n = 0;
  let pc = 0;
  let a = 0;
  let acc = 0;
  for (let pass = 0; pass < passes; pass++) {
    for (let i = 0; i < N; i++) {
      const h = H[i] as number;
      const lo = L[i] as number;
      let tr = h - lo;
      const x = Math.abs(pc - h);
      if (x > tr) tr = x;
      const y = Math.abs(pc - lo);
      if (y > tr) tr = y;
      pc = C[i] as number;
      let v = Number.NaN;
      if (n > p) v = a = (a * (p - 1) + tr) / p;
      else if (n > 0) {
        a += tr;
        if (n === p) v = a = a / p;
      }
      n++;
      acc += v || 0;
      if (out && pass === 0) out[i] = v;
    }
  }
  return acc;
}
function inlineEmaPass(passes: number, out?: Float64Array): number {
  const p = 20;
  const k = 2 / (p + 1);
  let n = 0;
  let e = 0;
  let acc = 0;
  for (let pass = 0; pass < passes; pass++) {
    for (let i = 0; i < N; i++) {
      const c = C[i] as number;
      n++;
      let v = Number.NaN;
      if (n > p) v = e = (c - e) * k + e;
      else {
        e += c;
        if (n === p) v = e = e / p;
      }
      acc += v || 0;
      if (out && pass === 0) out[i] = v;
    }
  }
  return acc;
}
const inline = (run: (passes: number, out?: Float64Array) => number): Impl => ({ name: 'inline loop', run });

interface Case {
  readonly indicator: string;
  readonly ref: Float64Array;
  readonly impls: readonly Impl[];
}
const CASES: Case[] = [
  { indicator: 'RSI(14)', ref: REF.rsi, impls: [aegisRsi, tsRsi, tiRsi, inline(inlineRsiPass)] },
  { indicator: 'ATR(14)', ref: REF.atr, impls: [aegisAtr, tsAtr, tiAtr, inline(inlineAtrPass)] },
  { indicator: 'EMA(20)', ref: REF.ema, impls: [aegisEma, tsEma, tiEma, inline(inlineEmaPass)] },
];

/** Passes per round so a round lasts ~20 ms or more (estimated from one calibration pass). */
function passesFor(impl: Impl): number {
  const t0 = process.hrtime.bigint();
  impl.run(1);
  const ns = Number(process.hrtime.bigint() - t0);
  return Math.max(1, Math.min(200, Math.ceil(20e6 / ns)));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** Max relative difference from TA-Lib over rows where TA-Lib has output; warm-up disagreement counted. */
function accuracy(impl: Impl, ref: Float64Array): string {
  const out = new Float64Array(N);
  impl.run(impl.name === 'inline loop' ? 1 : 0, out);
  let maxRel = 0;
  let warmupMismatch = 0;
  let bitExact = true;
  for (let i = 0; i < N; i++) {
    const want = ref[i] as number;
    const got = out[i] as number;
    if (Number.isNaN(want) || Number.isNaN(got)) {
      if (Number.isNaN(want) !== Number.isNaN(got)) warmupMismatch++;
      continue;
    }
    if (!Object.is(want, got)) bitExact = false;
    const rel = Math.abs(got - want) / Math.abs(want);
    if (rel > maxRel) maxRel = rel;
  }
  const w = warmupMismatch > 0 ? `, ${warmupMismatch} warm-up rows differ` : '';
  return bitExact && warmupMismatch === 0 ? 'bit-exact' : `max rel ${maxRel.toExponential(1)}${w}`;
}

let sink = 0;
const rows: string[][] = [];
for (const c of CASES) {
  const passes = c.impls.map(passesFor);
  c.impls.forEach((impl, k) => (sink += impl.run(passes[k] ?? 1))); // warm-up round
  const samples: number[][] = c.impls.map(() => []);
  // rounds interleave the implementations, so a burst of load from other processes hits all of them
  for (let r = 0; r < ROUNDS; r++) {
    c.impls.forEach((impl, k) => {
      const p = passes[k] ?? 1;
      const t0 = process.hrtime.bigint();
      sink += impl.run(p);
      const ns = Number(process.hrtime.bigint() - t0);
      samples[k]?.push(ns / (p * N));
    });
  }
  c.impls.forEach((impl, k) => {
    const xs = samples[k] ?? [];
    rows.push([
      c.indicator,
      impl.name,
      median(xs).toFixed(1),
      Math.min(...xs).toFixed(1),
      Math.max(...xs).toFixed(1),
      String((passes[k] ?? 1) * N),
      accuracy(impl, c.ref),
    ]);
  });
}

const header = [
  'indicator',
  'implementation',
  'median ns/update',
  'min',
  'max',
  'updates/round',
  'vs TA-Lib (1 pass)',
];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
const line = (cells: readonly string[]): string =>
  `| ${cells.map((x, i) => x.padEnd(widths[i] ?? 0)).join(' | ')} |`;
console.log(`BTCUSDT 5m, ${N} bars, ${ROUNDS} rounds after 1 warm-up round; node ${process.version}`);
console.log(line(header));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const r of rows) console.log(line(r));
console.log(`(checksum ${sink.toExponential(3)})`);
