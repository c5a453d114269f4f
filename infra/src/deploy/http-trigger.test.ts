import type { ApiGatewayV2Client } from '@aws-sdk/client-apigatewayv2';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { defineStack } from '../../stack.js';
import type { HttpTrigger } from '../stack.js';
import {
  corsFor,
  deployHttpTrigger,
  httpStatementId,
  permissionInput,
  planHttpTrigger,
} from './http-trigger.js';

const stack = defineStack({});
const arn = 'arn:aws:lambda:us-east-1:000000000000:function:caprice-http-api';
const apiOnly: HttpTrigger = {
  function: 'caprice-http-api',
  httpApi: true,
  functionUrl: false,
  corsOrigins: [],
};
const urlOnly: HttpTrigger = { ...apiOnly, httpApi: false, functionUrl: true };
const api = {
  apiId: 'abc123',
  endpoint: 'https://abc123.execute-api.us-east-1.amazonaws.com',
  integrationUri: arn,
};
const calls = (steps: { call: string }[]) => steps.map((s) => s.call);

describe('planHttpTrigger: HTTP API', () => {
  it('quick-creates the API, then lets API Gateway invoke the function', () => {
    expect(calls(planHttpTrigger(apiOnly, arn, { statementIds: new Set() }))).toEqual([
      'CreateApi',
      'AddPermission',
    ]);
  });

  it('makes no call when the API, its target, its CORS and the permission are in place', () => {
    const state = { api, statementIds: new Set([httpStatementId('apigateway', 'abc123')]) };
    expect(planHttpTrigger(apiOnly, arn, state)).toEqual([]);
  });

  it('updates the API when the integration points elsewhere or CORS differs, naming which', () => {
    const ids = new Set([httpStatementId('apigateway', 'abc123')]);
    expect(
      planHttpTrigger(apiOnly, arn, { api: { ...api, integrationUri: 'arn:old' }, statementIds: ids }),
    ).toEqual([{ call: 'UpdateApi', reason: 'integration target changed', target: true, cors: false }]);
    const withCors = { ...apiOnly, corsOrigins: ['https://example.com'] };
    expect(planHttpTrigger(withCors, arn, { api, statementIds: ids })).toEqual([
      { call: 'UpdateApi', reason: 'CORS changed', target: false, cors: true },
    ]);
    expect(
      planHttpTrigger(withCors, arn, { api: { ...api, cors: corsFor(withCors)! }, statementIds: ids }),
    ).toEqual([]);
  });

  it('scopes the permission to this account’s API', () => {
    expect(permissionInput('apigateway', stack, 'caprice-http-api', 'abc123')).toMatchObject({
      StatementId: 'caprice-apigw-abc123',
      Principal: 'apigateway.amazonaws.com',
      SourceArn: 'arn:aws:execute-api:us-east-1:000000000000:abc123/*/*',
      SourceAccount: '000000000000',
    });
  });
});

describe('planHttpTrigger: function URL', () => {
  it('creates the URL and both public permissions', () => {
    const steps = planHttpTrigger(urlOnly, arn, { statementIds: new Set() });
    expect(steps.map((s) => ('permission' in s ? `${s.call}:${s.permission}` : s.call))).toEqual([
      'CreateFunctionUrlConfig',
      'AddPermission:functionUrl',
      'AddPermission:functionUrlInvoke',
    ]);
    expect(permissionInput('functionUrl', stack, 'f', '')).toMatchObject({
      Action: 'lambda:InvokeFunctionUrl',
      FunctionUrlAuthType: 'NONE',
    });
    expect(permissionInput('functionUrlInvoke', stack, 'f', '')).toMatchObject({
      Action: 'lambda:InvokeFunction',
      InvokedViaFunctionUrl: true,
    });
  });

  it('updates an IAM-auth URL or different CORS, and does nothing when all is in place', () => {
    const ids = new Set([httpStatementId('functionUrl'), httpStatementId('functionUrlInvoke')]);
    const url = { url: 'https://x.lambda-url.us-east-1.on.aws/', authType: 'NONE' };
    expect(planHttpTrigger(urlOnly, arn, { functionUrl: url, statementIds: ids })).toEqual([]);
    expect(
      calls(
        planHttpTrigger(urlOnly, arn, { functionUrl: { ...url, authType: 'AWS_IAM' }, statementIds: ids }),
      ),
    ).toEqual(['UpdateFunctionUrlConfig']);
  });

  it('never adds CORS the stack did not ask for', () => {
    expect(corsFor(urlOnly)).toBeUndefined();
  });
});

