/**
 * A one-line progress bar for long backtests, on stderr when it is a terminal:
 *
 *   [##########..........]  31,000 / 65,741 candles  47.2 %  12,345 candles/s  ETA 0m 03s
 *
 * runBacktest calls `onProgress(done, total)` every `progressEvery` candles (a counter test per candle,
 * nothing else on the hot path); the bar redraws at most every `minIntervalMs` of wall time and clears
 * its line on `finish()`, so the summary on stdout starts on a clean line. The rate (and so the ETA) is
 * measured from the first callback, so file parsing and engine start-up do not drag it down. Log lines
 * written through `ProgressAwareStream` erase the bar first; it is redrawn at the next callback.
 */
import { Writable } from 'node:stream';

export interface ProgressStream {
  write(chunk: string): boolean;
  readonly isTTY?: boolean;
}

export interface ProgressOptions {
  /** Milliseconds between redraws. Default 200. */
  readonly minIntervalMs?: number;
  /** Width of the bar in characters. Default 24. */
  readonly width?: number;
  /** Wall clock in ms (injectable for tests). Default performance.now. */
  readonly now?: () => number;
}

/** Candles between two progress callbacks of runBacktest when a bar is shown (cheap, still fine-grained). */
export const PROGRESS_EVERY = 1000;

/** "1h 02m 03s" / "2m 05s" / "7s"; "?" when unknown. */
export function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m ${ss}s`;
  return `${m}m ${ss}s`;
}

/**
 * The text of the bar (no control characters). The rate is `counted` candles over `elapsedMs` (default:
 * all `done` candles).
 */
export function progressLine(
  done: number,
  total: number,
  elapsedMs: number,
  width = 24,
  counted = done,
): string {
  const frac = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  const filled = Math.round(frac * width);
  const bar = '#'.repeat(filled) + '.'.repeat(width - filled);
  const rate = elapsedMs > 0 && counted > 0 ? (counted / elapsedMs) * 1000 : 0;
  const eta = rate > 0 ? (total - done) / rate : Number.NaN;
  const n = (x: number): string => Math.round(x).toLocaleString('en-US');
  return (
    `[${bar}] ${n(done)} / ${n(total)} candles  ${(frac * 100).toFixed(1)} %  ` +
    `${n(rate)} candles/s  ETA ${formatEta(eta)}`
  );
}

export class ProgressBar {
  private readonly now: () => number;
  private readonly minIntervalMs: number;
  private readonly width: number;
  /** Time and count of the first callback (the rate's origin). */
  private origin: { readonly time: number; readonly done: number } | undefined;
  private last = -Infinity;
  private drawn = false;
  /** Redraws written (for tests). */
  draws = 0;

  constructor(
    private readonly stream: ProgressStream,
    options: ProgressOptions = {},
  ) {
    this.now = options.now ?? ((): number => performance.now());
    this.minIntervalMs = options.minIntervalMs ?? 200;
    this.width = options.width ?? 24;
  }

  /** The runBacktest hook: redraw when `minIntervalMs` passed since the last redraw (or at the end). */
  readonly update = (done: number, total: number): void => {
    const t = this.now();
    this.origin ??= { time: t, done };
    if (t - this.last < this.minIntervalMs && done < total) return;
    this.last = t;
    this.drawn = true;
    this.draws++;
    const o = this.origin;
    const line = progressLine(done, total, t - o.time, this.width, done - o.done);
    this.stream.write(`\r${line}\x1b[K`);
  };

  /** Erase the bar's line (when drawn); the next callback redraws it at once. */
  clear(): void {
    if (this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
    this.last = -Infinity;
  }

  /** Erase the bar at the end of the run. */
  finish(): void {
    this.clear();
  }
}

/**
 * A stream for the logger while a bar is shown: every write first erases the bar, so a log line never
 * starts in the middle of it. `isTTY` is the underlying stream's (the logger's pretty/colour choice).
 */
export class ProgressAwareStream extends Writable {
  readonly isTTY: boolean;

  constructor(
    private readonly out: NodeJS.WritableStream & { readonly isTTY?: boolean },
    private readonly bar: ProgressBar,
  ) {
    super({ decodeStrings: false });
    this.isTTY = out.isTTY === true;
  }

  override _write(
    chunk: Buffer | string,
    _encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ): void {
    this.bar.clear();
    this.out.write(chunk);
    callback();
  }
}

/** What a command needs for a progress bar: runBacktest options, a stream for its logger, `finish`. */
export interface Progress {
  readonly options: { onProgress?: (done: number, total: number) => void; progressEvery?: number };
  /** Give this to the logger: the bar is erased before each log line (the stream itself when no bar). */
  readonly stream: NodeJS.WritableStream & { readonly isTTY?: boolean };
  /** Erase the bar; call it after the run, also on failure. */
  finish(): void;
}

/**
 * A progress bar on `stream` when it is a terminal and `enabled`; otherwise nothing (no callbacks at all,
 * the stream unchanged).
 */
export function progressFor(
  stream: NodeJS.WritableStream & { readonly isTTY?: boolean },
  enabled: boolean,
  options: ProgressOptions = {},
): Progress {
  if (!enabled || stream.isTTY !== true) return { options: {}, stream, finish: (): void => undefined };
  const bar = new ProgressBar(stream, options);
  return {
    options: { onProgress: bar.update, progressEvery: PROGRESS_EVERY },
    stream: new ProgressAwareStream(stream, bar),
    finish: () => {
      bar.finish();
    },
  };
}
