import { type BuildOptions, type BuildResult, build, context, type Metafile, type Plugin } from 'esbuild';
import { BundleBuildError } from './errors.js';
import {
  type BuiltinViaRequire,
  type LazyModule,
  lazyModulesPlugin,
  type ModuleReplacement,
  replaceModulesPlugin,
  requireBuiltinsPlugin,
} from './plugins.js';

/** Options for {@link buildLambdaBundle}. */
export interface LambdaBundleOptions {
  /** The handler module (TypeScript or JavaScript). */
  readonly entry: string;
  /** Output file, e.g. `dist/bundle/index.mjs`. */
  readonly outfile: string;
  /** Node version the bundle targets; the layer's Node is 24, 22 keeps the bundle portable. */
  readonly target?: string;
  readonly minify?: boolean;
  /** Packages left out of the bundle (resolved at run time from the zip or a layer). */
  readonly external?: readonly string[];
  /** Write `<outfile>.map` and point to it (off by default: it doubles the zip for little use in Lambda). */
  readonly sourcemap?: boolean;
  /**
   * Where license comments go: `'eof'` (default, at the end of the bundle), `'external'` (`<outfile>.LEGAL.txt`
   * beside it, so it can stay out of the zip) or `'none'`.
   */
  readonly legalComments?: 'eof' | 'external' | 'none';
  /**
   * Resolve packages through their `module` export condition too (esbuild drops its default `module` condition once
   * `conditions` is set, and we set `@caprice/source`). Packages like `@smithy/core` list `module` → `dist-es` before
   * `node` → `dist-cjs`: with this on, the bundle gets their ESM builds (tree-shaken, no CommonJS interop wrappers).
   */
  readonly moduleCondition?: boolean;
  /** Imports swapped for other modules at build time (see {@link ModuleReplacement}). */
  readonly replace?: readonly ModuleReplacement[];
  /** Dependencies loaded on first use instead of at init (see {@link LazyModule}). */
  readonly lazy?: readonly LazyModule[];
  /** Node builtins taken through `createRequire()` instead of an ESM import (see {@link BuiltinViaRequire}). */
  readonly requireBuiltins?: readonly BuiltinViaRequire[];
  /** Further esbuild plugins, run after the ones above. */
  readonly plugins?: readonly Plugin[];
}

/** What esbuild produced, with the figures the bundle-size budget cares about. */
export interface LambdaBundleResult {
  readonly outfile: string;
  readonly bytes: number;
  readonly metafile: Metafile;
}

// ESM bundles still meet CommonJS dependencies that call require() for node builtins; give them one
// (the same banner Powertools uses for its ESM test functions).
const REQUIRE_BANNER =
  "import { createRequire as __capriceCreateRequire } from 'node:module';const require = __capriceCreateRequire(import.meta.url);";

/**
 * Bundles a Lambda handler into one ESM file with esbuild. Workspace packages are read from source through
 * the `@caprice/source` export condition, so a change in a package is picked up without building it first.
 *
 * @example
 * await buildLambdaBundle({ entry: 'src/main.ts', outfile: 'dist/bundle/index.mjs' });
 */
function esbuildOptions(options: LambdaBundleOptions): BuildOptions & { metafile: true } {
  return {
    entryPoints: [options.entry],
    outfile: options.outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: options.target ?? 'node22',
    conditions: options.moduleCondition ? ['@caprice/source', 'module'] : ['@caprice/source'],
    mainFields: ['module', 'main'],
    minify: options.minify ?? true,
    sourcemap: options.sourcemap ? 'linked' : false,
    external: [...(options.external ?? [])],
    banner: { js: REQUIRE_BANNER },
    legalComments: options.legalComments ?? 'eof',
    metafile: true,
    logLevel: 'silent',
    plugins: [
      ...(options.replace?.length ? [replaceModulesPlugin(options.replace)] : []),
      ...(options.lazy?.length ? [lazyModulesPlugin(options.lazy)] : []),
      ...(options.requireBuiltins?.length ? [requireBuiltinsPlugin(options.requireBuiltins)] : []),
      ...(options.plugins ?? []),
    ],
  };
}

function toResult(options: LambdaBundleOptions, result: BuildResult<{ metafile: true }>): LambdaBundleResult {
  const output = Object.entries(result.metafile.outputs).find(
    ([path]) => !path.endsWith('.map') && !path.endsWith('.LEGAL.txt'),
  );
  return { outfile: options.outfile, bytes: output?.[1].bytes ?? 0, metafile: result.metafile };
}

function toBuildError(options: LambdaBundleOptions, error: unknown): BundleBuildError {
  const errors = (error as { errors?: { text: string; location?: { file: string; line: number } | null }[] })
    .errors;
  const details = errors?.length
    ? errors.map((e) => (e.location ? `${e.location.file}:${e.location.line}: ${e.text}` : e.text)).join('; ')
    : String(error);
  return new BundleBuildError(options.entry, details, { cause: error });
}

/**
 * Bundles a Lambda handler into one ESM file with esbuild. Workspace packages are read from source through
 * the `@caprice/source` export condition, so a change in a package is picked up without building it first.
 *
 * @example
 * await buildLambdaBundle({ entry: 'src/main.ts', outfile: 'dist/bundle/index.mjs' });
 */
export async function buildLambdaBundle(options: LambdaBundleOptions): Promise<LambdaBundleResult> {
  try {
    return toResult(options, await build(esbuildOptions(options)));
  } catch (error) {
    throw toBuildError(options, error);
  }
}

/** An incremental bundler for watch mode: `rebuild()` reuses esbuild's previous work. */
export interface LambdaBundleContext {
  rebuild(): Promise<LambdaBundleResult>;
  dispose(): Promise<void>;
}

/** Like {@link buildLambdaBundle}, but keeps esbuild's state between builds (`caprice dev` rebuilds on save). */
export async function createLambdaBundleContext(options: LambdaBundleOptions): Promise<LambdaBundleContext> {
  const ctx = await context(esbuildOptions(options));
  return {
    async rebuild() {
      try {
        return toResult(options, await ctx.rebuild());
      } catch (error) {
        throw toBuildError(options, error);
      }
    },
    dispose: () => ctx.dispose(),
  };
}
