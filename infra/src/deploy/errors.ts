/** Base class for deploy errors; the CLI prints `error <code>: <message>` and exits 1. */
export class DeployError extends Error {
  readonly code: string = 'INFRA_DEPLOY_ERROR';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DeployError';
  }
}

/** The stack description holds a value AWS would refuse. */
export class StackConfigError extends DeployError {
  override readonly code = 'INFRA_STACK_INVALID';
  constructor(message: string) {
    super(`Invalid stack: ${message}`);
    this.name = 'StackConfigError';
  }
}

/** A zip the deploy needs has not been built. */
export class ArtifactNotFoundError extends DeployError {
  override readonly code = 'INFRA_ZIP_NOT_FOUND';
  constructor(path: string, buildCommand: string) {
    super(
      `Artifact ${path} does not exist; build it with \`${buildCommand}\` (caprice deploy builds it unless --no-build)`,
    );
    this.name = 'ArtifactNotFoundError';
  }
}

/** Lambda kept answering ResourceConflictException beyond the retry budget. */
export class ConflictRetryExhaustedError extends DeployError {
  override readonly code = 'INFRA_CONFLICT_RETRIES';
  constructor(operation: string, functionName: string, attempts: number, options?: ErrorOptions) {
    super(
      `${operation} on ${functionName} still conflicted after ${attempts} attempts (another update is in progress); wait for it to finish and run the deploy again`,
      options,
    );
    this.name = 'ConflictRetryExhaustedError';
  }
}
