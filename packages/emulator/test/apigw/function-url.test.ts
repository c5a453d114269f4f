import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createFunctionUrlFrontDoor, HTTP_INTEGRATION_CONTENT_TYPE } from '../../src/apigw/index.js';
import type { HttpApiEventV2, InvokeStreamingFunction } from '../../src/apigw/types.js';
import { FunctionFailure, fakeInvoke, serve } from './helpers.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((c) => c()));
});

describe('createFunctionUrlFrontDoor (BUFFERED)', () => {
  it('sends a 2.0 event with the lambda-url domain and the whole path', async () => {
    const fake = fakeInvoke(() => ({ statusCode: 200, body: 'ok' }));
    const door = createFunctionUrlFrontDoor({
      functionName: 'my-fn',
      invoke: fake.invoke,
      region: 'eu-west-1',
    });
    const { url } = await serve(door, cleanup);
    const res = await fetch(`${url}/any/path?x=1`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    const event = fake.events[0] as unknown as HttpApiEventV2;
    expect(fake.names).toEqual(['my-fn']);
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: '$default',
      rawPath: '/any/path',
      rawQueryString: 'x=1',
      requestContext: {
        accountId: 'anonymous',
        stage: '$default',
        http: { method: 'DELETE', path: '/any/path' },
      },
    });
    expect(event.requestContext.domainName).toMatch(/^[a-z0-9]{32}\.lambda-url\.eu-west-1\.on\.aws$/);
    expect(event.requestContext.apiId).toBe(event.requestContext.domainName.split('.')[0]);
    expect(res.headers.get('x-amzn-requestid')).toBe(event.requestContext.requestId);
  });

  it('keeps the path percent-encoded and translates cookies, repeated query names and binary bodies', async () => {
    // Function URLs, unlike HTTP APIs, pass rawPath on as sent (see the HTTP API test for the contrast).
    const fake = fakeInvoke(() => ({ statusCode: 200, body: 'ok' }));
    const { port } = await serve(
      createFunctionUrlFrontDoor({ functionName: 'f', invoke: fake.invoke }),
      cleanup,
    );
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/a%2Fb%20c?k=1&k=2&t=caf%C3%A9',
          headers: { cookie: 'a=1; b=2', 'content-type': 'application/octet-stream', 'x-r': ['1', '2'] },
          timeout: 5000,
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(Buffer.from([0xde, 0xad, 0xbe, 0xef]));
    });
    expect(status).toBe(200);
    const event = fake.events[0] as unknown as HttpApiEventV2;
    expect(event).toMatchObject({
      rawPath: '/a%2Fb%20c',
      rawQueryString: 'k=1&k=2&t=caf%C3%A9',
      queryStringParameters: { k: '1,2', t: 'café' },
      cookies: ['a=1', 'b=2'],
      body: '3q2+7w==',
      isBase64Encoded: true,
      requestContext: { http: { path: '/a%2Fb%20c', sourceIp: '127.0.0.1' } },
    });
    expect(event.headers['x-r']).toBe('1,2');
    expect(event.headers.cookie).toBeUndefined();
  });

  it('infers the response from a bare value, like HTTP APIs', async () => {
    const fake = fakeInvoke(() => ({ hello: 'world' }));
    const { url } = await serve(
      createFunctionUrlFrontDoor({ functionName: 'f', invoke: fake.invoke }),
      cleanup,
    );
    const res = await fetch(url);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({ hello: 'world' });
  });

  it('answers a function error with 502', async () => {
    const fake = fakeInvoke(() => new FunctionFailure());
    const door = createFunctionUrlFrontDoor({
      functionName: 'f',
      invoke: fake.invoke,
      onIntegrationError: () => {},
    });
    const { url } = await serve(door, cleanup);
    const res = await fetch(url);
    expect(res.status).toBe(502);
    expect(await res.text()).toBe('Internal Server Error');
  });

  it('answers 413 for a request over 6 MB', async () => {
    const fake = fakeInvoke(() => ({ statusCode: 200 }));
    const { url } = await serve(
      createFunctionUrlFrontDoor({ functionName: 'f', invoke: fake.invoke }),
      cleanup,
    );
    const res = await fetch(url, { method: 'POST', body: new Uint8Array(6 * 1024 * 1024 + 1) });
    expect(res.status).toBe(413);
    expect(fake.events).toHaveLength(0);
  });
});

