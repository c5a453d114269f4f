/**
 * Real-shaped sample events for `caprice invoke --event <kind>`: the fields and formats AWS sends (documented
 * samples), with ids and times filled in at call time so each invoke looks like a fresh event.
 */
import { randomUUID } from 'node:crypto';
import type {
  ALBEvent,
  APIGatewayProxyEvent,
  APIGatewayProxyEventV2,
  LambdaFunctionURLEvent,
  S3Event,
  SESEvent,
} from 'aws-lambda';
import type { Stack } from '../stack.js';

export const SAMPLE_EVENT_KINDS = ['s3-put', 'ses', 'apigw-v1', 'apigw-v2', 'url', 'alb'] as const;
export type SampleEventKind = (typeof SAMPLE_EVENT_KINDS)[number];

export interface SampleOptions {
  readonly stack: Stack;
  /** Query text for the HTTP events. */
  readonly text?: string;
  /** Object key for s3-put (unencoded; it is form-URL-encoded as S3 does). */
  readonly key?: string;
  readonly now?: Date;
}

/** S3 encodes keys in events like an HTML form: space → `+`, `+` → `%2B`. */
function s3EncodeKey(key: string): string {
  return encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/');
}

function clf(date: Date): string {
  const m = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][
    date.getUTCMonth()
  ];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(date.getUTCDate())}/${m}/${date.getUTCFullYear()}:${p(date.getUTCHours())}:${p(date.getUTCMinutes())}:${p(date.getUTCSeconds())} +0000`;
}

/** Builds one sample event of `kind`. */
export function sampleEvent(kind: SampleEventKind, options: SampleOptions): unknown {
  const now = options.now ?? new Date();
  const { stack } = options;
  const text = options.text ?? 'hello from caprice invoke';
  const query = `text=${encodeURIComponent(text)}`;
  const requestId = randomUUID();
  const email = stack.triggers.email;
  switch (kind) {
    case 's3-put': {
      const key = options.key ?? `${email?.keyPrefix ?? ''}sample message`;
      const event: S3Event = {
        Records: [
          {
            eventVersion: '2.1',
            eventSource: 'aws:s3',
            awsRegion: stack.region,
            eventTime: now.toISOString(),
            eventName: 'ObjectCreated:Put',
            userIdentity: { principalId: 'AWS:AIDAEXAMPLE' },
            requestParameters: { sourceIPAddress: '127.0.0.1' },
            responseElements: {
              'x-amz-request-id': requestId.slice(0, 16).toUpperCase(),
              'x-amz-id-2': randomUUID(),
            },
            s3: {
              s3SchemaVersion: '1.0',
              configurationId: `caprice-${email?.function ?? 'sample'}`,
              bucket: {
                name: email?.bucket ?? 'caprice-sample',
                ownerIdentity: { principalId: 'A3NL1KOZZKExample' },
                arn: `arn:aws:s3:::${email?.bucket ?? 'caprice-sample'}`,
              },
              object: {
                key: s3EncodeKey(key),
                size: 1024,
                eTag: '0123456789abcdef0123456789abcdef',
                sequencer: now.getTime().toString(16).toUpperCase().padStart(18, '0'),
              },
            },
          },
        ],
      };
      return event;
    }
    case 'ses': {
      const messageId = randomUUID().replace(/-/g, '').slice(0, 20);
      const recipient = email?.recipients[0] ?? 'bot@example.com';
      const pass = { status: 'PASS' as const };
      const event: SESEvent = {
        Records: [
          {
            eventSource: 'aws:ses',
            eventVersion: '1.0',
            ses: {
              mail: {
                timestamp: now.toISOString(),
                source: 'sender@example.com',
                messageId,
                destination: [recipient],
                headersTruncated: false,
                headers: [
                  { name: 'From', value: 'Sender <sender@example.com>' },
                  { name: 'To', value: recipient },
                  { name: 'Subject', value: 'Sample' },
                  { name: 'Message-ID', value: `<${messageId}@example.com>` },
                ],
                commonHeaders: {
                  returnPath: 'sender@example.com',
                  from: ['Sender <sender@example.com>'],
                  date: now.toUTCString(),
                  to: [recipient],
                  messageId: `<${messageId}@example.com>`,
                  subject: 'Sample',
                },
              },
              receipt: {
                timestamp: now.toISOString(),
                processingTimeMillis: 12,
                recipients: [recipient],
                spamVerdict: pass,
                virusVerdict: pass,
                spfVerdict: pass,
                dkimVerdict: pass,
                dmarcVerdict: pass,
                dmarcPolicy: 'none',
                action: {
                  type: 'Lambda',
                  functionArn: `arn:aws:lambda:${stack.region}:${stack.account}:function:${email?.function ?? 'sample'}`,
                  invocationType: 'Event',
                },
              },
            },
          },
        ],
      };
      return event;
    }
    case 'apigw-v1': {
      const event: APIGatewayProxyEvent = {
        resource: '/',
        path: '/',
        httpMethod: 'GET',
        headers: { Accept: 'application/json', Host: 'localhost', 'User-Agent': 'caprice-invoke' },
        multiValueHeaders: {
          Accept: ['application/json'],
          Host: ['localhost'],
          'User-Agent': ['caprice-invoke'],
        },
        queryStringParameters: { text },
        multiValueQueryStringParameters: { text: [text] },
        pathParameters: null,
        stageVariables: null,
        body: null,
        isBase64Encoded: false,
        requestContext: {
          accountId: stack.account,
          apiId: 'localapi01',
          authorizer: undefined,
          domainName: 'localhost',
          domainPrefix: 'localhost',
          extendedRequestId: requestId,
          httpMethod: 'GET',
          identity: {
            accessKey: null,
            accountId: null,
            apiKey: null,
            apiKeyId: null,
            caller: null,
            clientCert: null,
            cognitoAuthenticationProvider: null,
            cognitoAuthenticationType: null,
            cognitoIdentityId: null,
            cognitoIdentityPoolId: null,
            principalOrgId: null,
            sourceIp: '127.0.0.1',
            user: null,
            userAgent: 'caprice-invoke',
            userArn: null,
          },
          path: '/prod/',
          protocol: 'HTTP/1.1',
          requestId,
          requestTime: clf(now),
          requestTimeEpoch: now.getTime(),
          resourceId: 'root',
          resourcePath: '/',
          stage: 'prod',
        },
      };
      return event;
    }
    case 'apigw-v2':
    case 'url': {
      const event: APIGatewayProxyEventV2 = {
        version: '2.0',
        routeKey: kind === 'url' ? '$default' : '$default',
        rawPath: '/',
        rawQueryString: query,
        headers: { accept: 'application/json', host: 'localhost', 'user-agent': 'caprice-invoke' },
        queryStringParameters: { text },
        isBase64Encoded: false,
        requestContext: {
          accountId: kind === 'url' ? 'anonymous' : stack.account,
          apiId: kind === 'url' ? 'urlid0000000000000000000000000000' : 'localapi01',
          domainName: 'localhost',
          domainPrefix: 'localhost',
          http: {
            method: 'GET',
            path: '/',
            protocol: 'HTTP/1.1',
            sourceIp: '127.0.0.1',
            userAgent: 'caprice-invoke',
          },
          requestId,
          routeKey: '$default',
          stage: '$default',
          time: clf(now),
          timeEpoch: now.getTime(),
        },
      };
      return kind === 'url' ? (event as LambdaFunctionURLEvent) : event;
    }
    case 'alb': {
      const event: ALBEvent = {
        requestContext: {
          elb: {
            targetGroupArn: `arn:aws:elasticloadbalancing:${stack.region}:${stack.account}:targetgroup/caprice/0123456789abcdef`,
          },
        },
        httpMethod: 'GET',
        path: '/',
        // ALB passes the query string through without decoding it.
        queryStringParameters: { text: encodeURIComponent(text) },
        headers: { accept: 'application/json', host: 'localhost', 'user-agent': 'caprice-invoke' },
        body: '',
        isBase64Encoded: false,
      };
      return event;
    }
  }
}
