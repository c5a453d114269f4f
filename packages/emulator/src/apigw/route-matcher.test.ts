import { describe, expect, it } from 'vitest';
import { FrontDoorConfigError } from './errors.js';
import { createRouteMatcher } from './route-matcher.js';

describe('createRouteMatcher', () => {
  const match = createRouteMatcher([
    { routeKey: 'ANY /{proxy+}', functionName: 'greedy' },
    { routeKey: 'ANY /pets/{id}', functionName: 'any-pet' },
    { routeKey: 'GET /pets/{id}', functionName: 'get-pet' },
    { routeKey: 'GET /pets/dog', functionName: 'dog' },
    { routeKey: 'GET /', functionName: 'root' },
  ]);

  it('prefers literal segments, then parameters, then greedy; a method over ANY', () => {
    expect(match('GET', '/pets/dog')?.route.functionName).toBe('dog');
    expect(match('GET', '/pets/cat')?.route.functionName).toBe('get-pet');
    expect(match('POST', '/pets/cat')?.route.functionName).toBe('any-pet');
    expect(match('POST', '/pets/cat/toys')).toMatchObject({
      resource: '/{proxy+}',
      pathParameters: { proxy: 'pets/cat/toys' },
    });
    expect(match('GET', '/')?.route.functionName).toBe('root');
  });

  it('does not let a greedy parameter match nothing', () => {
    expect(match('POST', '/')).toBeUndefined();
  });

  it('rejects malformed route keys', () => {
    expect(() => createRouteMatcher([{ routeKey: 'GET pets', functionName: 'f' }])).toThrow(
      FrontDoorConfigError,
    );
    expect(() => createRouteMatcher([{ routeKey: 'GET /{a+}/b', functionName: 'f' }])).toThrow(
      /last segment/,
    );
  });

  it('decodes parameters for HTTP APIs, and keeps them as sent for REST APIs (greedy without a trailing slash)', () => {
    const routes = [
      { routeKey: 'GET /u/{email}', functionName: 'u' },
      { routeKey: 'ANY /{proxy+}', functionName: 'p' },
    ];
    const http = createRouteMatcher(routes);
    const rest = createRouteMatcher(routes, { parameters: 'as-sent' });
    expect(http('GET', '/u/a%2Bb%40c')?.pathParameters).toEqual({ email: 'a+b@c' });
    expect(rest('GET', '/u/a%2Bb%40c')?.pathParameters).toEqual({ email: 'a%2Bb%40c' });
    expect(http('GET', '/x/y%20z/')?.pathParameters).toEqual({ proxy: 'x/y z/' });
    expect(rest('GET', '/x/y%20z/')?.pathParameters).toEqual({ proxy: 'x/y%20z' });
  });
});
