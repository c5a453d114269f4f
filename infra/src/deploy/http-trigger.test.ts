import { describe, expect, it } from 'vitest';
import { defineStack, type HttpTrigger } from '../stack.js';
import { corsFor, httpStatementId, permissionInput, planHttpTrigger } from './http-trigger.js';

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
