import { z } from 'zod';
import { Secret } from './secret.js';

/**
 * The one config schema. Each field has one name per source: `key` in the JSON config file, `env` in the
 * environment and in `--set ENV_NAME=value` flags. Defaults live here and nowhere else.
 */
export interface FieldDef<T> {
  readonly key: string;
  readonly env: string;
  readonly secret: boolean;
  readonly description: string;
  /** What is allowed, phrased to follow "X must be ...". */
  readonly allowed: string;
  /** undefined = optional with no default. Secrets never have a default. */
  readonly default: T | undefined;
  readonly schema: z.ZodType<T>;
}

const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Accept a JSON number or a numeric string (env/flags); anything else fails validation. */
function num(): z.ZodType<number> {
  return z.preprocess(
    (v) => (typeof v === 'string' && NUMERIC.test(v.trim()) ? Number(v.trim()) : v),
    z.number(),
  );
}

function int(min: number, max = Number.MAX_SAFE_INTEGER): z.ZodType<number> {
  return num().pipe(z.number().int().min(min).max(max));
}

function real(min: number, max: number, exclusiveMin = false): z.ZodType<number> {
  const base = z.number().max(max);
  return num().pipe(exclusiveMin ? base.gt(min) : base.min(min));
}

function oneOf<const T extends readonly [string, ...string[]]>(values: T): z.ZodType<T[number]> {
  return z.preprocess((v) => (typeof v === 'string' ? v.trim().toLowerCase() : v), z.enum(values));
}

function list(item: RegExp, upper: boolean): z.ZodType<readonly string[]> {
  return z.preprocess(
    (v) =>
      typeof v === 'string'
        ? v
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s.length > 0)
            .map((s) => (upper ? s.toUpperCase() : s))
        : v,
    z.array(z.string().regex(item)).min(1),
  );
}

const secret = (): z.ZodType<Secret> =>
  z.preprocess(
    (v) => (typeof v === 'string' && v.trim().length > 0 ? new Secret(v.trim()) : v),
    z.instanceof(Secret),
  );

const url = (protocols: RegExp): z.ZodType<string> =>
  z
    .string()
    .trim()
    .refine((s) => {
      try {
        return protocols.test(new URL(s).protocol);
      } catch {
        return false;
      }
    });

export const ENVIRONMENTS = ['backtest', 'paper', 'testnet', 'live'] as const;
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export const MARKETS = ['futures', 'spot'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];
export type LogLevel = (typeof LOG_LEVELS)[number];
export type Market = (typeof MARKETS)[number];
const INTERVALS = /^(1s|1m|3m|5m|15m|30m|1h|2h|4h|6h|8h|12h|1d|3d|1w)$/;

function field<T>(def: FieldDef<T>): FieldDef<T> {
  return def;
}

