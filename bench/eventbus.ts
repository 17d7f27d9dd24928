/**
 * EventBus publish -> deliver cost, ns per delivery, with 1 / 4 / 16 subscribers.
 * Run: node --import tsx bench/eventbus.ts
 */
import { EventBus, type ErrorEvent } from '../src/core/event-bus.js';
import { silentLogger } from '../src/core/logger.js';
import { machineLine, medianOf, nowNs, printTable } from './util.js';

interface Topics {
  TICK: { price: number; qty: number; time: number };
  ERROR: ErrorEvent;
}

const PUBLISHES = 2_000_000;

function run(subscribers: number, freeze: boolean, fresh: boolean, timed: boolean): number {
  const bus = new EventBus<Topics>(['TICK', 'ERROR'], {
    logger: silentLogger,
    freezePayloads: freeze,
    ...(timed ? { monotonic: { nowNs } } : {}),
  });
  let sink = 0;
  for (let s = 0; s < subscribers; s++) bus.subscribe('TICK', `s${s}`, (p) => (sink += p.price));
  const reused = { price: 1, qty: 1, time: 0 };
  // CPU time of this process (user + system), not wall time: the 2-core machine is often shared, and
  // preemption adds wall time but not CPU time
  return medianOf(7, 2, () => {
    const c0 = process.cpuUsage();
    for (let i = 0; i < PUBLISHES; i++) {
      bus.publish('TICK', fresh ? { price: i, qty: 1, time: i } : reused);
    }
    const c = process.cpuUsage(c0);
    if (sink === -1) console.log('unreachable');
    return ((c.user + c.system) * 1000) / (PUBLISHES * subscribers);
  });
}

const rows: (string | number)[][] = [];
for (const n of [1, 4, 16]) {
  rows.push([
    n,
    run(n, true, true, true),
    run(n, true, true, false),
    run(n, false, true, false),
    run(n, false, false, false),
  ]);
}
printTable(
  `EventBus publish -> deliver, CPU ns per delivery (median of 7 x ${PUBLISHES.toLocaleString('en-US')} publishes; ${machineLine()})`,
  [
    'subscribers',
    'default (freeze + 1/64 timing)',
    'freeze, no timing',
    'no freeze, no timing',
    'reused payload, no freeze',
  ],
  rows,
);
