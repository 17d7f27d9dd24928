/**
 * One typed method per Binance REST endpoint, spot (`/api/v3`) and USDⓈ-M futures (`/fapi`).
 * Each method builds the request (signing when the endpoint is SIGNED), sends it through the transport and
 * maps the answer. Signed calls take `timestamp` from TimeSync; a -1021 answer re-measures the offset and
 * the call is sent once more (a -1021 request was rejected, so nothing happened on the venue).
 */
import type { Clock } from '../../core/clock.js';
import type { Candle, Interval, MarketType } from '../../domain/market.js';
import type { OrderRequest } from '../../domain/order.js';
import { VenueRejectedError } from './errors.js';
import {
  mapAlgoCancel,
  mapAlgoOrder,
  mapAlgoOrders,
  mapExchangeInfo,
  mapFuturesBalances,
  mapKlines,
  mapLeverage,
  mapListenKey,
  mapOrder,
  mapOrders,
  mapPositionRisk,
  mapServerTime,
  mapSpotAccount,
  type AlgoOrder,
  type ExchangeInfo,
  type FuturesBalance,
  type FuturesPosition,
  type LeverageResult,
  type SpotBalance,
  type VenueOrder,
} from './mappers.js';
import {
  futuresAlgoOrderParams,
  futuresOrderQuery,
  newOrderSpec,
  spotOrderParams,
  type AlgoOrderOptions,
  type FuturesOrderOptions,
} from './orders.js';
import { buildRequest, type Credentials, type Params, type RequestSpec } from './request.js';
import { TimeSync } from './signing.js';
import type { BinanceTransport, SendOptions } from './transport.js';

export interface ClientOptions {
  readonly transport: BinanceTransport;
  /** Needed for SIGNED and API-key endpoints; public endpoints work without. */
  readonly credentials?: Credentials;
  /** The local wall clock TimeSync compares with server time. */
  readonly clock: Clock;
  /** Default 5000 ms. */
  readonly recvWindow?: number;
}

export interface KlineQuery {
  readonly startTime?: number;
  readonly endTime?: number;
  /** Spot max 1000, futures max 1500. */
  readonly limit?: number;
}

/** Identify an order by the client id we gave it (preferred) or the venue's id. */
export type OrderRef = { readonly clientOrderId: string } | { readonly orderId: string };

function orderRefParams(ref: OrderRef, clientKey: string): Params {
  return 'clientOrderId' in ref ? { [clientKey]: ref.clientOrderId } : { orderId: ref.orderId };
}

abstract class BinanceRestClient {
  abstract readonly market: MarketType;
  readonly timeSync: TimeSync;
  protected readonly transport: BinanceTransport;
  private readonly credentials: Credentials | undefined;
  private readonly recvWindow: number | undefined;

  constructor(options: ClientOptions) {
    this.transport = options.transport;
    this.credentials = options.credentials;
    this.recvWindow = options.recvWindow;
    this.timeSync = new TimeSync({ clock: options.clock, fetchServerTime: () => this.serverTime() });
  }

  abstract serverTime(): Promise<number>;

  protected async call(spec: RequestSpec, options: SendOptions = {}): Promise<unknown> {
    try {
      return await this.transport.send(this.build(spec), options);
    } catch (caught) {
      if (spec.security === 'signed' && caught instanceof VenueRejectedError && caught.venueCode === -1021) {
        await this.timeSync.measure();
        return this.transport.send(this.build(spec), options);
      }
      throw caught;
    }
  }

  private build(spec: RequestSpec) {
    if (spec.security !== 'signed') return buildRequest(spec, this.credentials, undefined);
    const sign =
      this.recvWindow === undefined
        ? { timestamp: this.timeSync.timestamp() }
        : { timestamp: this.timeSync.timestamp(), recvWindow: this.recvWindow };
    return buildRequest(spec, this.credentials, sign);
  }

