import { mkdirSync } from 'node:fs';
import { access, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { InvocationCondition } from './invocation-record.js';

/** The `format` of every event file; a file with another one is set aside, never guessed at. */
export const ASYNC_EVENT_FORMAT = 'caprice-async-event/1';

/**
 * One accepted asynchronous (Event) invoke as kept on disk (`<stateDir>/async/<requestId>.json`) from before its
 * 202 until it has finished (succeeded, used up its retries or its age, and its record went to its destination).
 */
export interface StoredAsyncEvent {
  readonly format: typeof ASYNC_EVENT_FORMAT;
  readonly requestId: string;
  /** Unqualified function ARN; with `qualifier`, what the event is resolved against again after a restart. */
  readonly functionArn: string;
  readonly qualifier?: string;
  /** The event, base64. */
  readonly payload: string;
  readonly traceId?: string;
  readonly clientContext?: string;
  readonly cognitoIdentity?: string;
  readonly tenantId?: string;
  /** > 0 for an invocation record sent on by a Lambda destination (the chain is bounded). */
  readonly hops: number;
  /** When the event was first accepted (epoch ms): MaximumEventAgeInSeconds counts from here, restarts included. */
  readonly enqueuedAt: number;
  /** How many times the function ran for it so far (the record's approximateInvokeCount). */
  readonly attempts: number;
  /** When the next attempt is due (epoch ms). */
  readonly nextAttemptAt: number;
  /** The last attempt's outcome, body base64 (for the invocation record). */
  readonly last?: { readonly ok: boolean; readonly body: string };
  /** Set once the event has ended but its record was not delivered yet (the emulator closed in between). */
  readonly done?: InvocationCondition;
}

/** A file of the async folder that could not be read back, and where it was moved. */
export interface SetAsideFile {
  readonly file: string;
  readonly movedTo: string;
  readonly reason: string;
}

const CONDITIONS: readonly string[] = ['Success', 'RetriesExhausted', 'EventAgeExceeded'];
const OPTIONAL_STRINGS = ['qualifier', 'traceId', 'clientContext', 'cognitoIdentity', 'tenantId'] as const;
const NUMBERS = ['hops', 'enqueuedAt', 'attempts', 'nextAttemptAt'] as const;
const REQUEST_ID = /^[A-Za-z0-9-]{1,128}$/;

/**
 * The durable half of the async queue: one small JSON file per accepted event, written to a temporary name and
 * renamed into place (a reader never sees half a file), removed when the event has finished. No fsync: the file
 * survives the emulator process crashing or being closed, not the machine losing power (see docs/data-plane.md).
 */
export class AsyncEventStore {
  readonly #dir: string;
  readonly #corruptDir: string;

  constructor(stateDir: string) {
    this.#dir = path.join(stateDir, 'async');
    this.#corruptDir = path.join(this.#dir, 'corrupt');
    mkdirSync(this.#dir, { recursive: true });
  }

  /** The folder holding the event files. */
  get dir(): string {
    return this.#dir;
  }

  /** Where the event with this request ID is kept. */
  fileFor(requestId: string): string {
    return path.join(this.#dir, `${requestId}.json`);
  }

  /** Writes (or replaces) an event's file atomically: temp file, then rename. */
  async save(event: StoredAsyncEvent): Promise<void> {
    const file = this.fileFor(event.requestId);
    const tmp = `${file}.tmp`;
    await writeFile(tmp, JSON.stringify(event));
    await rename(tmp, file);
  }

  /** Forgets a finished event. */
  async remove(requestId: string): Promise<void> {
    await rm(this.fileFor(requestId), { force: true });
  }

  /**
   * Reads every kept event, oldest first. A file that is not a readable event (bad JSON, missing fields, a temp
   * file left by a crash mid-write) is moved to `async/corrupt/` and reported, never deleted and never fatal.
   */
  async load(): Promise<{ events: StoredAsyncEvent[]; setAside: SetAsideFile[] }> {
    const events: StoredAsyncEvent[] = [];
    const setAside: SetAsideFile[] = [];
    const entries = await readdir(this.#dir, { withFileTypes: true });
    for (const entry of entries) {
      if (!entry.isFile()) continue;
      const file = path.join(this.#dir, entry.name);
      try {
        if (!entry.name.endsWith('.json'))
          throw new Error('not an event file (a write interrupted by a crash?)');
        const event = parseStoredEvent(await readFile(file, 'utf8'));
        if (`${event.requestId}.json` !== entry.name)
          throw new Error(`its requestId ${event.requestId} does not match the file name`);
        events.push(event);
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        setAside.push({ file, movedTo: await this.setAside(file), reason });
      }
    }
    events.sort((a, b) => a.enqueuedAt - b.enqueuedAt);
    return { events, setAside };
  }

  /** Moves a file to `async/corrupt/` (a unique name if one is there already); returns where. */
  async setAside(file: string): Promise<string> {
    await mkdir(this.#corruptDir, { recursive: true });
    let target = path.join(this.#corruptDir, path.basename(file));
    for (let n = 1; await exists(target); n++)
      target = path.join(this.#corruptDir, `${path.basename(file)}.${n}`);
    await rename(file, target);
    return target;
  }
}

/** Parses and checks one event file; throws an Error saying what is wrong. */
export function parseStoredEvent(text: string): StoredAsyncEvent {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error('not a JSON object');
  const o = value as Record<string, unknown>;
  if (o.format !== ASYNC_EVENT_FORMAT)
    throw new Error(`format is ${JSON.stringify(o.format)}, expected "${ASYNC_EVENT_FORMAT}"`);
  if (typeof o.requestId !== 'string' || !REQUEST_ID.test(o.requestId))
    throw new Error('requestId is missing');
  if (typeof o.functionArn !== 'string' || !o.functionArn.includes(':function:'))
    throw new Error('functionArn is missing or not a function ARN');
  if (typeof o.payload !== 'string') throw new Error('payload is missing');
  for (const key of OPTIONAL_STRINGS)
    if (o[key] !== undefined && typeof o[key] !== 'string') throw new Error(`${key} is not a string`);
  for (const key of NUMBERS)
    if (typeof o[key] !== 'number' || !Number.isFinite(o[key]) || (o[key] as number) < 0)
      throw new Error(`${key} is missing or not a number >= 0`);
  if (o.last !== undefined) {
    const last = o.last as Record<string, unknown> | null;
    if (
      typeof last !== 'object' ||
      last === null ||
      typeof last.ok !== 'boolean' ||
      typeof last.body !== 'string'
    )
      throw new Error('last is not {ok, body}');
  }
  if (o.done !== undefined && !CONDITIONS.includes(o.done as string))
    throw new Error(`done is ${JSON.stringify(o.done)}, expected one of ${CONDITIONS.join(', ')}`);
  return o as unknown as StoredAsyncEvent;
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}
