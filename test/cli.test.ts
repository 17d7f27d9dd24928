import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { openJournal } from '../src/store/open.js';

/** The real `aegis` binary, as a user runs it (node bin/aegis.js), in a clean temp working directory. */
const ROOT = path.resolve(import.meta.dirname, '..');
const BIN = path.join(ROOT, 'bin', 'aegis.js');
const KEY = 'AKIAkey-Recognisable-77aa11';
const SECRET = 'SECRET-Recognisable-99zz22';

function aegis(args: string[], env: Record<string, string> = {}, cwd?: string) {
  const dir = cwd ?? mkdtempSync(path.join(tmpdir(), 'aegis-cli-'));
  const base = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) =>
        !k.startsWith('AEGIS_') && !['ENVIRONMENT', 'LOG_LEVEL', 'DATABASE_URL', 'REDIS_URL'].includes(k),
    ),
  );
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: dir,
    env: { ...base, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('aegis CLI', () => {
  it('--help lists the commands and exits 0', () => {
    const r = aegis(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: aegis/);
    expect(r.stdout).toMatch(/config/);
    expect(r.stdout).toMatch(/doctor/);
  });

  it('--version prints the package version', () => {
    const r = aegis(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('config prints every variable with its value and source', () => {
    const r = aegis(['config', '--set', 'RSI_PERIOD=21'], { MAX_OPEN_POSITIONS: '5' });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^MAX_OPEN_POSITIONS\s+5\s+env\s/m);
    expect(r.stdout).toMatch(/^RSI_PERIOD\s+21\s+flag\s/m);
    expect(r.stdout).toMatch(/^ENVIRONMENT\s+paper\s+default\s/m);
  });

  it('config --json is machine-readable', () => {
    const r = aegis(['config', '--json'], { MAX_OPEN_POSITIONS: '2' });
    expect(r.code).toBe(0);
    const parsed = JSON.parse(r.stdout) as {
      values: Record<string, unknown>;
      sources: Record<string, string>;
    };
    expect(parsed.values.MAX_OPEN_POSITIONS).toBe(2);
    expect(parsed.sources.MAX_OPEN_POSITIONS).toBe('env');
  });

  it('a bad variable exits non-zero naming the variable, the value and what is allowed', () => {
    const r = aegis(['config'], { MAX_OPEN_POSITIONS: 'abc' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('MAX_OPEN_POSITIONS must be an integer >= 1, got "abc"');
    expect(r.stdout).toBe('');
  });

  it('an unknown command is an error, not a silent success', () => {
    const r = aegis(['frobnicate']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/unknown command/);
  });

  it('never prints a secret, in any command or failure', () => {
    const env = { BINANCE_API_KEY: KEY, BINANCE_API_SECRET: SECRET };
    const dirWithSecretFile = mkdtempSync(path.join(tmpdir(), 'aegis-cli-'));
    writeFileSync(
      path.join(dirWithSecretFile, 'aegis.config.json'),
      JSON.stringify({ binanceApiSecret: SECRET }),
    );
    const runs = [
      aegis(['--help'], env),
      aegis(['config'], env),
      aegis(['config', '--json'], env),
      aegis(['doctor'], env),
      aegis(['doctor', '--json'], env),
      aegis(['config'], { ...env, MAX_OPEN_POSITIONS: 'x', ENVIRONMENT: 'live' }),
      aegis(['config'], env, dirWithSecretFile),
      aegis(['config', '--set', `BINANCE_API_SECRET=${SECRET}`], env),
      aegis(['config'], { ...env, BINANCE_API_SECRET: '' }),
    ];
    for (const r of runs) {
      expect(r.stdout + r.stderr).not.toContain(SECRET);
      expect(r.stdout + r.stderr).not.toContain(KEY);
    }
    // and the secret is really there, redacted, where it should be shown
    expect(runs[1]?.stdout).toMatch(/^BINANCE_API_SECRET\s+\[REDACTED\]\s+env/m);
    expect(runs[6]?.stderr).toMatch(/must not be in a config file/);
    expect(runs[6]?.code).toBe(2);
  });

  it('doctor exits 0 on a healthy tree and prints the topic table', () => {
    const r = aegis(['doctor']);
    const errorRow = r.stdout.split('\n').find((l) => l.startsWith('ERROR '));
    expect(errorRow).toMatch(/core\/event-bus\.ts.* -> .*app\/error-monitor\.ts/);
    expect(r.code).toBe(0);
  });
});

describe('aegis demo', () => {
  it('stops gracefully on SIGINT: summary printed, journal flushed, exit 0', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'aegis-cli-demo-'));
    const db = path.join(dir, 'journal.sqlite');
    const child = spawn(process.execPath, [BIN, 'demo', '--hours', '10000'], {
      cwd: dir,
      env: { ...process.env, DATABASE_URL: db, LOG_LEVEL: 'error' },
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => {
        resolve(code);
      }),
    );
    // wait for the engine to be running (its first heartbeat), then interrupt it
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('HEARTBEAT ')) resolve();
      });
    });
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(err).toMatch(/SIGINT received, stopping gracefully/);
    expect(out).toMatch(/AEGIS demo summary \(.*stopped by a signal\)/);
    const heartbeats = Number(/heartbeats\s+(\d+)/.exec(out)?.[1]);
    expect(heartbeats).toBeGreaterThan(0);
    const journal = await openJournal(db);
    try {
      expect((await journal.counts()).heartbeats).toBe(heartbeats);
    } finally {
      await journal.close();
    }
  });
});

