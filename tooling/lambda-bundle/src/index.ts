/** @module @caprice/lambda-bundle — build helpers shared by the apps and the runtime layer. */
export { APP_BUNDLE_OPTIONS_FILE, loadAppBundleOptions } from './app-options.js';
export {
  buildLambdaBundle,
  createLambdaBundleContext,
  type LambdaBundleContext,
  type LambdaBundleOptions,
  type LambdaBundleResult,
} from './bundle.js';
export { BundleBuildError, LambdaBundleError, ZipEntryPathError } from './errors.js';
export {
  type BuiltinViaRequire,
  type LazyModule,
  lazyModulesPlugin,
  type ModuleReplacement,
  replaceModulesPlugin,
  requireBuiltinsPlugin,
} from './plugins.js';
export {
  assertSafeEntryPath,
  collectDirectory,
  writeReproducibleZip,
  type ZipEntry,
  type ZipResult,
} from './zip.js';
