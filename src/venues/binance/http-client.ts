/**
 * A small keep-alive HTTP/1.1 client over net.Socket, or over a TLS socket (node:tls) for `https:`, for the
 * REST hot path (order submission). node:http's ClientRequest costs tens of µs of CPU per request (header
 * objects, validation, agent bookkeeping, streams); here a request is one pre-assembled string and one
 * socket.write.
 *
 * What it does (and only this):
 * - a pool of up to `maxSockets` keep-alive connections, one request in flight per connection (no
 *   pipelining); requests beyond that wait in FIFO order;
 * - responses framed by Content-Length, `Transfer-Encoding: chunked`, or (without either) the close of the
 *   connection; 1xx interim responses are skipped; `Connection: close` retires the socket;
 * - header names lower-cased; a repeated header is joined with ", " (set-cookie kept as an array), as
 *   node:http does;
 * - errors: a socket error or close before the response is complete rejects the request with that error
 *   (errno codes such as ECONNREFUSED are kept, so the caller can tell "never sent" apart); `abort` (the
 *   caller's timeout) destroys the connection and rejects;
 * - TLS (`tls` option): `tls.connect` with SNI = host (not for an IP address, RFC 6066), ALPN `http/1.1`,
 *   the certificate always verified (against Node's bundled roots, or the `ca` given) including its name;
 *   the last TLS session is kept and offered on every new connection (resumption after a reconnect);
 *   a failure after the TCP connect and before the TLS session is up rejects with HttpTlsError, which
 *   names the host and says whether the certificate was refused. Nothing is written to the wire before
 *   the handshake completes (node:tls holds the request bytes), so such a request was never sent.
 */
import net from 'node:net';
import tls from 'node:tls';
import { toError } from '../../core/errors.js';

export interface HttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[]>>;
  readonly body: string;
}

export interface HttpTlsOptions {
  /**
   * CA certificates (PEM) trusted instead of Node's bundled roots: a test server, a private gateway. There is
   * deliberately no switch to turn verification off.
   */
  readonly ca?: string | Buffer | readonly (string | Buffer)[];
  /** SNI and the name the certificate must carry; default `host` (no SNI for an IP address). */
  readonly servername?: string;
}

export interface HttpClientOptions {
  readonly host: string;
  readonly port: number;
  /** Default 8. */
  readonly maxSockets?: number;
  /** Speak TLS (`https:`): `true` for Node's CA roots, or options. Default: plain TCP. */
  readonly tls?: boolean | HttpTlsOptions;
}

/** A malformed response: the connection is closed and the request fails with this. */
export class HttpProtocolError extends Error {
  readonly code = 'HPE_INVALID';
}

/**
 * The TLS session could not be established (TCP was connected): `ERR_TLS_CERTIFICATE` when the server's
 * certificate was refused (untrusted, expired, wrong name: `reason` is OpenSSL's / Node's code such as
 * UNABLE_TO_VERIFY_LEAF_SIGNATURE or ERR_TLS_CERT_ALTNAME_INVALID), `ERR_TLS_HANDSHAKE` for any other
 * handshake failure (the peer closed, is not speaking TLS, no common protocol...). No byte of the request
 * was sent (`requestSent` false).
 */
export class HttpTlsError extends Error {
  readonly code: 'ERR_TLS_CERTIFICATE' | 'ERR_TLS_HANDSHAKE';
  readonly host: string;
  readonly port: number;
  readonly reason: string | undefined;
  readonly requestSent = false;
  constructor(host: string, port: number, cause: Error) {
    const reason = (cause as NodeJS.ErrnoException).code;
    const certificate = reason !== undefined && CERT_ERROR.test(reason);
    super(
      certificate
        ? `TLS certificate of ${host}:${port} refused: ${cause.message} (${reason})`
        : `TLS handshake with ${host}:${port} failed: ${cause.message}${reason === undefined ? '' : ` (${reason})`}`,
      { cause },
    );
    this.code = certificate ? 'ERR_TLS_CERTIFICATE' : 'ERR_TLS_HANDSHAKE';
    this.host = host;
    this.port = port;
    this.reason = reason;
  }
}

