/**
 * `aegis backtest` and `aegis analyze lookahead` (registered by main.ts), with the backtest's extras: the
 * progress bar on a terminal (`--no-progress` turns it off) and the HTML report (`--html FILE`). See
 * docs/backtest.md.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { CommanderError, Option, type Command } from 'commander';
import { defaultSmcStrategyOptions } from '../brain/smc-strategy.js';
import type { AegisConfig } from '../config/schema.js';
import { ConfigError } from '../core/errors.js';
import { countArg, positiveArg, timeArg } from './args.js';
import { isInterval, type Interval } from '../domain/market.js';
import { writeHtmlReport } from '../app/backtest/html-report.js';
import { DEFAULT_TRADE_INTERVAL, loadBacktestData, resolveBacktestInput } from '../app/backtest/inputs.js';
import { analyzeLookahead, evenCuts } from '../app/backtest/lookahead.js';
import { progressFor, type Progress } from '../app/backtest/progress.js';
import { backtestJson, formatBacktest } from '../app/backtest/report.js';
import { runBacktestDetailed, type BacktestOptions, type BacktestRun } from '../app/backtest/run.js';
import { loggerFromConfig } from '../app/logging.js';

export interface BacktestCliIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream & { readonly isTTY?: boolean };
  readonly cwd: string;
}

/**
 * The progress bar of `aegis backtest`: on stderr when it is a terminal and `enabled`. Create the
 * logger with `progress.stream` (log lines then erase the bar first).
 */
export function backtestProgress(io: BacktestCliIo, enabled: boolean): Progress {
  return progressFor(io.stderr, enabled);
}

/** runBacktestDetailed with the progress bar's hook; the bar's line is cleared at the end, also on failure. */
export async function runBacktestCli(
  options: Omit<BacktestOptions, 'onProgress' | 'progressEvery'>,
  progress: Progress,
): Promise<BacktestRun> {
  try {
    return await runBacktestDetailed({ ...options, ...progress.options });
  } finally {
    progress.finish();
  }
}

/** Write the HTML report of `run` to `file` (relative to io.cwd) and say where it went. */
export function writeBacktestHtml(
  io: BacktestCliIo,
  run: BacktestRun,
  file: string,
  config: AegisConfig,
): void {
  const target = path.resolve(io.cwd, file);
  const bytes = writeHtmlReport(run, target, {
    smc: defaultSmcStrategyOptions(config.rsiPeriod, config.atrPeriod).smc,
  });
  io.stdout.write(`HTML report written to ${target} (${(bytes / 1e6).toFixed(1)} MB)\n`);
}

// ---------------------------------------------------------------- command registration

export interface BacktestCommandDeps {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream & { readonly isTTY?: boolean };
  readonly cwd: string;
  /** The effective config for this command (global flags applied). */
  readonly config: (cmd: Command) => AegisConfig;
}

interface BacktestFlags {
  data: string;
  symbol?: string;
  interval?: Interval;
  from?: number;
  to?: number;
  slippage?: number;
  balance: number;
  markEvery: 'candle' | 'trade';
  resumeDaily?: boolean;
  json?: string;
  html?: string;
  progress: boolean;
}

const intervalArg =
  (name: string) =>
  (v: string): Interval => {
    if (!isInterval(v))
      throw new ConfigError([`${name} must be a Binance interval such as 1m, 5m or 1h, got "${v}"`]);
    return v;
  };

const DATA_HELP =
  'kline or trade/aggTrades data: a CSV file (../shared/data layout or a Binance dump; plain or .gz) or a ' +
  'directory of them (e.g. Binance daily dumps), read in time order';