describe('aegis backtest and aegis analyze lookahead', () => {
  // real Binance data: ETHUSDT spot 15m, 2023-04 (../shared/data/README.md), 2,879 bars
  const data = path.resolve(
    ROOT,
    '..',
    'shared',
    'data',
    'klines',
    'binance_spot_ETHUSDT_15m_20230401_20230501.csv',
  );

  it('backtests deterministically: two runs, the same fingerprint and trade list', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'aegis-bt-'));
    const args = ['backtest', '--data', data, '--symbol', 'ETHUSDT', '--interval', '15m'];
    const a = aegis([...args, '--json', path.join(dir, 'a.json')], {}, dir);
    const b = aegis([...args, '--json', path.join(dir, 'b.json')], {}, dir);
    expect(b.code).toBe(0);
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/AEGIS backtest ETHUSDT 15m: 2,879 candles/);
    const ja = JSON.parse(readFileSync(path.join(dir, 'a.json'), 'utf8')) as {
      fingerprint: string;
      trade_list: unknown[];
      candles: number;
    };
    const jb = JSON.parse(readFileSync(path.join(dir, 'b.json'), 'utf8')) as {
      fingerprint: string;
      trade_list: unknown[];
    };
    expect(ja.candles).toBe(2879);
    expect(ja.trade_list.length).toBeGreaterThan(0);
    expect(ja.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(jb.fingerprint).toBe(ja.fingerprint);
    expect(jb.trade_list).toEqual(ja.trade_list);
  });

  it('finds no look-ahead in the engine', () => {
    const r = aegis([
      'analyze',
      'lookahead',
      '--data',
      data,
      '--symbol',
      'ETHUSDT',
      '--interval',
      '15m',
      '--cuts',
      '4',
    ]);
    expect(r.stdout).toMatch(/signals compared: 0 difference\(s\)/);
    expect(r.code).toBe(0);
  });
});

describe('aegis sim', () => {
  it('serves the synthetic market on Binance-shaped REST and WebSocket, stops on SIGINT, never prints the key', async () => {
    // armed at start: the server clock one hour ahead (docs/simulator.md, fault clockSkewMs)
    const faults = JSON.stringify({ clockSkewMs: 3_600_000 });
    const child = spawn(process.execPath, [BIN, 'sim', '--speed', '600', '--faults', faults], {
      cwd: tmpdir(),
      env: { ...process.env, BINANCE_API_KEY: KEY, BINANCE_API_SECRET: SECRET, LOG_LEVEL: 'error' },
    });
    let out = '';
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => {
        resolve(code);
      }),
    );
    const urls = await new Promise<{ rest: string; ws: string }>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /REST (http:\/\/127\.0\.0\.1:\d+)\s+WebSocket (ws:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m?.[1] !== undefined && m[2] !== undefined) resolve({ rest: m[1], ws: m[2] });
      });
    });
    const time = (await (await fetch(`${urls.rest}/fapi/v1/time`)).json()) as { serverTime: number };
    expect(time.serverTime - Date.now()).toBeGreaterThan(3_500_000);
    const trade = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const ws = new WebSocket(`${urls.ws}/ws/btcusdt@aggTrade`);
      ws.once('message', (data: Buffer) => {
        resolve(JSON.parse(data.toString()) as Record<string, unknown>);
        ws.close();
      });
      ws.once('error', reject);
    });
    expect(trade).toMatchObject({ e: 'aggTrade', s: 'BTCUSDT' });
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(out).toMatch(/aegis sim stopped after \d+ market events/);
    expect(out).not.toContain(KEY);
    expect(out).not.toContain(SECRET);
  });

  it('refuses a bad --faults spec with a message naming it', () => {
    const r = aegis(['sim', '--faults', '{"clockSkewMs":"soon"}'], {
      BINANCE_API_KEY: KEY,
      BINANCE_API_SECRET: SECRET,
    });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--faults/);
    expect(r.stderr).toMatch(/clockSkewMs/);
  });
});
