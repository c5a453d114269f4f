/**
 * @caprice/runtime — types and helpers for handlers, and the Runtime API loop. Importing this module starts
 * nothing; the layer's bundle (src/main.ts) is what runs the loop.
 * @module
 */
export type { RuntimeApi, RuntimeClientOptions, StreamingResponseRequest } from './client.js';
export { getRuntimeApiFromEnv, RuntimeClient } from './client.js';
export {
  API_VERSION_PATH,
  HTTP_INTEGRATION_CONTENT_TYPE,
  MAX_RESPONSE_BYTES,
  RUNTIME_API_ENV_VAR,
} from './constants.js';
export type { CompletionHooks, FunctionEnvironment } from './context.js';
export { buildContext, readFunctionEnvironment } from './context.js';
export type { InvocationError } from './errors.js';
export {
  HandlerNotFoundError,
  ImportModuleError,
  InvalidStreamingOperationError,
  MalformedHandlerNameError,
  MissingEnvironmentError,
  NodeJsExitError,
  ResponseSerializationError,
  ResponseSizeTooLargeError,
  RuntimeApiConnectionError,
  RuntimeApiError,
  RuntimeError,
  toInvocationError,
  UnhandledPromiseRejectionError,
  UserCodeSyntaxError,
} from './errors.js';
export { loadHandler, parseHandlerName } from './handler-loader.js';
export type { LogPatchOptions } from './log-patch.js';
export { patchConsole } from './log-patch.js';
export type { ProcessEvents, RuntimeState, StartRuntimeOptions } from './loop.js';
export { startRuntime } from './loop.js';
export type { ShutdownHook } from './shutdown.js';
export { onShutdown } from './shutdown.js';
export type { StreamifyOptions } from './streaming.js';
export { HttpResponseStream, isStreamingHandler, streamifyResponse } from './streaming.js';
export type {
  Callback,
  ClientContext,
  CognitoIdentity,
  Context,
  Handler,
  HttpResponseMetadata,
  Invocation,
  ResponseStream,
  StreamingHandler,
} from './types.js';
