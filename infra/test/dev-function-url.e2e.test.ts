/**
 * `caprice dev` with a stack that asks for a function URL (CAPRICE_FUNCTION_URL=1) and a CORS origin: the local
 * stack creates the URL through the same calls `caprice deploy` makes on AWS, prints it, shows it on the dashboard,
 * answers preflights with the CORS settings the deploy sends to AWS, and frees its port on close.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DevStack } from '../src/commands/dev.js';
import { portInUse, startTestDev } from './helpers/dev-process.js';

describe('caprice dev with a function URL in the stack', () => {
  let stateDir: string;
  let dev: DevStack | undefined;
  const lines: string[] = [];

  beforeAll(async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), 'caprice-dev-url-'));
    dev = await startTestDev(stateDir, {
      env: { CAPRICE_FUNCTION_URL: '1', CAPRICE_CORS_ORIGINS: 'https://app.example' },
      log: (line) => lines.push(line),
    });
  }, 120_000);

  afterAll(async () => {
    await dev?.close();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('creates the URL with its public permissions, prints it and serves the function there', async () => {
    const url = dev?.endpoints.functionUrl;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(lines).toEqual(
      expect.arrayContaining([
        'deploy: http trigger: calling CreateFunctionUrlConfig (caprice-http-api has no function URL)',
        `  Function URL ${url}`,
      ]),
    );
    const res = await fetch(new URL('/?text=through%20the%20url', url), {
      signal: AbortSignal.timeout(20_000),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { text: string }).text.toLowerCase()).toBe('through the url');
    const state = (await (await fetch(`${dev?.endpoints.dashboard}/api/state`)).json()) as {
      endpoints: Record<string, string>;
    };
    expect(state.endpoints['Function URL']).toBe(url);
  });

  it.each(['api', 'functionUrl'] as const)(
    'answers a preflight on the %s with the CORS settings the deploy sends to AWS',
    async (which) => {
      const base = dev?.endpoints[which];
      expect(base).toBeTruthy();
      const preflight = (origin: string) =>
        fetch(new URL('/', base), {
          method: 'OPTIONS',
          headers: { origin, 'access-control-request-method': 'POST' },
          signal: AbortSignal.timeout(20_000),
        });
      const allowed = await preflight('https://app.example');
      expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example');
      expect(allowed.headers.get('access-control-allow-methods')?.toUpperCase()).toContain('POST');
      expect(allowed.headers.get('access-control-max-age')).toBe('300');
      const other = await preflight('https://elsewhere.example');
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
    },
  );

  it('frees the URL’s port on close', async () => {
    const port = Number(new URL(dev?.endpoints.functionUrl ?? 'http://x:1').port);
    await dev?.close();
    dev = undefined;
    expect(await portInUse(port)).toBe(false);
  }, 30_000);
});
