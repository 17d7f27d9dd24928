import { createHmac, generateKeyPairSync, verify, type KeyObject } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { SimulatedClock } from '../../core/clock.js';
import { rawText } from './market-stream.js';
import { Ed25519Signer, HmacSigner, type RequestSigner } from './signing.js';
import type { SpotUserEvent } from './spot-user-events.js';
import { SPOT_EXECUTION_REPORT_NEW } from './spot-test-payloads.js';
import {
  SpotUserStream,
  signWsApiParams,
  wsApiSignaturePayload,
  type WsApiError,
} from './spot-user-stream.js';

// Binance's published WebSocket API signing example ("SIGNED request example (HMAC)", spot WebSocket API
// docs, Request security): these keys, these params, this signature.
const DOC_KEY = 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A';
const DOC_SECRET = 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j';
const DOC_PARAMS = {
  symbol: 'BTCUSDT',
  side: 'SELL',
  type: 'LIMIT',
  timeInForce: 'GTC',
  quantity: '0.01000000',
  price: '52000.00',
  newOrderRespType: 'ACK',
  recvWindow: 100,
  timestamp: 1645423376532,
  apiKey: DOC_KEY,
};
const DOC_PAYLOAD =
  'apiKey=vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A&newOrderRespType=ACK&price=52000.00&quantity=0.01000000&recvWindow=100&side=SELL&symbol=BTCUSDT&timeInForce=GTC&timestamp=1645423376532&type=LIMIT';
const DOC_SIGNATURE = 'cc15477742bd704c29492d96c7ead9414dfd8e0ec4a00f947bb5bb454ddbd08a';

// The executionReport example of the spot "User Data Stream" page, as the WebSocket API wraps it.
const EXECUTION_REPORT = SPOT_EXECUTION_REPORT_NEW;

describe('WebSocket API signing', () => {
  it("sorts the params into Binance's documented payload and signs it to the documented signature", () => {
    expect(wsApiSignaturePayload(DOC_PARAMS)).toBe(DOC_PAYLOAD);
    const signed = signWsApiParams(DOC_PARAMS, new HmacSigner(DOC_SECRET));
    expect(signed.signature).toBe(DOC_SIGNATURE);
    // a signature already present is not part of its own payload
    expect(wsApiSignaturePayload(signed)).toBe(DOC_PAYLOAD);
  });
});

interface Frame {
  readonly id: string;
  readonly method: string;
  readonly params?: Record<string, string | number>;
}

/**
 * A loopback stand-in for the spot WebSocket API's user-data methods: checks signatures the way Binance
 * does (HMAC over the sorted payload with the secret, or Ed25519 with the public key), answers, and lets
 * the test push events and faults.
 */
class WsApiServer {
  readonly frames: Frame[] = [];
  readonly sockets: WebSocket[] = [];
  /** Next refusals to send, in order, instead of a success. */
  refuse: WsApiError[] = [];
  private readonly wss: WebSocketServer;
  private nextSubscription = 0;
  private waiters: (() => void)[] = [];

  private constructor(
    wss: WebSocketServer,
    private readonly verifySignature: (payload: string, signature: string) => boolean,
  ) {
    this.wss = wss;
    wss.on('connection', (ws) => {
      this.sockets.push(ws);
      let loggedOn = false;
      ws.on('message', (data: WebSocket.RawData) => {
        const frame = JSON.parse(rawText(data)) as Frame;
        this.frames.push(frame);
        this.wake();
        const refusal = this.refuse.shift();
        if (refusal !== undefined) {
          ws.send(JSON.stringify({ id: frame.id, status: 400, error: refusal }));
          return;
        }
        const p = frame.params ?? {};
        const signatureOk = (): boolean =>
          typeof p.signature === 'string' && this.verifySignature(wsApiSignaturePayload(p), p.signature);
        if (frame.method === 'session.logon' || frame.method === 'userDataStream.subscribe.signature') {
          if (!signatureOk()) {
            ws.send(
              JSON.stringify({
                id: frame.id,
                status: 400,
                error: { code: -1022, msg: 'Signature for this request is not valid.' },
              }),
            );
            return;
          }
        }
        if (frame.method === 'session.logon') {
          loggedOn = true;
          ws.send(JSON.stringify({ id: frame.id, status: 200, result: { apiKey: p.apiKey } }));
          return;
        }
        if (frame.method === 'userDataStream.subscribe' && !loggedOn) {
          ws.send(
            JSON.stringify({
              id: frame.id,
              status: 401,
              error: { code: -2015, msg: 'Invalid API-key, IP, or permissions for action.' },
            }),
          );
          return;
        }
        ws.send(
          JSON.stringify({ id: frame.id, status: 200, result: { subscriptionId: this.nextSubscription++ } }),
        );
      });
    });
  }

