/**
 * Publishes the runtime layer and creates/updates the stack's functions through the Lambda API. The same code
 * path serves real AWS and the emulator: only the client's endpoint differs.
 */
import { Readable } from 'node:stream';
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  type FunctionConfiguration,
  GetAliasCommand,
  GetFunctionCommand,
  type LambdaClient,
  ListLayerVersionsCommand,
  ListVersionsByFunctionCommand,
  PublishLayerVersionCommand,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
  waitUntilPublishedVersionActive,
} from '@aws-sdk/client-lambda';
import {
  type BucketLocationConstraint,
  CreateBucketCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { FunctionSpec, Stack } from '../stack.js';
import type { Artifact, Artifacts } from './artifacts.js';
import {
  BucketNotOwnedError,
  BucketRegionError,
  ConflictRetryExhaustedError,
  DeployError,
  isForeignBucket,
  RoleNotAssumableError,
} from './errors.js';
import {
  checkBucket,
  type DeployedFunction,
  type DesiredFunction,
  DIRECT_UPLOAD_LIMIT,
  desiredConfiguration,
  type FunctionStep,
  findReusableLayer,
  layerDescription,
  needsS3Upload,
  type PublishedVersion,
  planFunction,
  planVersion,
  RUNTIME,
  stagingKey,
  type VersionPlan,
} from './plan.js';
import { type Progress, silentProgress } from './progress.js';

export interface DeployOptions {
  readonly stack: Stack;
  readonly lambda: LambdaClient;
  readonly artifacts: Artifacts;
  /** Deploy only these functions (by name); the layer is published only if one of them needs it. */
  readonly only?: readonly string[];
  /** Read the current state and print the plan, but make no mutating call. */
  readonly dryRun?: boolean;
  readonly log?: (line: string) => void;
  /** ResourceConflictException retries: attempts and the first back-off (doubled each time, jittered). */
  readonly conflictRetry?: { readonly attempts: number; readonly baseDelayMs: number };
  /** Longest wait for a function to become Active / Successful, seconds. */
  readonly maxWaitSeconds?: number;
  /**
   * First delay between waiter polls, seconds (default 1, the SDK's own). `caprice dev` polls its local emulator
   * every 50 ms, so a save is reported as deployed as soon as it is, not a second later.
   */
  readonly pollSeconds?: number;
  /** S3, for zips over the direct-upload limit (staging bucket `stack.stagingBucket`). */
  readonly s3?: S3Client;
  /** Zips bigger than this many bytes go through S3 (default: Lambda's 50 MB; tests lower it). */
  readonly directUploadLimit?: number;
  /** Spinner and upload bar (TTY only); default none. */
  readonly progress?: Progress;
}

export interface LayerOutcome {
  readonly architecture: string;
  readonly arn: string;
  readonly published: boolean;
}

export interface FunctionOutcome {
  readonly name: string;
  readonly arn: string;
  readonly steps: readonly FunctionStep[];
  /** Version and alias work, when the function publishes versions. */
  readonly versioning?: VersionPlan & { readonly aliasArn?: string };
  /** Where code was uploaded through S3, when it was too big for the request. */
  readonly uploadedTo?: string;
}

export interface DeployResult {
  readonly dryRun: boolean;
  readonly layers: readonly LayerOutcome[];
  readonly functions: readonly FunctionOutcome[];
  /** Whether anything was (or, in a dry run, would be) changed. */
  readonly changed: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function isConflict(error: unknown): boolean {
  return (error as { name?: string })?.name === 'ResourceConflictException';
}

/** A fresh IAM role takes seconds to propagate; Lambda says so with this message. */
function isRoleNotReady(error: unknown): boolean {
  const e = error as { name?: string; message?: string };
  return e?.name === 'InvalidParameterValueException' && /role .* cannot be assumed/i.test(e.message ?? '');
}

type RetryOptions = Required<Pick<DeployOptions, 'conflictRetry'>> & Pick<DeployOptions, 'log'>;

async function withRetry<T>(
  operation: string,
  functionName: string,
  options: RetryOptions,
  call: () => Promise<T>,
  role?: string,
): Promise<T> {
  const { attempts, baseDelayMs } = options.conflictRetry;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!isConflict(error) && !isRoleNotReady(error)) throw error;
      if (attempt >= attempts) {
        if (isRoleNotReady(error) && role) {
          throw new RoleNotAssumableError(functionName, role, attempts, { cause: error });
        }
        throw new ConflictRetryExhaustedError(operation, functionName, attempts, { cause: error });
      }
      // Full jitter keeps two deploys racing on one function from retrying in lockstep.
      const delay = Math.round(baseDelayMs * 2 ** (attempt - 1) * (0.5 + Math.random() / 2));
      options.log?.(`  ${operation} ${functionName}: ${(error as Error).name}, retrying in ${delay} ms`);
      await sleep(delay);
    }
  }
}

