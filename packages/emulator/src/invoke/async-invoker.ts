import type { FunctionSnapshot } from '../lambda/types.js';
import type { LogStore } from '../logs/log-store.js';
import type { InstancePool, PoolRequest } from '../pool/instance-pool.js';
import type { InvokeResult } from '../runtime-api/invoke-call.js';
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
   * chain; throws when it does not exist.
   */
  invokeAsync(functionArn: string, payload: Uint8Array, hops: number): { requestId: string };
  /** Writes an object to the emulator's S3 (rejects when it cannot: no S3, no such bucket). */
  putObject(bucket: string, key: string, body: Buffer, region: string): Promise<void>;
}

export interface AsyncInvokerOptions {
  readonly pool: InstancePool;
  readonly logs: LogStore;
  /** Delay before retry N (the last one is reused when a config allows more retries than it lists). */
  readonly retryDelaysMs: readonly number[];
  readonly destinations: DestinationTargets;
  /** Clock for event ages (tests move it). Default `Date.now`. */
  readonly now?: () => number;
}

/** How one queued event ended, for its invocation record. */
interface Outcome {
  readonly condition: InvocationCondition;
  readonly attempts: number;
  readonly response?: { readonly ok: boolean; readonly body: Buffer };
}

/**
 * The asynchronous (Event) invoke queue: each event waits for a free slot (never throttled away), runs, and on
 * a function or platform error runs again after each delay in `retryDelaysMs` (same request ID, as Lambda), as
 * many times as the event invoke config's MaximumRetryAttempts allows (2 by default), unless it has grown older
 * than MaximumEventAgeInSeconds. The outcome goes to the config's OnSuccess/OnFailure destination as an
 * invocation record; every step is written to the function's log.
 */
export class AsyncInvoker {
  readonly #o: AsyncInvokerOptions;
  readonly #now: () => number;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #timers = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();
  #closed = false;

