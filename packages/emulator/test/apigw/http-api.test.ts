import { afterEach, describe, expect, it } from 'vitest';
import {
  createHttpApiFrontDoor,
  DEFAULT_INTEGRATION_TIMEOUT_MS,
  HTTP_API_INTEGRATION_TIMEOUT_MS,
} from '../../src/apigw/index.js';
import type { HttpApiEventV2 } from '../../src/apigw/types.js';
import { FunctionFailure, fakeInvoke, logSink, rawGet, rawRequest, serve } from './helpers.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((c) => c()));
});

const ok = { statusCode: 200, body: 'ok' };

describe('createHttpApiFrontDoor (payload 2.0)', () => {
  it('builds a 2.0 event like AWS: raw and decoded query, joined headers, cookies, requestContext', async () => {
    // Prepare
    const fake = fakeInvoke(() => ok);
    const { url } = await serve(createHttpApiFrontDoor({ functionName: 'fn', invoke: fake.invoke }), cleanup);
    // Act
    // Raw node:http so the header really goes out twice (fetch would join the values itself).
    const res = await rawGet(url, '/my/path?a=1&a=2&b=x%20y&c=caf%C3%A9', {
      'x-multi': ['one', 'two'],
      cookie: 'c1=v1; c2=v2',
      'user-agent': 'test-agent',
    });
    // Assess
    expect(res.status).toBe(200);
    expect(res.headers['apigw-requestid']).toMatch(/^[A-Za-z0-9]{15}=$/);
    const event = fake.events[0] as unknown as HttpApiEventV2;
    expect(fake.names).toEqual(['fn']);
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: '$default',
      rawPath: '/my/path',
      rawQueryString: 'a=1&a=2&b=x%20y&c=caf%C3%A9',
      cookies: ['c1=v1', 'c2=v2'],
      queryStringParameters: { a: '1,2', b: 'x y', c: 'café' },
      isBase64Encoded: false,
    });
    expect(event.headers['x-multi']).toBe('one,two');
    expect(event.headers.cookie).toBeUndefined();
    expect(event.body).toBeUndefined();
    expect(event.pathParameters).toBeUndefined();
    expect(event.requestContext).toMatchObject({
      accountId: '000000000000',
      apiId: 'localapi01',
      domainName: 'localapi01.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'localapi01',
      http: {
        method: 'GET',
        path: '/my/path',
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'test-agent',
      },
      routeKey: '$default',
      stage: '$default',
    });
    expect(event.requestContext.requestId).toBe(res.headers['apigw-requestid']);
    expect(event.requestContext.time).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
    expect(typeof event.requestContext.timeEpoch).toBe('number');
  });

  it('sends text bodies as text and binary (or untyped) bodies base64-encoded', async () => {
    const fake = fakeInvoke(() => ok);
    const { url } = await serve(createHttpApiFrontDoor({ functionName: 'fn', invoke: fake.invoke }), cleanup);
    await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":"é"}' });
    await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'image/png' },
      body: new Uint8Array([0, 1, 255]),
    });
    await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: new Uint8Array([0xff, 0xfe]),
    });
    expect(fake.events.map((e) => [e.body, e.isBase64Encoded])).toEqual([
      ['{"a":"é"}', false],
      ['AAH/', true],
      ['//4=', true],
    ]);
  });

  it('matches routes most-specific first and fills pathParameters and routeKey', async () => {
    const fake = fakeInvoke(() => ok);
    const routes = [
      { routeKey: 'GET /items/{id}', functionName: 'get-item' },
      { routeKey: 'GET /items/special', functionName: 'special' },
      { routeKey: 'ANY /files/{path+}', functionName: 'files' },
      { routeKey: '$default', functionName: 'fallback' },
    ];
    const { url } = await serve(createHttpApiFrontDoor({ routes, invoke: fake.invoke }), cleanup);
    await fetch(`${url}/items/a%20b`);
    await fetch(`${url}/items/special`);
    await fetch(`${url}/files/x/y.txt`, {
      method: 'PUT',
      body: 'z',
      headers: { 'content-type': 'text/plain' },
    });
    await fetch(`${url}/elsewhere`);
    expect(fake.names).toEqual(['get-item', 'special', 'files', 'fallback']);
    expect(fake.events.map((e) => [e.routeKey, e.pathParameters])).toEqual([
      ['GET /items/{id}', { id: 'a b' }],
      ['GET /items/special', undefined],
      ['ANY /files/{path+}', { path: 'x/y.txt' }],
      ['$default', undefined],
    ]);
  });

  it('answers 404 {"message":"Not Found"} without a matching route', async () => {
    const fake = fakeInvoke(() => ok);
    const routes = [{ routeKey: 'GET /only', functionName: 'fn' }];
    const { url } = await serve(createHttpApiFrontDoor({ routes, invoke: fake.invoke }), cleanup);
    const res = await fetch(`${url}/other`);
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('{"message":"Not Found"}');
    expect(fake.events).toHaveLength(0);
  });

  it('serves a named stage under its prefix and keeps the prefix in rawPath', async () => {
    const fake = fakeInvoke(() => ok);
    const routes = [{ routeKey: 'GET /hello', functionName: 'fn' }];
    const door = createHttpApiFrontDoor({ routes, stage: 'prod', invoke: fake.invoke });
    const { url } = await serve(door, cleanup);
    expect((await fetch(`${url}/prod/hello`)).status).toBe(200);
    expect((await fetch(`${url}/hello`)).status).toBe(404);
    expect(fake.events[0]).toMatchObject({ rawPath: '/prod/hello', requestContext: { stage: 'prod' } });
  });

  it('turns a structured result into HTTP: status, headers, cookies, base64 body', async () => {
    const fake = fakeInvoke(() => ({
      statusCode: 201,
      headers: { 'x-a': 'b', 'content-type': 'image/png', 'x-num': 5 },
      cookies: ['s=1; Path=/', 't=2'],
      body: Buffer.from([1, 2, 3]).toString('base64'),
      isBase64Encoded: true,
    }));
    const { url } = await serve(createHttpApiFrontDoor({ functionName: 'fn', invoke: fake.invoke }), cleanup);
    const res = await fetch(url);
    expect(res.status).toBe(201);
    expect(res.headers.get('x-a')).toBe('b');
    expect(res.headers.get('x-num')).toBe('5');
    expect(res.headers.getSetCookie()).toEqual(['s=1; Path=/', 't=2']);
    expect([...new Uint8Array(await res.arrayBuffer())]).toEqual([1, 2, 3]);
  });

  it.each([
    ['a string', 'Hello from Lambda!', 'Hello from Lambda!'],
    ['an object without statusCode', { message: 'hi' }, '{"message":"hi"}'],
    ['a number', 42, '42'],
    ['null', null, 'null'],
  ])('infers a 200 application/json response from %s, as AWS does', async (_name, result, body) => {
    const fake = fakeInvoke(() => result);
    const { url } = await serve(createHttpApiFrontDoor({ functionName: 'fn', invoke: fake.invoke }), cleanup);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.text()).toBe(body);
  });

  it.each([
    ['a function error', new FunctionFailure()],
    ['a non-JSON payload', Buffer.from('not json')],
    ['a bad statusCode', { statusCode: 'abc' }],
    ['a non-string body', { statusCode: 200, body: { a: 1 } }],
    ['a header with a newline', { statusCode: 200, headers: { 'x-a': 'a\nb' } }],
  ])('answers %s with 500 {"message":"Internal Server Error"} and logs why', async (_name, result) => {
    const sink = logSink();
    const fake = fakeInvoke(() => result);
    const door = createHttpApiFrontDoor({
      functionName: 'fn',
      invoke: fake.invoke,
      onIntegrationError: sink.log,
    });
    const { url } = await serve(door, cleanup);
    const res = await fetch(url);
    expect(res.status).toBe(500);
    expect(await res.text()).toBe('{"message":"Internal Server Error"}');
    expect(sink.lines).toHaveLength(1);
  });

  it('answers 503 {"message":"Service Unavailable"} when the integration times out (REST answers 504)', async () => {
    const sink = logSink();
    const fake = fakeInvoke(() => new Promise(() => {}));
    const door = createHttpApiFrontDoor({
      functionName: 'fn',
      invoke: fake.invoke,
      integrationTimeoutMs: 50,
      onIntegrationError: sink.log,
    });
    const { url } = await serve(door, cleanup);
    const res = await fetch(url);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ message: 'Service Unavailable' });
    expect(sink.lines).toEqual(['Integration timed out after 50 ms']);
  });

  it('answers 413 for a body over 10 MB without invoking', async () => {
    const fake = fakeInvoke(() => ok);
    const { url } = await serve(createHttpApiFrontDoor({ functionName: 'fn', invoke: fake.invoke }), cleanup);
    const res = await fetch(url, { method: 'POST', body: new Uint8Array(10 * 1024 * 1024 + 1) });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ message: 'Request Entity Too Large' });
    expect(fake.events).toHaveLength(0);
  });

  it("answers 413 when the event would exceed Lambda's 6 MB", async () => {
    const fake = fakeInvoke(() => ok);
    const door = createHttpApiFrontDoor({
      functionName: 'fn',
      invoke: fake.invoke,
      onIntegrationError: () => {},
    });
    const { url } = await serve(door, cleanup);
    // 5 MB of binary grows by a third in base64.
    const res = await fetch(url, { method: 'POST', body: new Uint8Array(5 * 1024 * 1024) });
    expect(res.status).toBe(413);
    expect(fake.events).toHaveLength(0);
  });

  it("answers a result over Lambda's 6 MB with 500, as a function error", async () => {
    const sink = logSink();
    // Lambda itself turns such a result into Function.ResponseSizeTooLarge; this is the front door's backstop.
    const fake = fakeInvoke(() => ({ statusCode: 200, body: 'x'.repeat(6 * 1024 * 1024) }));
    const door = createHttpApiFrontDoor({
      functionName: 'fn',
      invoke: fake.invoke,
      onIntegrationError: sink.log,
    });
    const { url } = await serve(door, cleanup);
    const res = await fetch(url);
    expect(res.status).toBe(500);
    expect(await res.text()).toBe('{"message":"Internal Server Error"}');
    expect(sink.lines[0]).toMatch(/over Lambda's limit/);
  });

  it('answers an invoke the data plane rejects with 500', async () => {
    const door = createHttpApiFrontDoor({
      functionName: 'fn',
      invoke: async () => {
        throw new Error('ResourceNotFoundException');
      },
      onIntegrationError: () => {},
    });
    const { url } = await serve(door, cleanup);
    expect((await fetch(url)).status).toBe(500);
  });

  it('answers HEAD without a body', async () => {
    const fake = fakeInvoke(() => ({ statusCode: 200, body: 'hello' }));
    const { url, port } = await serve(
      createHttpApiFrontDoor({ functionName: 'fn', invoke: fake.invoke }),
      cleanup,
    );
    const res = await fetch(url, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe('5');
    expect(port).toBeGreaterThan(0);
  });

  it('delivers the path percent-decoded (as HTTP APIs do) and the query exactly as sent, even odd ones', async () => {
    // HTTP APIs decode the path before the function sees it, %2F included (honojs/hono#2156 shows a live event:
    // "/RSC/%40id%2Fassets%2Frsf0.js%23save.txt" arrives as rawPath "/RSC/@id/assets/rsf0.js#save.txt").
    const fake = fakeInvoke(() => ok);
    const { port } = await serve(
      createHttpApiFrontDoor({ functionName: 'fn', invoke: fake.invoke }),
      cleanup,
    );
    await rawRequest(port, '/a%2Fb/%E2%82%AC%40?x=%ZZ&y=1+2&=&z');
    await rawRequest(port, '/bad%ZZ');
    expect(fake.events[0]).toMatchObject({
      rawPath: '/a/b/€@',
      rawQueryString: 'x=%ZZ&y=1+2&=&z',
      queryStringParameters: { x: '%ZZ', y: '1 2', '': '', z: '' },
      requestContext: { http: { path: '/a/b/€@' } },
    });
    // Invalid percent-encoding cannot be decoded: it is passed on as sent.
    expect(fake.events[1]).toMatchObject({ rawPath: '/bad%ZZ' });
  });

  it('decodes a route parameter once, though the path is matched as sent', async () => {
    const fake = fakeInvoke(() => ok);
    const routes = [{ routeKey: 'GET /items/{id}', functionName: 'fn' }];
    const { port } = await serve(createHttpApiFrontDoor({ routes, invoke: fake.invoke }), cleanup);
    await rawRequest(port, '/items/a%2520b');
    expect(fake.events[0]).toMatchObject({ rawPath: '/items/a%20b', pathParameters: { id: 'a%20b' } });
  });

  it("waits 30 s for the integration by default, an HTTP API's TimeoutInMillis default (REST: 29 s)", () => {
    expect(HTTP_API_INTEGRATION_TIMEOUT_MS).toBe(30_000);
    expect(DEFAULT_INTEGRATION_TIMEOUT_MS).toBe(29_000);
  });
});