/** Certificate verification codes: OpenSSL's X509_V_ERR_* names as Node reports them, and the name check. */
const CERT_ERROR =
  /CERT|CRL|ISSUER|SIGNATURE|INVALID_CA|INVALID_PURPOSE|PATH_LENGTH|HOSTNAME_MISMATCH|ALTNAME/;

/** One request handed to the client; `abort` fails it (and closes its connection when it has one). */
export interface PendingRequest {
  readonly response: Promise<HttpResponse>;
  /**
   * False while the request bytes cannot have left this process: queued, or its connection not yet
   * connected (TCP; for TLS: handshake not complete). A failure while false means the request was not sent.
   */
  readonly requestSent: boolean;
  abort(error: Error): void;
}

interface Job {
  readonly head: string;
  readonly body: string;
  resolve(r: HttpResponse): void;
  reject(e: Error): void;
  conn: Connection | undefined;
  done: boolean;
  sent: boolean;
}

/**
 * The PendingRequest of one job: a class rather than an object literal with closures, so that a request
 * allocates no function (measured on the tick-to-order path: ~9 µs p50 less under tsx, whose name-keeping
 * helper defines a property on every closure).
 */
class Pending implements PendingRequest {
  constructor(
    private readonly client: KeepAliveHttpClient,
    private readonly job: Job,
    readonly response: Promise<HttpResponse>,
  ) {}

  get requestSent(): boolean {
    return this.job.sent;
  }

  abort(error: Error): void {
    this.client.abortJob(this.job, error);
  }
}

const CRLF = '\r\n';
const MAX_HEAD = 64 * 1024;

/** Parser states. */
const HEAD = 0;
const BODY_LENGTH = 1;
const CHUNK_SIZE = 2;
const CHUNK_DATA = 3;
const CHUNK_TRAILER = 4;
const BODY_UNTIL_CLOSE = 5;

class Connection {
  readonly socket: net.Socket;
  job: Job | undefined;
  closed = false;
  /** TCP connected, and for TLS the handshake done: written bytes go to the wire. */
  private ready = false;
  private tcpConnected = false;
  private buf: Buffer = Buffer.alloc(0);
  private state = HEAD;
  private status = 0;
  private headers: Record<string, string | string[]> = {};
  private keepAlive = true;
  private remaining = 0;
  private chunks: Buffer[] = [];

  constructor(
    private readonly client: KeepAliveHttpClient,
    options: HttpClientOptions,
  ) {
    const secure = options.tls !== undefined && options.tls !== false;
    if (secure) {
      const socket = client.tlsConnect();
      socket.setNoDelay(true);
      socket.on('secureConnect', () => {
        this.client.secured(socket);
        this.onReady();
      });
      socket.on('session', (session: Buffer) => {
        this.client.tlsSession = session;
      });
      this.socket = socket;
    } else {
      this.socket = net.connect({ host: options.host, port: options.port, noDelay: true });
    }
    this.socket.on('connect', () => {
      this.tcpConnected = true;
      if (!secure) this.onReady();
    });
    this.socket.on('data', (data: Buffer) => {
      this.onData(data);
    });
    this.socket.on('error', (error: Error) => {
      if (this.closed) return; // our own destroy (abort, close): the job already has its error
      if (secure && this.tcpConnected && !this.ready) {
        this.client.tlsSession = undefined; // as node:https's agent: never offer a session that failed
        this.fail(new HttpTlsError(options.host, options.port, error));
      } else {
        this.fail(error);
      }
    });
    this.socket.on('close', () => {
      if (this.state === BODY_UNTIL_CLOSE && this.job !== undefined) {
        this.finish(false);
      }
      const lost = Object.assign(new Error('socket closed before the response was complete'), {
        code: 'ECONNRESET',
      });
      this.fail(
        secure && this.tcpConnected && !this.ready
          ? new HttpTlsError(options.host, options.port, lost)
          : lost,
      );
    });
  }

