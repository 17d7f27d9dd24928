export { SmcEngine, resolveSmcOptions } from './engine.js';
export {
  runSmc,
  tabulateSmc,
  smcTableToCsv,
  smcTablesToCsv,
  SMC_CSV_COLUMNS,
  type SmcRun,
  type SmcTables,
  type SwingRow,
  type FvgRow,
  type StructureRow,
  type OrderBlockRow,
  type LiquidityRow,
} from './batch.js';
export type { PdState } from './premium-discount.js';
export { EventCollector } from './sink.js';
export type { SmcSink, SwingPoint, PivotView, BlockView, GapView, PoolView } from './sink.js';
export { zoneOf } from './premium-discount.js';
export type * from './types.js';
