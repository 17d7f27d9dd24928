/**
 * The search space of `aegis optimize`: a discrete range per declared parameter, enumerated as a grid or
 * sampled at random from that grid (seeded, without replacement: the same seed gives the same
 * candidates). See docs/optimize.md.
 */
import { SeededRng } from '../../core/rng.js';
import { ConfigError } from '../../core/errors.js';
import {
  parseParamValue,
  resolveParams,
  type ParamSpec,
  type ParamValue,
  type ParamValues,
  type StrategyDefinition,
} from '../../brain/parameters.js';

export interface ParamRange {
  readonly name: string;
  /** The values searched, in order, validated against the declaration. */
  readonly values: readonly ParamValue[];
}

/** Decimal places of a number as written (0.25 -> 2), for rounding grid points. */
function decimals(x: number): number {
  const s = String(x);
  const e = s.indexOf('e-');
  if (e >= 0) return Number(s.slice(e + 2));
  const dot = s.indexOf('.');
  return dot < 0 ? 0 : s.length - dot - 1;
}

const MAX_VALUES_PER_PARAM = 10_000;

/**
 * One parameter's range from its text form:
 * - `a:b:step` (numbers): a, a+step, ... up to b inclusive;
 * - `a:b`: the same with the declared step (1 for an int without one);
 * - `v1,v2,...`: those values (any type);
 * - `v`: that value alone.
 */
export function parseRange(spec: ParamSpec, text: string): ParamRange {
  const t = text.trim();
  const bad = (why: string): ConfigError =>
    new ConfigError([`parameter ${spec.name}: range "${text}" ${why}`]);
  if (t.includes(':')) {
    if (spec.type === 'choice')
      throw bad(`is a numeric range, but ${spec.name} is a choice of ${spec.values.join(', ')}`);
    const parts = t.split(':');
    if (parts.length > 3) throw bad('must be a:b or a:b:step');
    const [a, b, s] = parts.map((p) => (p.trim() === '' ? Number.NaN : Number(p)));
    const step = parts.length === 3 ? (s as number) : (spec.step ?? 1);
    if (!Number.isFinite(a) || !Number.isFinite(b)) throw bad('needs numeric bounds');
    if (!Number.isFinite(step) || step <= 0) throw bad('needs a step > 0');
    if (spec.type === 'int' && !Number.isInteger(step)) throw bad('needs an integer step (int parameter)');
    if ((b as number) < (a as number)) throw bad('has its upper bound below its lower bound');
    const places = Math.max(decimals(a as number), decimals(step));
    const values: number[] = [];
    for (let i = 0; ; i++) {
      const v = Number(((a as number) + i * step).toFixed(places));
      if (v > (b as number) + 1e-12) break;
      if (values.length >= MAX_VALUES_PER_PARAM) throw bad(`has more than ${MAX_VALUES_PER_PARAM} values`);
      values.push(v);
    }
    return { name: spec.name, values: values.map((v) => parseParamValue(spec, String(v))) };
  }
  const items = t.split(',').map((x) => x.trim());
  if (items.some((x) => x === '')) throw bad('has an empty value');
  const values = items.map((x) => parseParamValue(spec, x));
  const unique = [...new Set(values)];
  return { name: spec.name, values: unique };
}

/** `name=range` pairs (CLI `--param`) into ranges, checked against the strategy's declarations. */
export function parseRanges(def: StrategyDefinition, pairs: readonly string[]): ParamRange[] {
  const out: ParamRange[] = [];
  const problems: string[] = [];
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) {
      problems.push(`--param expects name=range (e.g. fast=5:20:5 or closeBreak=true,false), got "${pair}"`);
      continue;
    }
    const name = pair.slice(0, eq).trim();
    const spec = def.parameters.find((p) => p.name === name);
    if (spec === undefined) {
      problems.push(
        `strategy ${def.name} has no parameter "${name}" (it has: ${def.parameters.map((p) => p.name).join(', ')})`,
      );
      continue;
    }
    if (out.some((r) => r.name === name)) {
      problems.push(`parameter ${name} is given twice`);
      continue;
    }
    try {
      out.push(parseRange(spec, pair.slice(eq + 1)));
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      problems.push(...e.problems);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  // declaration order, so that the grid order does not depend on the order of the flags
  const order = def.parameters.map((p) => p.name);
  return out.sort((x, y) => order.indexOf(x.name) - order.indexOf(y.name));
}

/** Number of points of the grid (product of the range sizes). */
export function gridSize(ranges: readonly ParamRange[]): number {
  return ranges.reduce((n, r) => n * r.values.length, 1);
}

/** The grid point with this index (mixed radix; the first range varies slowest). */
export function gridPoint(ranges: readonly ParamRange[], index: number): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  let rest = index;
  for (let i = ranges.length - 1; i >= 0; i--) {
    const r = ranges[i] as ParamRange;
    const k = rest % r.values.length;
    rest = Math.floor(rest / r.values.length);
    out[r.name] = r.values[k] as ParamValue;
  }
  return out;
}

/** Every grid point, in index order. */
export function enumerateGrid(ranges: readonly ParamRange[]): Record<string, ParamValue>[] {
  const n = gridSize(ranges);
  const out: Record<string, ParamValue>[] = [];
  for (let i = 0; i < n; i++) out.push(gridPoint(ranges, i));
  return out;
}

/**
 * `samples` distinct grid points drawn uniformly without replacement with a seeded generator, in
 * ascending grid order; the whole grid when it has no more points than that.
 */
export function sampleGrid(
  ranges: readonly ParamRange[],
  samples: number,
  seed: number,
): Record<string, ParamValue>[] {
  if (!Number.isInteger(samples) || samples < 1)
    throw new ConfigError([`samples must be an integer >= 1, got ${samples}`]);
  const n = gridSize(ranges);
  if (!Number.isSafeInteger(n)) throw new ConfigError([`the search grid is too large (${n} points)`]);
  if (n <= samples) return enumerateGrid(ranges);
  const rng = new SeededRng(seed);
  // Floyd's algorithm: exactly `samples` draws, distinct, uniform
  const chosen = new Set<number>();
  for (let j = n - samples; j < n; j++) {
    const t = Math.floor(rng.next() * (j + 1));
    chosen.add(chosen.has(t) ? j : t);
  }
  return [...chosen].sort((a, b) => a - b).map((i) => gridPoint(ranges, i));
}

export interface Candidates {
  /** Complete, validated parameter sets, in search order. */
  readonly list: readonly ParamValues[];
  /** Points the strategy's own check refused (e.g. fast >= slow), with the first reason. */
  readonly refused: number;
  readonly firstRefusal: string | undefined;
}

/** Complete each point with the base values, validate it and drop the combinations the strategy refuses. */
export function candidates(
  def: StrategyDefinition,
  points: readonly Readonly<Record<string, ParamValue>>[],
  base: ParamValues,
): Candidates {
  const list: ParamValues[] = [];
  let refused = 0;
  let firstRefusal: string | undefined;
  for (const p of points) {
    const values = resolveParams(def.name, def.parameters, p, base);
    const problems = def.check?.(values) ?? [];
    if (problems.length > 0) {
      refused++;
      firstRefusal ??= problems.join('; ');
      continue;
    }
    list.push(values);
  }
  return { list, refused, firstRefusal };
}

/** A stable text key of a parameter set (declaration order), for counting and display. */
export function paramKey(def: StrategyDefinition, values: ParamValues): string {
  return def.parameters.map((p) => `${p.name}=${String(values[p.name])}`).join(' ');
}
