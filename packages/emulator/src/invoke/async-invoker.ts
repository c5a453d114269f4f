import type { FunctionSnapshot } from '../lambda/types.js';
import type { LogStore } from '../logs/log-store.js';
import type { InstancePool, PoolRequest } from '../pool/instance-pool.js';
import type { InvokeResult } from '../runtime-api/invoke-call.js';
import {
  ASYNC_EVENT_FORMAT,
  type AsyncEventStore,
  type SetAsideFile,
  type StoredAsyncEvent,
} from './async-event-store.js';
import { type InvocationCondition, invocationRecord, s3RecordKey } from './invocation-record.js';

/** Lambda retries a failed asynchronous invoke twice: after about 1 minute, then about 2 more. */
export const DEFAULT_ASYNC_RETRY_DELAYS_MS: readonly number[] = [60_000, 120_000];
/** Lambda's defaults when no event invoke config says otherwise. */
export const DEFAULT_MAXIMUM_RETRY_ATTEMPTS = 2;
export const DEFAULT_MAXIMUM_EVENT_AGE_SECONDS = 21_600;
/**
 * How many records in a row may go from function to function through Lambda destinations before the chain is cut
 * (A's on-failure is B and B's is A would otherwise never end). Ours, in the spirit of Lambda's recursive loop
 * detection.
 */
export const MAX_DESTINATION_HOPS = 16;

/** The destinations the emulator can deliver invocation records to. */
export interface DestinationTargets {
  /**
   * Queues an asynchronous invoke of a function (its ARN, maybe qualified) whose event is the `hops`-th record of a
   * chain (resolves once it is kept on disk); rejects when it does not exist.
   */
  invokeAsync(functionArn: string, payload: Uint8Array, hops: number): Promise<{ requestId: string }>;
  /** Writes an object to the emulator's S3 (rejects when it cannot: no S3, no such bucket). */
  putObject(bucket: string, key: string, body: Buffer, region: string): Promise<void>;
}

export interface AsyncInvokerOptions {
  readonly pool: InstancePool;
  readonly logs: LogStore;
  /** Delay before retry N (the last one is reused when a config allows more retries than it lists). */
  readonly retryDelaysMs: readonly number[];
  readonly destinations: DestinationTargets;
  /** Where accepted events are kept until they finish (`<stateDir>/async/`). */
  readonly store: AsyncEventStore;
  /** Finds a kept event's function again after a restart (throws when it is gone). */
  readonly resolve: (functionArn: string, qualifier: string | undefined) => FunctionSnapshot;
  /** Clock for event ages (tests move it). Default `Date.now`. */
  readonly now?: () => number;
  /** Accept and keep events without running them until close (durability tests). Default false. */
  readonly paused?: boolean;
  /** Where problems with kept events are reported at resume. Default `console.error`. */
  readonly warn?: (message: string) => void;
}

/** What {@link AsyncInvoker.resume} found in the state folder. */
export interface AsyncResumeReport {
  /** Events picked up again (their retries, age and attempt count as they were). */
  readonly resumed: number;
  /** Files that could not be read (or whose function is gone), moved to `async/corrupt/`. */
  readonly setAside: readonly SetAsideFile[];
}

/** One event in the queue: what it runs and where it stands. Mirrors its file ({@link StoredAsyncEvent}). */
interface QueuedEvent {
  snapshot: FunctionSnapshot;
  readonly request: PoolRequest;
  readonly qualifier: string | undefined;
  readonly hops: number;
  readonly enqueuedAt: number;
  attempts: number;
  nextAttemptAt: number;
  last?: { readonly ok: boolean; readonly body: Buffer };
  done?: InvocationCondition;
}

/**
 * The asynchronous (Event) invoke queue: each event waits for a free slot (never throttled away), runs, and on
 * a function or platform error runs again after each delay in `retryDelaysMs` (same request ID, as Lambda), as
 * many times as the event invoke config's MaximumRetryAttempts allows (2 by default), unless it has grown older
 * than MaximumEventAgeInSeconds. The outcome goes to the config's OnSuccess/OnFailure destination as an
 * invocation record; every step is written to the function's log.
 *
 * Durable: an event is written to the state folder before it is accepted and removed once it has finished; its
 * attempt count, next attempt time and first acceptance time are updated there before each retry wait, so
 * {@link resume} picks up where a closed (or crashed) emulator stopped. An attempt cut short by `close()` is run
 * again after the restart (at-least-once, like Lambda's own async delivery).
 */