describe('the HTTP trigger in the stack', () => {
  it('is an HTTP API without CORS by default; the environment adds a function URL and origins', () => {
    expect(defineStack({}).triggers.http).toEqual({
      function: 'caprice-http-api',
      httpApi: true,
      functionUrl: false,
      corsOrigins: [],
    });
    expect(
      defineStack({
        CAPRICE_HTTP_API: '0',
        CAPRICE_FUNCTION_URL: '1',
        CAPRICE_CORS_ORIGINS: 'https://a.example, https://b.example',
      }).triggers.http,
    ).toMatchObject({
      httpApi: false,
      functionUrl: true,
      corsOrigins: ['https://a.example', 'https://b.example'],
    });
  });

  it('refuses an origin that is not one', () => {
    expect(() => defineStack({ CAPRICE_CORS_ORIGINS: 'example.com/path' })).toThrow(
      /corsOrigins is "example.com\/path"; expected an origin such as https:\/\/example.com/,
    );
  });
});

type Sent = { readonly call: string; readonly input: Record<string, unknown> };

/**
 * The injected API Gateway v2 and Lambda clients, as a tiny in-memory account: APIs made by quick create keep
 * their Lambda integration, AddPermission adds to the function's policy (a reused Sid conflicts, as on AWS).
 * The emulator has no API Gateway control plane, so this is where deployHttpTrigger's own calls are checked.
 */
function fakeAccount() {
  const sent: Sent[] = [];
  const apis: {
    ApiId: string;
    Name: string;
    ProtocolType: string;
    ApiEndpoint: string;
    CorsConfiguration?: unknown;
    target: string;
  }[] = [];
  const statements: { Sid: string }[] = [];
  const client = (answer: (call: string, input: Record<string, unknown>) => unknown) =>
    ({
      async send(command: { constructor: { name: string }; input: Record<string, unknown> }) {
        const call = command.constructor.name.replace(/Command$/, '');
        sent.push({ call, input: command.input });
        const out = answer(call, command.input);
        if (out instanceof Error) throw out;
        return out;
      },
    }) as unknown;
  const named = (name: string, message: string) => Object.assign(new Error(message), { name });
  const apigw = client((call, input) => {
    switch (call) {
      case 'GetApis':
        return { Items: apis.map(({ target: _, ...api }) => api) };
      case 'GetIntegrations': {
        const api = apis.find((a) => a.ApiId === input.ApiId);
        return { Items: api ? [{ IntegrationType: 'AWS_PROXY', IntegrationUri: api.target }] : [] };
      }
      case 'CreateApi': {
        const ApiId = `api${apis.length + 1}`;
        const api = {
          ApiId,
          Name: String(input.Name),
          ProtocolType: String(input.ProtocolType),
          ApiEndpoint: `https://${ApiId}.execute-api.us-east-1.amazonaws.com`,
          ...(input.CorsConfiguration ? { CorsConfiguration: input.CorsConfiguration } : {}),
          target: String(input.Target),
        };
        apis.push(api);
        return { ApiId, ApiEndpoint: api.ApiEndpoint };
      }
      case 'UpdateApi': {
        const api = apis.find((a) => a.ApiId === input.ApiId);
        if (!api) return named('NotFoundException', 'Invalid API identifier specified');
        if (input.Target) api.target = String(input.Target);
        if (input.CorsConfiguration) api.CorsConfiguration = input.CorsConfiguration;
        return { ApiId: api.ApiId };
      }
      default:
        return new Error(`unexpected API Gateway call ${call}`);
    }
  }) as ApiGatewayV2Client;
  const lambda = client((call, input) => {
    switch (call) {
      case 'GetPolicy':
        return statements.length
          ? { Policy: JSON.stringify({ Version: '2012-10-17', Statement: statements }) }
          : named('ResourceNotFoundException', 'The resource you requested does not exist.');
      case 'GetFunctionUrlConfig':
        return named('ResourceNotFoundException', 'The resource you requested does not exist.');
      case 'AddPermission':
        if (statements.some((s) => s.Sid === input.StatementId)) {
          return named(
            'ResourceConflictException',
            `The statement id (${input.StatementId}) provided already exists.`,
          );
        }
        statements.push({ Sid: String(input.StatementId) });
        return { Statement: '{}' };
      default:
        return new Error(`unexpected Lambda call ${call}`);
    }
  }) as LambdaClient;
  return { apigw, lambda, sent, apis };
}

