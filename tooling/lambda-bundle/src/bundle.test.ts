import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLambdaBundle, createLambdaBundleContext } from './bundle.js';
import { BundleBuildError } from './errors.js';

const run = promisify(execFile);

describe('buildLambdaBundle', () => {
  let dir: string;
  beforeAll(async () => {
    // A tiny workspace package whose export map points the @caprice/source condition at TypeScript source.
    dir = await mkdtemp(join(tmpdir(), 'caprice-bundle-'));
    const pkg = join(dir, 'node_modules', '@caprice', 'greet');
    await mkdir(join(pkg, 'src'), { recursive: true });
    await writeFile(
      join(pkg, 'package.json'),
      JSON.stringify({
        name: '@caprice/greet',
        type: 'module',
        exports: { '.': { '@caprice/source': './src/index.ts', default: './dist/missing.js' } },
      }),
    );
    await writeFile(join(pkg, 'src', 'index.ts'), "export const greet = (n: string): string => 'hi ' + n;\n");
    await writeFile(
      join(dir, 'main.ts'),
      "import { greet } from '@caprice/greet';\nimport { createHash } from 'node:crypto';\nexport const handler = async () => greet(createHash('sha1').update('x').digest('hex').slice(0, 4));\n",
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('bundles TypeScript source through the @caprice/source condition into a runnable ESM file', async () => {
    // Act
    const result = await buildLambdaBundle({
      entry: join(dir, 'main.ts'),
      outfile: join(dir, 'out', 'index.mjs'),
    });
    // Assess
    expect(result.bytes).toBeGreaterThan(0);
    expect(await readFile(result.outfile, 'utf8')).toContain('createRequire');
    const { stdout } = await run(process.execPath, [
      '--input-type=module',
      '-e',
      `const m = await import(${JSON.stringify(result.outfile)}); console.log(await m.handler());`,
    ]);
    expect(stdout.trim()).toBe('hi 11f6');
  });

  it('reports the file and line of a build error', async () => {
    await writeFile(join(dir, 'broken.ts'), 'export const x = ;\n');
    const attempt = buildLambdaBundle({ entry: join(dir, 'broken.ts'), outfile: join(dir, 'out', 'b.mjs') });
    await expect(attempt).rejects.toBeInstanceOf(BundleBuildError);
    await expect(attempt).rejects.toThrow(/broken\.ts:1/);
  });
});

describe('createLambdaBundleContext', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'caprice-ctx-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('rebuilds after a source change and lists the inputs it read', async () => {
    // Prepare
    await writeFile(join(dir, 'dep.ts'), "export const word = 'one';\n");
    await writeFile(
      join(dir, 'main.ts'),
      "import { word } from './dep.js';\nexport const handler = () => word;\n",
    );
    const ctx = await createLambdaBundleContext({
      entry: join(dir, 'main.ts'),
      outfile: join(dir, 'out.mjs'),
      minify: false,
    });
    try {
      // Act
      const first = await ctx.rebuild();
      await writeFile(join(dir, 'dep.ts'), "export const word = 'two';\n");
      const second = await ctx.rebuild();
      // Assess
      expect(Object.keys(first.metafile.inputs).some((p) => p.endsWith('dep.ts'))).toBe(true);
      expect(await readFile(second.outfile, 'utf8')).toContain('"two"');
    } finally {
      await ctx.dispose();
    }
  });
});
