/**
 * Spot restarts in process (docs/reconciliation.md, "Spot positions at reconciliation"). A spot venue
 * reports no positions (a holding is a balance): reconciliation derives ours from the last known
 * position (the engine's book, else our journaled and recovered fills), the base balance (free +
 * locked) and our open stop-loss sells, and adopts it with its exchange stop.
 *
 * The engine (TradeEngine + JournalRecorder on a SQLite journal in a temp dir) trades against the
 * in-process SimVenue's spot account (SPOT_BTCUSDT: Binance spot exchangeInfo filters, step 0.00001,
 * min notional 5; 0.1 % taker commission taken in the asset received) through a wrapper that can "kill"
 * it: its calls never answer and the venue's updates no longer reach it. A new engine on a new bus then
 * starts on the same venue and journal. The signal (src/trade/test-support/fixtures.ts): BUY at 50000,
 * stop 49000, take profit 52000, sized 0.1 BTC; the venue keeps 0.0001 BTC of commission, so 0.0999 BTC
 * is received and protected.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../src/core/clock.js';
import type { OrderEvent, OrderRequest } from '../src/domain/order.js';
import type { Journal } from '../src/store/journal.js';
import { openJournal } from '../src/store/open.js';
import { parseClientOrderId } from '../src/trade/orders/client-id.js';
import { RISK, signal } from '../src/trade/test-support/fixtures.js';
import { boot, type Process } from './support/restart-harness.js';
import { SPOT_BTCUSDT } from '../src/venues/sim/instruments.js';
import { quote, trade } from '../src/venues/sim/test-helpers.js';
import { createSimVenue, type SimVenue } from '../src/venues/sim/venue.js';

const S = 'BTCUSDT';
const T0 = 1_700_000_000_000;

/** The market at `price`: a quote (ask = price) and a trade, one second later. */
function market(venue: SimVenue, clock: SimulatedClock, price: number): void {
  clock.advanceTo(clock.now() + 1000);
  venue.feedQuote(quote(S, clock.now(), price - 0.01, price));
  venue.feedTrade(trade(S, clock.now(), price));
}

async function ourOpenOrders(venue: SimVenue): Promise<OrderEvent[]> {
  return (await venue.openOrders(S)).filter(
    (o) => parseClientOrderId(o.clientOrderId)?.prefix === RISK.runPrefix,
  );
}

async function balance(venue: SimVenue, asset: string): Promise<{ free: string; locked: string }> {
  const b = (await venue.balances()).find((x) => x.asset === asset);
  return { free: b?.free ?? '0', locked: b?.locked ?? '0' };
}

interface Run {
  readonly venue: SimVenue;
  readonly journal: Journal;
  readonly clock: SimulatedClock;
  readonly first: Process;
}

/** Trade the fixture signal on a fresh spot account, killed at `killOn` (or after protection). */
async function firstLife(
  balances: Record<string, string>,
  killOn?: (o: OrderRequest) => 'before' | 'after' | undefined,
): Promise<Run> {
  const dir = mkdtempSync(path.join(tmpdir(), 'aegis-spot-restart-'));
  const journal = await openJournal(path.join(dir, 'journal.sqlite'));
  const clock = new SimulatedClock(T0);
  const venue = createSimVenue({ instruments: [SPOT_BTCUSDT], balances }, { clock });
  market(venue, clock, 50_000);
  const first = await boot(venue, journal, clock, undefined, killOn);
  first.bus.publish('SIGNAL_GENERATED', signal());
  if (killOn === undefined) {
    await first.engine.idle();
  } else {
    for (let i = 0; i < 100 && !first.view.dead; i++) await Promise.resolve();
    expect(first.view.dead).toBe(true);
  }
  first.view.dead = true;
  await first.recorder.flush();
  return { venue, journal, clock, first };
}

const role = (o: OrderRequest): string | undefined => parseClientOrderId(o.clientOrderId)?.role;

