/**
 * How the email bot is bundled (scripts/bundle.ts) and the options the cold-start and size benchmarks compare, one
 * at a time and combined (bench/src/benches/cold.ts, sizes.ts). See the README's "Bundle" section for what each buys.
 */
import { fileURLToPath } from 'node:url';
import {
  type BuiltinViaRequire,
  buildLambdaBundle,
  type LambdaBundleOptions,
  type LambdaBundleResult,
  type LazyModule,
  type ModuleReplacement,
} from '@caprice/lambda-bundle';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The handler module. */
export const EMAIL_BOT_ENTRY = `${root}src/main.ts`;

/**
 * (a) Charset tables from Node's ICU instead of the bundle: iconv-lite's double-byte tables are generated on first
 * use (shims/iconv-dbcs-data.ts) and encoding-japanese's ISO-2022-JP/EUC-JP decoding reads ICU's EUC-JP table
 * (shims/encoding-japanese.ts). Both decode exactly like the originals (shims/*.test.ts, every code).
 */
export const ICU_CHARSET_SHIMS: readonly ModuleReplacement[] = [
  {
    specifier: './dbcs-data',
    importer: /[\\/]iconv-lite[\\/]encodings[\\/]index\.js$/,
    with: `${root}shims/iconv-dbcs-data.ts`,
    exportAsModule: 'dbcsEncodings',
  },
  {
    specifier: 'encoding-japanese',
    importer: /[\\/]libmime[\\/]/,
    with: `${root}shims/encoding-japanese.ts`,
    exportAsModule: 'encodingJapanese',
  },
];

/**
 * (b) Paths not every mail takes, loaded on first use: html-to-text (and its HTML parser stack) only for a mail
 * with HTML and no text part; `he` and linkify-it only for mailparser's HTML renderings the bot switches off.
 * mailparser configures a linkify instance at load time, so linkify-it gets a stand-in that records that
 * configuration and builds the real one on first use (shims/linkify-it-deferred.ts).
 */
export const LAZY_PATHS: readonly LazyModule[] = [
  { specifier: 'html-to-text', importer: /[\\/]mailparser[\\/]/, exports: ['htmlToText'] },
  { specifier: 'he', importer: /[\\/]mailparser[\\/]/, exports: ['default'] },
  { specifier: 'linkify-it', importer: /[\\/]shims[\\/]linkify-it-deferred\.ts$/, exports: ['default'] },
];

/** The stand-in for mailparser's load-time linkify instance (part of (b)). */
export const DEFERRED_LINKIFY: readonly ModuleReplacement[] = [
  {
    specifier: 'linkify-it',
    importer: /[\\/]mailparser[\\/]/,
    with: `${root}shims/linkify-it-deferred.ts`,
    exportAsModule: 'deferredLinkifyIt',
  },
];

/**
 * (e) `node:http` through require(): its ESM import makes Node 24 read the lazy `WebSocket`/`CloseEvent`/
 * `MessageEvent` exports, which load Node's bundled undici (20–50 ms) though the SDK only uses `http.request`.
 */
export const HTTP_VIA_REQUIRE: readonly BuiltinViaRequire[] = [
  { name: 'http', omit: ['WebSocket', 'CloseEvent', 'MessageEvent'] },
];

/** The option sets the benchmarks compare; `shipped` is what scripts/bundle.ts builds. */
export const BUNDLE_VARIANTS = {
  /** @caprice/lambda-bundle defaults: minified ESM, legal comments at the end. */
  baseline: {},
  /** (a) alone. */
  icuCharsets: { replace: ICU_CHARSET_SHIMS },
  /** (b) alone. */
  lazyPaths: { lazy: LAZY_PATHS, replace: DEFERRED_LINKIFY },
  /** (c) license comments in a file beside the bundle, outside the zip. */
  legalExternal: { legalComments: 'external' },
  /** (e) alone. */
  httpViaRequire: { requireBuiltins: HTTP_VIA_REQUIRE },
  /** (f) alone: the ESM builds of the AWS SDK's core packages (`module` export condition) instead of their CommonJS. */
  esmDependencies: { moduleCondition: true },
  /** (a) + (b) + (c) + (e) + (f): what ships. */
  shipped: {
    replace: [...ICU_CHARSET_SHIMS, ...DEFERRED_LINKIFY],
    lazy: LAZY_PATHS,
    legalComments: 'external',
    requireBuiltins: HTTP_VIA_REQUIRE,
    moduleCondition: true,
  },
} as const satisfies Record<string, Partial<LambdaBundleOptions>>;

export type BundleVariant = keyof typeof BUNDLE_VARIANTS;

/**
 * The options to bundle the email bot into `outfile` (`variant` defaults to what ships).
 *
 * @example
 * await buildLambdaBundle(emailBotBundleOptions(`${dir}/index.mjs`));
 */
export function emailBotBundleOptions(
  outfile: string,
  variant: BundleVariant = 'shipped',
  extra: Partial<LambdaBundleOptions> = {},
): LambdaBundleOptions {
  return { entry: EMAIL_BOT_ENTRY, outfile, ...BUNDLE_VARIANTS[variant], ...extra };
}

/**
 * Builds the email bot into `outfile` with one of {@link BUNDLE_VARIANTS} (the benchmarks build each variant this
 * way, so they need no bundler of their own).
 *
 * @example
 * const { bytes } = await buildEmailBot(`${dir}/index.mjs`, 'icuCharsets');
 */
export function buildEmailBot(
  outfile: string,
  variant: BundleVariant = 'shipped',
  extra: Partial<LambdaBundleOptions> = {},
): Promise<LambdaBundleResult> {
  return buildLambdaBundle(emailBotBundleOptions(outfile, variant, extra));
}

/**
 * The `@caprice/lambda-bundle` convention (`loadAppBundleOptions`): how tools that bundle the app themselves, such as
 * `caprice dev`'s watcher, build the same artifact as scripts/bundle.ts.
 */
export function bundleOptions(outfile: string): LambdaBundleOptions {
  return emailBotBundleOptions(outfile);
}
