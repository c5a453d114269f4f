import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { EmulatorError } from '../errors.js';
import type { ListenerTimeouts } from '../http/listener-timeouts.js';
import type { FunctionSnapshot } from '../lambda/types.js';
import { formatReportLine, type LogStore } from '../logs/log-store.js';
import {
  InvokeCall,
  type InvokeRequest,
  type InvokeResult,
  type InvokeSink,
  platformError,
} from '../runtime-api/invoke-call.js';
import { RuntimeApiServer } from '../runtime-api/runtime-api-server.js';
import {
  listProcessTree,
  type MemoryMonitor,
  type MemoryWatched,
  ProcessMemoryProbe,
  readGroupRss,
  readTreeRss,
} from './memory-monitor.js';

/** Grace between SIGTERM and SIGKILL on shutdown when extensions are registered (AWS: 2000 ms budget). */
export const SHUTDOWN_GRACE_WITH_EXTENSIONS_MS = 2000;
/** Grace without extensions (AWS SIGKILLs at once; a short SIGTERM grace lets local runtimes flush). */
export const SHUTDOWN_GRACE_MS = 200;

/** How an instance's init ended. */
export type InitOutcome =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly errorType: string;
      /** The body the runtime posted to /init/error, if it did. */
      readonly body?: Buffer;
      /** Otherwise the platform's message (formatted as `RequestId: <id> Error: <message>` per invoke). */
      readonly message?: string;
      readonly timedOut: boolean;
    };

/** Turns an init failure into what the invoker receives. */
export function initFailureResult(
  outcome: Exclude<InitOutcome, { ok: true }>,
  requestId: string,
): InvokeResult {
  if (outcome.body !== undefined) return { ok: false, errorType: outcome.errorType, body: outcome.body };
  return platformError(requestId, outcome.errorType, outcome.message ?? 'Unknown init failure');
}

export interface InstanceOptions {
  readonly snapshot: FunctionSnapshot;
  readonly host: string;
  /** Per-instance scratch folder (its /tmp lives here). */
  readonly instanceDir: string;
  /** The composed layers (`/opt`). */
  readonly optDir: string;
  readonly logs: LogStore;
  readonly monitor: MemoryMonitor;
  /** Unreserved platform variables (credentials, endpoint…) under the function's own. */
  readonly platformEnv: Readonly<Record<string, string>>;
  /** Slow-loris bounds of the instance's Runtime API. */
  readonly runtimeApiTimeouts?: ListenerTimeouts;
  /** The instance finished an invoke and waits for the next. */
  onIdle(instance: Instance): void;
  /** The instance's runtime process is gone (exit, kill, stop). */
  onExit(instance: Instance): void;
}

export type InstanceState = 'new' | 'init' | 'idle' | 'busy' | 'stopping' | 'dead';

/** Go's wording for exec failures, as Lambda reports them. */
const SPAWN_ERRORS: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  ENOENT: 'no such file or directory',
  ENOEXEC: 'exec format error',
};

const liveGroups = new Set<number>();
let exitHookInstalled = false;

/** Last resort: if the emulator process exits without close(), no runtime outlives it. */
function trackGroup(pgid: number): void {
  liveGroups.add(pgid);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const g of liveGroups) killGroup(g, 'SIGKILL');
  });
}

function killProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

/** One execution environment: a runtime process (its own process group), its Runtime API, its /tmp. */
export class Instance {
  readonly id = randomBytes(16).toString('hex');
  readonly snapshot: FunctionSnapshot;
  readonly logStreamName: string;
  state: InstanceState = 'new';
  /** Set when the function's code or configuration changed: stop after the current invoke. */
  retired = false;
  lastUsed = Date.now();

  readonly #opts: InstanceOptions;
  readonly #server: RuntimeApiServer;
  readonly #children: ChildProcess[] = [];
  #runtime: ChildProcess | null = null;
  #pgid = 0;
  #initResolve: ((o: InitOutcome) => void) | null = null;
  #initStart = 0;
  #initDurationMs: number | undefined;
  #call: InvokeCall | null = null;
  #log = '';
  #initLog = '';
  #peakRss = 0;
  #probe: ProcessMemoryProbe | null = null;
  #killReason: 'timeout' | 'oom' | null = null;
  /** Between the end of an invoke and END/REPORT being written: not idle yet. */
  #finishing = false;
  #onExtensionRegistered: (() => void) | undefined;
  readonly #idleWaiters: ((idle: boolean) => void)[] = [];
  #exited: Promise<void>;
  #markExited!: () => void;

