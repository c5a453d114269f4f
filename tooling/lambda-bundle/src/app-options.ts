import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { LambdaBundleOptions } from './bundle.js';
import { LambdaBundleError } from './errors.js';

/** The file an app uses to say how it is bundled, relative to the app's folder. */
export const APP_BUNDLE_OPTIONS_FILE = 'scripts/bundle-options.ts';

/**
 * How the app in `appDir` wants to be bundled into `outfile`: what its `scripts/bundle-options.ts` exports as
 * `bundleOptions(outfile)`, or plain defaults (`src/main.ts`) when it has no such file. Lets tools that bundle an
 * app themselves (`caprice dev`'s watcher) build the same artifact as the app's own `bundle` script. Importing the
 * file needs a TypeScript-aware loader (tsx), as the caprice CLI has.
 *
 * @example
 * const ctx = await createLambdaBundleContext(await loadAppBundleOptions('apps/email-bot', 'apps/email-bot/dist/bundle/index.mjs'));
 */
export async function loadAppBundleOptions(appDir: string, outfile: string): Promise<LambdaBundleOptions> {
  const file = join(appDir, APP_BUNDLE_OPTIONS_FILE);
  if (!existsSync(file)) return { entry: join(appDir, 'src', 'main.ts'), outfile };
  const mod = (await import(pathToFileURL(file).href)) as { bundleOptions?: unknown };
  if (typeof mod.bundleOptions !== 'function') {
    throw new LambdaBundleError(
      `${file} does not export a bundleOptions(outfile) function; export one returning the app's LambdaBundleOptions`,
    );
  }
  return (mod.bundleOptions as (outfile: string) => LambdaBundleOptions)(outfile);
}
