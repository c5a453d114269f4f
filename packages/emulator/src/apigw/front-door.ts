/**
 * The local front door: real HTTP requests become API Gateway (HTTP API, REST API) or function URL events, the
 * function is invoked through the injected data plane, and its result becomes HTTP exactly as AWS turns it
 * into a response, errors included.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ListenError } from '../errors.js';
import {
  type DEFAULT_LISTENER_TIMEOUTS,
  guardBodyIdle,
  type ListenerTimeouts,
  listenerTimeouts,
  serverOptions,
} from '../http/listener-timeouts.js';
import { type CorsConfiguration, type CorsPolicy, createCorsPolicy } from './cors.js';
import { FrontDoorConfigError, MalformedResultError, PayloadTooLargeError } from './errors.js';
import { type EventContext, newHttpApiRequestId, newTraceId } from './event-context.js';
import { buildEventV1 } from './event-v1.js';
import { buildEventV2 } from './event-v2.js';
import { type RequestSnapshot, readRequestSnapshot } from './request-snapshot.js';
import { replyFromResultV1 } from './result-v1.js';
import { replyFromResultV2 } from './result-v2.js';
import { type ApiRoute, createRouteMatcher } from './route-matcher.js';
import { HTTP_INTEGRATION_CONTENT_TYPE, readStreamPrelude } from './stream-prelude.js';
import { matchesMediaType } from './text-content-type.js';
import type { HttpReply, InvokeFunction, InvokeStreamingFunction } from './types.js';

/** API Gateway's maximum request payload (HTTP and REST APIs). */
export const API_GATEWAY_PAYLOAD_LIMIT = 10 * 1024 * 1024;
/** Lambda's synchronous invoke payload limit, request and response. */
export const LAMBDA_PAYLOAD_LIMIT = 6 * 1024 * 1024;
/** A REST API's default integration timeout (`timeoutInMillis`, 29 000 ms unless raised for Regional APIs). */
export const DEFAULT_INTEGRATION_TIMEOUT_MS = 29_000;
/** An HTTP API's default, and maximum, integration timeout (`TimeoutInMillis`: 30 000 ms for HTTP APIs). */
export const HTTP_API_INTEGRATION_TIMEOUT_MS = 30_000;

/** Details API Gateway keeps out of the response (its `$context.integrationErrorMessage`). */
export type IntegrationErrorLog = (entry: {
  requestId: string;
  functionName: string;
  message: string;
}) => void;

interface CommonOptions {
  /** The data plane's synchronous invoke. */
  readonly invoke: InvokeFunction;
  readonly region?: string;
  readonly accountId?: string;
  /** Where hidden integration errors go; default: one line on stderr. */
  readonly onIntegrationError?: IntegrationErrorLog;
}

export interface HttpApiFrontDoorOptions extends CommonOptions {
  readonly apiId?: string;
  /** Route table; or give `functionName` for a single `$default` route. */
  readonly routes?: readonly ApiRoute[];
  readonly functionName?: string;
  /** Default `2.0`, as with `sam local start-api` and the console. */
  readonly payloadFormatVersion?: '1.0' | '2.0';
  /** Default `$default` (no stage prefix in the URL); a named stage is the first path segment. */
  readonly stage?: string;
  readonly stageVariables?: Readonly<Record<string, string>>;
  /** Default {@link HTTP_API_INTEGRATION_TIMEOUT_MS} (30 s), an HTTP API's default and maximum. */
  readonly integrationTimeoutMs?: number;
  /** The API's `CorsConfiguration`: preflights are answered without invoking, CORS headers replaced. */
  readonly cors?: CorsConfiguration;
}

export interface RestApiFrontDoorOptions extends CommonOptions {
  readonly apiId?: string;
  /** Resources as route keys (`GET /items/{id}`, `ANY /{proxy+}`); or `functionName` for `ANY /` + `ANY /{proxy+}`. */
  readonly routes?: readonly ApiRoute[];
  readonly functionName?: string;
  /** The stage: the first path segment of every URL (`/prod/...`). Default `prod`. */
  readonly stage?: string;
  readonly stageVariables?: Readonly<Record<string, string>>;
  /** Media types passed base64-encoded (requests) and decoded from base64 (responses). Default none, as on AWS. */
  readonly binaryMediaTypes?: readonly string[];
  /** Default {@link DEFAULT_INTEGRATION_TIMEOUT_MS} (29 s). */
  readonly integrationTimeoutMs?: number;
}

