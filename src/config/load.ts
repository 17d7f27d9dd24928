import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../core/errors.js';
import { FIELD_LIST, FIELDS, type AegisConfig, type ConfigKey, type FieldDef } from './schema.js';
import { REDACTED } from './secret.js';

export type Source = 'default' | 'file' | 'env' | 'flag' | 'unset';

export interface LoadOptions {
  /** The process environment (or a test's). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** CLI overrides by env name (`--set MAX_OPEN_POSITIONS=2`, `--log-level debug`...). */
  readonly flags?: Readonly<Record<string, string>>;
  /** --config PATH; without it `aegis.config.json` in cwd is read if present. */
  readonly configPath?: string | undefined;
  readonly cwd: string;
}

export interface LoadedConfig {
  readonly config: AegisConfig;
  readonly sources: Readonly<Record<ConfigKey, Source>>;
  readonly warnings: readonly string[];
  /** The config file that was read, if any. */
  readonly file: string | undefined;
}

export const DEFAULT_CONFIG_FILE = 'aegis.config.json';

const BY_KEY = new Map(FIELD_LIST.map((f) => [f.key, f]));
const BY_ENV = new Map(FIELD_LIST.map((f) => [f.env, f]));

/**
 * Read defaults < config file < environment < flags, validate every value, and return a frozen config.
 * Throws ConfigError listing every problem (one message each) when anything is wrong.
 */
export function loadConfig(options: LoadOptions): LoadedConfig {
  const problems: string[] = [];
  const secretProblems: string[] = [];
  const warnings: string[] = [];
  const raw = new Map<string, { value: unknown; source: Source }>();

  const file = readConfigFile(options);
  if (file !== undefined) {
    for (const [key, value] of Object.entries(file.content)) {
      const def = BY_KEY.get(key) ?? BY_ENV.get(key);
      if (def === undefined) {
        problems.push(`unknown key "${key}" in ${file.path}${suggest(key, [...BY_KEY.keys()])}`);
      } else if (def.secret) {
        secretProblems.push(
          `${def.key} must not be in a config file (${file.path}): secrets come from the environment only (${def.env})`,
        );
      } else {
        raw.set(def.key, { value, source: 'file' });
      }
    }
  }

  for (const [name, value] of Object.entries(options.env)) {
    if (value === undefined) continue;
    const def = BY_ENV.get(name);
    if (def !== undefined) {
      raw.set(def.key, { value, source: 'env' });
    } else if (name.startsWith('AEGIS_')) {
      warnings.push(`unknown environment variable ${name} is ignored${suggest(name, [...BY_ENV.keys()])}`);
    } else {
      const near = nearest(name, [...BY_ENV.keys()]);
      if (near !== undefined)
        warnings.push(`environment variable ${name} is ignored (did you mean ${near}?)`);
    }
  }

  for (const [name, value] of Object.entries(options.flags ?? {})) {
    const def = BY_ENV.get(name) ?? BY_KEY.get(name);
    if (def === undefined) {
      problems.push(`unknown setting "${name}" in --set${suggest(name, [...BY_ENV.keys()])}`);
    } else if (def.secret) {
      secretProblems.push(`${def.env} must not be given as a flag: secrets come from the environment only`);
    } else {
      raw.set(def.key, { value, source: 'flag' });
    }
  }

  const values: Record<string, unknown> = {};
  const sources: Record<string, Source> = {};
  for (const def of FIELD_LIST) {
    const given = raw.get(def.key);
    if (given === undefined) {
      values[def.key] = def.default;
      sources[def.key] = def.default === undefined ? 'unset' : 'default';
      continue;
    }
    const parsed = def.schema.safeParse(given.value);
    if (parsed.success) {
      values[def.key] = parsed.data;
      sources[def.key] = given.source;
    } else {
      problems.push(
        `${def.env} must be ${def.allowed}, got ${show(def, given.value)} (from ${describe(given.source, file?.path)})`,
      );
    }
  }

  const teacher = values[FIELDS.maxLeverageTeacher.key];
  const student = values[FIELDS.maxLeverageStudent.key];
  if (typeof teacher === 'number' && typeof student === 'number' && student > teacher) {
    problems.push(
      `${FIELDS.maxLeverageStudent.env} must be <= ${FIELDS.maxLeverageTeacher.env} (${teacher}), got ${student}`,
    );
  }

  if (secretProblems.length > 0)
    throw new ConfigError([...secretProblems, ...problems], 'CONFIG_SECRET_IN_FILE');
  if (problems.length > 0) throw new ConfigError(problems);

  for (const v of Object.values(values)) if (Array.isArray(v)) Object.freeze(v);
  return {
    config: Object.freeze(values) as AegisConfig,
    sources: Object.freeze(sources),
    warnings,
    file: file?.path,
  };
}

function readConfigFile(
  options: LoadOptions,
): { path: string; content: Record<string, unknown> } | undefined {
  const explicit = options.configPath !== undefined;
  const file = path.resolve(options.cwd, options.configPath ?? DEFAULT_CONFIG_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (caught) {
    if (!explicit && (caught as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(
      [`config file ${file} cannot be read: ${(caught as Error).message}`],
      'CONFIG_FILE_UNREADABLE',
    );
  }
  let content: unknown;
  try {
    content = JSON.parse(text);
  } catch (caught) {
    throw new ConfigError(
      [`config file ${file} is not valid JSON: ${(caught as Error).message}`],
      'CONFIG_FILE_UNREADABLE',
    );
  }
  if (typeof content !== 'object' || content === null || Array.isArray(content)) {
    throw new ConfigError(
      [`config file ${file} must hold a JSON object of settings`],
      'CONFIG_FILE_UNREADABLE',
    );
  }
  return { path: file, content: content as Record<string, unknown> };
}

function show(def: FieldDef<unknown>, value: unknown): string {
  if (def.secret) return typeof value === 'string' && value.trim().length === 0 ? '""' : `"${REDACTED}"`;
  const json = JSON.stringify(value) as string | undefined;
  return json ?? String(value);
}

function describe(source: Source, file: string | undefined): string {
  switch (source) {
    case 'file':
      return file ?? 'config file';
    case 'env':
      return 'environment';
    case 'flag':
      return 'command-line flag';
    case 'default':
    case 'unset':
      return 'default';
  }
}

function suggest(name: string, known: readonly string[]): string {
  const near = nearest(name, known);
  return near === undefined ? '' : ` (did you mean "${near}"?)`;
}

/** The known name within edit distance 2 (case-insensitive) of `name`, if any. */
export function nearest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const k of known) {
    const d = editDistance(name.toUpperCase(), k.toUpperCase());
    if (d > 0 && d < bestD) {
      best = k;
      bestD = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const sub = (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      cur.push(Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, sub));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}
