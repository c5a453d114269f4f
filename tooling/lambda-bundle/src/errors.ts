/** Base class for every error this package throws; `code` lets callers branch without parsing messages. */
export class LambdaBundleError extends Error {
  readonly code: string = 'BUNDLE_ERROR';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'LambdaBundleError';
  }
}

/** A zip entry path that could escape the folder it is unzipped into, or is otherwise unusable. */
export class ZipEntryPathError extends LambdaBundleError {
  override readonly code = 'BUNDLE_ZIP_ENTRY_PATH';
  constructor(path: string, reason: string) {
    super(
      `Zip entry path ${JSON.stringify(path)} is not allowed: ${reason}; use a relative path with "/" separators and no ".." segments`,
    );
    this.name = 'ZipEntryPathError';
  }
}

/** esbuild reported errors. */
export class BundleBuildError extends LambdaBundleError {
  override readonly code = 'BUNDLE_BUILD_FAILED';
  constructor(entry: string, details: string, options?: ErrorOptions) {
    super(`Bundling ${entry} failed: ${details}`, options);
    this.name = 'BundleBuildError';
  }
}
