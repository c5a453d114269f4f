import { dirname } from 'node:path';
import type { Plugin } from 'esbuild';

/** Swap one import for another module at build time (e.g. a smaller implementation of the same API). */
export interface ModuleReplacement {
  /** The import specifier exactly as written, e.g. `'encoding-japanese'` or `'./dbcs-data'`. */
  readonly specifier: string;
  /** Only imports from files whose path matches; every importer when absent. */
  readonly importer?: RegExp;
  /** Absolute path of the replacement module. */
  readonly with: string;
  /**
   * For a CommonJS importer that uses the module object itself (`require('./x')` merged key by key): the named
   * export of the replacement to hand over as that object.
   */
  readonly exportAsModule?: string;
}

/** Load a dependency on first use instead of at init: its code is in the bundle but runs only when called. */
export interface LazyModule {
  /** The import specifier exactly as written, e.g. `'html-to-text'`. */
  readonly specifier: string;
  /** Only imports from files whose path matches; every importer when absent. */
  readonly importer?: RegExp;
  /** Named exports the importers use (functions or objects; each becomes a forwarding stub). */
  readonly exports: readonly string[];
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const matches = (importer: RegExp | undefined, path: string) => importer === undefined || importer.test(path);

/**
 * esbuild plugin applying {@link ModuleReplacement}s. A replacement that matches no import fails the build: when a
 * dependency update renames what we replace, the bundle must not silently ship the original.
 */
export function replaceModulesPlugin(replacements: readonly ModuleReplacement[]): Plugin {
  return {
    name: 'caprice-replace-modules',
    setup(build) {
      const hits = new Map<ModuleReplacement, number>(replacements.map((r) => [r, 0]));
      replacements.forEach((replacement, index) => {
        build.onResolve({ filter: new RegExp(`^${escapeRegExp(replacement.specifier)}$`) }, (args) => {
          if (args.namespace === 'caprice-replace' || !matches(replacement.importer, args.importer))
            return undefined;
          hits.set(replacement, (hits.get(replacement) ?? 0) + 1);
          if (replacement.exportAsModule === undefined) return { path: replacement.with };
          return { path: `${index}`, namespace: 'caprice-replace' };
        });
      });
      build.onLoad({ filter: /.*/, namespace: 'caprice-replace' }, (args) => {
        const replacement = replacements[Number(args.path)] as ModuleReplacement;
        return {
          contents: `module.exports = require(${JSON.stringify(replacement.with)})[${JSON.stringify(replacement.exportAsModule)}];\n`,
          resolveDir: dirname(replacement.with),
          loader: 'js',
        };
      });
      build.onEnd((result) => {
        const unused = [...hits].filter(([, count]) => count === 0).map(([replacement]) => replacement);
        for (const replacement of replacements) hits.set(replacement, 0);
        // Only judged on a build that otherwise succeeded (a syntax error elsewhere may stop resolution early).
        if (result.errors.length > 0 || unused.length === 0) return;
        throw new Error(
          unused
            .map(
              (r) =>
                `module replacement for ${JSON.stringify(r.specifier)}${r.importer ? ` (imported from ${r.importer})` : ''} matched no import: update or remove it`,
            )
            .join('; '),
        );
      });
    },
  };
}

/**
 * esbuild plugin applying {@link LazyModule}s: each matching import gets a stand-in whose exports forward to the
 * real module, `require()`d on first use. esbuild then wraps the real module (and what only it imports) in an
 * initialiser, so its top-level code runs on first call instead of at init; V8 only pre-parses the wrapped code.
 */
export function lazyModulesPlugin(modules: readonly LazyModule[]): Plugin {
  return {
    name: 'caprice-lazy-modules',
    setup(build) {
      modules.forEach((lazy, index) => {
        build.onResolve({ filter: new RegExp(`^${escapeRegExp(lazy.specifier)}$`) }, async (args) => {
          const skip = (args.pluginData as { lazySkip?: boolean } | undefined)?.lazySkip;
          if (skip || args.namespace === 'caprice-lazy' || !matches(lazy.importer, args.importer))
            return undefined;
          // Resolve as the original `import` did: a require() would pick the package's CommonJS build instead.
          const real = await build.resolve(args.path, {
            kind: 'import-statement',
            resolveDir: args.resolveDir,
            importer: args.importer,
            pluginData: { lazySkip: true },
          });
          if (real.errors.length > 0) return { errors: real.errors };
          return { path: `${index}`, namespace: 'caprice-lazy', pluginData: { real: real.path } };
        });
      });
      build.onLoad({ filter: /.*/, namespace: 'caprice-lazy' }, (args) => {
        const lazy = modules[Number(args.path)] as LazyModule;
        const real = (args.pluginData as { real: string }).real;
        // A function stub calls through; property access (e.g. `he.decode`) is forwarded by the Proxy. `default` is
        // the ESM default export, or the CommonJS module object itself.
        const stub = (name: string) =>
          `new Proxy(function () {}, { apply: (_t, self, a) => Reflect.apply(pick(${JSON.stringify(name)}), self, a), get: (_t, k) => pick(${JSON.stringify(name)})[k] })`;
        const lines = [
          'let loaded;',
          `const pick = (name) => { loaded ??= require(${JSON.stringify(real)}); return name === 'default' ? (loaded && loaded.__esModule ? loaded.default : loaded) : loaded[name]; };`,
          ...lazy.exports.map((name) =>
            name === 'default'
              ? `export default ${stub('default')};`
              : `export const ${name} = ${stub(name)};`,
          ),
        ];
        return { contents: `${lines.join('\n')}\n`, resolveDir: dirname(real), loader: 'js' };
      });
    },
  };
}

/** A Node builtin the bundle should take through `require()` instead of an ESM import (see {@link requireBuiltinsPlugin}). */
export interface BuiltinViaRequire {
  /** The builtin's name without `node:`, e.g. `'http'`. */
  readonly name: string;
  /** Exports left out because reading them is what costs (lazy getters); importing one fails the build. */
  readonly omit?: readonly string[];
}

/**
 * esbuild plugin that hands the bundle chosen Node builtins through `createRequire()` instead of `import`. An ESM
 * import of a builtin makes Node read every export of it to build the module namespace, lazy getters included: on
 * Node 24, `node:http`'s `WebSocket`, `CloseEvent` and `MessageEvent` getters then load Node's bundled undici,
 * which costs 20–50 ms of init for a function that never uses them. The stand-in module re-exports the builtin's
 * other exports, read once from the CommonJS object. Export names are taken from the Node that runs the build.
 */
export function requireBuiltinsPlugin(builtins: readonly BuiltinViaRequire[]): Plugin {
  return {
    name: 'caprice-require-builtins',
    setup(build) {
      builtins.forEach((builtin, index) => {
        build.onResolve({ filter: new RegExp(`^(node:)?${escapeRegExp(builtin.name)}$`) }, (args) => {
          if (args.namespace === 'caprice-builtin') return { path: `node:${builtin.name}`, external: true };
          return { path: `${index}`, namespace: 'caprice-builtin' };
        });
      });
      build.onLoad({ filter: /.*/, namespace: 'caprice-builtin' }, async (args) => {
        const builtin = builtins[Number(args.path)] as BuiltinViaRequire;
        const { createRequire } = await import('node:module');
        const real = createRequire(import.meta.url)(`node:${builtin.name}`) as object;
        const omit = new Set(['default', ...(builtin.omit ?? [])]);
        const names = Object.keys(real).filter((name) => !omit.has(name) && /^[A-Za-z_$][\w$]*$/.test(name));
        const lines = [
          "import { createRequire as __capriceBuiltinRequire } from 'node:module';",
          // A call esbuild does not analyse, so it stays a require() in the bundle.
          `const m = __capriceBuiltinRequire(import.meta.url)(${JSON.stringify(`node:${builtin.name}`)});`,
          'export default m;',
          ...names.map((name) => `export const ${name} = m.${name};`),
        ];
        return { contents: `${lines.join('\n')}\n`, loader: 'js', resolveDir: process.cwd() };
      });
    },
  };
}