export interface FunctionUrlFrontDoorOptions extends CommonOptions {
  readonly functionName: string;
  /** The URL id (the host's first label); default derived from the function name. */
  readonly urlId?: string;
  /** `BUFFERED` (default) or `RESPONSE_STREAM`, as `CreateFunctionUrlConfig`'s InvokeMode. */
  readonly invokeMode?: 'BUFFERED' | 'RESPONSE_STREAM';
  /** Required for `RESPONSE_STREAM`. */
  readonly invokeStreaming?: InvokeStreamingFunction;
  /** The URL's `Cors` config: preflights are answered without invoking, CORS headers replaced. */
  readonly cors?: CorsConfiguration;
}

/** A front door: a Node request listener, and a way to serve it on its own port. */
export interface FrontDoor {
  readonly handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  /** Serves on `host:port` (default 127.0.0.1, a free port). */
  listen(options?: {
    port?: number;
    host?: string;
    /** Slow-loris bounds (defaults: {@link DEFAULT_LISTENER_TIMEOUTS}). */
    timeouts?: Partial<ListenerTimeouts>;
  }): Promise<ListeningFrontDoor>;
}

export interface ListeningFrontDoor {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** How one kind of front door answers its own failures (status + body + headers AWS sends). */
interface ErrorReplies {
  notFound: HttpReply;
  tooLarge: HttpReply;
  functionError: HttpReply;
  invokeRejected: HttpReply;
  timeout: HttpReply;
}

const json = (status: number, body: string, headers: Record<string, string> = {}): HttpReply => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: Buffer.from(body),
});

const HTTP_API_ERRORS: ErrorReplies = {
  notFound: json(404, '{"message":"Not Found"}'),
  tooLarge: json(413, '{"message":"Request Entity Too Large"}'),
  functionError: json(500, '{"message":"Internal Server Error"}'),
  invokeRejected: json(500, '{"message":"Internal Server Error"}'),
  // HTTP APIs answer an integration timeout with 503, not REST's 504 (serverless/serverless#11222,
  // anomalyco/sst#2232: "503 ... Service Unavailable" while the function was still running).
  timeout: json(503, '{"message":"Service Unavailable"}'),
};

const REST_API_ERRORS: ErrorReplies = {
  notFound: json(403, '{"message":"Missing Authentication Token"}', {
    'x-amzn-errortype': 'MissingAuthenticationTokenException',
  }),
  tooLarge: json(413, '{"message":"Request Entity Too Large"}'),
  functionError: json(502, '{"message": "Internal server error"}', {
    'x-amzn-errortype': 'InternalServerErrorException',
  }),
  invokeRejected: json(500, '{"message": "Internal server error"}', {
    'x-amzn-errortype': 'InternalServerErrorException',
  }),
  timeout: json(504, '{"message": "Endpoint request timed out"}'),
};

const text = (status: number, body: string): HttpReply => ({
  status,
  headers: { 'content-type': 'text/plain; charset=utf-8' },
  body: Buffer.from(body),
});

const FUNCTION_URL_ERRORS: ErrorReplies = {
  notFound: text(404, 'Not Found'),
  tooLarge: text(413, 'Request Entity Too Large'),
  functionError: text(502, 'Internal Server Error'),
  invokeRejected: text(502, 'Internal Server Error'),
  timeout: text(504, 'Gateway Timeout'),
};

/** Headers a function may not set on the wire: the front door owns framing. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'content-length',
  'te',
]);

/**
 * An API Gateway **HTTP API** (payload 2.0 by default, 1.0 on request).
 * @example
 * const door = createHttpApiFrontDoor({ functionName: 'http-api', invoke });
 * const { url } = await door.listen({ port: 3000 });  // curl "$url/?text=hello"
 */
