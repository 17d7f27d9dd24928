/**
 * Runs optimiser jobs: on N worker threads (node:worker_threads), or in-process when N is 0. The candles
 * go to the workers once, packed in a SharedArrayBuffer (no copy per worker, no re-parse of the file;
 * bench/optimize.ts measures both). Jobs are handed out one at a time to whichever worker is free and
 * results are stored by job position, so the output never depends on the worker count or on timing.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { AegisError, ConfigError, ERROR_CODES, InvariantError, type ErrorCode } from '../../core/errors.js';
import type { LogFields, Logger } from '../../core/logger.js';
import type { Candle } from '../../domain/market.js';
import { evaluate, packCandles, type EvalJob, type EvalSetup, type RunSummary } from './evaluate.js';

export interface WorkerInit {
  readonly index: number;
  readonly setup: EvalSetup;
  readonly candles: SharedArrayBuffer;
}

export interface ToWorker {
  readonly type: 'job';
  readonly job: EvalJob;
}
export type ToPool =
  | { readonly type: 'ready' }
  | { readonly type: 'result'; readonly id: number; readonly summary: RunSummary }
  | {
      readonly type: 'error';
      readonly id: number;
      readonly message: string;
      readonly stack: string;
      /** The AegisError code, when it was one. */
      readonly code: string | undefined;
      /** A ConfigError's problems. */
      readonly problems: readonly string[] | undefined;
    }
  | {
      readonly type: 'log';
      readonly level: 'error' | 'fatal';
      readonly fields: LogFields;
      readonly message: string;
    };

export interface JobRunner {
  readonly workers: number;
  /** Results in the order of `jobs`. `onDone` is called after each job (progress). */
  run(jobs: readonly EvalJob[], onDone?: (done: number, total: number) => void): Promise<RunSummary[]>;
  close(): Promise<void>;
}

/** A job that failed in a worker, rebuilt in the main thread with the worker's code (a bug otherwise). */
export function jobError(m: Extract<ToPool, { type: 'error' }>, job: EvalJob): AegisError {
  const where = `optimize job ${job.id} (${JSON.stringify(job.params)}, candles ${job.start}..${job.end})`;
  if (m.problems !== undefined) return new ConfigError(m.problems.map((p) => `${where}: ${p}`));
  const code: ErrorCode =
    m.code !== undefined && Object.hasOwn(ERROR_CODES, m.code) ? (m.code as ErrorCode) : 'INVARIANT_BROKEN';
  return new AegisError(code, `${where} failed: ${m.message}`, { context: { job: job.id } });
}

/**
 * The backtests' logger: errors only. Warnings such as data gaps would repeat once per backtest of the
 * same span (hundreds of times); `aegis backtest` on the same data shows them once.
 */
export function quietLogger(logger: Logger): Logger {
  const noop = (): void => undefined;
  return {
    trace: noop,
    debug: noop,
    info: noop,
    warn: noop,
    error: (f, m) => {
      logger.error(f, m);
    },
    fatal: (f, m) => {
      logger.fatal(f, m);
    },
    child: (b) => quietLogger(logger.child(b)),
  };
}

/** Jobs in this thread, one after the other (workers = 0; also the reference for the tests). */
export function inProcessRunner(setup: EvalSetup, candles: readonly Candle[], parent: Logger): JobRunner {
  const logger = quietLogger(parent);
  return {
    workers: 0,
    async run(jobs, onDone) {
      const out: RunSummary[] = [];
      for (const job of jobs) {
        out.push(await evaluate(setup, candles, job, logger));
        onDone?.(out.length, jobs.length);
      }
      return out;
    },
    close: () => Promise.resolve(),
  };
}

/**
 * The worker entry is TypeScript: a small CommonJS bootstrap registers tsx's ESM hooks in the worker,
 * then imports worker.ts (the same thing bin/aegis.js does for the main thread). `execArgv: ['--import',
 * 'tsx']` does not work for a .ts worker entry on Node 20 (the entry is resolved before the hook).
 */
const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
import(workerData.tsxApi)
  .then((m) => { m.register(); return import(workerData.entry); })
  .catch((e) => { console.error('aegis optimize worker failed to start:', e); process.exit(1); });