  private onReady(): void {
    this.ready = true;
    if (this.job !== undefined) this.job.sent = true;
  }

  send(job: Job): void {
    this.job = job;
    job.conn = this;
    job.sent = this.ready;
    this.state = HEAD;
    this.status = 0;
    this.headers = {};
    this.keepAlive = true;
    this.chunks = [];
    this.socket.write(job.body.length > 0 ? job.head + job.body : job.head, 'utf8');
  }

  destroy(error?: Error): void {
    if (!this.closed) this.socket.destroy(error);
    this.fail(error ?? new Error('connection closed by the client'));
  }

  /** Connection unusable: reject its job (if any) and leave the pool. */
  private fail(error: Error): void {
    const job = this.job;
    this.job = undefined;
    if (!this.closed) {
      this.closed = true;
      this.socket.destroy();
      this.client.removed(this);
    }
    if (job !== undefined && !job.done) {
      job.done = true;
      job.reject(error);
    }
  }

  private protocolError(what: string): void {
    this.destroy(new HttpProtocolError(`malformed HTTP response: ${what}`));
  }

  private onData(data: Buffer): void {
    if (this.job === undefined) {
      this.protocolError('data without a request');
      return;
    }
    this.buf = this.buf.length === 0 ? data : Buffer.concat([this.buf, data]);
    for (;;) {
      if (this.state === HEAD) {
        const end = this.buf.indexOf('\r\n\r\n');
        if (end < 0) {
          if (this.buf.length > MAX_HEAD) this.protocolError('header block too large');
          return;
        }
        const head = this.buf.toString('latin1', 0, end);
        this.buf = this.buf.subarray(end + 4);
        if (!this.parseHead(head)) return;
        continue;
      }
      if (this.state === BODY_LENGTH) {
        if (this.buf.length < this.remaining) return;
        this.chunks.push(this.buf.subarray(0, this.remaining));
        this.buf = this.buf.subarray(this.remaining);
        this.finish(this.keepAlive);
        return;
      }
      if (this.state === CHUNK_SIZE) {
        const eol = this.buf.indexOf(CRLF);
        if (eol < 0) return;
        const line = this.buf.toString('latin1', 0, eol);
        const size = parseInt(line.split(';', 1)[0] ?? '', 16);
        if (!/^[0-9a-fA-F]+/.test(line) || !Number.isSafeInteger(size)) {
          this.protocolError(`chunk size ${JSON.stringify(line.slice(0, 20))}`);
          return;
        }
        this.buf = this.buf.subarray(eol + 2);
        this.remaining = size;
        this.state = size === 0 ? CHUNK_TRAILER : CHUNK_DATA;
        continue;
      }
      if (this.state === CHUNK_DATA) {
        if (this.buf.length < this.remaining + 2) return;
        if (this.buf[this.remaining] !== 0x0d || this.buf[this.remaining + 1] !== 0x0a) {
          this.protocolError('chunk not followed by CRLF');
          return;
        }
        this.chunks.push(this.buf.subarray(0, this.remaining));
        this.buf = this.buf.subarray(this.remaining + 2);
        this.state = CHUNK_SIZE;
        continue;
      }
      if (this.state === CHUNK_TRAILER) {
        // trailer lines, then an empty line
        const eol = this.buf.indexOf(CRLF);
        if (eol < 0) return;
        this.buf = this.buf.subarray(eol + 2);
        if (eol === 0) {
          this.finish(this.keepAlive);
          return;
        }
        continue;
      }
      // BODY_UNTIL_CLOSE
      this.chunks.push(this.buf);
      this.buf = Buffer.alloc(0);
      return;
    }
  }

