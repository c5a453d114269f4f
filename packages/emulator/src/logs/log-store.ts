import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** Bytes of log tail returned with `X-Amz-Log-Type: Tail` (as on AWS). */
export const LOG_TAIL_BYTES = 4096;

/** How often a kept-open log file is checked for having been removed underneath us. */
const REOPEN_CHECK_MS = 1000;
/** The longest a line given to `appendSoon` waits for company before it is written alone. */
export const SOON_FLUSH_MS = 50;

interface OpenLog {
  readonly fd: number;
  readonly path: string;
  checkedAt: number;
}

/**
 * Per-function log files under `<stateDir>/logs/<functionName>.log`, in CloudWatch's text shape
 * (START / function output / END / REPORT). Writes are synchronous appends: an instance's output is
 * line-buffered upstream, and a synchronous append keeps lines of concurrent instances whole and the file
 * complete when the emulator is killed. Each file stays open (`O_APPEND`) so a line costs one `write`, not an
 * open/write/close: this is on every invoke's path (START, END and REPORT).
 */
export class LogStore {
  readonly #dir: string;
  readonly #open = new Map<string, OpenLog>();
  /** Lines given to `appendSoon`, per function, not written yet. */
  readonly #soon = new Map<string, string>();
  #soonTimer: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(stateDir: string) {
    this.#dir = join(stateDir, 'logs');
    mkdirSync(this.#dir, { recursive: true });
  }

  /** The file holding a function's log. */
  pathFor(functionName: string): string {
    return join(this.#dir, `${encodeURIComponent(functionName)}.log`);
  }

  /** Appends complete lines (each should end with `\n`); dropped once the store is closed. */
  append(functionName: string, text: string): void {
    if (this.#closed) return;
    const soon = this.#soon.get(functionName);
    if (soon !== undefined) {
      this.#soon.delete(functionName);
      text = soon + text;
    }
    this.#write(functionName, text);
  }

  /**
   * Appends lines that may wait a moment (at most {@link SOON_FLUSH_MS}) to share one write with the next lines
   * of the same function: START waits for END/REPORT (one write per invoke instead of two), while any other
   * line of the function, `readLogs` and `close` write it first, so the file's order never changes.
   */
  appendSoon(functionName: string, text: string): void {
    if (this.#closed) return;
    this.#soon.set(functionName, (this.#soon.get(functionName) ?? '') + text);
    if (this.#soonTimer === null) {
      this.#soonTimer = setTimeout(() => {
        this.#soonTimer = null;
        this.#flushSoon();
      }, SOON_FLUSH_MS);
      this.#soonTimer.unref();
    }
  }

  #flushSoon(functionName?: string): void {
    for (const [name, text] of functionName === undefined
      ? [...this.#soon]
      : [[functionName, this.#soon.get(functionName)] as const]) {
      if (text === undefined) continue;
      this.#soon.delete(name);
      this.#write(name, text);
    }
  }

  #write(functionName: string, text: string): void {
    const fd = this.#fdFor(functionName);
    const bytes = Buffer.from(text, 'utf8');
    let written = 0;
    while (written < bytes.length) written += writeSync(fd, bytes, written);
  }

  #fdFor(functionName: string): number {
    const now = Date.now();
    let log = this.#open.get(functionName);
    if (log !== undefined && now - log.checkedAt >= REOPEN_CHECK_MS) {
      log.checkedAt = now;
      // The file (or the state folder) was removed underneath us: start a new one rather than lose the lines.
      if (!existsSync(log.path)) {
        closeQuietly(log.fd);
        this.#open.delete(functionName);
        log = undefined;
      }
    }
    if (log === undefined) {
      const path = this.pathFor(functionName);
      let fd: number;
      try {
        fd = openSync(path, 'a');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        mkdirSync(this.#dir, { recursive: true });
        fd = openSync(path, 'a');
      }
      log = { fd, path, checkedAt: now };
      this.#open.set(functionName, log);
    }
    return log.fd;
  }

  /** Stops writing (output of processes still shutting down is dropped) and closes the files. */
  close(): void {
    if (this.#closed) return;
    this.#flushSoon();
    if (this.#soonTimer !== null) clearTimeout(this.#soonTimer);
    this.#soonTimer = null;
    this.#closed = true;
    for (const log of this.#open.values()) closeQuietly(log.fd);
    this.#open.clear();
  }

  /** Everything logged for a function so far ('' when nothing was). */
  readLogs(functionName: string): string {
    if (!this.#closed) this.#flushSoon(functionName);
    try {
      return readFileSync(this.pathFor(functionName), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
      throw err;
    }
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}

/** The last `LOG_TAIL_BYTES` bytes of an invoke's log, base64, as `X-Amz-Log-Result` carries it. */
export function encodeLogTail(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  return bytes.subarray(Math.max(0, bytes.length - LOG_TAIL_BYTES)).toString('base64');
}

/** Formats milliseconds as CloudWatch's REPORT line does (two decimals). */
export function formatMs(ms: number): string {
  return `${ms.toFixed(2)} ms`;
}

/** The REPORT line fields Lambda prints after each invoke. */
export interface ReportFields {
  readonly requestId: string;
  readonly durationMs: number;
  readonly billedMs: number;
  readonly memorySizeMb: number;
  readonly maxMemoryUsedMb: number;
  readonly initDurationMs?: number;
  /** 'timeout' | 'error' when the invoke ended in a platform error (AWS's newer REPORT format). */
  readonly status?: string;
  readonly errorType?: string;
}

/** `REPORT RequestId: …\tDuration: …` exactly in CloudWatch's order, tab-separated with a trailing tab. */
export function formatReportLine(f: ReportFields): string {
  let line = `REPORT RequestId: ${f.requestId}\tDuration: ${formatMs(f.durationMs)}\tBilled Duration: ${f.billedMs} ms\tMemory Size: ${f.memorySizeMb} MB\tMax Memory Used: ${f.maxMemoryUsedMb} MB\t`;
  if (f.initDurationMs !== undefined) line += `Init Duration: ${formatMs(f.initDurationMs)}\t`;
  if (f.status !== undefined) line += `Status: ${f.status}\t`;
  if (f.errorType !== undefined) line += `Error Type: ${f.errorType}\t`;
  return `${line}\n`;
}
