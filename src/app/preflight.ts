/**
 * `aegis preflight`: the production-readiness checklist as a command (issue 6 item 5). Each check answers
 * pass, note (passed, but something could not be verified and the reason says what) or fail, with a
 * precise reason; `ok` is false as soon as one check fails, and the CLI exits non-zero then.
 *
 * Checks, in order (the rules of each are in its function below):
 *  1. credentials          BINANCE_API_KEY / BINANCE_API_SECRET present (testnet, live) and shaped like
 *                          Binance HMAC keys: 64 letters or digits. Only lengths and shapes are printed.
 *  2. signing self-test    the signer AEGIS signs with gives Binance's published signature for the
 *                          published example (../shared/reference/binance-api.md §1).
 *  3. venue + clock        GET /fapi/v1/time answers; |serverTime - local| < min(recvWindow / 4, 1000 ms).
 *  4. API key permissions  GET /sapi/v1/account/apiRestrictions (spot host): fail when withdrawals are
 *                          enabled or futures are not; where the venue does not report permissions (futures
 *                          testnet, the simulator: 404) the check is a note, never a silent pass.
 *  5. exchangeInfo         loads, and every configured symbol is listed with status TRADING.
 *  6. leverage             POST /fapi/v1/leverage to MAX_LEVERAGE_TEACHER succeeds for each symbol, the
 *                          venue's maxNotionalValue at that leverage (the tier cap) is at least
 *                          AEGIS_MAX_NOTIONAL_PER_SYMBOL, and the symbol's previous leverage is restored.
 *                          This writes to the account, so on ENVIRONMENT=live it runs only with
 *                          --confirm-live (without it the check fails as "not run").
 *  7. risk settings        RISK_RULES below.
 *  8. journal              DATABASE_URL opens, migrations are applied, the SQLite file is writable; closed.
 *  9. no ghost config      doctor().problems is empty.
 * Paper mode needs no keys and places no order on the venue: checks 4 and 6 are notes there.
 */
