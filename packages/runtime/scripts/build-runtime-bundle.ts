/** esbuild settings of the layer's runtime bundle, shared by `pnpm bundle` and the tests. */
import { build } from 'esbuild';

/** Bundles src/main.ts into one minified ESM file (the loop entry the layer's bootstrap starts). */
export async function buildRuntimeBundle(outfile: string): Promise<{ bytes: number }> {
  const result = await build({
    entryPoints: [new URL('../src/main.ts', import.meta.url).pathname],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: true,
    conditions: ['@caprice/source'],
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
  });
  const out = Object.values(result.metafile.outputs)[0];
  return { bytes: out?.bytes ?? 0 };
}
