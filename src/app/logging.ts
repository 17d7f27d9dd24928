import { Writable } from 'node:stream';
import { pino, type DestinationStream, type Level } from 'pino';
import { PinoPretty } from 'pino-pretty';
import type { Logger } from '../core/logger.js';
import type { AegisConfig } from '../config/schema.js';
import { REDACTED, Secret } from '../config/secret.js';

export interface LoggerOptions {
  readonly level: AegisConfig['logLevel'];
  /** Human-readable output (default: when the destination is a TTY). */
  readonly pretty?: boolean;
  /** Secret values that must never appear in any log line. */
  readonly secrets?: readonly string[];
  /** Where lines go (default process.stdout). */
  readonly destination?: NodeJS.WritableStream & { isTTY?: boolean };
}

/** Field names whose values are always redacted, wherever they appear. */
const REDACT_PATHS = [
  'apiKey',
  'apiSecret',
  'secret',
  'signature',
  'binanceApiKey',
  'binanceApiSecret',
  '*.apiKey',
  '*.apiSecret',
  '*.secret',
  '*.signature',
  '*.binanceApiKey',
  '*.binanceApiSecret',
  'headers["x-mbx-apikey"]',
  '*.headers["x-mbx-apikey"]',
];

/**
 * A destination that replaces every occurrence of a secret value with [REDACTED] before writing: the last
 * line of defence, for secrets that reach a message or an error text by any path.
 */
export class ScrubbingStream extends Writable {
  private readonly secrets: readonly string[];
  private readonly out: NodeJS.WritableStream;

  constructor(out: NodeJS.WritableStream, secrets: readonly string[]) {
    super({ decodeStrings: false });
    this.out = out;
    this.secrets = secrets.filter((s) => s.length >= 4);
  }

  scrub(line: string): string {
    let text = line;
    for (const s of this.secrets) if (text.includes(s)) text = text.split(s).join(REDACTED);
    return text;
  }

  override _write(
    chunk: Buffer | string,
    _encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ): void {
    // synchronous hand-off: lines reach the destination in order and before a crash, like pino's own sync mode
    this.out.write(this.scrub(typeof chunk === 'string' ? chunk : chunk.toString('utf8')));
    callback();
  }
}

export function createLogger(options: LoggerOptions): Logger {
  const out = options.destination ?? process.stdout;
  const pretty = options.pretty ?? out.isTTY === true;
  const scrubbed = new ScrubbingStream(out, options.secrets ?? []);
  const stream: DestinationStream = pretty
    ? PinoPretty({ destination: scrubbed, sync: true, colorize: out.isTTY === true })
    : scrubbed;
  const level: Level | 'silent' = options.level;
  return pino(
    {
      level,
      base: { app: 'aegis' },
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      serializers: { err: pino.stdSerializers.err },
    },
    stream,
  );
}

/** The secrets held by a config, for the scrubbing stream. */
export function secretValues(config: AegisConfig): string[] {
  const values: string[] = [];
  for (const v of Object.values(config)) if (v instanceof Secret) values.push(v.reveal());
  return values;
}

export function loggerFromConfig(config: AegisConfig, destination?: LoggerOptions['destination']): Logger {
  return createLogger({
    level: config.logLevel,
    secrets: secretValues(config),
    ...(destination === undefined ? {} : { destination }),
  });
}