/** `aegis backtest` (docs/backtest.md). main.ts registers it with `registerBacktestCommand(program, ...)`. */
export function registerBacktestCommand(program: Command, deps: BacktestCommandDeps): Command {
  return program
    .command('backtest')
    .description(
      'run the engine on history: the same data, brain and trade objects as live, against the simulator',
    )
    .requiredOption('--data <file|dir>', DATA_HELP)
    .option('--symbol <symbol>', 'symbol (default: from the file names; in a directory, selects its files)')
    .option(
      '--interval <i>',
      'klines: their interval (default: from the file names); trades: the trading interval, the candles built ' +
        `from them (default ${DEFAULT_TRADE_INTERVAL})`,
      intervalArg('--interval'),
    )
    .option('--from <time>', 'first candle / trade (ISO date or epoch ms)', timeArg('--from'))
    .option('--to <time>', 'end, exclusive (ISO date or epoch ms)', timeArg('--to'))
    .option(
      '--slippage <fraction>',
      'half-spread paid by market orders, e.g. 0.0001',
      positiveArg('--slippage'),
    )
    .option('--balance <usdt>', 'starting balance', positiveArg('--balance'), 10_000)
    .addOption(
      new Option(
        '--mark-every <when>',
        'trade data: mark open positions at each candle close or at every trade',
      )
        .choices(['candle', 'trade'])
        .default('candle'),
    )
    .option(
      '--resume-daily',
      'resume after a daily-loss halt at the next UTC day (default: stay halted, as live)',
    )
    .option('--json <file>', 'write the result and the trade list as JSON')
    .option('--html <file>', 'write a self-contained HTML report: chart, SMC zones, trades, equity, metrics')
    .option('--no-progress', 'no progress bar (it is shown on stderr only when stderr is a terminal)')
    .action(async (o: BacktestFlags, cmd: Command) => {
      const config = deps.config(cmd);
      const progress = backtestProgress(deps, o.progress);
      const logger = loggerFromConfig(
        Object.freeze({ ...config, logLevel: 'warn' as const }),
        progress.stream,
      );
      const run = await runBacktestCli(
        {
          config,
          data: path.resolve(deps.cwd, o.data),
          balance: o.balance,
          markEvery: o.markEvery,
          logger,
          ...(o.symbol === undefined ? {} : { symbol: o.symbol.toUpperCase() }),
          ...(o.interval === undefined ? {} : { interval: o.interval }),
          ...(o.from === undefined ? {} : { from: o.from }),
          ...(o.to === undefined ? {} : { to: o.to }),
          ...(o.slippage === undefined ? {} : { slippage: o.slippage }),
          ...(o.resumeDaily === true ? { resumeAfterHalt: 'next-day' as const } : {}),
        },
        progress,
      );
      const result = run.result;
      deps.stdout.write(formatBacktest(result));
      if (o.json !== undefined) {
        const target = path.resolve(deps.cwd, o.json);
        writeFileSync(target, backtestJson(result));
        deps.stdout.write(`result written to ${target}\n`);
      }
      if (o.html !== undefined) writeBacktestHtml(deps, run, o.html, config);
    });
}

/**
 * `aegis analyze lookahead --data FILE|DIR`: the same inputs as `aegis backtest`, klines only (the
 * analysis cuts the candle list). main.ts registers it with `registerLookaheadCommand(analyze, ...)`.
 */
export function registerLookaheadCommand(analyze: Command, deps: BacktestCommandDeps): Command {
  return analyze
    .command('lookahead')
    .description('re-run a backtest on the data cut at many points; any signal that changes is look-ahead')
    .requiredOption(
      '--data <file|dir>',
      'kline CSV file or directory (as aegis backtest --data; klines only)',
    )
    .option('--symbol <symbol>', 'symbol (default: from the file names)')
    .option('--interval <i>', 'interval (default: from the file names)', intervalArg('--interval'))
    .option('--cuts <n>', 'number of cut points', countArg('--cuts'), 10)
    .option('--warmup <n>', 'candles before the first cut', countArg('--warmup'), 500)
    .action(
      async (
        o: { data: string; symbol?: string; interval?: Interval; cuts: number; warmup: number },
        cmd: Command,
      ) => {
        const config = deps.config(cmd);
        const logger = loggerFromConfig(Object.freeze({ ...config, logLevel: 'warn' as const }), deps.stderr);
        const input = await resolveBacktestInput({
          data: path.resolve(deps.cwd, o.data),
          ...(o.symbol === undefined ? {} : { symbol: o.symbol }),
          ...(o.interval === undefined ? {} : { interval: o.interval }),
        });
        if (input.kind !== 'klines') {
          throw new ConfigError([
            `--data ${o.data}: holds trades; the look-ahead analysis cuts candle lists, give klines`,
          ]);
        }
        const { candles } = loadBacktestData(input);
        const report = await analyzeLookahead(candles, config, evenCuts(candles.length, o.cuts, o.warmup), {
          symbol: input.symbol,
          interval: input.interval,
          logger,
        });
        deps.stdout.write(
          `${report.candles} candles, ${report.cuts.length} cuts, ${report.compared} signals compared: ` +
            `${report.differences.length} difference(s)\n`,
        );
        for (const d of report.differences.slice(0, 20)) deps.stdout.write(`  ${JSON.stringify(d)}\n`);
        if (report.differences.length > 0) throw new CommanderError(1, 'aegis.lookahead', 'look-ahead found');
      },
    );
}
