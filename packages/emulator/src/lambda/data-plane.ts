import { type ListenerTimeouts, listenerTimeouts, RUNTIME_API_TIMEOUTS } from '../http/listener-timeouts.js';
import { AsyncEventStore } from '../invoke/async-event-store.js';
import {
  AsyncInvoker,
  type AsyncResumeReport,
  DEFAULT_ASYNC_RETRY_DELAYS_MS,
  type DestinationTargets,
} from '../invoke/async-invoker.js';
import {
  InvokeApi,
  type InvokeOptions,
  type InvokeOutput,
  type StreamingInvokeOutput,
} from '../invoke/invoke-api.js';
import { s3PutOverHttp } from '../invoke/s3-put-over-http.js';
import { LogStore } from '../logs/log-store.js';
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_INIT_TIMEOUT_MS,
  DEFAULT_PLACEMENT_WAIT_MS,
  DEFAULT_REUSE_WAIT_MS,
  InstancePool,
} from '../pool/instance-pool.js';
import { MemoryMonitor } from '../pool/memory-monitor.js';
import type { DataPlaneOptions, LambdaDataPlaneHttp } from './types.js';

/** Idle instances are stopped after this long by default (AWS keeps them for minutes; so do we). */
export const DEFAULT_IDLE_TIMEOUT_MS = 5 * 60_000;
/** How often the process-tree RSS of running instances is read. */
export const DEFAULT_MEMORY_POLL_MS = 100;

/** Credentials every function sees (the emulator accepts any): never the emulator's own. */
export const DEFAULT_FUNCTION_CREDENTIALS: Readonly<Record<string, string>> = {
  AWS_ACCESS_KEY_ID: 'caprice-local',
  AWS_SECRET_ACCESS_KEY: 'caprice-local-secret',
  AWS_SESSION_TOKEN: 'caprice-local-session',
};

/** Knobs beyond the shared contract, all optional (tests shorten the timers). */
export interface DataPlaneTuning {
  /** Instances per function unless `reservedConcurrency` says otherwise. Default 10. */
  readonly defaultConcurrency?: number;
  /** On-demand init limit before the retry within the first invoke. Default 10 000 ms. */
  readonly initTimeoutMs?: number;
  /** Idle instances are stopped after this. Default 5 minutes. */
  readonly idleTimeoutMs?: number;
  /**
   * How long a new invoke waits for an instance that has answered its invoke but is not back on /next yet,
   * before starting another instance. Default 200 ms.
   */
  readonly reuseWaitMs?: number;
  /**
   * How long an invoke within the concurrency limit waits, when the function has as many processes as its limit
   * but none idle (some answered and not back on /next yet, or exiting), for one to free up before it starts one
   * more process. Default 10 000 ms.
   */
  readonly placementWaitMs?: number;
  /**
   * Delays before the retries of a failed async invoke (2 unless the event invoke config says 0 or 1; the last
   * delay is reused if there are more retries than delays). Default [60 000, 120 000] ms.
   */
  readonly asyncRetryDelaysMs?: readonly number[];
  /** Clock of the async queue, for MaximumEventAgeInSeconds (tests move it). Default `Date.now`. */
  readonly asyncClock?: () => number;
  /**
   * Accept Event invokes (kept in `<stateDir>/async/`) but run none until the data plane closes: durability tests
   * close and restart the emulator with events still queued. Default false.
   */
  readonly asyncPaused?: boolean;
  /** Where problems with kept async events are reported at resume (a corrupt file…). Default `console.error`. */
  readonly asyncWarn?: (message: string) => void;
  /**
   * Writes an invocation record to an S3 destination bucket. Default: PutObject over HTTP to
   * `platformEnvironment.AWS_ENDPOINT_URL` (which `startEmulator` points at itself, S3 included when the email
   * extension is on); without such an endpoint, S3 deliveries fail and are logged.
   */
  readonly putS3Object?: DestinationTargets['putObject'];
  /** Memory watchdog interval. Default 100 ms. */
  readonly memoryPollMs?: number;
  /**
   * Extra variables every function sees under its own (e.g. `AWS_ENDPOINT_URL` pointing at the emulator).
   * `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN` here replace the default fake credentials.
   */
  readonly platformEnvironment?: Readonly<Record<string, string>>;
  /**
   * Slow-loris bounds of each instance's Runtime API (defaults: {@link RUNTIME_API_TIMEOUTS}: headers within 20 s;
   * `/next` and streamed `/response` bodies are never cut).
   */
  readonly runtimeApiTimeouts?: Partial<ListenerTimeouts>;
}

