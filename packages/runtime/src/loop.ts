/**
 * The invoke loop: `/next` → handler → `/response` or `/error`, with AWS's async, callback and streaming semantics.
 * It depends only on the {@link RuntimeApi} interface; process events and exit are injected with real defaults.
 * @module
 */
import type { RuntimeApi } from './client.js';
import {
  EXIT_UNCAUGHT_EXCEPTION,
  EXIT_UNHANDLED_REJECTION,
  MAX_RESPONSE_BYTES,
  REQUEST_ID_HEADER,
  TENANT_ID_HEADER,
  TRACE_ID_ENV_VAR,
  TRACE_ID_HEADER,
} from './constants.js';
import { buildContext, type FunctionEnvironment, readFunctionEnvironment } from './context.js';
import {
  NodeJsExitError,
  ResponseSerializationError,
  ResponseSizeTooLargeError,
  RuntimeApiError,
  stringifyInvocationError,
  toInvocationError,
  UnhandledPromiseRejectionError,
} from './errors.js';
import { ResponseStreamWriter } from './response-stream.js';
import { runShutdownHooks } from './shutdown.js';
import { getStreamingHighWaterMark, isStreamingHandler } from './streaming.js';
import type { Invocation } from './types.js';

/** Mutable view of the invoke in flight, read by the console patch. */
export interface RuntimeState {
  requestId: string | undefined;
  tenantId: string | undefined;
}

/** The subset of `process` the loop listens on. */
export interface ProcessEvents {
  // biome-ignore lint/suspicious/noExplicitAny: must accept both `process` and a plain EventEmitter.
  on(event: string, listener: (...args: any[]) => void): unknown;
}

/** Options of {@link startRuntime}. */
export interface StartRuntimeOptions {
  client: RuntimeApi;
  /** The user's handler, plain or wrapped by `streamifyResponse`. */
  handler: (...args: never[]) => unknown;
  /** Written per invoke (`_X_AMZN_TRACE_ID`) and read once for the context's function fields. */
  env?: NodeJS.ProcessEnv;
  functionEnvironment?: FunctionEnvironment;
  state?: RuntimeState;
  processEvents?: ProcessEvents;
  exit?: (code: number) => void;
  /** Runtime diagnostics (not user logs). */
  log?: (message: string) => void;
  /** Function errors worth a log line ("Invoke Error", "Uncaught Exception"); default: the (patched) console.error. */
  logError?: (line: string) => void;
  /** Stop after this many invokes (tests and benchmarks); by default the loop never ends. */
  maxInvocations?: number;
  /** Budget for shutdown hooks on SIGTERM, ms. */
  shutdownTimeoutMs?: number;
}

interface CurrentInvoke {
  requestId: string;
  completed: boolean;
  /** A callback completion waiting for the event loop to drain. */
  deferred: (() => void) | null;
  /** True when the handler returned a thenable that has not settled. */
  pendingPromise: boolean;
  complete(error: unknown, result: unknown, immediate: boolean): void;
  fatal(error: unknown, exitCode: number): void;
}

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  value !== null &&
  (typeof value === 'object' || typeof value === 'function') &&
  typeof (value as { then?: unknown }).then === 'function';

/** Errors that end the process: the Runtime API failed (5xx) or became unreachable. Others are logged. */
function isFatalApiError(err: unknown): boolean {
  return !(err instanceof RuntimeApiError) || err.status >= 500;
}

/**
 * Runs the Runtime API loop with a loaded handler until the process ends (or `maxInvocations`).
 *
 * @example
 * await startRuntime({ client: new RuntimeClient(), handler: async (event) => ({ ok: true }) });
 */
