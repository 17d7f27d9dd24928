/**
 * Market sources for a replay: async iterators of market events (trades, quotes, candles, mark prices)
 * in event-time order, read from CSV files or made by the seeded synthetic generator.
 *
 * File layouts (detected from the header, or from the shape of the first row when there is none):
 * - ../shared/data (see its README): klines `open_time_ms,open,high,low,close[,volume,...]`, trades and
 *   aggTrades `time_ms,price,qty,is_buyer_maker,id[,...]`, book tickers `recv_time_ns,update_id,bid_price,
 *   bid_qty,ask_price,ask_qty,event_time_ms,txn_time_ms`, mark-price streams `event_time_ms,mark_price,
 *   index_price,est_settle_price,funding_rate,next_funding_time_ms[,...]`.
 * - Binance's public dumps (data.binance.vision, once unzipped; plain or .gz): klines
 *   `open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,
 *   taker_buy_quote_volume,ignore`; aggTrades `agg_trade_id,price,quantity,first_trade_id,last_trade_id,
 *   transact_time,is_buyer_maker[,is_best_match]`; trades `id,price,qty,quote_qty,time,is_buyer_maker
 *   [,is_best_match]`. USDⓈ-M dumps carry a header, spot dumps do not; spot dumps from 2025 on stamp
 *   microseconds instead of milliseconds.
 * Timestamps: a value >= 1e17 is read as nanoseconds, >= 1e14 as microseconds, else milliseconds
 * (epoch ms are ~1.7e12 today and stay below 1e14 until the year 5138); every time becomes integer ms.
 *
 * A kline is an event at its close time (openTime + interval - 1, Binance's close_time): that is when it
 * is known. Several sources are merged by event time; on equal times the earlier source comes first.
 * Rows are passed on as they are (gaps, duplicates, rows out of order): cleaning is the data layer's job.
 */
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { DataError } from '../../core/errors.js';
import {
  INTERVAL_MS,
  isInterval,
  type Candle,
  type Interval,
  type MarkPrice,
  type Quote,
  type Trade,
} from '../../domain/market.js';
import { readTextFile } from '../files/csv.js';
import type { SyntheticMarket } from '../synthetic/generator.js';

export type ReplayEvent =
  | { readonly kind: 'trade'; readonly trade: Trade }
  | { readonly kind: 'quote'; readonly quote: Quote }
  | { readonly kind: 'candle'; readonly candle: Candle }
  | { readonly kind: 'mark'; readonly mark: MarkPrice };

/** When the event is known: trade / quote / mark time, a candle's close time. */
export function replayEventTime(e: ReplayEvent): number {
  switch (e.kind) {
    case 'trade':
      return e.trade.time;
    case 'quote':
      return e.quote.time;
    case 'candle':
      return e.candle.openTime + INTERVAL_MS[e.candle.interval] - 1;
    case 'mark':
      return e.mark.time;
  }
}

export type FileKind = 'klines' | 'trades' | 'quotes' | 'marks';

/** How the columns of one file are read. Indexes are 0-based; -1 = absent. */
export interface FileLayout {
  readonly kind: FileKind;
  readonly hasHeader: boolean;
  /** 'shared' = the ../shared/data layout, 'binance' = Binance's public dump layout. */
  readonly flavour: 'shared' | 'binance';
  readonly columns: Readonly<Record<string, number>>;
}

export interface FileSourceSpec {
  readonly file: string;
  /** Default: from the file name (binance_<market>_<SYMBOL>_... or <SYMBOL>-<interval|aggTrades|trades>-...). */
  readonly symbol?: string;
  /** Klines only. Default: from the file name. */
  readonly interval?: Interval;
}