describe('deployHttpTrigger on AWS (injected API Gateway v2 and Lambda clients)', () => {
  const READ = /^(Get|List)/;

  it('quick-creates the HTTP API with the function as target, then lets only that API invoke it', async () => {
    const account = fakeAccount();
    const lines: string[] = [];
    const out = await deployHttpTrigger(stack, arn, account, { log: (l) => lines.push(l) });
    const mutations = account.sent.filter((s) => !READ.test(s.call));
    expect(mutations).toEqual([
      { call: 'CreateApi', input: { Name: 'caprice-http-api', ProtocolType: 'HTTP', Target: arn } },
      {
        call: 'AddPermission',
        input: {
          FunctionName: 'caprice-http-api',
          StatementId: 'caprice-apigw-api1',
          Action: 'lambda:InvokeFunction',
          Principal: 'apigateway.amazonaws.com',
          SourceArn: 'arn:aws:execute-api:us-east-1:000000000000:api1/*/*',
          SourceAccount: '000000000000',
        },
      },
    ]);
    expect(out.endpoints).toEqual(['https://api1.execute-api.us-east-1.amazonaws.com']);
    expect(lines).toEqual([
      'http trigger: calling CreateApi (HTTP API caprice-http-api does not exist (quick create))',
      'http trigger: calling AddPermission (apigateway.amazonaws.com may not invoke caprice-http-api yet)',
    ]);
  });

  it('a second run reads only and still reports the endpoint', async () => {
    const account = fakeAccount();
    await deployHttpTrigger(stack, arn, account);
    account.sent.length = 0;
    const again = await deployHttpTrigger(stack, arn, account);
    expect(again.steps).toEqual([]);
    expect(account.sent.map((s) => s.call)).toEqual(['GetApis', 'GetIntegrations', 'GetPolicy']);
    expect(again.endpoints).toEqual(['https://api1.execute-api.us-east-1.amazonaws.com']);
  });

  it('moves the API to a new target and CORS with UpdateApi, keeping its permission', async () => {
    const account = fakeAccount();
    await deployHttpTrigger(stack, 'arn:aws:lambda:us-east-1:000000000000:function:old', account);
    const withCors = defineStack({ CAPRICE_CORS_ORIGINS: 'https://app.example' });
    account.sent.length = 0;
    await deployHttpTrigger(withCors, arn, account);
    expect(account.sent.filter((s) => !READ.test(s.call))).toEqual([
      {
        call: 'UpdateApi',
        input: { ApiId: 'api1', Target: arn, CorsConfiguration: corsFor(withCors.triggers.http!) },
      },
    ]);
    expect(account.apis[0]).toMatchObject({ target: arn });
  });

  it('--dry-run prints each call and why, and sends nothing that mutates', async () => {
    const account = fakeAccount();
    const lines: string[] = [];
    const urlToo = defineStack({ CAPRICE_FUNCTION_URL: '1' });
    const out = await deployHttpTrigger(urlToo, arn, account, { dryRun: true, log: (l) => lines.push(l) });
    expect(account.sent.filter((s) => !READ.test(s.call))).toEqual([]);
    expect(out.steps.map((s) => s.call)).toEqual([
      'CreateApi',
      'AddPermission',
      'CreateFunctionUrlConfig',
      'AddPermission',
      'AddPermission',
    ]);
    expect(lines).toEqual([
      'http trigger: would call CreateApi (HTTP API caprice-http-api does not exist (quick create))',
      'http trigger: would call AddPermission (apigateway.amazonaws.com may not invoke caprice-http-api yet)',
      'http trigger: would call CreateFunctionUrlConfig (caprice-http-api has no function URL)',
      'http trigger: would call AddPermission (the public URL may not invoke yet (functionUrl))',
      'http trigger: would call AddPermission (the public URL may not invoke yet (functionUrlInvoke))',
    ]);
  });
});