async function getDeployed(
  lambda: LambdaClient,
  name: string,
): Promise<(DeployedFunction & { arn: string }) | undefined> {
  try {
    const { Configuration: c } = await lambda.send(new GetFunctionCommand({ FunctionName: name }));
    if (!c?.FunctionArn) return undefined;
    return { arn: c.FunctionArn, ...toDeployed(c) };
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

const nameOf = (error: unknown) => (error as { name?: string })?.name;
const isNotFound = (error: unknown) =>
  ['NotFound', 'NoSuchBucket', 'NoSuchKey', 'ResourceNotFoundException'].includes(nameOf(error) ?? '');

/** `{ ZipFile }` for small zips; for big ones, the staging bucket location after uploading (once per content). */
type CodeSource = { ZipFile: Uint8Array } | { S3Bucket: string; S3Key: string };

/** One deploy's state: the staging bucket is checked (and created) at most once. */
interface Run {
  readonly options: DeployOptions;
  readonly retry: RetryOptions;
  readonly progress: Progress;
  staging?: Promise<void>;
}

function usesS3(run: Run, artifact: Artifact): boolean {
  return needsS3Upload(artifact.size, run.options.directUploadLimit ?? DIRECT_UPLOAD_LIMIT);
}

async function ensureStagingBucket(run: Run, s3: S3Client): Promise<void> {
  const { stack, log } = run.options;
  const bucket = stack.stagingBucket;
  let head: { region?: string } | undefined;
  try {
    const out = await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    head = { ...(out.BucketRegion ? { region: out.BucketRegion } : {}) };
  } catch (error) {
    // A bucket in another region answers HeadBucket with a 301 that names the region.
    const region = (error as { $response?: { headers?: Record<string, string> } }).$response?.headers?.[
      'x-amz-bucket-region'
    ];
    if (region) head = { region };
    else if (isForeignBucket(error))
      throw new BucketNotOwnedError(bucket, 'CAPRICE_STAGING_BUCKET', { cause: error });
    else if (!isNotFound(error)) throw error;
  }
  const check = checkBucket(head, stack.region);
  if (check.kind === 'wrongRegion') {
    throw new BucketRegionError(bucket, check.region, stack.region, 'CAPRICE_STAGING_BUCKET');
  }
  if (check.kind === 'create') {
    log?.(`staging bucket ${bucket}: creating in ${stack.region}`);
    await s3
      .send(
        new CreateBucketCommand({
          Bucket: bucket,
          // us-east-1 is the one region that must not be named.
          ...(stack.region === 'us-east-1'
            ? {}
            : {
                CreateBucketConfiguration: {
                  LocationConstraint: stack.region as BucketLocationConstraint,
                },
              }),
        }),
      )
      .catch((error: unknown) => {
        throw isForeignBucket(error)
          ? new BucketNotOwnedError(bucket, 'CAPRICE_STAGING_BUCKET', { cause: error })
          : error;
      });
  }
}

async function codeSource(run: Run, owner: string, artifact: Artifact): Promise<CodeSource> {
  if (!usesS3(run, artifact)) return { ZipFile: artifact.bytes };
  const { s3, stack, log } = run.options;
  if (!s3) {
    throw new DeployError(
      `${artifact.path} is ${artifact.size} bytes, over Lambda's direct-upload limit, and no S3 client was given to upload it through ${stack.stagingBucket}`,
    );
  }
  run.staging ??= ensureStagingBucket(run, s3);
  await run.staging;
  const location = { S3Bucket: stack.stagingBucket, S3Key: stagingKey(owner, artifact.codeSha256) };
  try {
    await s3.send(new HeadObjectCommand({ Bucket: location.S3Bucket, Key: location.S3Key }));
    log?.(`  s3://${location.S3Bucket}/${location.S3Key}: already uploaded`);
    return location;
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  log?.(`  uploading ${artifact.size} bytes to s3://${location.S3Bucket}/${location.S3Key}`);
  const CHUNK = 1024 * 1024;
  // A stream of 1 MB slices, so the bar follows what the HTTP layer has taken. A stream cannot be replayed by the
  // SDK's own retries, so a failed attempt (network, 5xx) starts over here with a fresh stream.
  for (let attempt = 1; ; attempt++) {
    const bar = run.progress.upload(`  ${owner}`, artifact.size);
    const body = Readable.from(
      (function* () {
        for (let at = 0; at < artifact.bytes.length; at += CHUNK) {
          const slice = artifact.bytes.subarray(at, at + CHUNK);
          bar.advance(slice.length);
          yield slice;
        }
      })(),
    );
    try {
      await s3.send(
        new PutObjectCommand({
          Bucket: location.S3Bucket,
          Key: location.S3Key,
          Body: body,
          ContentLength: artifact.size,
          ContentType: 'application/zip',
        }),
      );
      break;
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if ((status !== undefined && status < 500) || attempt >= 3) throw error;
      log?.(`  upload of ${owner} failed (${(error as Error).name}), retrying`);
    } finally {
      bar.done();
    }
  }
  return location;
}

function describeSource(run: Run, owner: string, artifact: Artifact): string {
  return usesS3(run, artifact)
    ? ` via s3://${run.options.stack.stagingBucket}/${stagingKey(owner, artifact.codeSha256)}`
    : '';
}

async function ensureLayer(run: Run, architecture: string): Promise<LayerOutcome> {
  const { options, retry } = run;
  const { stack, lambda, artifacts, log } = options;
  const artifact = artifacts.layers[architecture];
  if (!artifact)
    throw new DeployError(`No layer zip for architecture ${architecture}; build it with \`pnpm zip\``);
  const versions: { arn: string; version: number; description?: string }[] = [];
  let marker: string | undefined;
  do {
    const page = await lambda.send(
      new ListLayerVersionsCommand({
        LayerName: stack.layer.name,
        CompatibleArchitecture: architecture as 'x86_64' | 'arm64',
        Marker: marker,
      }),
    );
    for (const v of page.LayerVersions ?? []) {
      if (v.LayerVersionArn && v.Version !== undefined) {
        versions.push({ arn: v.LayerVersionArn, version: v.Version, description: v.Description });
      }
    }
    marker = page.NextMarker;
  } while (marker);
  const reusable = findReusableLayer(versions, artifact.codeSha256);
  if (reusable) {
    log?.(`layer ${stack.layer.name} (${architecture}): unchanged, ${reusable}`);
    return { architecture, arn: reusable, published: false };
  }
  if (options.dryRun) {
    log?.(
      `layer ${stack.layer.name} (${architecture}): would call PublishLayerVersion (no version has content ${artifact.codeSha256})${describeSource(run, `${stack.layer.name}-${architecture}`, artifact)}`,
    );
    return {
      architecture,
      arn: `arn:aws:lambda:${stack.region}:${stack.account}:layer:${stack.layer.name}:(new)`,
      published: true,
    };
  }
  log?.(`layer ${stack.layer.name} (${architecture}): calling PublishLayerVersion (${artifact.size} bytes)`);
  const content = await codeSource(run, `${stack.layer.name}-${architecture}`, artifact);
  const published = await run.progress.wait(
    `publishing ${stack.layer.name} (${architecture})`,
    withRetry('PublishLayerVersion', stack.layer.name, retry, () =>
      lambda.send(
        new PublishLayerVersionCommand({
          LayerName: stack.layer.name,
          Description: layerDescription(stack.layer.nodeVersion, architecture, artifact.codeSha256),
          Content: content,
          CompatibleRuntimes: [RUNTIME],
          CompatibleArchitectures: [architecture as 'x86_64' | 'arm64'],
        }),
      ),
    ),
  );
  if (!published.LayerVersionArn)
    throw new DeployError(`PublishLayerVersion for ${stack.layer.name} returned no ARN`);
  log?.(`layer ${stack.layer.name} (${architecture}): published ${published.LayerVersionArn}`);
  return { architecture, arn: published.LayerVersionArn, published: true };
}

function toDeployed(c: FunctionConfiguration): DeployedFunction {
  return {
    runtime: c.Runtime,
    handler: c.Handler,
    memorySize: c.MemorySize,
    timeout: c.Timeout,
    role: c.Role,
    description: c.Description,
    environment: c.Environment?.Variables ?? {},
    layers: (c.Layers ?? []).map((l) => l.Arn ?? ''),
    architecture: c.Architectures?.[0],
    codeSha256: c.CodeSha256,
  };
}

/** The newest numbered version (ListVersionsByFunction lists $LATEST too, and pages). */
async function newestVersion(lambda: LambdaClient, name: string): Promise<PublishedVersion | undefined> {
  let newest: PublishedVersion | undefined;
  let marker: string | undefined;
  do {
    const page = await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: name, Marker: marker }));
    for (const v of page.Versions ?? []) {
      if (!v.Version || !/^\d+$/.test(v.Version)) continue;
      if (!newest || Number(v.Version) > Number(newest.version))
        newest = { ...toDeployed(v), version: v.Version };
    }
    marker = page.NextMarker;
  } while (marker);
  return newest;
}

