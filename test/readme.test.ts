import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configMarkdown } from '../src/cli/config-command.js';

const README = readFileSync(path.resolve(import.meta.dirname, '..', 'README.md'), 'utf8');

describe('README.md', () => {
  it('carries the config table exactly as generated from the schema', () => {
    const start = README.indexOf('<!-- config-table:start');
    const end = README.indexOf('<!-- config-table:end -->');
    expect(start).toBeGreaterThan(0);
    const table = README.slice(README.indexOf('\n', start) + 1, end);
    expect(table).toBe(configMarkdown());
  });

  it('shows the test command in its quick start', () => {
    const quick = README.slice(README.indexOf('## Quick start'), README.indexOf('## Commands'));
    expect(quick).toContain('npm test');
  });
});
