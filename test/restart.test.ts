/**
 * Restart tests (issue 5, "Done when"): the engine as a real child process (`aegis run` in testnet mode,
 * test/support/restart-child.ts) trading against the Binance-compatible simulator (SimServer on
 * 127.0.0.1, started here) with a SQLite journal in a temp dir, killed with SIGKILL at points of an
 * order's life, restarted, then checked:
 *
 * - no duplicate order: client order ids unique at the venue, one entry per signal;
 * - no lost fill: the journal's fills add up to the venue's trades (GET /fapi/v1/userTrades) and to its
 *   position, with no (client order id, trade id) twice;
 * - the position the engine journaled after the restart equals the venue's (GET /fapi/v2/positionRisk);
 * - a stop-loss and a take-profit are open at the venue for the open position (GET openAlgoOrders).
 *
 * Kill points are chosen by events, never by wall-clock sleeps: the simulator's fault injection holds
 * the answer the child waits for (delay) or fails the protective submits (503, not executed), and the
 * test kills once the simulator's own state shows the point is reached (a position exists; N protective
 * orders are open; N errors were served). The market is the seeded SyntheticMarket pushed by the test
 * in batches, with an event-loop turn between batches; the child's strategy proposes an entry on every
 * closed 1m candle (restart-child.ts), so the first signal comes within the first simulated minutes.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setImmediate as turn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { Decimal } from '../src/domain/decimal.js';
import { openJournal } from '../src/store/open.js';
import { parseClientOrderId, signalKey } from '../src/trade/orders/client-id.js';
import { USDM_BTCUSDT } from '../src/venues/sim/instruments.js';
import { type FaultSpec } from '../src/venues/sim/server/faults.js';
import { SimServer } from '../src/venues/sim/server/index.js';
import { EXAMPLE_KEY, EXAMPLE_SECRET, PlainClient } from '../src/venues/sim/server/test-support.js';
import { DEMO_SYMBOLS, SyntheticMarket } from '../src/venues/synthetic/generator.js';

const S = 'BTCUSDT';
const PREFIX = 'aegis';
const ROOT = path.resolve(import.meta.dirname, '..');

class Child {
  readonly out: string[] = [];
  readonly err: string[] = [];
  readonly exited: Promise<number | null>;
  private readonly waits: { text: string; times: number; resolve: () => void }[] = [];
  private readonly proc: ChildProcess;

  constructor(env: NodeJS.ProcessEnv) {
    this.proc = spawn(process.execPath, ['--import', 'tsx', 'test/support/restart-child.ts'], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines = (sink: string[]) => {
      let rest = '';
      return (chunk: Buffer): void => {
        const parts = (rest + chunk.toString('utf8')).split('\n');
        rest = parts.pop() ?? '';
        for (const line of parts) {
          sink.push(line);
          for (const w of this.waits) if (this.count(w.text) >= w.times) w.resolve();
        }
      };
    };
    this.proc.stdout?.on('data', lines(this.out));
    this.proc.stderr?.on('data', lines(this.err));
    this.exited = new Promise((resolve) =>
      this.proc.on('exit', (code) => {
        resolve(code);
      }),
    );
  }

  count(text: string): number {
    return [...this.out, ...this.err].filter((l) => l.includes(text)).length;
  }

  /** Resolves when `times` stdout or stderr lines contain `text`; rejects if the child exits first. */
  seen(text: string, times = 1): Promise<void> {
    if (this.count(text) >= times) return Promise.resolve();
    const seen = new Promise<void>((resolve) => this.waits.push({ text, times, resolve }));
    return Promise.race([
      seen,
      this.exited.then((code) => {
        throw new Error(`child exited (${code}) before "${text}":\n${this.err.slice(-20).join('\n')}`);
      }),
    ]);
  }

  async kill(signal: NodeJS.Signals): Promise<void> {
    this.proc.kill(signal);
    await this.exited;
  }
}

interface KillPoint {
  readonly name: string;
  /** Faults armed before the first child starts (cleared before the restart). */
  readonly faults?: FaultSpec;
  /** The point is reached (read from the simulator's state after each market batch). */
  readonly reached: (server: SimServer, rest: PlainClient) => Promise<boolean>;
}

