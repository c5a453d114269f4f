/** Notices replies as the emulator's SES writes them (`<stateDir>/ses/outbox/<id>.eml`, renamed in atomically). */
import { type FSWatcher, mkdirSync, watch } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';

/** The `In-Reply-To` message id in the head of a raw message, or undefined. */
export function inReplyTo(head: string): string | undefined {
  const end = head.indexOf('\r\n\r\n');
  const headers = (end === -1 ? head : head.slice(0, end)).replace(/\r\n[ \t]+/g, ' ');
  return /^In-Reply-To:[ \t]*(<[^>\r\n]+>)/im.exec(headers)?.[1];
}

export class OutboxWatcher {
  readonly #watcher: FSWatcher;
  readonly #seen = new Set<string>();
  /** message id replied to → performance.now() when the reply file appeared. */
  readonly #replies = new Map<string, number>();
  readonly #waiters = new Map<string, (t: number) => void>();

  constructor(stateDir: string) {
    const dir = join(stateDir, 'ses', 'outbox');
    mkdirSync(dir, { recursive: true });
    this.#watcher = watch(dir, (_event, file) => {
      if (!file?.endsWith('.eml') || this.#seen.has(file)) return;
      const at = performance.now();
      this.#seen.add(file);
      void this.#read(join(dir, file), at);
    });
  }

  async #read(path: string, at: number): Promise<void> {
    try {
      const fh = await open(path, 'r');
      try {
        const buf = Buffer.alloc(16 * 1024);
        const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
        const id = inReplyTo(buf.toString('utf8', 0, bytesRead));
        if (!id) return;
        this.#replies.set(id, at);
        this.#waiters.get(id)?.(at);
        this.#waiters.delete(id);
      } finally {
        await fh.close();
      }
    } catch {
      // A file that vanished is not a reply we wait for.
    }
  }

  /** Resolves with the time the reply to `messageId` appeared, or NaN after `timeoutMs`. */
  waitFor(messageId: string, timeoutMs: number): Promise<number> {
    const known = this.#replies.get(messageId);
    if (known !== undefined) return Promise.resolve(known);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(messageId);
        resolve(Number.NaN);
      }, timeoutMs);
      this.#waiters.set(messageId, (t) => {
        clearTimeout(timer);
        resolve(t);
      });
    });
  }

  close(): void {
    this.#watcher.close();
  }
}
