/** Small helpers shared by the bench/ scripts: timing, medians and a plain table printer. */

export function nowNs(): number {
  return Number(process.hrtime.bigint());
}

/** Run `fn` `rounds` times after `warmup` runs; return the median of what each run returns. */
export function medianOf(rounds: number, warmup: number, fn: () => number): number {
  for (let i = 0; i < warmup; i++) fn();
  const xs: number[] = [];
  for (let i = 0; i < rounds; i++) xs.push(fn());
  xs.sort((a, b) => a - b);
  return xs[Math.floor(xs.length / 2)] ?? Number.NaN;
}

export function printTable(
  title: string,
  head: readonly string[],
  rows: readonly (readonly (string | number)[])[],
): void {
  const cells = rows.map((r) => r.map((c) => (typeof c === 'number' ? formatNumber(c) : c)));
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]): string =>
    '| ' + r.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ') + ' |';
  console.log(`\n${title}\n`);
  console.log(line(head));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const r of cells) console.log(line(r));
}

function formatNumber(n: number): string {
  if (!Number.isFinite(n) || Number.isInteger(n)) return n.toLocaleString('en-US');
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString('en-US');
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

export function machineLine(): string {
  return `node ${process.version}, ${process.platform}/${process.arch}`;
}
