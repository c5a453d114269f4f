/** How the http-api is bundled; read by `scripts/bundle.ts` and by `caprice dev`'s watcher (loadAppBundleOptions). */
import { fileURLToPath } from 'node:url';
import type { LambdaBundleOptions } from '@caprice/lambda-bundle';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * `src/main.ts` into `outfile`. `node:http` (for `STATUS_CODES`) is taken through `require()`: an ESM import makes
 * Node 24 read its lazy WebSocket getters, which load Node's bundled undici at init (38 ms → 5.5 ms for the
 * bundle's import on the bench machine).
 */
export function bundleOptions(outfile: string): LambdaBundleOptions {
  return {
    entry: `${root}src/main.ts`,
    outfile,
    requireBuiltins: [{ name: 'http', omit: ['WebSocket', 'CloseEvent', 'MessageEvent'] }],
  };
}
