import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** One sent message as the outbox index lists it. */
export interface OutboxEntry {
  /** SES MessageId (also the file name: `<messageId>.eml`). */
  readonly messageId: string;
  /** The Message-ID header SES would deliver with (`<messageId@email.amazonses.com>`). */
  readonly messageIdHeader: string;
  readonly action: 'SendEmail' | 'SendRawEmail';
  /** Envelope sender (Source, or the From address). */
  readonly source: string;
  /** Envelope recipients (Destinations, or To/Cc/Bcc). */
  readonly destinations: readonly string[];
  readonly subject?: string;
  /** Size of the stored raw message in bytes. */
  readonly size: number;
  /** ISO time the message was accepted. */
  readonly timestamp: string;
}

const ID = /^[0-9a-f]{16}-[0-9a-f-]{36}-0{6}$/;

/**
 * Sent mail on disk under `<stateDir>/ses/outbox`: the exact raw bytes in `<messageId>.eml` (written
 * first, atomically) and one JSON line per message in `index.jsonl`.
 */
export class Outbox {
  readonly #dir: string;
  readonly #index: string;

  constructor(stateDir: string) {
    this.#dir = join(stateDir, 'ses', 'outbox');
    this.#index = join(this.#dir, 'index.jsonl');
    mkdirSync(this.#dir, { recursive: true });
  }

  async add(entry: OutboxEntry, raw: Uint8Array): Promise<void> {
    const tmp = join(this.#dir, `.${randomUUID()}.tmp`);
    await writeFile(tmp, raw);
    await rename(tmp, join(this.#dir, `${entry.messageId}.eml`));
    appendFileSync(this.#index, `${JSON.stringify(entry)}\n`);
  }

  list(): OutboxEntry[] {
    let text: string;
    try {
      text = readFileSync(this.#index, 'utf8');
    } catch {
      return [];
    }
    return text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as OutboxEntry];
        } catch {
          return []; // a line torn by a crash
        }
      });
  }

  /** Raw bytes of a sent message, or undefined for an unknown or malformed id. */
  async read(messageId: string): Promise<Buffer | undefined> {
    if (!ID.test(messageId)) return undefined;
    try {
      return await readFile(join(this.#dir, `${messageId}.eml`));
    } catch {
      return undefined;
    }
  }

  /** Empties the index (files stay until the state folder is removed). */
  async clear(): Promise<void> {
    await writeFile(this.#index, '');
  }
}

/** An SES-style MessageId: `<16 hex>-<uuid>-000000`. */
export function newSesMessageId(): string {
  return `${Date.now().toString(16).padStart(16, '0')}-${randomUUID()}-000000`;
}
