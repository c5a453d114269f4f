import { describe, expect, it } from 'vitest';
import { createFakeCapitalize } from '../test/fake-capitalize.js';
import { loadFixture } from '../test/load-fixture.js';
import { createHandler, type HandlerOptions } from './handler.js';
import { MAX_TEXT_LENGTH } from './routes.js';

type AnyResult = {
  statusCode: number;
  body?: string;
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  statusDescription?: string;
  isBase64Encoded?: boolean;
};

function setup(options: Partial<HandlerOptions> = {}) {
  const logs: Array<Record<string, unknown>> = [];
  const capitalize = createFakeCapitalize();
  const handler = createHandler({ capitalize, log: (e) => logs.push(e), ...options });
  const run = async (event: unknown) => (await handler(event, { awsRequestId: 'req-1' })) as AnyResult;
  return { run, logs, capitalize };
}

/** A v2 event with the given method, query and body, from the documented sample. */
function v2(
  method: string,
  rawQueryString = '',
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const event = loadFixture('apigw-v2', 'get-text');
  delete event.cookies;
  delete event.queryStringParameters;
  (event.requestContext as { http: { method: string } }).http.method = method;
  return { ...event, rawQueryString, ...extra };
}

function errorOf(result: AnyResult): { code: string; message: string } {
  return (JSON.parse(result.body ?? '') as { error: { code: string; message: string } }).error;
}

