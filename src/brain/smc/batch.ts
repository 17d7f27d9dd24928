import { SmcEngine } from './engine.js';
import type { Dir, SmcBar, SmcEvent, SmcOptions } from './types.js';

/** One row per final swing plus the pending one at the end. */
export interface SwingRow {
  readonly row: number;
  readonly open_time_ms: number;
  /** 1 high, -1 low. */
  readonly type: Dir;
  readonly level: number;
  /** Row at which this swing (row and level) became known: row + L. */
  readonly decided_row: number;
  /** 1 final, 0 the pending swing at the end of the data. */
  readonly final: 0 | 1;
}

export interface FvgRow {
  readonly row: number;
  readonly open_time_ms: number;
  readonly direction: Dir;
  readonly top: number;
  readonly bottom: number;
  readonly decided_row: number;
  readonly mitigated_row: number | null;
}

export interface StructureRow {
  readonly decided_row: number;
  readonly direction: Dir;
  readonly kind: 'BOS' | 'CHOCH';
  readonly level: number;
  readonly pivot_row: number;
}

/** Every order block ever created (not only those alive at the end). */
export interface OrderBlockRow {
  readonly row: number;
  readonly direction: Dir;
  readonly top: number;
  readonly bottom: number;
  readonly created_row: number;
  readonly mitigated_row: number | null;
  readonly invalidated_row: number | null;
}

/** One row per pool of two or more swings, with its last known level and member count. */
export interface LiquidityRow {
  readonly anchor_row: number;
  readonly side: 'buy' | 'sell';
  readonly level: number;
  readonly members: number;
  /** Row at which the pool reached this member count. */
  readonly decided_row: number;
  readonly taken_row: number | null;
  /** 1 sweep, 0 breakout, null not taken. */
  readonly sweep: 0 | 1 | null;
}

export interface SmcTables {
  readonly swings: readonly SwingRow[];
  readonly fvg: readonly FvgRow[];
  readonly structure: readonly StructureRow[];
  readonly order_blocks: readonly OrderBlockRow[];
  readonly liquidity: readonly LiquidityRow[];
}

export interface SmcRun extends SmcTables {
  /** Every event, in emission order. */
  readonly events: readonly SmcEvent[];
  readonly rows: number;
}

/** Feed `candles` (closed, in time order) through a fresh SmcEngine and tabulate the events. */
export function runSmc(candles: readonly SmcBar[], options: SmcOptions): SmcRun {
  const engine = new SmcEngine(options);
  const events: SmcEvent[] = [];
  for (const c of candles) {
    const out = engine.update(c);
    for (const e of out) events.push(e);
  }
  return { events, rows: engine.rows, ...tabulateSmc(events) };
}

