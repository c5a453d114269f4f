/** Errors of the runtime, and their conversion to the Runtime API's error JSON. */

/** Base class of every error this package throws; `code` names the failure for callers and tests. */
export class RuntimeError extends Error {
  readonly code: string = 'RUNTIME_ERROR';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RuntimeError';
  }
}

/** `_HANDLER` is not `module.export` or climbs out of the task root. Reported as `Runtime.MalformedHandlerName`. */
export class MalformedHandlerNameError extends RuntimeError {
  override readonly code = 'RUNTIME_MALFORMED_HANDLER_NAME';
  constructor(message: string) {
    super(message);
    this.name = 'Runtime.MalformedHandlerName';
  }
}

/** The handler's module could not be found. Reported as `Runtime.ImportModuleError`. */
export class ImportModuleError extends RuntimeError {
  override readonly code = 'RUNTIME_IMPORT_MODULE';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'Runtime.ImportModuleError';
  }
}

/** The handler's module does not parse. Reported as `Runtime.UserCodeSyntaxError`. */
export class UserCodeSyntaxError extends RuntimeError {
  override readonly code = 'RUNTIME_USER_CODE_SYNTAX';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'Runtime.UserCodeSyntaxError';
  }
}

/** The module loaded but the named export is missing or not a function. Reported as `Runtime.HandlerNotFound`. */
export class HandlerNotFoundError extends RuntimeError {
  override readonly code = 'RUNTIME_HANDLER_NOT_FOUND';
  constructor(message: string) {
    super(message);
    this.name = 'Runtime.HandlerNotFound';
  }
}

/** A required environment variable is missing at start. Reported as `Runtime.PlatformError`. */
export class MissingEnvironmentError extends RuntimeError {
  override readonly code = 'RUNTIME_MISSING_ENV';
  constructor(name: string) {
    super(`Environment variable ${name} is required; run inside Lambda or under the Caprice emulator`);
    this.name = 'Runtime.PlatformError';
  }
}

/** The handler's result is larger than the Runtime API accepts; caught before sending. */
export class ResponseSizeTooLargeError extends RuntimeError {
  override readonly code = 'RUNTIME_RESPONSE_TOO_LARGE';
  constructor(size: number, limit: number) {
    super(
      `Response payload size (${size} bytes) exceeded maximum allowed payload size (${limit} bytes); return less data or use response streaming`,
    );
    this.name = 'Function.ResponseSizeTooLarge';
  }
}

/** The handler's result could not be turned into JSON. */
export class ResponseSerializationError extends RuntimeError {
  override readonly code = 'RUNTIME_JSON_STRINGIFY';
  constructor(options?: ErrorOptions) {
    const why = options?.cause instanceof Error ? `: ${options.cause.message}` : '';
    super(`Unable to stringify response body${why}; return a JSON-serialisable value`, options);
    this.name = 'Runtime.JSONStringifyError';
  }
}

/** A promise was rejected and nobody handled it. Reported as `Runtime.UnhandledPromiseRejection`. */
export class UnhandledPromiseRejectionError extends RuntimeError {
  override readonly code = 'RUNTIME_UNHANDLED_REJECTION';
  readonly reason: unknown;
  constructor(reason: unknown) {
    super(String(reason));
    this.name = 'Runtime.UnhandledPromiseRejection';
    this.reason = reason;
  }
}

/** The event loop drained while an async handler's promise was still pending. Reported as `Runtime.NodeJsExit`. */
export class NodeJsExitError extends RuntimeError {
  override readonly code = 'RUNTIME_NODEJS_EXIT';
  constructor() {
    super(
      'Runtime exited without providing a reason: the event loop drained before the handler finished, most commonly caused by a Promise that was never settled',
    );
    this.name = 'Runtime.NodeJsExit';
  }
}

/** Misuse of a response stream (e.g. `setContentType` after the first write). */
export class InvalidStreamingOperationError extends RuntimeError {
  override readonly code = 'RUNTIME_INVALID_STREAMING_OPERATION';
  constructor(message: string) {
    super(message);
    this.name = 'Runtime.InvalidStreamingOperation';
  }
}

/** The Runtime API answered with an unexpected status. A 5xx means the runtime must exit. */
export class RuntimeApiError extends RuntimeError {
  override readonly code = 'RUNTIME_API_STATUS';
  readonly status: number;
  readonly body: string;
  constructor(method: string, path: string, status: number, body: string) {
    super(`Runtime API ${method} ${path} answered ${status}: ${body.slice(0, 500)}`);
    this.name = 'RuntimeApiError';
    this.status = status;
    this.body = body;
  }
}

/** The connection to the Runtime API broke or could not be made. */
export class RuntimeApiConnectionError extends RuntimeError {
  override readonly code = 'RUNTIME_API_CONNECTION';
  constructor(endpoint: string, options?: ErrorOptions) {
    const why = options?.cause instanceof Error ? `: ${options.cause.message}` : '';
    super(
      `Connection to the Runtime API at ${endpoint} failed${why}; the runtime exits and the platform restarts it`,
      options,
    );
    this.name = 'RuntimeApiConnectionError';
  }
}

/**
 * The error JSON posted to `/error`, `/init/error` and the streaming error trailer.
 * `stackTrace` is the Runtime API's documented field; `trace` carries the same lines because AWS's Node runtime
 * sends that name and callers written against it read it.
 */
export interface InvocationError {
  errorType: string;
  errorMessage: string;
  stackTrace: string[];
  trace: string[];
}

/**
 * Turns anything thrown into the Runtime API's error JSON, as AWS's Node runtime does: an `Error` gives its name,
 * message and stack lines; anything else gives `typeof x` and `String(x)` with an empty trace.
 *
 * @example
 * toInvocationError(new TypeError('x')); // { errorType: 'TypeError', errorMessage: 'x', stackTrace: [...], trace: [...] }
 */
export function toInvocationError(err: unknown): InvocationError {
  if (
    err instanceof Error ||
    (typeof err === 'object' && err !== null && 'message' in err && 'name' in err)
  ) {
    const e = err as Error;
    let errorType = 'Error';
    let errorMessage = '';
    let stackTrace: string[] = [];
    try {
      errorType = typeof e.name === 'string' && e.name !== '' ? e.name : (e.constructor?.name ?? 'Error');
      errorMessage = typeof e.message === 'string' ? e.message : String(e.message);
      stackTrace = typeof e.stack === 'string' ? e.stack.split('\n') : [];
    } catch {
      // A getter on the error threw: keep what we have rather than fail the error report itself.
    }
    return { errorType, errorMessage, stackTrace, trace: stackTrace };
  }
  let errorMessage: string;
  try {
    errorMessage = String(err);
  } catch {
    errorMessage = Object.prototype.toString.call(err);
  }
  return { errorType: typeof err, errorMessage, stackTrace: [], trace: [] };
}

/** Serialises an invocation error; never throws (falls back to a minimal body). */
export function stringifyInvocationError(err: InvocationError): string {
  try {
    // \x7F is escaped like AWS's runtime does, so log pipelines that choke on DEL are not fed it.
    return JSON.stringify(err).replace(/\x7F/g, '%7F');
  } catch {
    return JSON.stringify({
      errorType: 'Runtime.UnknownError',
      errorMessage: 'error could not be serialised',
    });
  }
}