  /**
   * After ORDER_OUTCOME_UNKNOWN: ask the venue whether the order exists. `undefined` means the venue does
   * not know it (-2013), so it was never placed and may be submitted again with the same client id.
   */
  async findOrder(symbol: string, clientOrderId: string): Promise<VenueOrder | undefined> {
    try {
      return await this.queryOrder(symbol, { clientOrderId });
    } catch (caught) {
      if (caught instanceof VenueRejectedError && caught.venueCode === -2013) return undefined;
      throw caught;
    }
  }

  abstract queryOrder(symbol: string, ref: OrderRef): Promise<VenueOrder>;
}

export class SpotRestClient extends BinanceRestClient {
  readonly market = 'spot';

  /** https://developers.binance.com/docs/binance-spot-api-docs/rest-api/general-endpoints#check-server-time */
  async serverTime(): Promise<number> {
    return mapServerTime(await this.call({ method: 'GET', path: '/api/v3/time', security: 'none' }));
  }

  /** https://developers.binance.com/docs/binance-spot-api-docs/rest-api/general-endpoints#exchange-information */
  async exchangeInfo(symbols?: readonly string[]): Promise<ExchangeInfo> {
    const query = symbols === undefined ? undefined : { symbols: JSON.stringify(symbols) };
    const spec: RequestSpec = { method: 'GET', path: '/api/v3/exchangeInfo', security: 'none' };
    return mapExchangeInfo(
      await this.call(query === undefined ? spec : { ...spec, query }, { weight: 20 }),
      'spot',
    );
  }

  /** https://developers.binance.com/docs/binance-spot-api-docs/rest-api/market-data-endpoints#klinecandlestick-data */
  async klines(symbol: string, interval: Interval, q: KlineQuery = {}): Promise<Candle[]> {
    const query = { symbol, interval, startTime: q.startTime, endTime: q.endTime, limit: q.limit };
    const raw = await this.call(
      { method: 'GET', path: '/api/v3/klines', security: 'none', query },
      { weight: 2 },
    );
    return mapKlines(raw, symbol, interval, this.timeSync.timestamp());
  }

  /** https://developers.binance.com/docs/binance-spot-api-docs/rest-api/account-endpoints#account-information-user_data */
  async balances(): Promise<SpotBalance[]> {
    const query = { omitZeroBalances: 'true' };
    return mapSpotAccount(
      await this.call({ method: 'GET', path: '/api/v3/account', security: 'signed', query }, { weight: 20 }),
    );
  }

  /** https://developers.binance.com/docs/binance-spot-api-docs/rest-api/trading-endpoints#new-order-trade */
  async newOrder(order: OrderRequest): Promise<VenueOrder> {
    const raw = await this.call(newOrderSpec('/api/v3/order', spotOrderParams(order)), {
      isOrder: true,
      clientOrderId: order.clientOrderId,
    });
    return mapOrder(raw, 'POST /api/v3/order');
  }

  /** https://developers.binance.com/docs/binance-spot-api-docs/rest-api/trading-endpoints#cancel-order-trade */
  async cancelOrder(symbol: string, ref: OrderRef): Promise<VenueOrder> {
    const query = { symbol, ...orderRefParams(ref, 'origClientOrderId') };
    const raw = await this.call({ method: 'DELETE', path: '/api/v3/order', security: 'signed', query });
    return mapOrder(raw, 'DELETE /api/v3/order');
  }

  /** https://developers.binance.com/docs/binance-spot-api-docs/rest-api/account-endpoints#query-order-user_data */
  async queryOrder(symbol: string, ref: OrderRef): Promise<VenueOrder> {
    const query = { symbol, ...orderRefParams(ref, 'origClientOrderId') };
    const raw = await this.call(
      { method: 'GET', path: '/api/v3/order', security: 'signed', query },
      { weight: 4 },
    );
    return mapOrder(raw, 'GET /api/v3/order');
  }

