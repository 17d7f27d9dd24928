import { createHash, createHmac } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../core/clock.js';
import { MemoryLogger } from '../core/logger.js';
import { loadConfig } from '../config/load.js';
import type { AegisConfig } from '../config/schema.js';
import { HmacSigner, type RequestSigner } from '../venues/binance/signing.js';
import { USDM_BTCUSDT, USDM_ETHUSDT } from '../venues/sim/instruments.js';
import { SimServer } from '../venues/sim/server/index.js';
import { PlainClient } from '../venues/sim/server/test-support.js';
import {
  CHECK_NAMES,
  formatPreflight,
  runPreflight,
  type PreflightCheck,
  type PreflightOptions,
  type PreflightResult,
} from './preflight.js';

// Credentials of the simulator account: 64 hex characters, the shape of Binance HMAC keys
// (../shared/reference/binance-api.md §1 example key and secret are 64 letters/digits too).
const API_KEY = createHash('sha256').update('aegis preflight test key').digest('hex');
const API_SECRET = createHash('sha256').update('aegis preflight test secret').digest('hex');

const cleanDoctor = (): { problems: readonly string[] } => ({ problems: [] });
const dir = mkdtempSync(path.join(tmpdir(), 'aegis-preflight-'));

let journals = 0;
let sim: SimServer;
let restUrl = '';

beforeAll(async () => {
  sim = new SimServer({
    apiKey: API_KEY,
    apiSecret: API_SECRET,
    engine: { instruments: [USDM_BTCUSDT, USDM_ETHUSDT], balances: { USDT: '10000' } },
    housekeepingIntervalMs: 0,
  });
  restUrl = (await sim.start()).restUrl;
});
afterAll(async () => {
  await sim.stop();
});

function configFor(env: Record<string, string> = {}, url = restUrl): AegisConfig {
  return loadConfig({
    env: {
      ENVIRONMENT: 'testnet',
      BINANCE_API_KEY: API_KEY,
      BINANCE_API_SECRET: API_SECRET,
      AEGIS_REST_URL: url,
      AEGIS_SYMBOLS: 'BTCUSDT,ETHUSDT',
      DATABASE_URL: path.join(dir, `journal-${String(++journals)}.sqlite`),
      ...env,
    },
    cwd: dir,
  }).config;
}

async function preflight(
  config: AegisConfig,
  options: Partial<PreflightOptions> = {},
): Promise<PreflightResult & { logger: MemoryLogger }> {
  const logger = new MemoryLogger();
  const result = await runPreflight(config, { logger, doctor: cleanDoctor, ...options });
  return { ...result, logger };
}

function check(result: PreflightResult, name: string): PreflightCheck {
  const c = result.checks.find((x) => x.name === name);
  if (c === undefined) throw new Error(`no check named ${name}`);
  return c;
}

function failedNames(result: PreflightResult): string[] {
  return result.checks.filter((c) => !c.ok).map((c) => c.name);
}