export function createHttpApiFrontDoor(options: HttpApiFrontDoorOptions): FrontDoor {
  const routes = routesOf(options.routes, options.functionName, () => [
    { routeKey: '$default', functionName: options.functionName ?? '' },
  ]);
  const match = createRouteMatcher(routes);
  const stage = options.stage ?? '$default';
  const apiId = options.apiId ?? 'localapi01';
  const region = options.region ?? 'us-east-1';
  const format = options.payloadFormatVersion ?? '2.0';
  const timeoutMs = options.integrationTimeoutMs ?? HTTP_API_INTEGRATION_TIMEOUT_MS;
  const log = options.onIntegrationError ?? defaultIntegrationLog;
  const cors = options.cors ? createCorsPolicy(options.cors) : undefined;

  return frontDoor(async (req, res) => {
    const requestId = newHttpApiRequestId();
    const extra = { 'apigw-requestid': requestId };
    const snap = await readOrReply(req, res, API_GATEWAY_PAYLOAD_LIMIT, HTTP_API_ERRORS, extra);
    if (!snap) return;
    const preflight = cors?.preflight(snap.method, (name) => headerOf(snap, name));
    if (preflight) return send(res, preflight, extra);
    let path = snap.rawPath;
    if (stage !== '$default') {
      if (path !== `/${stage}` && !path.startsWith(`/${stage}/`))
        return send(res, HTTP_API_ERRORS.notFound, extra);
      path = path.slice(stage.length + 1) || '/';
    }
    const found = match(snap.method, path);
    if (!found) return send(res, HTTP_API_ERRORS.notFound, extra);
    const routeKey = found.resource === '$default' ? '$default' : found.route.routeKey;
    const ctx: EventContext = {
      accountId: options.accountId ?? '000000000000',
      apiId,
      domainName: `${apiId}.execute-api.${region}.amazonaws.com`,
      stage,
      requestId,
      routeKey,
      resource: found.resource === '$default' ? path : found.resource,
      pathParameters: found.pathParameters,
      stageVariables: options.stageVariables ?? {},
      // HTTP APIs hand the path over percent-decoded (rawPath, http.path and 1.0's `path` alike), named stage
      // included; routes still match on the path as sent, so a parameter is decoded once.
      path: safeDecodePath(snap.rawPath),
    };
    const event =
      format === '2.0'
        ? buildEventV2(snap, ctx)
        : buildEventV1(snap, ctx, { flavor: 'http', binaryMediaTypes: [] });
    const reply = await integrate({
      functionName: found.route.functionName,
      event,
      invoke: options.invoke,
      timeoutMs,
      errors: HTTP_API_ERRORS,
      requestId,
      log,
      toReply: (payload) =>
        format === '2.0' ? replyFromResultV2(payload) : replyFromResultV1(payload, () => true),
    });
    send(res, withCors(cors, reply, snap), extra, snap.method === 'HEAD');
  });
}

/**
 * An API Gateway **REST API** with Lambda proxy integrations (payload 1.0, no `version` field).
 * Unknown resources answer 403 "Missing Authentication Token", as on AWS.
 * @example
 * const door = createRestApiFrontDoor({ functionName: 'http-api', stage: 'prod', invoke });
 * // curl "http://127.0.0.1:<port>/prod/?text=hello"
 */
