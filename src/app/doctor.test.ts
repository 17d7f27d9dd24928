import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { doctor } from './doctor.js';

describe('doctor (topic wiring and ghost config)', () => {
  it('finds no orphan topic, no ghost config key and no stale entry in src/app/pending.ts', () => {
    const report = doctor();
    expect(report.problems).toEqual([]);
  });

  it('sees the bus as the producer of ERROR and the error monitor as its consumer', () => {
    const error = doctor().topics.find((t) => t.topic === 'ERROR');
    expect(error?.producers).toContain(path.join('core', 'event-bus.ts'));
    expect(error?.consumers).toContain(path.join('app', 'error-monitor.ts'));
  });

  it('flags an orphan topic and a ghost key in a tree where nothing is wired', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'aegis-doctor-'));
    mkdirSync(path.join(dir, 'app'));
    writeFileSync(path.join(dir, 'app', 'x.ts'), "bus.publish('HEARTBEAT', {});\n");
    const report = doctor(dir, { producers: ['HEARTBEAT'], consumers: [], config: [] });
    expect(report.problems).toContain('topic ERROR has no producer');
    expect(report.problems).toContain('topic HEARTBEAT now has a producer: remove it from PENDING_PRODUCERS');
    expect(report.problems).toContain('config LOG_LEVEL is a ghost: nothing outside src/config reads it');
  });
});
