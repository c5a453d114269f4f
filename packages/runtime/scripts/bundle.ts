/** `pnpm bundle`: the runtime bundle → dist/bundle/index.mjs. */
import { buildRuntimeBundle } from './build-runtime-bundle.js';

const outfile = new URL('../dist/bundle/index.mjs', import.meta.url).pathname;
const { bytes } = await buildRuntimeBundle(outfile);
console.log(`runtime bundle: ${outfile} (${bytes} bytes)`);
