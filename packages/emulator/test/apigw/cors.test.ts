import { afterEach, describe, expect, it } from 'vitest';
import { createFunctionUrlFrontDoor, createHttpApiFrontDoor } from '../../src/apigw/index.js';
import { fakeInvoke, serve } from './helpers.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((c) => c()));
});

const cors = {
  allowOrigins: ['https://app.example.com'],
  allowMethods: ['GET', 'POST'],
  allowHeaders: ['content-type'],
  exposeHeaders: ['x-request-id'],
  maxAge: 300,
};

describe.each([
  ['HTTP API', createHttpApiFrontDoor],
  ['function URL', createFunctionUrlFrontDoor],
] as const)('%s with a CORS configuration', (_name, create) => {
  it('answers a preflight itself, without invoking the function', async () => {
    // Prepare
    const fake = fakeInvoke(() => ({ statusCode: 200 }));
    const { url } = await serve(create({ functionName: 'fn', invoke: fake.invoke, cors }), cleanup);
    // Act
    const res = await fetch(url, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' },
    });
    // Assess
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(res.headers.get('access-control-allow-methods')).toBe('GET,POST');
    expect(res.headers.get('access-control-allow-headers')).toBe('content-type');
    expect(res.headers.get('access-control-max-age')).toBe('300');
    expect(fake.events).toHaveLength(0);
  });

  it('gives a preflight from another origin no CORS headers', async () => {
    const fake = fakeInvoke(() => ({ statusCode: 200 }));
    const { url } = await serve(create({ functionName: 'fn', invoke: fake.invoke, cors }), cleanup);
    const res = await fetch(url, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'POST' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it("replaces the function's CORS headers with the configured ones", async () => {
    const fake = fakeInvoke(() => ({
      statusCode: 200,
      headers: { 'access-control-allow-origin': '*', 'x-keep': '1' },
      body: 'hi',
    }));
    const { url } = await serve(create({ functionName: 'fn', invoke: fake.invoke, cors }), cleanup);
    const allowed = await fetch(url, { headers: { origin: 'https://app.example.com' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(allowed.headers.get('access-control-expose-headers')).toBe('x-request-id');
    expect(allowed.headers.get('x-keep')).toBe('1');
    const other = await fetch(url, { headers: { origin: 'https://evil.example.com' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('passes OPTIONS to the function when no CORS is configured', async () => {
    const fake = fakeInvoke(() => ({ statusCode: 204 }));
    const { url } = await serve(create({ functionName: 'fn', invoke: fake.invoke }), cleanup);
    const res = await fetch(url, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' },
    });
    expect(res.status).toBe(204);
    expect(fake.events).toHaveLength(1);
  });
});

describe('CORS with only allowOrigins', () => {
  it('answers a preflight with Access-Control-Allow-Origin and no Allow-Methods (browsers then allow GET/HEAD/POST)', async () => {
    const fake = fakeInvoke(() => ({ statusCode: 200 }));
    const door = createHttpApiFrontDoor({
      functionName: 'fn',
      invoke: fake.invoke,
      cors: { allowOrigins: ['https://app.example.com'] },
    });
    const { url } = await serve(door, cleanup);
    const res = await fetch(url, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(res.headers.get('access-control-allow-methods')).toBeNull();
    expect(fake.events).toHaveLength(0);
  });
});
