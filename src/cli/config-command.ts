import type { LoadedConfig } from '../config/load.js';
import { FIELD_LIST } from '../config/schema.js';
import { REDACTED, Secret } from '../config/secret.js';

function display(value: unknown): string {
  if (value === undefined) return '(unset)';
  if (value instanceof Secret) return REDACTED;
  if (Array.isArray(value)) return value.join(',');
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The effective config as a table: variable, value (secrets redacted), source, description. */
export function formatConfigTable(loaded: LoadedConfig): string {
  const values = loaded.config as Readonly<Record<string, unknown>>;
  const rows = FIELD_LIST.map((f) => [
    f.env,
    display(values[f.key]),
    loaded.sources[f.key as keyof LoadedConfig['sources']],
    f.description,
  ]);
  const head = ['VARIABLE', 'VALUE', 'SOURCE', 'DESCRIPTION'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const out = [line(head), ...rows.map(line)];
  if (loaded.file !== undefined) out.push('', `config file: ${loaded.file}`);
  return out.join('\n') + '\n';
}

/** The same, for machines: {values, sources, file, warnings}; secrets appear as "[REDACTED]". */
export function formatConfigJson(loaded: LoadedConfig): string {
  const values: Record<string, unknown> = {};
  const config = loaded.config as Readonly<Record<string, unknown>>;
  for (const f of FIELD_LIST) values[f.env] = config[f.key] ?? null;
  const sources: Record<string, string> = {};
  for (const f of FIELD_LIST) sources[f.env] = loaded.sources[f.key as keyof LoadedConfig['sources']];
  return (
    JSON.stringify({ values, sources, file: loaded.file ?? null, warnings: loaded.warnings }, null, 2) + '\n'
  );
}

function defaultText(value: unknown, secret: boolean): string {
  if (secret) return 'none (environment only)';
  if (value === undefined) return '(unset)';
  if (Array.isArray(value)) return value.join(',');
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The config reference table for README.md, generated from the schema (a test keeps the README in sync). */
export function configMarkdown(): string {
  const cell = (text: string): string => text.replaceAll('|', '\\|');
  const rows = FIELD_LIST.map(
    (f) =>
      `| \`${f.env}\` | \`${f.key}\` | ${cell(defaultText(f.default, f.secret))} | ${cell(f.allowed)} | ${cell(f.description)} |`,
  );
  return (
    ['| variable | file key | default | allowed | meaning |', '|---|---|---|---|---|', ...rows].join('\n') +
    '\n'
  );
}