async function aliasVersion(lambda: LambdaClient, name: string, alias: string): Promise<string | undefined> {
  try {
    return (await lambda.send(new GetAliasCommand({ FunctionName: name, Name: alias }))).FunctionVersion;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

async function applyVersioning(
  run: Run,
  desired: DesiredFunction,
  latestChanged: boolean,
  exists: boolean,
): Promise<FunctionOutcome['versioning']> {
  const { lambda, log, dryRun } = run.options;
  const { spec } = desired;
  if (!spec.publish && !spec.alias) return undefined;
  const newest = exists ? await newestVersion(lambda, spec.name) : undefined;
  const current = exists && spec.alias ? await aliasVersion(lambda, spec.name, spec.alias) : undefined;
  const plan = planVersion(desired, latestChanged, newest, current);
  if (!plan) return undefined;
  const verb = dryRun ? 'would call' : 'calling';
  if (plan.publish) log?.(`function ${spec.name}: ${verb} PublishVersion (${plan.reason})`);
  if (plan.alias) {
    log?.(
      `function ${spec.name}: ${verb} ${plan.alias.kind === 'create' ? 'CreateAlias' : 'UpdateAlias'} (${plan.alias.name} → ${plan.version}${plan.alias.from ? `, was ${plan.alias.from}` : ''})`,
    );
  }
  if (dryRun) return plan;
  let version = plan.version;
  if (plan.publish) {
    const published = await withRetry('PublishVersion', spec.name, run.retry, () =>
      lambda.send(new PublishVersionCommand({ FunctionName: spec.name, CodeSha256: desired.codeSha256 })),
    );
    version = published.Version;
    if (!version) throw new DeployError(`PublishVersion for ${spec.name} returned no version`);
    await run.progress.wait(
      `waiting for ${spec.name}:${version}`,
      waitUntilPublishedVersionActive(waiter(run), { FunctionName: spec.name, Qualifier: version }),
    );
  }
  let aliasArn: string | undefined;
  if (plan.alias && version) {
    const input = { FunctionName: spec.name, Name: plan.alias.name, FunctionVersion: version };
    const out = await withRetry(
      `${plan.alias.kind === 'create' ? 'Create' : 'Update'}Alias`,
      spec.name,
      run.retry,
      () =>
        plan.alias?.kind === 'create'
          ? lambda.send(new CreateAliasCommand(input))
          : lambda.send(new UpdateAliasCommand(input)),
    );
    aliasArn = out.AliasArn;
  }
  log?.(`function ${spec.name}: version ${version}${spec.alias ? `, alias ${spec.alias}` : ''}`);
  return { ...plan, ...(version ? { version } : {}), ...(aliasArn ? { aliasArn } : {}) };
}

/** The Lambda API call behind each planned step, for the printed plan. */
const STEP_CALLS: Record<FunctionStep['kind'], string> = {
  create: 'CreateFunction',
  updateConfiguration: 'UpdateFunctionConfiguration',
  updateCode: 'UpdateFunctionCode',
};

function waiter(run: Run) {
  return {
    client: run.options.lambda,
    maxWaitTime: run.options.maxWaitSeconds ?? 300,
    minDelay: run.options.pollSeconds ?? 1,
    maxDelay: 5,
  };
}

async function applyFunction(
  run: Run,
  desired: DesiredFunction,
  artifact: Artifact,
): Promise<FunctionOutcome> {
  const { options, retry } = run;
  const { lambda, log, stack } = options;
  const { spec } = desired;
  const deployed = await getDeployed(lambda, spec.name);
  const steps = planFunction(desired, deployed);
  const arn = deployed?.arn ?? `arn:aws:lambda:${stack.region}:${stack.account}:function:${spec.name}`;
  const uploads = steps.some((s) => s.kind === 'create' || s.kind === 'updateCode');
  const via = uploads ? describeSource(run, spec.name, artifact) : '';
  if (steps.length === 0) log?.(`function ${spec.name}: unchanged`);
  for (const step of steps) {
    const source = step.kind === 'updateConfiguration' ? '' : via;
    log?.(
      `function ${spec.name}: ${options.dryRun ? 'would call' : 'calling'} ${STEP_CALLS[step.kind]} (${step.reason})${source}`,
    );
  }
  const uploadedTo = via ? via.replace(/^ via /, '') : undefined;
  if (options.dryRun || steps.length === 0) {
    const versioning = await applyVersioning(run, desired, steps.length > 0, deployed !== undefined);
    return {
      name: spec.name,
      arn,
      steps,
      ...(versioning ? { versioning } : {}),
      ...(uploadedTo ? { uploadedTo } : {}),
    };
  }

  const config = desiredConfiguration(desired);
  const wait = <T>(label: string, work: Promise<T>) => run.progress.wait(`${label} ${spec.name}`, work);
  let finalArn = arn;
  for (const step of steps) {
    if (step.kind === 'create') {
      const code = await codeSource(run, spec.name, artifact);
      const created = await wait(
        'creating',
        withRetry(
          'CreateFunction',
          spec.name,
          retry,
          () =>
            lambda.send(
              new CreateFunctionCommand({
                FunctionName: spec.name,
                Runtime: RUNTIME,
                Handler: config.handler,
                Role: config.role,
                Code: code,
                Description: config.description,
                MemorySize: config.memorySize,
                Timeout: config.timeout,
                Architectures: [spec.architecture],
                Layers: [...config.layers],
                Environment: { Variables: { ...config.environment } },
              }),
            ),
          spec.role,
        ),
      );
      finalArn = created.FunctionArn ?? arn;
      await wait(
        'waiting until Active:',
        waitUntilFunctionActiveV2(waiter(run), { FunctionName: spec.name }),
      );
    } else if (step.kind === 'updateConfiguration') {
      await withRetry(
        'UpdateFunctionConfiguration',
        spec.name,
        retry,
        () =>
          lambda.send(
            new UpdateFunctionConfigurationCommand({
              FunctionName: spec.name,
              Runtime: RUNTIME,
              Handler: config.handler,
              Role: config.role,
              Description: config.description,
              MemorySize: config.memorySize,
              Timeout: config.timeout,
              Layers: [...config.layers],
              Environment: { Variables: { ...config.environment } },
            }),
          ),
        spec.role,
      );
      await wait(
        'waiting for the update of',
        waitUntilFunctionUpdatedV2(waiter(run), { FunctionName: spec.name }),
      );
    } else {
      const code = await codeSource(run, spec.name, artifact);
      await wait(
        'sending the code of',
        withRetry('UpdateFunctionCode', spec.name, retry, () =>
          lambda.send(
            new UpdateFunctionCodeCommand({
              FunctionName: spec.name,
              ...code,
              Architectures: [spec.architecture],
            }),
          ),
        ),
      );
      await wait(
        'waiting for the update of',
        waitUntilFunctionUpdatedV2(waiter(run), { FunctionName: spec.name }),
      );
    }
  }
  log?.(`function ${spec.name}: ready`);
  const versioning = await applyVersioning(run, desired, true, true);
  return {
    name: spec.name,
    arn: finalArn,
    steps,
    ...(versioning ? { versioning } : {}),
    ...(uploadedTo ? { uploadedTo } : {}),
  };
}

/**
 * Deploys the stack's layer and functions: layer per architecture (reused when a version with the same content
 * hash exists), then each function created or updated, waiting with the SDK waiters after every mutation and
 * retrying ResourceConflictException with jittered back-off. Re-running with nothing changed makes no mutating call.
 */
export async function deployStack(options: DeployOptions): Promise<DeployResult> {
  const { stack, artifacts } = options;
  const run: Run = {
    options,
    retry: { conflictRetry: options.conflictRetry ?? { attempts: 8, baseDelayMs: 500 }, log: options.log },
    progress: options.progress ?? silentProgress,
  };
  const selected: FunctionSpec[] = options.only?.length
    ? options.only.map((name) => {
        const spec = stack.functions.find((f) => f.name === name);
        if (!spec) {
          throw new DeployError(
            `Unknown function ${JSON.stringify(name)}; the stack has ${stack.functions.map((f) => f.name).join(', ')}`,
          );
        }
        return spec;
      })
    : [...stack.functions];

  const layers: LayerOutcome[] = [];
  for (const architecture of new Set(selected.map((f) => f.architecture))) {
    layers.push(await ensureLayer(run, architecture));
  }
  const functions: FunctionOutcome[] = [];
  for (const spec of selected) {
    const artifact = artifacts.functions[spec.app];
    if (!artifact) throw new DeployError(`No zip for app ${spec.app}; build it with \`pnpm zip\``);
    const layer = layers.find((l) => l.architecture === spec.architecture);
    if (!layer) throw new DeployError(`No layer for architecture ${spec.architecture}`);
    functions.push(
      await applyFunction(run, { spec, layerArn: layer.arn, codeSha256: artifact.codeSha256 }, artifact),
    );
  }
  const changed =
    layers.some((l) => l.published) ||
    functions.some((f) => f.steps.length > 0 || f.versioning?.publish || f.versioning?.alias);
  return { dryRun: options.dryRun ?? false, layers, functions, changed };
}
