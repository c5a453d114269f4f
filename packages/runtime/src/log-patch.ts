/** Console patching like AWS's Node runtime: text or JSON lines tagged with the request ID, filtered by level. */
import { format } from 'node:util';

const LEVELS = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4, FATAL: 5 } as const;
type LevelName = keyof typeof LEVELS;

/** Options of {@link patchConsole}. */
export interface LogPatchOptions {
  /** `AWS_LAMBDA_LOG_FORMAT`: `JSON` (any case) gives JSON lines, anything else text. */
  format?: string | undefined;
  /** `AWS_LAMBDA_LOG_LEVEL`: levels below it become no-ops. Default TRACE. */
  level?: string | undefined;
  /** The current invoke's request ID (`undefined` before the first invoke, printed literally as AWS does). */
  getRequestId: () => string | undefined;
  /** The current invoke's tenant ID, if any (JSON format only). */
  getTenantId?: () => string | undefined;
  write?: (line: string) => void;
  now?: () => Date;
  target?: Console;
}

function jsonErrorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    return {
      errorType: value.constructor?.name ?? 'UnknownError',
      errorMessage: value.message,
      stackTrace: typeof value.stack === 'string' ? value.stack.split('\n') : value.stack,
      ...value,
    };
  }
  return value;
}

/** Formats one JSON log record as AWS's runtime does (a single argument stays raw JSON). */
export function formatJsonRecord(
  timestamp: string,
  level: string,
  requestId: string | undefined,
  tenantId: string | undefined,
  params: unknown[],
): string {
  const record: Record<string, unknown> = { timestamp, level, requestId };
  if (tenantId !== undefined) record.tenantId = tenantId;
  if (params.length === 1) {
    record.message = params[0];
    try {
      return JSON.stringify(record, jsonErrorReplacer);
    } catch {
      record.message = format(params[0]);
      return JSON.stringify(record);
    }
  }
  record.message = format(...params);
  for (const param of params) {
    if (param instanceof Error) {
      record.errorType = param.constructor?.name ?? 'UnknownError';
      record.errorMessage = param.message;
      record.stackTrace = typeof param.stack === 'string' ? param.stack.split('\n') : [];
      break;
    }
  }
  return JSON.stringify(record);
}

/** Formats one text log line; newlines become `\r` so a multi-line message stays one CloudWatch event. */
export function formatTextLine(
  timestamp: string,
  level: string,
  requestId: string | undefined,
  params: unknown[],
): string {
  return `${timestamp}\t${requestId}\t${level}\t${format(...params).replace(/\n/g, '\r')}`;
}

/**
 * Replaces `console.trace/debug/info/log/warn/error` (and adds `console.fatal`) with level-tagged writers.
 *
 * @example
 * patchConsole({ format: process.env.AWS_LAMBDA_LOG_FORMAT, level: process.env.AWS_LAMBDA_LOG_LEVEL, getRequestId: () => id });
 */
export function patchConsole(options: LogPatchOptions): void {
  const json = options.format?.toUpperCase() === 'JSON';
  const min = LEVELS[(options.level?.toUpperCase() ?? 'TRACE') as LevelName] ?? LEVELS.TRACE;
  const write = options.write ?? ((line: string) => process.stdout.write(line));
  const now = options.now ?? (() => new Date());
  const getTenantId = options.getTenantId ?? (() => undefined);
  const target = options.target ?? console;
  const noop = (): void => {};
  const make = (level: LevelName) => {
    if (LEVELS[level] < min) return noop;
    if (json) {
      return (...params: unknown[]): void => {
        write(
          `${formatJsonRecord(now().toISOString(), level, options.getRequestId(), getTenantId(), params)}\n`,
        );
      };
    }
    return (...params: unknown[]): void => {
      write(`${formatTextLine(now().toISOString(), level, options.getRequestId(), params)}\n`);
    };
  };
  const c = target as unknown as Record<string, unknown>;
  c.trace = make('TRACE');
  c.debug = make('DEBUG');
  c.info = make('INFO');
  c.log = c.info;
  c.warn = make('WARN');
  c.error = make('ERROR');
  c.fatal = make('FATAL');
}
