import type { Logger } from '../core/logger.js';
import { USDM_BTCUSDT, USDM_ETHUSDT } from '../venues/sim/instruments.js';
import { SimServer } from '../venues/sim/server/index.js';
import { DEMO_SYMBOLS, SyntheticMarket } from '../venues/synthetic/generator.js';

export interface SimServeOptions {
  /** The API key and secret clients must sign with (from the environment: never printed). */
  readonly apiKey: string;
  readonly apiSecret: string;
  readonly port: number;
  readonly seed: number;
  /** Market speed: simulated seconds per wall second (1 = real time). */
  readonly speed: number;
  readonly logger: Logger;
  readonly signal: AbortSignal;
  readonly print: (line: string) => void;
}

/**
 * `aegis sim`: the Binance-compatible simulator on 127.0.0.1 serving the seeded synthetic market
 * (BTCUSDT, ETHUSDT perpetuals) on its streams at `speed` times real time, until the signal aborts.
 * Event times start now, so an engine on the wall clock sees fresh data.
 */
export async function serveSim(o: SimServeOptions): Promise<{ events: number }> {
  const server = new SimServer({
    apiKey: o.apiKey,
    apiSecret: o.apiSecret,
    port: o.port,
    engine: { instruments: [USDM_BTCUSDT, USDM_ETHUSDT], balances: { USDT: '10000' } },
    logger: o.logger,
  });
  const { restUrl, wsUrl } = await server.start();
  o.print(`aegis sim: REST ${restUrl}  WebSocket ${wsUrl}  (seed ${o.seed}, ${o.speed}x real time)`);
  o.print(
    `  trade it: ENVIRONMENT=testnet AEGIS_REST_URL=${restUrl} AEGIS_WS_URL=${wsUrl} ` +
      'BINANCE_API_KEY=<the same key> BINANCE_API_SECRET=<the same secret> npx aegis run',
  );
  const start = Date.now();
  const market = new SyntheticMarket({ seed: o.seed, startTime: start, symbols: DEMO_SYMBOLS });
  let events = 0;
  let next = market.next();
  try {
    while (!o.signal.aborted) {
      // everything due by now (event time runs `speed` times faster than the wall clock since start)
      const due = start + (Date.now() - start) * o.speed;
      for (; ; next = market.next()) {
        const t = next.kind === 'trade' ? next.trade.time : next.quote.time;
        if (t > due) break;
        if (next.kind === 'trade') server.feedTrade(next.trade);
        else server.feedQuote(next.quote);
        events++;
      }
      const t = next.kind === 'trade' ? next.trade.time : next.quote.time;
      const waitMs = Math.max(1, Math.min(250, (t - due) / o.speed));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs);
        o.signal.addEventListener(
          'abort',
          () => {
            clearTimeout(timer);
            resolve();
          },
          { once: true },
        );
      });
    }
  } finally {
    await server.stop();
  }
  return { events };
}
