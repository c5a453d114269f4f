/** Structured JSON logs: one line per event, fields chosen by the caller. */

/** Log levels, lowest first. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** A logger writing one JSON object per line. */
export interface Logger {
  log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void;
  /** A logger that adds `fields` to every line. */
  child(fields: Record<string, unknown>): Logger;
}

/**
 * Creates a JSON-lines logger.
 *
 * @example
 * const logger = createLogger({ write: (line) => lines.push(line) });
 * logger.log('info', 'reply sent', { key: 'inbound/abc' });
 */
export function createLogger(
  options: { write?: (line: string) => void; now?: () => Date; base?: Record<string, unknown> } = {},
): Logger {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const now = options.now ?? (() => new Date());
  const base = options.base ?? {};
  return {
    log(level, msg, fields = {}) {
      write(JSON.stringify({ time: now().toISOString(), level, msg, ...base, ...fields }, replaceErrors));
    },
    child(fields) {
      return createLogger({ write, now, base: { ...base, ...fields } });
    },
  };
}

function replaceErrors(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return { name: value.name, message: value.message, ...(code === undefined ? {} : { code }) };
  }
  return value;
}