/** What a file is, from its name: symbol, interval (klines) and kind where the name says it. */
export function describeFileName(file: string): {
  symbol?: string;
  interval?: Interval;
  kind?: FileKind;
} {
  const base = path
    .basename(file)
    .replace(/\.gz$/, '')
    .replace(/\.csv$/, '');
  // ../shared/data: binance_spot_XRPETH_1m_20191011_20191013, binance_usdm_BTCUSDT_trades_..., ..._aggtrades_...
  const shared = /^binance_(?:spot|usdm|coinm)_([A-Z0-9]+)_([A-Za-z0-9]+)(?:_|$)/.exec(base);
  if (shared !== null) {
    const [, symbol = '', what = ''] = shared;
    if (isInterval(what)) return { symbol, interval: what, kind: 'klines' };
    if (what === 'trades' || what === 'aggtrades') return { symbol, kind: 'trades' };
    if (what === 'bookticker') return { symbol, kind: 'quotes' };
    if (what === 'markprice') return { symbol };
    return { symbol };
  }
  // data.binance.vision: BTCUSDT-1m-2024-01-01, BTCUSDT-aggTrades-2024-01, BTCUSDT-trades-2024-01-01
  const dump = /^([A-Z0-9]+)-([A-Za-z0-9]+)-\d{4}-\d{2}(?:-\d{2})?$/.exec(base);
  if (dump !== null) {
    const [, symbol = '', what = ''] = dump;
    if (isInterval(what)) return { symbol, interval: what, kind: 'klines' };
    if (what === 'aggTrades' || what === 'trades') return { symbol, kind: 'trades' };
    return { symbol };
  }
  return {};
}

const BOOL = /^(true|false|True|False)$/;
const NUMERIC = /^-?\d/;

/** The layout of a file from its first line (`first`) and, for headerless files, the shape of that row. */
export function detectLayout(first: string, file: string): FileLayout {
  const cells = first.split(',').map((c) => c.trim());
  const hasHeader = !NUMERIC.test(cells[0] ?? '');
  if (hasHeader) {
    const at = (name: string): number => cells.indexOf(name);
    const has = (...names: string[]): boolean => names.every((n) => cells.includes(n));
    const cols = (names: Record<string, string>): Record<string, number> =>
      Object.fromEntries(Object.entries(names).map(([k, v]) => [k, at(v)]));
    if (has('open', 'high', 'low', 'close') && (has('open_time_ms') || has('timestamp'))) {
      return {
        kind: 'klines',
        hasHeader,
        flavour: 'shared',
        columns: {
          ...cols({
            open: 'open',
            high: 'high',
            low: 'low',
            close: 'close',
            volume: 'volume',
            quoteVolume: 'quote_volume',
            trades: 'trades',
            takerBuyVolume: 'taker_buy_base_volume',
            takerBuyQuoteVolume: 'taker_buy_quote_volume',
          }),
          time: has('open_time_ms') ? at('open_time_ms') : at('timestamp'),
        },
      };
    }
    if (has('open_time', 'open', 'high', 'low', 'close')) {
      return {
        kind: 'klines',
        hasHeader,
        flavour: 'binance',
        columns: cols({
          time: 'open_time',
          open: 'open',
          high: 'high',
          low: 'low',
          close: 'close',
          volume: 'volume',
          quoteVolume: 'quote_volume',
          trades: 'count',
          takerBuyVolume: 'taker_buy_volume',
          takerBuyQuoteVolume: 'taker_buy_quote_volume',
        }),
      };
    }
    if (has('time_ms', 'price', 'qty', 'is_buyer_maker', 'id')) {
      return {
        kind: 'trades',
        hasHeader,
        flavour: 'shared',
        columns: cols({ time: 'time_ms', price: 'price', qty: 'qty', maker: 'is_buyer_maker', id: 'id' }),
      };
    }
    if (has('agg_trade_id', 'price', 'quantity', 'transact_time', 'is_buyer_maker')) {
      return {
        kind: 'trades',
        hasHeader,
        flavour: 'binance',
        columns: cols({
          time: 'transact_time',
          price: 'price',
          qty: 'quantity',
          maker: 'is_buyer_maker',
          id: 'agg_trade_id',
        }),
      };
    }
    if (has('id', 'price', 'qty', 'time', 'is_buyer_maker')) {
      return {
        kind: 'trades',
        hasHeader,
        flavour: 'binance',
        columns: cols({ time: 'time', price: 'price', qty: 'qty', maker: 'is_buyer_maker', id: 'id' }),
      };
    }
    if (has('update_id', 'bid_price', 'bid_qty', 'ask_price', 'ask_qty')) {
      return {
        kind: 'quotes',
        hasHeader,
        flavour: 'shared',
        columns: cols({
          recv: 'recv_time_ns',
          time: 'event_time_ms',
          id: 'update_id',
          bid: 'bid_price',
          bidQty: 'bid_qty',
          ask: 'ask_price',
          askQty: 'ask_qty',
        }),
      };
    }
    if (has('event_time_ms', 'mark_price')) {
      return {
        kind: 'marks',
        hasHeader,
        flavour: 'shared',
        columns: cols({
          time: 'event_time_ms',
          mark: 'mark_price',
          index: 'index_price',
          funding: 'funding_rate',
          nextFunding: 'next_funding_time_ms',
        }),
      };
    }
    throw new DataError(
      `${file}: unknown CSV layout (header: ${cells.join(',')}); expected klines, trades/aggTrades, ` +
        'book tickers or a mark-price stream in the ../shared/data or Binance dump layout',
      { file, header: cells.join(',') },
      'DATA_PARSE_FAILED',
    );
  }
  // headerless: Binance's spot dumps (and old USDⓈ-M ones)
  const n = cells.length;
  const isBool = (i: number): boolean => BOOL.test(cells[i] ?? '');
  if (n === 12 && !isBool(5)) {
    return {
      kind: 'klines',
      hasHeader,
      flavour: 'binance',
      columns: {
        time: 0,
        open: 1,
        high: 2,
        low: 3,
        close: 4,
        volume: 5,
        quoteVolume: 7,
        trades: 8,
        takerBuyVolume: 9,
        takerBuyQuoteVolume: 10,
      },
    };
  }
  // aggTrades: agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker[,is_best_match]
  if ((n === 8 || n === 7) && isBool(6) && !isBool(5)) {
    return {
      kind: 'trades',
      hasHeader,
      flavour: 'binance',
      columns: { id: 0, price: 1, qty: 2, time: 5, maker: 6 },
    };
  }
  // trades: id,price,qty,quote_qty,time,is_buyer_maker[,is_best_match]
  if ((n === 7 || n === 6) && isBool(5)) {
    return {
      kind: 'trades',
      hasHeader,
      flavour: 'binance',
      columns: { id: 0, price: 1, qty: 2, time: 4, maker: 5 },
    };
  }
  throw new DataError(
    `${file}: headerless CSV with ${n} columns is not a Binance kline (12 columns), aggTrades (7-8) or ` +
      `trades (6-7) dump row: "${first.slice(0, 120)}"`,
    { file, columns: n },
    'DATA_PARSE_FAILED',
  );
}

