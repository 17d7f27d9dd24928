import type { Logger } from '../core/logger.js';
import type { Instrument } from '../domain/instrument.js';
import { pump, type Pace, type PumpStats } from '../venues/replay/pump.js';
import {
  describeFileName,
  filesSource,
  syntheticSource,
  type FileSourceSpec,
} from '../venues/replay/sources.js';
import { USDM_BTCUSDT, USDM_ETHUSDT } from '../venues/sim/instruments.js';
import { SimServer, type FaultSpec, type SimServerUrls } from '../venues/sim/server/index.js';
import { DEMO_SYMBOLS, SyntheticMarket } from '../venues/synthetic/generator.js';
import { defaultInstrument } from './backtest/run.js';

export interface SimServeOptions {
  /** The API key and secret clients must sign with (from the environment: never printed). */
  readonly apiKey: string;
  readonly apiSecret: string;
  readonly port: number;
  readonly seed: number;
  /** Market speed: simulated seconds per wall second (1 = real time). */
  readonly speed: number;
  /**
   * Serve these files (klines, trades / aggTrades, book tickers, mark-price streams; ../shared/data or
   * Binance dump layout, plain or .gz; several merged by time) instead of the synthetic market. Event
   * times are the data's own, so the frames are those a replay of the recording would carry.
   */
  readonly data?: readonly FileSourceSpec[];
  /** Starting USDT balance of the simulated account. Default 10 000. */
  readonly balance?: number;
  /** Pacing override (tests: flow control with the consumer); default `speed` on the wall clock. */
  readonly pace?: Pace;
  /** Awaited once the server listens, before the first market event is sent (clients connect here). */
  readonly onListening?: (urls: SimServerUrls) => Promise<void>;
  /** With `data`: keep serving (REST, user streams) after the data ended, until the signal aborts. Default true. */
  readonly holdAfterData?: boolean;
  /** Faults armed at start (docs/simulator.md); more can be posted to `<rest>/sim/faults` while it runs. */
  readonly faults?: FaultSpec;
  readonly logger: Logger;
  readonly signal: AbortSignal;
  readonly print: (line: string) => void;
}

/**
 * `aegis sim`: the Binance-compatible simulator on 127.0.0.1 serving the seeded synthetic market
 * (BTCUSDT, ETHUSDT perpetuals) or data files on its streams at `speed` times real time, until the signal
 * aborts. Synthetic event times start now, so an engine on the wall clock sees fresh data; data files keep
 * their recorded times (trade them with `aegis run --mode replay`, whose engine runs on event time).
 */
export async function serveSim(o: SimServeOptions): Promise<{ events: number; pump: PumpStats }> {
  const files = o.data ?? [];
  const instruments = files.length === 0 ? [USDM_BTCUSDT, USDM_ETHUSDT] : dataInstruments(files, o);
  const server = new SimServer({
    apiKey: o.apiKey,
    apiSecret: o.apiSecret,
    port: o.port,
    engine: { instruments, balances: { USDT: String(o.balance ?? 10_000) } },
    ...(o.faults === undefined ? {} : { faults: o.faults }),
    logger: o.logger,
  });
  const urls = await server.start();
  const { restUrl, wsUrl } = urls;
  const what = files.length === 0 ? `seed ${o.seed}` : `data ${files.map((f) => f.file).join(', ')}`;
  o.print(`aegis sim: REST ${restUrl}  WebSocket ${wsUrl}  (${what}, ${o.speed}x real time)`);
  o.print(
    files.length === 0
      ? `  trade it: ENVIRONMENT=testnet AEGIS_REST_URL=${restUrl} AEGIS_WS_URL=${wsUrl} ` +
          'BINANCE_API_KEY=<the same key> BINANCE_API_SECRET=<the same secret> npx aegis run'
      : '  recorded event times: to trade the data on its own clock use `aegis run --mode replay --data FILE`',
  );
  o.print(`  faults: curl -X POST ${restUrl}/sim/faults -d '<json>'  (docs/simulator.md)`);
  try {
    await o.onListening?.(urls);
    const source =
      files.length === 0
        ? syntheticSource(new SyntheticMarket({ seed: o.seed, startTime: Date.now(), symbols: DEMO_SYMBOLS }))
        : filesSource(files);
    const stats = await pump(source, {
      sink: server,
      pace: o.pace ?? { kind: 'wall', speed: o.speed },
      signal: o.signal,
    });
    if (files.length > 0 && !stats.aborted) {
      o.print(`aegis sim: the data ended after ${stats.events} market events`);
      if (o.holdAfterData !== false) await aborted(o.signal);
    }
    return { events: stats.events, pump: stats };
  } finally {
    await server.stop();
  }
}

/** The simulator's instrument for each *USDT symbol of the files; other symbols are served, not traded. */
function dataInstruments(files: readonly FileSourceSpec[], o: SimServeOptions): Instrument[] {
  const out: Instrument[] = [];
  for (const f of files) {
    const symbol = f.symbol ?? describeFileName(f.file).symbol;
    if (symbol === undefined || out.some((i) => i.symbol === symbol)) continue;
    if (!symbol.endsWith('USDT')) {
      o.logger.warn(
        { symbol, file: f.file },
        'aegis sim: not a *USDT symbol: its data is served, orders are refused',
      );
      continue;
    }
    out.push(defaultInstrument(symbol, 'futures'));
  }
  return out;
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else
      signal.addEventListener(
        'abort',
        () => {
          resolve();
        },
        { once: true },
      );
  });
}
