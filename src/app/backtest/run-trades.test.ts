/**
 * Trade-data backtests. Oracle: ../shared/data/README.md "Trades -> klines oracle": the 12,477 XRPETH
 * aggTrades of trades/binance_spot_XRPETH_aggtrades_20191011_20191013 aggregated per minute are Binance's
 * own 1m klines in klines/binance_spot_XRPETH_1m_20191011_20191013 (all 3,560 rows, 1,091 of them
 * zero-volume minutes).
 *
 * XRPETH settles in ETH, and the trade layer's wallet asset is fixed to USDT (src/app/engine.ts passes
 * quoteAsset 'USDT' to the TradeEngine), so defaultInstrument refuses it. The run is given an instrument
 * with XRPETH's exchange filters (tick 0.00000001 ETH, step 1 XRP, min notional 0.01 ETH) whose quote
 * asset is *labelled* USDT: balances, PnL and fees below are amounts of ETH under that label.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { sharedData } from '../../../test/support/shared-data.js';
import { silentLogger } from '../../core/logger.js';
import { loadConfig } from '../../config/load.js';
import type { Instrument } from '../../domain/instrument.js';
import type { Candle, Trade } from '../../domain/market.js';
import type { Signal } from '../../domain/signal.js';
import { loadKlines, loadTrades } from '../../venues/files/market-csv.js';
import { backtestJson, formatBacktest } from './report.js';
import { runBacktest, runBacktestDetailed, type BacktestRun } from './run.js';
import { canonicalSignal } from './trades.js';

const TRADES = sharedData('trades/binance_spot_XRPETH_aggtrades_20191011_20191013.csv.gz');
const KLINES = sharedData('klines/binance_spot_XRPETH_1m_20191011_20191013.csv');
const { config } = loadConfig({ env: {}, cwd: tmpdir() });

const XRPETH: Instrument = {
  symbol: 'XRPETH',
  market: config.market,
  baseAsset: 'XRP',
  quoteAsset: 'USDT', // label only: the amounts are ETH (see the file comment)
  tickSize: '0.00000001',
  minPrice: '0.00000001',
  maxPrice: '0',
  stepSize: '1',
  minQty: '1',
  maxQty: '90000000',
  minNotional: '0.01',
  maintMarginRate: '0.01',
};
const common = { config, instrument: XRPETH, balance: 100, journal: false, logger: silentLogger } as const;

/** Float sums of volumes: the tolerance and its reasoning are those of src/data/real-data.test.ts. */
const VOLUME_REL_TOL = 1e-11;