/** Build the export tables from an event stream (as emitted by SmcEngine). */
export function tabulateSmc(events: readonly SmcEvent[]): SmcTables {
  const swings: SwingRow[] = [];
  let pending: SwingRow | null = null;
  const fvg: FvgRow[] = [];
  const fvgIndex = new Map<number, number>();
  const structure: StructureRow[] = [];
  const obs: OrderBlockRow[] = [];
  const obIndex = new Map<number, number>();
  const liquidity: LiquidityRow[] = [];
  const poolIndex = new Map<number, number>();

  for (const e of events) {
    switch (e.type) {
      case 'swing': {
        const r: SwingRow = {
          row: e.row,
          open_time_ms: e.time,
          type: e.side,
          level: e.level,
          decided_row: e.detectedRow,
          final: e.action === 'final' ? 1 : 0,
        };
        if (e.action === 'final') swings.push(r);
        else pending = r;
        break;
      }
      case 'fvg':
        if (e.action === 'created') {
          fvgIndex.set(e.id, fvg.length);
          fvg.push({
            row: e.row,
            open_time_ms: e.time,
            direction: e.direction,
            top: e.top,
            bottom: e.bottom,
            decided_row: e.decidedRow,
            mitigated_row: null,
          });
        } else if (e.action === 'mitigated') {
          const k = fvgIndex.get(e.id);
          if (k !== undefined) fvg[k] = { ...(fvg[k] as FvgRow), mitigated_row: e.decidedRow };
        }
        break;
      case 'structure':
        structure.push({
          decided_row: e.decidedRow,
          direction: e.direction,
          kind: e.kind,
          level: e.level,
          pivot_row: e.row,
        });
        break;
      case 'orderBlock': {
        if (e.action === 'created') {
          obIndex.set(e.id, obs.length);
          obs.push({
            row: e.row,
            direction: e.direction,
            top: e.top,
            bottom: e.bottom,
            created_row: e.createdRow,
            mitigated_row: null,
            invalidated_row: null,
          });
        } else if (e.action === 'mitigated' || e.action === 'invalidated') {
          const k = obIndex.get(e.id);
          if (k !== undefined) {
            const old = obs[k] as OrderBlockRow;
            obs[k] =
              e.action === 'mitigated'
                ? { ...old, mitigated_row: e.decidedRow }
                : { ...old, invalidated_row: e.decidedRow };
          }
        }
        break;
      }
      case 'liquidity': {
        const k = poolIndex.get(e.id);
        if (e.action === 'taken') {
          if (k !== undefined)
            liquidity[k] = {
              ...(liquidity[k] as LiquidityRow),
              taken_row: e.decidedRow,
              sweep: e.sweep ? 1 : 0,
            };
        } else {
          const r: LiquidityRow = {
            anchor_row: e.row,
            side: e.side,
            level: e.level,
            members: e.members,
            decided_row: e.decidedRow,
            taken_row: null,
            sweep: null,
          };
          if (k === undefined) {
            poolIndex.set(e.id, liquidity.length);
            liquidity.push(r);
          } else liquidity[k] = r;
        }
        break;
      }
      case 'range':
        break;
    }
  }
  if (pending !== null) swings.push(pending);
  return { swings, fvg, structure, order_blocks: obs, liquidity };
}

/** Column order of each CSV export. */
export const SMC_CSV_COLUMNS = {
  swings: ['row', 'open_time_ms', 'type', 'level', 'decided_row', 'final'],
  fvg: ['row', 'open_time_ms', 'direction', 'top', 'bottom', 'decided_row', 'mitigated_row'],
  structure: ['decided_row', 'direction', 'kind', 'level', 'pivot_row'],
  order_blocks: ['row', 'direction', 'top', 'bottom', 'created_row', 'mitigated_row', 'invalidated_row'],
  liquidity: ['anchor_row', 'side', 'level', 'members', 'decided_row', 'taken_row', 'sweep'],
} as const satisfies Record<keyof SmcTables, readonly string[]>;

type Cell = number | string | null;

/**
 * CSV text of one table: a header line, then one line per row ("\n" line ends, a final newline).
 * Numbers use JavaScript's shortest round-trip form; null (did not happen) is an empty cell.
 */
export function smcTableToCsv<K extends keyof SmcTables>(name: K, rows: SmcTables[K]): string {
  const cols = SMC_CSV_COLUMNS[name] as readonly string[];
  const lines: string[] = [cols.join(',')];
  for (const r of rows as readonly object[]) {
    const rec = r as Record<string, Cell>;
    lines.push(cols.map((c) => cellText(rec[c] ?? null)).join(','));
  }
  return lines.join('\n') + '\n';
}

/** CSV text of every table, keyed by table name (file name = key + ".csv"). */
export function smcTablesToCsv(tables: SmcTables): Record<keyof SmcTables, string> {
  return {
    swings: smcTableToCsv('swings', tables.swings),
    fvg: smcTableToCsv('fvg', tables.fvg),
    structure: smcTableToCsv('structure', tables.structure),
    order_blocks: smcTableToCsv('order_blocks', tables.order_blocks),
    liquidity: smcTableToCsv('liquidity', tables.liquidity),
  };
}

function cellText(v: Cell): string {
  if (v === null) return '';
  return typeof v === 'number' ? String(v) : v;
}
