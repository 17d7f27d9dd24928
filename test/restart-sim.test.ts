/**
 * Restart invariants in process (issue 5 "Reconciliation"; policy: docs/reconciliation.md).
 *
 * The engine (TradeEngine + JournalRecorder on a SQLite journal in a temp dir) trades against the
 * in-process SimVenue through a wrapper that can "kill" it at a chosen point of an order's life: from
 * that point on its calls never answer and the venue's updates no longer reach it (what `kill -9` does
 * to a process, minus the process). A new engine on a new bus then starts on the same venue and journal.
 * Checked after every restart: the engine's position equals the venue's; no second entry for the same
 * signal; every venue fill is in the journal exactly once (per order, journaled quantity == the venue's
 * filled quantity); an open position has a stop-loss and a take-profit at the venue; a flat symbol has
 * none of our orders left.
 *
 * Prices: BTCUSDT filters from Binance exchangeInfo (src/venues/sim/instruments.ts); the signal is
 * src/trade/test-support/fixtures.ts (entry 50000, stop 49000, take profit 52000, size 0.1).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../src/core/clock.js';
import { Decimal } from '../src/domain/decimal.js';
import type { OrderRequest } from '../src/domain/order.js';
import type { Journal } from '../src/store/journal.js';
import { openJournal } from '../src/store/open.js';
import { parseClientOrderId } from '../src/trade/orders/client-id.js';
import { RISK, signal } from '../src/trade/test-support/fixtures.js';
import { boot, type Process } from './support/restart-harness.js';
import { USDM_BTCUSDT } from '../src/venues/sim/instruments.js';
import { markPrice, quote, trade } from '../src/venues/sim/test-helpers.js';
import { createSimVenue, type SimVenue } from '../src/venues/sim/venue.js';

const S = 'BTCUSDT';
const T0 = 1_700_000_000_000;

type KillPoint =
  | 'entry-before-venue'
  | 'entry-before-ack'
  | 'after-fill-before-protection'
  | 'stop-before-ack'
  | 'after-protection';

const KILL_POINTS: readonly KillPoint[] = [
  'entry-before-venue',
  'entry-before-ack',
  'after-fill-before-protection',
  'stop-before-ack',
  'after-protection',
];

/** What happens to the market while the engine is down. */
type Downtime = 'quiet' | 'stop-hit' | 'take-profit-hit';

function market(venue: SimVenue, clock: SimulatedClock, price: number): void {
  clock.advanceTo(clock.now() + 1000);
  const t = clock.now();
  venue.feedMarkPrice(markPrice(S, t, price));
  venue.feedQuote(quote(S, t, price - 0.1, price, 5, 5));
  venue.feedTrade(trade(S, t, price));
}

/** The invariants every restart must keep. */
async function checkInvariants(
  venue: SimVenue,
  journal: Journal,
  p: Process,
  log: { acks: OrderRequest[] },
): Promise<void> {
  const venuePos = (await venue.positions()).find((x) => x.symbol === S);
  const venueQty = venuePos === undefined ? '0' : venuePos.quantity;
  // 1. position quantity equals the venue's
  expect((p.engine.book.get(S)?.quantity ?? Decimal.ZERO).toString()).toBe(
    Decimal.parse(venueQty).toString(),
  );
  // 2. no duplicate order: one accepted entry at most, every accepted client order id once
  const ids = log.acks.map((o) => o.clientOrderId);
  expect(new Set(ids).size).toBe(ids.length);
  expect(
    log.acks.filter((o) => parseClientOrderId(o.clientOrderId)?.role === 'entry').length,
  ).toBeLessThanOrEqual(1);
  // 3. no lost fill: per order, the journal's fills add up to the venue's filled quantity, and the
  //    journal's fills give the venue's position
  const fills = await journal.fills();
  const keys = fills.map((f) => `${f.clientOrderId}/${f.tradeId}`);
  expect(new Set(keys).size).toBe(keys.length);
  let net = Decimal.ZERO;
  for (const f of fills)
    net = f.side === 'BUY' ? net.add(Decimal.parse(f.quantity)) : net.sub(Decimal.parse(f.quantity));
  expect(net.toString()).toBe(Decimal.parse(venueQty).toString());
  for (const o of log.acks) {
    const atVenue = await venue.queryOrder(S, o.clientOrderId);
    const journaled = fills
      .filter((f) => f.clientOrderId === o.clientOrderId)
      .reduce((s, f) => s.add(Decimal.parse(f.quantity)), Decimal.ZERO);
    expect(journaled.toString(), o.clientOrderId).toBe(
      Decimal.parse(atVenue?.filledQuantity ?? '0').toString(),
    );
  }
  // 4. protective orders present for an open position, none of ours left on a flat symbol
  const open = (await venue.openOrders(S)).filter(
    (o) => parseClientOrderId(o.clientOrderId)?.prefix === RISK.runPrefix,
  );
  if (Decimal.parse(venueQty).isZero()) {
    expect(open).toEqual([]);
  } else {
    const abs = Decimal.parse(venueQty).abs().toString();
    expect(open.filter((o) => o.type === 'STOP_MARKET' && o.quantity === abs)).toHaveLength(1);
    expect(open.filter((o) => o.type === 'TAKE_PROFIT_MARKET' && o.quantity === abs)).toHaveLength(1);
  }
}

