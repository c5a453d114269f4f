import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAppBundleOptions } from './app-options.js';
import { LambdaBundleError } from './errors.js';

describe('loadAppBundleOptions', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'caprice-app-options-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('uses the defaults for an app without scripts/bundle-options.ts', async () => {
    const app = join(dir, 'plain');
    await mkdir(app, { recursive: true });
    expect(await loadAppBundleOptions(app, '/out/index.mjs')).toEqual({
      entry: join(app, 'src', 'main.ts'),
      outfile: '/out/index.mjs',
    });
  });

  it("returns what the app's bundleOptions(outfile) returns", async () => {
    const app = join(dir, 'custom');
    await mkdir(join(app, 'scripts'), { recursive: true });
    await writeFile(
      join(app, 'scripts', 'bundle-options.ts'),
      "export const bundleOptions = (outfile: string) => ({ entry: 'e.ts', outfile, legalComments: 'external' as const });\n",
    );
    expect(await loadAppBundleOptions(app, '/out/x.mjs')).toEqual({
      entry: 'e.ts',
      outfile: '/out/x.mjs',
      legalComments: 'external',
    });
  });

  it('refuses an options file without bundleOptions', async () => {
    const app = join(dir, 'broken');
    await mkdir(join(app, 'scripts'), { recursive: true });
    await writeFile(join(app, 'scripts', 'bundle-options.ts'), 'export const other = 1;\n');
    await expect(loadAppBundleOptions(app, '/out/x.mjs')).rejects.toBeInstanceOf(LambdaBundleError);
  });
});
