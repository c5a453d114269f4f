/** Public types of handlers, the context object and the invoke read from the Runtime API. */
import type { Writable } from 'node:stream';

/** Cognito identity, from `Lambda-Runtime-Cognito-Identity`. */
export interface CognitoIdentity {
  cognitoIdentityId: string;
  cognitoIdentityPoolId: string;
}

/** Mobile client context, from `Lambda-Runtime-Client-Context` (JSON). */
export interface ClientContext {
  client?: Record<string, unknown>;
  custom?: Record<string, unknown>;
  env?: Record<string, unknown>;
  [key: string]: unknown;
}

/** The context object passed to handlers, built per invoke as AWS's Node runtime builds it. */
export interface Context {
  callbackWaitsForEmptyEventLoop: boolean;
  functionName: string;
  functionVersion: string;
  invokedFunctionArn: string;
  /** A string, as in AWS's runtime (e.g. `"128"`). */
  memoryLimitInMB: string;
  awsRequestId: string;
  logGroupName: string;
  logStreamName: string;
  identity?: CognitoIdentity | undefined;
  clientContext?: ClientContext | undefined;
  tenantId?: string | undefined;
  /** Milliseconds left until the invoke's deadline. */
  getRemainingTimeInMillis(): number;
  /** @deprecated Use an async handler or the callback. */
  done(error?: unknown, result?: unknown): void;
  /** @deprecated Use an async handler or the callback. */
  fail(error: unknown): void;
  /** @deprecated Use an async handler or the callback. */
  succeed(result: unknown): void;
}

/** Node-style completion callback of a callback handler. */
export type Callback<TResult = unknown> = (error?: unknown, result?: TResult) => void;

/**
 * A Lambda handler: async (return or throw) or callback style.
 *
 * @example
 * export const handler: Handler<{ name: string }, string> = async (event) => `hello ${event.name}`;
 */
export type Handler<TEvent = unknown, TResult = unknown> = (
  event: TEvent,
  context: Context,
  callback: Callback<TResult>,
  // biome-ignore lint/suspicious/noConfusingVoidType: callback handlers return nothing; same shape as @types/aws-lambda.
) => void | Promise<TResult>;

/** The writable a streaming handler writes its response to. */
export interface ResponseStream extends Writable {
  /** Sets the response's Content-Type; only before the first write. */
  setContentType(contentType: string): void;
}

/** A handler wrapped by {@link streamifyResponse}. */
export type StreamingHandler<TEvent = unknown> = (
  event: TEvent,
  responseStream: ResponseStream,
  context: Context,
) => Promise<unknown>;

/** Status and headers written ahead of a streamed function-URL response. */
export interface HttpResponseMetadata {
  statusCode?: number;
  headers?: Record<string, string>;
  cookies?: string[];
  [key: string]: unknown;
}

/** One invoke as delivered by `GET /runtime/invocation/next`. */
export interface Invocation {
  /** Raw event bytes. */
  body: Buffer;
  /** Response headers, names lower-cased. */
  headers: Record<string, string>;
}