  constructor(opts: InstanceOptions) {
    this.#opts = opts;
    this.snapshot = opts.snapshot;
    const d = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
    this.logStreamName = `${d}/[${opts.snapshot.version}]${this.id}`;
    const self = this;
    this.#watched = {
      get pgid(): number {
        return self.#pgid;
      },
      onRss: (bytes: number) => this.#onRss(bytes),
    };
    this.#exited = new Promise((resolve) => {
      this.#markExited = resolve;
    });
    this.#server = new RuntimeApiServer(
      {
        functionName: opts.snapshot.functionName,
        functionVersion: opts.snapshot.version,
        handler: opts.snapshot.handler,
      },
      {
        onReady: () => this.#onReady(),
        onExtensionRegistered: () => this.#onExtensionRegistered?.(),
        onInitError: (errorType, body) => {
          // The runtime is expected to exit by itself now; the pool stops it if it does not.
          this.#resolveInit({ ok: false, errorType, body, timedOut: false });
        },
      },
      opts.runtimeApiTimeouts,
    );
  }

  get memoryLimitBytes(): number {
    return this.snapshot.memorySize * 1024 * 1024;
  }

  /**
   * Starts the runtime and waits for init to end: the runtime (and every extension) waits on /next, it
   * posted /init/error, it exited, or `timeoutMs` passed (then it is killed).
   */
  async start(timeoutMs: number, phase: 'init' | 'invoke' = 'init'): Promise<InitOutcome> {
    this.state = 'init';
    this.#initStart = performance.now();
    const s = this.snapshot;
    const taskDir = s.codeDir;
    const optDir = this.#opts.optDir;
    const bootstrap = findBootstrap(taskDir, optDir);
    if (bootstrap === null) {
      this.state = 'dead';
      this.#markExited();
      return {
        ok: false,
        errorType: 'Runtime.InvalidEntrypoint',
        message: `Couldn't find valid bootstrap(s): [${join(taskDir, 'bootstrap')} ${join(optDir, 'bootstrap')}]`,
        timedOut: false,
      };
    }
    const tmpDir = join(this.#opts.instanceDir, 'tmp');
    mkdirSync(tmpDir, { recursive: true });
    const runtimeApi = await this.#server.listen(this.#opts.host);
    const env = buildEnvironment(s, {
      runtimeApi,
      taskDir,
      optDir,
      tmpDir,
      logStreamName: this.logStreamName,
      platformEnv: this.#opts.platformEnv,
    });
    const initDone = new Promise<InitOutcome>((resolve) => {
      this.#initResolve = resolve;
    });
    this.#opts.logs.append(s.functionName, `INIT_START Runtime Version: ${s.runtime}\n`);
    const external = this.#startExtensions(optDir, taskDir, env);
    if (external > 0) {
      // Lambda starts the runtime once the external extensions have registered (or exited).
      await new Promise<void>((resolve) => {
        const check = () => {
          const exited = this.#children.filter((c) => c.exitCode !== null || c.signalCode !== null).length;
          if (this.#server.extensionCount + exited >= external) resolve();
        };
        this.#onExtensionRegistered = check;
        for (const c of this.#children) c.once('exit', check);
        setTimeout(resolve, timeoutMs).unref();
        check();
      });
      this.#onExtensionRegistered = undefined;
    }

    const child = spawn(bootstrap, [], {
      cwd: taskDir,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#runtime = child;
    child.once('error', (err: NodeJS.ErrnoException) => {
      this.#resolveInit({
        ok: false,
        errorType: 'Runtime.InvalidEntrypoint',
        message: `fork/exec ${bootstrap}: ${SPAWN_ERRORS[err.code ?? ''] ?? err.message}`,
        timedOut: false,
      });
      this.#onRuntimeExit(null, null);
    });
    if (child.pid !== undefined) {
      this.#pgid = child.pid;
      trackGroup(child.pid);
      this.#opts.monitor.watch(this.#watched);
    }
    this.#pipeLines(child.stdout);
    this.#pipeLines(child.stderr);
    child.once('exit', (code, signal) => this.#onRuntimeExit(code, signal));

    const timer = setTimeout(() => {
      const ms = performance.now() - this.#initStart;
      this.#opts.logs.append(
        s.functionName,
        `INIT_REPORT Init Duration: ${ms.toFixed(2)} ms\tPhase: ${phase}\tStatus: timeout\n`,
      );
      this.#resolveInit({
        ok: false,
        errorType: 'Sandbox.Timedout',
        message: `Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`,
        timedOut: true,
      });
      this.#kill('SIGKILL');
    }, timeoutMs);
    const outcome = await initDone;
    clearTimeout(timer);
    if (outcome.ok) {
      this.#initDurationMs = performance.now() - this.#initStart;
      this.state = 'idle';
      this.#opts.monitor.unwatch(this.#watched);
    } else if (!outcome.timedOut) {
      const ms = performance.now() - this.#initStart;
      this.#opts.logs.append(
        s.functionName,
        `INIT_REPORT Init Duration: ${ms.toFixed(2)} ms\tPhase: ${phase}\tStatus: error\tError Type: ${outcome.errorType}\n`,
      );
    }
    return outcome;
  }

  /**
   * Runs one invoke on this idle instance. `timeoutMs` bounds it (the function timeout, or what is left of
   * it after an init retry). Resolves once the invoke has ended (the sink has heard of it).
   */
  invoke(request: Omit<InvokeRequest, 'deadlineMs'>, sink: InvokeSink, timeoutMs: number): Promise<void> {
    if (this.state !== 'idle')
      throw new EmulatorError(
        `invoke() on an instance in state ${this.state}: only an idle instance takes an invoke`,
      );
    this.state = 'busy';
    this.lastUsed = Date.now();
    const s = this.snapshot;
    const call = new InvokeCall({ ...request, deadlineMs: Date.now() + timeoutMs }, sink);
    this.#call = call;
    this.#log = '';
    this.#peakRss = 0;
    const started = performance.now();
    // START may wait a moment to share END/REPORT's write (any output line of the invoke writes it first).
    this.#writeLog(`START RequestId: ${request.requestId} Version: ${s.version}\n`, true);
    const timer = setTimeout(() => {
      this.#killReason = 'timeout';
      this.#kill('SIGKILL');
      const secs = `${(s.timeout).toFixed(2)}`;
      this.#writeLog(
        `${new Date().toISOString()} ${request.requestId} Task timed out after ${secs} seconds\n`,
      );
      call.finish(
        platformError(request.requestId, 'Sandbox.Timedout', `Task timed out after ${secs} seconds`),
      );
    }, timeoutMs);
    this.#opts.monitor.watch(this.#watched);
    const done = new Promise<void>((resolve) => {
      call.onFinish((result) => {
        clearTimeout(timer);
        this.#finishing = true;
        const durationMs = performance.now() - started;
        // One event-loop turn so output the runtime wrote before answering is read from its pipes first.
        setImmediate(() => {
          this.#opts.monitor.unwatch(this.#watched);
          const peak = Math.max(this.#peakRss, this.#sampleAfterInvoke());
          const init = this.#initDurationMs;
          this.#initDurationMs = undefined;
          const failed = !result.ok && this.#killReason !== null;
          // END and REPORT in one append (one write on the invoke's path).
          this.#writeLog(
            `END RequestId: ${request.requestId}\n` +
              formatReportLine({
                requestId: request.requestId,
                durationMs,
                billedMs: Math.ceil(durationMs) + (init === undefined ? 0 : Math.ceil(init)),
                memorySizeMb: s.memorySize,
                maxMemoryUsedMb: Math.max(1, Math.ceil(peak / (1024 * 1024))),
                ...(init === undefined ? {} : { initDurationMs: init }),
                ...(failed
                  ? {
                      status: this.#killReason === 'timeout' ? 'timeout' : 'error',
                      errorType: result.errorType,
                    }
                  : {}),
              }),
          );
          const log = this.#log;
          this.#log = '';
          sink.finish(result, log);
          this.#finishing = false;
          resolve();
          this.#onReady();
        });
      });
    });
    this.#server.deliver(call);
    return done;
  }

  /** Resolves when the runtime has exited, or after `ms`, whichever comes first. */
  async exitedWithin(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.#exited, new Promise((r) => (timer = setTimeout(r, ms)))]);
    clearTimeout(timer);
  }

  /**
   * Stops the instance: SHUTDOWN to extensions subscribed to it, SIGTERM to every process, SIGKILL after the
   * grace period. Resolves when the runtime is gone.
   */
  async stop(reason = 'spindown'): Promise<void> {
    if (this.state === 'dead' || this.state === 'stopping') return this.#exited;
    if (this.state === 'new') {
      this.state = 'dead';
      this.#markExited();
      await this.#server.close();
      return;
    }
    this.state = 'stopping';
    const grace = this.#server.extensionCount > 0 ? SHUTDOWN_GRACE_WITH_EXTENSIONS_MS : SHUTDOWN_GRACE_MS;
    const deadline = Date.now() + grace;
    this.#server.shutdownExtensions(reason, deadline);
    // Remember the runtime's descendants now: once it exits they are re-parented and cannot be found.
    const tree = this.#pgid === 0 ? [] : listProcessTree(this.#pgid);
    // SIGTERM goes to the runtime process; extensions learn of the shutdown from their SHUTDOWN event.
    if (this.#runtime?.pid !== undefined) killProcess(this.#runtime.pid, 'SIGTERM');
    for (const c of this.#children) if (c.pid !== undefined) killProcess(c.pid, 'SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.#exited, new Promise((r) => (timer = setTimeout(r, grace)))]);
    clearTimeout(timer);
    // Whatever else runs in the environment (extensions, children) gets until the deadline to finish.
    while (Date.now() < deadline && this.#groupsAlive()) await new Promise((r) => setTimeout(r, 20));
    for (const pid of tree) killProcess(pid, 'SIGKILL');
    this.#kill('SIGKILL');
    await this.#exited;
  }

  #groupsAlive(): boolean {
    const groups = [this.#pgid, ...this.#children.map((c) => c.pid ?? 0)].filter((g) => g !== 0);
    return groups.some((g) => {
      try {
        process.kill(-g, 0);
        return true;
      } catch {
        return false;
      }
    });
  }

  readonly #watched: MemoryWatched;

  /**
   * The runtime's memory as the invoke ends: its RSS goes through the memory limit check (the tree's, when it has
   * children), and the result is its peak RSS (VmHWM), for REPORT's Max Memory Used. Two preads of kept-open /proc
   * files, not a /proc tree walk per invoke.
   */
  #sampleAfterInvoke(): number {
    const pid = this.#runtime?.pid;
    if (pid === undefined || this.#pgid === 0) return 0;
    this.#probe ??= new ProcessMemoryProbe(pid);
    const m = this.#probe.read();
    if (m === null) return 0;
    if (!m.hasChildren) {
      this.#onRss(m.rss);
      return m.peak;
    }
    const tree = readTreeRss(this.#pgid) ?? readGroupRss(new Set([this.#pgid])).get(this.#pgid);
    if (tree !== undefined) this.#onRss(tree);
    return Math.max(m.peak, tree ?? 0);
  }

  #onRss(bytes: number): void {
    if (bytes > this.#peakRss) this.#peakRss = bytes;
    if (bytes <= this.memoryLimitBytes || this.#killReason !== null) return;
    this.#killReason = 'oom';
    this.#kill('SIGKILL');
    if (this.state === 'init') {
      this.#resolveInit({
        ok: false,
        errorType: 'Runtime.OutOfMemory',
        message: 'Runtime exited with error: signal: killed',
        timedOut: false,
      });
    }
    const call = this.#call;
    if (call !== null && !call.settled) {
      this.#writeLog(
        `${new Date().toISOString()} ${call.request.requestId} Error: Runtime exited with error: signal: killed\n`,
      );
      call.finish(
        platformError(
          call.request.requestId,
          'Runtime.OutOfMemory',
          'Runtime exited with error: signal: killed',
        ),
      );
    }
  }

  #onReady(): void {
    if (this.state === 'init') {
      this.#resolveInit({ ok: true });
      return;
    }
    if (this.state !== 'busy' || this.#finishing || !this.#server.ready) return;
    const call = this.#call;
    if (call !== null && !call.settled) return;
    this.#call = null;
    this.state = 'idle';
    this.lastUsed = Date.now();
    this.#wakeIdleWaiters(true);
    if (this.state === 'idle') this.#opts.onIdle(this);
  }

  /** Idle, and its runtime's /next is still open (it did not die a moment ago). */
  get available(): boolean {
    return this.state === 'idle' && !this.retired && this.#server.ready;
  }

  /** Answered its invoke and only waits for the runtime (and extensions) to call /next again. */
  get answered(): boolean {
    return this.state === 'busy' && !this.retired && (this.#call === null || this.#call.settled);
  }

  /** Resolves true when the instance becomes idle, false after `ms` or when it dies. */
  whenIdle(ms: number): Promise<boolean> {
    if (this.state === 'idle') return Promise.resolve(true);
    if (this.state === 'dead' || this.state === 'stopping') return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        const i = this.#idleWaiters.indexOf(wake);
        if (i !== -1) this.#idleWaiters.splice(i, 1);
        resolve(false);
      }, ms);
      const wake = (idle: boolean) => {
        clearTimeout(timer);
        resolve(idle);
      };
      this.#idleWaiters.push(wake);
    });
  }

  #wakeIdleWaiters(idle: boolean): void {
    for (const wake of this.#idleWaiters.splice(0)) wake(idle);
  }

  #resolveInit(outcome: InitOutcome): void {
    const resolve = this.#initResolve;
    this.#initResolve = null;
    resolve?.(outcome);
  }

  #onRuntimeExit(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.state === 'dead') return;
    const reason = exitReason(code, signal);
    if (this.state === 'init') {
      this.#resolveInit({ ok: false, errorType: 'Runtime.ExitError', message: reason, timedOut: false });
    }
    const call = this.#call;
    if (call !== null && !call.settled) {
      const type = this.#killReason === 'oom' ? 'Runtime.OutOfMemory' : 'Runtime.ExitError';
      this.#writeLog(`${new Date().toISOString()} ${call.request.requestId} Error: ${reason}\n`);
      call.finish(platformError(call.request.requestId, type, reason));
    }
    const stopping = this.state === 'stopping';
    this.state = 'dead';
    // Extensions and stray children of the runtime go with it (on shutdown, stop() lets them finish first).
    if (!stopping) this.#kill('SIGKILL');
    if (this.#pgid !== 0) liveGroups.delete(this.#pgid);
    this.#opts.monitor.unwatch(this.#watched);
    this.#probe?.close();
    void this.#server.close();
    rmSync(this.#opts.instanceDir, { recursive: true, force: true });
    this.#markExited();
    this.#wakeIdleWaiters(false);
    this.#opts.onExit(this);
  }

  #kill(signal: NodeJS.Signals): void {
    if (this.#pgid !== 0) {
      // Descendants that left the process group (setsid) are still the runtime's children: kill them too.
      if (signal === 'SIGKILL') for (const pid of listProcessTree(this.#pgid)) killProcess(pid, signal);
      killGroup(this.#pgid, signal);
    }
    for (const c of this.#children) if (c.pid !== undefined) killGroup(c.pid, signal);
  }

  #writeLog(text: string, soon = false): void {
    if (soon) this.#opts.logs.appendSoon(this.snapshot.functionName, text);
    else this.#opts.logs.append(this.snapshot.functionName, text);
    if (this.#call !== null) this.#log += text;
    else if (this.state === 'init') this.#initLog += text;
  }

  /** What the runtime printed during init (for the log tail of an invoke whose init failed). */
  get initLog(): string {
    return this.#initLog;
  }

  #pipeLines(stream: Readable | null): void {
    if (stream === null) return;
    let pending = '';
    stream.setEncoding('utf8');
    stream.on('data', (data: string) => {
      const text = pending + data;
      const cut = text.lastIndexOf('\n');
      if (cut === -1) {
        pending = text;
        return;
      }
      pending = text.slice(cut + 1);
      this.#writeLog(text.slice(0, cut + 1));
    });
    stream.on('end', () => {
      if (pending !== '') this.#writeLog(`${pending}\n`);
      pending = '';
    });
  }

  /** External extensions: executables in /opt/extensions, started before the runtime. */
  #startExtensions(optDir: string, taskDir: string, runtimeEnv: Record<string, string>): number {
    const dir = join(optDir, 'extensions');
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      return 0;
    }
    // Extensions get the runtime's environment minus the `_`-prefixed keys.
    const env = Object.fromEntries(Object.entries(runtimeEnv).filter(([k]) => !k.startsWith('_')));
    for (const name of names) {
      const file = join(dir, name);
      if (!isExecutableFile(file)) continue;
      const child = spawn(file, [], { cwd: taskDir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      child.once('error', () => undefined);
      if (child.pid !== undefined) trackGroup(child.pid);
      child.once('exit', (code, signal) => {
        if (child.pid !== undefined) liveGroups.delete(child.pid);
        // A registered extension that exits before init ends can never call /event/next: Lambda fails the init
        // at once, as Extension.InitError after an /init/error, else Extension.Crash, with the message
        // "exit code N" (as Lambda reports it). No-op once init has ended.
        const standing = this.state === 'init' ? this.#server.extensionState(name) : undefined;
        if (standing !== undefined) {
          this.#resolveInit({
            ok: false,
            errorType: standing === 'init-error' ? 'Extension.InitError' : 'Extension.Crash',
            message: extensionExitReason(code, signal),
            timedOut: false,
          });
        }
      });
      this.#pipeLines(child.stdout);
      this.#pipeLines(child.stderr);
      this.#children.push(child);
    }
    return this.#children.length;
  }

  /** The runtime's process group (0 before start). */
  get pgid(): number {
    return this.#pgid;
  }
}

