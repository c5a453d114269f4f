/** Bundles src/main.ts into dist/bundle/index.mjs (the runtime loads `index.handler`). */
import { fileURLToPath } from 'node:url';
import { buildLambdaBundle } from '@caprice/lambda-bundle';
import { bundleOptions } from './bundle-options.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const result = await buildLambdaBundle(bundleOptions(`${root}dist/bundle/index.mjs`));
console.log(`bundled ${result.outfile} (${result.bytes} bytes)`);
