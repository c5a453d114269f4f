import type { EventContext } from './event-context.js';
import { dict, formatRequestTime } from './event-context.js';
import type { RequestSnapshot } from './request-snapshot.js';
import { isTextContentType, isValidUtf8 } from './text-content-type.js';
import type { HttpApiEventV2 } from './types.js';

/**
 * Builds an HTTP API / function URL event (payload 2.0) as AWS does: header names lower-cased and repeated
 * headers joined with ",", `Cookie` moved into `cookies`, `queryStringParameters` decoded with repeats joined
 * with ",", empty fields left out, and binary bodies base64-encoded.
 * @see {@link https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html}
 */
export function buildEventV2(snap: RequestSnapshot, ctx: EventContext): HttpApiEventV2 {
  const headers = dict<string>();
  const cookies: string[] = [];
  for (const [rawName, value] of snap.rawHeaders) {
    const name = rawName.toLowerCase();
    if (name === 'cookie') {
      for (const c of value.split(';')) if (c.trim() !== '') cookies.push(c.trim());
      continue;
    }
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  const query = dict<string>();
  for (const [k, v] of new URLSearchParams(snap.rawQuery)) {
    query[k] = k in query ? `${query[k]},${v}` : v;
  }
  const event: HttpApiEventV2 = {
    version: '2.0',
    routeKey: ctx.routeKey,
    rawPath: ctx.path,
    rawQueryString: snap.rawQuery,
    headers,
    requestContext: {
      accountId: ctx.accountId,
      apiId: ctx.apiId,
      domainName: ctx.domainName,
      domainPrefix: ctx.domainName.split('.')[0] ?? ctx.apiId,
      http: {
        method: snap.method,
        path: ctx.path,
        protocol: snap.protocol,
        sourceIp: snap.sourceIp,
        userAgent: snap.userAgent,
      },
      requestId: ctx.requestId,
      routeKey: ctx.routeKey,
      stage: ctx.stage,
      time: formatRequestTime(snap.time),
      timeEpoch: snap.time.getTime(),
    },
    isBase64Encoded: false,
  };
  if (cookies.length > 0) event.cookies = cookies;
  if (Object.keys(query).length > 0) event.queryStringParameters = query;
  if (Object.keys(ctx.pathParameters).length > 0) event.pathParameters = { ...ctx.pathParameters };
  if (Object.keys(ctx.stageVariables).length > 0) event.stageVariables = { ...ctx.stageVariables };
  if (snap.body.length > 0) {
    const text = isTextContentType(headers['content-type']) && isValidUtf8(snap.body);
    event.body = text ? snap.body.toString('utf8') : snap.body.toString('base64');
    event.isBase64Encoded = !text;
  }
  return event;
}
