import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { AegisError, ConfigError } from '../core/errors.js';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import { LOG_LEVELS } from '../config/schema.js';
import { analyzeIndicators, analyzeSmc } from '../app/analyze.js';
import { formatSummary, runDemo } from '../app/demo.js';
import { runSocketDemo } from '../app/demo-sockets.js';
import { loggerFromConfig } from '../app/logging.js';
import { runLive } from '../app/run.js';
import { formatPreflight, runPreflight } from '../app/preflight.js';
import { serveSim } from '../app/sim-serve.js';
import { faultSpecFromArg, type FaultSpec } from '../venues/sim/server/index.js';
import { registerBacktestCommand, registerLookaheadCommand } from './backtest-report-command.js';
import { doctor } from '../app/doctor.js';
import { registerOptimizeCommand } from './optimize-command.js';
import { configMarkdown, formatConfigJson, formatConfigTable } from './config-command.js';
import {
  addReplayOptions,
  addSimDataOptions,
  assertNoReplayOptions,
  dataSpecs,
  REPLAY_MODE,
  RUN_MODES,
  runReplayCli,
  type ReplayCliOptions,
} from './replay-command.js';

export interface CliIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

interface GlobalOptions {
  config?: string;
  set?: string[];
  logLevel?: string;
  mode?: string;
  confirmLive?: boolean;
}

const PACKAGE = JSON.parse(
  readFileSync(path.resolve(import.meta.dirname, '..', '..', 'package.json'), 'utf8'),
) as {
  version: string;
};

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** CLI flags → overrides by env name. `--set NAME=VALUE` for any setting; shortcuts for common ones. */
function flagOverrides(opts: GlobalOptions): Record<string, string> {
  const flags: Record<string, string> = {};
  for (const pair of opts.set ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new ConfigError([`--set expects NAME=VALUE, got "${pair}"`]);
    flags[pair.slice(0, eq).trim()] = pair.slice(eq + 1);
  }
  if (opts.logLevel !== undefined) flags.LOG_LEVEL = opts.logLevel;
  if (opts.mode !== undefined && opts.mode !== REPLAY_MODE) flags.ENVIRONMENT = opts.mode;
  return flags;
}

function load(io: CliIo, opts: GlobalOptions): LoadedConfig {
  const loaded = loadConfig({
    env: io.env,
    flags: flagOverrides(opts),
    configPath: opts.config,
    cwd: io.cwd,
  });
  for (const w of loaded.warnings) io.stderr.write(`warning: ${w}\n`);
  return loaded;
}

/**
 * SIGINT/SIGTERM: the first asks for a graceful stop (no new entries, protective orders kept, journal
 * flushed, exit 0); a second one exits at once (code 130).
 */