describe('trade backtest on the XRPETH aggTrades', () => {
  let fromTrades: BacktestRun;
  let fromKlines: BacktestRun;
  beforeAll(async () => {
    fromTrades = await runBacktestDetailed({ ...common, data: TRADES });
    fromKlines = await runBacktestDetailed({ ...common, data: KLINES });
  });

  it('builds from the trades the 3,560 Binance 1m klines of the same download (the zero-volume minutes included)', () => {
    const expected = loadKlines(KLINES, 'XRPETH', '1m');
    const built = fromTrades.candles;
    expect(built).toHaveLength(3560);
    expect(fromTrades.result.candles).toBe(3560);
    expect(fromTrades.result.candles_closed).toBe(3560);
    built.forEach((b, i) => {
      const e = expected[i] as Candle;
      const row = `row ${i} (${new Date(e.openTime).toISOString()})`;
      expect(b.openTime, row).toBe(e.openTime);
      expect([b.open, b.high, b.low, b.close], row).toEqual([e.open, e.high, e.low, e.close]);
      expect(Math.abs(b.volume - e.volume), row).toBeLessThanOrEqual(VOLUME_REL_TOL * Math.max(1, e.volume));
    });
    const td = fromTrades.result.trade_data;
    expect(td).toMatchObject({ trades_read: 12_477, out_of_order: 0, flat_bars: 1091 });
    expect(fromTrades.result).toMatchObject({
      data_kind: 'trades',
      duplicates: 0,
      rejected: 0,
      gaps: 0,
      errors: 0,
    });
  });

  it('gives the brain the same decisions as the kline backtest; sizes follow the equity, which the fills move', () => {
    const k = fromKlines.signals;
    const t = fromTrades.signals;
    expect(k.length).toBeGreaterThan(10);
    expect(t).toHaveLength(k.length);
    const withoutSize = (s: Signal): string => canonicalSignal({ ...s, position_size: 0 });
    // every field but the size: same candle, engine time, side, confidence, levels, patterns
    expect(t.map(withoutSize)).toEqual(k.map(withoutSize));
    // the size is a risk fraction of equity: equal until the first exit the two fill models price
    // differently, then in proportion to the equity each run has
    const kt = fromKlines.result.trade_list;
    const tt = fromTrades.result.trade_list;
    const firstDiff = kt.findIndex((x, i) => x.exitPrice !== tt[i]?.exitPrice);
    expect(firstDiff).toBeGreaterThanOrEqual(0);
    const until = (kt[firstDiff]?.exitTime ?? 0) - 60_000;
    const before = k.filter((s) => s.decidedAt < until);
    expect(before.length).toBeGreaterThan(0);
    expect(t.slice(0, before.length).map(canonicalSignal)).toEqual(before.map(canonicalSignal));
  });

  it('fills resting targets and stops at the trade that crosses them, at its time (model 2), not at the bar close', () => {
    const kt = fromKlines.result.trade_list;
    const tt = fromTrades.result.trade_list;
    expect(tt).toHaveLength(kt.length);
    const trades = loadTrades(TRADES, 'XRPETH');
    const priceAt = new Map(trades.map((x) => [x.time, x.price]));
    let differentExits = 0;
    tt.forEach((x, i) => {
      const ref = kt[i];
      expect(x.entryPrice).toBe(ref?.entryPrice); // market entries at the close: the last trade price = the kline close
      expect(x.entryTime).toBe(ref?.entryTime);
      // the kline run exits at a bar's close time; the trade run at the crossing trade's own time and price
      expect((ref?.exitTime ?? 0) % 60_000).toBe(59_999);
      expect(priceAt.get(x.exitTime)).toBeDefined();
      if (x.exitPrice !== ref?.exitPrice) differentExits++;
      // a target sells at or above its level, a stop at or beyond it (the trade that crossed)
      const beyond = x.exitReason === 'target' ? 1 : -1;
      const dir = x.side === 'LONG' ? 1 : -1;
      const level = x.exitReason === 'target' ? x.takeProfit : x.stop;
      expect(dir * beyond * (x.exitPrice - level)).toBeGreaterThanOrEqual(-1e-8); // within a tick
    });
    expect(differentExits).toBeGreaterThan(0);
  });

  it('is deterministic: two runs on the trade file give the same trade list and fingerprint', async () => {
    const again = await runBacktestDetailed({ ...common, data: TRADES });
    expect(fromTrades.result.trades).toBeGreaterThan(3);
    expect(again.canonicalTrades).toBe(fromTrades.canonicalTrades);
    expect(again.result.fingerprint).toBe(fromTrades.result.fingerprint);
    expect(again.signals.map(canonicalSignal)).toEqual(fromTrades.signals.map(canonicalSignal));
    // not the kline run's fingerprint (the exits differ), and marking at every trade is another run too
    expect(fromTrades.result.fingerprint).not.toBe(fromKlines.result.fingerprint);
    const perTrade = await runBacktest({ ...common, data: TRADES, markEvery: 'trade' });
    expect(perTrade.trade_data?.marks).toBeGreaterThan(fromTrades.result.trade_data?.marks ?? Infinity);
  });

  it('reports trades read, candles built and the data counts in the summary and the JSON', () => {
    const text = formatBacktest(fromTrades.result);
    expect(text).toContain('AEGIS backtest XRPETH 1m: 3,560 candles built from 12,477 trades');
    expect(text).toMatch(
      /trade data +12,477 trades read, 0 duplicates, 0 out of order \(0 rejected\), [\d,]+ marks \(per candle\)/,
    );
    expect(text).toMatch(/candles +3,560 built, 1,091 flat \(no trade; longest run \d+\), 0 gaps/);
    expect(text).toMatch(/speed +[\d,]+ trades\/s, [\d,]+ candles\/s/);
    const json = JSON.parse(backtestJson(fromTrades.result)) as Record<string, unknown>;
    expect(json.data_kind).toBe('trades');
    expect(json.trade_data).toMatchObject({ trades_read: 12_477, flat_bars: 1091, mark_every: 'candle' });
    expect(formatBacktest(fromKlines.result)).not.toContain('trade data');
  });
});

