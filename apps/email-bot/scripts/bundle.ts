/** Bundles src/main.ts into dist/bundle/index.mjs (+ source map); the runtime loads `index.handler`. */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { buildLambdaBundle } from '@caprice/lambda-bundle';

const root = fileURLToPath(new URL('..', import.meta.url));
const result = await buildLambdaBundle({
  entry: `${root}src/main.ts`,
  outfile: `${root}dist/bundle/index.mjs`,
  sourcemap: true,
});
// Which packages made it in: the AWS SDK must be S3 and SES clients only (plus their shared core).
const packages = new Map<string, number>();
for (const [path, input] of Object.entries(result.metafile.inputs)) {
  const match = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(path);
  const name = match?.[1] ?? '(app + workspace)';
  packages.set(name, (packages.get(name) ?? 0) + input.bytes);
}
const sorted = [...packages].sort((a, b) => b[1] - a[1]);
await writeFile(
  `${root}dist/bundle-inputs.json`,
  `${JSON.stringify({ bytes: result.bytes, inputs: Object.fromEntries(sorted) }, null, 2)}\n`,
);
console.log(`bundled ${result.outfile} (${result.bytes} bytes)`);