/** Epoch ms from a timestamp in ms, µs or ns (see the module comment). */
export function toEpochMs(value: number): number {
  if (value >= 1e17) return Math.floor(value / 1e6);
  if (value >= 1e14) return Math.floor(value / 1e3);
  return value;
}

/** Lines of a plain or gzipped text file, streamed. */
async function* lines(file: string): AsyncGenerator<string> {
  const input = createReadStream(file);
  const stream = file.endsWith('.gz') ? input.pipe(createGunzip()) : input;
  input.on('error', (err) => stream.destroy(err));
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  try {
    for await (const line of rl) if (line.length > 0) yield line;
  } finally {
    rl.close();
    input.destroy();
  }
}

/** Counters of one file source (rows read so far). */
export interface FileSourceInfo {
  readonly file: string;
  readonly symbol: string;
  readonly kind: FileKind;
  readonly interval: Interval | undefined;
  readonly layout: FileLayout;
}

/**
 * One CSV file as market events, streamed (any size). The layout is detected from the first line; the
 * symbol (and a kline file's interval) come from `spec` or the file name, else a DataError names what is
 * missing.
 */
export async function* fileSource(
  spec: FileSourceSpec,
  onInfo?: (info: FileSourceInfo) => void,
): AsyncGenerator<ReplayEvent> {
  const symbol = specSymbol(spec);
  let parse: RowParser | undefined;
  let row = 0;
  for await (const line of lines(spec.file)) {
    row++;
    if (parse === undefined) {
      const layout = detectLayout(line, spec.file);
      const interval = specInterval(spec, layout);
      parse = rowParser(layout, symbol, interval, spec.file);
      onInfo?.({ file: spec.file, symbol, kind: layout.kind, interval, layout });
      if (layout.hasHeader) continue;
    }
    yield parse(line, row);
  }
  if (parse === undefined) throw emptyFile(spec.file);
}

