import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { EmulatorError } from '../errors.js';
import type { ListenerTimeouts } from '../http/listener-timeouts.js';
import type { FunctionSnapshot } from '../lambda/types.js';
import { formatReportLine, type LogStore } from '../logs/log-store.js';
import type { InvokeRequest, InvokeResult, InvokeSink } from '../runtime-api/invoke-call.js';
import { type InitOutcome, Instance, initFailureResult } from './instance.js';
import { composeLayers } from './layer-composer.js';
import type { MemoryMonitor } from './memory-monitor.js';

/** Lambda's default concurrency per function here (AWS's account default is 1000; locally 10 is plenty). */
export const DEFAULT_CONCURRENCY = 10;
/** How long a new invoke waits by default for an instance that has just answered to call /next again. */
export const DEFAULT_REUSE_WAIT_MS = 200;
/** Default of {@link InstancePoolOptions.placementWaitMs}. */
export const DEFAULT_PLACEMENT_WAIT_MS = 10_000;
/** How long a runtime that reported an init error may take to exit by itself. */
const INIT_ERROR_EXIT_GRACE_MS = 500;
/** On-demand init limit. */
export const DEFAULT_INIT_TIMEOUT_MS = 10_000;

export interface InstancePoolOptions {
  readonly stateDir: string;
  readonly host: string;
  readonly logs: LogStore;
  readonly monitor: MemoryMonitor;
  readonly platformEnv: Readonly<Record<string, string>>;
  readonly defaultConcurrency: number;
  readonly initTimeoutMs: number;
  readonly idleTimeoutMs: number;
  /** How long a new invoke waits for an instance that has answered but is not back on /next yet. */
  readonly reuseWaitMs: number;
  /**
   * How long an admitted invoke waits, when the function's processes are all taken (busy, answered but not back
   * on /next, exiting), for one to become idle or exit before it starts one more.
   */
  readonly placementWaitMs: number;
  /** Slow-loris bounds of each instance's Runtime API. */
  readonly runtimeApiTimeouts?: ListenerTimeouts;
}

/** What to run: the request without its deadline (the instance sets it when it delivers). */
export type PoolRequest = Omit<InvokeRequest, 'deadlineMs'>;

interface Waiter {
  readonly snapshot: FunctionSnapshot;
  readonly run: () => void;
}

/**
 * Every function's instances: reuses an idle warm instance of the same version and revision, creates one
 * while under the function's concurrency limit, retries a failed init within the invoke, retires instances
 * of older revisions, stops idle ones after `idleTimeoutMs`.
 */
export class InstancePool {
  readonly #opts: InstancePoolOptions;
  readonly #byFunction = new Map<string, Set<Instance>>();
  readonly #waiters = new Map<string, Waiter[]>();
  /** Invocations admitted and not yet answered, per function (what reserved concurrency limits). */
  readonly #inFlight = new Map<string, number>();
  /** Instances promised to one admitted invoke (idle, or answered and awaited): nobody else takes them. */
  readonly #claimed = new Set<Instance>();
  /** Admitted invokes waiting for an instance of the function to become idle or exit (at the process limit). */
  readonly #instanceEvents = new Map<string, (() => void)[]>();
  readonly #reaper: NodeJS.Timeout;
  #closed = false;

  constructor(opts: InstancePoolOptions) {
    this.#opts = opts;
    // Scratch folders of instances from an earlier run (killed emulator) are garbage.
    rmSync(join(opts.stateDir, 'instances'), { recursive: true, force: true });
    mkdirSync(join(opts.stateDir, 'instances'), { recursive: true });
    this.#reaper = setInterval(() => this.#reapIdle(), Math.max(50, Math.min(opts.idleTimeoutMs, 30_000)));
    this.#reaper.unref();
  }