import { accessSync, constants as fsConstants } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Clock } from '../core/clock.js';
import { toError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { AegisConfig } from '../config/schema.js';
import { Decimal } from '../domain/decimal.js';
import { redactUrlPassword } from '../store/journal.js';
import { openJournal, parseDatabaseUrl } from '../store/open.js';
import { FuturesRestClient } from '../venues/binance/clients.js';
import { VenueRejectedError } from '../venues/binance/errors.js';
import type { BinanceInstrument } from '../venues/binance/mappers.js';
import { defaultRateLimits } from '../venues/binance/rate-limit.js';
import { buildRequest, type Credentials } from '../venues/binance/request.js';
import { HmacSigner, type RequestSigner } from '../venues/binance/signing.js';
import { BinanceTransport } from '../venues/binance/transport.js';
import { WallClock } from '../venues/wall-clock.js';
import { doctor as realDoctor } from './doctor.js';
import { FUTURES_URLS } from './run.js';

export type CheckStatus = 'pass' | 'note' | 'fail';

export interface PreflightCheck {
  readonly name: string;
  /** true for pass and note. */
  readonly ok: boolean;
  readonly status: CheckStatus;
  /** Why: what was verified, or what is wrong and how. Never contains a key or secret. */
  readonly detail: string;
}

export interface PreflightResult {
  readonly checks: readonly PreflightCheck[];
  /** false when any check failed. */
  readonly ok: boolean;
}

export interface PreflightOptions {
  readonly logger: Logger;
  /** ENVIRONMENT=live: allow the leverage check to write to the real account. */
  readonly confirmLive?: boolean;
  /** The signer used for the self-test and for every signed request (default HmacSigner). */
  readonly signerFor?: (secret: string) => RequestSigner;
  /** The ghost-config scan (default doctor() over src/). */
  readonly doctor?: () => { readonly problems: readonly string[] };
  /**
   * Base URL answering GET /sapi/v1/account/apiRestrictions. Default: https://api.binance.com for live,
   * AEGIS_REST_URL when set, none for testnet (the futures testnet has no /sapi). null = none.
   */
  readonly permissionsUrl?: string | null;
  /** Local wall clock (default the real one). */
  readonly clock?: Clock;
  /** Per-request timeout, ms (default 10 000). */
  readonly timeoutMs?: number;
}

export const CHECK_NAMES = {
  credentials: 'credentials',
  signing: 'signing self-test',
  venue: 'venue reachable, clock skew',
  permissions: 'API key permissions',
  exchangeInfo: 'exchangeInfo, symbols TRADING',
  leverage: 'leverage settable',
  risk: 'risk settings',
  journal: 'journal writable, migrated',
  ghost: 'no ghost config',
} as const;

/**
 * Binance's published HMAC example (../shared/reference/binance-api.md §1, Binance "SIGNED endpoint
 * examples"): this secret over this query string gives this signature. Public values, not credentials.
 */
export const PUBLISHED_VECTOR = {
  secret: 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j',
  payload:
    'symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559',
  signature: 'c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71',
} as const;

/** Binance HMAC API keys and secrets are 64 letters or digits. */
export const KEY_LENGTH = 64;

/** Binance rejects a timestamp more than 1000 ms ahead of its clock (binance-api.md §1). */
const AHEAD_LIMIT_MS = 1000;

/** The risk rules of check 7: each returns the problem, or undefined when the setting is sane. */
export const RISK_RULES: readonly {
  readonly rule: string;
  readonly problem: (c: AegisConfig) => string | undefined;
}[] = [
  {
    rule: 'AEGIS_RISK_PER_TRADE <= 0.02 (at most 2% of equity lost on one stop-out)',
    problem: (c) =>
      c.riskPerTrade <= 0.02
        ? undefined
        : `AEGIS_RISK_PER_TRADE ${c.riskPerTrade} > 0.02: more than 2% of equity on one trade`,
  },
  {
    rule: 'AEGIS_MAX_DAILY_LOSS <= 0.2 (the kill switch halts before a fifth of the day is lost)',
    problem: (c) =>
      c.maxDailyLoss <= 0.2
        ? undefined
        : `AEGIS_MAX_DAILY_LOSS ${c.maxDailyLoss} > 0.2: the daily halt would allow losing more than 20%`,
  },
  {
    rule: 'AEGIS_MIN_CONFIDENCE < TEACHER_THRESHOLD (otherwise no student-grade signal can ever trade)',
    problem: (c) =>
      c.minConfidence < c.teacherThreshold
        ? undefined
        : `AEGIS_MIN_CONFIDENCE ${c.minConfidence} >= TEACHER_THRESHOLD ${c.teacherThreshold}: the student tier is unreachable`,
  },
  {
    rule: 'MAX_LEVERAGE_STUDENT <= MAX_LEVERAGE_TEACHER',
    problem: (c) =>
      c.maxLeverageStudent <= c.maxLeverageTeacher
        ? undefined
        : `MAX_LEVERAGE_STUDENT ${c.maxLeverageStudent} > MAX_LEVERAGE_TEACHER ${c.maxLeverageTeacher}`,
  },
  {
    rule: 'AEGIS_MAX_NOTIONAL_PER_SYMBOL <= AEGIS_MAX_NOTIONAL_TOTAL',
    problem: (c) =>
      c.maxNotionalPerSymbol <= c.maxNotionalTotal
        ? undefined
        : `AEGIS_MAX_NOTIONAL_PER_SYMBOL ${c.maxNotionalPerSymbol} > AEGIS_MAX_NOTIONAL_TOTAL ${c.maxNotionalTotal}`,
  },
];

interface Outcome {
  readonly status: CheckStatus;
  readonly detail: string;
}

const pass = (detail: string): Outcome => ({ status: 'pass', detail });
const note = (detail: string): Outcome => ({ status: 'note', detail });
const fail = (detail: string): Outcome => ({ status: 'fail', detail });

/** What a credential looks like, without any of its characters. */
function shapeOf(value: string): { ok: boolean; text: string } {
  const odd = value.replace(/[A-Za-z0-9]/g, '').length;
  const ok = value.length === KEY_LENGTH && odd === 0;
  const chars = odd === 0 ? 'all letters or digits' : `${odd} not a letter or digit`;
  return {
    ok,
    text: ok
      ? `${KEY_LENGTH} letters or digits`
      : `${value.length} characters, ${chars} (expected ${KEY_LENGTH} letters or digits)`,
  };
}

function message(caught: unknown): string {
  const e = toError(caught);
  const errno = (e.cause as NodeJS.ErrnoException | undefined)?.code;
  return errno !== undefined && !e.message.includes(errno) ? `${e.message} (${errno})` : e.message;
}

/** Run every check; never throws for a failed check (the reason is in the result). */
export async function runPreflight(config: AegisConfig, options: PreflightOptions): Promise<PreflightResult> {
  const logger = options.logger.child({ component: 'preflight' });
  const signerFor = options.signerFor ?? ((secret: string) => new HmacSigner(secret));
  const env = config.environment;
  const venueNeeded = env !== 'backtest';
  const keysNeeded = env === 'testnet' || env === 'live';
  const key = config.binanceApiKey?.reveal();
  const secret = config.binanceApiSecret?.reveal();
  const checks: PreflightCheck[] = [];
  const add = (name: string, o: Outcome): void => {
    const detail = scrub(o.detail, [key, secret]);
    checks.push({ name, ok: o.status !== 'fail', status: o.status, detail });
    const fields = { check: name, status: o.status, detail };
    if (o.status === 'fail') logger.warn(fields, 'preflight check failed');
    else logger.info(fields, 'preflight check');
  };

  // 1. credentials
  {
    if (key === undefined && secret === undefined) {
      add(
        CHECK_NAMES.credentials,
        keysNeeded
          ? fail(`ENVIRONMENT=${env} needs BINANCE_API_KEY and BINANCE_API_SECRET in the environment`)
          : note(`none given: ENVIRONMENT=${env} places no order on the venue (testnet and live need both)`),
      );
    } else if (key === undefined || secret === undefined) {
      const missing = key === undefined ? 'BINANCE_API_KEY' : 'BINANCE_API_SECRET';
      add(CHECK_NAMES.credentials, fail(`${missing} is missing (the other one is set)`));
    } else {
      const k = shapeOf(key);
      const s = shapeOf(secret);
      const text = `BINANCE_API_KEY: ${k.text}; BINANCE_API_SECRET: ${s.text}`;
      add(CHECK_NAMES.credentials, k.ok && s.ok ? pass(`${text} (values not shown)`) : fail(text));
    }
  }

  // 2. signing self-test
  {
    let outcome: Outcome;
    try {
      const got = signerFor(PUBLISHED_VECTOR.secret).sign(PUBLISHED_VECTOR.payload);
      const want = PUBLISHED_VECTOR.signature;
      outcome =
        got === want
          ? pass(`HMAC-SHA256 of Binance's published example gives ${short(want)} as documented`)
          : fail(`signer gives ${short(got)} for Binance's published example, expected ${short(want)}`);
    } catch (caught) {
      outcome = fail(`signer failed on Binance's published example: ${message(caught)}`);
    }
    add(CHECK_NAMES.signing, outcome);
  }

  const restUrl = config.restUrl ?? (env === 'testnet' ? FUTURES_URLS.testnet.rest : FUTURES_URLS.live.rest);
  const wall = new WallClock();
  const clock = options.clock ?? wall;
  const transports: BinanceTransport[] = [];
  const transportFor = (baseUrl: string): BinanceTransport => {
    const t = new BinanceTransport({
      baseUrl,
      clock,
      scheduler: wall,
      rateLimits: defaultRateLimits('futures'),
      timeoutMs: options.timeoutMs ?? 10_000,
      logger: logger.child({ component: 'preflight.rest' }),
    });
    transports.push(t);
    return t;
  };
  let credentials: Credentials | undefined;
  try {
    if (key !== undefined && secret !== undefined) credentials = { apiKey: key, signer: signerFor(secret) };
  } catch (caught) {
    logger.warn(
      { error: scrub(message(caught), [key, secret]) },
      'preflight: no signer for the configured secret',
    );
  }

  try {
    // 3. venue reachable, clock skew
    let client: FuturesRestClient | undefined;
    if (!venueNeeded) {
      add(CHECK_NAMES.venue, note('not applicable: ENVIRONMENT=backtest uses no venue'));
    } else if (config.market !== 'futures') {
      add(
        CHECK_NAMES.venue,
        fail(
          'AEGIS_MARKET=spot: aegis run trades USDⓈ-M futures only (spot through the adapter is not built)',
        ),
      );
    } else {
      const c = new FuturesRestClient({
        transport: transportFor(restUrl),
        clock,
        recvWindow: config.recvWindow,
        ...(credentials === undefined ? {} : { credentials }),
      });
      try {
        const sample = await c.timeSync.measure();
        const skew = Math.abs(Math.round(sample.offsetMs));
        const limit = Math.min(Math.floor(config.recvWindow / 4), AHEAD_LIMIT_MS);
        const where = `GET /fapi/v1/time at ${restUrl} answered in ${Math.round(sample.rttMs)} ms`;
        const rule = `limit ${limit} ms = min(AEGIS_RECV_WINDOW ${config.recvWindow} / 4, ${AHEAD_LIMIT_MS})`;
        add(
          CHECK_NAMES.venue,
          skew < limit
            ? pass(`${where}; clock skew ${skew} ms < ${rule}`)
            : fail(
                `${where}; clock skew ${skew} ms >= ${rule}: the local clock is ${sample.offsetMs > 0 ? 'behind' : 'ahead of'} the venue, sync it (NTP)`,
              ),
        );
        client = c;
      } catch (caught) {
        add(CHECK_NAMES.venue, fail(`GET /fapi/v1/time at ${restUrl} failed: ${message(caught)}`));
      }
    }
    const venueDown = (): Outcome =>
      venueNeeded
        ? fail(`not run: the venue check failed`)
        : note('not applicable: ENVIRONMENT=backtest uses no venue');

    // 4. API key permissions
    if (client === undefined) add(CHECK_NAMES.permissions, venueDown());
    else if (!keysNeeded && credentials === undefined)
      add(CHECK_NAMES.permissions, note(`not run: no API key (ENVIRONMENT=${env} needs none)`));
    else if (credentials === undefined) add(CHECK_NAMES.permissions, fail('not run: no API key'));
    else {
      const url =
        options.permissionsUrl !== undefined
          ? options.permissionsUrl
          : (config.restUrl ?? (env === 'live' ? 'https://api.binance.com' : null));
      add(
        CHECK_NAMES.permissions,
        url === null
          ? note(`not reported by this venue: ENVIRONMENT=${env} has no /sapi/v1/account/apiRestrictions`)
          : await checkPermissions(transportFor(url), url, credentials, client, config),
      );
    }

    // 5. exchangeInfo, symbols TRADING
    let tradable: readonly string[] | undefined;
    if (client === undefined) add(CHECK_NAMES.exchangeInfo, venueDown());
    else {
      try {
        const info = await client.exchangeInfo();
        const bySymbol = new Map<string, BinanceInstrument>(info.instruments.map((i) => [i.symbol, i]));
        const problems: string[] = [];
        for (const s of config.symbols) {
          const inst = bySymbol.get(s);
          if (inst === undefined) problems.push(`${s} is not listed by the venue`);
          else if (inst.status !== 'TRADING') problems.push(`${s} has status ${inst.status}, not TRADING`);
        }
        const n = info.instruments.length;
        const listed = `${n} symbol${n === 1 ? '' : 's'} listed`;
        add(
          CHECK_NAMES.exchangeInfo,
          problems.length === 0
            ? pass(`${listed}; ${config.symbols.join(', ')} TRADING`)
            : fail(`${listed}; ${problems.join('; ')}`),
        );
        tradable = config.symbols.filter((s) => bySymbol.get(s)?.status === 'TRADING');
      } catch (caught) {
        add(CHECK_NAMES.exchangeInfo, fail(`GET /fapi/v1/exchangeInfo failed: ${message(caught)}`));
      }
    }

    // 6. leverage settable
    if (client === undefined) add(CHECK_NAMES.leverage, venueDown());
    else if (!keysNeeded)
      add(
        CHECK_NAMES.leverage,
        note(`not run: ENVIRONMENT=${env} fills in-process, the venue's leverage is never set`),
      );
    else if (credentials === undefined) add(CHECK_NAMES.leverage, fail('not run: no API key'));
    else if (env === 'live' && options.confirmLive !== true)
      add(
        CHECK_NAMES.leverage,
        fail('not run: it sets leverage on the real account; run again with --confirm-live'),
      );
    else if (tradable === undefined || tradable.length === 0)
      add(CHECK_NAMES.leverage, fail('not run: no configured symbol is TRADING (see exchangeInfo)'));
    else add(CHECK_NAMES.leverage, await checkLeverage(client, config, tradable));
  } finally {
    for (const t of transports) t.close();
    wall.cancelAll();
  }

  // 7. risk settings
  {
    const problems = RISK_RULES.map((r) => r.problem(config)).filter((p) => p !== undefined);
    add(
      CHECK_NAMES.risk,
      problems.length === 0
        ? pass(
            `risk/trade ${config.riskPerTrade}, daily loss ${config.maxDailyLoss}, min confidence ${config.minConfidence} < teacher ${config.teacherThreshold}, leverage ${config.maxLeverageStudent}x/${config.maxLeverageTeacher}x, notional ${config.maxNotionalPerSymbol}/${config.maxNotionalTotal}`,
          )
        : fail(problems.join('; ')),
    );
  }

  // 8. journal writable, migrated
  add(CHECK_NAMES.journal, await checkJournal(config, logger));

  // 9. no ghost config
  {
    let outcome: Outcome;
    try {
      const problems = (options.doctor ?? realDoctor)().problems;
      outcome =
        problems.length === 0
          ? pass('aegis doctor: no ghost config key, no orphan topic (beyond those listed as pending)')
          : fail(`aegis doctor found ${problems.length}: ${problems.join('; ')}`);
    } catch (caught) {
      outcome = fail(`aegis doctor could not scan the sources: ${message(caught)}`);
    }
    add(CHECK_NAMES.ghost, outcome);
  }

  return { checks, ok: checks.every((c) => c.ok) };
}

const short = (hex: string): string => (hex.length > 16 ? `${hex.slice(0, 8)}…${hex.slice(-4)}` : hex);

/** Defence in depth: no credential value survives into a reason, whatever an error message carried. */
function scrub(text: string, values: readonly (string | undefined)[]): string {
  let out = text;
  for (const v of values) if (v !== undefined && v.length >= 8) out = out.split(v).join('[REDACTED]');
  return out;
}

const restrictionsSchema = z.looseObject({
  enableWithdrawals: z.boolean(),
  enableFutures: z.boolean().optional(),
  enableReading: z.boolean().optional(),
  ipRestrict: z.boolean().optional(),
});

/**
 * GET /sapi/v1/account/apiRestrictions (USER_DATA, signed), Binance wallet API "Get API Key Permission".
 * 404: the venue does not report permissions (a note). enableWithdrawals=true or enableFutures=false: fail.
 */
async function checkPermissions(
  transport: BinanceTransport,
  url: string,
  credentials: Credentials,
  client: FuturesRestClient,
  config: AegisConfig,
): Promise<Outcome> {
  const label = `GET /sapi/v1/account/apiRestrictions at ${url}`;
  let raw: unknown;
  try {
    const request = buildRequest(
      { method: 'GET', path: '/sapi/v1/account/apiRestrictions', security: 'signed' },
      credentials,
      { timestamp: client.timeSync.timestamp(), recvWindow: config.recvWindow },
    );
    raw = await transport.send(request);
  } catch (caught) {
    if (caught instanceof VenueRejectedError && caught.status === 404) {
      return note(`not reported by this venue (${label} answered 404)`);
    }
    return fail(`${label} failed: ${message(caught)}`);
  }
  const parsed = restrictionsSchema.safeParse(raw);
  if (!parsed.success) return fail(`${label}: answer has no boolean enableWithdrawals`);
  const r = parsed.data;
  const problems: string[] = [];
  if (r.enableWithdrawals)
    problems.push('the key can withdraw (enableWithdrawals=true): make a key without withdrawal rights');
  if (r.enableFutures === false) problems.push('the key cannot trade futures (enableFutures=false)');
  if (r.enableReading === false) problems.push('the key cannot read the account (enableReading=false)');
  if (problems.length > 0) return fail(problems.join('; '));
  const ip = r.ipRestrict === false ? '; not IP-restricted (an IP whitelist is recommended)' : '';
  return pass(`withdrawals disabled, futures ${r.enableFutures === true ? 'enabled' : 'not reported'}${ip}`);
}

/**
 * For each symbol: remember the leverage (GET /fapi/v2/positionRisk), set MAX_LEVERAGE_TEACHER (POST
 * /fapi/v1/leverage), require the answer to echo it and its maxNotionalValue (the leverage bracket's
 * notional cap) to allow AEGIS_MAX_NOTIONAL_PER_SYMBOL, then put the previous leverage back.
 */
async function checkLeverage(
  client: FuturesRestClient,
  config: AegisConfig,
  symbols: readonly string[],
): Promise<Outcome> {
  const teacher = config.maxLeverageTeacher;
  const wanted = Decimal.fromNumber(config.maxNotionalPerSymbol);
  const problems: string[] = [];
  const done: string[] = [];
  if (config.maxLeverageStudent > teacher)
    problems.push(`MAX_LEVERAGE_STUDENT ${config.maxLeverageStudent} > MAX_LEVERAGE_TEACHER ${teacher}`);
  for (const symbol of symbols) {
    try {
      const before = (await client.positionRisk(symbol)).find((p) => p.symbol === symbol)?.leverage;
      const r = await client.setLeverage(symbol, teacher);
      const cap = Decimal.parse(r.maxNotionalValue);
      if (r.leverage !== teacher) problems.push(`${symbol}: asked ${teacher}x, venue set ${r.leverage}x`);
      else if (cap.lt(wanted))
        problems.push(
          `${symbol}: at ${teacher}x the venue caps a position at ${r.maxNotionalValue} notional < AEGIS_MAX_NOTIONAL_PER_SYMBOL ${config.maxNotionalPerSymbol}`,
        );
      let restored = '';
      if (before !== undefined && before !== r.leverage) {
        await client.setLeverage(symbol, before);
        restored = `, restored ${before}x`;
      }
      done.push(`${symbol} ${teacher}x ok (cap ${r.maxNotionalValue}${restored})`);
    } catch (caught) {
      problems.push(`${symbol}: POST /fapi/v1/leverage ${teacher}x failed: ${message(caught)}`);
    }
  }
  return problems.length === 0 ? pass(done.join('; ')) : fail(problems.join('; '));
}

async function checkJournal(config: AegisConfig, logger: Logger): Promise<Outcome> {
  const where = redactUrlPassword(config.databaseUrl);
  try {
    const target = parseDatabaseUrl(config.databaseUrl);
    const journal = await openJournal(config.databaseUrl, { logger });
    let applied: readonly { version: number }[];
    try {
      applied = await journal.appliedMigrations();
    } finally {
      await journal.close();
    }
    if (applied.length === 0) return fail(`${where}: opened but no migration is applied`);
    const versions = applied.map((m) => m.version).join(', ');
    if (target.dialect === 'sqlite') {
      if (target.file === ':memory:') {
        const text = `${where}: in memory, nothing survives a restart (migrations ${versions})`;
        return config.environment === 'live' ? fail(text) : note(text);
      }
      accessSync(target.file, fsConstants.W_OK);
      accessSync(path.dirname(path.resolve(target.file)), fsConstants.W_OK); // WAL and -shm files
    }
    return pass(`${target.dialect} ${where} writable, migrations ${versions} applied`);
  } catch (caught) {
    return fail(`${where}: ${message(caught)}`);
  }
}

/** The result as a table: one row per check (PASS / NOTE / FAIL and the reason), then the verdict. */
export function formatPreflight(result: PreflightResult): string {
  const label: Record<CheckStatus, string> = { pass: 'PASS', note: 'NOTE', fail: 'FAIL' };
  const width = Math.max('check'.length, ...result.checks.map((c) => c.name.length));
  const row = (a: string, b: string, c: string): string => `${a.padEnd(width)}  ${b.padEnd(8)}${c}`;
  const lines = [row('check', 'result', 'reason'), row('-'.repeat(width), '------', '------')];
  for (const c of result.checks) lines.push(row(c.name, label[c.status], c.detail));
  const count = (s: CheckStatus): number => result.checks.filter((c) => c.status === s).length;
  lines.push(
    '',
    `preflight: ${count('pass')} passed, ${count('note')} noted, ${count('fail')} failed: ${
      result.ok ? 'ready' : 'NOT ready'
    }`,
  );
  return lines.join('\n');
}