/** The symbol of a file: given, else from its name, else a DataError. */
function specSymbol(spec: FileSourceSpec): string {
  const symbol = spec.symbol ?? describeFileName(spec.file).symbol;
  if (symbol === undefined || symbol === '') {
    throw new DataError(
      `${spec.file}: no symbol in the file name; give it (e.g. --symbol BTCUSDT)`,
      { file: spec.file },
      'DATA_PARSE_FAILED',
    );
  }
  return symbol;
}

/** A kline file's interval: given, else from its name, else a DataError; undefined for other kinds. */
function specInterval(spec: FileSourceSpec, layout: FileLayout): Interval | undefined {
  if (layout.kind !== 'klines') return undefined;
  const interval = spec.interval ?? describeFileName(spec.file).interval;
  if (interval === undefined) {
    throw new DataError(
      `${spec.file}: a kline file needs its interval (not in the file name; give it, e.g. --interval 5m)`,
      { file: spec.file },
      'DATA_PARSE_FAILED',
    );
  }
  return interval;
}

function emptyFile(file: string): DataError {
  return new DataError(`${file}: the file is empty`, { file }, 'DATA_PARSE_FAILED');
}

/** A kline or trade file read whole (a backtest holds its data in memory): what it is, then its rows. */
export interface LoadedMarketFile {
  readonly info: FileSourceInfo;
  /** The rows of a kline file, as in the file (duplicates, gaps, disorder included); [] for trades. */
  readonly candles: Candle[];
  /** The rows of a trade / aggTrade file, as in the file; [] for klines. */
  readonly trades: Trade[];
}

/**
 * One kline or trade file (either layout, plain or .gz) read at once, with the same layout detection and
 * row parsing as `fileSource`. Book tickers and mark-price streams are refused (a DataError naming the
 * file and what it holds).
 */
export function loadMarketFile(spec: FileSourceSpec): LoadedMarketFile {
  const symbol = specSymbol(spec);
  const text = readTextFile(spec.file);
  const candles: Candle[] = [];
  const trades: Trade[] = [];
  let layout: FileLayout | undefined;
  let interval: Interval | undefined;
  let parse: RowParser | undefined;
  let row = 0;
  let start = 0;
  const n = text.length;
  while (start < n) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = n;
    const line = text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end);
    start = end + 1;
    if (line.length === 0) continue;
    row++;
    if (layout === undefined) {
      layout = detectLayout(line, spec.file);
      if (layout.kind !== 'klines' && layout.kind !== 'trades') {
        throw new DataError(
          `${spec.file}: holds ${layout.kind === 'quotes' ? 'book tickers' : 'mark prices'}, not klines or trades`,
          { file: spec.file, kind: layout.kind },
          'DATA_PARSE_FAILED',
        );
      }
      interval = specInterval(spec, layout);
      parse = rowParser(layout, symbol, interval, spec.file);
      if (layout.hasHeader) continue;
    }
    const e = (parse as RowParser)(line, row);
    if (e.kind === 'candle') candles.push(e.candle);
    else if (e.kind === 'trade') trades.push(e.trade);
  }
  if (layout === undefined) throw emptyFile(spec.file);
  return { info: { file: spec.file, symbol, kind: layout.kind, interval, layout }, candles, trades };
}

/** What a file's first lines say: its layout and the time of its first row (undefined: header only). */
export interface FileHead {
  readonly layout: FileLayout;
  /** Open time of the first kline, time of the first trade / quote / mark; epoch ms. */
  readonly firstTime: number | undefined;
}

