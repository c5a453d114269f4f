/**
 * Entry point of the layer's runtime bundle (started by `bootstrap`): reads the environment, patches the console,
 * installs the `awslambda` global, loads the handler (reporting init errors) and runs the loop.
 * Not exported from the package index: importing `@caprice/runtime` never starts anything.
 * @module
 */
import { getRuntimeApiFromEnv, RuntimeClient } from './client.js';
import {
  EXIT_UNCAUGHT_EXCEPTION,
  EXIT_UNHANDLED_REJECTION,
  HANDLER_ENV_VAR,
  TASK_ROOT_ENV_VAR,
} from './constants.js';
import {
  MissingEnvironmentError,
  stringifyInvocationError,
  toInvocationError,
  UnhandledPromiseRejectionError,
} from './errors.js';
import { loadHandler } from './handler-loader.js';
import { patchConsole } from './log-patch.js';
import { type RuntimeState, startRuntime } from './loop.js';
import { HttpResponseStream, streamifyResponse } from './streaming.js';

const RUNTIME_VERSION = '0.0.0';

async function main(): Promise<void> {
  const env = process.env;
  const state: RuntimeState = { requestId: undefined, tenantId: undefined };
  patchConsole({
    format: env.AWS_LAMBDA_LOG_FORMAT,
    level: env.AWS_LAMBDA_LOG_LEVEL,
    getRequestId: () => state.requestId,
    getTenantId: () => state.tenantId,
  });
  const noGlobal = env.AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA;
  if (noGlobal !== '1' && noGlobal !== 'true') {
    (globalThis as Record<string, unknown>).awslambda = { streamifyResponse, HttpResponseStream };
  }

  let client: RuntimeClient;
  try {
    client = new RuntimeClient({
      endpoint: getRuntimeApiFromEnv(env),
      userAgent: `caprice-runtime/${RUNTIME_VERSION}`,
    });
  } catch (err) {
    // Without the Runtime API there is nowhere to report to.
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
  }

  let failing = false;
  const initFailed = async (err: unknown, exitCode: number): Promise<never> => {
    // Report only the first init failure; the process is about to exit anyway.
    if (failing) return new Promise<never>(() => {});
    failing = true;
    const error = toInvocationError(err);
    process.stdout.write(
      `${new Date().toISOString()}\tundefined\tERROR\tUncaught Exception \t${stringifyInvocationError(error)}\n`,
    );
    try {
      await client.postInitError(error);
    } catch (postErr) {
      process.stderr.write(`Could not report the init error: ${(postErr as Error).message}\n`);
    }
    process.exit(exitCode);
  };
  const onInitException = (err: unknown): void => {
    void initFailed(err, EXIT_UNCAUGHT_EXCEPTION);
  };
  const onInitRejection = (reason: unknown): void => {
    void initFailed(new UnhandledPromiseRejectionError(reason), EXIT_UNHANDLED_REJECTION);
  };
  process.on('uncaughtException', onInitException);
  process.on('unhandledRejection', onInitRejection);

  let handler: (...args: unknown[]) => unknown;
  try {
    const handlerName = env[HANDLER_ENV_VAR];
    if (!handlerName) throw new MissingEnvironmentError(HANDLER_ENV_VAR);
    const taskRoot = env[TASK_ROOT_ENV_VAR] || process.cwd();
    handler = await loadHandler(taskRoot, handlerName);
  } catch (err) {
    return initFailed(err, EXIT_UNCAUGHT_EXCEPTION);
  }
  // Rejections left unhandled by the module's top level are reported after the current tick: let them surface
  // while the init handlers are still installed, so they become init errors as on AWS.
  await new Promise<void>((resolve) => setImmediate(resolve));
  process.off('uncaughtException', onInitException);
  process.off('unhandledRejection', onInitRejection);
  // An init error is being reported; the process exits once it is posted, so no /next may go out.
  if (failing) return;
  await startRuntime({ client, handler, env, state });
}

void main();
