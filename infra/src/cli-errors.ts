/** An error of the caprice CLI's own (bad usage); printed as `error CODE: message`, exit status 1. */
export class CliError extends Error {
  readonly code: string = 'CAPRICE_CLI_ERROR';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CliError';
  }
}

/** A command-line option has a value the command cannot use. */
export class InvalidOptionError extends CliError {
  override readonly code = 'CAPRICE_INVALID_OPTION';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InvalidOptionError';
  }
}

/** The first argument names no command. */
export class UnknownCommandError extends CliError {
  override readonly code = 'CAPRICE_UNKNOWN_COMMAND';
  constructor(command: string, known: readonly string[]) {
    super(`Unknown command "${command}"; run one of: ${known.join(', ')}`);
    this.name = 'UnknownCommandError';
  }
}