export function createRestApiFrontDoor(options: RestApiFrontDoorOptions): FrontDoor {
  const routes = routesOf(options.routes, options.functionName, () => [
    { routeKey: 'ANY /', functionName: options.functionName ?? '' },
    { routeKey: 'ANY /{proxy+}', functionName: options.functionName ?? '' },
  ]);
  if (routes.some((r) => r.routeKey === '$default')) {
    throw new FrontDoorConfigError('REST APIs have no $default route; use "ANY /{proxy+}"');
  }
  // REST APIs hand path parameters over as sent (percent-encoded), unlike HTTP APIs.
  const match = createRouteMatcher(routes, { parameters: 'as-sent' });
  const stage = options.stage ?? 'prod';
  const apiId = options.apiId ?? 'localrest1';
  const region = options.region ?? 'us-east-1';
  const binaryMediaTypes = options.binaryMediaTypes ?? [];
  const timeoutMs = options.integrationTimeoutMs ?? DEFAULT_INTEGRATION_TIMEOUT_MS;
  const log = options.onIntegrationError ?? defaultIntegrationLog;

  return frontDoor(async (req, res) => {
    const requestId = randomUUID();
    const time = new Date();
    const extra = {
      'x-amzn-requestid': requestId,
      'x-amz-apigw-id': Buffer.from(requestId).toString('base64').slice(0, 16),
      'x-amzn-trace-id': newTraceId(time),
    };
    const snap = await readOrReply(req, res, API_GATEWAY_PAYLOAD_LIMIT, REST_API_ERRORS, extra);
    if (!snap) return;
    if (snap.rawPath !== `/${stage}` && !snap.rawPath.startsWith(`/${stage}/`)) {
      return send(res, REST_API_ERRORS.notFound, extra);
    }
    const path = snap.rawPath.slice(stage.length + 1) || '/';
    const found = match(snap.method, path);
    if (!found) return send(res, REST_API_ERRORS.notFound, extra);
    const ctx: EventContext = {
      accountId: options.accountId ?? '000000000000',
      apiId,
      domainName: `${apiId}.execute-api.${region}.amazonaws.com`,
      stage,
      requestId,
      routeKey: found.route.routeKey,
      resource: found.resource,
      pathParameters: found.pathParameters,
      stageVariables: options.stageVariables ?? {},
      // REST APIs keep the path, and its parameters, as sent (still percent-encoded).
      path,
    };
    const event = buildEventV1(snap, ctx, { flavor: 'rest', binaryMediaTypes });
    const accept = headerOf(snap, 'accept');
    const reply = await integrate({
      functionName: found.route.functionName,
      event,
      invoke: options.invoke,
      timeoutMs,
      errors: REST_API_ERRORS,
      requestId,
      log,
      // REST converts a base64 body to binary only for a binary media type (by Accept, else the response type).
      toReply: (payload) =>
        replyFromResultV1(
          payload,
          (contentType) =>
            matchesMediaType(accept?.split(',')[0], binaryMediaTypes) ||
            matchesMediaType(contentType, binaryMediaTypes),
        ),
    });
    send(res, reply, extra, snap.method === 'HEAD');
  });
}

/**
 * A Lambda **function URL** (payload 2.0). Serve each function URL on its own port, so the function sees the
 * same paths as on `https://<url-id>.lambda-url.<region>.on.aws/`.
 * @example
 * const door = createFunctionUrlFrontDoor({ functionName: 'http-api', invoke });
 * const { url } = await door.listen();  // curl "$url?text=hello"
 */
export function createFunctionUrlFrontDoor(options: FunctionUrlFrontDoorOptions): FrontDoor {
  if (!options.functionName) throw new FrontDoorConfigError('A function URL needs a functionName');
  const streaming = options.invokeMode === 'RESPONSE_STREAM';
  if (streaming && !options.invokeStreaming) {
    throw new FrontDoorConfigError('invokeMode RESPONSE_STREAM needs an invokeStreaming function');
  }
  const region = options.region ?? 'us-east-1';
  const urlId = options.urlId ?? urlIdFor(options.functionName);
  const log = options.onIntegrationError ?? defaultIntegrationLog;
  const cors = options.cors ? createCorsPolicy(options.cors) : undefined;

  return frontDoor(async (req, res) => {
    const requestId = randomUUID();
    const extra = { 'x-amzn-requestid': requestId, 'x-amzn-trace-id': newTraceId(new Date()) };
    const snap = await readOrReply(req, res, LAMBDA_PAYLOAD_LIMIT, FUNCTION_URL_ERRORS, extra);
    if (!snap) return;
    const preflight = cors?.preflight(snap.method, (name) => headerOf(snap, name));
    if (preflight) return send(res, preflight, extra);
    const ctx: EventContext = {
      accountId: options.accountId ?? 'anonymous',
      apiId: urlId,
      domainName: `${urlId}.lambda-url.${region}.on.aws`,
      stage: '$default',
      requestId,
      routeKey: '$default',
      resource: snap.rawPath,
      pathParameters: {},
      stageVariables: {},
      path: snap.rawPath,
    };
    const event = buildEventV2(snap, ctx);
    if (streaming && options.invokeStreaming) {
      const decorate = (reply: HttpReply) => withCors(cors, reply, snap);
      await streamReply(
        res,
        options.functionName,
        event,
        options.invokeStreaming,
        extra,
        requestId,
        log,
        decorate,
      );
      return;
    }
    const reply = await integrate({
      functionName: options.functionName,
      event,
      invoke: options.invoke,
      // Function URLs have no integration timeout of their own: the function's timeout applies.
      timeoutMs: undefined,
      errors: FUNCTION_URL_ERRORS,
      requestId,
      log,
      toReply: replyFromResultV2,
    });
    send(res, withCors(cors, reply, snap), extra, snap.method === 'HEAD');
  });
}

