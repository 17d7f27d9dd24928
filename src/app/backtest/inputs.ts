/**
 * `aegis backtest --data FILE|DIR`: which files a backtest reads, what they hold, and in which order.
 *
 * - FILE: one kline or trade file, in the ../shared/data layout or Binance's public dump layout
 *   (data.binance.vision, unzipped; plain or .gz). The layout is detected from the first line
 *   (src/venues/replay/sources.ts `detectLayout`).
 * - DIR: every `*.csv` / `*.csv.gz` file directly in it (no recursion; hidden files and other extensions,
 *   e.g. Binance's `.zip` and `.CHECKSUM`, are listed as ignored), ordered by the time of their first
 *   row (then by name) and concatenated: e.g. the daily dumps BTCUSDT-1m-2024-01-01.csv ... or several
 *   ../shared/data files. Overlaps are not cut: the data layer drops and counts repeats and rows out of
 *   order, as it does within one file.
 *
 * Kind: klines or trades (aggTrades count as trades), never both in one run. Symbol: `--symbol`, else
 * the file names (binance_spot_XRPETH_1m_..., XRPETH-1m-2019-10-11...); in a DIR, `--symbol` and
 * `--interval` also select the files of that symbol / kline interval, and several symbols or kline
 * intervals without them are an error. Interval: for klines the files' interval (`--interval`, else the
 * file names); for trades the trading interval, the one the data layer builds candles of: `--interval`,
 * default 1m (DEFAULT_TRADE_INTERVAL).
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, DataError } from '../../core/errors.js';
import type { Candle, Interval, Trade } from '../../domain/market.js';
import { describeFileName, loadMarketFile, peekFile } from '../../venues/replay/sources.js';

/** The trading interval of a trade backtest when `--interval` is not given. */
export const DEFAULT_TRADE_INTERVAL: Interval = '1m';

export type BacktestDataKind = 'klines' | 'trades';

export interface BacktestInputOptions {
  /** A file or a directory (`--data`). */
  readonly data: string;
  /** `--symbol`: the data's symbol; in a directory, selects that symbol's files. */
  readonly symbol?: string;
  /** `--interval`: a kline file's interval (selects it in a directory); for trades the trading interval. */
  readonly interval?: Interval;
}

export interface BacktestInputFile {
  readonly file: string;
  readonly kind: BacktestDataKind;
  readonly flavour: 'shared' | 'binance';
  /** Symbol and interval the file name states (undefined: it states none). */
  readonly namedSymbol: string | undefined;
  readonly namedInterval: Interval | undefined;
  /** Time of the first row (kline open time or trade time), epoch ms; undefined: a header only. */
  readonly firstTime: number | undefined;
}

export interface BacktestInput {
  /** `--data` as given (resolved). */
  readonly path: string;
  readonly isDirectory: boolean;
  readonly kind: BacktestDataKind;
  readonly symbol: string;
  /** Klines: the files' interval. Trades: the trading interval (candles built from the trades). */
  readonly interval: Interval;
  /** The files read, in time order. */
  readonly files: readonly BacktestInputFile[];
  /** Directory entries not read: not data files, or data of another symbol / interval than chosen. */
  readonly ignored: readonly string[];
}

export interface BacktestData {
  /** Klines of all files, concatenated in file order ([] for trades). */
  readonly candles: Candle[];
  /** Trades of all files, concatenated in file order ([] for klines). */
  readonly trades: Trade[];
}

const DATA_FILE = /\.csv(\.gz)?$/i;

function configError(message: string): ConfigError {
  return new ConfigError([message]);
}

/** Names of files, shortened to their base name when they share the directory. */
function names(files: readonly { file: string }[], max = 6): string {
  const shown = files.slice(0, max).map((f) => path.basename(f.file));
  return shown.join(', ') + (files.length > max ? `, ... (${files.length} files)` : '');
}

/** Group `files` by `key` (undefined keys under "-"), as "key: a, b; key2: c". */
function grouped<T extends { file: string }>(files: readonly T[], key: (f: T) => string | undefined): string {
  const by = new Map<string, T[]>();
  for (const f of files) {
    const k = key(f) ?? '-';
    by.set(k, [...(by.get(k) ?? []), f]);
  }
  return [...by.entries()].map(([k, fs]) => `${k} (${names(fs)})`).join('; ');
}