describe('createHttpApiFrontDoor (payload 1.0)', () => {
  it('builds a 1.0 event with version "1.0", multi-value maps and lower-case headers', async () => {
    const fake = fakeInvoke(() => ({ statusCode: 200, multiValueHeaders: { 'x-m': ['1', '2'] }, body: 'x' }));
    const door = createHttpApiFrontDoor({
      functionName: 'fn',
      invoke: fake.invoke,
      payloadFormatVersion: '1.0',
    });
    const { url } = await serve(door, cleanup);
    const res = await fetch(`${url}/p%20q?a=1&a=2`, { headers: { 'X-Custom': 'v' } });
    expect(res.headers.get('x-m')).toBe('1, 2');
    expect(fake.events[0]).toMatchObject({
      version: '1.0',
      path: '/p q',
      httpMethod: 'GET',
      queryStringParameters: { a: '2' },
      multiValueQueryStringParameters: { a: ['1', '2'] },
      pathParameters: null,
      body: null,
    });
    expect((fake.events[0]!.headers as Record<string, string>)['x-custom']).toBe('v');
  });

  it('does not infer: a result without statusCode is a 500', async () => {
    const fake = fakeInvoke(() => 'just a string');
    const door = createHttpApiFrontDoor({
      functionName: 'fn',
      invoke: fake.invoke,
      payloadFormatVersion: '1.0',
      onIntegrationError: () => {},
    });
    const { url } = await serve(door, cleanup);
    expect((await fetch(url)).status).toBe(500);
  });
});

describe('headers the gateway adds', () => {
  it('appends the client to X-Forwarded-For and sets port, scheme and a trace id', async () => {
    const fake = fakeInvoke(() => ok);
    const { url, port } = await serve(
      createHttpApiFrontDoor({ functionName: 'fn', invoke: fake.invoke }),
      cleanup,
    );
    await rawGet(url, '/', { 'x-forwarded-for': '203.0.113.9' });
    const headers = fake.events[0]!.headers as Record<string, string>;
    expect(headers['x-forwarded-for']).toBe('203.0.113.9, 127.0.0.1');
    expect(headers['x-forwarded-port']).toBe(String(port));
    expect(headers['x-forwarded-proto']).toBe('http');
    expect(headers['x-amzn-trace-id']).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
  });
});
