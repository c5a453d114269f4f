import { afterEach, describe, expect, it } from 'vitest';
import { createRestApiFrontDoor } from '../../src/apigw/index.js';
import type { ProxyEventV1 } from '../../src/apigw/types.js';
import { FunctionFailure, fakeInvoke, logSink, rawGet, rawRequest, serve } from './helpers.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((c) => c()));
});

const ok = { statusCode: 200, body: 'ok' };

describe('createRestApiFrontDoor', () => {
  it('builds a REST proxy event: no version, header case kept, last value wins, multi-value maps, stage path', async () => {
    // Prepare
    const fake = fakeInvoke(() => ok);
    const routes = [{ routeKey: 'GET /items/{id}', functionName: 'fn' }];
    const { url } = await serve(
      createRestApiFrontDoor({ routes, stage: 'prod', invoke: fake.invoke }),
      cleanup,
    );
    // Act
    const res = await rawGet(url, '/prod/items/42?q=1&q=2', { 'X-Multi': ['a', 'b'], 'User-Agent': 'ua' });
    // Assess
    expect(res.status).toBe(200);
    expect(res.headers['x-amzn-requestid']).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers['x-amzn-trace-id']).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
    const event = fake.events[0] as unknown as ProxyEventV1;
    expect(event).not.toHaveProperty('version');
    expect(event).toMatchObject({
      resource: '/items/{id}',
      path: '/items/42',
      httpMethod: 'GET',
      queryStringParameters: { q: '2' },
      multiValueQueryStringParameters: { q: ['1', '2'] },
      pathParameters: { id: '42' },
      stageVariables: null,
      body: null,
      isBase64Encoded: false,
    });
    expect(event.headers?.['X-Multi']).toBe('b');
    expect(event.multiValueHeaders?.['X-Multi']).toEqual(['a', 'b']);
    expect(event.requestContext).toMatchObject({
      httpMethod: 'GET',
      path: '/prod/items/42',
      resourcePath: '/items/{id}',
      stage: 'prod',
      identity: { sourceIp: '127.0.0.1', userAgent: 'ua' },
    });
    expect(event.requestContext.requestId).toBe(res.headers['x-amzn-requestid']);
    expect(event.requestContext.requestTime).toMatch(
      /^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/,
    );
    expect(event.requestContext.requestTimeEpoch).toBeGreaterThan(Date.parse('2020-01-01'));
    expect(event.requestContext.protocol).toBe('HTTP/1.1');
  });

  it('keeps the path and pathParameters percent-encoded, as REST APIs do', async () => {
    // An AWS-recorded REST proxy event (localstack tests/aws/services/apigateway/test_apigateway_lambda.snapshot.json,
    // "invocation-payload-with-path-encoded-email"): ".../api/user/test%2Balias@gmail.com" arrives with `path`,
    // `requestContext.path` and `pathParameters.proxy` all still encoded.
    const fake = fakeInvoke(() => ok);
    const routes = [{ routeKey: 'GET /user/{email}', functionName: 'fn' }];
    const { port } = await serve(
      createRestApiFrontDoor({ routes, stage: 'prod', invoke: fake.invoke }),
      cleanup,
    );
    expect(await rawRequest(port, '/prod/user/test%2Balias@example.com')).toBe(200);
    expect(fake.events[0]).toMatchObject({
      path: '/user/test%2Balias@example.com',
      pathParameters: { email: 'test%2Balias@example.com' },
      requestContext: { path: '/prod/user/test%2Balias@example.com' },
    });
  });

  it('answers unknown resources and stages with 403 Missing Authentication Token', async () => {
    const fake = fakeInvoke(() => ok);
    const routes = [{ routeKey: 'GET /items', functionName: 'fn' }];
    const { url } = await serve(
      createRestApiFrontDoor({ routes, stage: 'prod', invoke: fake.invoke }),
      cleanup,
    );
    for (const path of ['/prod/other', '/items', '/dev/items']) {
      const res = await fetch(url + path);
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({ message: 'Missing Authentication Token' });
      expect(res.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
    }
    const post = await fetch(`${url}/prod/items`, { method: 'POST' });
    expect(post.status).toBe(403);
    expect(fake.events).toHaveLength(0);
  });

  it('with a functionName, proxies / and everything below it', async () => {
    const fake = fakeInvoke(() => ok);
    const { url } = await serve(createRestApiFrontDoor({ functionName: 'fn', invoke: fake.invoke }), cleanup);
    expect((await fetch(`${url}/prod/`)).status).toBe(200);
    expect((await fetch(`${url}/prod/a/b`)).status).toBe(200);
    expect((await fetch(`${url}/prod/a/b/`)).status).toBe(200);
    // As recorded on AWS: "/test-path/" gives path "/test-path/" and proxy "test-path".
    expect(fake.events.map((e) => [e.resource, e.path, e.pathParameters])).toEqual([
      ['/', '/', null],
      ['/{proxy+}', '/a/b', { proxy: 'a/b' }],
      ['/{proxy+}', '/a/b/', { proxy: 'a/b' }],
    ]);
  });

  it('passes bodies as text unless their type is a binary media type', async () => {
    const fake = fakeInvoke(() => ok);
    const door = createRestApiFrontDoor({
      functionName: 'fn',
      invoke: fake.invoke,
      binaryMediaTypes: ['image/*'],
    });
    const { url } = await serve(door, cleanup);
    await fetch(`${url}/prod/`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: 'abc' });
    await fetch(`${url}/prod/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-thing' },
      body: 'abc',
    });
    expect(fake.events.map((e) => [e.body, e.isBase64Encoded])).toEqual([
      ['YWJj', true],
      ['abc', false],
    ]);
  });

  it('merges headers and multiValueHeaders, multiValueHeaders winning', async () => {
    const fake = fakeInvoke(() => ({
      statusCode: 202,
      headers: { 'x-a': 'single', 'x-b': 'only' },
      multiValueHeaders: { 'x-a': ['m1', 'm2'], 'set-cookie': ['a=1', 'b=2'] },
      body: 'done',
    }));
    const { url } = await serve(createRestApiFrontDoor({ functionName: 'fn', invoke: fake.invoke }), cleanup);
    const res = await fetch(`${url}/prod/`);
    expect(res.status).toBe(202);
    expect(res.headers.get('x-a')).toBe('m1, m2');
    expect(res.headers.get('x-b')).toBe('only');
    expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(await res.text()).toBe('done');
  });

  it('decodes a base64 response body only for a binary media type', async () => {
    const body = Buffer.from('PNG!').toString('base64');
    const fake = fakeInvoke(() => ({
      statusCode: 200,
      headers: { 'content-type': 'image/png' },
      body,
      isBase64Encoded: true,
    }));
    const plain = await serve(createRestApiFrontDoor({ functionName: 'fn', invoke: fake.invoke }), cleanup);
    expect(await (await fetch(`${plain.url}/prod/`)).text()).toBe(body);
    const door = createRestApiFrontDoor({
      functionName: 'fn',
      invoke: fake.invoke,
      binaryMediaTypes: ['image/png'],
    });
    const binary = await serve(door, cleanup);
    expect(await (await fetch(`${binary.url}/prod/`)).text()).toBe('PNG!');
  });

  it.each([
    ['a function error', new FunctionFailure()],
    ['a result without statusCode', { body: 'x' }],
    ['a bare string', 'hello'],
    ['multiValueHeaders that are not arrays', { statusCode: 200, multiValueHeaders: { a: 'b' } }],
    ["a result over Lambda's 6 MB", { statusCode: 200, body: 'x'.repeat(6 * 1024 * 1024) }],
  ])('answers %s with 502 {"message": "Internal server error"}', async (_name, result) => {
    const sink = logSink();
    const fake = fakeInvoke(() => result);
    const door = createRestApiFrontDoor({
      functionName: 'fn',
      invoke: fake.invoke,
      onIntegrationError: sink.log,
    });
    const { url } = await serve(door, cleanup);
    const res = await fetch(`${url}/prod/`);
    expect(res.status).toBe(502);
    expect(await res.text()).toBe('{"message": "Internal server error"}');
    expect(res.headers.get('x-amzn-errortype')).toBe('InternalServerErrorException');
    expect(sink.lines).toHaveLength(1);
  });

  it('answers 504 "Endpoint request timed out" after the integration timeout', async () => {
    const fake = fakeInvoke(() => new Promise(() => {}));
    const door = createRestApiFrontDoor({
      functionName: 'fn',
      invoke: fake.invoke,
      integrationTimeoutMs: 50,
      onIntegrationError: () => {},
    });
    const { url } = await serve(door, cleanup);
    const res = await fetch(`${url}/prod/`);
    expect(res.status).toBe(504);
    expect(await res.json()).toEqual({ message: 'Endpoint request timed out' });
  });

  it('refuses a $default route (REST APIs have none)', () => {
    expect(() =>
      createRestApiFrontDoor({
        routes: [{ routeKey: '$default', functionName: 'fn' }],
        invoke: fakeInvoke(() => ok).invoke,
      }),
    ).toThrow(/no \$default/);
  });
});