interface IntegrateOptions {
  functionName: string;
  event: unknown;
  invoke: InvokeFunction;
  timeoutMs: number | undefined;
  errors: ErrorReplies;
  requestId: string;
  log: IntegrationErrorLog;
  toReply: (payload: Buffer) => HttpReply;
}

/** Invokes the function and maps every outcome to the reply AWS gives for it. */
async function integrate(o: IntegrateOptions): Promise<HttpReply> {
  const fail = (reply: HttpReply, message: string): HttpReply => {
    o.log({ requestId: o.requestId, functionName: o.functionName, message });
    return reply;
  };
  const payload = Buffer.from(JSON.stringify(o.event));
  if (payload.length > LAMBDA_PAYLOAD_LIMIT) {
    return fail(
      o.errors.tooLarge,
      `The event is ${payload.length} bytes, over Lambda's ${LAMBDA_PAYLOAD_LIMIT}`,
    );
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    if (o.timeoutMs !== undefined) timer = setTimeout(() => resolve('timeout'), o.timeoutMs);
  });
  try {
    const result = await Promise.race([o.invoke(o.functionName, payload), timeout]);
    if (result === 'timeout') return fail(o.errors.timeout, `Integration timed out after ${o.timeoutMs} ms`);
    if (result.functionError) {
      return fail(
        o.errors.functionError,
        `Function error (${result.functionError}): ${clip(result.payload)}`,
      );
    }
    if (result.payload.length > LAMBDA_PAYLOAD_LIMIT) {
      return fail(
        o.errors.functionError,
        `The response is ${result.payload.length} bytes, over Lambda's limit`,
      );
    }
    return checkHeaders(o.toReply(result.payload));
  } catch (err) {
    if (err instanceof MalformedResultError) return fail(o.errors.functionError, err.message);
    return fail(o.errors.invokeRejected, `Invoke failed: ${(err as Error).message ?? String(err)}`);
  } finally {
    clearTimeout(timer);
  }
}

async function streamReply(
  res: ServerResponse,
  functionName: string,
  event: unknown,
  invokeStreaming: InvokeStreamingFunction,
  extra: Record<string, string>,
  requestId: string,
  log: IntegrationErrorLog,
  decorate: (reply: HttpReply) => HttpReply,
): Promise<void> {
  let started = false;
  try {
    const result = await invokeStreaming(functionName, Buffer.from(JSON.stringify(event)));
    if (result.functionError) {
      log({ requestId, functionName, message: `Function error (${result.functionError})` });
      return send(res, FUNCTION_URL_ERRORS.functionError, extra);
    }
    let status = 200;
    let headers: Record<string, string | string[]> = {
      'content-type': result.contentType ?? 'application/octet-stream',
    };
    let body = result.body;
    if (result.contentType?.startsWith(HTTP_INTEGRATION_CONTENT_TYPE)) {
      const prelude = await readStreamPrelude(result.body);
      status = prelude.status;
      headers = { 'content-type': 'application/octet-stream', ...prelude.headers };
      body = prelude.rest;
    }
    const head = decorate(checkHeaders({ status, headers, body: Buffer.alloc(0) }));
    res.writeHead(status, { ...filterHeaders(head.headers), ...extra });
    started = true;
    res.flushHeaders();
    for await (const chunk of body) res.write(chunk);
    res.end();
  } catch (err) {
    log({ requestId, functionName, message: `Streaming failed: ${(err as Error).message ?? String(err)}` });
    // Once bytes went out, a mid-stream error can only cut the connection, as Lambda does.
    if (started) res.destroy();
    else send(res, FUNCTION_URL_ERRORS.functionError, extra);
  }
}

/** Rejects header names/values Node would refuse to write, as AWS rejects such a response. */
function checkHeaders(reply: HttpReply): HttpReply {
  for (const [name, value] of Object.entries(reply.headers)) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name))
      throw new MalformedResultError(`invalid header name "${name}"`);
    for (const v of Array.isArray(value) ? value : [value]) {
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we reject
      if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(v) || /[^\u0000-\u00ff]/.test(v)) {
        throw new MalformedResultError(`invalid value for header "${name}"`);
      }
    }
  }
  return reply;
}