describe('aegis preflight against the simulator over real sockets', () => {
  it('passes all nine checks in order with a good testnet config; permissions are a note, not a pass', async () => {
    const r = await preflight(configFor());
    expect(r.checks.map((c) => c.name)).toEqual(Object.values(CHECK_NAMES));
    expect(failedNames(r)).toEqual([]);
    expect(r.ok).toBe(true);
    const permissions = check(r, CHECK_NAMES.permissions);
    expect(permissions.status).toBe('note');
    expect(permissions.detail).toMatch(/not reported by this venue .*404/);
    expect(check(r, CHECK_NAMES.credentials).detail).toContain('64 letters or digits');
    expect(check(r, CHECK_NAMES.signing).detail).toContain('c8db5682');
    expect(check(r, CHECK_NAMES.leverage).detail).toMatch(/BTCUSDT 10x ok .*ETHUSDT 10x ok/);
    expect(check(r, CHECK_NAMES.journal).detail).toMatch(/writable, migrations 1(, \d+)* applied/);
    const table = formatPreflight(r);
    expect(table.split('\n')).toHaveLength(2 + 9 + 2);
    expect(table).toMatch(/preflight: 8 passed, 1 noted, 0 failed: ready$/);
  });

  it('paper mode without keys: credentials, permissions and leverage are notes, the rest passes', async () => {
    const base = configFor({ ENVIRONMENT: 'paper' });
    const r = await preflight({ ...base, binanceApiKey: undefined, binanceApiSecret: undefined });
    expect(r.ok).toBe(true);
    expect(r.checks.filter((c) => c.status === 'note').map((c) => c.name)).toEqual([
      CHECK_NAMES.credentials,
      CHECK_NAMES.permissions,
      CHECK_NAMES.leverage,
    ]);
    expect(check(r, CHECK_NAMES.leverage).detail).toBe(
      "not run: ENVIRONMENT=paper fills in-process, the venue's leverage is never set",
    );
  });

  it('puts the previous leverage back after setting MAX_LEVERAGE_TEACHER', async () => {
    const plain = new PlainClient(restUrl, API_KEY, API_SECRET, { now: () => Date.now() });
    const set = await plain.signed('POST', '/fapi/v1/leverage', { symbol: 'BTCUSDT', leverage: '7' });
    expect(set.status).toBe(200);
    const r = await preflight(configFor({ MAX_LEVERAGE_TEACHER: '12' }));
    expect(check(r, CHECK_NAMES.leverage).detail).toContain('BTCUSDT 12x ok (cap 50000000, restored 7x)');
    const after = await plain.signed('GET', '/fapi/v2/positionRisk', { symbol: 'BTCUSDT' });
    expect((after.body as { leverage: string }[])[0]?.leverage).toBe('7');
  });

  it('never prints the API key or secret, in the table or in the logs, even when the venue rejects the key', async () => {
    const good = await preflight(configFor());
    const otherKey = 'Z'.repeat(64);
    const rejected = await preflight(configFor({ BINANCE_API_KEY: otherKey }));
    expect(check(rejected, CHECK_NAMES.leverage).detail).toContain('-2015');
    for (const r of [good, rejected]) {
      const out = formatPreflight(r) + JSON.stringify(r.checks) + JSON.stringify(r.logger.records);
      for (const s of [API_KEY, API_SECRET, otherKey]) expect(out).not.toContain(s);
    }
  });

  it('redacts a key or secret that an error message carried into a reason', async () => {
    const leaky = (): { problems: readonly string[] } => ({
      problems: [`request failed with key ${API_KEY} and secret ${API_SECRET}`],
    });
    const r = await preflight(configFor(), { doctor: leaky });
    const out = formatPreflight(r) + JSON.stringify(r.logger.records);
    expect(out).not.toContain(API_KEY);
    expect(out).not.toContain(API_SECRET);
    expect(check(r, CHECK_NAMES.ghost).detail).toBe(
      'aegis doctor found 1: request failed with key [REDACTED] and secret [REDACTED]',
    );
  });
});

