import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../src/core/errors.js';

describe('docs/errors.md', () => {
  it('lists exactly the error codes in src/core/errors.ts, in the same order', () => {
    const doc = readFileSync(path.resolve(import.meta.dirname, '..', 'docs', 'errors.md'), 'utf8');
    const documented = [...doc.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]);
    expect(documented).toEqual(Object.keys(ERROR_CODES));
  });
});
