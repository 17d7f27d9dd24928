import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../core/clock.js';
import { OrderOutcomeUnknownError, VenueTransportError } from './errors.js';
import { HttpTlsError, KeepAliveHttpClient, type HttpClientOptions } from './http-client.js';
import { buildRequest, type BuiltRequest } from './request.js';
import { BinanceTransport } from './transport.js';

/**
 * The raw client over TLS against a local node:https server on 127.0.0.1. Certificates are made at test
 * time with the openssl CLI in a temp dir (test-only, valid 2 days): a CA, a server certificate it signs
 * for IP 127.0.0.1 / DNS localhost, and a self-signed certificate nobody trusts.
 */
interface Pki {
  readonly ca: string;
  readonly key: string;
  readonly cert: string;
  readonly selfKey: string;
  readonly selfCert: string;
}

function makePki(): Pki {
  const dir = mkdtempSync(path.join(tmpdir(), 'aegis-tls-'));
  const f = (name: string): string => path.join(dir, name);
  const openssl = (...args: string[]): void => {
    try {
      execFileSync('openssl', args, { stdio: 'pipe' });
    } catch (caught) {
      throw new Error(`these tests need the openssl CLI: openssl ${args.slice(0, 2).join(' ')} failed`, {
        cause: caught,
      });
    }
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  try {
    openssl('req', '-x509', ...ec, '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '2', '-subj', '/CN=AEGIS test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign'); // prettier-ignore
    openssl('req', ...ec, '-keyout', f('srv.key'), '-out', f('srv.csr'), '-subj', '/CN=localhost');
    writeFileSync(
      f('ext.cnf'),
      'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n',
    );
    openssl('x509', '-req', '-in', f('srv.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('srv.pem'), '-days', '2', '-extfile', f('ext.cnf')); // prettier-ignore
    openssl('req', '-x509', ...ec, '-keyout', f('self.key'), '-out', f('self.pem'), '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'); // prettier-ignore
    const read = (name: string): string => readFileSync(f(name), 'utf8');
    return {
      ca: read('ca.pem'),
      key: read('srv.key'),
      cert: read('srv.pem'),
      selfKey: read('self.key'),
      selfCert: read('self.pem'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** node:https server; records requests and TLS sessions (SNI, ALPN, resumed) per connection. */
class TlsServer {
  readonly requests: { method: string; url: string; host: string; body: string }[] = [];
  readonly sessions: { servername: string | false | null; alpn: string | false | null; resumed: boolean }[] =
    [];
  handler: (res: import('node:http').ServerResponse, n: number) => void = (res, n) => {
    res.setHeader('Content-Type', 'application/json');
    res.end(`{"n":${n}}`);
  };
  readonly server: https.Server;

  private constructor(key: string, cert: string) {
    this.server = https.createServer({ key, cert, keepAliveTimeout: 60_000 }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.requests.push({
          method: req.method ?? '',
          url: req.url ?? '',
          host: req.headers.host ?? '',
          body: Buffer.concat(chunks).toString('utf8'),
        });
        this.handler(res, this.requests.length - 1);
      });
    });
    this.server.on('secureConnection', (socket: TLSSocket) => {
      this.sessions.push({
        servername: socket.servername,
        alpn: socket.alpnProtocol,
        resumed: socket.isSessionReused(),
      });
    });
  }

  static async start(key: string, cert: string): Promise<TlsServer> {
    const s = new TlsServer(key, cert);
    await new Promise<void>((r) => s.server.listen(0, '127.0.0.1', r));
    return s;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) =>
      this.server.close(() => {
        r();
      }),
    );
  }
}

/** Turn the event loop (no wall-clock sleep) until `cond` holds; fails after `turns` turns. */
async function until(cond: () => boolean, turns = 10_000): Promise<void> {
  for (let n = 0; n < turns; n++) {
    if (cond()) return;
    await new Promise<void>((r) => setImmediate(r));
  }
  throw new Error('condition not reached');
}

let pki: Pki;
let server: TlsServer | undefined;
let client: KeepAliveHttpClient | undefined;

beforeAll(() => {
  pki = makePki();
});

afterEach(async () => {
  client?.close();
  client = undefined;
  await server?.close();
  server = undefined;
});

afterAll(() => {
  client?.close();
});

async function trusted(extra: Partial<HttpClientOptions> = {}): Promise<[TlsServer, KeepAliveHttpClient]> {
  server = await TlsServer.start(pki.key, pki.cert);
  client = new KeepAliveHttpClient({ host: '127.0.0.1', port: server.port, tls: { ca: pki.ca }, ...extra });
  return [server, client];
}

describe('KeepAliveHttpClient over TLS', () => {
  it('sends requests over one kept-alive TLS connection (CA given), ALPN http/1.1, chunked bodies', async () => {
    const [s, c] = await trusted();
    s.handler = (res, n) => {
      if (n === 1) {
        res.write('{"part":'); // no Content-Length: node:https answers chunked
        res.end('2}');
      } else {
        res.setHeader('X-MBX-USED-WEIGHT-1M', '3');
        res.end(`{"n":${n}}`);
      }
    };
    const first = c.request('POST', '/fapi/v1/order', 'X-MBX-APIKEY: k\r\n', 'symbol=BTCUSDT&x=é');
    expect(first.requestSent).toBe(false); // the handshake has not even started
    const r0 = await first.response;
    expect(first.requestSent).toBe(true);
    expect(r0).toMatchObject({ status: 200, body: '{"n":0}' });
    expect(r0.headers['x-mbx-used-weight-1m']).toBe('3');
    expect((await c.request('GET', '/a', '', '').response).body).toBe('{"part":2}');
    expect((await c.request('GET', '/b?q=1', '', '').response).body).toBe('{"n":2}');
    expect(s.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'POST /fapi/v1/order',
      'GET /a',
      'GET /b?q=1',
    ]);
    expect(s.requests[0]?.body).toBe('symbol=BTCUSDT&x=é');
    expect(s.requests[0]?.host).toBe(`127.0.0.1:${s.port}`);
    // one TCP+TLS connection for all three; no SNI for an IP address (RFC 6066 3); ALPN chose http/1.1
    expect(s.sessions).toEqual([{ servername: false, alpn: 'http/1.1', resumed: false }]);
    expect(c.connections).toBe(1);
    expect(c.tlsStats).toEqual({ handshakes: 1, resumed: 0 });
  });

  it('sends SNI = servername and checks the certificate against that name', async () => {
    const [s, c] = await trusted({ tls: { ca: pki.ca, servername: 'localhost' } });
    expect((await c.request('GET', '/', '', '').response).status).toBe(200);
    expect(s.sessions[0]?.servername).toBe('localhost');
    c.close();
    // a name the certificate does not carry is refused, before any request is written
    const wrong = new KeepAliveHttpClient({
      host: '127.0.0.1',
      port: s.port,
      tls: { ca: pki.ca, servername: 'api.binance.com' },
    });
    const pending = wrong.request('GET', '/', '', '');
    const error = await pending.response.then(
      () => undefined,
      (e: unknown) => e,
    );
    wrong.close();
    expect(error).toBeInstanceOf(HttpTlsError);
    expect(error).toMatchObject({ code: 'ERR_TLS_CERTIFICATE', reason: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    expect(pending.requestSent).toBe(false);
    expect(s.requests).toHaveLength(1);
  });

  it('refuses an untrusted (self-signed) certificate with a classified error naming the host', async () => {
    server = await TlsServer.start(pki.selfKey, pki.selfCert);
    // the trusted-CA option does not cover it, and neither do Node's bundled roots (tls: true)
    for (const tls of [{ ca: pki.ca }, true] as const) {
      client = new KeepAliveHttpClient({ host: '127.0.0.1', port: server.port, tls });
      const pending = client.request('POST', '/fapi/v1/order', '', 'symbol=BTCUSDT');
      const error = await pending.response.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(HttpTlsError);
      const e = error as HttpTlsError;
      expect(e.code).toBe('ERR_TLS_CERTIFICATE');
      expect(e.reason).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
      expect(e.message).toBe(
        `TLS certificate of 127.0.0.1:${server.port} refused: self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)`,
      );
      expect(e.requestSent).toBe(false);
      expect(pending.requestSent).toBe(false);
      expect(client.connections).toBe(0);
      client.close();
    }
    // and a CA-signed certificate is refused without that CA (Node's roots only)
    await server.close();
    server = await TlsServer.start(pki.key, pki.cert);
    client = new KeepAliveHttpClient({ host: '127.0.0.1', port: server.port, tls: true });
    await expect(client.request('GET', '/', '', '').response).rejects.toMatchObject({
      code: 'ERR_TLS_CERTIFICATE',
      reason: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    });
    expect(server.requests).toHaveLength(0);
  });

  it('classifies a peer that closes or does not speak TLS as ERR_TLS_HANDSHAKE; ECONNREFUSED stays', async () => {
    for (const reply of [null, 'HTTP/1.1 400 Bad Request\r\n\r\n']) {
      const plain = net.createServer((socket) => {
        socket.resume(); // read (and drop) the ClientHello, so the client's FIN is seen and the socket closes
        if (reply === null) socket.destroy();
        else socket.end(reply);
      });
      await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
      const port = (plain.address() as AddressInfo).port;
      client = new KeepAliveHttpClient({ host: '127.0.0.1', port, tls: { ca: pki.ca } });
      const error = await client.request('GET', '/', '', '').response.then(
        () => undefined,
        (e: unknown) => e,
      );
      client.close();
      await new Promise<void>((r) =>
        plain.close(() => {
          r();
        }),
      );
      expect(error).toBeInstanceOf(HttpTlsError);
      expect(error).toMatchObject({ code: 'ERR_TLS_HANDSHAKE', requestSent: false });
      expect((error as Error).message).toContain(`TLS handshake with 127.0.0.1:${port} failed`);
    }
    const s = await TlsServer.start(pki.key, pki.cert);
    const port = s.port;
    await s.close();
    client = new KeepAliveHttpClient({ host: '127.0.0.1', port, tls: { ca: pki.ca } });
    const error = await client.request('GET', '/', '', '').response.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).not.toBeInstanceOf(HttpTlsError);
    expect(error).toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('a connection lost mid-response after the handshake is a plain ECONNRESET (outcome unknown), not a TLS error', async () => {
    const [s, c] = await trusted();
    s.handler = (res) => {
      res.writeHead(200, { 'Content-Length': '100' });
      res.write('{"orderId":1');
      res.socket?.destroy();
    };
    const pending = c.request('POST', '/fapi/v1/order', '', 'symbol=BTCUSDT');
    const error = await pending.response.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).not.toBeInstanceOf(HttpTlsError);
    expect(error).toMatchObject({ code: 'ECONNRESET' });
    expect(pending.requestSent).toBe(true);
    expect(s.requests).toHaveLength(1);
  });

  it('reconnects after the server closes the idle connection, resuming the TLS session', async () => {
    const [s, c] = await trusted();
    expect((await c.request('GET', '/1', '', '').response).body).toBe('{"n":0}');
    s.server.closeIdleConnections();
    await until(() => c.connections === 0);
    expect((await c.request('GET', '/2', '', '').response).body).toBe('{"n":1}');
    s.server.closeIdleConnections();
    await until(() => c.connections === 0);
    expect((await c.request('GET', '/3', '', '').response).body).toBe('{"n":2}');
    expect(s.sessions.map((x) => x.resumed)).toEqual([false, true, true]);
    expect(c.tlsStats).toEqual({ handshakes: 3, resumed: 2 });
  });

  it('abort during the handshake fails the request as not sent; the next request connects afresh', async () => {
    const [s, c] = await trusted({ maxSockets: 1 });
    const pending = c.request('POST', '/fapi/v1/order', '', 'symbol=BTCUSDT');
    pending.abort(new Error('timed out'));
    await expect(pending.response).rejects.toThrow('timed out');
    expect(pending.requestSent).toBe(false);
    expect((await c.request('GET', '/', '', '').response).body).toBe('{"n":0}');
    expect(s.requests.map((r) => r.url)).toEqual(['/']);
  });

  it('omits the default port 443 from Host', () => {
    // as node:https writes it (a test server cannot listen on 443, so the prepared line is read back)
    const c = new KeepAliveHttpClient({ host: 'api.binance.com', port: 443, tls: true });
    expect((c as unknown as { hostHeader: string }).hostHeader).toBe('Host: api.binance.com\r\n');
    c.close();
  });
});

describe('BinanceTransport on an https: base URL (the production path)', () => {
  const T0 = 1_700_000_000_000;
  const request = (method: 'GET' | 'POST'): BuiltRequest =>
    buildRequest(
      { method, path: '/fapi/v1/order', security: 'none', query: { symbol: 'BTCUSDT' } },
      undefined,
      undefined,
    );

  it('uses the raw client over TLS: one kept-alive connection, verified against the given CA', async () => {
    server = await TlsServer.start(pki.key, pki.cert);
    const clock = new SimulatedClock(T0);
    const t = new BinanceTransport({
      baseUrl: `https://127.0.0.1:${server.port}`,
      clock,
      scheduler: clock,
      rateLimits: [],
      tlsCa: pki.ca,
    });
    try {
      expect(await t.send(request('GET'))).toEqual({ n: 0 });
      expect(await t.send(request('GET'))).toEqual({ n: 1 });
    } finally {
      t.close();
    }
    expect(server.sessions).toHaveLength(1);
    expect(server.sessions[0]?.alpn).toBe('http/1.1'); // node:https would not offer ALPN
  });

  it('an order sent to a server with an untrusted certificate was not placed: VENUE_TRANSPORT, not unknown', async () => {
    server = await TlsServer.start(pki.selfKey, pki.selfCert);
    const clock = new SimulatedClock(T0);
    const t = new BinanceTransport({
      baseUrl: `https://127.0.0.1:${server.port}`,
      clock,
      scheduler: clock,
      rateLimits: [],
      tlsCa: pki.ca,
    });
    const error = await t
      .send(request('POST'), { isOrder: true, clientOrderId: 'cid-tls' })
      .catch((e: unknown) => e);
    t.close();
    expect(error).toBeInstanceOf(VenueTransportError);
    expect(error).not.toBeInstanceOf(OrderOutcomeUnknownError);
    expect(error).toMatchObject({ context: { errno: 'ERR_TLS_CERTIFICATE' } });
    expect(server.requests).toHaveLength(0);
  });
});