/** The layout and first row time of a file, from its first two lines (a DataError when it is empty). */
export async function peekFile(file: string): Promise<FileHead> {
  let layout: FileLayout | undefined;
  let row = 0;
  for await (const line of lines(file)) {
    row++;
    if (layout === undefined) {
      layout = detectLayout(line, file);
      if (layout.hasHeader) continue;
    }
    // placeholders: only the time is read
    const e = rowParser(layout, 'X', layout.kind === 'klines' ? '1m' : undefined, file)(line, row);
    return { layout, firstTime: e.kind === 'candle' ? e.candle.openTime : replayEventTime(e) };
  }
  if (layout === undefined) throw emptyFile(file);
  return { layout, firstTime: undefined };
}

/** Parses one data row of a file whose layout is known (column indexes resolved once per file). */
export type RowParser = (line: string, row: number) => ReplayEvent;

/**
 * The row parser of a layout: cells split on commas, numbers with `Number` (finite, else a DataError naming
 * file, line, column and field), booleans true/false/True/False, timestamps through `toEpochMs`. Optional
 * fields (volumes, counts, funding) are 0 when their column or cell is missing.
 */
export function rowParser(
  layout: FileLayout,
  symbol: string,
  interval: Interval | undefined,
  file: string,
): RowParser {
  const c = layout.columns;
  const col = (name: string): number => c[name] ?? -1;
  const need = (name: string): number => {
    const i = col(name);
    if (i < 0) throw new DataError(`${file}: no ${name} column`, { file, column: name }, 'DATA_PARSE_FAILED');
    return i;
  };
  const notNumber = (cell: string | undefined, i: number, name: string, row: number): DataError =>
    new DataError(
      `${file} line ${row} column ${i + 1} (${name}): "${cell ?? ''}" is not a number`,
      { file, line: row, column: i + 1 },
      'DATA_PARSE_FAILED',
    );
  const req = (cells: readonly string[], i: number, name: string, row: number): number => {
    const cell = cells[i];
    const v = cell === undefined || cell === '' ? NaN : Number(cell);
    if (!Number.isFinite(v)) throw notNumber(cell, i, name, row);
    return v;
  };
  const opt = (cells: readonly string[], i: number, name: string, row: number): number => {
    if (i < 0) return 0;
    const cell = cells[i];
    if (cell === undefined || cell === '') return 0;
    const v = Number(cell);
    if (!Number.isFinite(v)) throw notNumber(cell, i, name, row);
    return v;
  };
  switch (layout.kind) {
    case 'klines': {
      const [iT, iO, iH, iL, iC] = [need('time'), need('open'), need('high'), need('low'), need('close')];
      const [iV, iQv, iN, iB, iBq] = [
        'volume',
        'quoteVolume',
        'trades',
        'takerBuyVolume',
        'takerBuyQuoteVolume',
      ].map(col);
      const kInterval = interval as Interval;
      return (line, row) => {
        const cells = line.split(',');
        return {
          kind: 'candle',
          candle: {
            symbol,
            interval: kInterval,
            openTime: toEpochMs(req(cells, iT, 'time', row)),
            open: req(cells, iO, 'open', row),
            high: req(cells, iH, 'high', row),
            low: req(cells, iL, 'low', row),
            close: req(cells, iC, 'close', row),
            volume: opt(cells, iV ?? -1, 'volume', row),
            quoteVolume: opt(cells, iQv ?? -1, 'quoteVolume', row),
            trades: opt(cells, iN ?? -1, 'trades', row),
            takerBuyVolume: opt(cells, iB ?? -1, 'takerBuyVolume', row),
            takerBuyQuoteVolume: opt(cells, iBq ?? -1, 'takerBuyQuoteVolume', row),
            closed: true,
            synthetic: false,
          },
        };
      };
    }
    case 'trades': {
      const [iT, iP, iQ, iId] = [need('time'), need('price'), need('qty'), need('id')];
      const iM = col('maker');
      return (line, row) => {
        const cells = line.split(',');
        const maker = cells[iM];
        const buyerIsMaker = maker === 'true' || maker === 'True';
        if (!buyerIsMaker && maker !== 'false' && maker !== 'False') {
          throw new DataError(
            `${file} line ${row}: is_buyer_maker "${maker ?? ''}" is not a boolean`,
            { file, line: row },
            'DATA_PARSE_FAILED',
          );
        }
        return {
          kind: 'trade',
          trade: {
            symbol,
            time: toEpochMs(req(cells, iT, 'time', row)),
            price: req(cells, iP, 'price', row),
            qty: req(cells, iQ, 'qty', row),
            buyerIsMaker,
            id: req(cells, iId, 'id', row),
          },
        };
      };
    }
    case 'quotes': {
      const [iId, iB, iBq, iA, iAq] = [need('id'), need('bid'), need('bidQty'), need('ask'), need('askQty')];
      const [iTime, iRecv] = [col('time'), col('recv')];
      return (line, row) => {
        const cells = line.split(',');
        // spot book tickers carry no event time: the recording machine's receive time stands in
        const event = opt(cells, iTime, 'time', row);
        return {
          kind: 'quote',
          quote: {
            symbol,
            time: event > 0 ? toEpochMs(event) : toEpochMs(req(cells, iRecv, 'recv', row)),
            bidPrice: req(cells, iB, 'bid', row),
            bidQty: req(cells, iBq, 'bidQty', row),
            askPrice: req(cells, iA, 'ask', row),
            askQty: req(cells, iAq, 'askQty', row),
            updateId: req(cells, iId, 'id', row),
          },
        };
      };
    }
    case 'marks': {
      const iT = need('time');
      const iM = need('mark');
      const [iI, iF, iN] = [col('index'), col('funding'), col('nextFunding')];
      return (line, row) => {
        const cells = line.split(',');
        return {
          kind: 'mark',
          mark: {
            symbol,
            time: toEpochMs(req(cells, iT, 'time', row)),
            markPrice: req(cells, iM, 'mark', row),
            indexPrice: opt(cells, iI, 'index', row),
            fundingRate: opt(cells, iF, 'funding', row),
            nextFundingTime: toEpochMs(opt(cells, iN, 'nextFunding', row)),
          },
        };
      };
    }
  }
}

