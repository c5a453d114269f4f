import { afterEach, describe, expect, it } from 'vitest';
import {
  createFunctionUrlFrontDoor,
  createHttpApiFrontDoor,
  functionUrlFromAws,
  httpApiFromAws,
} from '../../src/apigw/index.js';
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

describe('front doors configured from AWS request shapes', () => {
  it('serves a quick-create CreateApi body (Target ARN + CorsConfiguration) as AWS would', async () => {
    const fake = fakeInvoke(() => ({ statusCode: 200, body: 'ok' }));
    const door = createHttpApiFrontDoor({
      ...httpApiFromAws({
        Name: 'caprice-http-api',
        ProtocolType: 'HTTP',
        Target: 'arn:aws:lambda:eu-west-1:123456789012:function:caprice-http-api',
        CorsConfiguration: { AllowOrigins: ['https://app.example.com'], AllowMethods: ['GET'], MaxAge: 60 },
      }),
      invoke: fake.invoke,
    });
    const { url } = await serve(door, cleanup);
    const preflight = await fetch(`${url}/any/path`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'GET' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-max-age')).toBe('60');
    const res = await fetch(`${url}/any/path?x=1`, { headers: { origin: 'https://app.example.com' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(fake.names).toEqual(['caprice-http-api']);
    expect(fake.events[0]).toMatchObject({ version: '2.0', routeKey: '$default', rawPath: '/any/path' });
  });

  it('serves a CreateFunctionUrlConfig body (InvokeMode, Cors) as AWS would', async () => {
    const fake = fakeInvoke(() => 'hi');
    const door = createFunctionUrlFrontDoor({
      ...functionUrlFromAws({
        FunctionName: 'caprice-http-api',
        AuthType: 'NONE',
        InvokeMode: 'BUFFERED',
        Cors: { AllowOrigins: ['*'] },
      }),
      invoke: fake.invoke,
    });
    const { url } = await serve(door, cleanup);
    const res = await fetch(`${url}/p`, { headers: { origin: 'https://elsewhere.example' } });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('hi');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(fake.names).toEqual(['caprice-http-api']);
  });
});
