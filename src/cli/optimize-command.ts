/**
 * `aegis optimize`: walk-forward optimisation of a strategy's declared parameters (docs/optimize.md).
 * main.ts registers it with `registerOptimizeCommand(program, ...)`.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { ConfigError } from '../core/errors.js';
import { intArg, realArg, timeArg } from './args.js';
import type { Logger } from '../core/logger.js';
import type { AegisConfig } from '../config/schema.js';
import { isInterval } from '../domain/market.js';
import { loadBacktestData, resolveBacktestInput } from '../app/backtest/inputs.js';
import { OBJECTIVES, parseObjective } from '../app/optimize/objective.js';
import { defaultWorkers, optimize } from '../app/optimize/optimize.js';
import { formatOptimize, optimizeJson } from '../app/optimize/report.js';
import { parseRanges } from '../app/optimize/space.js';
import { STRATEGIES, strategyDefinition } from '../app/optimize/strategies.js';
import { parseSpan } from '../app/optimize/walk-forward.js';
import type { StrategyDefinition } from '../brain/parameters.js';

export interface OptimizeCommandDeps {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly cwd: string;
  /** The effective config for this command (global flags applied). */
  readonly config: (cmd: Command) => AegisConfig;
  /** The logger for a run (warnings and errors of the backtests). */
  readonly logger: (config: AegisConfig) => Logger;
}

interface OptimizeFlags {
  data?: string;
  symbol?: string;
  interval?: string;
  strategy: string;
  param?: string[];
  search: 'grid' | 'random';
  samples: number;
  seed: number;
  train?: string;
  test?: string;
  step?: string;
  anchored?: boolean;
  workers: number;
  objective: string;
  minTrades: number;
  from?: number;
  to?: number;
  slippage?: number;
  balance: number;
  resumeDaily?: boolean;
  json?: string;
  listParams?: boolean;
}

const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

