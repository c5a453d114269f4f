import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The contract between the Lambda control plane (which stores functions, versions, aliases and layers)
 * and the Lambda data plane (instance pool, Runtime API, Invoke API). The control plane resolves a name +
 * qualifier into a frozen snapshot; the data plane runs it. Nothing here does I/O.
 */

/** One layer as the data plane needs it: already unzipped (safely) into its own folder. */
export interface ResolvedLayer {
  /** Full layer version ARN, e.g. arn:aws:lambda:us-east-1:000000000000:layer:caprice-node:3 */
  readonly arn: string;
  /** Folder holding the unzipped layer content (read-only for the data plane). */
  readonly dir: string;
  /** Unzipped size in bytes (counts toward the 250 MB limit). */
  readonly unzippedSize: number;
}

/** Everything needed to start and run instances of one function version. */
export interface FunctionSnapshot {
  readonly functionName: string;
  /** Unqualified function ARN. */
  readonly functionArn: string;
  /** '$LATEST' or a published version number as a string. */
  readonly version: string;
  /** The ARN the invoke used (qualified when a qualifier was given): sent as Invoked-Function-Arn. */
  readonly invokedFunctionArn: string;
  readonly runtime: string;
  readonly handler: string;
  readonly memorySize: number;
  /** Seconds. */
  readonly timeout: number;
  readonly architecture: 'x86_64' | 'arm64';
  readonly environment: Readonly<Record<string, string>>;
  /** Folder holding the unzipped function code (read-only for the data plane). */
  readonly codeDir: string;
  readonly codeSha256: string;
  readonly layers: readonly ResolvedLayer[];
  /** Changes on every code or configuration change: instances of an older revision are retired. */
  readonly revisionId: string;
  /** Reserved concurrency set by PutFunctionConcurrency, if any. */
  readonly reservedConcurrency?: number;
  readonly region: string;
  readonly logGroupName: string;
  /** Whether the function is ready to run (State Active). Pending/Failed invokes are rejected. */
  readonly state: 'Pending' | 'Active' | 'Inactive' | 'Failed';
  /** The event invoke config of the invoked qualifier (PutFunctionEventInvokeConfig), if one is set. */
  readonly asyncConfig?: AsyncInvokeConfig;
}

/** How asynchronous invokes of one function/version/alias are retried and where their records go. */
export interface AsyncInvokeConfig {
  /** 0–2; absent = 2. */
  readonly maximumRetryAttempts?: number;
  /** 60–21600; absent = 21600. */
  readonly maximumEventAgeInSeconds?: number;
  /** Destination ARN (Lambda function, S3 bucket, SQS, SNS, EventBridge) for successful invokes. */
  readonly onSuccess?: string;
  /** Destination ARN for events that used up their retries or their maximum age. */
  readonly onFailure?: string;
}

/** Implemented by the control plane, consumed by the data plane. */
export interface FunctionResolver {
  /**
   * Resolves a function name, partial or full ARN, with an optional qualifier (version or alias).
   * Throws `AwsServiceError(404, 'ResourceNotFoundException', …)` when it does not exist.
   */
  resolve(nameOrArn: string, qualifier?: string): FunctionSnapshot;
}

/** Implemented by the data plane, consumed by the control plane and by S3/SES triggers. */
export interface LambdaDataPlane {
  /** Asynchronous invoke (InvocationType Event): queued, retried twice on error like Lambda. */
  invokeAsync(nameOrArn: string, payload: Uint8Array, qualifier?: string): Promise<{ requestId: string }>;
  /** Retire every instance of the function (after an update or delete) once its current invoke ends. */
  retire(functionName: string): void;
  close(): Promise<void>;
}

/** What the Invoke API routes hand to the data plane (parsed from the URL by the router). */
export interface InvokeRoute {
  readonly functionName: string;
  readonly qualifier?: string;
  /** true for POST /2021-11-15/functions/{name}/response-streaming-invocations */
  readonly streaming: boolean;
}

/** The data plane as the emulator's HTTP router sees it. */
export interface LambdaDataPlaneHttp extends LambdaDataPlane {
  /** Answers POST /2015-03-31/functions/{name}/invocations (and the streaming variant) completely. */
  handleInvoke(req: IncomingMessage, res: ServerResponse, route: InvokeRoute): Promise<void>;
}

/** Options the emulator passes when it creates the data plane (src/lambda/data-plane.ts: createDataPlane). */
export interface DataPlaneOptions {
  readonly resolver: FunctionResolver;
  /** State folder root; the data plane keeps instances under <stateDir>/instances and logs under <stateDir>/logs. */
  readonly stateDir: string;
  /** Host the per-instance Runtime API servers bind (127.0.0.1 by default). */
  readonly host?: string;
}
