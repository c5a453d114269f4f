import type { EventContext } from './event-context.js';
import { dict, formatRequestTime } from './event-context.js';
import type { RequestSnapshot } from './request-snapshot.js';
import { isTextContentType, isValidUtf8, matchesMediaType } from './text-content-type.js';
import type { ProxyEventV1 } from './types.js';

export interface EventV1Options {
  /** `rest` for a REST API (no `version`, header case kept); `http` for an HTTP API with payload format 1.0. */
  readonly flavor: 'rest' | 'http';
  /** REST only: bodies of these media types arrive base64-encoded; others as (UTF-8) text, like AWS. */
  readonly binaryMediaTypes: readonly string[];
}

/**
 * Builds a REST API proxy event (or an HTTP API payload 1.0 event): `headers` and `queryStringParameters`
 * keep the last value of a repeated name, the `multiValue*` fields keep all of them, and absent maps are `null`.
 * @see {@link https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html}
 */
export function buildEventV1(
  snap: RequestSnapshot,
  ctx: EventContext,
  options: EventV1Options,
): ProxyEventV1 {
  const headers = dict<string>();
  const multiHeaders = dict<string[]>();
  for (const [rawName, value] of snap.rawHeaders) {
    const name = options.flavor === 'http' ? rawName.toLowerCase() : rawName;
    headers[name] = value;
    append(multiHeaders, name, value);
  }
  const query = dict<string>();
  const multiQuery = dict<string[]>();
  for (const [k, v] of new URLSearchParams(snap.rawQuery)) {
    query[k] = v;
    append(multiQuery, k, v);
  }
  const contentType = Object.entries(headers).find(([k]) => k.toLowerCase() === 'content-type')?.[1];
  let body: string | null = null;
  let isBase64Encoded = false;
  if (snap.body.length > 0) {
    const binary =
      options.flavor === 'rest'
        ? matchesMediaType(contentType, options.binaryMediaTypes)
        : !(isTextContentType(contentType) && isValidUtf8(snap.body));
    body = binary ? snap.body.toString('base64') : snap.body.toString('utf8');
    isBase64Encoded = binary;
  }
  const hasHeaders = snap.rawHeaders.length > 0;
  const hasQuery = Object.keys(query).length > 0;
  const stagePath =
    options.flavor === 'rest' ? `/${ctx.stage}${ctx.path === '/' ? '/' : ctx.path}` : ctx.path;
  const event: ProxyEventV1 = {
    resource: ctx.resource,
    path: ctx.path,
    httpMethod: snap.method,
    headers: hasHeaders ? headers : null,
    multiValueHeaders: hasHeaders ? multiHeaders : null,
    queryStringParameters: hasQuery ? query : null,
    multiValueQueryStringParameters: hasQuery ? multiQuery : null,
    pathParameters: Object.keys(ctx.pathParameters).length > 0 ? { ...ctx.pathParameters } : null,
    stageVariables: Object.keys(ctx.stageVariables).length > 0 ? { ...ctx.stageVariables } : null,
    requestContext: {
      accountId: ctx.accountId,
      apiId: ctx.apiId,
      domainName: ctx.domainName,
      domainPrefix: ctx.domainName.split('.')[0] ?? ctx.apiId,
      extendedRequestId: ctx.requestId,
      httpMethod: snap.method,
      identity: {
        accessKey: null,
        accountId: null,
        caller: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: snap.sourceIp,
        user: null,
        userAgent: snap.userAgent,
        userArn: null,
      },
      path: stagePath,
      protocol: snap.protocol,
      requestId: ctx.requestId,
      requestTime: formatRequestTime(snap.time),
      requestTimeEpoch: snap.time.getTime(),
      resourceId: null,
      resourcePath: ctx.resource,
      stage: ctx.stage,
    },
    body,
    isBase64Encoded,
  };
  // SAM #6442: REST events carry no `version`; HTTP API payload 1.0 events do.
  if (options.flavor === 'http') return { version: '1.0', ...event };
  return event;
}

function append(map: Record<string, string[]>, key: string, value: string): void {
  const list = map[key];
  if (list) list.push(value);
  else map[key] = [value];
}
