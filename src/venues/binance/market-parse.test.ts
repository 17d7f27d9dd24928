import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sharedData } from '../../../test/support/shared-data.js';
import { readCsvFile, readTextFile } from '../files/csv.js';
import {
  parseMarketMessage,
  parseMarketMessageBytes,
  parseMarketMessageReference,
  type MarketMessage,
  type MarketMessageType,
} from './market-parse.js';

interface CapturedLine {
  readonly recvTimeMs: number;
  readonly json: string;
}

/**
 * Lines of a raw capture in ../shared/data/raw (formats per ../shared/data/README.md, "Raw captures"):
 * hftbacktest: "<local ts (us or ns)> <combined-stream JSON>"; cryptofeed: line 1 = URL, then
 * "<local epoch seconds>: <raw JSON>".
 */
function captureLines(relative: string): CapturedLine[] {
  const text = readTextFile(sharedData(relative));
  const out: CapturedLine[] = [];
  const cryptofeed = relative.includes('cryptofeed');
  const lines = text.split('\n');
  for (let n = cryptofeed ? 1 : 0; n < lines.length; n++) {
    const line = lines[n] ?? '';
    if (line.length === 0) continue;
    const sep = cryptofeed ? line.indexOf(': ') : line.indexOf(' ');
    const ts = line.slice(0, sep);
    const json = line.slice(sep + (cryptofeed ? 2 : 1));
    const recvTimeMs = cryptofeed
      ? Math.floor(Number(ts) * 1000)
      : ts.length >= 19
        ? Math.floor(Number(ts) / 1e6)
        : Math.floor(Number(ts) / 1e3);
    out.push({ recvTimeMs, json });
  }
  return out;
}

/** Structural equality with Object.is on primitives (so 0 vs -0 and NaN are told apart). */
function same(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!Object.hasOwn(b, k)) return false;
    if (!same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}

type Counts = Partial<Record<MarketMessageType, number>>;

// Expected message counts: ../shared/data/README.md, "Raw captures", the "message counts" sanity line of
// each file (depth@100ms / depth@0ms -> depth, kline_1m -> kline, markPrice@1s -> markPrice; the REST
// /depth snapshot line, "rest_depth_snapshot", is not a stream message and is rejected as unknown).
const CAPTURES: readonly (readonly [string, Counts])[] = [
  ['raw/cryptofeed/BINANCE.ws.1.0.txt.gz', { depth: 177, bookTicker: 84, aggTrade: 2, kline: 2 }],
  ['raw/cryptofeed/BINANCE_FUTURES.ws.1.0.txt.gz', { bookTicker: 613, depth: 764, kline: 67, aggTrade: 91 }],
  ['raw/hftbacktest/binance_spot_btcusdt_20230405_ws.txt.gz', { trade: 3144, bookTicker: 8015, depth: 3929 }],
  [
    'raw/hftbacktest/binance_spot_btcusdt_20240808_ws.txt.gz',
    { depth: 3451, bookTicker: 28040, trade: 9757, rejected: 1 },
  ],
  [
    'raw/hftbacktest/binance_spot_btcusdt_20240809_ws.txt.gz',
    { depth: 3044, bookTicker: 45134, trade: 10147 },
  ],
  [
    'raw/hftbacktest/binance_usdm_btcusdt_20230404_ws.txt.gz',
    { bookTicker: 6765, trade: 2197, rejected: 1, depth: 4322, markPrice: 99 },
  ],
  [
    'raw/hftbacktest/binance_usdm_btcusdt_20230405_ws.txt.gz',
    { depth: 11788, bookTicker: 37440, markPrice: 415, trade: 10738 },
  ],
  [
    'raw/hftbacktest/binance_usdm_btcusdt_20240808_ws.txt.gz',
    { depth: 6551, bookTicker: 66089, trade: 21313, rejected: 1 },
  ],
];