export const FIELDS = {
  binanceApiKey: field<Secret | undefined>({
    key: 'binanceApiKey',
    env: 'BINANCE_API_KEY',
    secret: true,
    description: 'Binance API key (environment only; required for testnet and live).',
    allowed: 'a non-empty string',
    default: undefined,
    schema: secret(),
  }),
  binanceApiSecret: field<Secret | undefined>({
    key: 'binanceApiSecret',
    env: 'BINANCE_API_SECRET',
    secret: true,
    description:
      'Binance API secret for HMAC-SHA256 signing (environment only; required for testnet and live).',
    allowed: 'a non-empty string',
    default: undefined,
    schema: secret(),
  }),
  environment: field<Environment>({
    key: 'environment',
    env: 'ENVIRONMENT',
    secret: false,
    description: 'Trading mode: backtest, paper (live data, simulated fills), testnet or live.',
    allowed: `one of ${ENVIRONMENTS.join(' | ')}`,
    default: 'paper',
    schema: oneOf(ENVIRONMENTS),
  }),
  maxOpenPositions: field({
    key: 'maxOpenPositions',
    env: 'MAX_OPEN_POSITIONS',
    secret: false,
    description: 'Most positions open at once (risk gate).',
    allowed: 'an integer >= 1',
    default: 3,
    schema: int(1),
  }),
  rsiPeriod: field({
    key: 'rsiPeriod',
    env: 'RSI_PERIOD',
    secret: false,
    description: 'RSI look-back in candles.',
    allowed: 'an integer from 2 to 1000',
    default: 14,
    schema: int(2, 1000),
  }),
  atrPeriod: field({
    key: 'atrPeriod',
    env: 'ATR_PERIOD',
    secret: false,
    description: 'ATR look-back in candles.',
    allowed: 'an integer from 1 to 1000',
    default: 14,
    schema: int(1, 1000),
  }),
  teacherThreshold: field({
    key: 'teacherThreshold',
    env: 'TEACHER_THRESHOLD',
    secret: false,
    description: 'Confidence at or above which a signal is teacher-grade (else student-grade).',
    allowed: 'a number from 0 to 1',
    default: 0.75,
    schema: real(0, 1),
  }),
  maxLeverageTeacher: field({
    key: 'maxLeverageTeacher',
    env: 'MAX_LEVERAGE_TEACHER',
    secret: false,
    description: 'Leverage cap for teacher-grade signals.',
    allowed: 'an integer from 1 to 125',
    default: 10,
    schema: int(1, 125),
  }),
  maxLeverageStudent: field({
    key: 'maxLeverageStudent',
    env: 'MAX_LEVERAGE_STUDENT',
    secret: false,
    description: 'Leverage cap for student-grade signals (<= MAX_LEVERAGE_TEACHER).',
    allowed: 'an integer from 1 to 125',
    default: 3,
    schema: int(1, 125),
  }),
  databaseUrl: field({
    key: 'databaseUrl',
    env: 'DATABASE_URL',
    secret: false,
    description: 'Journal: a SQLite file path (or sqlite:PATH) or a postgres:// URL.',
    allowed: 'a file path, sqlite:PATH or a postgres:// / postgresql:// URL',
    default: './data/aegis.sqlite',
    schema: z
      .string()
      .trim()
      .min(1)
      .refine((s) => !/^[a-z][a-z0-9+.-]*:\/\//i.test(s) || /^postgres(ql)?:\/\//i.test(s)),
  }),
  redisUrl: field<string | undefined>({
    key: 'redisUrl',
    env: 'REDIS_URL',
    secret: false,
    description: 'Optional Redis URL: carries the event bus across processes.',
    allowed: 'a redis:// or rediss:// URL',
    default: undefined,
    schema: url(/^rediss?:$/),
  }),
  logLevel: field<LogLevel>({
    key: 'logLevel',
    env: 'LOG_LEVEL',
    secret: false,
    description: 'Log level.',
    allowed: `one of ${LOG_LEVELS.join(' | ')}`,
    default: 'info',
    schema: oneOf(LOG_LEVELS),
  }),
  market: field<Market>({
    key: 'market',
    env: 'AEGIS_MARKET',
    secret: false,
    description: 'Binance market: futures (USDⓈ-M perpetuals, leverage) or spot (leverage 1).',
    allowed: `one of ${MARKETS.join(' | ')}`,
    default: 'futures',
    schema: oneOf(MARKETS),
  }),
  symbols: field<readonly string[]>({
    key: 'symbols',
    env: 'AEGIS_SYMBOLS',
    secret: false,
    description: 'Symbols to trade, comma-separated.',
    allowed: 'a comma-separated list of symbols such as BTCUSDT,ETHUSDT',
    default: ['BTCUSDT'],
    schema: list(/^[A-Z0-9]{2,20}$/, true),
  }),
  intervals: field<readonly string[]>({
    key: 'intervals',
    env: 'AEGIS_INTERVALS',
    secret: false,
    description: 'Candle intervals the brain decides on; the first is the trading interval.',
    allowed: 'a comma-separated list of Binance intervals (1s,1m,3m,5m,15m,30m,1h,2h,4h,6h,8h,12h,1d,3d,1w)',
    default: ['5m'],
    schema: list(INTERVALS, false),
  }),
  riskPerTrade: field({
    key: 'riskPerTrade',
    env: 'AEGIS_RISK_PER_TRADE',
    secret: false,
    description: 'Fraction of equity risked per trade (entry to stop).',
    allowed: 'a number > 0 and <= 0.1',
    default: 0.01,
    schema: real(0, 0.1, true),
  }),
  minConfidence: field({
    key: 'minConfidence',
    env: 'AEGIS_MIN_CONFIDENCE',
    secret: false,
    description: 'Signals below this confidence are denied by the risk gate.',
    allowed: 'a number from 0 to 1',
    default: 0.5,
    schema: real(0, 1),
  }),
  maxNotionalPerSymbol: field({
    key: 'maxNotionalPerSymbol',
    env: 'AEGIS_MAX_NOTIONAL_PER_SYMBOL',
    secret: false,
    description: 'Largest position notional per symbol, in the quote asset.',
    allowed: 'a number > 0',
    default: 50_000,
    schema: real(0, 1e15, true),
  }),
  maxNotionalTotal: field({
    key: 'maxNotionalTotal',
    env: 'AEGIS_MAX_NOTIONAL_TOTAL',
    secret: false,
    description: 'Largest notional across all open positions, in the quote asset.',
    allowed: 'a number > 0',
    default: 100_000,
    schema: real(0, 1e15, true),
  }),
  maxDailyLoss: field({
    key: 'maxDailyLoss',
    env: 'AEGIS_MAX_DAILY_LOSS',
    secret: false,
    description: "Daily loss limit as a fraction of the day's starting equity; a breach halts new entries.",
    allowed: 'a number > 0 and <= 1',
    default: 0.05,
    schema: real(0, 1, true),
  }),
  stopOutCooldownMinutes: field({
    key: 'stopOutCooldownMinutes',
    env: 'AEGIS_STOPOUT_COOLDOWN_MINUTES',
    secret: false,
    description: 'No new entry on a symbol for this long after a stop-out.',
    allowed: 'a number from 0 to 10080',
    default: 30,
    schema: real(0, 10_080),
  }),
  rotationMargin: field({
    key: 'rotationMargin',
    env: 'AEGIS_ROTATION_MARGIN',
    secret: false,
    description:
      "At capacity, a signal must beat the weakest position's confidence by this much to rotate it out.",
    allowed: 'a number from 0 to 1',
    default: 0.1,
    schema: real(0, 1),
  }),
  rotationCooldownMinutes: field({
    key: 'rotationCooldownMinutes',
    env: 'AEGIS_ROTATION_COOLDOWN_MINUTES',
    secret: false,
    description: 'Minimum time between two rotations.',
    allowed: 'a number from 0 to 10080',
    default: 60,
    schema: real(0, 10_080),
  }),
  shutdownEntryOrders: field({
    key: 'shutdownEntryOrders',
    env: 'AEGIS_SHUTDOWN_ENTRY_ORDERS',
    secret: false,
    description:
      'On SIGINT/SIGTERM: cancel entry orders still working at the venue (cancel) or leave them (keep); protective orders are always kept.',
    allowed: 'one of cancel | keep',
    default: 'cancel',
    schema: oneOf(['cancel', 'keep'] as const),
  }),
  runPrefix: field({
    key: 'runPrefix',
    env: 'AEGIS_RUN_PREFIX',
    secret: false,
    description: 'Prefix of every client order id; keep it stable across restarts so orders are recognised.',
    allowed: '1 to 8 letters or digits',
    default: 'aegis',
    schema: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9]{1,8}$/),
  }),
  recvWindow: field({
    key: 'recvWindow',
    env: 'AEGIS_RECV_WINDOW',
    secret: false,
    description: 'recvWindow for signed requests, ms.',
    allowed: 'an integer from 1 to 60000',
    default: 5000,
    schema: int(1, 60_000),
  }),
  heartbeatMinutes: field({
    key: 'heartbeatMinutes',
    env: 'AEGIS_HEARTBEAT_MINUTES',
    secret: false,
    description: 'Heartbeat report period in minutes of engine time.',
    allowed: 'a number > 0 and <= 1440',
    default: 15,
    schema: real(0, 1440, true),
  }),
  restUrl: field<string | undefined>({
    key: 'restUrl',
    env: 'AEGIS_REST_URL',
    secret: false,
    description:
      'Override the venue REST base URL (e.g. the simulator); default from market and environment.',
    allowed: 'an http:// or https:// URL',
    default: undefined,
    schema: url(/^https?:$/),
  }),
  wsUrl: field<string | undefined>({
    key: 'wsUrl',
    env: 'AEGIS_WS_URL',
    secret: false,
    description: 'Override the venue WebSocket base URL; default from market and environment.',
    allowed: 'a ws:// or wss:// URL',
    default: undefined,
    schema: url(/^wss?:$/),
  }),
  wsApiUrl: field<string | undefined>({
    key: 'wsApiUrl',
    env: 'AEGIS_WS_API_URL',
    secret: false,
    description:
      'Override the spot WebSocket API URL (spot user data stream); default from environment, or <AEGIS_WS_URL>/ws-api/v3 when AEGIS_WS_URL is set.',
    allowed: 'a ws:// or wss:// URL',
    default: undefined,
    schema: url(/^wss?:$/),
  }),
} as const;

type Fields = typeof FIELDS;
export type ConfigKey = keyof Fields;
type ValueOf<F> = F extends FieldDef<infer T> ? T : never;

/** The effective configuration: frozen, secrets wrapped in Secret. */
export type AegisConfig = Readonly<{ [K in ConfigKey]: ValueOf<Fields[K]> }>;

export const FIELD_LIST: readonly FieldDef<unknown>[] = Object.values(FIELDS);