/** The declared parameters of a strategy, as a table. */
export function formatParameters(def: StrategyDefinition): string {
  const rows = def.parameters.map((p) => [
    p.name,
    p.type,
    p.type === 'choice' ? p.values.join(',') : `${p.min}:${p.max}${p.step === undefined ? '' : `:${p.step}`}`,
    String(p.default),
    p.description,
  ]);
  const all = [['NAME', 'TYPE', 'RANGE', 'DEFAULT', 'DESCRIPTION'], ...rows];
  const w = [0, 1, 2, 3].map((i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return (
    `strategy ${def.name}: ${def.description}\n` +
    all.map((r) => r.map((c, i) => (i < 4 ? c.padEnd(w[i] ?? 0) : c)).join('  ')).join('\n') +
    '\n'
  );
}

export function registerOptimizeCommand(program: Command, deps: OptimizeCommandDeps): Command {
  return program
    .command('optimize')
    .description(
      "walk-forward optimisation of a strategy's declared parameters (grid or seeded random search) on " +
        'worker threads; reports out-of-sample results only',
    )
    .option(
      '--data <file|dir>',
      'kline CSV (../shared/data layout or Binance dump; plain or .gz) or a directory of them (as backtest)',
    )
    .option('--symbol <symbol>', 'symbol (default: from the file names)')
    .option('--interval <i>', 'interval of the klines (default: from the file names)')
    .addOption(
      new Option('--strategy <name>', 'strategy to tune')
        .choices(STRATEGIES.map((s) => s.name))
        .default('smc'),
    )
    .option(
      '--param <name=range>',
      'searched parameter: a:b:step, a:b (declared step), v1,v2,... or v (repeatable; others keep their default)',
      collect,
    )
    .addOption(
      new Option('--search <kind>', 'grid or seeded random sample of the grid')
        .choices(['grid', 'random'])
        .default('grid'),
    )
    .option('--samples <n>', 'random search: parameter sets drawn', intArg('--samples', 1), 50)
    .option('--seed <n>', 'random search: seed', intArg('--seed', 0), 1)
    .option('--train <span>', 'in-sample span: candles (5000) or time (30d, 12h, 2w)')
    .option('--test <span>', 'out-of-sample span, same unit as --train')
    .option('--step <span>', 'distance between windows, same unit (default: --test)')
    .option('--anchored', 'in-sample spans all start at the first candle (default: rolling)')
    .option(
      '--workers <n>',
      `worker threads, 0 = main thread (default: available parallelism, ${defaultWorkers()} here)`,
      intArg('--workers', 0),
      defaultWorkers(),
    )
    .addOption(
      new Option('--objective <name>', 'in-sample objective').choices([...OBJECTIVES]).default('sharpe'),
    )
    .option(
      '--min-trades <n>',
      'in-sample runs with fewer trades are not eligible',
      intArg('--min-trades', 1),
      10,
    )
    .option('--from <time>', 'first candle (ISO date or epoch ms)', timeArg('--from'))
    .option('--to <time>', 'end, exclusive (ISO date or epoch ms)', timeArg('--to'))
    .option('--slippage <fraction>', 'half-spread paid by market orders, e.g. 0.0001', realArg('--slippage'))
    .option('--balance <usdt>', 'starting balance of every backtest', realArg('--balance'), 10_000)
    .option('--resume-daily', 'resume after a daily-loss halt at the next UTC day (default: stay halted)')
    .option('--json <file>', 'write the report as JSON')
    .option('--list-params', "print the strategy's declared parameters and exit")
    .action(async (o: OptimizeFlags, cmd: Command) => {
      const def = strategyDefinition(o.strategy);
      if (o.listParams === true) {
        deps.stdout.write(formatParameters(def));
        return;
      }
      const missing = (['data', 'train', 'test'] as const).filter((k) => o[k] === undefined);
      if (missing.length > 0) {
        throw new ConfigError(missing.map((k) => `aegis optimize needs --${k}`));
      }
      if (o.interval !== undefined && !isInterval(o.interval))
        throw new ConfigError([
          `--interval must be a Binance interval such as 1m, 5m or 1h, got "${o.interval}"`,
        ]);
      const train = parseSpan('--train', o.train as string);
      const test = parseSpan('--test', o.test as string);
      const step = o.step === undefined ? undefined : parseSpan('--step', o.step);
      const units = new Set([train.unit, test.unit, ...(step === undefined ? [] : [step.unit])]);
      if (units.size > 1) {
        throw new ConfigError([
          `--train, --test and --step must all be candle counts or all durations, got ${o.train} / ${o.test}${o.step === undefined ? '' : ` / ${o.step}`}`,
        ]);
      }
      const ranges = parseRanges(def, o.param ?? []);
      if (ranges.length === 0) {
        throw new ConfigError([
          `aegis optimize needs at least one --param name=range (strategy ${def.name} has: ${def.parameters.map((p) => p.name).join(', ')})`,
        ]);
      }
      const objective = parseObjective(o.objective);
      const config = deps.config(cmd);
      const logger = deps.logger(config);
      const input = await resolveBacktestInput({
        data: path.resolve(deps.cwd, o.data as string),
        ...(o.symbol === undefined ? {} : { symbol: o.symbol.toUpperCase() }),
        ...(o.interval === undefined ? {} : { interval: o.interval }),
      });
      if (input.kind !== 'klines') {
        throw new ConfigError([`--data ${o.data as string}: holds trades; aegis optimize runs on klines`]);
      }
      const { symbol, interval } = input;
      const all = loadBacktestData(input).candles;
      const candles = all.filter(
        (c) => (o.from === undefined || c.openTime >= o.from) && (o.to === undefined || c.openTime < o.to),
      );
      let lastTenth = -1;
      const report = await optimize({
        config,
        candles,
        symbol,
        interval,
        strategy: def.name,
        ranges,
        search: o.search,
        samples: o.samples,
        seed: o.seed,
        windows: {
          unit: train.unit,
          train: train.value,
          test: test.value,
          ...(step === undefined ? {} : { step: step.value }),
          anchored: o.anchored === true,
        },
        objective,
        minTrades: o.minTrades,
        workers: o.workers,
        backtest: {
          balance: o.balance,
          ...(o.slippage === undefined ? {} : { slippage: o.slippage }),
          ...(o.resumeDaily === true ? { resumeAfterHalt: 'next-day' as const } : {}),
        },
        logger,
        onProgress: (phase, done, total) => {
          const tenth = Math.floor((done / total) * 10);
          if (tenth !== lastTenth || done === total) {
            lastTenth = done === total ? -1 : tenth;
            deps.stderr.write(`${phase}: ${done}/${total} backtests\n`);
          }
        },
      });
      deps.stdout.write(formatOptimize(report));
      if (o.json !== undefined) {
        const out = path.resolve(deps.cwd, o.json);
        writeFileSync(out, optimizeJson(report));
        deps.stdout.write(`report written to ${out}\n`);
      }
    });
}
