import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { DataError } from '../../core/errors.js';

/** Read a plain or gzipped (.gz) text file. */
export function readTextFile(file: string): string {
  const bytes = readFileSync(file);
  return (file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
}

export interface CsvTable {
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

/**
 * Parse a simple CSV (no quoted fields: the market-data layouts in ../shared/data and Binance's public
 * dumps never quote). `hasHeader: 'auto'` treats the first line as a header when its first cell is not numeric.
 */
export function parseCsv(text: string, hasHeader: boolean | 'auto' = 'auto'): CsvTable {
  const lines = text.split(/\r?\n/);
  const rows: string[][] = [];
  for (const line of lines) if (line.length > 0) rows.push(line.split(','));
  const first = rows[0];
  const header =
    first !== undefined && (hasHeader === true || (hasHeader === 'auto' && !/^-?\d/.test(first[0] ?? '')))
      ? (rows.shift() ?? [])
      : [];
  return { header, rows };
}

export function readCsvFile(file: string, hasHeader: boolean | 'auto' = 'auto'): CsvTable {
  return parseCsv(readTextFile(file), hasHeader);
}

/** Index of a named column, or a DataError naming the file and the columns it has. */
export function columnIndex(table: CsvTable, name: string, file: string): number {
  const i = table.header.indexOf(name);
  if (i < 0) {
    throw new DataError(
      `column "${name}" not found in ${file} (columns: ${table.header.join(',')})`,
      { file, column: name },
      'DATA_PARSE_FAILED',
    );
  }
  return i;
}