async function openAlgos(
  rest: PlainClient,
): Promise<{ clientAlgoId: string; orderType: string; quantity: string }[]> {
  const r = await rest.signed('GET', '/fapi/v1/openAlgoOrders', { symbol: S });
  return r.body as { clientAlgoId: string; orderType: string; quantity: string }[];
}

function venueQty(server: SimServer): Decimal {
  return Decimal.parse(server.engine.position(S)?.positionAmt ?? '0');
}

const KILL_POINTS: readonly KillPoint[] = [
  {
    // the entry is placed and filled; its answer is held and the user stream stalled: the child knows nothing
    name: 'entry placed, before its ack',
    faults: {
      http: [{ kind: 'delay', ms: 60_000, method: 'POST', path: '/fapi/v1/order', count: 1 }],
      stall: { target: 'user' },
    },
    reached: (server) => Promise.resolve(!venueQty(server).isZero()),
  },
  {
    // the entry filled (the child got its fill); every protective submit fails, not executed
    name: 'entry filled, before protection',
    faults: {
      http: [
        { kind: 'error', status: 503, executed: false, method: 'POST', path: '/fapi/v1/algoOrder', count: 0 },
      ],
    },
    reached: (server) => Promise.resolve(!venueQty(server).isZero() && server.faultStats.errors >= 2),
  },
  {
    // the stop-loss is placed, its answer held: no take-profit yet
    name: 'stop-loss placed, before its ack',
    faults: {
      http: [{ kind: 'delay', ms: 60_000, method: 'POST', path: '/fapi/v1/algoOrder', count: 1 }],
    },
    reached: async (_server, rest) => (await openAlgos(rest)).length >= 1,
  },
  {
    name: 'after protection',
    reached: async (_server, rest) => (await openAlgos(rest)).length >= 2,
  },
];

async function restartScenario(point: KillPoint, seed: number): Promise<void> {
  const cleanups: (() => Promise<void>)[] = [];
  try {
    await scenarioSteps(point, seed, cleanups);
  } finally {
    for (const c of cleanups.reverse()) await c();
  }
}