  /** https://developers.binance.com/docs/binance-spot-api-docs/rest-api/account-endpoints#current-open-orders-user_data */
  async openOrders(symbol?: string): Promise<VenueOrder[]> {
    const raw = await this.call(
      { method: 'GET', path: '/api/v3/openOrders', security: 'signed', query: { symbol } },
      { weight: symbol === undefined ? 80 : 6 },
    );
    return mapOrders(raw, 'GET /api/v3/openOrders');
  }
}

export class FuturesRestClient extends BinanceRestClient {
  readonly market = 'futures';

  /** https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Check-Server-Time */
  async serverTime(): Promise<number> {
    return mapServerTime(await this.call({ method: 'GET', path: '/fapi/v1/time', security: 'none' }));
  }

  /** https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Exchange-Information */
  async exchangeInfo(): Promise<ExchangeInfo> {
    const raw = await this.call({ method: 'GET', path: '/fapi/v1/exchangeInfo', security: 'none' });
    return mapExchangeInfo(raw, 'futures');
  }

  /** https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Kline-Candlestick-Data */
  async klines(symbol: string, interval: Interval, q: KlineQuery = {}): Promise<Candle[]> {
    const query = { symbol, interval, startTime: q.startTime, endTime: q.endTime, limit: q.limit };
    const raw = await this.call(
      { method: 'GET', path: '/fapi/v1/klines', security: 'none', query },
      { weight: 5 },
    );
    return mapKlines(raw, symbol, interval, this.timeSync.timestamp());
  }

  /** https://developers.binance.com/docs/derivatives/usds-margined-futures/account/rest-api/Futures-Account-Balance-V3 */
  async balances(): Promise<FuturesBalance[]> {
    return mapFuturesBalances(
      await this.call({ method: 'GET', path: '/fapi/v3/balance', security: 'signed' }, { weight: 5 }),
    );
  }

  /**
   * v2 carries leverage and marginType per position (v3 does not).
   * https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Position-Information-V2
   */
  async positionRisk(symbol?: string): Promise<FuturesPosition[]> {
    const raw = await this.call(
      { method: 'GET', path: '/fapi/v2/positionRisk', security: 'signed', query: { symbol } },
      { weight: 5 },
    );
    return mapPositionRisk(raw);
  }

  /** https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Change-Initial-Leverage */
  async setLeverage(symbol: string, leverage: number): Promise<LeverageResult> {
    const raw = await this.call({
      method: 'POST',
      path: '/fapi/v1/leverage',
      security: 'signed',
      query: { symbol, leverage },
    });
    return mapLeverage(raw);
  }

  /**
   * -4046 "No need to change margin type." is success (`changed: false`).
   * https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Change-Margin-Type
   */
  async setMarginType(symbol: string, marginType: 'ISOLATED' | 'CROSSED'): Promise<{ changed: boolean }> {
    try {
      await this.call({
        method: 'POST',
        path: '/fapi/v1/marginType',
        security: 'signed',
        query: { symbol, marginType },
      });
      return { changed: true };
    } catch (caught) {
      if (caught instanceof VenueRejectedError && caught.venueCode === -4046) return { changed: false };
      throw caught;
    }
  }

  /** MARKET / LIMIT only. https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/New-Order */
  async newOrder(order: OrderRequest, options: FuturesOrderOptions = {}): Promise<VenueOrder> {
    // the query written directly (the same bytes as encodeParams(futuresOrderParams(order, options)))
    const spec: RequestSpec = {
      method: 'POST',
      path: '/fapi/v1/order',
      security: 'signed',
      encodedQuery: futuresOrderQuery(order, options),
    };
    const raw = await this.call(spec, {
      isOrder: true,
      clientOrderId: order.clientOrderId,
    });
    return mapOrder(raw, 'POST /fapi/v1/order');
  }

  /** https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Cancel-Order */
  async cancelOrder(symbol: string, ref: OrderRef): Promise<VenueOrder> {
    const query = { symbol, ...orderRefParams(ref, 'origClientOrderId') };
    return mapOrder(
      await this.call({ method: 'DELETE', path: '/fapi/v1/order', security: 'signed', query }),
      'DELETE /fapi/v1/order',
    );
  }

