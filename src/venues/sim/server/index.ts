/** The Binance USDⓈ-M compatible simulator server (see server.ts for the behaviour and its limits). */
export { SimServer, type SimServerOptions, type SimServerUrls } from './server.js';
export type { RateLimitOptions } from './rate-limit.js';
export {
  faultSpecFromArg,
  faultSpecSchema,
  parseFaultSpec,
  type FaultSpec,
  type FaultStats,
} from './faults.js';
export { SimWsApi, type SimWsApiStats } from './ws-api.js';