/**
 * Merge sources by event time (ties: the earlier source first). Each source must be in time order
 * itself; a row out of order is passed on where it stands (the data layer counts it).
 */
export async function* mergeSources(
  sources: readonly AsyncIterable<ReplayEvent>[],
): AsyncGenerator<ReplayEvent> {
  const its = sources.map((s) => s[Symbol.asyncIterator]());
  const heads: (ReplayEvent | undefined)[] = [];
  try {
    for (const it of its) {
      const r = await it.next();
      heads.push(r.done === true ? undefined : r.value);
    }
    for (;;) {
      let best = -1;
      let bestTime = Number.POSITIVE_INFINITY;
      for (let i = 0; i < heads.length; i++) {
        const h = heads[i];
        if (h === undefined) continue;
        const t = replayEventTime(h);
        if (best < 0 || t < bestTime) {
          best = i;
          bestTime = t;
        }
      }
      if (best < 0) return;
      const event = heads[best] as ReplayEvent;
      const r = await (its[best] as AsyncIterator<ReplayEvent>).next();
      heads[best] = r.done === true ? undefined : r.value;
      yield event;
    }
  } finally {
    await Promise.all(
      its.map(async (it) => {
        await it.return?.();
      }),
    );
  }
}

/** Several files merged by event time. */
export function filesSource(
  specs: readonly FileSourceSpec[],
  onInfo?: (info: FileSourceInfo) => void,
): AsyncGenerator<ReplayEvent> {
  if (specs.length === 0) {
    throw new DataError('a replay needs at least one data file', {}, 'DATA_PARSE_FAILED');
  }
  return mergeSources(specs.map((s) => fileSource(s, onInfo)));
}

/** The seeded synthetic market as a source, up to (not including) `endTime`, or endless. */
export async function* syntheticSource(
  market: SyntheticMarket,
  endTime = Number.POSITIVE_INFINITY,
): AsyncGenerator<ReplayEvent> {
  await Promise.resolve();
  for (const e of market.until(endTime)) {
    yield e.kind === 'trade' ? { kind: 'trade', trade: e.trade } : { kind: 'quote', quote: e.quote };
  }
}

/** First line of a plain or gzipped file (layout detection before a replay starts). */
export async function firstLine(file: string): Promise<string | undefined> {
  for await (const line of lines(file)) return line;
  return undefined;
}