export class AsyncInvoker {
  readonly #o: AsyncInvokerOptions;
  readonly #now: () => number;
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #timers = new Set<{ timer: NodeJS.Timeout | undefined; wake: () => void }>();
  #closed = false;

  constructor(options: AsyncInvokerOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Keeps one event (`hops` > 0 when it is an invocation record sent by a destination) in the state folder, then
   * queues it; resolves once it is on disk (answer 202 after that), rejects when it could not be written. After
   * `close()` the event is only written: the next start runs it.
   */
  async enqueue(snapshot: FunctionSnapshot, request: PoolRequest, hops = 0): Promise<void> {
    const now = this.#now();
    const event: QueuedEvent = {
      snapshot,
      request,
      qualifier: qualifierOf(snapshot),
      hops,
      enqueuedAt: now,
      attempts: 0,
      nextAttemptAt: now,
    };
    const saved = this.#o.store.save(toStored(event));
    // Queued inside the tracked write, so `drain()` never sees a moment with neither in flight.
    this.#track(
      saved.then(() => {
        if (!this.#closed) this.#track(this.#process(event));
      }),
    );
    await saved;
  }

  /**
   * Picks up the events a previous run kept (call once, when the emulator is ready to serve destinations). Files
   * that cannot be read are moved to `async/corrupt/` and reported through `warn`; they never stop the start.
   */
  async resume(): Promise<AsyncResumeReport> {
    const warn = this.#o.warn ?? ((m: string) => console.error(m));
    const { events, setAside } = await this.#o.store.load();
    const aside = [...setAside];
    for (const s of setAside) {
      warn(
        `[caprice async] cannot read kept async event ${s.file} (${s.reason}); moved it to ${s.movedTo} and ` +
          'started without it. Look at it, fix it and move it back into the async folder to run it, or delete it.',
      );
    }
    let resumed = 0;
    for (const stored of events) {
      let snapshot: FunctionSnapshot;
      try {
        snapshot = this.#o.resolve(stored.functionArn, stored.qualifier);
      } catch (err) {
        const file = this.#o.store.fileFor(stored.requestId);
        const movedTo = await this.#o.store.setAside(file);
        const reason = `its function ${stored.functionArn}${stored.qualifier ? `:${stored.qualifier}` : ''} no longer exists (${err instanceof Error ? err.message : String(err)})`;
        aside.push({ file, movedTo, reason });
        warn(
          `[caprice async] kept async event ${stored.requestId} not resumed: ${reason}; moved it to ${movedTo}. ` +
            'Recreate the function and move the file back into the async folder to run it, or delete it.',
        );
        continue;
      }
      const event = fromStored(stored, snapshot);
      this.#log(
        event,
        `Async invoke resumed after a restart (${event.attempts} attempt${event.attempts === 1 ? '' : 's'} so far${event.done ? `, ended ${event.done}, record not sent yet` : ''})`,
      );
      this.#track(this.#process(event));
      resumed++;
    }
    return { resumed, setAside: aside };
  }

  /** Resolves when every queued event has succeeded or used up its retries, and its record was delivered. */
  async drain(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
  }

  /**
   * Stops running events: pending retries stay in their files (with their attempt count and due time) for the
   * next start. Call {@link drain} after the pool has closed to wait until every file is up to date.
   */
  close(): void {
    this.#closed = true;
    for (const t of this.#timers) {
      clearTimeout(t.timer);
      t.wake();
    }
    this.#timers.clear();
  }