/** The data plane plus what the CLI, the dashboard and other front doors use. */
export interface DataPlane extends LambdaDataPlaneHttp {
  /** A synchronous invoke without HTTP (API Gateway front door, tests). */
  invoke(nameOrArn: string, payload: Uint8Array, options?: InvokeOptions): Promise<InvokeOutput>;
  /**
   * A synchronous invoke whose response is streamed (function URLs in RESPONSE_STREAM mode): resolves when the
   * runtime starts answering; `body` yields chunks as they are written. Optional so that test fakes may omit it.
   */
  invokeStreaming?(
    nameOrArn: string,
    payload: Uint8Array,
    options?: InvokeOptions,
  ): Promise<StreamingInvokeOutput>;
  /** Everything a function logged so far (CloudWatch text: START / output / END / REPORT). */
  readLogs(functionName: string): string;
  /** The log file of a function (`<stateDir>/logs/<name>.log`). */
  logFile(functionName: string): string;
  /** Resolves when every queued async invoke has finished, retries included (never while `asyncPaused`). */
  drainAsync(): Promise<void>;
  /**
   * Picks up the async events a previous run kept in `<stateDir>/async/` (pending, waiting for a retry, or ended
   * with their record not sent yet). `startEmulator` calls it once the emulator is ready; call it once. Optional so
   * that test fakes may omit it.
   */
  resumeAsync?(): Promise<AsyncResumeReport>;
  /** Live instances of a function: id, state, version, process group. */
  instances(functionName: string): readonly { id: string; state: string; version: string; pgid: number }[];
}

/** Creates the Lambda data plane: per-instance Runtime API servers, the instance pool, logs, the Invoke API. */
export function createDataPlane(options: DataPlaneOptions & DataPlaneTuning): DataPlane {
  const logs = new LogStore(options.stateDir);
  const monitor = new MemoryMonitor(options.memoryPollMs ?? DEFAULT_MEMORY_POLL_MS);
  const pool = new InstancePool({
    stateDir: options.stateDir,
    host: options.host ?? '127.0.0.1',
    logs,
    monitor,
    platformEnv: { ...DEFAULT_FUNCTION_CREDENTIALS, ...options.platformEnvironment },
    defaultConcurrency: options.defaultConcurrency ?? DEFAULT_CONCURRENCY,
    initTimeoutMs: options.initTimeoutMs ?? DEFAULT_INIT_TIMEOUT_MS,
    idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    reuseWaitMs: options.reuseWaitMs ?? DEFAULT_REUSE_WAIT_MS,
    placementWaitMs: options.placementWaitMs ?? DEFAULT_PLACEMENT_WAIT_MS,
    runtimeApiTimeouts: listenerTimeouts(options.runtimeApiTimeouts, RUNTIME_API_TIMEOUTS),
  });
  const endpoint = options.platformEnvironment?.AWS_ENDPOINT_URL;
  const asyncInvoker: AsyncInvoker = new AsyncInvoker({
    pool,
    logs,
    retryDelaysMs: options.asyncRetryDelaysMs ?? DEFAULT_ASYNC_RETRY_DELAYS_MS,
    ...(options.asyncClock ? { now: options.asyncClock } : {}),
    ...(options.asyncPaused ? { paused: true } : {}),
    ...(options.asyncWarn ? { warn: options.asyncWarn } : {}),
    store: new AsyncEventStore(options.stateDir),
    resolve: (arn, qualifier) => options.resolver.resolve(arn, qualifier),
    destinations: {
      // Bound late: the Invoke API is made after the queue it feeds.
      invokeAsync: (arn, payload, hops) => api.invokeAsync(arn, payload, undefined, hops),
      putObject:
        options.putS3Object ??
        (endpoint
          ? s3PutOverHttp(endpoint)
          : () => Promise.reject(new Error('no S3 endpoint (platformEnvironment.AWS_ENDPOINT_URL) is set'))),
    },
  });
  const api: InvokeApi = new InvokeApi(options.resolver, pool, asyncInvoker);
  return {
    handleInvoke: (req, res, route) => api.handle(req, res, route),
    invoke: (nameOrArn, payload, invokeOptions) => api.invoke(nameOrArn, payload, invokeOptions),
    invokeStreaming: (nameOrArn, payload, invokeOptions) =>
      api.invokeStreaming(nameOrArn, payload, invokeOptions),
    invokeAsync: (nameOrArn, payload, qualifier) => api.invokeAsync(nameOrArn, payload, qualifier),
    resumeAsync: () => asyncInvoker.resume(),
    retire: (functionName) => pool.retire(functionName),
    readLogs: (functionName) => logs.readLogs(functionName),
    logFile: (functionName) => logs.pathFor(functionName),
    drainAsync: () => asyncInvoker.drain(),
    instances: (functionName) =>
      pool
        .instancesOf(functionName)
        .map((i) => ({ id: i.id, state: i.state, version: i.snapshot.version, pgid: i.pgid })),
    close: async () => {
      asyncInvoker.close();
      await pool.close();
      // Every event cut short by the pool closing has its file up to date before the logs close.
      await asyncInvoker.drain();
      monitor.close();
      logs.close();
    },
  };
}