  /** Status line + headers; sets the body state. False when the connection was failed. */
  private parseHead(head: string): boolean {
    const lines = head.split(CRLF);
    const statusLine = lines[0] ?? '';
    const m = /^HTTP\/1\.([01]) (\d{3})(?: .*)?$/.exec(statusLine);
    if (m === null) {
      this.protocolError(`status line ${JSON.stringify(statusLine.slice(0, 40))}`);
      return false;
    }
    const status = Number(m[2]);
    const headers: Record<string, string | string[]> = {};
    for (let n = 1; n < lines.length; n++) {
      const line = lines[n] ?? '';
      const colon = line.indexOf(':');
      if (colon <= 0) {
        this.protocolError(`header line ${JSON.stringify(line.slice(0, 40))}`);
        return false;
      }
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      const prev = headers[name];
      if (name === 'set-cookie') headers[name] = Array.isArray(prev) ? [...prev, value] : [value];
      else headers[name] = prev === undefined ? value : `${String(prev)}, ${value}`;
    }
    if (status >= 100 && status < 200) {
      this.state = HEAD; // interim response (100 Continue, 103 Early Hints): the real one follows
      return true;
    }
    this.status = status;
    this.headers = headers;
    const connection = String(headers.connection ?? '').toLowerCase();
    this.keepAlive = m[1] === '1' ? !connection.includes('close') : connection.includes('keep-alive');
    const te = String(headers['transfer-encoding'] ?? '').toLowerCase();
    const cl = headers['content-length'];
    if (status === 204 || status === 304) {
      this.remaining = 0;
      this.state = BODY_LENGTH;
    } else if (te.length > 0) {
      if (!te.endsWith('chunked')) {
        this.protocolError(`transfer-encoding ${te}`);
        return false;
      }
      this.state = CHUNK_SIZE;
    } else if (cl !== undefined) {
      const text = String(cl);
      if (!/^\d+$/.test(text)) {
        this.protocolError(`content-length ${text}`);
        return false;
      }
      this.remaining = Number(text);
      this.state = BODY_LENGTH;
    } else {
      this.keepAlive = false;
      this.state = BODY_UNTIL_CLOSE;
    }
    return true;
  }

  private finish(reusable: boolean): void {
    const job = this.job;
    if (job === undefined) return;
    const response: HttpResponse = {
      status: this.status,
      headers: this.headers,
      body:
        this.chunks.length === 1
          ? (this.chunks[0] as Buffer).toString('utf8')
          : Buffer.concat(this.chunks).toString('utf8'),
    };
    this.chunks = [];
    this.job = undefined;
    this.state = HEAD;
    if (reusable && this.buf.length > 0) {
      // bytes after a complete response without a request: the server is not speaking HTTP/1.1 to us
      reusable = false;
    }
    if (!reusable) {
      this.closed = true;
      this.socket.destroy();
      this.client.removed(this);
    }
    job.done = true;
    job.resolve(response);
    if (reusable) this.client.idle(this);
  }
}

export class KeepAliveHttpClient {
  /** @internal the last TLS session the server handed out, offered to the next connection. */
  tlsSession: Buffer | undefined;
  private readonly options: HttpClientOptions;
  private readonly tlsOptions: tls.ConnectionOptions | undefined;
  private readonly maxSockets: number;
  private readonly hostHeader: string;
  private readonly free: Connection[] = [];
  private readonly all = new Set<Connection>();
  private readonly queue: Job[] = [];
  private closing = false;
  private handshakes = 0;
  private resumptions = 0;

  constructor(options: HttpClientOptions) {
    this.options = options;
    this.maxSockets = options.maxSockets ?? 8;
    const secure = options.tls !== undefined && options.tls !== false;
    const defaultPort = secure ? 443 : 80;
    const host = net.isIPv6(options.host) ? `[${options.host}]` : options.host;
    this.hostHeader = `Host: ${host}${options.port === defaultPort ? '' : `:${options.port}`}${CRLF}`;
    if (secure) {
      const given: HttpTlsOptions = options.tls === true ? {} : options.tls;
      const servername = given.servername ?? (net.isIP(options.host) === 0 ? options.host : undefined);
      this.tlsOptions = {
        host: options.host,
        port: options.port,
        ALPNProtocols: ['http/1.1'],
        rejectUnauthorized: true,
        ...(servername === undefined ? {} : { servername }),
        ...(given.ca === undefined ? {} : { ca: given.ca as string | Buffer | (string | Buffer)[] }),
      };
    }
  }