function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `bootstrap` in the task folder, then in /opt; null when neither has one. */
export function findBootstrap(taskDir: string, optDir: string): string | null {
  for (const dir of [taskDir, optDir]) {
    const file = join(dir, 'bootstrap');
    try {
      if (statSync(file).isFile()) return file;
    } catch {
      // next
    }
  }
  return null;
}

/** How Lambda words an extension's exit in the init error it reports ("exit code 0"). */
export function extensionExitReason(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal !== null) return exitReason(null, signal).replace('Runtime exited with error: ', '');
  return `exit code ${code ?? 0}`;
}

/** Go's `exec.ExitError` wording, as Lambda reports it. */
export function exitReason(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal !== null) {
    const names: Record<string, string> = {
      SIGKILL: 'killed',
      SIGTERM: 'terminated',
      SIGSEGV: 'segmentation fault',
      SIGABRT: 'aborted',
      SIGINT: 'interrupt',
      SIGBUS: 'bus error',
      SIGILL: 'illegal instruction',
      SIGFPE: 'floating point exception',
    };
    return `Runtime exited with error: signal: ${names[signal] ?? signal}`;
  }
  if (code === 0 || code === null) return 'Runtime exited without providing a reason';
  return `Runtime exited with error: exit status ${code}`;
}

interface EnvContext {
  readonly runtimeApi: string;
  readonly taskDir: string;
  readonly optDir: string;
  readonly tmpDir: string;
  readonly logStreamName: string;
  readonly platformEnv: Readonly<Record<string, string>>;
}

