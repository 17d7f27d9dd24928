/**
 * The streaming detectors use running extremes, sorted queues and skip thresholds to stay O(1) amortised per
 * candle. This file checks them against a literal, slow transcription of ../shared/reference/smc-spec.md
 * (sections 1–4: every window and every range scanned in full) on random tick-rounded series full of ties
 * and on real ETHUSDT 15m klines from ../shared/data/klines/.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCsvFile } from '../../venues/files/csv.js';
import { sharedData } from '../../../test/support/shared-data.js';
import { runSmc } from './batch.js';
import type { SmcBar, SmcEvent } from './types.js';

interface NaiveSwing {
  side: 1 | -1;
  row: number;
  level: number;
}

/** Spec sections 1–4 written as directly as possible (O(n·L) swings, O(n²) worst case elsewhere). */
function naiveSmc(b: readonly SmcBar[], L: number, closeBreak: boolean, closeMitigation: boolean): string[] {
  const out: string[] = [];
  const h = (k: number): number => (b[k] as SmcBar).high;
  const l = (k: number): number => (b[k] as SmcBar).low;
  const o = (k: number): number => (b[k] as SmcBar).open;
  const c = (k: number): number => (b[k] as SmcBar).close;
  let pending: NaiveSwing | null = null;
  let H: (NaiveSwing & { broken: boolean }) | null = null;
  let Lw: (NaiveSwing & { broken: boolean }) | null = null;
  let trend = 0;
  const blocks: { dir: number; row: number; top: number; bottom: number; state: 0 | 1 | 2; t: number }[] = [];
  const gaps: { dir: number; row: number; top: number; bottom: number; state: 0 | 1 | 2 }[] = [];
  for (let t = 0; t < b.length; t++) {
    for (const ob of blocks) {
      if (ob.state === 2) continue;
      const lowSide = closeMitigation ? Math.min(o(t), c(t)) : l(t);
      const highSide = closeMitigation ? Math.max(o(t), c(t)) : h(t);
      if (ob.state === 1) {
        if (ob.dir === 1 ? h(t) > ob.top : l(t) < ob.bottom) {
          ob.state = 2;
          out.push(`ob,invalidated,${ob.dir},${ob.row},${ob.top},${ob.bottom},${t}`);
        }
      } else if (ob.dir === 1 ? lowSide < ob.bottom : highSide > ob.top) {
        ob.state = 1;
        out.push(`ob,mitigated,${ob.dir},${ob.row},${ob.top},${ob.bottom},${t}`);
      }
    }
    for (const g of gaps) {
      if (g.state === 0 && (g.dir === 1 ? l(t) <= g.top : h(t) >= g.bottom)) {
        g.state = 1;
        out.push(`fvg,mitigated,${g.dir},${g.row},${g.top},${g.bottom},${t}`);
      }
      if (g.state === 1 && (g.dir === 1 ? l(t) < g.bottom : h(t) > g.top)) {
        g.state = 2;
        out.push(`fvg,filled,${g.dir},${g.row},${g.top},${g.bottom},${t}`);
      }
    }
    if (t >= 2) {
      const i = t - 1;
      let g: (typeof gaps)[number] | null = null;
      if (c(i) > o(i) && h(i - 1) < l(t)) g = { dir: 1, row: i, top: l(t), bottom: h(i - 1), state: 0 };
      else if (c(i) < o(i) && l(i - 1) > h(t)) g = { dir: -1, row: i, top: l(i - 1), bottom: h(t), state: 0 };
      if (g !== null) {
        gaps.push(g);
        out.push(`fvg,created,${g.dir},${g.row},${g.top},${g.bottom},${t}`);
      }
    }
    const i = t - L;
    if (i >= 2 * L - 1) {
      let maxH = -Infinity;
      let minL = Infinity;
      for (let k = i - L + 1; k <= i + L; k++) {
        maxH = Math.max(maxH, h(k));
        minL = Math.min(minL, l(k));
      }
      const side = h(i) === maxH ? 1 : l(i) === minL ? -1 : 0;
      if (side !== 0) {
        const level = side === 1 ? h(i) : l(i);
        let becomesPending = false;
        if (pending === null) becomesPending = true;
        else if (pending.side === side) {
          if (side === 1 ? level > pending.level : level < pending.level) {
            out.push(`swing,replaced,${side},${i},${level},${t}`);
            pending = { side, row: i, level };
            if (side === 1) H = { ...pending, broken: false };
            else Lw = { ...pending, broken: false };
          }
        } else {
          out.push(`swing,final,${pending.side},${pending.row},${pending.level},${t}`);
          becomesPending = true;
        }
        if (becomesPending) {
          out.push(`swing,pending,${side},${i},${level},${t}`);
          pending = { side, row: i, level };
          if (side === 1) H = { ...pending, broken: false };
          else Lw = { ...pending, broken: false };
        }
      }
    }
    for (const dir of [1, -1] as const) {
      const p = dir === 1 ? H : Lw;
      if (p === null || p.broken) continue;
      const price = closeBreak ? c(t) : dir === 1 ? h(t) : l(t);
      if (dir === 1 ? price > p.level : price < p.level) {
        p.broken = true;
        out.push(`structure,${dir},${trend === -dir ? 'CHOCH' : 'BOS'},${p.level},${p.row},${t}`);
        trend = dir;
        let x = -1;
        for (let k = p.row + 1; k <= t - 1; k++)
          if (x < 0 || (dir === 1 ? l(k) <= l(x) : h(k) >= h(x))) x = k;
        if (x < 0) x = t - 1;
        blocks.push({ dir, row: x, top: h(x), bottom: l(x), state: 0, t });
        out.push(`ob,created,${dir},${x},${h(x)},${l(x)},${t}`);
      }
    }
  }
  return out.sort();
}