  static async start(verifySignature: (payload: string, signature: string) => boolean): Promise<WsApiServer> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => wss.once('listening', resolve));
    return new WsApiServer(wss, verifySignature);
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.wss.address() as AddressInfo).port}/ws-api/v3`;
  }

  push(text: string): void {
    for (const ws of this.sockets) if (ws.readyState === WebSocket.OPEN) ws.send(text);
  }

  /** Resolves once `n` frames have arrived. */
  async framesAtLeast(n: number): Promise<void> {
    while (this.frames.length < n) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  async close(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    await new Promise<void>((resolve) => {
      this.wss.close(() => {
        resolve();
      });
    });
  }
}

/** The stream under test plus event-driven waits on what it reports. */
function harness(server: WsApiServer, signer: RequestSigner, apiKey = 'key-1') {
  const clock = new SimulatedClock(1_700_000_000_000);
  const events: SpotUserEvent[] = [];
  const readiness: boolean[] = [];
  const errors: WsApiError[] = [];
  let resyncs = 0;
  let waiters: (() => void)[] = [];
  const wake = (): void => {
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };
  const stream = new SpotUserStream({
    wsApiUrl: server.url,
    apiKey,
    signer,
    timestamp: () => clock.now(),
    recvWindow: 5000,
    clock,
    scheduler: clock,
    random: () => 0.5,
    onEvent: (e) => {
      events.push(e);
      wake();
    },
    resync: () => {
      resyncs++;
      return Promise.resolve();
    },
    onReady: (ready) => {
      readiness.push(ready);
      wake();
    },
    onRequestError: (e) => {
      errors.push(e);
      wake();
    },
    backoffInitialMs: 1000,
  });
  const until = async (check: () => boolean): Promise<void> => {
    while (!check()) await new Promise<void>((resolve) => waiters.push(resolve));
  };
  return { clock, stream, events, readiness, errors, resyncs: () => resyncs, until };
}

const hmacVerifier =
  (secret: string) =>
  (payload: string, signature: string): boolean =>
    createHmac('sha256', secret).update(payload).digest('hex') === signature;

describe('SpotUserStream (WebSocket API user data)', () => {
  let server: WsApiServer | undefined;
  let stop: (() => void) | undefined;
  afterEach(async () => {
    stop?.();
    await server?.close();
    server = undefined;
  });

  /** A server checking signatures with `verify`, the stream under test signing with `signer`, started. */
  async function start(verify: (payload: string, signature: string) => boolean, signer: RequestSigner) {
    const s = await WsApiServer.start(verify);
    server = s;
    const h = harness(s, signer);
    stop = () => {
      h.stream.stop();
    };
    h.stream.start();
    return { server: s, h };
  }

  it('subscribes with one signed request (HMAC), resyncs, then reports ready and maps events', async () => {
    const { server, h } = await start(hmacVerifier('secret-1'), new HmacSigner('secret-1'));
    await h.until(() => h.stream.ready);

    const [frame] = server.frames;
    expect(frame?.method).toBe('userDataStream.subscribe.signature');
    expect(Object.keys(frame?.params ?? {}).sort()).toEqual([
      'apiKey',
      'recvWindow',
      'signature',
      'timestamp',
    ]);
    expect(frame?.params).toMatchObject({ apiKey: 'key-1', timestamp: 1_700_000_000_000, recvWindow: 5000 });
    expect(h.resyncs()).toBe(1);
    expect(h.readiness).toEqual([true]);

    server.push(JSON.stringify({ subscriptionId: 0, event: EXECUTION_REPORT }));
    await h.until(() => h.events.length === 1);
    expect(h.events[0]).toMatchObject({
      type: 'order',
      order: {
        clientOrderId: 'mUvoqJxFIILMdfAW5iGSOW',
        symbol: 'ETHBTC',
        status: 'new',
        price: '0.10264410',
      },
    });
  });

  it('with an Ed25519 key logs the session on first, then subscribes without params', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const verifier = (key: KeyObject) => (payload: string, signature: string) =>
      verify(null, Buffer.from(payload), key, Buffer.from(signature, 'base64'));
    const { server, h } = await start(verifier(publicKey), new Ed25519Signer(privateKey));
    await h.until(() => h.stream.ready);
    expect(server.frames.map((f) => f.method)).toEqual(['session.logon', 'userDataStream.subscribe']);
    expect(server.frames[1]?.params).toBeUndefined();
  });

  it('a refused subscription (-1022) is reported, not ready, and retried after the backoff on the clock', async () => {
    const { server, h } = await start(hmacVerifier('right-secret'), new HmacSigner('wrong-secret'));
    await h.until(() => h.errors.length === 1);
    expect(h.errors[0]).toEqual({ code: -1022, msg: 'Signature for this request is not valid.' });
    expect(h.stream.ready).toBe(false);
    expect(h.resyncs()).toBe(0);
    // the retry waits for engine time: nothing is sent until the clock passes the backoff
    expect(server.frames).toHaveLength(1);
    h.clock.advanceTo(h.clock.now() + 1000);
    await server.framesAtLeast(2);
    await h.until(() => h.errors.length === 2);
    expect(h.stream.counters.requestErrors).toBe(2);
  });

  it('after the socket drops: not ready, reconnects on the clock, subscribes and resyncs again', async () => {
    const { server, h } = await start(hmacVerifier('s'), new HmacSigner('s'));
    await h.until(() => h.stream.ready);
    server.sockets[0]?.terminate();
    await h.until(() => !h.stream.ready);
    expect(h.readiness).toEqual([true, false]);
    h.clock.advanceTo(h.clock.now() + 1000);
    await h.until(() => h.stream.ready);
    expect(h.resyncs()).toBe(2);
    expect(server.frames.map((f) => f.method)).toEqual([
      'userDataStream.subscribe.signature',
      'userDataStream.subscribe.signature',
    ]);
    expect(h.stream.counters.connects).toBe(2);
  });

  it('eventStreamTerminated: not ready, subscribes again on the same session, resyncs, ready', async () => {
    const { server, h } = await start(hmacVerifier('s'), new HmacSigner('s'));
    await h.until(() => h.stream.ready);
    server.push(
      JSON.stringify({ subscriptionId: 0, event: { e: 'eventStreamTerminated', E: 1728973001334 } }),
    );
    await h.until(() => h.readiness.length === 3);
    expect(h.readiness).toEqual([true, false, true]);
    expect(h.events.map((e) => e.type)).toEqual(['terminated']);
    expect(server.sockets).toHaveLength(1);
    expect(h.resyncs()).toBe(2);
    expect(h.stream.counters.terminations).toBe(1);
  });

  it('malformed frames are counted and dropped; the stream goes on', async () => {
    const { server, h } = await start(hmacVerifier('s'), new HmacSigner('s'));
    await h.until(() => h.stream.ready);
    server.push('{not json');
    server.push('42');
    server.push(JSON.stringify({ subscriptionId: 0, event: { e: 'executionReport', s: 'X' } }));
    server.push(JSON.stringify({ id: 'nobody-asked', status: 200, result: {} }));
    server.push(JSON.stringify({ subscriptionId: 0, event: EXECUTION_REPORT }));
    await h.until(() => h.events.length === 1);
    expect(h.stream.counters.dropped).toBe(4);
    expect(h.stream.ready).toBe(true);
  });
});