describe('createFunctionUrlFrontDoor (RESPONSE_STREAM)', () => {
  /** A streaming invoke whose chunks are released one by one by the test. */
  function controlledStream(contentType: string, first: Uint8Array) {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const invokeStreaming: InvokeStreamingFunction = async () => ({
      contentType,
      body: (async function* () {
        yield first;
        await gate;
        yield Buffer.from(' world');
      })(),
    });
    return { invokeStreaming, release: () => release() };
  }

  it('reads the prelude for status, headers and cookies, and streams the body as it comes', async () => {
    // Prepare
    const prelude = JSON.stringify({ statusCode: 201, headers: { 'x-a': 'b' }, cookies: ['c=1'] });
    const stream = controlledStream(
      HTTP_INTEGRATION_CONTENT_TYPE,
      Buffer.concat([Buffer.from(prelude), Buffer.alloc(8), Buffer.from('hello')]),
    );
    const door = createFunctionUrlFrontDoor({
      functionName: 'f',
      invoke: fakeInvoke(() => null).invoke,
      invokeMode: 'RESPONSE_STREAM',
      invokeStreaming: stream.invokeStreaming,
    });
    const { url } = await serve(door, cleanup);
    // Act
    const res = await fetch(url);
    const reader = res.body!.getReader();
    const first = await reader.read();
    // Assess: the first chunk arrived while the function is still "running".
    expect(res.status).toBe(201);
    expect(res.headers.get('x-a')).toBe('b');
    expect(res.headers.getSetCookie()).toEqual(['c=1']);
    expect(Buffer.from(first.value!).toString()).toBe('hello');
    stream.release();
    let rest = '';
    for (;;) {
      const next = await reader.read();
      if (next.done) break;
      rest += Buffer.from(next.value).toString();
    }
    expect(rest).toBe(' world');
  });

  it('streams a body without prelude as-is with its content type', async () => {
    const stream = controlledStream('text/plain', Buffer.from('hello'));
    stream.release();
    const door = createFunctionUrlFrontDoor({
      functionName: 'f',
      invoke: fakeInvoke(() => null).invoke,
      invokeMode: 'RESPONSE_STREAM',
      invokeStreaming: stream.invokeStreaming,
    });
    const { url } = await serve(door, cleanup);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain');
    expect(await res.text()).toBe('hello world');
  });

  it('answers 502 when the prelude is malformed, and cuts the connection on a mid-stream error', async () => {
    const streams: Record<string, AsyncIterable<Uint8Array>> = {
      '/bad-prelude': (async function* () {
        yield Buffer.concat([Buffer.from('{not json'), Buffer.alloc(8)]);
      })(),
      '/mid-stream': (async function* () {
        yield Buffer.from('partial');
        throw new Error('handler crashed');
      })(),
    };
    const door = createFunctionUrlFrontDoor({
      functionName: 'f',
      invoke: fakeInvoke(() => null).invoke,
      invokeMode: 'RESPONSE_STREAM',
      invokeStreaming: async (_name, payload) => {
        const event = JSON.parse(payload.toString()) as { rawPath: string };
        const contentType = event.rawPath === '/bad-prelude' ? HTTP_INTEGRATION_CONTENT_TYPE : 'text/plain';
        return { contentType, body: streams[event.rawPath]! };
      },
      onIntegrationError: () => {},
    });
    const { url } = await serve(door, cleanup);
    const bad = await fetch(`${url}/bad-prelude`);
    expect(bad.status).toBe(502);
    const cut = await fetch(`${url}/mid-stream`);
    expect(cut.status).toBe(200);
    await expect(cut.text()).rejects.toThrow();
  });

  it('needs an invokeStreaming function', () => {
    expect(() =>
      createFunctionUrlFrontDoor({
        functionName: 'f',
        invoke: fakeInvoke(() => null).invoke,
        invokeMode: 'RESPONSE_STREAM',
      }),
    ).toThrow(/invokeStreaming/);
  });
});