  /** https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Query-Order */
  async queryOrder(symbol: string, ref: OrderRef): Promise<VenueOrder> {
    const query = { symbol, ...orderRefParams(ref, 'origClientOrderId') };
    return mapOrder(
      await this.call({ method: 'GET', path: '/fapi/v1/order', security: 'signed', query }),
      'GET /fapi/v1/order',
    );
  }

  /** https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Current-All-Open-Orders */
  async openOrders(symbol?: string): Promise<VenueOrder[]> {
    const raw = await this.call(
      { method: 'GET', path: '/fapi/v1/openOrders', security: 'signed', query: { symbol } },
      { weight: symbol === undefined ? 40 : 1 },
    );
    return mapOrders(raw, 'GET /fapi/v1/openOrders');
  }

  /**
   * STOP_MARKET / TAKE_PROFIT_MARKET through the Algo Service (required since 2025-12-09).
   * https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/New-Algo-Order
   */
  async newAlgoOrder(order: OrderRequest, options: AlgoOrderOptions = {}): Promise<AlgoOrder> {
    const raw = await this.call(newOrderSpec('/fapi/v1/algoOrder', futuresAlgoOrderParams(order, options)), {
      isOrder: true,
      clientOrderId: order.clientOrderId,
    });
    return mapAlgoOrder(raw, 'POST /fapi/v1/algoOrder');
  }

  /** https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Cancel-Algo-Order */
  async cancelAlgoOrder(
    ref: { clientAlgoId: string } | { algoId: string },
  ): Promise<{ algoId: string; clientAlgoId: string }> {
    const query = 'clientAlgoId' in ref ? { clientAlgoId: ref.clientAlgoId } : { algoId: ref.algoId };
    return mapAlgoCancel(
      await this.call({ method: 'DELETE', path: '/fapi/v1/algoOrder', security: 'signed', query }),
    );
  }

  /** https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Query-Algo-Order */
  async queryAlgoOrder(ref: { clientAlgoId: string } | { algoId: string }): Promise<AlgoOrder> {
    const query = 'clientAlgoId' in ref ? { clientAlgoId: ref.clientAlgoId } : { algoId: ref.algoId };
    return mapAlgoOrder(
      await this.call({ method: 'GET', path: '/fapi/v1/algoOrder', security: 'signed', query }),
      'GET /fapi/v1/algoOrder',
    );
  }

  /** https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Current-All-Algo-Open-Orders */
  async openAlgoOrders(symbol?: string): Promise<AlgoOrder[]> {
    const raw = await this.call(
      { method: 'GET', path: '/fapi/v1/openAlgoOrders', security: 'signed', query: { symbol } },
      { weight: symbol === undefined ? 40 : 1 },
    );
    return mapAlgoOrders(raw, 'GET /fapi/v1/openAlgoOrders');
  }

  /** https://developers.binance.com/docs/derivatives/usds-margined-futures/user-data-streams/Start-User-Data-Stream */
  async createListenKey(): Promise<string> {
    return mapListenKey(await this.call({ method: 'POST', path: '/fapi/v1/listenKey', security: 'apiKey' }));
  }

  /**
   * Extends the key's validity by 60 minutes; -1125 means the key is gone (create a new one).
   * https://developers.binance.com/docs/derivatives/usds-margined-futures/user-data-streams/Keepalive-User-Data-Stream
   */
  async keepAliveListenKey(): Promise<void> {
    await this.call({ method: 'PUT', path: '/fapi/v1/listenKey', security: 'apiKey' });
  }

  /** https://developers.binance.com/docs/derivatives/usds-margined-futures/user-data-streams/Close-User-Data-Stream */
  async closeListenKey(): Promise<void> {
    await this.call({ method: 'DELETE', path: '/fapi/v1/listenKey', security: 'apiKey' });
  }
}
