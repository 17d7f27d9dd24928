import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AegisError } from '../core/errors.js';
import { openJournal, parseDatabaseUrl } from './open.js';

const tmpRoot = mkdtempSync(path.join(os.tmpdir(), 'aegis-open-'));
afterAll(() => {
  rmSync(tmpRoot, { recursive: true, force: true });
});

async function rejection(promise: Promise<unknown>): Promise<AegisError> {
  const caught = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(caught instanceof AegisError)) throw new Error(`expected an AegisError, got ${String(caught)}`);
  return caught;
}

describe('parseDatabaseUrl', () => {
  // The accepted forms are the ones DATABASE_URL documents in src/config/schema.ts.
  it.each([
    ['./data/aegis.sqlite', { dialect: 'sqlite', file: './data/aegis.sqlite' }],
    ['/var/lib/aegis/j.db', { dialect: 'sqlite', file: '/var/lib/aegis/j.db' }],
    ['sqlite:data/j.sqlite', { dialect: 'sqlite', file: 'data/j.sqlite' }],
    ['sqlite:///abs/j.sqlite', { dialect: 'sqlite', file: '/abs/j.sqlite' }],
    [':memory:', { dialect: 'sqlite', file: ':memory:' }],
    ['sqlite::memory:', { dialect: 'sqlite', file: ':memory:' }],
    ['postgres://u@127.0.0.1/db', { dialect: 'postgres', url: 'postgres://u@127.0.0.1/db' }],
    ['postgresql://u@127.0.0.1/db', { dialect: 'postgres', url: 'postgresql://u@127.0.0.1/db' }],
  ])('reads %s as the right journal', (url, expected) => {
    expect(parseDatabaseUrl(url)).toEqual(expected);
  });

  it('rejects another scheme without leaking its password', () => {
    let caught: unknown;
    try {
      parseDatabaseUrl('mysql://root:hunter2@127.0.0.1/db');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AegisError);
    expect((caught as AegisError).code).toBe('JOURNAL_FAILED');
    expect((caught as AegisError).message).not.toContain('hunter2');
    expect(JSON.stringify((caught as AegisError).context)).not.toContain('hunter2');
  });
});

describe('openJournal', () => {
  it('opens a SQLite journal from sqlite:PATH, creating the missing directories', async () => {
    const file = path.join(tmpRoot, 'a', 'b', 'journal.sqlite');
    const journal = await openJournal(`sqlite:${file}`);
    expect(journal.dialect).toBe('sqlite');
    await journal.close();
    expect(existsSync(file)).toBe(true);
  });

  it('opens an in-memory SQLite journal for :memory:', async () => {
    const journal = await openJournal(':memory:');
    expect(journal.dialect).toBe('sqlite');
    expect((await journal.counts()).fills).toBe(0);
    await journal.close();
  });

  it('rejects with JOURNAL_FAILED, password redacted, when PostgreSQL cannot be reached', async () => {
    // Port 1 on loopback: connection refused immediately, nothing leaves the machine.
    const error = await rejection(
      openJournal('postgres://aegis:hunter2@127.0.0.1:1/aegis', { postgres: { connectTimeoutMs: 1000 } }),
    );
    expect(error.code).toBe('JOURNAL_FAILED');
    expect(error.context).toMatchObject({ operation: 'open', dialect: 'postgres' });
    expect(error.message).not.toContain('hunter2');
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('rejects with JOURNAL_FAILED when the SQLite directory cannot be created', async () => {
    const blocker = path.join(tmpRoot, 'a-plain-file');
    writeFileSync(blocker, 'not a directory');
    const error = await rejection(openJournal(path.join(blocker, 'sub', 'journal.sqlite')));
    expect(error.code).toBe('JOURNAL_FAILED');
    expect(error.context).toMatchObject({ operation: 'open', dialect: 'sqlite' });
  });
});
