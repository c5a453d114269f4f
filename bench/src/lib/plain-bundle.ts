/**
 * The anchor of issue 11 §2/§4: a plain esbuild bundle of the email bot's own source, built the way perf.md §4 did
 * (`--bundle --platform=node --format=esm --minify --target=node22`, no source map, nothing trimmed or lazy).
 */

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { build } from 'esbuild';
import { BenchError } from '../errors.js';
import { paths } from './workspace.js';

export interface PlainBundle {
  readonly file: string;
  readonly bytes: number;
  /** Raw deflate at level 9 plus ~100 B of zip headers: what `zip -9` of the single file gives. */
  readonly zippedBytes: number;
}

export async function buildPlainEmailBundle(dir: string): Promise<PlainBundle> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'index.mjs');
  const result = await build({
    entryPoints: [paths.emailBotEntry],
    outfile: file,
    bundle: true,
    platform: 'node',
    format: 'esm',
    minify: true,
    target: 'node22',
    conditions: ['@caprice/source'],
    banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
    write: false,
    logLevel: 'silent',
  });
  const out = result.outputFiles[0];
  if (!out) throw new BenchError('esbuild produced no output for the plain email-bot bundle');
  await writeFile(file, out.contents);
  return {
    file,
    bytes: out.contents.byteLength,
    zippedBytes: deflateRawSync(out.contents, { level: 9 }).byteLength + 2 * 'index.mjs'.length + 98,
  };
}