function engineStrings(events: readonly SmcEvent[]): string[] {
  const out: string[] = [];
  for (const e of events) {
    switch (e.type) {
      case 'swing':
        out.push(`swing,${e.action},${e.side},${e.row},${e.level},${e.decidedRow}`);
        break;
      case 'structure':
        out.push(`structure,${e.direction},${e.kind},${e.level},${e.row},${e.decidedRow}`);
        break;
      case 'orderBlock':
        out.push(`ob,${e.action},${e.direction},${e.row},${e.top},${e.bottom},${e.decidedRow}`);
        break;
      case 'fvg':
        out.push(`fvg,${e.action},${e.direction},${e.row},${e.top},${e.bottom},${e.decidedRow}`);
        break;
      case 'liquidity':
      case 'range':
        break;
    }
  }
  return out.sort();
}

const walkArb = fc
  .array(
    fc.tuple(fc.integer({ min: -3, max: 3 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })),
    { maxLength: 250 },
  )
  .map((steps) => {
    let p = 100;
    return steps.map(([d, up, down], i): SmcBar => {
      const o = p;
      p += d;
      return {
        openTime: i,
        open: o,
        high: Math.max(o, p) + up,
        low: Math.min(o, p) - down,
        close: p,
        volume: 1,
      };
    });
  });

describe('optimised detectors = literal transcription of the spec (swings, structure, order blocks, FVG)', () => {
  it('on random tick-rounded series with ties, both break and mitigation modes', () => {
    fc.assert(
      fc.property(walkArb, fc.integer({ min: 1, max: 5 }), fc.boolean(), fc.boolean(), (data, L, cb, cm) => {
        const run = runSmc(data, {
          swingLength: L,
          closeBreak: cb,
          closeMitigation: cm,
          maxOrderBlocksPerSide: 1_000_000,
        });
        expect(engineStrings(run.events)).toEqual(naiveSmc(data, L, cb, cm));
      }),
      { numRuns: 300, seed: 42 },
    );
  });

  it('on ETHUSDT 15m klines (2,879 bars), L = 5 and L = 50', () => {
    const bars = readCsvFile(
      sharedData('klines/binance_spot_ETHUSDT_15m_20230401_20230501.csv'),
      true,
    ).rows.map((r): SmcBar => ({
      openTime: Number(r[0]),
      open: Number(r[1]),
      high: Number(r[2]),
      low: Number(r[3]),
      close: Number(r[4]),
      volume: Number(r[5]),
    }));
    for (const L of [5, 50]) {
      const run = runSmc(bars, { swingLength: L, maxOrderBlocksPerSide: 1_000_000 });
      const got = engineStrings(run.events);
      expect(got.length).toBeGreaterThan(500);
      expect(got).toEqual(naiveSmc(bars, L, true, false));
    }
  });
});
