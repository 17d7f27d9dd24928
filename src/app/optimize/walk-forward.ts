/**
 * Walk-forward windows: an in-sample (train) span followed directly by an out-of-sample (test) span,
 * moved forward by `step` (default: the test length, so test spans tile the data without overlap).
 * Rolling: the train span moves with the window; anchored: it always starts at the first candle.
 * Only complete windows are made (a test span is never cut short). Ranges are candle indices [start, end).
 */
import { ConfigError } from '../../core/errors.js';

export interface WalkForwardWindow {
  readonly index: number;
  readonly trainStart: number;
  readonly trainEnd: number;
  readonly testStart: number;
  readonly testEnd: number;
}

export interface WindowOptions {
  /** In-sample length: candles, or ms when `unit` is 'ms'. */
  readonly train: number;
  /** Out-of-sample length, same unit. */
  readonly test: number;
  /** Distance between window starts, same unit; default `test`. */
  readonly step?: number;
  /** Train from the first candle every time (growing in-sample span). Default false (rolling). */
  readonly anchored?: boolean;
  readonly unit: 'candles' | 'ms';
}

function checkLengths(o: WindowOptions): number {
  const step = o.step ?? o.test;
  const problems: string[] = [];
  const unit = o.unit === 'ms' ? 'ms' : 'candles';
  for (const [name, v] of [
    ['train', o.train],
    ['test', o.test],
    ['step', step],
  ] as const) {
    if (!Number.isInteger(v) || v < 1)
      problems.push(`walk-forward ${name} must be an integer >= 1 ${unit}, got ${v}`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return step;
}

/** Windows over `n` candles by candle count. */
export function windowsByCount(n: number, o: Omit<WindowOptions, 'unit'>): WalkForwardWindow[] {
  const step = checkLengths({ ...o, unit: 'candles' });
  const out: WalkForwardWindow[] = [];
  for (let k = 0; ; k++) {
    const trainEnd = k * step + o.train;
    const testEnd = trainEnd + o.test;
    if (testEnd > n) break;
    out.push({
      index: k,
      trainStart: o.anchored === true ? 0 : k * step,
      trainEnd,
      testStart: trainEnd,
      testEnd,
    });
  }
  if (out.length === 0) {
    throw new ConfigError([
      `walk-forward needs train + test = ${o.train + o.test} candles, the data has ${n}: no window fits`,
    ]);
  }
  return out;
}

/** First index whose time is >= t (times ascending). */
function lowerBound(times: readonly number[], t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((times[mid] as number) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Windows by time: lengths in ms from the first candle's open time; a window is complete when its test
 * span ends at or before `end` (the end of the data: last open time + interval). Gaps in the data make
 * windows with fewer candles; a window whose train or test span holds no candle is an error.
 */
export function windowsByTime(
  openTimes: readonly number[],
  end: number,
  o: Omit<WindowOptions, 'unit'>,
): WalkForwardWindow[] {
  const step = checkLengths({ ...o, unit: 'ms' });
  const t0 = openTimes[0];
  if (t0 === undefined) throw new ConfigError(['walk-forward by time: the data has no candles']);
  const out: WalkForwardWindow[] = [];
  for (let k = 0; ; k++) {
    const trainFrom = o.anchored === true ? t0 : t0 + k * step;
    const testFrom = t0 + k * step + o.train;
    const testTo = testFrom + o.test;
    if (testTo > end) break;
    const w = {
      index: k,
      trainStart: lowerBound(openTimes, trainFrom),
      trainEnd: lowerBound(openTimes, testFrom),
      testStart: lowerBound(openTimes, testFrom),
      testEnd: lowerBound(openTimes, testTo),
    };
    if (w.trainEnd <= w.trainStart || w.testEnd <= w.testStart) {
      throw new ConfigError([
        `walk-forward window ${k} (${new Date(trainFrom).toISOString()} .. ${new Date(testTo).toISOString()}) has no candles in its train or test span`,
      ]);
    }
    out.push(w);
  }
  if (out.length === 0) {
    throw new ConfigError([
      `walk-forward needs train + test = ${o.train + o.test} ms, the data spans ${end - t0} ms: no window fits`,
    ]);
  }
  return out;
}

/** A duration: `123` (candles), or `30d`, `12h`, `90m`, `2w` (time). */
export function parseSpan(
  name: string,
  text: string,
): { readonly value: number; readonly unit: 'candles' | 'ms' } {
  const t = text.trim();
  if (/^\d+$/.test(t)) {
    const v = Number(t);
    if (v < 1) throw new ConfigError([`${name} must be >= 1 candle, got "${text}"`]);
    return { value: v, unit: 'candles' };
  }
  const m = /^(\d+(?:\.\d+)?)([mhdw])$/.exec(t);
  if (m === null) {
    throw new ConfigError([
      `${name} must be a candle count (e.g. 5000) or a duration (e.g. 90m, 12h, 30d, 2w), got "${text}"`,
    ]);
  }
  const unitMs = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[m[2] as 'm' | 'h' | 'd' | 'w'];
  const v = Math.round(Number(m[1]) * unitMs);
  if (v < 1) throw new ConfigError([`${name} must be a positive duration, got "${text}"`]);
  return { value: v, unit: 'ms' };
}
