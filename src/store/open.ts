/**
 * Choose the journal adapter from DATABASE_URL:
 *   postgres://... | postgresql://...  -> PostgreSQL (pg Pool)
 *   sqlite:PATH | sqlite://PATH | PATH -> SQLite file (parent directory created), WAL
 *   :memory: | sqlite::memory:         -> SQLite in memory (tests, throw-away backtests)
 * Any other scheme:// is rejected with JOURNAL_FAILED rather than silently treated as a file name.
 */
import { AegisError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Journal } from './journal.js';
import { redactUrlPassword } from './journal.js';
import { PostgresJournal, type PostgresJournalOptions } from './postgres/postgres-journal.js';
import { SqliteJournal, type SqliteJournalOptions } from './sqlite/sqlite-journal.js';

export interface OpenJournalOptions {
  readonly logger?: Logger;
  readonly sqlite?: SqliteJournalOptions;
  readonly postgres?: Omit<PostgresJournalOptions, 'logger'>;
}

export type JournalTarget =
  | { readonly dialect: 'sqlite'; readonly file: string }
  | { readonly dialect: 'postgres'; readonly url: string };

export function parseDatabaseUrl(databaseUrl: string): JournalTarget {
  const url = databaseUrl.trim();
  if (url === '') throw invalid(databaseUrl, 'empty');
  if (/^postgres(ql)?:\/\//i.test(url)) return { dialect: 'postgres', url };
  if (/^sqlite:/i.test(url)) {
    const file = url.replace(/^sqlite:(\/\/)?/i, '');
    if (file === '') throw invalid(databaseUrl, 'sqlite: needs a path');
    return { dialect: 'sqlite', file };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) throw invalid(databaseUrl, 'unsupported scheme');
  return { dialect: 'sqlite', file: url };
}

export async function openJournal(databaseUrl: string, options: OpenJournalOptions = {}): Promise<Journal> {
  const target = parseDatabaseUrl(databaseUrl);
  if (target.dialect === 'postgres') {
    return await PostgresJournal.open(target.url, {
      ...options.postgres,
      ...(options.logger === undefined ? {} : { logger: options.logger }),
    });
  }
  return await Promise.resolve(SqliteJournal.open(target.file, options.sqlite));
}

function invalid(databaseUrl: string, why: string): AegisError {
  return new AegisError(
    'JOURNAL_FAILED',
    `DATABASE_URL ${JSON.stringify(redactUrlPassword(databaseUrl))} is not a journal location: ${why}`,
    { context: { operation: 'open', table: '*', databaseUrl: redactUrlPassword(databaseUrl) } },
  );
}
