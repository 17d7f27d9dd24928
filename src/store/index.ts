/** The journal: port, adapters and the DATABASE_URL chooser (src/app opens it; engine layers see the port). */
export * from './journal.js';
export { openJournal, parseDatabaseUrl, type JournalTarget, type OpenJournalOptions } from './open.js';
export { SqliteJournal, type SqliteJournalOptions } from './sqlite/sqlite-journal.js';
export { PostgresJournal, type PostgresJournalOptions } from './postgres/postgres-journal.js';
