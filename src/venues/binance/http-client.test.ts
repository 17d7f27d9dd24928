import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpProtocolError, KeepAliveHttpClient } from './http-client.js';

/**
 * A raw TCP server that answers each request (one per `\r\n\r\n`-terminated head, plus Content-Length
 * bytes of body) with bytes the test chooses, possibly in several writes, so framing cases the node:http
 * server never produces (split chunks, 1xx, close-delimited bodies, garbage) can be checked.
 */
class RawServer {
  readonly heads: string[] = [];
  readonly bodies: string[] = [];
  connections = 0;
  /** Each answer is a list of writes; 'close' closes the connection, 'hang' answers nothing. */
  answer: (n: number) => string[] | 'hang' = () => [ok('{}')];
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private waiters: (() => void)[] = [];

  /** Resolves once `count` requests have been received. */
  received(count: number): Promise<void> {
    if (this.heads.length >= count) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiters.push(() => {
        if (this.heads.length >= count) resolve();
      });
    });
  }

  private constructor() {
    this.server = net.createServer((socket) => {
      this.connections++;
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      let buf = '';
      socket.on('data', (d: Buffer) => {
        buf += d.toString('latin1');
        for (;;) {
          const end = buf.indexOf('\r\n\r\n');
          if (end < 0) return;
          const head = buf.slice(0, end);
          const cl = /\r\ncontent-length: (\d+)/i.exec(head);
          const length = cl === null ? 0 : Number(cl[1]);
          if (buf.length < end + 4 + length) return;
          this.heads.push(head);
          this.bodies.push(buf.slice(end + 4, end + 4 + length));
          for (const w of this.waiters) w();
          buf = buf.slice(end + 4 + length);
          const a = this.answer(this.heads.length - 1);
          if (a === 'hang') continue;
          for (const part of a) {
            if (part === 'close') socket.destroy();
            else socket.write(part, 'latin1');
          }
        }
      });
    });
  }

  static async start(): Promise<RawServer> {
    const s = new RawServer();
    await new Promise<void>((r) => s.server.listen(0, '127.0.0.1', r));
    return s;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) =>
      this.server.close(() => {
        r();
      }),
    );
  }
}

function ok(body: string, extra = ''): string {
  return `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

let server: RawServer;
let client: KeepAliveHttpClient;

async function setup(maxSockets = 8): Promise<void> {
  server = await RawServer.start();
  client = new KeepAliveHttpClient({ host: '127.0.0.1', port: server.port, maxSockets });
}

afterEach(async () => {
  client.close();
  await server.close();
});

describe('KeepAliveHttpClient', () => {
  it('sends method, target, Host, headers and a Content-Length body; reuses one connection', async () => {
    await setup();
    server.answer = (n) => [ok(`{"n":${n}}`, 'X-MBX-USED-WEIGHT-1M: 7\r\n')];
    for (let n = 0; n < 3; n++) {
      const r = await client.request('POST', '/fapi/v1/order?a=1', 'X-MBX-APIKEY: k\r\n', 'x=é').response;
      expect(r).toEqual({
        status: 200,
        headers: { 'content-type': 'application/json', 'x-mbx-used-weight-1m': '7', 'content-length': '7' },
        body: `{"n":${n}}`,
      });
    }
    expect(server.connections).toBe(1);
    expect(server.heads[0]).toBe(
      `POST /fapi/v1/order?a=1 HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nX-MBX-APIKEY: k\r\nContent-Length: 4\r\nConnection: keep-alive`,
    );
    expect(Buffer.from(server.bodies[0] ?? '', 'latin1').toString('utf8')).toBe('x=é');
  });

  it('reads chunked bodies split at every byte, with extensions and trailers, then keeps the connection', async () => {
    await setup();
    const body = '{"orderId":12345678901234567890,"status":"NEW"}';
    const chunked =
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n' +
      `10;ext=1\r\n${body.slice(0, 16)}\r\n${(body.length - 16).toString(16)}\r\n${body.slice(16)}\r\n0\r\nX-Trailer: 1\r\n\r\n`;
    server.answer = () => chunked.split('');
    expect((await client.request('GET', '/a', '', '').response).body).toBe(body);
    expect((await client.request('GET', '/b', '', '').response).body).toBe(body);
    expect(server.connections).toBe(1);
  });

  it('skips a 100 Continue, joins repeated headers, and retires a connection the server closes', async () => {
    await setup();
    server.answer = (n) =>
      n === 0
        ? ['HTTP/1.1 100 Continue\r\n\r\n', ok('1', 'Vary: a\r\nVary: b\r\nConnection: close\r\n')]
        : [ok('2')];
    const r = await client.request('GET', '/', '', '').response;
    expect(r.body).toBe('1');
    expect(r.headers.vary).toBe('a, b');
    expect((await client.request('GET', '/', '', '').response).body).toBe('2');
    expect(server.connections).toBe(2);
  });

  it('reads a body without length or chunking until the server closes', async () => {
    await setup();
    server.answer = () => ['HTTP/1.1 503 Service Unavailable\r\n\r\n{"code":-1001,', '"msg":"x"}', 'close'];
    const r = await client.request('GET', '/', '', '').response;
    expect(r).toMatchObject({ status: 503, body: '{"code":-1001,"msg":"x"}' });
  });

  it('fails the request when the connection drops mid-response, and recovers on a new connection', async () => {
    await setup();
    server.answer = (n) => (n === 0 ? [ok('{"a":1}').slice(0, -3), 'close'] : [ok('{}')]);
    await expect(client.request('GET', '/', '', '').response).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect((await client.request('GET', '/', '', '').response).body).toBe('{}');
    expect(server.connections).toBe(2);
  });

  it('rejects malformed responses with HttpProtocolError', async () => {
    await setup();
    for (const bad of [
      'HTTP/2 200 OK\r\n\r\n',
      'HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      'HTTP/1.1 200 OK\r\nno colon\r\n\r\n',
    ]) {
      server.answer = () => [bad];
      await expect(client.request('GET', '/', '', '').response).rejects.toBeInstanceOf(HttpProtocolError);
    }
  });

  it('keeps ECONNREFUSED as the error code when nothing listens (request not sent)', async () => {
    await setup();
    const port = server.port;
    await server.close();
    server = await RawServer.start();
    const dead = new KeepAliveHttpClient({ host: '127.0.0.1', port });
    const pending = dead.request('GET', '/', '', '');
    await expect(pending.response).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(pending.requestSent).toBe(false);
    dead.close();
    client.close();
    client = new KeepAliveHttpClient({ host: '127.0.0.1', port: server.port });
    const live = client.request('GET', '/', '', '');
    expect(live.requestSent).toBe(false); // not yet connected
    await live.response;
    expect(live.requestSent).toBe(true);
  });

  it('queues beyond maxSockets in order; abort fails a queued or an in-flight request', async () => {
    await setup(1);
    server.answer = (n) => (n === 0 ? 'hang' : [ok(String(n))]);
    const first = client.request('GET', '/0', '', '');
    const second = client.request('GET', '/1', '', '');
    const third = client.request('GET', '/2', '', '');
    second.abort(new Error('timed out in queue'));
    await expect(second.response).rejects.toThrow('timed out in queue');
    // the first reaches the server and hangs: abort it (a timeout); the third then gets a fresh connection
    await server.received(1);
    first.abort(new Error('timed out'));
    await expect(first.response).rejects.toThrow('timed out');
    expect((await third.response).body).toBe('1');
    expect(server.heads.map((h) => h.split(' ')[1])).toEqual(['/0', '/2']);
    expect(server.connections).toBe(2);
  });
});
