/**
 * The only place that knows AWS event shapes: API Gateway REST (payload 1.0), HTTP API (payload 2.0),
 * Lambda function URLs and ALB (with or without multi-value headers) become a web `Request`, and a web
 * `Response` becomes the result shape the event's source accepts. Every field read here is checked first,
 * so a malformed event is a 400, never a `TypeError` deeper in.
 * @module
 */
import { STATUS_CODES } from 'node:http';
import type {
  ALBEvent,
  ALBResult,
  APIGatewayProxyEvent,
  APIGatewayProxyEventV2,
  APIGatewayProxyResult,
  APIGatewayProxyStructuredResultV2,
  LambdaFunctionURLEvent,
  LambdaFunctionURLResult,
} from 'aws-lambda';
import { ErrorCode, HttpError } from '../errors.js';

/** Any event this function accepts. */
export type HttpEvent = APIGatewayProxyEvent | APIGatewayProxyEventV2 | LambdaFunctionURLEvent | ALBEvent;

/** Any result this function returns. */
export type HttpResult =
  | APIGatewayProxyResult
  | APIGatewayProxyStructuredResultV2
  | LambdaFunctionURLResult
  | ALBResult;

/** Where an event came from; decides how the request is read and the result shaped. */
export const EventSource = {
  REST_API: 'apigw-v1',
  HTTP_API: 'apigw-v2',
  FUNCTION_URL: 'function-url',
  ALB: 'alb',
  UNKNOWN: 'unknown',
} as const;
export type EventSource = (typeof EventSource)[keyof typeof EventSource];

/** What the adapter needs to know about an event to answer it. */
export interface EventInfo {
  readonly source: EventSource;
  /** ALB only: the target group has multi-value headers on, so the result must use `multiValueHeaders`. */
  readonly multiValueHeaders: boolean;
}

/** Methods `new Request()` refuses outright: answered 405 before we get that far. */
const FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);
const METHOD_PATTERN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const BASE64_PATTERN = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** Response content types sent as text; anything else goes back base64-encoded. */
const TEXT_CONTENT_TYPE =
  /^(?:text\/|application\/(?:[\w.+-]+\+)?(?:json|xml|javascript|x-www-form-urlencoded)\b)/i;

/** Allowed methods, also sent in `Allow` on 405. */
export const ALLOWED_METHODS = ['GET', 'POST', 'OPTIONS'] as const;

/**
 * Tells the four event shapes apart by the fields AWS documents for each. Never throws.
 * @example
 * describeEvent({ version: '2.0', requestContext: { http: {...}, domainName: 'x.lambda-url.eu-west-1.on.aws' } }).source
 * // 'function-url'
 */
export function describeEvent(event: unknown): EventInfo {
  const unknown: EventInfo = { source: EventSource.UNKNOWN, multiValueHeaders: false };
  if (!isRecord(event) || !isRecord(event.requestContext)) return unknown;
  const ctx = event.requestContext;
  if (isRecord(ctx.elb)) {
    return { source: EventSource.ALB, multiValueHeaders: isRecord(event.multiValueHeaders) };
  }
  if (event.version === '2.0' && isRecord(ctx.http)) {
    const domain = typeof ctx.domainName === 'string' ? ctx.domainName : '';
    const source = domain.includes('.lambda-url.') ? EventSource.FUNCTION_URL : EventSource.HTTP_API;
    return { source, multiValueHeaders: false };
  }
  if (typeof event.httpMethod === 'string' && (event.version === undefined || event.version === '1.0')) {
    return { source: EventSource.REST_API, multiValueHeaders: false };
  }
  return unknown;
}

/**
 * One header of a raw event, looked up without trusting its shape (for answering an event `toRequest` refused).
 * Case-insensitive over `headers`, then `multiValueHeaders`; `null` when absent or not a string.
 */
export function headerOf(event: unknown, name: string): string | null {
  if (typeof event !== 'object' || event === null) return null;
  const wanted = name.toLowerCase();
  const { headers, multiValueHeaders } = event as { headers?: unknown; multiValueHeaders?: unknown };
  for (const [source, pick] of [
    [headers, (v: unknown) => v],
    [multiValueHeaders, (v: unknown) => (Array.isArray(v) ? v[0] : undefined)],
  ] as const) {
    if (typeof source !== 'object' || source === null) continue;
    for (const [key, value] of Object.entries(source)) {
      const picked = pick(value);
      if (key.toLowerCase() === wanted && typeof picked === 'string') return picked;
    }
  }
  return null;
}

/**
 * Turns an API Gateway / function URL / ALB event into a web `Request`. The URL's path is the event's path
 * (minus a named HTTP API stage) and its query string is rebuilt from the event, decoded once: ALB passes
 * query strings undecoded, so they are percent-decoded here (strictly).
 * @throws {HttpError} 400 `INVALID_REQUEST` for a malformed event, 400 `INVALID_ENCODING` for bad percent-encoding,
 *   405 for methods `Request` cannot carry.
 */
