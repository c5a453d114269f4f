/**
 * Errors of the emulator itself (not AWS-shaped: those are `AwsServiceError` in src/http/aws-error.ts).
 * Every error has a stable `code` the CLI prints as `error CODE: message`.
 */
export class EmulatorError extends Error {
  readonly code: string = 'EMULATOR_ERROR';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'EmulatorError';
  }
}

/** A zip could not be read or is unsafe to extract (zip-slip, symlink outside, bad entry). */
export class UnsafeZipError extends EmulatorError {
  override readonly code: string = 'EMULATOR_UNSAFE_ZIP';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UnsafeZipError';
  }
}

/** A zip's unzipped content is larger than the limit (250 MB on AWS). */
export class UnzippedSizeError extends EmulatorError {
  override readonly code = 'EMULATOR_UNZIPPED_TOO_LARGE';
  constructor(
    readonly limit: number,
    readonly actual: number,
  ) {
    super(`Unzipped size must be smaller than ${limit} bytes (the zip unpacks to at least ${actual} bytes)`);
    this.name = 'UnzippedSizeError';
  }
}

/** The emulator's HTTP server could not listen (port taken, bad host). */
export class ListenError extends EmulatorError {
  override readonly code = 'EMULATOR_LISTEN_FAILED';
  constructor(host: string, port: number, options?: ErrorOptions) {
    const reason = options?.cause instanceof Error ? options.cause.message : String(options?.cause);
    super(
      `Cannot listen on ${host}:${port} (${reason}); pick another --port or stop what is using it`,
      options,
    );
    this.name = 'ListenError';
  }
}

/** The state folder holds a file the emulator cannot read back. */
export class StateFileError extends EmulatorError {
  override readonly code = 'EMULATOR_STATE_CORRUPT';
  constructor(file: string, options?: ErrorOptions) {
    super(`Cannot read emulator state file ${file}; fix or delete it (or the whole state folder)`, options);
    this.name = 'StateFileError';
  }
}