describe('market message parsers on every message of the real captures', () => {
  for (const [file, expected] of CAPTURES) {
    it(`fast and JSON.parse parsers agree on every line of ${file}, with the README's counts`, () => {
      const counts: Counts = {};
      const mismatches: string[] = [];
      const rejections: string[] = [];
      for (const { json, recvTimeMs } of captureLines(file)) {
        const fast = parseMarketMessage(json, recvTimeMs);
        const ref = parseMarketMessageReference(json, recvTimeMs);
        const bytes = parseMarketMessageBytes(Buffer.from(json, 'utf8'), recvTimeMs);
        if ((!same(fast, ref) || !same(bytes, ref)) && mismatches.length < 5) mismatches.push(json);
        counts[fast.type] = (counts[fast.type] ?? 0) + 1;
        if (fast.type === 'rejected') rejections.push(`${fast.reason}: ${json.slice(0, 20)}`);
      }
      expect(mismatches).toEqual([]);
      expect(counts).toEqual(expected);
      // the only rejected line of a capture is the REST depth snapshot that seeds the book
      for (const r of rejections) expect(r).toMatch(/^unknown: \{"lastUpdateId"/);
    });
  }
});

describe('parsed events equal the README-derived CSVs of the same capture', () => {
  // trades/ and quotes/ files below are "Derived from the raw capture(s) listed" (README), by the data
  // preparer's own extraction: an independent check of field mapping (T, p, q, m, t; u, b, B, a, A).
  const lines = captureLines('raw/hftbacktest/binance_spot_btcusdt_20230405_ws.txt.gz');
  const parsed = lines.map((l) => parseMarketMessage(l.json, l.recvTimeMs));

  it('trades match binance_spot_BTCUSDT_trades_20230405_ws.csv.gz row by row', () => {
    const csv = readCsvFile(sharedData('trades/binance_spot_BTCUSDT_trades_20230405_ws.csv.gz'));
    const trades = parsed.flatMap((m) => (m.type === 'trade' ? [m.event] : []));
    expect(trades.length).toBe(csv.rows.length);
    const bad = csv.rows.filter((row, n) => {
      const t = trades[n];
      if (t === undefined) return true;
      return (
        t.time !== Number(row[0]) ||
        t.price !== Number(row[1]) ||
        t.qty !== Number(row[2]) ||
        t.buyerIsMaker !== (row[3] === 'true') ||
        t.id !== Number(row[4]) ||
        t.symbol !== 'BTCUSDT'
      );
    });
    expect(bad).toEqual([]);
  });

  it('spot book tickers match binance_spot_BTCUSDT_bookticker_20230405_ws.csv.gz, timed at receive', () => {
    const csv = readCsvFile(sharedData('quotes/binance_spot_BTCUSDT_bookticker_20230405_ws.csv.gz'));
    const quotes = parsed.flatMap((m) => (m.type === 'bookTicker' ? [m.event] : []));
    expect(quotes.length).toBe(csv.rows.length);
    const bad = csv.rows.filter((row, n) => {
      const q = quotes[n];
      if (q === undefined) return true;
      return (
        q.updateId !== Number(row[1]) ||
        q.bidPrice !== Number(row[2]) ||
        q.bidQty !== Number(row[3]) ||
        q.askPrice !== Number(row[4]) ||
        q.askQty !== Number(row[5]) ||
        q.time !== Math.floor(Number(row[0]) / 1e6) // spot bookTicker has no E: receive time is used
      );
    });
    expect(bad).toEqual([]);
  });
});

describe('market message parser: single messages', () => {
  it('maps a futures bookTicker with its event time and a spot one with the receive time', () => {
    const fut =
      '{"stream":"btcusdt@bookTicker","data":{"e":"bookTicker","u":2710246762461,"s":"BTCUSDT","b":"28145.10","B":"3.868","a":"28145.20","A":"6.887","T":1680652700430,"E":1680652700435}}';
    expect(parseMarketMessage(fut, 1)).toEqual({
      type: 'bookTicker',
      event: {
        symbol: 'BTCUSDT',
        time: 1680652700435,
        bidPrice: 28145.1,
        bidQty: 3.868,
        askPrice: 28145.2,
        askQty: 6.887,
        updateId: 2710246762461,
      },
    });
    const spot =
      '{"u":36090299876,"s":"BTCUSDT","b":"28165.47000000","B":"7.98680000","a":"28165.48000000","A":"3.26888000"}';
    const m = parseMarketMessage(spot, 1680652800004);
    expect(m.type === 'bookTicker' && m.event.time).toBe(1680652800004);
  });

  it('maps an aggTrade: a = id, T = time, m = buyer is maker', () => {
    const raw =
      '{"e":"aggTrade","E":1633998523963,"s":"NKNUSDT","a":15683430,"p":"0.35280000","q":"58.00000000","f":19862790,"l":19862790,"T":1633998523963,"m":false,"M":true}';
    expect(parseMarketMessage(raw, 0)).toEqual({
      type: 'aggTrade',
      event: {
        symbol: 'NKNUSDT',
        time: 1633998523963,
        price: 0.3528,
        qty: 58,
        buyerIsMaker: false,
        id: 15683430,
      },
    });
  });

  it('maps a markPriceUpdate with a negative funding rate', () => {
    const raw =
      '{"e":"markPriceUpdate","E":1680652701000,"s":"BTCUSDT","p":"28147.27373413","P":"28142.15563565","i":"28159.75642857","r":"-0.00002754","T":1680652800000}';
    const m = parseMarketMessage(raw, 0);
    expect(m).toEqual({
      type: 'markPrice',
      event: {
        symbol: 'BTCUSDT',
        time: 1680652701000,
        markPrice: 28147.27373413,
        indexPrice: 28159.75642857,
        fundingRate: -0.00002754,
        nextFundingTime: 1680652800000,
      },
    });
  });

  it('maps a kline into a forming candle and rejects an interval the domain does not know', () => {
    const raw =
      '{"stream":"nknusdt@kline_1m","data":{"e":"kline","E":1633998523963,"s":"NKNUSDT","k":{"t":1633998480000,"T":1633998539999,"s":"NKNUSDT","i":"1m","f":19862761,"L":19862790,"o":"0.35270000","c":"0.35280000","h":"0.35280000","l":"0.35220000","v":"25877.00000000","n":30,"x":false,"q":"9116.04600000","V":"58.00000000","Q":"20.46240000","B":"0"}}}';
    const m = parseMarketMessage(raw, 0);
    expect(m).toMatchObject({
      type: 'kline',
      event: {
        symbol: 'NKNUSDT',
        interval: '1m',
        openTime: 1633998480000,
        open: 0.3527,
        close: 0.3528,
        trades: 30,
      },
    });
    expect(m.type === 'kline' && m.event.closed).toBe(false);
    expect(parseMarketMessage(raw.replace('"i":"1m"', '"i":"1M"'), 0)).toEqual({
      type: 'rejected',
      reason: 'invalid',
      detail: 'field k.i',
    });
  });

  it('maps a futures depth update with pu and T, levels as numbers', () => {
    const raw =
      '{"e":"depthUpdate","E":1626992741037,"T":1626992741024,"s":"SUSHIUSDT","U":600859599090,"u":600859600917,"pu":600859598061,"b":[["7.5040","813"],["7.6090","0"]],"a":[]}';
    expect(parseMarketMessage(raw, 0)).toEqual({
      type: 'depth',
      event: {
        symbol: 'SUSHIUSDT',
        time: 1626992741037,
        transactTime: 1626992741024,
        firstUpdateId: 600859599090,
        finalUpdateId: 600859600917,
        prevFinalUpdateId: 600859598061,
        bids: [
          [7.504, 813],
          [7.609, 0],
        ],
        asks: [],
      },
    });
  });

  it('returns typed rejections instead of throwing', () => {
    expect(parseMarketMessage('', 0)).toEqual({ type: 'rejected', reason: 'malformed', detail: 'not JSON' });
    expect(parseMarketMessage('{"stream":"x@trade","data":{"e":"trade"', 0).type).toBe('rejected');
    expect(parseMarketMessage('{"result":null,"id":1}', 0)).toMatchObject({
      type: 'rejected',
      reason: 'unknown',
    });
    expect(parseMarketMessage('{"e":"forceOrder","E":1}', 0)).toMatchObject({ reason: 'unknown' });
    const bad = '{"e":"trade","E":1,"s":"BTCUSDT","t":1,"p":"-1.0","q":"1","T":1,"m":true}';
    expect(parseMarketMessage(bad, 0)).toEqual({ type: 'rejected', reason: 'invalid', detail: 'field p' });
    const floatId = '{"e":"trade","E":1,"s":"BTCUSDT","t":1.5,"p":"1.0","q":"1","T":1,"m":true}';
    expect(parseMarketMessage(floatId, 0)).toEqual({
      type: 'rejected',
      reason: 'invalid',
      detail: 'field t',
    });
  });

  it('takes the last value of a duplicated key, like JSON.parse', () => {
    const dup = '{"e":"trade","E":1,"s":"BTCUSDT","t":1,"p":"1.0","q":"1","T":1,"m":true,"p":"2.5"}';
    const m = parseMarketMessage(dup, 0);
    expect(m.type === 'trade' && m.event.price).toBe(2.5);
  });
});

describe('market message parser: fuzzed real messages', () => {
  const samples = [
    ...captureLines('raw/cryptofeed/BINANCE_FUTURES.ws.1.0.txt.gz').slice(0, 200),
    ...captureLines('raw/hftbacktest/binance_usdm_btcusdt_20230404_ws.txt.gz').slice(0, 400),
    ...captureLines('raw/hftbacktest/binance_spot_btcusdt_20230405_ws.txt.gz').slice(0, 300),
  ]
    .map((l) => l.json)
    .filter((j) => j.length < 1000);
  const alphabet = [
    '\u0001',
    '\t',
    '"',
    '{',
    '}',
    ',',
    ':',
    '.',
    '-',
    '0',
    '9',
    'e',
    '\\',
    ' ',
    'x',
    '[',
    ']',
    'n',
    '1',
  ];

  it('fast and reference parsers agree on mutated messages (delete / insert / replace one or two chars)', () => {
    const mutation = fc.record({
      sample: fc.nat({ max: samples.length - 1 }),
      edits: fc.array(
        fc.record({
          op: fc.constantFrom('delete', 'insert', 'replace'),
          at: fc.nat(),
          ch: fc.constantFrom(...alphabet),
        }),
        { minLength: 1, maxLength: 2 },
      ),
    });
    fc.assert(
      fc.property(mutation, ({ sample, edits }) => {
        let s = samples[sample] ?? '';
        for (const { op, at, ch } of edits) {
          const i = at % (s.length + 1);
          s =
            op === 'delete'
              ? s.slice(0, i) + s.slice(i + 1)
              : op === 'insert'
                ? s.slice(0, i) + ch + s.slice(i)
                : s.slice(0, i) + ch + s.slice(i + 1);
        }
        const fast: MarketMessage = parseMarketMessage(s, 7);
        const ref: MarketMessage = parseMarketMessageReference(s, 7);
        // the frame form, as a view inside a bigger buffer (ws hands out such views): no read past its end
        const framed = Buffer.from(`${s}}]"0,`, 'utf8').subarray(0, Buffer.byteLength(s, 'utf8'));
        return same(fast, ref) && same(parseMarketMessageBytes(framed, 7), ref);
      }),
      { numRuns: 10_000, seed: 9 },
    );
  });

  it('reads every decimal-like price and quantity text exactly as Number() does, or rejects it like the reference', () => {
    const chars = fc.constantFrom('0', '0', '0', '1', '5', '9', '.', '-');
    const decimalish = fc.array(chars, { minLength: 0, maxLength: 22 }).map((a) => a.join(''));
    fc.assert(
      fc.property(decimalish, decimalish, (p, q) => {
        const msg = `{"stream":"x@aggTrade","data":{"e":"aggTrade","E":1,"s":"X","a":1,"p":"${p}","q":"${q}","f":1,"l":1,"T":1,"m":true}}`;
        const fast = parseMarketMessage(msg, 0);
        if (!same(fast, parseMarketMessageReference(msg, 0))) return false;
        const ok = /^\d+(\.\d+)?$/.test(p) && /^\d+(\.\d+)?$/.test(q);
        return ok
          ? fast.type === 'aggTrade' && Object.is(fast.event.price, Number(p))
          : fast.type === 'rejected';
      }),
      { numRuns: 10_000, seed: 11 },
    );
    for (const [text, value] of [
      ['1.000', 1],
      ['58000', 58000],
      ['10', 10],
      ['0.0', 0],
      ['00.10', 0.1],
      ['61685.99000000', 61685.99],
      ['123456789012345678.5', Number('123456789012345678.5')],
    ] as const) {
      const m = parseMarketMessage(
        `{"e":"trade","E":1,"s":"X","t":1,"p":"${text}","q":"1","T":1,"m":true}`,
        0,
      );
      expect(m.type === 'trade' && m.event.price).toBe(value);
    }
    for (const text of ['1.0.0', '1.', '.5', '1.5.00', '', '1e5']) {
      const m = parseMarketMessage(
        `{"e":"trade","E":1,"s":"X","t":1,"p":"${text}","q":"1","T":1,"m":true}`,
        0,
      );
      expect(m).toEqual({ type: 'rejected', reason: 'invalid', detail: 'field p' });
    }
  });

  it('fast and reference parsers agree on mutated depth updates (levels, pu, T)', () => {
    const depth = [
      '{"stream":"sushiusdt@depth@100ms","data":{"e":"depthUpdate","E":1626992741037,"T":1626992741024,"s":"SUSHIUSDT","U":600859599090,"u":600859600917,"pu":600859598061,"b":[["7.5040","813"],["7.6090","0"],["7.6110","2"]],"a":[["7.6150","1563"],["7.6220","3284"]]}}',
      '{"stream":"nknusdt@depth@100ms","data":{"e":"depthUpdate","E":1633998512068,"s":"NKNUSDT","U":499869750,"u":499869752,"b":[["0.35130000","6195.00000000"]],"a":[]}}',
    ];
    fc.assert(
      fc.property(
        fc.nat({ max: depth.length - 1 }),
        fc.nat(),
        fc.constantFrom('"', '[', ']', ',', '.', '0', '5', 'x', '-', ''),
        fc.constantFrom('delete', 'insert', 'replace'),
        (k, at, ch, op) => {
          const base = depth[k] ?? '';
          const i = at % (base.length + 1);
          const s =
            op === 'delete'
              ? base.slice(0, i) + base.slice(i + 1)
              : op === 'insert'
                ? base.slice(0, i) + ch + base.slice(i)
                : base.slice(0, i) + ch + base.slice(i + 1);
          return same(parseMarketMessage(s, 0), parseMarketMessageReference(s, 0));
        },
      ),
      { numRuns: 10_000, seed: 13 },
    );
  });

  it('bytes and string entry points agree with the reference on non-ASCII and truncated input', () => {
    const trade =
      '{"stream":"btcusdt@trade","data":{"e":"trade","E":1,"T":2,"s":"BTCUSDT","t":3,"p":"61800.30","q":"0.006","X":"MARKET","m":false}}';
    const cases = [
      trade.replace('"BTCUSDT"', '"BTCUSDT\u00e9"'), // non-ASCII symbol: decoded by JSON.parse
      trade.replace('"BTCUSDT"', '"BTC\\uD800"'), // escape: left to JSON.parse
      trade.replace('"BTCUSDT"', '"BTC\uD800"'), // lone surrogate in the symbol
      trade.replace('"MARKET"', '"MARK\u00c9T"'), // non-ASCII in a field that is not used
      trade.replace('"61800.30"', '"12345678901234.50000000000"'), // 14 significant digits, 25 in all
      trade.replace('"61800.30"', '"1234567890123456.5"'), // 17 digits: Number() itself
      trade.replace('"0.006"', '"0.00000000000000000000000001"'),
    ];
    for (const text of cases) {
      const ref = parseMarketMessageReference(text, 5);
      expect(parseMarketMessage(text, 5)).toEqual(ref);
      // the bytes are compared with the text they decode to (a lone surrogate is encoded as U+FFFD)
      const bytes = Buffer.from(text, 'utf8');
      expect(parseMarketMessageBytes(bytes, 5)).toEqual(
        parseMarketMessageReference(bytes.toString('utf8'), 5),
      );
    }
    // the string entry point reuses a scratch buffer: a truncated message after a longer one must not
    // be completed by the longer one's stale bytes
    for (let cut = 1; cut < trade.length; cut++) {
      expect(parseMarketMessage(trade, 5).type).toBe('trade');
      const text = trade.slice(0, cut);
      expect(parseMarketMessage(text, 5)).toEqual(parseMarketMessageReference(text, 5));
      expect(parseMarketMessageBytes(Buffer.from(trade).subarray(0, cut), 5)).toEqual(
        parseMarketMessageReference(text, 5),
      );
    }
    const m = parseMarketMessage(cases[4] ?? '', 5);
    expect(m.type === 'trade' && m.event.price).toBe(Number('12345678901234.5'));
  });

  it('never throws on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        parseMarketMessage(s, 0);
        parseMarketMessage(`{"stream":"a","data":{${s}}}`, 0);
        parseMarketMessageBytes(Buffer.from(s, 'utf8'), 0);
      }),
      { numRuns: 5_000, seed: 9 },
    );
  });
});