export function toRequest(event: unknown): Request {
  const info = describeEvent(event);
  if (info.source === EventSource.UNKNOWN || !isRecord(event)) {
    throw invalid('the event is not an API Gateway, function URL or ALB HTTP event');
  }
  const fields =
    info.source === EventSource.HTTP_API || info.source === EventSource.FUNCTION_URL
      ? readV2(event)
      : readV1OrAlb(event, info.source === EventSource.ALB);
  const method = fields.method.toUpperCase();
  if (!METHOD_PATTERN.test(method)) throw invalid(`the HTTP method "${clip(fields.method)}" is not a token`);
  if (FORBIDDEN_METHODS.has(method)) {
    throw new HttpError(
      405,
      ErrorCode.METHOD_NOT_ALLOWED,
      `Method ${method} is not allowed on this resource`,
      {
        headers: { allow: ALLOWED_METHODS.join(', ') },
      },
    );
  }
  if (!fields.path.startsWith('/')) throw invalid(`the path "${clip(fields.path)}" does not start with "/"`);

  const headers = new Headers();
  try {
    for (const [name, value] of fields.headers) headers.append(name, value);
  } catch (cause) {
    throw invalid('a header name or value is not valid HTTP', cause);
  }
  const query = new URLSearchParams();
  for (const [name, value] of fields.query) query.append(name, value);

  let url: URL;
  try {
    url = new URL(`https://localhost${fields.path}`);
  } catch (cause) {
    throw invalid(`the path "${clip(fields.path)}" is not a valid URL path`, cause);
  }
  url.search = query.toString();

  let body: Uint8Array | undefined;
  if (fields.body !== undefined && method !== 'GET' && method !== 'HEAD') {
    if (fields.isBase64Encoded) {
      const compact = fields.body.replace(/\s+/g, '');
      if (!BASE64_PATTERN.test(compact))
        throw invalid('the body is marked isBase64Encoded but is not base64');
      body = Buffer.from(compact, 'base64');
    } else {
      body = Buffer.from(fields.body, 'utf8');
    }
  }
  return new Request(url, { method, headers, ...(body ? { body } : {}) });
}

/**
 * Shapes a web `Response` for the event's source: v1 puts repeated headers (`set-cookie`) in
 * `multiValueHeaders`, v2 and function URLs put cookies in `cookies`, ALB adds `statusDescription` and uses
 * `multiValueHeaders` exactly when the target group does. Text bodies stay text; others are base64-encoded.
 */
export async function toResult(res: Response, event: unknown): Promise<HttpResult> {
  const info = describeEvent(event);
  const bytes = Buffer.from(await res.arrayBuffer());
  const contentType = res.headers.get('content-type') ?? '';
  const isText = bytes.length === 0 || TEXT_CONTENT_TYPE.test(contentType);
  const body = isText ? bytes.toString('utf8') : bytes.toString('base64');
  const isBase64Encoded = !isText;
  const cookies = res.headers.getSetCookie();
  const single: Record<string, string> = {};
  for (const [name, value] of res.headers) {
    if (name !== 'set-cookie') single[name] = value;
  }

  switch (info.source) {
    case EventSource.REST_API: {
      const result: APIGatewayProxyResult = {
        statusCode: res.status,
        headers: single,
        body,
        isBase64Encoded,
      };
      if (cookies.length > 0) result.multiValueHeaders = { 'set-cookie': cookies };
      return result;
    }
    case EventSource.ALB: {
      const statusDescription = `${res.status} ${STATUS_CODES[res.status] ?? 'Unknown'}`;
      if (info.multiValueHeaders) {
        const multi: Record<string, string[]> = {};
        for (const [name, value] of Object.entries(single)) multi[name] = [value];
        if (cookies.length > 0) multi['set-cookie'] = cookies;
        return { statusCode: res.status, statusDescription, multiValueHeaders: multi, body, isBase64Encoded };
      }
      // Without multi-value headers ALB can carry one Set-Cookie only.
      const headers = cookies.length > 0 ? { ...single, 'set-cookie': cookies.at(-1) ?? '' } : single;
      return { statusCode: res.status, statusDescription, headers, body, isBase64Encoded };
    }
    default: {
      const result: APIGatewayProxyStructuredResultV2 = {
        statusCode: res.status,
        headers: single,
        body,
        isBase64Encoded,
      };
      if (cookies.length > 0) result.cookies = cookies;
      return result;
    }
  }
}

interface RequestFields {
  method: string;
  path: string;
  headers: Array<[string, string]>;
  query: Array<[string, string]>;
  body: string | undefined;
  isBase64Encoded: boolean;
}

