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

/** A port `caprice dev` needs is taken. */
export class PortInUseError extends CliError {
  override readonly code = 'CAPRICE_PORT_IN_USE';
  constructor(what: string, flag: string, host: string, port: number, options?: ErrorOptions) {
    super(
      `Port ${port} on ${host} is in use, so the ${what} cannot listen there; pick another ${flag} (0 picks any free port) or stop what is using it`,
      options,
    );
    this.name = 'PortInUseError';
  }
}
