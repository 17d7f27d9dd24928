import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../core/errors.js';
import { loadConfig } from './load.js';
import { FIELD_LIST } from './schema.js';
import { Secret } from './secret.js';

function dirWith(file: Record<string, unknown> | string | undefined): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'aegis-config-'));
  if (file !== undefined) {
    writeFileSync(
      path.join(dir, 'aegis.config.json'),
      typeof file === 'string' ? file : JSON.stringify(file),
    );
  }
  return dir;
}

function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (caught) {
    if (caught instanceof ConfigError) return caught.problems;
    throw caught;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('gives the documented defaults when nothing is set', () => {
    const { config, sources } = loadConfig({ env: {}, cwd: dirWith(undefined) });
    expect(config.environment).toBe('paper');
    expect(config.maxOpenPositions).toBe(3);
    expect(config.rsiPeriod).toBe(14);
    expect(config.atrPeriod).toBe(14);
    expect(config.databaseUrl).toBe('./data/aegis.sqlite');
    expect(config.binanceApiKey).toBeUndefined();
    expect(config.redisUrl).toBeUndefined();
    expect(sources.maxOpenPositions).toBe('default');
    expect(sources.binanceApiKey).toBe('unset');
  });

  it('layers defaults < file < environment < flags and records the source of each value', () => {
    const cwd = dirWith({ maxOpenPositions: 4, rsiPeriod: 21, atrPeriod: 7 });
    const { config, sources } = loadConfig({
      env: { RSI_PERIOD: '10', ATR_PERIOD: '9' },
      flags: { ATR_PERIOD: '5' },
      cwd,
    });
    expect([config.maxOpenPositions, sources.maxOpenPositions]).toEqual([4, 'file']);
    expect([config.rsiPeriod, sources.rsiPeriod]).toEqual([10, 'env']);
    expect([config.atrPeriod, sources.atrPeriod]).toEqual([5, 'flag']);
    expect([config.teacherThreshold, sources.teacherThreshold]).toEqual([0.75, 'default']);
  });

  it('reads --config PATH instead of ./aegis.config.json', () => {
    const dir = dirWith({ maxOpenPositions: 9 });
    const other = path.join(dir, 'other.json');
    writeFileSync(other, JSON.stringify({ maxOpenPositions: 2 }));
    expect(loadConfig({ env: {}, cwd: dir, configPath: 'other.json' }).config.maxOpenPositions).toBe(2);
  });

  it('names the variable, the value and what is allowed, one message per problem', () => {
    const problems = problemsOf(() =>
      loadConfig({
        env: { MAX_OPEN_POSITIONS: 'abc', TEACHER_THRESHOLD: '1.5', ENVIRONMENT: 'prod', RSI_PERIOD: '' },
        cwd: dirWith(undefined),
      }),
    );
    expect(problems).toContain('MAX_OPEN_POSITIONS must be an integer >= 1, got "abc" (from environment)');
    expect(problems).toContain(
      'TEACHER_THRESHOLD must be a number from 0 to 1, got "1.5" (from environment)',
    );
    expect(problems).toContain(
      'ENVIRONMENT must be one of backtest | paper | testnet | live, got "prod" (from environment)',
    );
    expect(problems).toContain('RSI_PERIOD must be an integer from 2 to 1000, got "" (from environment)');
    expect(problems).toHaveLength(4);
  });

  it('rejects non-integers, zero and out-of-range leverage', () => {
    const problems = problemsOf(() =>
      loadConfig({
        env: { MAX_OPEN_POSITIONS: '2.5', MAX_LEVERAGE_TEACHER: '126', MAX_LEVERAGE_STUDENT: '0' },
        cwd: dirWith(undefined),
      }),
    );
    expect(problems).toEqual([
      'MAX_OPEN_POSITIONS must be an integer >= 1, got "2.5" (from environment)',
      'MAX_LEVERAGE_TEACHER must be an integer from 1 to 125, got "126" (from environment)',
      'MAX_LEVERAGE_STUDENT must be an integer from 1 to 125, got "0" (from environment)',
    ]);
  });

  it('requires student leverage <= teacher leverage', () => {
    const problems = problemsOf(() =>
      loadConfig({ env: { MAX_LEVERAGE_TEACHER: '5', MAX_LEVERAGE_STUDENT: '10' }, cwd: dirWith(undefined) }),
    );
    expect(problems).toEqual(['MAX_LEVERAGE_STUDENT must be <= MAX_LEVERAGE_TEACHER (5), got 10']);
  });

  it('treats an unknown key in the config file as an error and suggests the near one', () => {
    const cwd = dirWith({ maxOpenPosition: 3 });
    const problems = problemsOf(() => loadConfig({ env: {}, cwd }));
    expect(problems).toEqual([
      `unknown key "maxOpenPosition" in ${path.join(cwd, 'aegis.config.json')} (did you mean "maxOpenPositions"?)`,
    ]);
  });

  it('names the file source in a bad-value message', () => {
    const cwd = dirWith({ maxOpenPositions: 0 });
    expect(problemsOf(() => loadConfig({ env: {}, cwd }))).toEqual([
      `MAX_OPEN_POSITIONS must be an integer >= 1, got 0 (from ${path.join(cwd, 'aegis.config.json')})`,
    ]);
  });

  it('refuses a secret in the config file, saying so, without echoing it', () => {
    const cwd = dirWith({ binanceApiSecret: 'file-secret-value-xyz' });
    let caught: unknown;
    try {
      loadConfig({ env: {}, cwd });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const err = caught as ConfigError;
    expect(err.code).toBe('CONFIG_SECRET_IN_FILE');
    expect(err.message).toMatch(/secrets come from the environment only \(BINANCE_API_SECRET\)/);
    expect(err.message).not.toContain('file-secret-value-xyz');
  });

  it('refuses a secret given as a flag', () => {
    expect(
      problemsOf(() => loadConfig({ env: {}, flags: { BINANCE_API_KEY: 'k' }, cwd: dirWith(undefined) })),
    ).toEqual(['BINANCE_API_KEY must not be given as a flag: secrets come from the environment only']);
  });

  it('wraps secrets so they never print, serialise or inspect', () => {
    const { config } = loadConfig({
      env: { BINANCE_API_KEY: 'key-abc-123', BINANCE_API_SECRET: 'secret-def-456' },
      cwd: dirWith(undefined),
    });
    expect(config.binanceApiSecret).toBeInstanceOf(Secret);
    expect(config.binanceApiSecret?.reveal()).toBe('secret-def-456');
    const printed = [JSON.stringify(config), String(config.binanceApiKey), inspect(config)].join(' ');
    expect(printed).not.toContain('key-abc-123');
    expect(printed).not.toContain('secret-def-456');
  });

  it('returns a frozen config, lists included', () => {
    const { config } = loadConfig({ env: { AEGIS_SYMBOLS: 'btcusdt, ethusdt' }, cwd: dirWith(undefined) });
    expect(config.symbols).toEqual(['BTCUSDT', 'ETHUSDT']);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.symbols)).toBe(true);
    expect(() => {
      (config as { maxOpenPositions: number }).maxOpenPositions = 99;
    }).toThrow(TypeError);
  });

  it('warns about unknown AEGIS_* variables and near-misses of known names', () => {
    const { warnings } = loadConfig({
      env: { AEGIS_SYMBOL: 'BTCUSDT', MAX_OPEN_POSITION: '2', PATH: '/usr/bin' },
      cwd: dirWith(undefined),
    });
    expect(warnings).toEqual([
      'unknown environment variable AEGIS_SYMBOL is ignored (did you mean "AEGIS_SYMBOLS"?)',
      'environment variable MAX_OPEN_POSITION is ignored (did you mean MAX_OPEN_POSITIONS?)',
    ]);
  });

  it('accepts SQLite paths and postgres URLs for DATABASE_URL, rejects other schemes', () => {
    const cwd = dirWith(undefined);
    expect(loadConfig({ env: { DATABASE_URL: 'postgres://u@127.0.0.1/test' }, cwd }).config.databaseUrl).toBe(
      'postgres://u@127.0.0.1/test',
    );
    expect(loadConfig({ env: { DATABASE_URL: 'sqlite:/tmp/x.db' }, cwd }).config.databaseUrl).toBe(
      'sqlite:/tmp/x.db',
    );
    expect(problemsOf(() => loadConfig({ env: { DATABASE_URL: 'mysql://h/db' }, cwd }))[0]).toMatch(
      /^DATABASE_URL must be a file path, sqlite:PATH or a postgres:\/\/ \/ postgresql:\/\/ URL, got "mysql:\/\/h\/db"/,
    );
    expect(problemsOf(() => loadConfig({ env: { REDIS_URL: 'http://x' }, cwd }))[0]).toMatch(
      /^REDIS_URL must be/,
    );
  });

  it('reports a config file that is not JSON', () => {
    const cwd = dirWith('{ not json');
    let caught: unknown;
    try {
      loadConfig({ env: {}, cwd });
    } catch (e) {
      caught = e;
    }
    expect((caught as ConfigError).code).toBe('CONFIG_FILE_UNREADABLE');
  });

  it('has the seed variables, and no secret with a default', () => {
    const envs = FIELD_LIST.map((f) => f.env);
    for (const seed of [
      'BINANCE_API_KEY',
      'BINANCE_API_SECRET',
      'ENVIRONMENT',
      'MAX_OPEN_POSITIONS',
      'RSI_PERIOD',
      'ATR_PERIOD',
      'TEACHER_THRESHOLD',
      'MAX_LEVERAGE_TEACHER',
      'MAX_LEVERAGE_STUDENT',
      'DATABASE_URL',
      'REDIS_URL',
      'LOG_LEVEL',
    ]) {
      expect(envs).toContain(seed);
    }
    for (const f of FIELD_LIST.filter((x) => x.secret)) expect(f.default).toBeUndefined();
  });
});
