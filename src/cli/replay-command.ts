/**
 * CLI pieces of the replay mode: `aegis run --mode replay --data FILE[,FILE] --speed N|max` and
 * `aegis sim --data FILE[,FILE] [--speed N]`. ENVIRONMENT keeps its four values (backtest | paper |
 * testnet | live: which venue and which keys); replay is a run mode of the `run` command only: it brings its
 * own venue (the simulator on loopback, throw-away keys) and runs the testnet code path against it.
 * See docs/replay.md.
 */
import path from 'node:path';
import { Option, type Command } from 'commander';
import { ConfigError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { ENVIRONMENTS, type AegisConfig } from '../config/schema.js';
import { isInterval, type Interval } from '../domain/market.js';
import { runReplay, type ReplayResult } from '../app/replay.js';
import type { FileSourceSpec } from '../venues/replay/sources.js';

/** `--mode` choices: the ENVIRONMENT values plus `replay` (a run mode, not an ENVIRONMENT). */
export const RUN_MODES = [...ENVIRONMENTS, 'replay'] as const;
export const REPLAY_MODE = 'replay';

export interface ReplayCliOptions {
  data?: string;
  speed?: number | 'max';
  symbol?: string;
  interval?: Interval;
  balance?: number;
  slippage?: number;
}

export function parseSpeed(value: string): number | 'max' {
  if (value === 'max') return 'max';
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) {
    throw new ConfigError([`--speed must be a number > 0 or "max", got "${value}"`]);
  }
  return n;
}

function parseInterval(value: string): Interval {
  if (!isInterval(value)) {
    throw new ConfigError([`--interval must be a Binance interval such as 1m, 5m or 1h, got "${value}"`]);
  }
  return value;
}

function positive(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0)
      throw new ConfigError([`${name} must be a number >= 0, got "${value}"`]);
    return n;
  };
}

/** `--data a.csv,b.csv.gz` -> file specs resolved against `cwd`, with --symbol / --interval when given. */
export function dataSpecs(data: string, cwd: string, symbol?: string, interval?: Interval): FileSourceSpec[] {
  const files = data
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f.length > 0);
  if (files.length === 0) throw new ConfigError([`--data needs at least one file, got "${data}"`]);
  return files.map((f) => ({
    file: path.resolve(cwd, f),
    ...(symbol === undefined ? {} : { symbol: symbol.toUpperCase() }),
    ...(interval === undefined ? {} : { interval }),
  }));
}

/** The data options shared by `run --mode replay` and `sim`. */
function addDataOptions(cmd: Command, what: string): Command {
  return cmd
    .option(
      '--data <files>',
      `${what}: kline or trade/aggTrade CSV files, comma-separated (../shared/data or Binance dump layout, plain or .gz)`,
    )
    .option('--symbol <symbol>', 'symbol of the --data files when their names do not say it')
    .addOption(
      new Option('--interval <i>', 'interval of kline --data files when their names do not say it').argParser(
        parseInterval,
      ),
    );
}

/** Options of `aegis run` for the replay mode. */
export function addReplayOptions(cmd: Command): Command {
  return addDataOptions(cmd, 'with --mode replay')
    .addOption(
      new Option(
        '--speed <x|max>',
        'with --mode replay: simulated seconds per wall second, or max',
      ).argParser(parseSpeed),
    )
    .option('--balance <usdt>', 'with --mode replay: starting balance', positive('--balance'))
    .option(
      '--slippage <fraction>',
      'with --mode replay, kline data: half-spread paid by market orders, e.g. 0.0001',
      positive('--slippage'),
    );
}

/** `aegis sim --data`: serve files instead of the synthetic market. */
export function addSimDataOptions(cmd: Command): Command {
  return addDataOptions(cmd, 'serve these files instead of the synthetic market');
}

/** `--data` etc. outside `--mode replay` is a mistake: say so instead of ignoring them. */
export function assertNoReplayOptions(o: ReplayCliOptions): void {
  const given = (['data', 'speed', 'symbol', 'interval', 'balance', 'slippage'] as const).filter(
    (k) => o[k] !== undefined,
  );
  if (given.length > 0) {
    throw new ConfigError([`${given.map((k) => `--${k}`).join(', ')} only apply with --mode replay`]);
  }
}

export interface ReplayCliContext {
  readonly config: AegisConfig;
  readonly logger: Logger;
  readonly options: ReplayCliOptions;
  readonly cwd: string;
  readonly signal: AbortSignal;
  readonly print: (line: string) => void;
}

/** `aegis run --mode replay`: run it and print the summary. */
export async function runReplayCli(c: ReplayCliContext): Promise<ReplayResult> {
  const o = c.options;
  if (o.data === undefined) throw new ConfigError(['--mode replay needs --data FILE[,FILE]']);
  const result = await runReplay({
    config: c.config,
    logger: c.logger,
    files: dataSpecs(o.data, c.cwd, o.symbol, o.interval),
    speed: o.speed ?? 'max',
    ...(o.balance === undefined ? {} : { balance: o.balance }),
    ...(o.slippage === undefined ? {} : { slippage: o.slippage }),
    signal: c.signal,
    print: c.print,
  });
  c.print(formatReplay(result));
  return result;
}

export function formatReplay(r: ReplayResult): string {
  const sides = (side: string): number => r.signals.filter((s) => s.side === side).length;
  const lines = [
    `AEGIS replay ${r.interrupted ? 'interrupted' : 'finished'}: ${r.source} of ${r.symbols.join(', ')} (${r.interval})`,
    `  market events   ${r.pump.events} (${r.pump.candles} candles, ${r.pump.trades} trades, ${r.pump.quotes} quotes, ${r.pump.marks} marks)`,
    `  event time      ${iso(r.pump.firstTime)} .. ${iso(r.pump.lastTime)}`,
    `  candles closed  ${r.candlesClosed}`,
    `  signals         ${r.signals.length} (${sides('BUY')} buy, ${sides('SELL')} sell)`,
    `  orders          ${r.orders.length}, fills ${r.fills}`,
    `  heartbeats      ${r.heartbeats}, errors ${r.errors}, stalls ${r.stalls}`,
    `  wall time       ${(r.wallMs / 1000).toFixed(1)} s`,
  ];
  return lines.join('\n');
}

function iso(t: number | null): string {
  return t === null ? '-' : new Date(t).toISOString();
}
