/**
 * Optimiser worker thread: unpacks the shared candles once, then runs backtest jobs as the pool sends
 * them. Started by pool.ts through a bootstrap that registers tsx, so it runs the TypeScript sources
 * both under the CLI and under vitest.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { LogFields, Logger } from '../../core/logger.js';
import { AegisError, ConfigError, toError } from '../../core/errors.js';
import { evaluate, unpackCandles, type EvalJob } from './evaluate.js';
import type { ToPool, ToWorker, WorkerInit } from './pool.js';

const port = parentPort;
if (port === null) throw new Error('optimize worker: started outside a worker thread');
const init = workerData as WorkerInit;
const candles = unpackCandles(init.candles, init.setup.symbol, init.setup.interval);

const send = (m: ToPool): void => {
  port.postMessage(m);
};

/**
 * errors go to the parent's logger; warnings (data gaps, repeated by every backtest of a span) and
 * info/debug lines are dropped, as by quietLogger in-process.
 */
function forwarding(bindings: LogFields): Logger {
  const fwd =
    (level: 'error' | 'fatal') =>
    (fields: LogFields, message: string): void => {
      let safe: LogFields;
      try {
        safe = structuredClone({ ...bindings, ...fields });
      } catch (e) {
        safe = { fields: JSON.stringify({ ...bindings, ...fields }), cloneError: toError(e).message };
      }
      send({ type: 'log', level, fields: safe, message });
    };
  const noop = (): void => undefined;
  return {
    trace: noop,
    debug: noop,
    info: noop,
    warn: noop,
    error: fwd('error'),
    fatal: fwd('fatal'),
    child: (b) => forwarding({ ...bindings, ...b }),
  };
}
const logger = forwarding({ worker: init.index });

async function runJob(job: EvalJob): Promise<void> {
  try {
    const summary = await evaluate(init.setup, candles, job, logger);
    send({ type: 'result', id: job.id, summary });
  } catch (e) {
    const err = toError(e);
    send({
      type: 'error',
      id: job.id,
      message: err.message,
      stack: err.stack ?? '',
      code: err instanceof AegisError ? err.code : undefined,
      problems: err instanceof ConfigError ? err.problems : undefined,
    });
  }
}

port.on('message', (m: ToWorker) => {
  void runJob(m.job);
});
send({ type: 'ready' });
