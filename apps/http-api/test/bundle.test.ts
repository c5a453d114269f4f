import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildLambdaBundle } from '@caprice/lambda-bundle';
import { afterAll, describe, expect, it } from 'vitest';
import { loadFixture } from './load-fixture.js';

describe('bundle', () => {
  let dir = '';
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('builds one ESM file whose `handler` answers every event source', async () => {
    // Prepare
    dir = await mkdtemp(join(tmpdir(), 'http-api-bundle-'));
    const outfile = join(dir, 'index.mjs');
    await buildLambdaBundle({ entry: new URL('../src/main.ts', import.meta.url).pathname, outfile });
    // Act
    const mod = (await import(pathToFileURL(outfile).href)) as { handler: (e: unknown) => Promise<unknown> };
    // Assess
    for (const [source, name] of [
      ['apigw-v1', 'get-text'],
      ['apigw-v2', 'get-text'],
      ['function-url', 'get-text'],
      ['alb', 'get-text'],
    ] as const) {
      const result = (await mod.handler(loadFixture(source, name))) as { statusCode: number; body: string };
      expect(result.statusCode).toBe(200);
      expect(JSON.parse(result.body)).toHaveProperty('text');
    }
  }, 20_000);
});