  /** Open connections (busy or idle). */
  get connections(): number {
    return this.all.size;
  }

  /** TLS handshakes completed, and how many of them resumed an earlier session (abbreviated handshake). */
  get tlsStats(): { readonly handshakes: number; readonly resumed: number } {
    return { handshakes: this.handshakes, resumed: this.resumptions };
  }

  /** @internal open a TLS connection, offering the cached session. */
  tlsConnect(): tls.TLSSocket {
    const options = this.tlsOptions as tls.ConnectionOptions;
    return tls.connect(this.tlsSession === undefined ? options : { ...options, session: this.tlsSession });
  }

  /** @internal a TLS handshake completed. */
  secured(socket: tls.TLSSocket): void {
    this.handshakes++;
    if (socket.isSessionReused()) this.resumptions++;
  }

  /**
   * Send a request. `headerLines` are complete `Name: value\r\n` lines (validated by the caller: no CR/LF
   * inside values); Host, Content-Length and Connection are added here.
   */
  request(method: string, target: string, headerLines: string, body: string): PendingRequest {
    let job!: Job;
    const response = new Promise<HttpResponse>((resolve, reject) => {
      const length = body.length > 0 ? `Content-Length: ${Buffer.byteLength(body)}${CRLF}` : '';
      job = {
        head: `${method} ${target} HTTP/1.1${CRLF}${this.hostHeader}${headerLines}${length}Connection: keep-alive${CRLF}${CRLF}`,
        body,
        resolve,
        reject,
        conn: undefined,
        done: false,
        sent: false,
      };
    });
    this.closing = false;
    this.dispatch(job);
    return new Pending(this, job, response);
  }

  /** @internal PendingRequest.abort: fail `job` (closing its connection when it has one). */
  abortJob(job: Job, error: Error): void {
    if (job.done) return;
    if (job.conn !== undefined) {
      job.conn.destroy(error);
      return;
    }
    const i = this.queue.indexOf(job);
    if (i >= 0) this.queue.splice(i, 1);
    job.done = true;
    job.reject(error);
  }

  /** Close every connection; requests in flight fail. */
  close(): void {
    this.closing = true;
    for (const job of this.queue.splice(0)) {
      job.done = true;
      job.reject(new Error('HTTP client closed'));
    }
    for (const conn of [...this.all]) conn.destroy();
  }

  private dispatch(job: Job): void {
    const conn = this.free.pop();
    if (conn !== undefined) {
      conn.send(job);
      return;
    }
    if (this.all.size < this.maxSockets) {
      const fresh = new Connection(this, this.options);
      this.all.add(fresh);
      fresh.send(job); // written once connected (net.Socket buffers the write)
      return;
    }
    this.queue.push(job);
  }

  /** @internal a connection finished a response and can take the next request. */
  idle(conn: Connection): void {
    if (conn.closed) return;
    const next = this.queue.shift();
    if (next !== undefined) {
      try {
        conn.send(next);
      } catch (caught) {
        next.done = true;
        next.reject(toError(caught));
      }
      return;
    }
    if (this.closing) conn.destroy();
    else this.free.push(conn);
  }

  /** @internal a connection is gone (closed, failed or retired). */
  removed(conn: Connection): void {
    this.all.delete(conn);
    const i = this.free.indexOf(conn);
    if (i >= 0) this.free.splice(i, 1);
    // a queued request can now open a connection of its own
    const next = this.queue.shift();
    if (next !== undefined && !this.closing) this.dispatch(next);
  }
}