function killer(point: KillPoint): ((o: OrderRequest) => 'before' | 'after' | undefined) | undefined {
  const role = (o: OrderRequest): string | undefined => parseClientOrderId(o.clientOrderId)?.role;
  switch (point) {
    case 'entry-before-venue':
      return (o) => (role(o) === 'entry' ? 'before' : undefined);
    case 'entry-before-ack':
      return (o) => (role(o) === 'entry' ? 'after' : undefined);
    case 'after-fill-before-protection':
      return (o) => (role(o) === 'sl' ? 'before' : undefined);
    case 'stop-before-ack':
      return (o) => (role(o) === 'sl' ? 'after' : undefined);
    case 'after-protection':
      return undefined;
  }
}

async function scenario(point: KillPoint, downtime: Downtime, restarts = 1): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'aegis-restart-sim-'));
  const journal = await openJournal(path.join(dir, 'journal.sqlite'));
  try {
    const clock = new SimulatedClock(T0);
    const venue = createSimVenue({ instruments: [USDM_BTCUSDT], balances: { USDT: '10000' } }, { clock });
    const log = { acks: [] as OrderRequest[] };
    market(venue, clock, 50000);
    const first = await boot(venue, journal, clock, log, killer(point));
    first.bus.publish('SIGNAL_GENERATED', signal());
    if (point === 'after-protection') {
      await first.engine.idle();
      expect(first.engine.protectiveOrders(S)).toBe(2);
    } else {
      // the engine is stuck on a call that never answers: wait until the kill has happened
      for (let i = 0; i < 100 && !first.view.dead; i++) await Promise.resolve();
      expect(first.view.dead).toBe(true);
    }
    first.view.kill();
    await first.recorder.flush();

    // while down
    if (downtime === 'stop-hit') market(venue, clock, 48900);
    if (downtime === 'take-profit-hit') market(venue, clock, 52100);

    let p = first;
    for (let r = 0; r < restarts; r++) {
      p = await boot(venue, journal, clock, log);
      expect(p.reconciled).toHaveLength(1);
      // the brain sees the same candles again after a restart: the same signal must not open twice
      p.bus.publish('SIGNAL_GENERATED', signal());
      await p.engine.idle();
      await p.recorder.flush();
      await checkInvariants(venue, journal, p, log);
      p.view.kill();
    }
  } finally {
    await journal.close();
  }
}

/** mulberry32: a small seeded PRNG, so the "random" kill points are the same on every run. */
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

