/** Builds the handler's context object from the invoke's headers and the function's environment. */
import {
  CLIENT_CONTEXT_HEADER,
  COGNITO_IDENTITY_HEADER,
  DEADLINE_HEADER,
  FUNCTION_ARN_HEADER,
  REQUEST_ID_HEADER,
  TENANT_ID_HEADER,
} from './constants.js';
import { RuntimeError } from './errors.js';
import type { ClientContext, CognitoIdentity, Context } from './types.js';

/** The per-function part of the context, read once at start. */
export interface FunctionEnvironment {
  functionName: string;
  functionVersion: string;
  memoryLimitInMB: string;
  logGroupName: string;
  logStreamName: string;
}

/** Reads the per-function context fields from the environment (once, at init: they never change). */
export function readFunctionEnvironment(env: NodeJS.ProcessEnv = process.env): FunctionEnvironment {
  return {
    functionName: env.AWS_LAMBDA_FUNCTION_NAME ?? '',
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION ?? '',
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? '',
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME ?? '',
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME ?? '',
  };
}

/** How the context's legacy completion methods reach the loop. */
export interface CompletionHooks {
  /** Completes at once with an error or a result (context.succeed/fail/done). */
  complete(error: unknown, result: unknown): void;
}

/** The header value parsed as JSON, or undefined when absent. */
function parseJsonHeader<T>(value: string | undefined, what: string): T | undefined {
  if (value === undefined || value === '') return undefined;
  try {
    return JSON.parse(value) as T;
  } catch (err) {
    throw new RuntimeError(`Cannot parse ${what} as json: ${JSON.stringify(value.slice(0, 200))}`, {
      cause: err,
    });
  }
}

/**
 * Builds the context object for one invoke, field for field as AWS's Node runtime does.
 *
 * @example
 * const context = buildContext(invocation.headers, readFunctionEnvironment(), hooks);
 */
export function buildContext(
  headers: Record<string, string>,
  fn: FunctionEnvironment,
  hooks: CompletionHooks,
  now: () => number = Date.now,
): Context {
  const deadline = Number(headers[DEADLINE_HEADER]);
  // A plain data property, read by the loop when the callback fires: an accessor in an object literal makes
  // every context a slow-mode object, measurable on the per-invoke path.
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: fn.functionName,
    functionVersion: fn.functionVersion,
    invokedFunctionArn: headers[FUNCTION_ARN_HEADER] ?? '',
    memoryLimitInMB: fn.memoryLimitInMB,
    awsRequestId: headers[REQUEST_ID_HEADER] ?? '',
    logGroupName: fn.logGroupName,
    logStreamName: fn.logStreamName,
    clientContext: parseJsonHeader<ClientContext>(headers[CLIENT_CONTEXT_HEADER], 'ClientContext'),
    identity: parseJsonHeader<CognitoIdentity>(headers[COGNITO_IDENTITY_HEADER], 'CognitoIdentity'),
    tenantId: headers[TENANT_ID_HEADER],
    getRemainingTimeInMillis: () => deadline - now(),
    succeed: (result: unknown) => hooks.complete(null, result),
    // AWS posts errorType "string", message "handled" for fail(undefined); keep that.
    fail: (error: unknown) => hooks.complete(error ?? 'handled', undefined),
    done: (error?: unknown, result?: unknown) => hooks.complete(error, result),
  };
}
