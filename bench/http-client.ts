/**
 * REST round trip over loopback: our raw keep-alive client (src/venues/binance/http-client.ts) over plain
 * TCP and over TLS, against node:https (and node:http) with a keep-alive agent.
 *   node --import tsx bench/http-client.ts [requests=5000] [runs=5]
 * The server is a separate process (node:http + node:https on 127.0.0.1, a fixed ~330-byte order-like JSON
 * answer with Content-Length), so its CPU is not counted in the client's. One request in flight at a
 * time on one kept-alive connection (the order-submit case); each run: 500 warm-up requests, then
 * `requests` timed ones, per-request round trip from hrtime before `request()` to the resolved body.
 * Runs are interleaved across clients so load changes hit all of them. Reported per client: p50/p99
 * (µs) as min / median over the runs, and client-process CPU per request (µs, median).
 * The certificate is made with the openssl CLI in a temp dir (test-only, self-signed, 1 day).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { KeepAliveHttpClient } from '../src/venues/binance/http-client.js';
import { machineLine, nowNs, printTable } from './util.js';

const BODY =
  '{"orderId":4043887386,"symbol":"BTCUSDT","status":"NEW","clientOrderId":"aegis-0000000001","price":"0.00","avgPrice":"0.00","origQty":"0.010","executedQty":"0.000","cumQty":"0.000","cumQuote":"0.00000","timeInForce":"GTC","type":"MARKET","reduceOnly":false,"side":"BUY","positionSide":"BOTH","updateTime":1716000000000}';
const QUERY =
  'symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.010&newClientOrderId=aegis-0000000001&newOrderRespType=ACK&recvWindow=5000&timestamp=1716000000000&signature=7c0e0b0fb8d9a5e4b4f3a6b2d1f0e9c8b7a6958473625140f1e2d3c4b5a69788';
const APIKEY = 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A';

function serve(): void {
  const key = readFileSync(process.env.BENCH_KEY ?? '', 'utf8');
  const cert = readFileSync(process.env.BENCH_CERT ?? '', 'utf8');
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(BODY) });
      res.end(BODY);
    });
  };
  const plain = http.createServer({ keepAliveTimeout: 600_000 }, handler);
  const secure = https.createServer({ key, cert, keepAliveTimeout: 600_000 }, handler);
  plain.listen(0, '127.0.0.1', () => {
    secure.listen(0, '127.0.0.1', () => {
      const port = (s: http.Server): number => (s.address() as { port: number }).port;
      console.log(JSON.stringify({ http: port(plain), https: port(secure) }));
    });
  });
}

type Send = () => Promise<string>;

interface Case {
  readonly name: string;
  readonly send: Send;
  readonly close: () => void;
}

function rawCase(name: string, port: number, ca: string | undefined): Case {
  const client = new KeepAliveHttpClient({
    host: '127.0.0.1',
    port,
    maxSockets: 1,
    ...(ca === undefined ? {} : { tls: { ca } }),
  });
  const headers = `X-MBX-APIKEY: ${APIKEY}\r\nContent-Type: application/x-www-form-urlencoded\r\nAccept: application/json\r\n`;
  return {
    name,
    send: async () => (await client.request('POST', `/fapi/v1/order?${QUERY}`, headers, '').response).body,
    close: () => {
      client.close();
    },
  };
}

function nodeCase(name: string, port: number, ca: string | undefined): Case {
  const lib = ca === undefined ? http : https;
  const agent =
    ca === undefined
      ? new http.Agent({ keepAlive: true, maxSockets: 1 })
      : new https.Agent({ keepAlive: true, maxSockets: 1, ca });
  return {
    name,
    send: () =>
      new Promise<string>((resolve, reject) => {
        const req = lib.request(
          {
            hostname: '127.0.0.1',
            port,
            method: 'POST',
            path: `/fapi/v1/order?${QUERY}`,
            agent,
            headers: {
              'X-MBX-APIKEY': APIKEY,
              'Content-Type': 'application/x-www-form-urlencoded',
              Accept: 'application/json',
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              resolve(Buffer.concat(chunks).toString('utf8'));
            });
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end();
      }),
    close: () => {
      agent.destroy();
    },
  };
}

interface Run {
  p50: number;
  p99: number;
  cpuPerReq: number;
}

async function run(c: Case, requests: number): Promise<Run> {
  for (let i = 0; i < 500; i++) {
    if ((await c.send()) !== BODY) throw new Error(`${c.name}: wrong body`);
  }
  const us: number[] = new Array<number>(requests);
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < requests; i++) {
    const t0 = nowNs();
    const body = await c.send();
    us[i] = (nowNs() - t0) / 1000;
    if (body.length !== BODY.length) throw new Error(`${c.name}: wrong body`);
  }
  const cpu = process.cpuUsage(cpu0);
  us.sort((a, b) => a - b);
  const at = (q: number): number => us[Math.min(us.length - 1, Math.floor(q * us.length))] ?? NaN;
  return { p50: at(0.5), p99: at(0.99), cpuPerReq: (cpu.user + cpu.system) / requests };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

async function main(): Promise<void> {
  const requests = Number(process.argv[2] ?? 5000);
  const runs = Number(process.argv[3] ?? 5);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aegis-bench-tls-'));
  const keyFile = path.join(dir, 'key.pem');
  const certFile = path.join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'pipe' }); // prettier-ignore
  const ca = readFileSync(certFile, 'utf8');
  const server = spawn(process.execPath, [...process.execArgv, import.meta.filename, '--serve'], {
    env: { ...process.env, BENCH_KEY: keyFile, BENCH_CERT: certFile },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const first = await new Promise<string>((resolve, reject) => {
      const rl = createInterface({ input: server.stdout });
      rl.once('line', resolve);
      server.once('exit', (code) => {
        reject(new Error(`bench server exited (${code ?? 'signal'})`));
      });
    });
    const ports = JSON.parse(first) as { http: number; https: number };
    const cases = [
      rawCase('raw http (net.Socket)', ports.http, undefined),
      rawCase('raw https (tls.connect)', ports.https, ca),
      nodeCase('node:https + keep-alive agent', ports.https, ca),
      nodeCase('node:http + keep-alive agent', ports.http, undefined),
    ];
    const load0 = os.loadavg();
    const results = new Map<string, Run[]>(cases.map((c) => [c.name, []]));
    for (let r = 0; r < runs; r++) {
      for (const c of cases) results.get(c.name)?.push(await run(c, requests));
    }
    const load1 = os.loadavg();
    for (const c of cases) c.close();
    const rows = cases.map((c) => {
      const rs = results.get(c.name) ?? [];
      const p50 = rs.map((x) => x.p50);
      const p99 = rs.map((x) => x.p99);
      return [
        c.name,
        Math.min(...p50),
        median(p50),
        Math.min(...p99),
        median(p99),
        median(rs.map((x) => x.cpuPerReq)),
      ];
    });
    printTable(
      `Loopback REST round trip, ${requests.toLocaleString('en-US')} sequential requests x ${runs} runs (µs; min / median over runs)`,
      ['client', 'p50 min', 'p50 med', 'p99 min', 'p99 med', 'client CPU µs/req'],
      rows,
    );
    console.log(
      `\n${machineLine()}, ${os.cpus().length} cores; loadavg(1m) ${load0[0]?.toFixed(2) ?? '?'} at start, ${load1[0]?.toFixed(2) ?? '?'} at end`,
    );
  } finally {
    server.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--serve')) serve();
else await main();
