/** `pnpm bundle`: the runtime bundle → dist/bundle/index.cjs. */
import { buildRuntimeBundle } from './build-runtime-bundle.js';

const outfile = new URL('../dist/bundle/index.cjs', import.meta.url).pathname;
const { bytes } = await buildRuntimeBundle(outfile);
console.log(`runtime bundle: ${outfile} (${bytes} bytes)`);