function onShutdownSignals(io: CliIo, graceful: () => void): () => void {
  let received = 0;
  const handler = (sig: NodeJS.Signals): void => {
    received++;
    if (received === 1) {
      io.stderr.write(`aegis: ${sig} received, stopping gracefully (again to exit at once)\n`);
      graceful();
    } else {
      io.stderr.write(`aegis: second ${sig}, exiting now\n`);
      process.exit(130);
    }
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

function buildProgram(io: CliIo): Command {
  const program = new Command('aegis')
    .description('AEGIS: automated trading engine for Binance (data -> brain -> trade over a typed EventBus)')
    .version(PACKAGE.version, '-V, --version')
    .option('-c, --config <path>', 'config file (default: ./aegis.config.json when present)')
    .option('--set <NAME=VALUE>', 'override any setting by its variable name (repeatable)', collect)
    .addOption(new Option('--log-level <level>', 'LOG_LEVEL override').choices(LOG_LEVELS))
    .addOption(new Option('--mode <mode>', 'ENVIRONMENT override, or replay (aegis run)').choices(RUN_MODES))
    .option('--confirm-live', 'required to start with ENVIRONMENT=live')
    .showHelpAfterError()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .exitOverride();

  program
    .command('config')
    .description('print the effective configuration with the source of every value (secrets redacted)')
    .option('--json', 'machine-readable JSON')
    .option('--markdown', 'the reference table of every setting (as in README.md), without loading values')
    .action((cmdOpts: { json?: boolean; markdown?: boolean }, cmd: Command) => {
      if (cmdOpts.markdown === true) {
        io.stdout.write(configMarkdown());
        return;
      }
      const loaded = load(io, cmd.optsWithGlobals<GlobalOptions>());
      io.stdout.write(cmdOpts.json === true ? formatConfigJson(loaded) : formatConfigTable(loaded));
    });

  program
    .command('doctor')
    .description('check the wiring: each topic has producers and consumers, each config key has a reader')
    .option('--json', 'machine-readable JSON')
    .action((cmdOpts: { json?: boolean }, cmd: Command) => {
      load(io, cmd.optsWithGlobals<GlobalOptions>());
      const report = doctor();
      if (cmdOpts.json === true) {
        io.stdout.write(JSON.stringify(report, null, 2) + '\n');
      } else {
        io.stdout.write('TOPIC                   PRODUCERS -> CONSUMERS\n');
        for (const t of report.topics) {
          const p = t.producers.length > 0 ? t.producers.join(', ') : '(none yet)';
          const c = t.consumers.length > 0 ? t.consumers.join(', ') : '(none yet)';
          io.stdout.write(`${t.topic.padEnd(24)}${p} -> ${c}\n`);
        }
        io.stdout.write('\nCONFIG                  READ BY\n');
        for (const c of report.config) {
          io.stdout.write(
            `${c.env.padEnd(24)}${c.readers.length > 0 ? c.readers.join(', ') : '(not wired yet)'}\n`,
          );
        }
        io.stdout.write(
          report.problems.length === 0
            ? '\nno problems\n'
            : `\n${report.problems.length} problem(s):\n${report.problems.map((p) => `  - ${p}`).join('\n')}\n`,
        );
      }
      if (report.problems.length > 0) throw new CommanderError(1, 'aegis.doctor', 'doctor found problems');
    });

  const int = (name: string) => (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new ConfigError([`${name} must be an integer >= 1, got "${v}"`]);
    return n;
  };
  const real = (name: string) => (v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new ConfigError([`${name} must be a number > 0, got "${v}"`]);
    return n;
  };

  program
    .command('demo')
    .description(
      'run the full engine offline: seeded synthetic market, paper trading against the built-in simulator',
    )
    .option('--hours <n>', 'simulated hours of market', real('--hours'), 24)
    .option('--seed <n>', 'seed of the synthetic market', int('--seed'), 42)
    .option(
      '--in-process',
      'skip the sockets: the simulator runs inside the engine (faster, byte-for-byte repeatable)',
    )
    .action(async (o: { hours: number; seed: number; inProcess?: boolean }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const loaded = load(io, globals);
      // the demo trades 1m candles with 5m as the higher timeframe unless intervals were chosen
      const config =
        loaded.sources.intervals === 'default'
          ? Object.freeze({ ...loaded.config, intervals: ['1m', '5m'] })
          : loaded.config;
      const logger = loggerFromConfig(
        loaded.sources.logLevel === 'default'
          ? Object.freeze({ ...config, logLevel: 'warn' as const })
          : config,
        io.stderr,
      );
      const stop = new AbortController();
      const release = onShutdownSignals(io, () => {
        stop.abort();
      });
      try {
        const summary = await (o.inProcess === true ? runDemo : runSocketDemo)({
          config,
          logger,
          hours: o.hours,
          seed: o.seed,
          print: (line) => io.stdout.write(line + '\n'),
          signal: stop.signal,
        });
        io.stdout.write(formatSummary(summary));
      } finally {
        release();
      }
    });

  addReplayOptions(program.command('run'))
    .description(
      'run the engine on live market data: paper (simulated fills, the default), testnet or live (signed orders); ' +
        'AEGIS_REST_URL / AEGIS_WS_URL point it at any Binance-compatible server; ' +
        '--mode replay --data FILE --speed N|max replays a data file through the simulator over real sockets',
    )
    .action(async (o: ReplayCliOptions, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      if (globals.mode !== REPLAY_MODE) assertNoReplayOptions(o);
      const { config } = load(io, globals);
      const logger = loggerFromConfig(config, io.stderr);
      const stop = new AbortController();
      const release = onShutdownSignals(io, () => {
        stop.abort();
      });
      try {
        if (globals.mode === REPLAY_MODE) {
          await runReplayCli({
            config,
            logger,
            options: o,
            cwd: io.cwd,
            signal: stop.signal,
            print: (line) => io.stdout.write(line + '\n'),
          });
          return;
        }
        const r = await runLive({
          config,
          logger,
          confirmLive: globals.confirmLive === true,
          signal: stop.signal,
          print: (line) => io.stdout.write(line + '\n'),
        });
        io.stdout.write(`AEGIS stopped: mode ${r.mode}, venue ${r.venue}, ${r.heartbeats} heartbeats\n`);
      } finally {
        release();
      }
    });

  addSimDataOptions(program.command('sim'))
    .description(
      'serve the Binance-compatible simulator on 127.0.0.1 with the seeded synthetic market ' +
        '(clients sign with BINANCE_API_KEY / BINANCE_API_SECRET from the environment)',
    )
    .option(
      '--port <n>',
      'TCP port (0 = any free port)',
      (v: string) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 0 || n > 65_535)
          throw new ConfigError([`--port must be 0..65535, got "${v}"`]);
        return n;
      },
      0,
    )
    .option('--seed <n>', 'seed of the synthetic market', int('--seed'), 42)
    .option('--speed <x>', 'simulated seconds per wall second', real('--speed'), 1)
    .option('--faults <json|@file>', 'fault injection armed at start (docs/simulator.md)', (v: string) =>
      faultSpecFromArg(v),
    )
    .action(
      async (
        o: { port: number; seed: number; speed: number; faults?: FaultSpec } & ReplayCliOptions,
        cmd: Command,
      ) => {
        const { config } = load(io, cmd.optsWithGlobals<GlobalOptions>());
        const key = config.binanceApiKey;
        const secret = config.binanceApiSecret;
        if (key === undefined || secret === undefined) {
          throw new ConfigError([
            'aegis sim needs BINANCE_API_KEY and BINANCE_API_SECRET in the environment: the credentials its clients sign with',
          ]);
        }
        const stop = new AbortController();
        const release = onShutdownSignals(io, () => {
          stop.abort();
        });
        try {
          const r = await serveSim({
            apiKey: key.reveal(),
            apiSecret: secret.reveal(),
            port: o.port,
            seed: o.seed,
            speed: o.speed,
            ...(o.data === undefined ? {} : { data: dataSpecs(o.data, io.cwd, o.symbol, o.interval) }),
            ...(o.faults === undefined ? {} : { faults: o.faults }),
            logger: loggerFromConfig(config, io.stderr),
            signal: stop.signal,
            print: (line) => io.stdout.write(line + '\n'),
          });
          io.stdout.write(`aegis sim stopped after ${r.events} market events\n`);
        } finally {
          release();
        }
      },
    );

  program
    .command('preflight')
    .description(
      'production-readiness checklist: credentials, signing self-test, venue and clock skew, key permissions, ' +
        'symbols, leverage, risk settings, journal, ghost config; exits 1 on any failure',
    )
    .action(async (_o: unknown, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const { config } = load(io, globals);
      const logger = loggerFromConfig(Object.freeze({ ...config, logLevel: 'warn' as const }), io.stderr);
      const result = await runPreflight(config, { logger, confirmLive: globals.confirmLive === true });
      io.stdout.write(formatPreflight(result));
      if (!result.ok) throw new CommanderError(1, 'aegis.preflight', 'preflight failed');
    });

  const backtestDeps = {
    stdout: io.stdout,
    stderr: io.stderr,
    cwd: io.cwd,
    config: (cmd: Command) => load(io, cmd.optsWithGlobals<GlobalOptions>()).config,
  };
  registerBacktestCommand(program, backtestDeps);

  registerOptimizeCommand(program, {
    stdout: io.stdout,
    stderr: io.stderr,
    cwd: io.cwd,
    config: (cmd) => load(io, cmd.optsWithGlobals<GlobalOptions>()).config,
    logger: (config) => loggerFromConfig(Object.freeze({ ...config, logLevel: 'warn' as const }), io.stderr),
  });

  const analyze = program
    .command('analyze')
    .description('export what the brain sees for a kline file (../shared/data layout, plain or .gz)');

  registerLookaheadCommand(analyze, backtestDeps);

  analyze
    .command('indicators')
    .description(
      'write DIR/indicators.csv: RSI, ATR, EMA, SMA, MACD, Bollinger, Stochastic, ADX, OBV per row',
    )
    .requiredOption('--data <file>', 'kline CSV (open_time_ms,open,high,low,close,volume,...)')
    .requiredOption('--out <dir>', 'output directory')
    .option('--rsi-period <n>', 'RSI period (default RSI_PERIOD)', int('--rsi-period'))
    .option('--atr-period <n>', 'ATR period (default ATR_PERIOD)', int('--atr-period'))
    .option('--ema-period <n>', 'EMA period', int('--ema-period'), 20)
    .option('--sma-period <n>', 'SMA period', int('--sma-period'), 20)
    .option('--bb-period <n>', 'Bollinger period', int('--bb-period'), 20)
    .option('--bb-k <k>', 'Bollinger width in standard deviations', real('--bb-k'), 2)
    .option('--adx-period <n>', 'ADX period', int('--adx-period'), 14)
    .option('--interval <i>', 'for a file with several intervals (an interval column): the one to use')
    .action(
      (
        o: {
          data: string;
          out: string;
          rsiPeriod?: number;
          atrPeriod?: number;
          emaPeriod: number;
          smaPeriod: number;
          bbPeriod: number;
          bbK: number;
          adxPeriod: number;
          interval?: string;
        },
        cmd: Command,
      ) => {
        const { config } = load(io, cmd.optsWithGlobals<GlobalOptions>());
        const r = analyzeIndicators(
          path.resolve(io.cwd, o.data),
          path.resolve(io.cwd, o.out),
          {
            rsi: o.rsiPeriod ?? config.rsiPeriod,
            atr: o.atrPeriod ?? config.atrPeriod,
            ema: o.emaPeriod,
            sma: o.smaPeriod,
            macdFast: 12,
            macdSlow: 26,
            macdSignal: 9,
            bbPeriod: o.bbPeriod,
            bbK: o.bbK,
            stochK: 14,
            stochSmooth: 3,
            stochD: 3,
            adx: o.adxPeriod,
          },
          o.interval,
        );
        io.stdout.write(`${r.rows} rows -> ${r.out}\n`);
      },
    );

  analyze
    .command('smc')
    .description('write swings, fvg, structure, order_blocks and liquidity CSVs (causal SMC detectors)')
    .requiredOption('--data <file>', 'kline CSV (open_time_ms,open,high,low,close,volume,...)')
    .requiredOption('--out <dir>', 'output directory')
    .option('--swing-length <L>', 'swing length L', int('--swing-length'), 5)
    .option('--interval <i>', 'for a file with several intervals (an interval column): the one to use')
    .action((o: { data: string; out: string; swingLength: number; interval?: string }, cmd: Command) => {
      load(io, cmd.optsWithGlobals<GlobalOptions>());
      const r = analyzeSmc(
        path.resolve(io.cwd, o.data),
        path.resolve(io.cwd, o.out),
        o.swingLength,
        o.interval,
      );
      const counts = Object.entries(r.counts)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');
      io.stdout.write(`${r.rows} rows: ${counts} -> ${path.resolve(io.cwd, o.out)}\n`);
    });

  return program;
}

/** Run the CLI; returns the process exit code. Never throws. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (caught) {
    if (caught instanceof CommanderError) {
      if (caught.code === 'commander.helpDisplayed' || caught.code === 'commander.version') return 0;
      if (caught.code === 'commander.help') return 0;
      return caught.exitCode === 0 ? 1 : caught.exitCode;
    }
    if (caught instanceof ConfigError) {
      io.stderr.write(`aegis: configuration is invalid (${caught.code}):\n`);
      for (const p of caught.problems) io.stderr.write(`  - ${p}\n`);
      return 2;
    }
    if (caught instanceof AegisError) {
      io.stderr.write(`aegis: ${caught.message} (${caught.code})\n`);
      return 1;
    }
    const err = caught instanceof Error ? caught : new Error(String(caught));
    io.stderr.write(`aegis: unexpected failure: ${err.stack ?? err.message}\n`);
    return 70;
  }
}