/**
 * Resolve `--data FILE|DIR` (+ `--symbol`, `--interval`) into the files to read, their kind, symbol and
 * interval. Errors: ConfigError naming the option and its value, or DataError from the layout detection
 * naming the file.
 */
export async function resolveBacktestInput(o: BacktestInputOptions): Promise<BacktestInput> {
  const target = path.resolve(o.data);
  let isDirectory: boolean;
  try {
    isDirectory = statSync(target).isDirectory();
  } catch {
    throw configError(`--data ${o.data}: no such file or directory`);
  }
  const ignored: string[] = [];
  let candidates: string[];
  if (isDirectory) {
    candidates = [];
    for (const entry of readdirSync(target, { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    )) {
      const full = path.join(target, entry.name);
      if (entry.isFile() && !entry.name.startsWith('.') && DATA_FILE.test(entry.name)) candidates.push(full);
      else ignored.push(full);
    }
    if (candidates.length === 0) {
      throw configError(
        `--data ${o.data}: the directory has no data files (*.csv or *.csv.gz)` +
          (ignored.length > 0
            ? `; found ${names(ignored.map((file) => ({ file })))} (Binance .zip dumps must be unzipped first)`
            : ''),
      );
    }
  } else {
    candidates = [target];
  }

  const files: BacktestInputFile[] = [];
  for (const file of candidates) {
    const head = await peekFile(file);
    const kind = head.layout.kind;
    if (kind !== 'klines' && kind !== 'trades') {
      throw new DataError(
        `--data ${o.data}: ${file} holds ${kind === 'quotes' ? 'book tickers' : 'mark prices'}; a backtest reads klines or trades`,
        { file, kind },
        'DATA_PARSE_FAILED',
      );
    }
    const named = describeFileName(file);
    files.push({
      file,
      kind,
      flavour: head.layout.flavour,
      namedSymbol: named.symbol,
      namedInterval: kind === 'klines' ? named.interval : undefined,
      firstTime: head.firstTime,
    });
  }

  // one kind only
  const klines = files.filter((f) => f.kind === 'klines');
  const trades = files.filter((f) => f.kind === 'trades');
  if (klines.length > 0 && trades.length > 0) {
    throw configError(
      `--data ${o.data}: mixes klines (${names(klines)}) and trades (${names(trades)}); ` +
        'put them in separate directories (a backtest reads one kind)',
    );
  }
  const kind: BacktestDataKind = klines.length > 0 ? 'klines' : 'trades';

  // symbol: given (selects in a directory), else the one the names state
  let chosen = files;
  const symbol = o.symbol?.toUpperCase();
  if (isDirectory && symbol !== undefined) {
    chosen = chosen.filter((f) => f.namedSymbol === undefined || f.namedSymbol === symbol);
    if (chosen.length === 0) {
      throw configError(
        `--symbol ${symbol}: no file of that symbol in ${o.data} (symbols there: ${grouped(files, (f) => f.namedSymbol)})`,
      );
    }
  }
  if (!isDirectory) {
    const f = files[0] as BacktestInputFile;
    if (symbol !== undefined && f.namedSymbol !== undefined && f.namedSymbol !== symbol) {
      throw configError(`--symbol ${symbol}: ${path.basename(f.file)} is named for ${f.namedSymbol}`);
    }
    if (
      kind === 'klines' &&
      o.interval !== undefined &&
      f.namedInterval !== undefined &&
      f.namedInterval !== o.interval
    ) {
      throw configError(
        `--interval ${o.interval}: ${path.basename(f.file)} is named for ${f.namedInterval} klines`,
      );
    }
  }
  let finalSymbol = symbol;
  if (finalSymbol === undefined) {
    const stated = new Set(chosen.map((f) => f.namedSymbol).filter((s) => s !== undefined));
    if (stated.size > 1) {
      throw configError(
        `--data ${o.data}: files of several symbols (${grouped(chosen, (f) => f.namedSymbol)}); choose one with --symbol`,
      );
    }
    finalSymbol = [...stated][0];
    if (finalSymbol === undefined) {
      throw configError(
        `--data ${o.data}: no symbol in the file name${chosen.length > 1 ? 's' : ''} (${names(chosen)}); give --symbol`,
      );
    }
    const unnamed = chosen.filter((f) => f.namedSymbol === undefined);
    if (unnamed.length > 0) {
      throw configError(
        `--data ${o.data}: ${names(unnamed)} state${unnamed.length > 1 ? '' : 's'} no symbol in the name ` +
          `(the others are ${finalSymbol}); give --symbol`,
      );
    }
  }

  // interval
  let interval: Interval;
  if (kind === 'klines') {
    if (isDirectory && o.interval !== undefined) {
      const before = chosen;
      chosen = chosen.filter((f) => f.namedInterval === undefined || f.namedInterval === o.interval);
      if (chosen.length === 0) {
        throw configError(
          `--interval ${o.interval}: no ${finalSymbol} kline file of that interval in ${o.data} ` +
            `(intervals there: ${grouped(before, (f) => f.namedInterval)})`,
        );
      }
    }
    if (o.interval !== undefined) interval = o.interval;
    else {
      const stated = new Set(chosen.map((f) => f.namedInterval).filter((i) => i !== undefined));
      if (stated.size > 1) {
        throw configError(
          `--data ${o.data}: kline files of several intervals (${grouped(chosen, (f) => f.namedInterval)}); ` +
            'choose one with --interval',
        );
      }
      const only = [...stated][0];
      const unnamed = chosen.filter((f) => f.namedInterval === undefined);
      if (only === undefined || unnamed.length > 0) {
        throw configError(
          `--data ${o.data}: no kline interval in the name of ${names(unnamed)}; give --interval (e.g. 5m)`,
        );
      }
      interval = only;
    }
  } else {
    interval = o.interval ?? DEFAULT_TRADE_INTERVAL;
  }

  for (const f of files) if (!chosen.includes(f)) ignored.push(f.file);
  // time order: first row time (header-only files first), then name
  const ordered = [...chosen].sort(
    (a, b) =>
      (a.firstTime ?? -Infinity) - (b.firstTime ?? -Infinity) ||
      (a.file < b.file ? -1 : a.file > b.file ? 1 : 0),
  );
  return { path: target, isDirectory, kind, symbol: finalSymbol, interval, files: ordered, ignored };
}

/** Read every file of `input` (in its order) into one array of candles or trades. */
export function loadBacktestData(input: BacktestInput): BacktestData {
  const candles: Candle[] = [];
  const trades: Trade[] = [];
  for (const f of input.files) {
    const loaded = loadMarketFile({
      file: f.file,
      symbol: input.symbol,
      ...(input.kind === 'klines' ? { interval: input.interval } : {}),
    });
    if (loaded.info.kind !== input.kind) {
      // peekFile said otherwise: the file changed between the two reads
      throw new DataError(`${f.file}: holds ${loaded.info.kind}, expected ${input.kind}`, { file: f.file });
    }
    append(candles, loaded.candles);
    append(trades, loaded.trades);
  }
  return { candles, trades };
}

/** The trades of one file of a trade input. */
export interface TradeChunk {
  readonly file: string;
  readonly trades: Trade[];
  /** Wall time spent reading and parsing the file, ms. */
  readonly loadMs: number;
}

/**
 * The trades of a trade input one file at a time, read when asked for (a directory of daily dumps is never
 * held in memory at once). Files whose first trade is at or after `to` are not read.
 */
export function* tradeChunks(input: BacktestInput, to?: number): Generator<TradeChunk> {
  if (input.kind !== 'trades')
    throw new ConfigError([`--data ${input.path}: holds ${input.kind}, not trades`]);
  for (const f of input.files) {
    if (to !== undefined && f.firstTime !== undefined && f.firstTime >= to) return;
    const t0 = performance.now();
    const loaded = loadMarketFile({ file: f.file, symbol: input.symbol });
    if (loaded.info.kind !== 'trades') {
      throw new DataError(`${f.file}: holds ${loaded.info.kind}, expected trades`, { file: f.file });
    }
    yield { file: f.file, trades: loaded.trades, loadMs: performance.now() - t0 };
  }
}

/** push(...src) without the argument-count limit of a spread. */
function append<T>(dst: T[], src: readonly T[]): void {
  for (const x of src) dst.push(x);
}
