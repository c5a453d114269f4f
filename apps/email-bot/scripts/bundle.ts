/**
 * Bundles src/main.ts into dist/bundle/index.mjs (+ source map and license file, both kept out of the zip) with the
 * options of scripts/bundle-options.ts; the runtime loads `index.handler`.
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { buildLambdaBundle } from '@caprice/lambda-bundle';
import { emailBotBundleOptions } from './bundle-options.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const result = await buildLambdaBundle(
  emailBotBundleOptions(`${root}dist/bundle/index.mjs`, 'shipped', { sourcemap: true }),
);
// Which packages made it in, by bytes in the output: the AWS SDK must be S3 and SES clients only (plus their shared core).
const packages = new Map<string, number>();
for (const [path, output] of Object.entries(result.metafile.outputs)) {
  if (path.endsWith('.map') || path.endsWith('.LEGAL.txt')) continue;
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const match = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(input);
    const name = match?.[1] ?? '(app + workspace)';
    packages.set(name, (packages.get(name) ?? 0) + bytesInOutput);
  }
}
const sorted = [...packages].sort((a, b) => b[1] - a[1]);
await writeFile(
  `${root}dist/bundle-inputs.json`,
  `${JSON.stringify({ bytes: result.bytes, measure: 'bytes in output', inputs: Object.fromEntries(sorted) }, null, 2)}\n`,
);
console.log(`bundled ${result.outfile} (${result.bytes} bytes)`);
