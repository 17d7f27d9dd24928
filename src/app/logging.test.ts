import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logging.js';

function sink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  return { stream, text: () => chunks.join('') };
}

const SECRET = 'S3cr3t-Recognisable-Value-0042';

describe('createLogger', () => {
  it('writes JSON lines with level, component bindings and fields', () => {
    const out = sink();
    const log = createLogger({ level: 'info', pretty: false, destination: out.stream });
    log.child({ component: 'data' }).info({ symbol: 'BTCUSDT' }, 'candle closed');
    log.debug({}, 'hidden at info');
    const lines = out
      .text()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 30, component: 'data', symbol: 'BTCUSDT', msg: 'candle closed' });
  });

  it('never writes a secret: not in a field, not in a message, not in an error', () => {
    const out = sink();
    const log = createLogger({ level: 'trace', pretty: false, destination: out.stream, secrets: [SECRET] });
    log.info({ apiSecret: SECRET, nested: { apiKey: SECRET } }, 'fields');
    log.warn({}, `message with ${SECRET} inside`);
    log.error({ err: new Error(`failed with ${SECRET}`) }, 'error');
    const text = out.text();
    expect(text).not.toContain(SECRET);
    expect(text.match(/\[REDACTED\]/g)?.length).toBeGreaterThanOrEqual(4);
  });

  it('scrubs pretty (TTY) output too', () => {
    const out = sink();
    const log = createLogger({ level: 'info', pretty: true, destination: out.stream, secrets: [SECRET] });
    log.info({ detail: SECRET }, `pretty ${SECRET}`);
    expect(out.text()).toContain('pretty');
    expect(out.text()).not.toContain(SECRET);
  });
});