export async function startRuntime(options: StartRuntimeOptions): Promise<void> {
  const {
    client,
    env = process.env,
    state = { requestId: undefined, tenantId: undefined },
    processEvents = process,
    exit = (code: number) => process.exit(code),
    log = (message: string) => process.stderr.write(`${message}\n`),
    logError = (line: string) => console.error(line),
    maxInvocations = Number.POSITIVE_INFINITY,
    shutdownTimeoutMs = 400,
  } = options;
  const handler = options.handler as (...args: unknown[]) => unknown;
  const fn = options.functionEnvironment ?? readFunctionEnvironment(env);
  const streaming = isStreamingHandler(handler);
  const highWaterMark = getStreamingHighWaterMark(handler);
  let current: CurrentInvoke | null = null;
  let exiting = false;

  const die = (code: number): void => {
    exiting = true;
    exit(code);
  };
  const fatalApi = (err: unknown): void => {
    log(`Runtime API failure, exiting: ${(err as Error)?.message ?? String(err)}`);
    die(1);
  };
  // Through console.error, as AWS's runtime does, so the patched console formats it (text or JSON) with the request ID.
  const logInvokeError = (label: string, err: unknown): void => {
    logError(`${label} \t${stringifyInvocationError(toInvocationError(err))}`);
  };

  processEvents.on('beforeExit', () => {
    const invoke = current;
    if (invoke === null) return;
    if (invoke.deferred !== null) {
      const run = invoke.deferred;
      invoke.deferred = null;
      run();
    } else if (!invoke.completed) {
      // The event loop drained without a result: a never-settled promise, or a callback handler that never called back.
      invoke.complete(invoke.pendingPromise ? new NodeJsExitError() : null, null, true);
    }
  });
  processEvents.on('uncaughtException', (err: unknown) => {
    logInvokeError('Uncaught Exception', err);
    if (current !== null && !current.completed) current.fatal(err, EXIT_UNCAUGHT_EXCEPTION);
    else die(EXIT_UNCAUGHT_EXCEPTION);
  });
  processEvents.on('unhandledRejection', (reason: unknown) => {
    const err = new UnhandledPromiseRejectionError(reason);
    logInvokeError('Unhandled Promise Rejection', err);
    if (current !== null && !current.completed) current.fatal(err, EXIT_UNHANDLED_REJECTION);
    else die(EXIT_UNHANDLED_REJECTION);
  });
  processEvents.on('SIGTERM', () => {
    runShutdownHooks(shutdownTimeoutMs, (msg, err) => logInvokeError(msg, err)).finally(() => die(0));
  });

  /** Posts a buffered result or error; resolves when done, swallowing (logged) 4xx answers. */
  const post = async (requestId: string, error: unknown, result: unknown): Promise<void> => {
    try {
      if (error !== null && error !== undefined) {
        await client.postError(requestId, toInvocationError(error));
        return;
      }
      let body: string | undefined;
      try {
        body = JSON.stringify(result === undefined ? null : result);
      } catch (err) {
        await client.postError(requestId, toInvocationError(new ResponseSerializationError({ cause: err })));
        return;
      }
      // JSON.stringify gives undefined for functions and symbols; AWS's runtime then sends an empty body.
      if (body === undefined) body = 'null';
      // Count bytes only when the string could be over the limit (UTF-8 is at most 3 bytes per UTF-16 unit).
      if (body.length * 3 > MAX_RESPONSE_BYTES) {
        const size = Buffer.byteLength(body);
        if (size > MAX_RESPONSE_BYTES) {
          const tooLarge = new ResponseSizeTooLargeError(size, MAX_RESPONSE_BYTES);
          logInvokeError('Invoke Error', tooLarge);
          await client.postError(requestId, toInvocationError(tooLarge));
          return;
        }
      }
      await client.postResponse(requestId, body);
    } catch (err) {
      if (isFatalApiError(err)) throw err;
      log(`Runtime API rejected the result of ${requestId}: ${(err as Error).message}`);
    }
  };

  const runBuffered = (invocation: Invocation, requestId: string): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const settle = (p: Promise<void>): void => {
        p.then(resolve, reject);
      };
      const invoke: CurrentInvoke = {
        requestId,
        completed: false,
        deferred: null,
        pendingPromise: false,
        complete(error, result, immediate) {
          if (invoke.completed) {
            log(
              'Invocation has already been reported as done. Cannot call complete more than once per invocation.',
            );
            return;
          }
          invoke.completed = true;
          if (error === null || error === undefined) {
            if (!immediate && context?.callbackWaitsForEmptyEventLoop !== false) {
              invoke.deferred = () => settle(post(requestId, null, result));
              return;
            }
          } else {
            logInvokeError('Invoke Error', error);
          }
          settle(post(requestId, error, result));
        },
        fatal(error, exitCode) {
          invoke.completed = true;
          post(requestId, error, null)
            .catch(() => {})
            .finally(() => die(exitCode));
        },
      };
      current = invoke;
      let event: unknown;
      let context: ReturnType<typeof buildContext> | undefined;
      try {
        event = JSON.parse(invocation.body.toString('utf8'));
        context = buildContext(invocation.headers, fn, {
          complete: (error, result) => invoke.complete(error, result, true),
        });
      } catch (err) {
        invoke.complete(err, null, true);
        return;
      }
      const callback = (error?: unknown, result?: unknown): void => invoke.complete(error, result, false);
      try {
        const returned = handler(event, context, callback);
        if (isThenable(returned)) {
          invoke.pendingPromise = true;
          returned.then(
            (result) => {
              invoke.pendingPromise = false;
              invoke.complete(null, result, true);
            },
            (error: unknown) => {
              invoke.pendingPromise = false;
              // A rejection with no reason still is a failure.
              invoke.complete(error ?? new Error('Handler rejected with no reason'), null, true);
            },
          );
        }
      } catch (err) {
        invoke.complete(err ?? new Error('Handler threw with no reason'), null, true);
      }
    });

  const runStreaming = async (invocation: Invocation, requestId: string): Promise<void> => {
    const writer = new ResponseStreamWriter(
      (contentType) => client.streamResponse(requestId, contentType),
      highWaterMark,
    );
    let done!: () => void;
    const finished = new Promise<void>((resolve) => {
      done = resolve;
    });
    let failure: unknown = null;
    const invoke: CurrentInvoke = {
      requestId,
      completed: false,
      deferred: null,
      pendingPromise: true,
      complete() {},
      fatal(error, exitCode) {
        invoke.completed = true;
        writer
          .fail(toInvocationError(error))
          .catch(() => {})
          .finally(() => die(exitCode));
      },
    };
    invoke.complete = (error) => {
      if (invoke.completed) return;
      failure = error ?? new NodeJsExitError();
      done();
    };
    current = invoke;
    try {
      const event = JSON.parse(invocation.body.toString('utf8'));
      const context = buildContext(invocation.headers, fn, { complete: () => {} });
      context.callbackWaitsForEmptyEventLoop = false;
      const returned = handler(event, writer, context);
      if (!isThenable(returned)) throw new Error('Streaming does not support non-async handlers.');
      await Promise.race([returned, finished]);
      if (failure === null && !writer.writableEnded) failure = new Error('Response stream is not finished.');
    } catch (err) {
      failure = err ?? new Error('Handler rejected with no reason');
    }
    if (invoke.completed) return new Promise<void>(() => {}); // fatal() owns the rest of this process.
    invoke.completed = true;
    try {
      if (failure !== null) {
        logInvokeError('Invoke Error', failure);
        await writer.fail(toInvocationError(failure));
      } else {
        await writer.completed();
      }
    } catch (err) {
      if (isFatalApiError(err)) throw err;
      log(`Runtime API rejected the streamed result of ${requestId}: ${(err as Error).message}`);
    }
  };

  for (let n = 0; n < maxInvocations && !exiting; n++) {
    let invocation: Invocation;
    try {
      invocation = await client.nextInvocation();
    } catch (err) {
      fatalApi(err);
      return;
    }
    const headers = invocation.headers;
    const requestId = headers[REQUEST_ID_HEADER] ?? '';
    state.requestId = requestId;
    state.tenantId = headers[TENANT_ID_HEADER];
    const traceId = headers[TRACE_ID_HEADER];
    if (traceId !== undefined) env[TRACE_ID_ENV_VAR] = traceId;
    else delete env[TRACE_ID_ENV_VAR];
    try {
      if (streaming) await runStreaming(invocation, requestId);
      else await runBuffered(invocation, requestId);
    } catch (err) {
      fatalApi(err);
      return;
    }
    current = null;
  }
}