describe('spot restart: reconciliation adopts our spot position', () => {
  it('after protection: adopts 0.0999 BTC at 50000 with its exchange stop (kept, not re-placed), watches the take-profit again', async () => {
    const { venue, journal, clock } = await firstLife({ USDT: '10000' });
    try {
      expect(await ourOpenOrders(venue)).toMatchObject([{ clientOrderId: 'T1-sig1-s', quantity: '0.0999' }]);
      const p = await boot(venue, journal, clock);
      // (before the spot adoption, a restart cancelled this stop: its symbol looked flat)
      expect((await ourOpenOrders(venue)).map((o) => o.clientOrderId)).toEqual(['T1-sig1-s']);
      const pos = p.engine.book.get(S);
      expect(pos?.quantity.toString()).toBe('0.0999');
      expect(pos?.avgEntry.toString()).toBe('50000');
      // the exchange stop is adopted as it is: same id, still open, nothing re-placed or cancelled
      expect(p.reconciled[0]?.adopted).toEqual(['T1-sig1-s']);
      expect(p.reconciled[0]?.reprotected).toEqual([]);
      expect((await ourOpenOrders(venue)).map((o) => o.clientOrderId)).toEqual(['T1-sig1-s']);
      expect(await balance(venue, 'BTC')).toEqual({ free: '0', locked: '0.0999' });
      expect(p.engine.order('T1-sig1-s')?.status).toBe('new');
      // the account follows the venue: free = the venue's USDT (10000 - 0.1 x 50000), the position's
      // cost (0.0999 x 50000) counted in use
      expect(await balance(venue, 'USDT')).toEqual({ free: '5000', locked: '0' });
      expect(p.balance).toEqual({ free: 5000, locked: 4995 });
      // the same signal replayed by the brain after the restart opens nothing
      p.bus.publish('SIGNAL_GENERATED', signal());
      await p.engine.idle();
      expect(p.engine.book.get(S)?.quantity.toString()).toBe('0.0999');
      // the watched take-profit works again: 52000 reached -> stop cancelled, 0.0999 sold at market
      market(venue, clock, 52_100);
      p.bus.publish('MARKET_TRADE', trade(S, clock.now(), 52_100));
      await p.engine.idle();
      expect(p.engine.book.get(S)).toBeUndefined();
      expect(await ourOpenOrders(venue)).toEqual([]);
      expect(await balance(venue, 'BTC')).toEqual({ free: '0', locked: '0' });
    } finally {
      await journal.close();
    }
  });

  it('the stop filled while down: flat after the restart, the stop fill recovered, the dust not adopted', async () => {
    const { venue, journal, clock } = await firstLife({ USDT: '10000' });
    try {
      market(venue, clock, 48_900); // below the stop 49000: the exchange stop sells 0.0999 BTC
      expect(await ourOpenOrders(venue)).toEqual([]);
      const p = await boot(venue, journal, clock);
      expect(p.engine.book.get(S)).toBeUndefined();
      expect(p.reconciled[0]?.recoveredFills).toBe(1);
      expect(await ourOpenOrders(venue)).toEqual([]);
    } finally {
      await journal.close();
    }
  });

  it('entry filled, killed before protection: adopts the base received (0.0999) and places the stop under a fresh id', async () => {
    const { venue, journal, clock } = await firstLife({ USDT: '10000' }, (o) =>
      role(o) === 'sl' ? 'before' : undefined,
    );
    try {
      expect(await ourOpenOrders(venue)).toEqual([]);
      const p = await boot(venue, journal, clock);
      expect(p.engine.book.get(S)?.quantity.toString()).toBe('0.0999');
      expect(p.reconciled[0]?.reprotected).toEqual([S]);
      const open = await ourOpenOrders(venue);
      expect(open.map((o) => [o.type, o.side, o.quantity])).toEqual([['STOP_MARKET', 'SELL', '0.0999']]);
      expect(open[0]?.clientOrderId).not.toBe('T1-sig1-s');
      expect(p.engine.order(open[0]?.clientOrderId ?? '')?.request.stopPrice).toBe('49000');
    } finally {
      await journal.close();
    }
  });

  it('entry filled before its answer reached the engine: the fill is recovered and the position adopted at the signal entry', async () => {
    const { venue, journal, clock } = await firstLife({ USDT: '10000' }, (o) =>
      role(o) === 'entry' ? 'after' : undefined,
    );
    try {
      const p = await boot(venue, journal, clock);
      expect(p.reconciled[0]?.recoveredFills).toBe(1);
      // 0.1 filled at the venue, 0.0999 received: the position is what is held
      expect(p.engine.book.get(S)?.quantity.toString()).toBe('0.0999');
      expect(p.engine.book.get(S)?.avgEntry.toString()).toBe('50000');
      expect((await ourOpenOrders(venue)).map((o) => o.quantity)).toEqual(['0.0999']);
    } finally {
      await journal.close();
    }
  });

  it('other holdings of the base asset are never adopted: only the base our entry bought', async () => {
    const { venue, journal, clock } = await firstLife({ USDT: '10000', BTC: '1.5' });
    try {
      const p = await boot(venue, journal, clock);
      expect(p.engine.book.get(S)?.quantity.toString()).toBe('0.0999');
      expect(await balance(venue, 'BTC')).toEqual({ free: '1.5', locked: '0.0999' });
    } finally {
      await journal.close();
    }
  });
});