describe('trade backtest of a directory of Binance aggTrades dumps', () => {
  it('reads the day files one at a time and gives the single-file run: same candles, fingerprint, signals', async () => {
    // the XRPETH aggTrades rewritten as data.binance.vision spot dumps: headerless
    // agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker,is_best_match
    const all = loadTrades(TRADES, 'XRPETH');
    const dir = mkdtempSync(path.join(tmpdir(), 'aegis-bt-agg-'));
    const DAY = 86_400_000;
    const days = [...new Set(all.map((t) => Math.floor(t.time / DAY)))];
    expect(days).toHaveLength(3);
    days.forEach((d, i) => {
      const text =
        all
          .filter((t) => Math.floor(t.time / DAY) === d)
          .map((t) =>
            [t.id, t.price, t.qty, 0, 0, t.time, t.buyerIsMaker ? 'True' : 'False', 'True'].join(','),
          )
          .join('\n') + '\n';
      const name = `XRPETH-aggTrades-${new Date(d * DAY).toISOString().slice(0, 10)}.csv`;
      writeFileSync(path.join(dir, i === 1 ? `${name}.gz` : name), i === 1 ? gzipSync(text) : text);
    });
    const seen: [number, number][] = [];
    const fromDir = await runBacktestDetailed({
      ...common,
      data: dir,
      progressEvery: 500,
      onProgress: (done, total) => seen.push([done, total]),
    });
    const single = await runBacktestDetailed({ ...common, data: TRADES });
    expect(fromDir.result.data_files).toHaveLength(3);
    expect(fromDir.result.trade_data?.trades_read).toBe(12_477);
    expect(fromDir.candles).toEqual(single.candles);
    expect(fromDir.result.fingerprint).toBe(single.result.fingerprint);
    expect(fromDir.signals.map(canonicalSignal)).toEqual(single.signals.map(canonicalSignal));
    // progress in candles built; the total (estimated from the file starts) is exact at the end
    expect(seen.map(([d]) => d)).toEqual([500, 1000, 1500, 2000, 2500, 3000, 3500]);
    expect(seen[seen.length - 1]?.[1]).toBe(3560);
  });
});

describe('trade backtest: repeats, disorder, from/to', () => {
  let trades: Trade[] = [];
  beforeAll(() => {
    trades = loadTrades(TRADES, 'XRPETH').slice(0, 3_000);
  });

  it('drops a repeated trade and an older one as the data layer counts them; the candles are unchanged', async () => {
    const clean = await runBacktestDetailed({ ...common, trades, symbol: 'XRPETH' });
    const dirty = [
      ...trades.slice(0, 1_000),
      trades[999] as Trade, // the same trade again (same id, time, price, qty)
      trades[500] as Trade, // an old trade, out of order
      ...trades.slice(1_000),
    ];
    const r = await runBacktestDetailed({ ...common, trades: dirty, symbol: 'XRPETH' });
    expect(r.result.duplicates).toBe(1);
    expect(r.result.rejected).toBe(1);
    expect(r.result.trade_data).toMatchObject({ trades_read: 3_002, out_of_order: 1 });
    expect(r.candles).toEqual(clean.candles);
    expect(r.result.fingerprint).toBe(clean.result.fingerprint);
  });

  it('keeps trades in [from, to) and builds the bars they span', async () => {
    const from = Date.parse('2019-10-11T06:00:00Z');
    const to = Date.parse('2019-10-11T12:00:00Z');
    const r = await runBacktest({ ...common, data: TRADES, from, to });
    const inside = loadTrades(TRADES, 'XRPETH').filter((t) => t.time >= from && t.time < to);
    expect(r.trade_data?.trades_read).toBe(inside.length);
    const first = Math.floor((inside[0] as Trade).time / 60_000);
    const last = Math.floor((inside[inside.length - 1] as Trade).time / 60_000);
    expect(r.candles).toBe(last - first + 1);
  });

  it('builds the trading interval asked for (5m) from the same trades', async () => {
    const r = await runBacktestDetailed({ ...common, data: TRADES, interval: '5m' });
    const k5 = loadKlines(sharedData('klines/binance_spot_XRPETH_5m_20191011_20191013.csv'), 'XRPETH', '5m');
    expect(r.candles.map((c) => [c.openTime, c.open, c.high, c.low, c.close])).toEqual(
      k5.map((c) => [c.openTime, c.open, c.high, c.low, c.close]),
    );
  });

  it('refuses given trades of another symbol, and a non-USDT symbol without an instrument', async () => {
    await expect(runBacktest({ ...common, trades, symbol: 'BTCUSDT' })).rejects.toThrow(
      'runBacktest of BTCUSDT was given a XRPETH trade',
    );
    await expect(runBacktest({ config, journal: false, logger: silentLogger, data: TRADES })).rejects.toThrow(
      /backtest of XRPETH: only \*USDT symbols are supported/,
    );
  });
});
