/**
 * The logging port the engine layers see. The implementation (pino, with secret redaction) lives in
 * src/app/logging.ts; tests can pass `silentLogger` or a recording logger.
 */
export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  trace(fields: LogFields, message: string): void;
  debug(fields: LogFields, message: string): void;
  info(fields: LogFields, message: string): void;
  warn(fields: LogFields, message: string): void;
  error(fields: LogFields, message: string): void;
  fatal(fields: LogFields, message: string): void;
  child(bindings: LogFields): Logger;
}

const noop = (): void => undefined;

export const silentLogger: Logger = {
  trace: noop,
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  fatal: noop,
  child: () => silentLogger,
};

export interface LogRecord {
  level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
  fields: LogFields;
  message: string;
}

/** A logger that keeps every record in memory (for tests and for the demo summary). */
export class MemoryLogger implements Logger {
  readonly records: LogRecord[];
  private readonly bindings: LogFields;

  constructor(records: LogRecord[] = [], bindings: LogFields = {}) {
    this.records = records;
    this.bindings = bindings;
  }

  trace(fields: LogFields, message: string): void {
    this.push('trace', fields, message);
  }
  debug(fields: LogFields, message: string): void {
    this.push('debug', fields, message);
  }
  info(fields: LogFields, message: string): void {
    this.push('info', fields, message);
  }
  warn(fields: LogFields, message: string): void {
    this.push('warn', fields, message);
  }
  error(fields: LogFields, message: string): void {
    this.push('error', fields, message);
  }
  fatal(fields: LogFields, message: string): void {
    this.push('fatal', fields, message);
  }
  child(bindings: LogFields): Logger {
    return new MemoryLogger(this.records, { ...this.bindings, ...bindings });
  }

  private push(level: LogRecord['level'], fields: LogFields, message: string): void {
    this.records.push({ level, fields: { ...this.bindings, ...fields }, message });
  }
}
