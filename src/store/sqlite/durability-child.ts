/**
 * Child process for the kill -9 durability test (sqlite-journal.test.ts):
 *   node --import tsx src/store/sqlite/durability-child.ts FILE FULL|NORMAL
 * Records fills 1, 2, 3... forever and prints "ack N" once fill N's recordFill has resolved. stdout is a
 * pipe, which Node writes synchronously on Linux, so "ack N" is never printed before N is committed.
 */
import { fillNo } from '../journal.fixtures.js';
import { SqliteJournal } from './sqlite-journal.js';

const [file, synchronous] = process.argv.slice(2);
if (file === undefined || (synchronous !== 'FULL' && synchronous !== 'NORMAL')) {
  process.stderr.write('usage: durability-child.ts FILE FULL|NORMAL\n');
  process.exit(2);
}

const journal = SqliteJournal.open(file, { synchronous });
await journal.startRun({ test: 'durability' }, 'backtest', 0);
// Capped so a child orphaned by a crashed test run cannot fill the disk (a closed pipe also ends it).
for (let n = 1; n <= 1_000_000; n++) {
  await journal.recordFill(fillNo(n));
  process.stdout.write(`ack ${String(n)}\n`);
}
await journal.close();