  /** Keeps `work` in the in-flight set (never rejecting there); returns it as it is. */
  #track<T>(work: Promise<T>): Promise<T> {
    const p: Promise<unknown> = work.then(
      () => this.#inFlight.delete(p),
      () => this.#inFlight.delete(p),
    );
    this.#inFlight.add(p);
    return work;
  }

  async #process(event: QueuedEvent): Promise<void> {
    if (event.done === undefined && !(await this.#attempts(event))) return; // closed: the file is up to date
    if (this.#closed) {
      // Ended, record not sent: keep the ending so the next start only delivers it.
      await this.#keep(event, 'save');
      return;
    }
    await this.#deliver(event);
    await this.#keep(event, 'remove');
  }

  /**
   * Updates (or removes) an event's file. A failure (disk full, folder removed) is logged and the event carries on
   * in memory: only a restart in between would then run it from its older state (or again, once finished).
   */
  async #keep(event: QueuedEvent, action: 'save' | 'remove'): Promise<void> {
    try {
      if (action === 'save') await this.#o.store.save(toStored(event));
      else await this.#o.store.remove(event.request.requestId);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.#log(
        event,
        `Async invoke state could not be ${action === 'save' ? 'updated' : 'removed'} in ${this.#o.store.dir}: ${message}`,
      );
    }
  }

  /**
   * Runs the event until it succeeds, uses up its retries or its age (sets `done`, returns true); returns false
   * when the emulator closed first (the attempt it was in, if any, runs again after a restart).
   */
  async #attempts(event: QueuedEvent): Promise<boolean> {
    if (this.#o.paused) await this.#sleep(undefined);
    const delays = this.#o.retryDelaysMs;
    for (;;) {
      const wait = event.nextAttemptAt - this.#now();
      if (wait > 0) await this.#sleep(wait);
      if (this.#closed) return false;
      const { snapshot, request } = event;
      const config = snapshot.asyncConfig;
      const retries = config?.maximumRetryAttempts ?? DEFAULT_MAXIMUM_RETRY_ATTEMPTS;
      const maxAgeMs = (config?.maximumEventAgeInSeconds ?? DEFAULT_MAXIMUM_EVENT_AGE_SECONDS) * 1000;
      // The success record carries the response, so it is only kept when a success destination wants it.
      const keepResponse = config?.onSuccess !== undefined;
      const age = this.#now() - event.enqueuedAt;
      if (age >= maxAgeMs) {
        this.#log(
          event,
          `Async invoke event age exceeded (${Math.floor(age / 1000)} s, maximum ${maxAgeMs / 1000} s); giving up`,
        );
        event.done = 'EventAgeExceeded';
        return true;
      }
      if (event.attempts > retries) {
        // Only after a restart whose config allows fewer retries than the event already had.
        event.done = 'RetriesExhausted';
        return true;
      }
      let result: InvokeResult | undefined;
      const chunks: Buffer[] = [];
      let ran: boolean;
      try {
        ran = await this.#o.pool.run(
          snapshot,
          request,
          {
            start: () => undefined,
            chunk: (c) => {
              if (keepResponse) chunks.push(c);
            },
            finish: (r) => (result = r),
          },
          true,
        );
      } catch {
        return false; // pool closed
      }
      if (!ran) {
        // Only with reserved concurrency 0: AWS sends such events to the on-failure destination without retries.
        this.#log(event, 'Async invoke throttled: reserved concurrency is 0; event not run');
        event.done = 'RetriesExhausted';
        return true;
      }
      // Cut short by close() (the instance was stopped under it): not counted, run again after the restart.
      if (result === undefined || (!result.ok && this.#closed)) return false;
      event.attempts++;
      if (result.ok) {
        event.last = { ok: true, body: Buffer.concat(chunks) };
        event.done = 'Success';
        return true;
      }
      event.last = { ok: false, body: result.body };
      const left = retries + 1 - event.attempts;
      this.#log(
        event,
        `Async invoke failed with ${result.errorType}; ${left > 0 ? `${left} retr${left === 1 ? 'y' : 'ies'} left` : 'giving up'}`,
      );
      if (left <= 0) {
        event.done = 'RetriesExhausted';
        return true;
      }
      event.nextAttemptAt = this.#now() + (delays[Math.min(event.attempts - 1, delays.length - 1)] ?? 0);
      // Before the wait, so a restart during it keeps the attempt count and the due time.
      await this.#keep(event, 'save');
    }
  }

  /** Sends the invocation record to the destination for this outcome, if the config names one. */
  async #deliver(event: QueuedEvent): Promise<void> {
    const { snapshot, request, hops } = event;
    const condition = event.done ?? 'RetriesExhausted';
    const config = snapshot.asyncConfig;
    const destination = condition === 'Success' ? config?.onSuccess : config?.onFailure;
    if (destination === undefined) {
      if (condition !== 'Success') this.#log(event, 'No on-failure destination; event dropped');
      return;
    }
    const at = new Date(this.#now());
    const record = invocationRecord({
      requestId: request.requestId,
      functionArn:
        snapshot.invokedFunctionArn === snapshot.functionArn
          ? `${snapshot.functionArn}:$LATEST`
          : snapshot.invokedFunctionArn,
      condition,
      invokeCount: event.attempts,
      event: request.payload,
      executedVersion: snapshot.version,
      ...(event.last ? { response: event.last } : {}),
      now: at,
    });
    const body = Buffer.from(JSON.stringify(record));
    const service = destination.split(':')[2];
    const what = `Invocation record (${condition})`;
    try {
      if (service === 'lambda' && hops >= MAX_DESTINATION_HOPS) {
        this.#log(
          event,
          `${what} NOT sent to ${destination}: ${MAX_DESTINATION_HOPS} records in a row went from function to function through destinations (a loop?); chain stopped`,
        );
      } else if (service === 'lambda') {
        const { requestId } = await this.#o.destinations.invokeAsync(destination, body, hops + 1);
        this.#log(event, `${what} sent to ${destination} (request ${requestId})`);
      } else if (service === 's3') {
        const bucket = destination.slice(destination.lastIndexOf(':') + 1);
        const key = s3RecordKey(snapshot.functionName, at);
        await this.#o.destinations.putObject(bucket, key, body, snapshot.region);
        this.#log(event, `${what} written to s3://${bucket}/${key}`);
      } else {
        // SQS, SNS and EventBridge are accepted by the API (as AWS does) but not emulated: say so, never silently.
        this.#log(
          event,
          `${what} NOT delivered to ${destination}: ${service} destinations are not emulated (use a Lambda function or an S3 bucket)`,
        );
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.#log(event, `${what} could not be delivered to ${destination}: ${message}`);
    }
  }

  #log(event: QueuedEvent, text: string): void {
    this.#o.logs.append(
      event.snapshot.functionName,
      `${new Date().toISOString()} ${event.request.requestId} ${text}\n`,
    );
  }

  /** Waits `ms` (undefined: until close); `close()` wakes every sleeper at once. */
  #sleep(ms: number | undefined): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.#timers.delete(entry);
        resolve();
      };
      const entry = { timer: ms === undefined ? undefined : setTimeout(done, ms), wake: () => resolve() };
      this.#timers.add(entry);
    });
  }
}

