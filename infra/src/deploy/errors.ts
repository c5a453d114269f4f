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

/** Lambda kept saying the execution role cannot be assumed, beyond the retry budget. */
export class RoleNotAssumableError extends DeployError {
  override readonly code = 'INFRA_ROLE_NOT_ASSUMABLE';
  constructor(functionName: string, role: string, attempts: number, options?: ErrorOptions) {
    super(
      `Lambda cannot assume the role ${role} of ${functionName} (still refused after ${attempts} attempts): check that the role exists, that its trust policy allows the service principal lambda.amazonaws.com (sts:AssumeRole), and that the deploying identity may iam:PassRole it; set CAPRICE_ROLE_ARN to the right role`,
      options,
    );
    this.name = 'RoleNotAssumableError';
  }
}

/** A bucket the deploy uses lives in another region than the stack (Lambda and SES only read same-region buckets). */
export class BucketRegionError extends DeployError {
  override readonly code = 'INFRA_BUCKET_REGION';
  constructor(bucket: string, bucketRegion: string, stackRegion: string, variable: string) {
    super(
      `Bucket ${bucket} is in ${bucketRegion}, but the stack deploys to ${stackRegion}; deploy with --region ${bucketRegion}, or set ${variable} to a bucket name of your own in ${stackRegion}`,
    );
    this.name = 'BucketRegionError';
  }
}

/** SES receives mail only for verified identities. */
export class UnverifiedIdentityError extends DeployError {
  override readonly code = 'INFRA_SES_UNVERIFIED';
  constructor(domain: string, status: string, region: string) {
    super(
      `SES identity ${domain} is ${status} in ${region}; verify it once (aws sesv2 create-email-identity --email-identity ${domain}, then publish the DKIM CNAME records it returns) and deploy again — see "One-time SES setup" in infra/README.md`,
    );
    this.name = 'UnverifiedIdentityError';
  }
}

/** Bucket names are global: this one exists in another account (or refuses us). */
export class BucketNotOwnedError extends DeployError {
  override readonly code = 'INFRA_BUCKET_NOT_OWNED';
  constructor(bucket: string, variable: string, options?: ErrorOptions) {
    super(
      `Bucket ${bucket} exists but is not yours (S3 bucket names are global) or denies access; set ${variable} to a name of your own, e.g. ${bucket}-<account id>`,
      options,
    );
    this.name = 'BucketNotOwnedError';
  }
}

/** Whether an S3 error means "the bucket is someone else's" (HeadBucket 403, CreateBucket BucketAlreadyExists). */
export function isForeignBucket(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'BucketAlreadyExists' || e?.name === 'Forbidden' || e?.$metadata?.httpStatusCode === 403;
}

/** A running local stack was expected at a URL (the demo, the dashboard's sources) and nothing answered there. */
export class StackNotRunningError extends DeployError {
  override readonly code = 'INFRA_ENDPOINT_DOWN';
  constructor(where: string, flag: string, options?: ErrorOptions) {
    super(
      `Nothing answers at ${where}; start the local stack with \`pnpm caprice dev\`, or point ${flag} at where it runs`,
      options,
    );
    this.name = 'StackNotRunningError';
  }
}
