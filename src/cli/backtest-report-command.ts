/**
 * `aegis backtest` extras: the progress bar on a terminal (`--no-progress` turns it off) and the HTML
 * report (`--html FILE`). See docs/backtest.md.
 */
import path from 'node:path';
import { defaultSmcStrategyOptions } from '../brain/smc-strategy.js';
import type { AegisConfig } from '../config/schema.js';
import { writeHtmlReport } from '../app/backtest/html-report.js';
import { progressFor, type Progress } from '../app/backtest/progress.js';
import { runBacktestDetailed, type BacktestOptions, type BacktestRun } from '../app/backtest/run.js';

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
