/**
 * Declared strategy parameters: what a strategy lets an optimiser (or an operator) tune, with types,
 * ranges and defaults. A strategy module exports a `StrategyDefinition`: its parameters and a factory
 * that builds the strategy from validated values. See docs/optimize.md.
 */
import { ConfigError } from '../core/errors.js';
import type { StrategyFactory } from './strategy.js';

export type ParamValue = number | string | boolean;
export type ParamValues = Readonly<Record<string, ParamValue>>;

interface ParamBase {
  readonly name: string;
  readonly description: string;
}

/** An integer in [min, max]; `step` (default 1) is the grid spacing an optimiser uses by default. */
export interface IntParam extends ParamBase {
  readonly type: 'int';
  readonly min: number;
  readonly max: number;
  readonly step?: number;
  readonly default: number;
}

/** A real number in [min, max]; `step` is the default grid spacing. */
export interface FloatParam extends ParamBase {
  readonly type: 'float';
  readonly min: number;
  readonly max: number;
  readonly step: number;
  readonly default: number;
}

/** One of a closed set of values. */
export interface ChoiceParam extends ParamBase {
  readonly type: 'choice';
  readonly values: readonly ParamValue[];
  readonly default: ParamValue;
}

export type ParamSpec = IntParam | FloatParam | ChoiceParam;

/** A strategy with its declared parameters. `create` receives complete, validated values. */
export interface StrategyDefinition {
  readonly name: string;
  readonly description: string;
  readonly parameters: readonly ParamSpec[];
  /** Problems of a combination of valid values (e.g. fast period >= slow period); empty when fine. */
  check?(values: ParamValues): readonly string[];
  create(values: ParamValues): StrategyFactory;
}

/** The declared defaults, by name. */
export function defaultParams(specs: readonly ParamSpec[]): ParamValues {
  const out: Record<string, ParamValue> = {};
  for (const s of specs) out[s.name] = s.default;
  return out;
}

/** The problem with `value` for `spec`, or undefined when it is valid. */
export function paramProblem(spec: ParamSpec, value: unknown): string | undefined {
  const shown = typeof value === 'string' ? `"${value}"` : String(value);
  switch (spec.type) {
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value))
        return `parameter ${spec.name} must be an integer, got ${shown}`;
      if (value < spec.min || value > spec.max)
        return `parameter ${spec.name} must be in [${spec.min}, ${spec.max}], got ${shown}`;
      return undefined;
    case 'float':
      if (typeof value !== 'number' || !Number.isFinite(value))
        return `parameter ${spec.name} must be a finite number, got ${shown}`;
      if (value < spec.min || value > spec.max)
        return `parameter ${spec.name} must be in [${spec.min}, ${spec.max}], got ${shown}`;
      return undefined;
    case 'choice':
      if (!spec.values.includes(value as ParamValue))
        return `parameter ${spec.name} must be one of ${spec.values.map(String).join(', ')}, got ${shown}`;
      return undefined;
  }
}

/**
 * Complete and check a set of values: unknown names and bad values are a ConfigError naming each one;
 * missing names take their declared default (or `base`, when given).
 */
export function resolveParams(
  strategy: string,
  specs: readonly ParamSpec[],
  values: Readonly<Record<string, unknown>>,
  base: ParamValues = defaultParams(specs),
): ParamValues {
  const problems: string[] = [];
  const known = new Set(specs.map((s) => s.name));
  for (const name of Object.keys(values)) {
    if (!known.has(name)) {
      problems.push(
        `strategy ${strategy} has no parameter "${name}" (it has: ${[...known].join(', ') || 'none'})`,
      );
    }
  }
  const out: Record<string, ParamValue> = {};
  for (const s of specs) {
    const v = Object.hasOwn(values, s.name) ? values[s.name] : (base[s.name] ?? s.default);
    const p = paramProblem(s, v);
    if (p !== undefined) problems.push(`strategy ${strategy}: ${p}`);
    else out[s.name] = v as ParamValue;
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(out);
}

/** Parse one value given as text (CLI) for `spec`; a ConfigError naming the parameter when it is bad. */
export function parseParamValue(spec: ParamSpec, text: string): ParamValue {
  const t = text.trim();
  let v: ParamValue;
  if (spec.type === 'choice') {
    const match = spec.values.find((x) => String(x) === t);
    v = match ?? t;
  } else {
    v = t === '' ? Number.NaN : Number(t);
  }
  const p = paramProblem(spec, v);
  if (p !== undefined) throw new ConfigError([p]);
  return v;
}

/** Read a number from validated values (a programming error when it is not one). */
export function num(values: ParamValues, name: string): number {
  const v = values[name];
  if (typeof v !== 'number') throw new ConfigError([`parameter ${name} must be a number, got ${String(v)}`]);
  return v;
}
