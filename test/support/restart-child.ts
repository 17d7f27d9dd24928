/**
 * The engine process of test/restart.test.ts: `aegis run` (runLive, testnet mode) configured from the
 * environment, with a test strategy that proposes a BUY on every closed 1m candle (entry = close,
 * stop 2 % below, take profit 4 % above) so that a signal comes within the first simulated minutes.
 * Logs JSON lines on stderr, prints run.ts's lines on stdout. The test kills it with SIGKILL.
 */
import { loggerFromConfig } from '../../src/app/logging.js';
import { runLive } from '../../src/app/run.js';
import type { Strategy } from '../../src/brain/strategy.js';
import { loadConfig } from '../../src/config/load.js';

const quick = (): Strategy => ({
  name: 'restart-test',
  onCandle: (c) => ({
    side: 'BUY',
    confidence: 0.8,
    entry: c.close,
    stop: c.close * 0.98,
    takeProfit: c.close * 1.04,
    patterns: [],
    setup: 'restart-test',
  }),
  trend: () => 0,
});

const { config } = loadConfig({ env: process.env, cwd: process.cwd() });
const logger = loggerFromConfig(config, process.stderr);
const stop = new AbortController();
process.on('SIGTERM', () => {
  stop.abort();
});
runLive({
  config,
  logger,
  confirmLive: false,
  signal: stop.signal,
  print: (line) => process.stdout.write(`${line}\n`),
  strategy: quick,
}).then(
  () => {
    process.exitCode = 0;
  },
  (caught: unknown) => {
    process.stderr.write(`restart-child failed: ${String(caught)}\n`);
    process.exitCode = 1;
  },
);
