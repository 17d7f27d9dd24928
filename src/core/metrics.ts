import * as hdr from 'hdr-histogram-js';

/** Latency histogram in nanoseconds (HDR, 3 significant digits, 1 ns .. 60 s). */
export class LatencyHistogram {
  private readonly h: hdr.Histogram;

  constructor() {
    this.h = hdr.build({
      lowestDiscernibleValue: 1,
      highestTrackableValue: 60_000_000_000,
      numberOfSignificantValueDigits: 3,
      bitBucketSize: 'packed',
      useWebAssembly: false,
    });
  }

  record(ns: number): void {
    this.h.recordValue(ns < 1 ? 1 : Math.min(ns, 60_000_000_000));
  }

  get count(): number {
    return this.h.totalCount;
  }

  percentile(p: number): number {
    return this.h.getValueAtPercentile(p);
  }

  summary(): LatencySummary {
    return {
      count: this.h.totalCount,
      p50: this.h.getValueAtPercentile(50),
      p99: this.h.getValueAtPercentile(99),
      max: this.h.maxValue,
      mean: this.h.totalCount === 0 ? 0 : this.h.mean,
    };
  }

  reset(): void {
    this.h.reset();
  }
}

export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

/** Named monotonically increasing counters. */
export class Counters {
  private readonly values = new Map<string, number>();

  inc(name: string, by = 1): void {
    this.values.set(name, (this.values.get(name) ?? 0) + by);
  }

  get(name: string): number {
    return this.values.get(name) ?? 0;
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.values.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }
}
