/**
 * Shapes the front door sends and receives. Declared here (not imported from `aws-lambda`: packages/* don't
 * depend on event types) following AWS's documentation of each payload format.
 * @module
 */

/** The data plane, as the front door needs it: a synchronous (RequestResponse) invoke. */
export type InvokeFunction = (functionName: string, payload: Buffer) => Promise<InvokeResult>;

export interface InvokeResult {
  /** The function's response (or error) bytes. */
  readonly payload: Buffer;
  /** Set when the invoke ended in a function error (`X-Amz-Function-Error`: "Unhandled" or "Handled"). */
  readonly functionError?: string;
}

/** A response-streaming invoke (`InvokeWithResponseStream`), for function URLs in RESPONSE_STREAM mode. */
export type InvokeStreamingFunction = (
  functionName: string,
  payload: Buffer,
) => Promise<StreamingInvokeResult>;

export interface StreamingInvokeResult {
  /** Content-Type the runtime gave the stream (`application/vnd.awslambda.http-integration-response` with a prelude). */
  readonly contentType?: string;
  /** The streamed bytes, in order, as they arrive. Rejects (or throws while iterating) on a mid-stream error. */
  readonly body: AsyncIterable<Uint8Array>;
  /** Set when the invoke failed before any byte was streamed. */
  readonly functionError?: string;
}

/** API Gateway HTTP API / function URL event, payload format 2.0. */
export interface HttpApiEventV2 {
  version: '2.0';
  routeKey: string;
  rawPath: string;
  rawQueryString: string;
  cookies?: string[];
  headers: Record<string, string>;
  queryStringParameters?: Record<string, string>;
  pathParameters?: Record<string, string>;
  stageVariables?: Record<string, string>;
  requestContext: {
    accountId: string;
    apiId: string;
    domainName: string;
    domainPrefix: string;
    http: { method: string; path: string; protocol: string; sourceIp: string; userAgent: string };
    requestId: string;
    routeKey: string;
    stage: string;
    time: string;
    timeEpoch: number;
  };
  body?: string;
  isBase64Encoded: boolean;
}

/** API Gateway REST API proxy event (and HTTP API payload format 1.0, which adds `version: "1.0"`). */
export interface ProxyEventV1 {
  version?: '1.0';
  resource: string;
  path: string;
  httpMethod: string;
  headers: Record<string, string> | null;
  multiValueHeaders: Record<string, string[]> | null;
  queryStringParameters: Record<string, string> | null;
  multiValueQueryStringParameters: Record<string, string[]> | null;
  pathParameters: Record<string, string> | null;
  stageVariables: Record<string, string> | null;
  requestContext: {
    accountId: string;
    apiId: string;
    domainName: string;
    domainPrefix: string;
    extendedRequestId: string;
    httpMethod: string;
    identity: Record<string, string | null>;
    path: string;
    protocol: string;
    requestId: string;
    requestTime: string;
    requestTimeEpoch: number;
    resourceId: string | null;
    resourcePath: string;
    stage: string;
  };
  body: string | null;
  isBase64Encoded: boolean;
}

/** An HTTP answer, ready to be written. `headers` values that are arrays become repeated headers. */
export interface HttpReply {
  readonly status: number;
  readonly headers: Record<string, string | string[]>;
  readonly body: Buffer;
}