describe('createHandler', () => {
  it.each([
    ['apigw-v1', 'get-text', 'hello world', { seed: 42 }],
    ['apigw-v1', 'post-json', 'post me', { seed: 7 }],
    ['apigw-v1', 'post-base64', 'base64 body', { seed: 7 }],
    ['apigw-v2', 'get-text', 'hello world', { seed: 42, probability: 0.5 }],
    ['apigw-v2', 'get-named-stage', 'staged', {}],
    ['apigw-v2', 'post-base64', 'base64 body', { seed: 7 }],
    ['function-url', 'get-text', 'café au lait', { seed: 1 }],
    ['function-url', 'post-json', 'plain json body', { probability: 1 }],
    ['alb', 'get-text', 'café au lait', { seed: 3 }],
    ['alb', 'get-text-multi-value', 'café au lait', { seed: 3, probability: 0.25 }],
  ])('answers %s/%s with 200 JSON', async (source, name, text, options) => {
    // Prepare
    const { run, capitalize } = setup();
    // Act
    const result = await run(loadFixture(source, name));
    // Assess
    expect(result.statusCode).toBe(200);
    expect(capitalize.calls).toEqual([[text, options]]);
    const body = JSON.parse(result.body ?? '') as { text: string };
    expect(body.text.toLowerCase()).toBe(text.toLowerCase());
    const contentType = result.headers?.['content-type'] ?? result.multiValueHeaders?.['content-type']?.[0];
    expect(contentType).toBe('application/json; charset=utf-8');
    expect(result.isBase64Encoded).toBe(false);
  });

  it('shapes ALB results with statusDescription, and multiValueHeaders when the event had them', async () => {
    const { run } = setup();
    const single = await run(loadFixture('alb', 'get-text'));
    expect(single.statusDescription).toBe('200 OK');
    expect(single.headers).toBeDefined();
    const multi = await run(loadFixture('alb', 'get-text-multi-value'));
    expect(multi.statusDescription).toBe('200 OK');
    expect(multi.multiValueHeaders?.['content-type']).toEqual(['application/json; charset=utf-8']);
    expect(multi.headers).toBeUndefined();
  });

  it('uses the documented default text when there is none', async () => {
    const { run, capitalize } = setup();
    await run(v2('GET'));
    expect(capitalize.calls[0]?.[0]).toBe('Hello from Caprice, the randomly capitalizing Lambda!');
  });

  it.each([
    ['bad percent-encoding', 'text=%ZZ', 'INVALID_ENCODING'],
    ['negative seed', 'seed=-1', 'INVALID_SEED'],
    ['fractional seed', 'seed=1.5', 'INVALID_SEED'],
    ['huge seed', 'seed=99999999999', 'INVALID_SEED'],
    ['text seed', 'seed=abc', 'INVALID_SEED'],
    ['probability > 1', 'probability=1.5', 'INVALID_PROBABILITY'],
    ['probability hex', 'probability=0x1', 'INVALID_PROBABILITY'],
    ['empty probability', 'probability=', 'INVALID_PROBABILITY'],
  ])('answers GET with %s with 400', async (_name, query, code) => {
    const { run } = setup();
    const result = await run(v2('GET', query));
    expect(result.statusCode).toBe(400);
    expect(errorOf(result).code).toBe(code);
    expect(result.headers?.['content-type']).toBe('application/json; charset=utf-8');
  });

  it.each([
    ['invalid JSON', '{"text":', 'INVALID_JSON'],
    ['a JSON array', '["x"]', 'INVALID_JSON'],
    ['text as number', '{"text":1}', 'INVALID_TEXT'],
    ['seed as string', '{"text":"a","seed":"1"}', 'INVALID_SEED'],
    ['probability as string', '{"text":"a","probability":"1"}', 'INVALID_PROBABILITY'],
    ['probability < 0', '{"text":"a","probability":-0.1}', 'INVALID_PROBABILITY'],
  ])('answers POST with %s with 400', async (_name, body, code) => {
    const { run } = setup();
    const result = await run(v2('POST', '', { body }));
    expect(result.statusCode).toBe(400);
    expect(errorOf(result).code).toBe(code);
  });

  it('answers invalid UTF-8 in a base64 body with 400', async () => {
    const { run } = setup();
    const body = Buffer.from([0x7b, 0xff, 0x7d]).toString('base64');
    const result = await run(v2('POST', '', { body, isBase64Encoded: true }));
    expect(errorOf(result).code).toBe('INVALID_JSON');
  });

  it('answers a non-JSON content type with 415', async () => {
    const { run } = setup();
    const event = v2('POST', '', { body: 'text=a' });
    (event.headers as Record<string, string>)['content-type'] = 'application/x-www-form-urlencoded';
    expect((await run(event)).statusCode).toBe(415);
  });

  it('answers text over the limit with 413, from the query or the body', async () => {
    const { run } = setup();
    const long = 'a'.repeat(MAX_TEXT_LENGTH + 1);
    const fromQuery = await run(v2('GET', `text=${long}`));
    expect(fromQuery.statusCode).toBe(413);
    expect(errorOf(fromQuery).code).toBe('TEXT_TOO_LONG');
    const fromBody = await run(v2('POST', '', { body: JSON.stringify({ text: long }) }));
    expect(fromBody.statusCode).toBe(413);
    // Counted in characters, not UTF-16 units: MAX_TEXT_LENGTH emoji are fine.
    const emoji = await run(v2('POST', '', { body: JSON.stringify({ text: '😀'.repeat(MAX_TEXT_LENGTH) }) }));
    expect(emoji.statusCode).toBe(200);
  });

  it('answers a body over the byte limit with 413', async () => {
    const { run } = setup();
    const result = await run(
      v2('POST', '', { body: JSON.stringify({ text: 'a', pad: 'x'.repeat(70_000) }) }),
    );
    expect(result.statusCode).toBe(413);
    expect(errorOf(result).code).toBe('BODY_TOO_LARGE');
  });

  it.each(['PUT', 'DELETE', 'PATCH', 'HEAD', 'TRACE'])('answers %s with 405 and Allow', async (method) => {
    const { run } = setup();
    const result = await run(v2(method));
    expect(result.statusCode).toBe(405);
    expect(result.headers?.allow).toBe('GET, POST, OPTIONS');
  });

  it('answers unknown paths with 404', async () => {
    const { run } = setup();
    const result = await run({ ...v2('GET'), rawPath: '/nope' });
    expect(result.statusCode).toBe(404);
    expect(errorOf(result).code).toBe('NOT_FOUND');
  });

  it.each([
    ['/capitalize?x', 200],
    ['/#', 200],
    ['/a b', 404],
    ['/100%', 404],
    ['/a/../capitalize', 200],
  ])('reads an HTTP API rawPath that arrives percent-decoded (%s) without a 5xx', async (rawPath, status) => {
    // HTTP APIs decode the path before invoking (the emulator does too): "?", "#", " " and "%" can appear raw.
    const { run, logs } = setup();
    const event = v2('GET', 'text=x');
    (event.requestContext as { http: { path: string } }).http.path = rawPath;
    const result = await run({ ...event, rawPath });
    expect(result.statusCode).toBe(status);
    JSON.parse(result.body ?? '');
    expect(logs).toEqual([]);
  });

  it('answers a malformed event with 400 Invalid request, not 500', async () => {
    const { run, logs } = setup();
    for (const event of [{}, null, 'x', { version: '2.0', requestContext: { http: { method: 5 } } }]) {
      const result = await run(event);
      expect(result.statusCode).toBe(400);
      expect(errorOf(result)).toMatchObject({ code: 'INVALID_REQUEST' });
      expect(errorOf(result).message).toMatch(/^Invalid request/);
    }
    expect(logs).toEqual([]);
  });

  it('answers an internal failure with a generic 500 and logs the details with the request id', async () => {
    const { run, logs } = setup({
      capitalize: () => {
        throw new Error('secret detail');
      },
    });
    const result = await run(v2('GET'));
    expect(result.statusCode).toBe(500);
    expect(errorOf(result).code).toBe('INTERNAL');
    expect(result.body).not.toContain('secret detail');
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({
      level: 'error',
      requestId: 'req-1',
      error: { message: 'secret detail' },
    });
  });

  describe('CORS', () => {
    it('allows no origin by default: the preflight carries no Access-Control-Allow-Origin', async () => {
      const { run } = setup();
      const result = await run(loadFixture('apigw-v2', 'options-preflight'));
      expect(result.statusCode).toBe(204);
      expect(result.headers?.allow).toBe('GET, POST, OPTIONS');
      expect(result.headers?.['access-control-allow-origin']).toBeUndefined();
    });

    it('answers a preflight from a configured origin', async () => {
      const { run } = setup({ corsOrigins: ['https://app.example.com'] });
      const result = await run(loadFixture('apigw-v2', 'options-preflight'));
      expect(result.statusCode).toBe(204);
      expect(result.headers).toMatchObject({
        'access-control-allow-origin': 'https://app.example.com',
        'access-control-allow-methods': 'GET, POST, OPTIONS',
        'access-control-allow-headers': 'content-type',
        vary: 'Origin',
      });
      expect(result.body).toBe('');
    });

    it('refuses a preflight from another origin', async () => {
      const { run } = setup({ corsOrigins: ['https://other.example.com'] });
      const result = await run(loadFixture('apigw-v2', 'options-preflight'));
      expect(result.headers?.['access-control-allow-origin']).toBeUndefined();
    });

    it('adds Access-Control-Allow-Origin to client errors too, so the page can read them', async () => {
      const event = v2('GET', 'seed=x');
      (event.headers as Record<string, string>).origin = 'https://app.example.com';
      const result = await setup({ corsOrigins: ['https://app.example.com'] }).run(event);
      expect(result.statusCode).toBe(400);
      expect(result.headers?.['access-control-allow-origin']).toBe('https://app.example.com');
    });

    it.each([
      ['bad percent-encoding', v2('GET', 'text=100%'), 'INVALID_ENCODING'],
      ['a malformed event', { headers: { Origin: 'https://app.example.com' }, body: 1 }, 'INVALID_REQUEST'],
    ])('adds CORS headers to %s, refused before any route runs', async (_name, event, code) => {
      const withOrigin = event as { headers: Record<string, string> };
      withOrigin.headers.Origin = 'https://app.example.com';
      const result = await setup({ corsOrigins: ['https://app.example.com'] }).run(withOrigin);
      expect(result.statusCode).toBe(400);
      expect(errorOf(result).code).toBe(code);
      expect(result.headers?.['access-control-allow-origin']).toBe('https://app.example.com');
      expect(result.headers?.vary).toBe('Origin');
    });

    it('adds Access-Control-Allow-Origin to a GET from an allowed origin, "*" when configured', async () => {
      const event = v2('GET', 'text=a');
      (event.headers as Record<string, string>).origin = 'https://app.example.com';
      const exact = await setup({ corsOrigins: ['https://app.example.com'] }).run(event);
      expect(exact.headers?.['access-control-allow-origin']).toBe('https://app.example.com');
      const any = await setup({ corsOrigins: ['*'] }).run(event);
      expect(any.headers?.['access-control-allow-origin']).toBe('*');
      const none = await setup().run(event);
      expect(none.headers?.['access-control-allow-origin']).toBeUndefined();
    });
  });
});