`;

/** tsx's ESM API (the `import` condition of its `./esm/api` export), as a file URL. */
function tsxApiUrl(): string {
  const require = createRequire(import.meta.url);
  const pkgFile = require.resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as {
    exports?: Record<string, { import?: { default?: string } | string } | string>;
  };
  const e = pkg.exports?.['./esm/api'];
  const rel = typeof e === 'object' ? (typeof e.import === 'object' ? e.import.default : e.import) : e;
  if (rel === undefined) throw new ConfigError([`cannot find tsx's ./esm/api export in ${pkgFile}`]);
  return pathToFileURL(path.resolve(path.dirname(pkgFile), rel)).href;
}

interface Slot {
  readonly worker: Worker;
  busy: EvalJob | undefined;
}

export async function workerPool(
  size: number,
  setup: EvalSetup,
  candles: readonly Candle[],
  logger: Logger,
): Promise<JobRunner> {
  if (!Number.isInteger(size) || size < 1)
    throw new ConfigError([`workers must be an integer >= 1, got ${size}`]);
  const shared = packCandles(candles);
  const entry = new URL('./worker.ts', import.meta.url).href;
  const tsxApi = tsxApiUrl();
  const slots: Slot[] = [];
  // the current run's handlers (one run at a time)
  let onMessage: ((slot: Slot, m: ToPool) => void) | undefined;
  let onFailure: ((err: Error) => void) | undefined;
  let closing = false;

  const starting = Array.from({ length: size }, (_, index) => {
    const init: WorkerInit & { tsxApi: string; entry: string } = {
      index,
      setup,
      candles: shared,
      tsxApi,
      entry,
    };
    const worker = new Worker(BOOTSTRAP, { eval: true, workerData: init });
    const slot: Slot = { worker, busy: undefined };
    slots.push(slot);
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      worker.on('message', (m: ToPool) => {
        if (m.type === 'ready') {
          ready = true;
          resolve();
          return;
        }
        if (m.type === 'log') {
          logger[m.level](m.fields, m.message);
          return;
        }
        onMessage?.(slot, m);
      });
      worker.on('error', (e) => {
        logger.error({ worker: index, err: e }, 'optimize worker crashed');
        if (!ready) reject(e);
        else onFailure?.(e);
      });
      worker.on('exit', (code) => {
        if (closing) return;
        const e = new InvariantError(`optimize worker ${index} exited with code ${code}`);
        logger.error({ worker: index, code }, 'optimize worker exited unexpectedly');
        if (!ready) reject(e);
        else onFailure?.(e);
      });
    });
  });
  const close = async (): Promise<void> => {
    closing = true;
    await Promise.all(slots.map((s) => s.worker.terminate()));
  };
  try {
    await Promise.all(starting);
  } catch (e) {
    await close();
    throw e;
  }

  return {
    workers: size,
    close,
    run(jobs, onDone) {
      return new Promise<RunSummary[]>((resolve, reject) => {
        const results = new Array<RunSummary | undefined>(jobs.length);
        const position = new Map(jobs.map((j, i) => [j.id, i]));
        let next = 0;
        let done = 0;
        let failed = false;
        const fail = (e: Error): void => {
          if (failed) return;
          failed = true;
          onMessage = undefined;
          onFailure = undefined;
          reject(e);
        };
        const feed = (slot: Slot): void => {
          const job = jobs[next];
          if (job === undefined) {
            slot.busy = undefined;
            return;
          }
          next++;
          slot.busy = job;
          slot.worker.postMessage({ type: 'job', job } satisfies ToWorker);
        };
        onFailure = fail;
        onMessage = (slot, m) => {
          if (failed || m.type === 'ready' || m.type === 'log') return;
          const job = slot.busy;
          if (job?.id !== m.id) {
            fail(
              new InvariantError(`optimize worker sent a result for job ${m.id}, which it was not running`),
            );
            return;
          }
          if (m.type === 'error') {
            const err = jobError(m, job);
            logger.error({ job: job.id, stack: m.stack }, 'optimize job failed');
            fail(err);
            return;
          }
          results[position.get(m.id) as number] = m.summary;
          done++;
          onDone?.(done, jobs.length);
          if (done === jobs.length) {
            onMessage = undefined;
            onFailure = undefined;
            resolve(results as RunSummary[]);
            return;
          }
          feed(slot);
        };
        if (jobs.length === 0) {
          resolve([]);
          return;
        }
        for (const slot of slots) feed(slot);
      });
    },
  };
}