async function readOrReply(
  req: IncomingMessage,
  res: ServerResponse,
  limit: number,
  errors: ErrorReplies,
  extra: Record<string, string>,
): Promise<RequestSnapshot | undefined> {
  try {
    return await readRequestSnapshot(req, limit);
  } catch (err) {
    if (err instanceof PayloadTooLargeError) {
      send(res, errors.tooLarge, { ...extra, connection: 'close' });
      return undefined;
    }
    throw err;
  }
}

function send(res: ServerResponse, reply: HttpReply, extra: Record<string, string>, head = false): void {
  const headers = { ...filterHeaders(reply.headers), ...extra, 'content-length': String(reply.body.length) };
  res.writeHead(reply.status, headers);
  res.end(head ? undefined : reply.body);
}

function filterHeaders(headers: Record<string, string | string[]>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers))
    if (!HOP_BY_HOP.has(name.toLowerCase())) out[name] = value;
  return out;
}

function frontDoor(handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>): FrontDoor {
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      await handler(req, res);
    } catch (err) {
      // A bug in the emulator, not something AWS would do: say so rather than hang the client.
      console.error('apigw front door failed:', err);
      if (!res.headersSent) send(res, json(500, '{"message":"Emulator front door error; see its log"}'), {});
      else res.destroy();
    }
  };
  return {
    handle,
    listen: async ({ port = 0, host = '127.0.0.1', timeouts } = {}) => {
      const bounds = listenerTimeouts(timeouts);
      const server = createServer(serverOptions(bounds), (req, res) => {
        guardBodyIdle(req, res, bounds.bodyIdleTimeoutMs);
        void handle(req, res);
      });
      // Requests Node's HTTP parser refuses (unknown method tokens, heads over 16 KiB, bad framing) never reach
      // the handler; answer them in JSON like every other front-door error instead of Node's bare status line.
      server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
        const busy = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent;
        if (err.code === 'ECONNRESET' || !socket.writable || busy) {
          socket.destroy();
          return;
        }
        const status =
          err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
        const body = JSON.stringify({ message: STATUS_CODES[status] });
        // A HEAD answer carries no body (the raw packet starts with the request line when it was read).
        const head = (err as { rawPacket?: Buffer }).rawPacket?.subarray(0, 5).toString('latin1') === 'HEAD ';
        socket.end(
          `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${head ? '' : body}`,
        );
      });
      await new Promise<void>((resolve, reject) => {
        server.once('error', (cause) => reject(new ListenError(host, port, { cause })));
        server.listen(port, host, () => resolve());
      });
      const address = server.address() as AddressInfo;
      return {
        url: `http://${host}:${address.port}`,
        port: address.port,
        close: () =>
          new Promise<void>((resolve) => {
            server.closeAllConnections();
            server.close(() => resolve());
          }),
      };
    },
  };
}

function routesOf(
  routes: readonly ApiRoute[] | undefined,
  functionName: string | undefined,
  single: () => ApiRoute[],
): readonly ApiRoute[] {
  if (routes && routes.length > 0) return routes;
  if (!functionName) throw new FrontDoorConfigError('Give the front door `routes` or a `functionName`');
  return single();
}

function withCors(cors: CorsPolicy | undefined, reply: HttpReply, snap: RequestSnapshot): HttpReply {
  return cors ? cors.decorate(reply, headerOf(snap, 'origin')) : reply;
}

function headerOf(snap: RequestSnapshot, name: string): string | undefined {
  return snap.rawHeaders.find(([k]) => k.toLowerCase() === name)?.[1];
}

function safeDecodePath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/** A stable 32-character lower-case id per function, like AWS's URL ids. */
function urlIdFor(functionName: string): string {
  let h = 0x811c9dc5;
  let out = '';
  for (let round = 0; out.length < 32; round++) {
    for (const c of `${functionName}#${round}`) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
    out += h.toString(36);
  }
  return out.slice(0, 32);
}

function clip(payload: Buffer): string {
  const s = payload.toString('utf8');
  return s.length > 500 ? `${s.slice(0, 500)}…` : s;
}

const defaultIntegrationLog: IntegrationErrorLog = (e) =>
  console.error(`[apigw] ${e.requestId} ${e.functionName}: ${e.message}`);
