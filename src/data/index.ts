export { Bar, barOpenTime, sameBar, type BarLike } from './bar.js';
export { CandleAggregator, TradeCandleBuilder, type BarSink } from './candle-builder.js';
export { ConflationBuffer, TradeBatch, type QuoteSink, type TradeBatchSink } from './conflation.js';
export {
  DataEngine,
  type BackfillPort,
  type CandleSource,
  type DataEngineOptions,
  type DataMetrics,
  type GapPolicy,
  type SeriesMetrics,
  type SymbolMetrics,
} from './engine.js';
export { CANDLE_STRIDE, CandleRing, type CandleSeriesView } from './ring-buffer.js';
