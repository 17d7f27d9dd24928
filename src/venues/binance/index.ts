/** Binance venue adapter: signing, hot-path market parsers, REST transport and endpoint clients. */
export {
  SpotRestClient,
  FuturesRestClient,
  type ClientOptions,
  type KlineQuery,
  type OrderRef,
} from './clients.js';
export {
  OrderOutcomeUnknownError,
  VenueRateLimitedError,
  VenueRejectedError,
  VenueTransportError,
} from './errors.js';
export type {
  AlgoOrder,
  BinanceInstrument,
  ExchangeInfo,
  FuturesBalance,
  FuturesPosition,
  LeverageResult,
  OrderFill,
  SpotBalance,
  VenueOrder,
} from './mappers.js';
export {
  parseMarketMessage,
  parseMarketMessageReference,
  type BookLevel,
  type DepthUpdate,
  type MarketMessage,
  type MarketMessageType,
  type RejectReason,
} from './market-parse.js';
export { futuresAlgoOrderParams, futuresOrderParams, spotOrderParams, type PositionSide } from './orders.js';
export { defaultRateLimits, RateLimitTracker, type RateLimitRule } from './rate-limit.js';
export {
  buildRequest,
  encodeParams,
  DEFAULT_RECV_WINDOW,
  type BuiltRequest,
  type RequestSpec,
} from './request.js';
export { Ed25519Signer, HmacSigner, TimeSync, type RequestSigner } from './signing.js';
export { BinanceTransport, type SendOptions, type TransportOptions } from './transport.js';
export { WallClock } from '../wall-clock.js';
export { BinanceMarketStream, type MarketEvent, type MarketStreamOptions } from './market-stream.js';
export {
  FuturesListenKey,
  FuturesUserStream,
  parseFuturesUserEvent,
  type FuturesUserEvent,
} from './user-stream.js';
export {
  SPOT_WS_API_URL,
  SpotUserStream,
  type SpotUserStreamOptions,
  type SpotUserStreamStats,
} from './spot-user-stream.js';
export { parseSpotUserEvent, type SpotUserEvent } from './spot-user-events.js';
export {
  BinanceSpotVenue,
  ExecutionFanout,
  spotOrderToEvent,
  type BinanceSpotVenueOptions,
  type SpotUserStreamSettings,
} from './spot-venue.js';

/** Base URLs (../shared/reference/binance-api.md §2); any other URL (e.g. the simulator) works too. */
export const BINANCE_BASE_URLS = {
  spot: 'https://api.binance.com',
  spotTestnet: 'https://testnet.binance.vision',
  futures: 'https://fapi.binance.com',
  futuresTestnet: 'https://testnet.binancefuture.com',
} as const;