describe('aegis preflight: one failing case per check', () => {
  it('credentials: a 63-character key fails with its length and shape only', async () => {
    const badKey = `${API_KEY.slice(0, 62)}-`;
    const r = await preflight(configFor({ BINANCE_API_KEY: badKey }));
    const c = check(r, CHECK_NAMES.credentials);
    expect(c.ok).toBe(false);
    expect(c.detail).toBe(
      'BINANCE_API_KEY: 63 characters, 1 not a letter or digit (expected 64 letters or digits); BINANCE_API_SECRET: 64 letters or digits',
    );
    expect(formatPreflight(r)).not.toContain(badKey.slice(0, 20));
    expect(r.ok).toBe(false);
  });

  it('credentials: testnet without keys fails and names both variables', async () => {
    const base = configFor();
    const r = await preflight({ ...base, binanceApiKey: undefined, binanceApiSecret: undefined });
    expect(check(r, CHECK_NAMES.credentials)).toMatchObject({
      ok: false,
      detail: 'ENVIRONMENT=testnet needs BINANCE_API_KEY and BINANCE_API_SECRET in the environment',
    });
  });

  it('signing: a signer that does not reproduce the published vector fails the self-test (and the venue rejects it)', async () => {
    const corrupted = (secret: string): RequestSigner => {
      const real = new HmacSigner(secret);
      return { kind: 'hmac-sha256', sign: (payload) => real.sign(`${payload}&x=1`) };
    };
    const r = await preflight(configFor(), { signerFor: corrupted });
    const c = check(r, CHECK_NAMES.signing);
    expect(c.ok).toBe(false);
    expect(c.detail).toMatch(/^signer gives [0-9a-f]{8}…[0-9a-f]{4} for .* expected c8db5682…6b71$/);
    expect(check(r, CHECK_NAMES.leverage).detail).toContain('-1022'); // the sim checks signatures too
  });

  it('venue: a closed port on 127.0.0.1 fails as unreachable and the venue-dependent checks do not run', async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) =>
      probe.close(() => {
        resolve();
      }),
    );
    const r = await preflight(configFor({}, `http://127.0.0.1:${port}`));
    expect(check(r, CHECK_NAMES.venue).detail).toMatch(/GET \/fapi\/v1\/time .* failed: .*ECONNREFUSED/);
    expect(failedNames(r)).toEqual([
      CHECK_NAMES.venue,
      CHECK_NAMES.permissions,
      CHECK_NAMES.exchangeInfo,
      CHECK_NAMES.leverage,
    ]);
    expect(check(r, CHECK_NAMES.exchangeInfo).detail).toBe('not run: the venue check failed');
  });

  it('venue: a server clock two years behind fails the skew limit min(recvWindow/4, 1000 ms)', async () => {
    // 2023-11-14T22:13:20Z: far from any wall clock this test runs on
    const skewed = new SimServer({
      apiKey: API_KEY,
      apiSecret: API_SECRET,
      engine: { instruments: [USDM_BTCUSDT], balances: { USDT: '10000' } },
      clock: new SimulatedClock(1_700_000_000_000),
      housekeepingIntervalMs: 0,
    });
    const { restUrl: url } = await skewed.start();
    try {
      const r = await preflight(configFor({ AEGIS_SYMBOLS: 'BTCUSDT' }, url));
      const c = check(r, CHECK_NAMES.venue);
      expect(c.ok).toBe(false);
      expect(c.detail).toMatch(
        /clock skew \d+ ms >= limit 1000 ms = min\(AEGIS_RECV_WINDOW 5000 \/ 4, 1000\): the local clock is ahead of the venue/,
      );
      expect(failedNames(r)).toEqual([CHECK_NAMES.venue]);
    } finally {
      await skewed.stop();
    }
  });

  it('permissions: a venue reporting enableWithdrawals=true fails; one without it passes with an IP note', async () => {
    let answer: Record<string, unknown> = {};
    let verified = 0;
    const stub = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const query = url.search.slice(1);
      const signed = query.replace(/&signature=[0-9a-f]+$/, '');
      const want = createHmac('sha256', API_SECRET).update(signed).digest('hex');
      const ok =
        url.pathname === '/sapi/v1/account/apiRestrictions' &&
        req.headers['x-mbx-apikey'] === API_KEY &&
        query.endsWith(`&signature=${want}`);
      if (ok) verified++;
      res.writeHead(ok ? 200 : 400, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(ok ? answer : { code: -1022, msg: 'Signature for this request is not valid.' }));
    });
    await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
    const permissionsUrl = `http://127.0.0.1:${(stub.address() as AddressInfo).port}`;
    try {
      // field names: Binance wallet API "Get API Key Permission" (GET /sapi/v1/account/apiRestrictions)
      answer = { ipRestrict: true, enableWithdrawals: true, enableReading: true, enableFutures: true };
      const bad = await preflight(configFor(), { permissionsUrl });
      expect(check(bad, CHECK_NAMES.permissions)).toMatchObject({
        ok: false,
        detail: 'the key can withdraw (enableWithdrawals=true): make a key without withdrawal rights',
      });
      expect(failedNames(bad)).toEqual([CHECK_NAMES.permissions]);
      answer = { ipRestrict: false, enableWithdrawals: false, enableReading: true, enableFutures: true };
      const good = await preflight(configFor(), { permissionsUrl });
      expect(check(good, CHECK_NAMES.permissions)).toMatchObject({
        status: 'pass',
        detail: 'withdrawals disabled, futures enabled; not IP-restricted (an IP whitelist is recommended)',
      });
      expect(verified).toBe(2);
    } finally {
      await new Promise<void>((resolve) =>
        stub.close(() => {
          resolve();
        }),
      );
    }
  });

  it('exchangeInfo: a symbol the venue does not list fails by name', async () => {
    const r = await preflight(configFor({ AEGIS_SYMBOLS: 'BTCUSDT,DOGEUSDT' }));
    expect(check(r, CHECK_NAMES.exchangeInfo)).toMatchObject({
      ok: false,
      detail: '2 symbols listed; DOGEUSDT is not listed by the venue',
    });
    // leverage still runs on the symbols that are TRADING
    expect(check(r, CHECK_NAMES.leverage).ok).toBe(true);
    expect(check(r, CHECK_NAMES.leverage).detail).toMatch(/^BTCUSDT 10x ok \(cap 50000000, restored \d+x\)$/);
    const none = await preflight(configFor({ AEGIS_SYMBOLS: 'DOGEUSDT' }));
    expect(check(none, CHECK_NAMES.leverage).detail).toBe(
      'not run: no configured symbol is TRADING (see exchangeInfo)',
    );
  });

  it('leverage: 150x is refused by the venue (Binance max 125, -4028)', async () => {
    const r = await preflight({ ...configFor({ AEGIS_SYMBOLS: 'BTCUSDT' }), maxLeverageTeacher: 150 });
    const c = check(r, CHECK_NAMES.leverage);
    expect(c.ok).toBe(false);
    expect(c.detail).toMatch(/^BTCUSDT: POST \/fapi\/v1\/leverage 150x failed: .*-4028/);
  });

  it('leverage: a per-symbol notional above the tier cap at that leverage fails', async () => {
    const r = await preflight(
      configFor({ AEGIS_MAX_NOTIONAL_PER_SYMBOL: '60000000', AEGIS_MAX_NOTIONAL_TOTAL: '100000000' }),
    );
    expect(check(r, CHECK_NAMES.leverage).detail).toContain(
      'BTCUSDT: at 10x the venue caps a position at 50000000 notional < AEGIS_MAX_NOTIONAL_PER_SYMBOL 60000000',
    );
    expect(failedNames(r)).toEqual([CHECK_NAMES.leverage]);
  });

  it('leverage: ENVIRONMENT=live does not touch the account without --confirm-live', async () => {
    const config = configFor({ ENVIRONMENT: 'live' });
    const r = await preflight(config, { permissionsUrl: null });
    expect(check(r, CHECK_NAMES.leverage)).toMatchObject({
      ok: false,
      detail: 'not run: it sets leverage on the real account; run again with --confirm-live',
    });
    const confirmed = await preflight(config, { permissionsUrl: null, confirmLive: true });
    expect(check(confirmed, CHECK_NAMES.leverage).ok).toBe(true);
  });

  it('risk: every insane setting is named with its limit', async () => {
    const r = await preflight(
      configFor({
        AEGIS_RISK_PER_TRADE: '0.05',
        AEGIS_MAX_DAILY_LOSS: '0.5',
        AEGIS_MIN_CONFIDENCE: '0.8',
        AEGIS_MAX_NOTIONAL_PER_SYMBOL: '200000',
      }),
    );
    expect(check(r, CHECK_NAMES.risk).detail.split('; ')).toEqual([
      'AEGIS_RISK_PER_TRADE 0.05 > 0.02: more than 2% of equity on one trade',
      'AEGIS_MAX_DAILY_LOSS 0.5 > 0.2: the daily halt would allow losing more than 20%',
      'AEGIS_MIN_CONFIDENCE 0.8 >= TEACHER_THRESHOLD 0.75: the student tier is unreachable',
      'AEGIS_MAX_NOTIONAL_PER_SYMBOL 200000 > AEGIS_MAX_NOTIONAL_TOTAL 100000',
    ]);
    expect(failedNames(r)).toEqual([CHECK_NAMES.risk]);
  });

  it('journal: a path under a regular file cannot be created', async () => {
    const blocker = path.join(dir, 'not-a-directory');
    writeFileSync(blocker, 'x');
    const r = await preflight(configFor({ DATABASE_URL: path.join(blocker, 'journal.sqlite') }));
    const c = check(r, CHECK_NAMES.journal);
    expect(c.ok).toBe(false);
    expect(c.detail).toContain(blocker);
    expect(c.detail).toMatch(/journal open .* failed .*(EEXIST|ENOTDIR)/); // node's recursive mkdir on a file: EEXIST;
    expect(failedNames(r)).toEqual([CHECK_NAMES.journal]);
  });

  it('ghost config: doctor problems fail the check and are listed', async () => {
    const problems = ['config LOG_LEVEL is a ghost: nothing outside src/config reads it'];
    const r = await preflight(configFor(), { doctor: () => ({ problems }) });
    expect(check(r, CHECK_NAMES.ghost)).toMatchObject({
      ok: false,
      detail: `aegis doctor found 1: ${problems[0] ?? ''}`,
    });
    expect(r.ok).toBe(false);
    expect(formatPreflight(r)).toMatch(/preflight: 7 passed, 1 noted, 1 failed: NOT ready$/);
  });
});
