import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLambdaBundle } from './bundle.js';
import { BundleBuildError } from './errors.js';

const run = promisify(execFile);

/** Runs an ESM snippet against the bundle at `file` (bound as `m`) in a fresh node process; returns stdout. */
async function runWith(file: string, code: string): Promise<string> {
  const { stdout } = await run(process.execPath, [
    '--input-type=module',
    '-e',
    `const m = await import(${JSON.stringify(file)});\n${code}`,
  ]);
  return stdout.trim();
}

describe('build plugins', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'caprice-plugins-'));
    // A CommonJS package that merges its parts key by key (like iconv-lite's encodings/index.js).
    const merge = join(dir, 'node_modules', 'merge-parts');
    await mkdir(merge, { recursive: true });
    await writeFile(join(merge, 'package.json'), JSON.stringify({ name: 'merge-parts', main: 'index.js' }));
    await writeFile(
      join(merge, 'index.js'),
      "const out = {};\nfor (const part of [require('./a'), require('./b')]) Object.assign(out, part);\nmodule.exports = out;\n",
    );
    await writeFile(join(merge, 'a.js'), 'module.exports = { a: 1 };\n');
    await writeFile(join(merge, 'b.js'), "module.exports = { b: 'original' };\n");
    await writeFile(join(dir, 'b-shim.ts'), "export const parts = { b: 'shim', extra: 2 };\n");
    // A package whose top level leaves a trace when it runs.
    const heavy = join(dir, 'node_modules', 'heavy');
    await mkdir(heavy, { recursive: true });
    await writeFile(
      join(heavy, 'package.json'),
      JSON.stringify({
        name: 'heavy',
        type: 'module',
        exports: { import: './index.js', require: './index.cjs' },
      }),
    );
    await writeFile(
      join(heavy, 'index.js'),
      'globalThis.heavyLoaded = (globalThis.heavyLoaded ?? 0) + 1;\nexport function shout(s) { return s.toUpperCase(); }\nexport default { twice: (n) => n * 2 };\n',
    );
    await writeFile(join(heavy, 'index.cjs'), "throw new Error('the CommonJS build must not be used');\n");
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('replaces a module a CommonJS importer merges, with a named export of the replacement', async () => {
    // Prepare
    await writeFile(join(dir, 'merge.ts'), "import parts from 'merge-parts';\nexport const all = parts;\n");
    // Act
    const result = await buildLambdaBundle({
      entry: join(dir, 'merge.ts'),
      outfile: join(dir, 'out', 'merge.mjs'),
      replace: [
        {
          specifier: './b',
          importer: /merge-parts[\\/]index\.js$/,
          with: join(dir, 'b-shim.ts'),
          exportAsModule: 'parts',
        },
      ],
    });
    // Assess
    expect(await runWith(result.outfile, 'console.log(JSON.stringify(m.all));')).toBe(
      '{"a":1,"b":"shim","extra":2}',
    );
  });

  it('fails the build when a replacement matches no import', async () => {
    await writeFile(join(dir, 'plain.ts'), 'export const x = 1;\n');
    const attempt = buildLambdaBundle({
      entry: join(dir, 'plain.ts'),
      outfile: join(dir, 'out', 'plain.mjs'),
      replace: [{ specifier: 'not-imported', with: join(dir, 'b-shim.ts') }],
    });
    await expect(attempt).rejects.toBeInstanceOf(BundleBuildError);
    await expect(attempt).rejects.toThrow(/"not-imported".*matched no import/);
  });

  it('runs a lazy module on first use, not at import, through its ESM build', async () => {
    // Prepare
    await writeFile(
      join(dir, 'lazy.ts'),
      "import { shout } from 'heavy';\nimport heavy from 'heavy';\nexport const use = () => shout('hi') + ' ' + heavy.twice(21);\n",
    );
    // Act
    const result = await buildLambdaBundle({
      entry: join(dir, 'lazy.ts'),
      outfile: join(dir, 'out', 'lazy.mjs'),
      lazy: [{ specifier: 'heavy', exports: ['shout', 'default'] }],
    });
    // Assess
    const out = await runWith(
      result.outfile,
      'const before = globalThis.heavyLoaded ?? 0; const r = m.use(); m.use(); console.log(before, r, globalThis.heavyLoaded);',
    );
    expect(out).toBe('0 HI 42 1');
  });

  it('takes node:http through require(): no ESM import of it left, and the exports still work', async () => {
    // Prepare
    await writeFile(
      join(dir, 'http.ts'),
      "import { request, Agent } from 'node:http';\nimport http from 'http';\nexport const kinds = [typeof request, typeof Agent, typeof http.get, http.request === request].join(' ');\n",
    );
    // Act
    const result = await buildLambdaBundle({
      entry: join(dir, 'http.ts'),
      outfile: join(dir, 'out', 'http.mjs'),
      requireBuiltins: [{ name: 'http', omit: ['WebSocket', 'CloseEvent', 'MessageEvent'] }],
    });
    // Assess
    const text = await readFile(result.outfile, 'utf8');
    expect(text).not.toMatch(/from\s*["']node:http["']/);
    expect(await runWith(result.outfile, 'console.log(m.kinds);')).toBe('function function function true');
  });

  it('refuses an import of an omitted builtin export at build time', async () => {
    await writeFile(
      join(dir, 'ws.ts'),
      "import { WebSocket } from 'node:http';\nexport const W = WebSocket;\n",
    );
    const attempt = buildLambdaBundle({
      entry: join(dir, 'ws.ts'),
      outfile: join(dir, 'out', 'ws.mjs'),
      requireBuiltins: [{ name: 'http', omit: ['WebSocket'] }],
    });
    await expect(attempt).rejects.toThrow(/WebSocket/);
  });

  it('writes license comments beside the bundle with legalComments: external', async () => {
    await writeFile(join(dir, 'legal.ts'), '/*! keep me: MIT */\nexport const y = 2;\n');
    const result = await buildLambdaBundle({
      entry: join(dir, 'legal.ts'),
      outfile: join(dir, 'out', 'legal.mjs'),
      legalComments: 'external',
    });
    expect(await readFile(result.outfile, 'utf8')).not.toContain('keep me');
    expect(await readFile(`${result.outfile}.LEGAL.txt`, 'utf8')).toContain('keep me');
    expect(result.outfile.endsWith('legal.mjs')).toBe(true);
  });
});