function readV2(event: Record<string, unknown>): RequestFields {
  const ctx = event.requestContext as Record<string, unknown>;
  const http = ctx.http as Record<string, unknown>;
  const method = requireString(http.method, 'requestContext.http.method');
  let path = requireString(event.rawPath ?? http.path, 'rawPath');
  // A named HTTP API stage appears in rawPath ("/prod/..."); routes are relative to the stage.
  const stage = ctx.stage;
  if (typeof stage === 'string' && stage !== '$default' && stage !== '') {
    if (path === `/${stage}`) path = '/';
    else if (path.startsWith(`/${stage}/`)) path = path.slice(stage.length + 1);
  }
  const headers = stringMap(event.headers, 'headers');
  const cookies = optional(event.cookies, 'cookies', (v) =>
    Array.isArray(v) && v.every((c) => typeof c === 'string') ? (v as string[]) : undefined,
  );
  if (cookies && cookies.length > 0) headers.push(['cookie', cookies.join('; ')]);
  const raw = optional(event.rawQueryString, 'rawQueryString', (v) =>
    typeof v === 'string' ? v : undefined,
  );
  return {
    method,
    path,
    headers,
    query: parseRawQuery(raw ?? ''),
    body: readBody(event.body),
    isBase64Encoded: readFlag(event.isBase64Encoded),
  };
}

function readV1OrAlb(event: Record<string, unknown>, isAlb: boolean): RequestFields {
  const method = requireString(event.httpMethod, 'httpMethod');
  const path = requireString(event.path, 'path');
  const multiHeaders = multiMap(event.multiValueHeaders, 'multiValueHeaders');
  const headers = multiHeaders ?? stringMap(event.headers, 'headers');
  const multiQuery = multiMap(event.multiValueQueryStringParameters, 'multiValueQueryStringParameters');
  let query = multiQuery ?? stringMap(event.queryStringParameters, 'queryStringParameters');
  // ALB hands the query string over as sent (still percent-encoded); API Gateway has already decoded it.
  if (isAlb) query = query.map(([k, v]) => [decodeComponent(k), decodeComponent(v)]);
  return {
    method,
    path,
    headers,
    query,
    body: readBody(event.body),
    isBase64Encoded: readFlag(event.isBase64Encoded),
  };
}

/** Splits a raw query string the way URLSearchParams does, but rejects malformed percent-encoding. */
function parseRawQuery(raw: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const part of raw.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = eq === -1 ? part : part.slice(0, eq);
    const value = eq === -1 ? '' : part.slice(eq + 1);
    pairs.push([decodeComponent(name), decodeComponent(value)]);
  }
  return pairs;
}

function decodeComponent(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch (cause) {
    throw new HttpError(
      400,
      ErrorCode.INVALID_ENCODING,
      `The query string has invalid percent-encoding in "${clip(s)}"; encode "%" as "%25"`,
      { cause },
    );
  }
}

function readBody(body: unknown): string | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body !== 'string') throw invalid('the body is not a string');
  return body;
}

function readFlag(flag: unknown): boolean {
  if (flag === undefined || flag === null) return false;
  if (typeof flag !== 'boolean') throw invalid('isBase64Encoded is not a boolean');
  return flag;
}

function stringMap(value: unknown, field: string): Array<[string, string]> {
  if (value === undefined || value === null) return [];
  if (!isRecord(value)) throw invalid(`${field} is not an object`);
  const pairs: Array<[string, string]> = [];
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string') throw invalid(`${field}.${clip(k)} is not a string`);
    pairs.push([k, v]);
  }
  return pairs;
}

function multiMap(value: unknown, field: string): Array<[string, string]> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) throw invalid(`${field} is not an object`);
  const pairs: Array<[string, string]> = [];
  for (const [k, list] of Object.entries(value)) {
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list) || !list.every((v) => typeof v === 'string')) {
      throw invalid(`${field}.${clip(k)} is not an array of strings`);
    }
    for (const v of list as string[]) pairs.push([k, v]);
  }
  return pairs;
}

function requireString(value: unknown, field: string): string {
  if (typeof value !== 'string') throw invalid(`${field} is missing or not a string`);
  return value;
}

function optional<T>(value: unknown, field: string, read: (v: unknown) => T | undefined): T | undefined {
  if (value === undefined || value === null) return undefined;
  const result = read(value);
  if (result === undefined) throw invalid(`${field} has the wrong type`);
  return result;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(reason: string, cause?: unknown): HttpError {
  return new HttpError(400, ErrorCode.INVALID_REQUEST, `Invalid request: ${reason}`, { cause });
}

/** Keeps echoed client input short in messages and logs. */
function clip(s: string): string {
  return s.length > 64 ? `${s.slice(0, 64)}…` : s;
}
