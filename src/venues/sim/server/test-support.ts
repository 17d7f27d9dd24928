/**
 * Test-only helpers for the simulator server: a plain fetch + node:crypto HMAC client (deliberately not
 * the AEGIS Binance adapter, so the server is checked against Binance's rules, not against our own
 * client) and a WebSocket probe that awaits frames instead of sleeping.
 */
import { createHmac } from 'node:crypto';
import { WebSocket, type ClientOptions } from 'ws';
import { SimulatedClock } from '../../../core/clock.js';
import type { Trade } from '../../../domain/market.js';
import { USDM_BTCUSDT } from '../instruments.js';
import { SimServer, type SimServerOptions, type SimServerUrls } from './server.js';

/** Binance's published signing example key pair (reference binance-api.md section 1). */
export const EXAMPLE_KEY = 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A';
export const EXAMPLE_SECRET = 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j';

/** 2023-11-14T22:13:20Z, 20 s into its minute. */
export const T0 = 1_700_000_000_000;

export function sign(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload).digest('hex');
}

export interface HttpResult {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
}

export class PlainClient {
  constructor(
    readonly baseUrl: string,
    readonly apiKey: string,
    readonly secret: string,
    readonly clock: { now(): number },
  ) {}

  async send(
    method: string,
    path: string,
    opts: { query?: string; body?: string; key?: string | null } = {},
  ): Promise<HttpResult> {
    const headers: Record<string, string> = {};
    const key = opts.key === undefined ? this.apiKey : opts.key;
    if (key !== null) headers['X-MBX-APIKEY'] = key;
    if (opts.body !== undefined) headers['Content-Type'] = 'application/x-www-form-urlencoded';
    const url = `${this.baseUrl}${path}${opts.query === undefined ? '' : `?${opts.query}`}`;
    const res = await fetch(url, {
      method,
      headers,
      ...(opts.body === undefined ? {} : { body: opts.body }),
    });
    return { status: res.status, headers: res.headers, body: await res.json() };
  }

  /** A SIGNED request with every parameter (plus timestamp and signature) in the query string. */
  async signed(
    method: string,
    path: string,
    params: Record<string, string> = {},
    opts: { timestamp?: number; secret?: string; key?: string | null } = {},
  ): Promise<HttpResult> {
    const query = new URLSearchParams({
      ...params,
      timestamp: String(opts.timestamp ?? this.clock.now()),
    }).toString();
    const signature = sign(opts.secret ?? this.secret, query);
    return this.send(method, path, {
      query: `${query}&signature=${signature}`,
      ...(opts.key === undefined ? {} : { key: opts.key }),
    });
  }
}

/** Collects a socket's frames; `next()` resolves with the first unread frame that matches. */
export class Probe {
  readonly frames: unknown[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  pings = 0;
  private pingWaiter: (() => void) | undefined;
  private read = 0;
  private waiter: (() => void) | undefined;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      this.frames.push(JSON.parse(data.toString('utf8')));
      this.waiter?.();
    });
    ws.on('ping', () => {
      this.pings++;
      this.pingWaiter?.();
    });
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString('utf8') });
      });
    });
  }

  static async open(url: string, options: ClientOptions = {}): Promise<Probe> {
    const ws = new WebSocket(url, options);
    const probe = new Probe(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => {
        resolve();
      });
      ws.once('error', reject);
    });
    return probe;
  }

  /** The next frame (in arrival order), skipping none. */
  async next(): Promise<Record<string, unknown>> {
    while (this.read >= this.frames.length) {
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
      this.waiter = undefined;
    }
    return this.frames[this.read++] as Record<string, unknown>;
  }

  /** Resolves once `count` ping frames have arrived in total. */
  async pinged(count: number): Promise<void> {
    while (this.pings < count) {
      await new Promise<void>((resolve) => {
        this.pingWaiter = resolve;
      });
      this.pingWaiter = undefined;
    }
  }

  send(msg: unknown): void {
    this.ws.send(JSON.stringify(msg));
  }

  close(): void {
    this.ws.close();
  }
}

export interface Harness {
  readonly server: SimServer;
  readonly urls: SimServerUrls;
  readonly clock: SimulatedClock;
  readonly client: PlainClient;
}

export async function startServer(options: Partial<SimServerOptions> = {}, startMs = T0): Promise<Harness> {
  const clock = new SimulatedClock(startMs);
  const server = new SimServer({
    apiKey: EXAMPLE_KEY,
    apiSecret: EXAMPLE_SECRET,
    engine: { instruments: [USDM_BTCUSDT], balances: { USDT: '10000' } },
    clock,
    housekeepingIntervalMs: 0,
    ...options,
  });
  const urls = await server.start();
  return { server, urls, clock, client: new PlainClient(urls.restUrl, EXAMPLE_KEY, EXAMPLE_SECRET, clock) };
}

export function trade(price: number, qty = 1, time = T0, id = 1): Trade {
  return { symbol: 'BTCUSDT', time, price, qty, buyerIsMaker: false, id };
}
