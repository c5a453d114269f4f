/** @module The API Gateway / function URL front door of the emulator. */
export {
  type AwsCors,
  type AwsFunctionUrlConfig,
  type AwsQuickCreateHttpApi,
  corsFromAws,
  functionUrlFromAws,
  httpApiFromAws,
} from './aws-config.js';
export { type CorsConfiguration, type CorsPolicy, createCorsPolicy } from './cors.js';
export { FrontDoorConfigError, MalformedResultError, PayloadTooLargeError } from './errors.js';
export { buildEventV1, type EventV1Options } from './event-v1.js';
export { buildEventV2 } from './event-v2.js';
export {
  API_GATEWAY_PAYLOAD_LIMIT,
  createFunctionUrlFrontDoor,
  createHttpApiFrontDoor,
  createRestApiFrontDoor,
  DEFAULT_INTEGRATION_TIMEOUT_MS,
  type FrontDoor,
  type FunctionUrlFrontDoorOptions,
  HTTP_API_INTEGRATION_TIMEOUT_MS,
  type HttpApiFrontDoorOptions,
  type IntegrationErrorLog,
  LAMBDA_PAYLOAD_LIMIT,
  type ListeningFrontDoor,
  type RestApiFrontDoorOptions,
} from './front-door.js';
export { replyFromResultV1 } from './result-v1.js';
export { replyFromResultV2 } from './result-v2.js';
export {
  type ApiRoute,
  createRouteMatcher,
  type RouteMatch,
  type RouteMatcherOptions,
} from './route-matcher.js';
export { HTTP_INTEGRATION_CONTENT_TYPE, readStreamPrelude } from './stream-prelude.js';
export type {
  HttpApiEventV2,
  HttpReply,
  InvokeFunction,
  InvokeResult,
  InvokeStreamingFunction,
  ProxyEventV1,
  StreamingInvokeResult,
} from './types.js';
