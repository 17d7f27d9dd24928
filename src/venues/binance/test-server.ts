/**
 * A small loopback HTTP server for the adapter's tests: it records every request (method, path, raw
 * query, body, headers) and answers with whatever the test's handler returns, or never ("hang").
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  /** Raw query string without `?`. */
  readonly query: string;
  readonly body: string;
  readonly headers: http.IncomingHttpHeaders;
  /** Query + body parameters, decoded. */
  readonly params: Readonly<Record<string, string>>;
}

export interface CannedResponse {
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** An object is sent as JSON; a string as is. */
  readonly body?: unknown;
}

export type Handler = (request: RecordedRequest) => CannedResponse | 'hang';

export class LoopbackServer {
  readonly requests: RecordedRequest[] = [];
  connections = 0;
  handler: Handler = () => ({ status: 200, body: {} });
  private readonly server: http.Server;
  private readonly hung: http.ServerResponse[] = [];
  private waiters: (() => void)[] = [];

  private constructor() {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        const body = Buffer.concat(chunks).toString('utf8');
        const params: Record<string, string> = {};
        for (const [k, v] of url.searchParams) params[k] = v;
        for (const [k, v] of new URLSearchParams(body)) params[k] = v;
        const recorded: RecordedRequest = {
          method: req.method ?? '',
          path: url.pathname,
          query: url.search.startsWith('?') ? url.search.slice(1) : '',
          body,
          headers: req.headers,
          params,
        };
        this.requests.push(recorded);
        const answer = this.handler(recorded);
        const waiters = this.waiters;
        this.waiters = [];
        for (const w of waiters) w();
        if (answer === 'hang') {
          this.hung.push(res);
          return;
        }
        const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body ?? {});
        res.writeHead(answer.status ?? 200, { 'Content-Type': 'application/json', ...answer.headers });
        res.end(text);
      });
    });
    this.server.on('connection', () => {
      this.connections++;
    });
  }

  static async start(): Promise<LoopbackServer> {
    const s = new LoopbackServer();
    await new Promise<void>((resolve) => {
      s.server.listen(0, '127.0.0.1', resolve);
    });
    return s;
  }

  get url(): string {
    const address = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${address.port}`;
  }

  /** Resolves when the next request has been received. */
  nextRequest(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async close(): Promise<void> {
    for (const res of this.hung) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => {
      this.server.close((error) => {
        if (error === undefined) resolve();
        else reject(error);
      });
    });
  }
}