  /** Instances (any state) of a function; for tests and the dashboard. */
  instancesOf(functionName: string): readonly Instance[] {
    return [...(this.#byFunction.get(functionName) ?? [])];
  }

  /**
   * Runs one invoke. Concurrency is counted as AWS counts it: invocations in flight (admitted and not yet
   * answered), not processes — an instance that has answered and is exiting, or is not back on /next yet, does not
   * hold a slot. Resolves `false` at once when the function has `limit` invocations in flight and `wait` is false
   * (a synchronous invoke: 429), or when its reserved concurrency is 0; with `wait`, queues until a slot frees.
   * Resolves `true` once the sink has received the result.
   */
  async run(
    snapshot: FunctionSnapshot,
    request: PoolRequest,
    sink: InvokeSink,
    wait: boolean,
  ): Promise<boolean> {
    this.#assertOpen();
    const name = snapshot.functionName;
    const limit = snapshot.reservedConcurrency ?? this.#opts.defaultConcurrency;
    // Reserved concurrency 0 never frees a slot: waiting would be forever.
    if (limit === 0) return false;
    while ((this.#inFlight.get(name) ?? 0) >= limit) {
      if (!wait) return false;
      await new Promise<void>((resolve) => {
        const list = this.#waiters.get(name) ?? [];
        list.push({ snapshot, run: resolve });
        this.#waiters.set(name, list);
      });
      this.#assertOpen();
    }
    this.#inFlight.set(name, (this.#inFlight.get(name) ?? 0) + 1);
    try {
      this.#retireStale(snapshot);
      for (;;) {
        const inst = await this.#instanceFor(snapshot);
        // Claimed by #instanceFor so that nobody took it across the await; invoke() makes it busy synchronously.
        this.#claimed.delete(inst);
        if (inst.state === 'new') {
          await this.#coldInvoke(inst, snapshot, request, sink);
          break;
        }
        if (inst.available) {
          await inst.invoke(request, sink, snapshot.timeout * 1000);
          break;
        }
        this.#assertOpen();
      }
    } finally {
      const left = (this.#inFlight.get(name) ?? 1) - 1;
      if (left === 0) this.#inFlight.delete(name);
      else this.#inFlight.set(name, left);
      this.#pump(name);
    }
    return true;
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw new EmulatorError(
        'The instance pool is closed: the emulator is shutting down, so no new invokes run',
      );
    }
  }

  /**
   * The instance an admitted invoke runs on, claimed for it: an idle warm one of the same code; else one that has
   * answered its invoke and is about to call /next again (on AWS the next sequential invoke lands on that warm
   * environment), waited for a moment — each such instance is claimed by one waiting invoke only; else a new one
   * while the function has fewer processes than its limit. At the limit (every process busy, answered but not
   * back on /next yet, or exiting), it waits for one to become idle or to exit rather than throttle (the invoke
   * was admitted by the in-flight count) — for at most `placementWaitMs`, then it starts one more.
   */
  async #instanceFor(snapshot: FunctionSnapshot): Promise<Instance> {
    const name = snapshot.functionName;
    const limit = snapshot.reservedConcurrency ?? this.#opts.defaultConcurrency;
    const tried = new Set<Instance>();
    const giveUpAt = performance.now() + this.#opts.placementWaitMs;
    for (;;) {
      const idle = this.#findIdle(snapshot);
      if (idle !== undefined) {
        this.#claimed.add(idle);
        return idle;
      }
      const set = this.#instances(name);
      let answered: Instance | undefined;
      let live = 0;
      for (const i of set) {
        if (i.state !== 'dead' && i.state !== 'stopping') live++;
        if (
          answered === undefined &&
          i.answered &&
          !this.#claimed.has(i) &&
          !tried.has(i) &&
          sameCode(i.snapshot, snapshot)
        )
          answered = i;
      }
      if (answered !== undefined) {
        tried.add(answered);
        this.#claimed.add(answered);
        const idleNow = await answered.whenIdle(this.#opts.reuseWaitMs);
        if (idleNow && answered.available) return answered; // still claimed
        this.#claimed.delete(answered);
        this.#assertOpen();
        continue;
      }
      if (live < limit) break;
      // An idle instance of other code (another version or revision) gives way to this one.
      let spare: Instance | undefined;
      for (const i of set) {
        if (i.state === 'idle' && !this.#claimed.has(i)) {
          spare = i;
          break;
        }
      }
      if (spare !== undefined) {
        void spare.stop('spindown');
        break;
      }
      const left = giveUpAt - performance.now();
      if (left <= 0) break;
      await this.#nextInstanceEvent(name, left);
      this.#assertOpen();
    }
    return this.#newInstance(snapshot);
  }

  /** Resolves when an instance of the function becomes idle or exits, or after `ms`. */
  #nextInstanceEvent(functionName: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const list = this.#instanceEvents.get(functionName) ?? [];
      const wake = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        const i = list.indexOf(wake);
        if (i !== -1) list.splice(i, 1);
        resolve();
      }, ms);
      list.push(wake);
      this.#instanceEvents.set(functionName, list);
    });
  }

  #signalInstanceEvent(functionName: string): void {
    const list = this.#instanceEvents.get(functionName);
    if (list === undefined || list.length === 0) return;
    this.#instanceEvents.delete(functionName);
    for (const wake of list) wake();
  }

  /** Marks every instance of the function retired: idle ones stop now, busy ones after their invoke. */
  retire(functionName: string): void {
    for (const inst of this.#byFunction.get(functionName) ?? []) {
      inst.retired = true;
      if (inst.state === 'idle') void inst.stop('spindown');
    }
  }

  /** Stops every instance (SIGTERM, then SIGKILL) and fails queued waiters. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#reaper);
    const all = [...this.#byFunction.values()].flatMap((set) => [...set]);
    await Promise.all(all.map((i) => i.stop('spindown')));
    for (const list of this.#waiters.values()) for (const w of list) w.run();
    this.#waiters.clear();
  }

  async #coldInvoke(
    first: Instance,
    snapshot: FunctionSnapshot,
    request: PoolRequest,
    sink: InvokeSink,
  ): Promise<void> {
    const outcome = await first.start(this.#opts.initTimeoutMs);
    if (outcome.ok) {
      await first.invoke(request, sink, snapshot.timeout * 1000);
      return;
    }
    // After /init/error the runtime exits by itself; give it a moment before signalling.
    if (!outcome.timedOut) await first.exitedWithin(INIT_ERROR_EXIT_GRACE_MS);
    await first.stop();
    if (outcome.errorType === 'Runtime.InvalidEntrypoint') {
      this.#failWithoutInstance(snapshot, request, sink, outcome, first.initLog);
      return;
    }
    // Lambda retries a failed or timed-out init within the invoke ("suppressed init"), bounded by the
    // function timeout, which then also covers the invoke itself.
    const budgetMs = snapshot.timeout * 1000;
    const retryStart = performance.now();
    const retry = this.#newInstance(snapshot);
    const again = await retry.start(budgetMs, 'invoke');
    if (again.ok) {
      const left = Math.max(1, budgetMs - (performance.now() - retryStart));
      await retry.invoke(request, sink, left);
      return;
    }
    if (!again.timedOut) await retry.exitedWithin(INIT_ERROR_EXIT_GRACE_MS);
    await retry.stop();
    const final: Exclude<InitOutcome, { ok: true }> = again.timedOut
      ? {
          ok: false,
          errorType: 'Sandbox.Timedout',
          message: `Task timed out after ${snapshot.timeout.toFixed(2)} seconds`,
          timedOut: true,
        }
      : again;
    this.#failWithoutInstance(snapshot, request, sink, final, retry.initLog);
  }

  /** Reports an init failure to the invoker with START/END/REPORT lines (and the init output in the tail). */
  #failWithoutInstance(
    snapshot: FunctionSnapshot,
    request: PoolRequest,
    sink: InvokeSink,
    outcome: Exclude<InitOutcome, { ok: true }>,
    initLog: string,
  ): void {
    const result: InvokeResult = initFailureResult(outcome, request.requestId);
    const id = request.requestId;
    const errorType = result.ok ? undefined : result.errorType;
    const start = `START RequestId: ${id} Version: ${snapshot.version}\n`;
    const rest =
      `${new Date().toISOString()} ${id} ${outcome.timedOut ? 'Task timed out' : `Error: ${errorType}`}\n` +
      `END RequestId: ${id}\n` +
      formatReportLine({
        requestId: id,
        durationMs: 0,
        billedMs: 0,
        memorySizeMb: snapshot.memorySize,
        maxMemoryUsedMb: 0,
        status: outcome.timedOut ? 'timeout' : 'error',
        ...(errorType === undefined ? {} : { errorType }),
      });
    // The file already has the init output (written as it came); the tail shows it inside the invoke, as the
    // retried ("suppressed") init runs within it on AWS.
    this.#opts.logs.append(snapshot.functionName, start + rest);
    sink.finish(result, start + initLog + rest);
  }

  #findIdle(snapshot: FunctionSnapshot): Instance | undefined {
    for (const i of this.#instances(snapshot.functionName))
      if (i.available && !this.#claimed.has(i) && sameCode(i.snapshot, snapshot)) return i;
    return undefined;
  }

  #newInstance(snapshot: FunctionSnapshot): Instance {
    const set = this.#instances(snapshot.functionName);
    const optDir = composeLayers(snapshot.layers, join(this.#opts.stateDir, 'opt'));
    const inst: Instance = new Instance({
      snapshot,
      host: this.#opts.host,
      instanceDir: join(
        this.#opts.stateDir,
        'instances',
        `${Date.now()}-${Math.random().toString(36).slice(2, 10)}`,
      ),
      optDir,
      logs: this.#opts.logs,
      monitor: this.#opts.monitor,
      platformEnv: this.#opts.platformEnv,
      ...(this.#opts.runtimeApiTimeouts === undefined
        ? {}
        : { runtimeApiTimeouts: this.#opts.runtimeApiTimeouts }),
      onIdle: (i) => this.#onIdle(i),
      onExit: (i) => {
        set.delete(i);
        this.#claimed.delete(i);
        this.#signalInstanceEvent(i.snapshot.functionName);
      },
    });
    set.add(inst);
    return inst;
  }

  #onIdle(inst: Instance): void {
    if (inst.retired || this.#closed) void inst.stop('spindown');
    else this.#signalInstanceEvent(inst.snapshot.functionName);
  }

  /** Lets the first queued invoke try again now that a slot is free. */
  #pump(functionName: string): void {
    const list = this.#waiters.get(functionName);
    if (list === undefined || list.length === 0) return;
    const next = list.shift();
    next?.run();
  }

  #retireStale(snapshot: FunctionSnapshot): void {
    for (const inst of this.#instances(snapshot.functionName)) {
      if (inst.snapshot.version !== snapshot.version || inst.snapshot.revisionId === snapshot.revisionId)
        continue;
      if (inst.retired) continue;
      inst.retired = true;
      if (inst.state === 'idle') void inst.stop('spindown');
    }
  }

  #reapIdle(): void {
    const now = Date.now();
    for (const set of this.#byFunction.values()) {
      for (const inst of set) {
        if (inst.state === 'idle' && now - inst.lastUsed >= this.#opts.idleTimeoutMs)
          void inst.stop('spindown');
      }
    }
  }

  #instances(functionName: string): Set<Instance> {
    let set = this.#byFunction.get(functionName);
    if (set === undefined) {
      set = new Set();
      this.#byFunction.set(functionName, set);
    }
    return set;
  }
}

/** Same version and revision: an instance of one can serve the other. */
function sameCode(a: FunctionSnapshot, b: FunctionSnapshot): boolean {
  return a.version === b.version && a.revisionId === b.revisionId;
}