  constructor(options: AsyncInvokerOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  /** Queues one event (`hops` > 0 when it is an invocation record sent by a destination); returns at once. */
  enqueue(snapshot: FunctionSnapshot, request: PoolRequest, hops = 0): void {
    this.#track(this.#process(snapshot, request, this.#now(), hops));
  }

  /** Resolves when every queued event has succeeded or used up its retries, and its record was delivered. */
  async drain(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
  }

  /** Drops pending retries. */
  close(): void {
    this.#closed = true;
    for (const t of this.#timers) {
      clearTimeout(t.timer);
      t.wake();
    }
    this.#timers.clear();
  }

  #track(work: Promise<void>): void {
    const p = work.finally(() => this.#inFlight.delete(p));
    this.#inFlight.add(p);
  }

  async #process(
    snapshot: FunctionSnapshot,
    request: PoolRequest,
    enqueuedAt: number,
    hops: number,
  ): Promise<void> {
    const outcome = await this.#attempts(snapshot, request, enqueuedAt);
    if (outcome !== undefined && !this.#closed) await this.#deliver(snapshot, request, outcome, hops);
  }

  /** Runs the event until it succeeds, uses up its retries or its age; undefined when the emulator closed. */
  async #attempts(
    snapshot: FunctionSnapshot,
    request: PoolRequest,
    enqueuedAt: number,
  ): Promise<Outcome | undefined> {
    const config = snapshot.asyncConfig;
    const retries = config?.maximumRetryAttempts ?? DEFAULT_MAXIMUM_RETRY_ATTEMPTS;
    const maxAgeMs = (config?.maximumEventAgeInSeconds ?? DEFAULT_MAXIMUM_EVENT_AGE_SECONDS) * 1000;
    // The success record carries the response, so it is only kept when a success destination wants it.
    const keepResponse = config?.onSuccess !== undefined;
    const delays = this.#o.retryDelaysMs;
    let last: Outcome['response'];
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) await this.#sleep(delays[Math.min(attempt - 1, delays.length - 1)] ?? 0);
      if (this.#closed) return undefined;
      const age = this.#now() - enqueuedAt;
      if (age >= maxAgeMs) {
        this.#log(
          snapshot,
          request,
          `Async invoke event age exceeded (${Math.floor(age / 1000)} s, maximum ${maxAgeMs / 1000} s); giving up`,
        );
        return { condition: 'EventAgeExceeded', attempts: attempt, ...(last ? { response: last } : {}) };
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
        return undefined; // pool closed
      }
      if (!ran) {
        // Only with reserved concurrency 0: AWS sends such events to the on-failure destination without retries.
        this.#log(snapshot, request, 'Async invoke throttled: reserved concurrency is 0; event not run');
        return { condition: 'RetriesExhausted', attempts: attempt };
      }
      if (result === undefined) return undefined;
      if (result.ok)
        return {
          condition: 'Success',
          attempts: attempt + 1,
          response: { ok: true, body: Buffer.concat(chunks) },
        };
      last = { ok: false, body: result.body };
      const left = retries - attempt;
      this.#log(
        snapshot,
        request,
        `Async invoke failed with ${result.errorType}; ${left > 0 ? `${left} retr${left === 1 ? 'y' : 'ies'} left` : 'giving up'}`,
      );
    }
    return { condition: 'RetriesExhausted', attempts: retries + 1, ...(last ? { response: last } : {}) };
  }

  /** Sends the invocation record to the destination for this outcome, if the config names one. */
  async #deliver(
    snapshot: FunctionSnapshot,
    request: PoolRequest,
    outcome: Outcome,
    hops: number,
  ): Promise<void> {
    const config = snapshot.asyncConfig;
    const destination = outcome.condition === 'Success' ? config?.onSuccess : config?.onFailure;
    if (destination === undefined) {
      if (outcome.condition !== 'Success')
        this.#log(snapshot, request, 'No on-failure destination; event dropped');
      return;
    }
    const at = new Date(this.#now());
    const record = invocationRecord({
      requestId: request.requestId,
      functionArn:
        snapshot.invokedFunctionArn === snapshot.functionArn
          ? `${snapshot.functionArn}:$LATEST`
          : snapshot.invokedFunctionArn,
      condition: outcome.condition,
      invokeCount: outcome.attempts,
      event: request.payload,
      executedVersion: snapshot.version,
      ...(outcome.response ? { response: outcome.response } : {}),
      now: at,
    });
    const body = Buffer.from(JSON.stringify(record));
    const service = destination.split(':')[2];
    const what = `Invocation record (${outcome.condition})`;
    try {
      if (service === 'lambda' && hops >= MAX_DESTINATION_HOPS) {
        this.#log(
          snapshot,
          request,
          `${what} NOT sent to ${destination}: ${MAX_DESTINATION_HOPS} records in a row went from function to function through destinations (a loop?); chain stopped`,
        );
      } else if (service === 'lambda') {
        const { requestId } = this.#o.destinations.invokeAsync(destination, body, hops + 1);
        this.#log(snapshot, request, `${what} sent to ${destination} (request ${requestId})`);
      } else if (service === 's3') {
        const bucket = destination.slice(destination.lastIndexOf(':') + 1);
        const key = s3RecordKey(snapshot.functionName, at);
        await this.#o.destinations.putObject(bucket, key, body, snapshot.region);
        this.#log(snapshot, request, `${what} written to s3://${bucket}/${key}`);
      } else {
        // SQS, SNS and EventBridge are accepted by the API (as AWS does) but not emulated: say so, never silently.
        this.#log(
          snapshot,
          request,
          `${what} NOT delivered to ${destination}: ${service} destinations are not emulated (use a Lambda function or an S3 bucket)`,
        );
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.#log(snapshot, request, `${what} could not be delivered to ${destination}: ${message}`);
    }
  }

  #log(snapshot: FunctionSnapshot, request: PoolRequest, text: string): void {
    this.#o.logs.append(snapshot.functionName, `${new Date().toISOString()} ${request.requestId} ${text}\n`);
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = { timer: setTimeout(() => done(), ms), wake: () => resolve() };
      const done = () => {
        this.#timers.delete(entry);
        resolve();
      };
      this.#timers.add(entry);
    });
  }
}
