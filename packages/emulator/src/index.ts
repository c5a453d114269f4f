/** @module @caprice/emulator — AWS's side, locally: Lambda (control plane, Runtime API, Invoke) and more. */

export {
  type AwsCors,
  type AwsFunctionUrlConfig,
  type AwsQuickCreateHttpApi,
  corsFromAws,
  createFunctionUrlFrontDoor,
  createHttpApiFrontDoor,
  createRestApiFrontDoor,
  DEFAULT_INTEGRATION_TIMEOUT_MS,
  type FrontDoor,
  type FunctionUrlFrontDoorOptions,
  functionUrlFromAws,
  HTTP_API_INTEGRATION_TIMEOUT_MS,
  type HttpApiFrontDoorOptions,
  httpApiFromAws,
  type ListeningFrontDoor,
  type RestApiFrontDoorOptions,
} from './apigw/index.js';
export { EventInvokeConfigs } from './control-plane/event-invoke-configs.js';
export {
  FunctionUrlConfigs,
  type FunctionUrlConfigsOptions,
  type FunctionUrlRecord,
} from './control-plane/function-url-configs.js';
export {
  DEFAULT_LIMITS,
  LambdaControlPlane,
  type LambdaControlPlaneOptions,
  type LambdaLimits,
  type S3CodeObject,
} from './control-plane/lambda-control-plane.js';
export { createLambdaRoutes, LAMBDA_PATH_PREFIXES } from './control-plane/lambda-routes.js';
export { type EmailExtensionOptions, emailExtension } from './email/email-extension.js';
export {
  EmulatorError,
  ListenError,
  StateFileError,
  UnsafeZipError,
  UnzippedSizeError,
} from './errors.js';
export { AwsServiceError, sendAwsJsonError } from './http/aws-error.js';
export {
  DEFAULT_LISTENER_TIMEOUTS,
  guardBodyIdle,
  type ListenerTimeouts,
  listenerTimeouts,
  RUNTIME_API_TIMEOUTS,
  serverOptions,
} from './http/listener-timeouts.js';
export {
  ASYNC_EVENT_FORMAT,
  type SetAsideFile,
  type StoredAsyncEvent,
} from './invoke/async-event-store.js';
export type { AsyncResumeReport } from './invoke/async-invoker.js';
export type {
  InvocationCondition,
  InvocationRecord,
} from './invoke/invocation-record.js';
export type { InvokeOptions, InvokeOutput, StreamingInvokeOutput } from './invoke/invoke-api.js';
export { createDataPlane, type DataPlane, type DataPlaneTuning } from './lambda/data-plane.js';
export type {
  AsyncInvokeConfig,
  DataPlaneOptions,
  FunctionResolver,
  FunctionSnapshot,
  InvokeRoute,
  LambdaDataPlane,
  LambdaDataPlaneHttp,
  ResolvedLayer,
} from './lambda/types.js';
export {
  type CredentialScope,
  createRouter,
  credentialScope,
  type RouterOptions,
  type ServiceContext,
  type ServiceHandler,
  type UnsignedRoute,
} from './router.js';
export {
  type AdminRoute,
  type Emulator,
  type EmulatorExtension,
  type EmulatorOptions,
  type EmulatorParts,
  startEmulator,
} from './server.js';
export { type ExtractedZip, type ExtractZipOptions, extractZip } from './zip/extract-zip.js';