describe('restart invariants against the in-process simulator', () => {
  for (const point of KILL_POINTS) {
    it(`killed at ${point}, restarted: position = venue, no duplicate, no lost fill, protected`, async () => {
      await scenario(point, 'quiet');
    });
  }

  it('killed after protection, the stop fills while down: flat after restart, the fill recovered once, the take-profit cancelled', async () => {
    await scenario('after-protection', 'stop-hit', 2);
  });

  it('seeded random kill points and downtime market moves, restarted twice', async () => {
    const rnd = seeded(20261125);
    const downtimes: readonly Downtime[] = ['quiet', 'stop-hit', 'take-profit-hit'];
    for (let i = 0; i < 8; i++) {
      const point = KILL_POINTS[Math.floor(rnd() * KILL_POINTS.length)] as KillPoint;
      const downtime = downtimes[Math.floor(rnd() * downtimes.length)] as Downtime;
      await scenario(point, downtime, 2);
    }
  });

  it('a user-stream outage: entries denied until reconciled; a stop filled meanwhile is recovered', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'aegis-restart-sim-'));
    const journal = await openJournal(path.join(dir, 'journal.sqlite'));
    try {
      const clock = new SimulatedClock(T0);
      const venue = createSimVenue({ instruments: [USDM_BTCUSDT], balances: { USDT: '10000' } }, { clock });
      const log = { acks: [] as OrderRequest[] };
      market(venue, clock, 50000);
      const p = await boot(venue, journal, clock, log);
      p.bus.publish('SIGNAL_GENERATED', signal());
      await p.engine.idle();
      expect(p.engine.book.get(S)?.quantity.toString()).toBe('0.1');

      p.view.connected = false;
      p.engine.markNotReconciled('user stream disconnected');
      market(venue, clock, 48900); // the stop triggers at the venue; the engine hears nothing
      p.bus.publish('SIGNAL_GENERATED', signal({ id: 'sig2', symbol: S }));
      await p.engine.idle();
      expect(p.denials.map((d) => d.reason)).toEqual(['not_reconciled']);
      expect(p.engine.book.get(S)?.quantity.toString()).toBe('0.1'); // stale until reconciled

      p.view.connected = true;
      const summary = await p.engine.reconcile('user stream reconnect');
      expect(summary?.recoveredFills).toBe(1);
      expect(summary?.differences.map((d) => d.kind)).toContain('position_missing_at_venue');
      await p.recorder.flush();
      await checkInvariants(venue, journal, p, log);
      expect(p.engine.gate.reconciled).toBe(true);
    } finally {
      await journal.close();
    }
  });

  it('a stalled stream delivers the stop fill after reconciliation recovered it: booked and journaled once', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'aegis-restart-sim-'));
    const journal = await openJournal(path.join(dir, 'journal.sqlite'));
    try {
      const clock = new SimulatedClock(T0);
      const venue = createSimVenue({ instruments: [USDM_BTCUSDT], balances: { USDT: '10000' } }, { clock });
      const log = { acks: [] as OrderRequest[] };
      market(venue, clock, 50000);
      const p = await boot(venue, journal, clock, log);
      p.bus.publish('SIGNAL_GENERATED', signal());
      await p.engine.idle();
      p.view.holding = [];
      market(venue, clock, 48900); // the stop fills; its updates are stuck in the stalled stream
      const summary = await p.engine.reconcile('user stream reconnect');
      expect(summary?.recoveredFills).toBe(1);
      p.view.release(); // the real trade arrives late
      await p.engine.idle();
      await p.recorder.flush();
      expect(p.engine.counters.get('trade.fills.recoveredEarlier')).toBe(1);
      await checkInvariants(venue, journal, p, log);
    } finally {
      await journal.close();
    }
  });

  it('a foreign order at the venue is left alone and reported', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'aegis-restart-sim-'));
    const journal = await openJournal(path.join(dir, 'journal.sqlite'));
    try {
      const clock = new SimulatedClock(T0);
      const venue = createSimVenue({ instruments: [USDM_BTCUSDT], balances: { USDT: '10000' } }, { clock });
      market(venue, clock, 50000);
      await venue.submitOrder({
        clientOrderId: 'manual-1',
        symbol: S,
        side: 'BUY',
        type: 'LIMIT',
        price: '40000.0',
        quantity: '0.01',
        timeInForce: 'GTC',
      });
      const p = await boot(venue, journal, clock, { acks: [] });
      expect(p.reconciled[0]?.foreign).toEqual(['manual-1']);
      expect((await venue.queryOrder(S, 'manual-1'))?.status).toBe('new');
    } finally {
      await journal.close();
    }
  });
});