async function scenarioSteps(
  point: KillPoint,
  seed: number,
  cleanups: (() => Promise<void>)[],
): Promise<void> {
  const server = new SimServer({
    apiKey: EXAMPLE_KEY,
    apiSecret: EXAMPLE_SECRET,
    engine: { instruments: [USDM_BTCUSDT], balances: { USDT: '10000' } },
    housekeepingIntervalMs: 0,
  });
  const { restUrl, wsUrl } = await server.start();
  cleanups.push(() => server.stop());
  const rest = new PlainClient(restUrl, EXAMPLE_KEY, EXAMPLE_SECRET, { now: () => server.serverNow() });
  const db = path.join(mkdtempSync(path.join(tmpdir(), 'aegis-restart-')), 'journal.sqlite');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ENVIRONMENT: 'testnet',
    BINANCE_API_KEY: EXAMPLE_KEY,
    BINANCE_API_SECRET: EXAMPLE_SECRET,
    AEGIS_REST_URL: restUrl,
    AEGIS_WS_URL: wsUrl,
    AEGIS_SYMBOLS: S,
    AEGIS_INTERVALS: '1m',
    AEGIS_RUN_PREFIX: PREFIX,
    DATABASE_URL: db,
    LOG_LEVEL: 'info',
  };
  if (point.faults !== undefined) server.injectFaults(point.faults);

  const first = new Child(env);
  cleanups.push(() => first.kill('SIGKILL'));
  await first.seen('reconciled (start)');
  await first.seen('binance market stream connected');
  const btc = DEMO_SYMBOLS.filter((x) => x.symbol === S);
  const market = new SyntheticMarket({ seed, startTime: Date.now(), symbols: btc });
  const feed = async (n: number): Promise<void> => {
    for (let i = 0; i < n; i++) {
      const e = market.next();
      if (e.kind === 'trade') server.feedTrade(e.trade);
      else server.feedQuote(e.quote);
    }
    await turn(); // let the sockets and the child run
  };
  let sent = 0;
  while (!(await point.reached(server, rest))) {
    await feed(200);
    sent += 200;
    if (sent > 300_000) throw new Error(`kill point "${point.name}" not reached after ${sent} market events`);
  }
  if (point.name === 'after protection') {
    // a user-stream drop: the adapter reconnects and the engine reconciles again before trading resumes
    const before = first.count('reconciled (user stream (re)connect)');
    server.injectFaults({ dropSockets: 'user' });
    await first.seen('reconciled (user stream (re)connect)', before + 1);
  }
  // the kill lands a seeded random number of market events after the point (0..1999)
  await feed(Math.floor(seeded(seed)() * 2000));
  await first.kill('SIGKILL');
  server.clearFaults();

  const second = new Child(env);
  cleanups.push(() => second.kill('SIGKILL'));
  await second.seen('reconciled (start)');
  await second.kill('SIGTERM');

  // ---- the invariants, from the venue's REST answers and the journal
  const qty = venueQty(server);
  const orders = (await rest.signed('GET', '/fapi/v1/allOrders', { symbol: S })).body as {
    clientOrderId: string;
  }[];
  const algos = await openAlgos(rest);
  const trades = (await rest.signed('GET', '/fapi/v1/userTrades', { symbol: S })).body as { qty: string }[];
  const journal = await openJournal(db);
  try {
    const ours = [...orders.map((o) => o.clientOrderId), ...algos.map((a) => a.clientAlgoId)].filter(
      (id) => parseClientOrderId(id)?.prefix === PREFIX,
    );
    const regular = orders.map((o) => o.clientOrderId);
    expect(new Set(regular).size, 'client order ids unique at the venue').toBe(regular.length);
    const entries = ours.filter((id) => parseClientOrderId(id)?.role === 'entry');
    const keys = entries.map((id) => parseClientOrderId(id)?.key);
    expect(new Set(keys).size, 'one entry per signal').toBe(keys.length);
    // the child's journal knows every entry's signal: none was sent twice under another id
    const signals = await journal.signals();
    for (const k of keys) expect(signals.some((s) => signalKey(s.id) === k)).toBe(true);

    const fills = await journal.fills();
    const fillKeys = fills.map((f) => `${f.clientOrderId}/${f.tradeId}`);
    expect(new Set(fillKeys).size, 'each fill journaled once').toBe(fillKeys.length);
    const journaled = fills.reduce((s, f) => s.add(Decimal.parse(f.quantity)), Decimal.ZERO);
    const traded = trades.reduce((s, t) => s.add(Decimal.parse(t.qty)), Decimal.ZERO);
    expect(journaled.toString(), 'journaled fill quantity = venue trades').toBe(traded.toString());
    const net = fills.reduce(
      (s, f) => (f.side === 'BUY' ? s.add(Decimal.parse(f.quantity)) : s.sub(Decimal.parse(f.quantity))),
      Decimal.ZERO,
    );
    expect(net.toString(), 'journal fills give the venue position').toBe(qty.toString());

    expect(qty.isZero(), `${point.name}: a position is open`).toBe(false);
    const positions = await journal.latestPositions();
    const mine = positions.filter((p) => p.symbol === S);
    expect(mine.map((p) => [p.side, p.quantity])).toEqual([
      [qty.sign() > 0 ? 'LONG' : 'SHORT', qty.abs().toNumber()],
    ]);

    const abs = qty.abs().toString();
    const protective = algos.filter((a) => parseClientOrderId(a.clientAlgoId)?.prefix === PREFIX);
    expect(
      protective.filter((a) => a.orderType === 'STOP_MARKET' && Decimal.parse(a.quantity).toString() === abs),
    ).toHaveLength(1);
    expect(
      protective.filter(
        (a) => a.orderType === 'TAKE_PROFIT_MARKET' && Decimal.parse(a.quantity).toString() === abs,
      ),
    ).toHaveLength(1);
  } finally {
    await journal.close();
  }
}

// concurrent: each scenario has its own simulator, journal and child processes; most of the time is
// the children's start-up, so the four run side by side
/** mulberry32: a small seeded PRNG. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe.concurrent('restart: aegis run killed with SIGKILL against the simulator, restarted', () => {
  for (const [i, point] of KILL_POINTS.entries()) {
    it(`killed at "${point.name}": no duplicate, no lost fill, position = venue, protected`, async () => {
      await restartScenario(point, 42 + i);
    }, 120_000);
  }
});
