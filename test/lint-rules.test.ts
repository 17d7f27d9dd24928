import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ESLint } from 'eslint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Planted violations must fail `npm test` (which runs ESLint over src/). Each case is written as a real
 * file under src/ (the type-aware rules need it inside the TypeScript project), linted, and removed.
 */
const ROOT = path.resolve(import.meta.dirname, '..');
const DIR = path.join(ROOT, 'src', 'brain', '__planted__');

const CASES = {
  floating: {
    code: 'async function f(): Promise<number> {\n  return Promise.resolve(1);\n}\nexport function g(): void {\n  f();\n}\n',
    rule: '@typescript-eslint/no-floating-promises',
  },
  layer: {
    code: "import { loadConfig } from '../../config/load.js';\nexport const x = loadConfig;\n",
    rule: 'aegis/layers',
  },
  crossEngine: {
    code: "import { DataError } from '../../data/nothing.js';\nexport const x = DataError;\n",
    rule: 'aegis/layers',
  },
  ioInPureLayer: {
    code: "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n",
    rule: 'aegis/layers',
  },
  dateNow: {
    code: 'export function now(): number {\n  return Date.now();\n}\n',
    rule: 'no-restricted-properties',
  },
  newDate: {
    code: 'export function now(): number {\n  return new Date().getTime();\n}\n',
    rule: 'no-restricted-syntax',
  },
  mathRandom: {
    code: 'export function r(): number {\n  return Math.random();\n}\n',
    rule: 'no-restricted-properties',
  },
  timer: {
    code: 'export function t(f: () => void): void {\n  setTimeout(f, 10);\n}\n',
    rule: 'no-restricted-globals',
  },
  emptyCatch: {
    code: 'export function f(g: () => void): void {\n  try {\n    g();\n  } catch {}\n}\n',
    rule: 'no-restricted-syntax',
  },
  silentPromiseCatch: {
    code: 'export function f(p: Promise<void>): Promise<void> {\n  return p.catch(() => {});\n}\n',
    rule: 'no-restricted-syntax',
  },
} as const;

let results: Map<string, string[]>;

beforeAll(async () => {
  mkdirSync(DIR, { recursive: true });
  const files: string[] = [];
  try {
    for (const [name, c] of Object.entries(CASES)) {
      const file = path.join(DIR, `${name}.ts`);
      writeFileSync(file, c.code);
      files.push(file);
    }
    // a clean file proves the rules do not fire on everything
    const clean = path.join(DIR, 'clean.ts');
    writeFileSync(
      clean,
      "import type { Clock } from '../../core/clock.js';\nexport const now = (c: Clock): number => c.now();\n",
    );
    files.push(clean);
    const eslint = new ESLint({ cwd: ROOT });
    const linted = await eslint.lintFiles(files);
    results = new Map(
      linted.map((r) => [
        path.basename(r.filePath, '.ts'),
        r.messages.map((m) => m.ruleId ?? `fatal: ${m.message}`),
      ]),
    );
  } finally {
    rmSync(DIR, { recursive: true, force: true });
  }
}, 120_000);

afterAll(() => {
  rmSync(DIR, { recursive: true, force: true });
});

describe('planted violations fail lint', () => {
  for (const [name, c] of Object.entries(CASES)) {
    it(`${name} is reported by ${c.rule}`, () => {
      expect(results.get(name)).toContain(c.rule);
    });
  }

  it('a clean engine-layer file that reads time from the injected Clock passes', () => {
    expect(results.get('clean')).toEqual([]);
  });
});
