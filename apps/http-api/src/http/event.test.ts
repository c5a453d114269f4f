import { describe, expect, it } from 'vitest';
import { loadFixture } from '../../test/load-fixture.js';
import { HttpError } from '../errors.js';
import { describeEvent, EventSource, toRequest, toResult } from './event.js';

function expectHttpError(fn: () => unknown, status: number, code: string): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).status).toBe(status);
    expect((err as HttpError).code).toBe(code);
    return;
  }
  throw new Error('expected an HttpError');
}

describe('describeEvent', () => {
  it.each([
    ['apigw-v1', 'get-text', EventSource.REST_API, false],
    ['apigw-v2', 'get-text', EventSource.HTTP_API, false],
    ['function-url', 'get-text', EventSource.FUNCTION_URL, false],
    ['alb', 'get-text', EventSource.ALB, false],
    ['alb', 'get-text-multi-value', EventSource.ALB, true],
  ])('recognises %s/%s', (source, name, expected, multi) => {
    const info = describeEvent(loadFixture(source, name));
    expect(info).toEqual({ source: expected, multiValueHeaders: multi });
  });

  it('calls anything else unknown without throwing', () => {
    for (const event of [
      null,
      42,
      'x',
      [],
      {},
      { requestContext: 1 },
      { requestContext: {}, version: '3.0' },
    ]) {
      expect(describeEvent(event).source).toBe(EventSource.UNKNOWN);
    }
  });
});

describe('toRequest', () => {
  it('reads a REST (v1) event: method, path, decoded query, multi-value headers', () => {
    const req = toRequest(loadFixture('apigw-v1', 'get-text'));
    const url = new URL(req.url);
    expect(req.method).toBe('GET');
    expect(url.pathname).toBe('/');
    expect(url.searchParams.get('text')).toBe('hello world');
    expect(url.searchParams.get('seed')).toBe('42');
    expect(req.headers.get('user-agent')).toBe('curl/8.5.0');
  });

  it('decodes a base64 v1 body', async () => {
    const req = toRequest(loadFixture('apigw-v1', 'post-base64'));
    expect(await req.json()).toEqual({ text: 'base64 body', seed: 7 });
  });

  it('reads a v2 event from rawQueryString and moves cookies into the Cookie header', () => {
    const req = toRequest(loadFixture('apigw-v2', 'get-text'));
    const url = new URL(req.url);
    expect(url.searchParams.get('text')).toBe('hello world');
    expect(url.searchParams.get('probability')).toBe('0.5');
    expect(req.headers.get('cookie')).toBe('session=abc123; theme=dark');
  });

  it('strips a named HTTP API stage from rawPath', () => {
    const req = toRequest(loadFixture('apigw-v2', 'get-named-stage'));
    expect(new URL(req.url).pathname).toBe('/capitalize');
  });

  it('decodes "+" and UTF-8 percent-escapes in a function URL query', () => {
    const req = toRequest(loadFixture('function-url', 'get-text'));
    expect(new URL(req.url).searchParams.get('text')).toBe('café au lait');
  });

  it('percent-decodes ALB query strings, which ALB leaves encoded', () => {
    for (const name of ['get-text', 'get-text-multi-value']) {
      const req = toRequest(loadFixture('alb', name));
      expect(new URL(req.url).searchParams.get('text')).toBe('café au lait');
    }
  });

  it('keeps every value of a multi-value ALB header', () => {
    const req = toRequest(loadFixture('alb', 'get-text-multi-value'));
    expect(req.headers.get('x-forwarded-for')).toBe('72.21.198.66, 10.0.0.1');
  });

  it('ignores a body on GET (ALB sends one in its documented sample)', () => {
    expect(toRequest(loadFixture('alb', 'get-text')).body).toBeNull();
  });

  it('rejects invalid percent-encoding with 400 INVALID_ENCODING', () => {
    expectHttpError(
      () => toRequest(loadFixture('function-url', 'get-bad-encoding')),
      400,
      'INVALID_ENCODING',
    );
    expectHttpError(() => toRequest(loadFixture('alb', 'get-bad-encoding')), 400, 'INVALID_ENCODING');
  });

  it.each([
    ['not an event', { hello: 'world' }],
    ['v2 without method', { version: '2.0', rawPath: '/', requestContext: { http: {} } }],
    ['v1 headers not an object', { httpMethod: 'GET', path: '/', headers: 'x', requestContext: {} }],
    ['v1 header value not a string', { httpMethod: 'GET', path: '/', headers: { a: 1 }, requestContext: {} }],
    ['path without slash', { httpMethod: 'GET', path: 'x', requestContext: {} }],
    ['bad base64', { httpMethod: 'POST', path: '/', body: '***', isBase64Encoded: true, requestContext: {} }],
    ['body not a string', { httpMethod: 'POST', path: '/', body: {}, requestContext: {} }],
    ['header with newline', { httpMethod: 'GET', path: '/', headers: { a: 'x\ny' }, requestContext: {} }],
    ['method not a token', { httpMethod: 'G T', path: '/', requestContext: {} }],
  ])('rejects a malformed event (%s) with 400 INVALID_REQUEST', (_name, event) => {
    expectHttpError(() => toRequest(event), 400, 'INVALID_REQUEST');
  });

  it('answers methods Request cannot carry with 405', () => {
    expectHttpError(
      () => toRequest({ httpMethod: 'TRACE', path: '/', requestContext: {} }),
      405,
      'METHOD_NOT_ALLOWED',
    );
  });
});

