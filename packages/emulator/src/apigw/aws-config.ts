/**
 * Front door settings from the same request shapes used on AWS, so one stack description configures both:
 * Lambda's `CreateFunctionUrlConfig` and API Gateway v2's quick-create `CreateApi` (HTTP API with a Lambda target).
 * @module
 */
import type { CorsConfiguration } from './cors.js';
import { FrontDoorConfigError } from './errors.js';

/** `Cors` of `CreateFunctionUrlConfig`, `CorsConfiguration` of `CreateApi` (same field names). */
export interface AwsCors {
  readonly AllowOrigins?: readonly string[];
  readonly AllowMethods?: readonly string[];
  readonly AllowHeaders?: readonly string[];
  readonly ExposeHeaders?: readonly string[];
  readonly MaxAge?: number;
  readonly AllowCredentials?: boolean;
}

/** The body of `CreateFunctionUrlConfig` (plus the function name from its path). */
export interface AwsFunctionUrlConfig {
  readonly FunctionName: string;
  readonly AuthType?: 'NONE' | 'AWS_IAM';
  readonly Cors?: AwsCors;
  readonly InvokeMode?: 'BUFFERED' | 'RESPONSE_STREAM';
}

/** The quick-create body of `CreateApi` for an HTTP API. */
export interface AwsQuickCreateHttpApi {
  readonly Name?: string;
  readonly ProtocolType: 'HTTP';
  /** The Lambda function's name or ARN (qualified ARNs keep only the name here). */
  readonly Target: string;
  /** Default `$default`. */
  readonly RouteKey?: string;
  readonly CorsConfiguration?: AwsCors;
}

/** Converts AWS's CORS shape to the front door's. */
export function corsFromAws(cors: AwsCors): CorsConfiguration {
  return {
    ...(cors.AllowOrigins ? { allowOrigins: cors.AllowOrigins } : {}),
    ...(cors.AllowMethods ? { allowMethods: cors.AllowMethods } : {}),
    ...(cors.AllowHeaders ? { allowHeaders: cors.AllowHeaders } : {}),
    ...(cors.ExposeHeaders ? { exposeHeaders: cors.ExposeHeaders } : {}),
    ...(cors.MaxAge !== undefined ? { maxAge: cors.MaxAge } : {}),
    ...(cors.AllowCredentials !== undefined ? { allowCredentials: cors.AllowCredentials } : {}),
  };
}

/**
 * Options for `createFunctionUrlFrontDoor` from a `CreateFunctionUrlConfig` request. `AWS_IAM` auth is not
 * emulated (requests are not SigV4-checked); it is accepted so the same stack works, and noted in the README.
 * @example
 * createFunctionUrlFrontDoor({ ...functionUrlFromAws({ FunctionName: 'f', AuthType: 'NONE' }), invoke });
 */
export function functionUrlFromAws(config: AwsFunctionUrlConfig): {
  functionName: string;
  invokeMode: 'BUFFERED' | 'RESPONSE_STREAM';
  cors?: CorsConfiguration;
} {
  return {
    functionName: functionNameOf(config.FunctionName),
    invokeMode: config.InvokeMode ?? 'BUFFERED',
    ...(config.Cors ? { cors: corsFromAws(config.Cors) } : {}),
  };
}

/**
 * Options for `createHttpApiFrontDoor` from a quick-create `CreateApi` request: one route (default `$default`)
 * to the target function, payload 2.0, the `$default` stage.
 */
export function httpApiFromAws(api: AwsQuickCreateHttpApi): {
  routes: Array<{ routeKey: string; functionName: string }>;
  payloadFormatVersion: '2.0';
  cors?: CorsConfiguration;
} {
  if (api.ProtocolType !== 'HTTP') {
    throw new FrontDoorConfigError(`ProtocolType "${String(api.ProtocolType)}" is not emulated; use "HTTP"`);
  }
  return {
    routes: [{ routeKey: api.RouteKey ?? '$default', functionName: functionNameOf(api.Target) }],
    payloadFormatVersion: '2.0',
    ...(api.CorsConfiguration ? { cors: corsFromAws(api.CorsConfiguration) } : {}),
  };
}

/** `my-fn`, `arn:aws:lambda:us-east-1:123:function:my-fn` or `…:function:my-fn:alias` → `my-fn`. */
function functionNameOf(nameOrArn: string): string {
  const arn = /^arn:aws[\w-]*:lambda:[\w-]+:\d{12}:function:([\w-]+)(?::[\w$-]+)?$/.exec(nameOrArn);
  const name = arn ? arn[1] : nameOrArn;
  if (!name || !/^[\w-]{1,64}$/.test(name)) {
    throw new FrontDoorConfigError(`"${nameOrArn}" is not a function name or function ARN`);
  }
  return name;
}