/** The qualifier the invoke used (`1`, `live`, `$LATEST`), undefined for an unqualified one. */
function qualifierOf(snapshot: FunctionSnapshot): string | undefined {
  const prefix = `${snapshot.functionArn}:`;
  return snapshot.invokedFunctionArn.startsWith(prefix)
    ? snapshot.invokedFunctionArn.slice(prefix.length)
    : undefined;
}

function toStored(e: QueuedEvent): StoredAsyncEvent {
  const r = e.request;
  return {
    format: ASYNC_EVENT_FORMAT,
    requestId: r.requestId,
    functionArn: e.snapshot.functionArn,
    ...(e.qualifier === undefined ? {} : { qualifier: e.qualifier }),
    payload: Buffer.from(r.payload.buffer, r.payload.byteOffset, r.payload.byteLength).toString('base64'),
    ...(r.traceId === undefined ? {} : { traceId: r.traceId }),
    ...(r.clientContext === undefined ? {} : { clientContext: r.clientContext }),
    ...(r.cognitoIdentity === undefined ? {} : { cognitoIdentity: r.cognitoIdentity }),
    ...(r.tenantId === undefined ? {} : { tenantId: r.tenantId }),
    hops: e.hops,
    enqueuedAt: e.enqueuedAt,
    attempts: e.attempts,
    nextAttemptAt: e.nextAttemptAt,
    ...(e.last === undefined ? {} : { last: { ok: e.last.ok, body: e.last.body.toString('base64') } }),
    ...(e.done === undefined ? {} : { done: e.done }),
  };
}

function fromStored(s: StoredAsyncEvent, snapshot: FunctionSnapshot): QueuedEvent {
  const request: PoolRequest = {
    requestId: s.requestId,
    payload: Buffer.from(s.payload, 'base64'),
    invokedFunctionArn: snapshot.invokedFunctionArn,
    ...(s.traceId === undefined ? {} : { traceId: s.traceId }),
    ...(s.clientContext === undefined ? {} : { clientContext: s.clientContext }),
    ...(s.cognitoIdentity === undefined ? {} : { cognitoIdentity: s.cognitoIdentity }),
    ...(s.tenantId === undefined ? {} : { tenantId: s.tenantId }),
  };
  return {
    snapshot,
    request,
    qualifier: s.qualifier,
    hops: s.hops,
    enqueuedAt: s.enqueuedAt,
    attempts: s.attempts,
    nextAttemptAt: s.nextAttemptAt,
    ...(s.last === undefined ? {} : { last: { ok: s.last.ok, body: Buffer.from(s.last.body, 'base64') } }),
    ...(s.done === undefined ? {} : { done: s.done }),
  };
}
