import type { FunctionSnapshot } from '../lambda/types.js';
import type { LogStore } from '../logs/log-store.js';
import type { InstancePool, PoolRequest } from '../pool/instance-pool.js';
import type { InvokeResult } from '../runtime-api/invoke-call.js';

/** Lambda retries a failed asynchronous invoke twice: after about 1 minute, then about 2 more. */
export const DEFAULT_ASYNC_RETRY_DELAYS_MS: readonly number[] = [60_000, 120_000];

/**
 * The asynchronous (Event) invoke queue: each event waits for a free slot (never throttled away), runs, and on
 * a function or platform error runs again after each delay in `retryDelaysMs` (same request ID, as Lambda).
 */
export class AsyncInvoker {
  readonly #pool: InstancePool;
  readonly #logs: LogStore;
  readonly #retryDelaysMs: readonly number[];
  readonly #inFlight = new Set<Promise<void>>();
  readonly #timers = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();
  #closed = false;

  constructor(pool: InstancePool, logs: LogStore, retryDelaysMs: readonly number[]) {
    this.#pool = pool;
    this.#logs = logs;
    this.#retryDelaysMs = retryDelaysMs;
  }

  /** Queues one event; returns at once. */
  enqueue(snapshot: FunctionSnapshot, request: PoolRequest): void {
    const p = this.#process(snapshot, request).finally(() => this.#inFlight.delete(p));
    this.#inFlight.add(p);
  }

  /** Resolves when every queued event has succeeded or used up its retries. */
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

  async #process(snapshot: FunctionSnapshot, request: PoolRequest): Promise<void> {
    for (let attempt = 0; attempt <= this.#retryDelaysMs.length && !this.#closed; attempt++) {
      if (attempt > 0) await this.#sleep(this.#retryDelaysMs[attempt - 1] ?? 0);
      if (this.#closed) return;
      let result: InvokeResult | undefined;
      let ran: boolean;
      try {
        ran = await this.#pool.run(
          snapshot,
          request,
          { start: () => undefined, chunk: () => undefined, finish: (r) => (result = r) },
          true,
        );
      } catch {
        return; // pool closed
      }
      if (!ran) {
        // Only with reserved concurrency 0 (AWS keeps retrying such events for up to 6 hours, then drops them).
        this.#logs.append(
          snapshot.functionName,
          `${new Date().toISOString()} ${request.requestId} Async invoke throttled: reserved concurrency is 0; event dropped\n`,
        );
        return;
      }
      if (result === undefined || result.ok) return;
      const left = this.#retryDelaysMs.length - attempt;
      this.#logs.append(
        snapshot.functionName,
        `${new Date().toISOString()} ${request.requestId} Async invoke failed with ${result.errorType}; ${left > 0 ? `${left} retr${left === 1 ? 'y' : 'ies'} left` : 'giving up'}\n`,
      );
    }
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