describe('toResult', () => {
  function response(): Response {
    const headers = new Headers({ 'content-type': 'application/json; charset=utf-8', 'x-one': '1' });
    headers.append('set-cookie', 'a=1; Path=/');
    headers.append('set-cookie', 'b=2; Path=/');
    return new Response('{"text":"hI"}', { status: 201, headers });
  }

  it('puts repeated Set-Cookie headers in multiValueHeaders for REST (v1)', async () => {
    const result = await toResult(response(), loadFixture('apigw-v1', 'get-text'));
    expect(result).toEqual({
      statusCode: 201,
      headers: { 'content-type': 'application/json; charset=utf-8', 'x-one': '1' },
      multiValueHeaders: { 'set-cookie': ['a=1; Path=/', 'b=2; Path=/'] },
      body: '{"text":"hI"}',
      isBase64Encoded: false,
    });
  });

  it('puts cookies in `cookies` for HTTP API and function URLs', async () => {
    for (const source of ['apigw-v2', 'function-url']) {
      const result = await toResult(response(), loadFixture(source, 'get-text'));
      expect(result).toMatchObject({
        statusCode: 201,
        cookies: ['a=1; Path=/', 'b=2; Path=/'],
        isBase64Encoded: false,
      });
      expect((result as { headers: Record<string, string> }).headers['set-cookie']).toBeUndefined();
    }
  });

  it('adds statusDescription for ALB and uses multiValueHeaders only when the target group does', async () => {
    const single = await toResult(response(), loadFixture('alb', 'get-text'));
    expect(single).toMatchObject({ statusCode: 201, statusDescription: '201 Created' });
    expect(single).not.toHaveProperty('multiValueHeaders');
    const multi = await toResult(response(), loadFixture('alb', 'get-text-multi-value'));
    expect(multi).toMatchObject({
      statusDescription: '201 Created',
      multiValueHeaders: { 'x-one': ['1'], 'set-cookie': ['a=1; Path=/', 'b=2; Path=/'] },
    });
    expect(multi).not.toHaveProperty('headers');
  });

  it('base64-encodes binary bodies', async () => {
    const res = new Response(new Uint8Array([0, 255, 1]), { headers: { 'content-type': 'image/png' } });
    const result = await toResult(res, loadFixture('apigw-v2', 'get-text'));
    expect(result).toMatchObject({ body: 'AP8B', isBase64Encoded: true });
  });
});