/**
 * The runtime's environment: unreserved defaults, then platform variables, then the function's own, then
 * the reserved variables of runtime-api.md §1.8, which nothing can override. The emulator's own environment
 * is not inherited (it may hold real credentials), except PATH and HOME.
 */
export function buildEnvironment(s: FunctionSnapshot, c: EnvContext): Record<string, string> {
  const hostPath = process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin';
  const unreserved: Record<string, string> = {
    PATH: `${join(c.optDir, 'bin')}:${hostPath}`,
    LD_LIBRARY_PATH: [join(c.taskDir, 'lib'), join(c.optDir, 'lib')].join(':'),
    NODE_PATH: [join(c.optDir, 'nodejs', 'node_modules'), join(c.taskDir, 'node_modules')].join(':'),
    LANG: 'en_US.UTF-8',
    TMPDIR: c.tmpDir,
    ...(process.env.HOME === undefined ? {} : { HOME: process.env.HOME }),
  };
  const reserved: Record<string, string> = {
    _HANDLER: s.handler,
    AWS_REGION: s.region,
    AWS_DEFAULT_REGION: s.region,
    AWS_LAMBDA_FUNCTION_NAME: s.functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(s.memorySize),
    AWS_LAMBDA_FUNCTION_VERSION: s.version,
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: s.logGroupName,
    AWS_LAMBDA_LOG_STREAM_NAME: c.logStreamName,
    AWS_LAMBDA_RUNTIME_API: c.runtimeApi,
    LAMBDA_TASK_ROOT: c.taskDir,
    LAMBDA_RUNTIME_DIR: c.optDir,
    TZ: ':UTC',
  };
  // Managed runtimes announce themselves; provided.* runtimes have no AWS_EXECUTION_ENV on AWS.
  if (!s.runtime.startsWith('provided')) reserved.AWS_EXECUTION_ENV = `AWS_Lambda_${s.runtime}`;
  const credentials: Record<string, string> = {};
  for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']) {
    const v = c.platformEnv[k];
    if (v !== undefined) credentials[k] = v;
  }
  const userEnv = Object.fromEntries(
    Object.entries(s.environment).filter(
      ([k]) => !(k in reserved) && !(k in credentials) && k !== '_X_AMZN_TRACE_ID',
    ),
  );
  return { ...unreserved, ...c.platformEnv, ...userEnv, ...reserved, ...credentials };
}
