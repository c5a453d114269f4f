/**
 * Publishes the runtime layer and creates/updates the stack's functions through the Lambda API. The same code
 * path serves real AWS and the emulator: only the client's endpoint differs.
 */
import {
  CreateFunctionCommand,
  GetFunctionCommand,
  type LambdaClient,
  ListLayerVersionsCommand,
  PublishLayerVersionCommand,
  ResourceNotFoundException,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import type { FunctionSpec, Stack } from '../stack.js';
import type { Artifact, Artifacts } from './artifacts.js';
import { ConflictRetryExhaustedError, DeployError } from './errors.js';
import {
  type DeployedFunction,
  type DesiredFunction,
  desiredConfiguration,
  type FunctionStep,
  findReusableLayer,
  layerDescription,
  planFunction,
  RUNTIME,
} from './plan.js';

/** Lambda's direct-upload limit; bigger zips go through S3 (not supported yet: the deploy stops and says so). */
const DIRECT_UPLOAD_LIMIT = 50 * 1024 * 1024;

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

async function withRetry<T>(
  operation: string,
  functionName: string,
  options: Required<Pick<DeployOptions, 'conflictRetry'>> & Pick<DeployOptions, 'log'>,
  call: () => Promise<T>,
): Promise<T> {
  const { attempts, baseDelayMs } = options.conflictRetry;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!isConflict(error) && !isRoleNotReady(error)) throw error;
      if (attempt >= attempts)
        throw new ConflictRetryExhaustedError(operation, functionName, attempts, { cause: error });
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
    return {
      arn: c.FunctionArn,
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
  } catch (error) {
    if (error instanceof ResourceNotFoundException || (error as Error).name === 'ResourceNotFoundException') {
      return undefined;
    }
    throw error;
  }
}

function zipBytes(artifact: Artifact): Uint8Array {
  if (artifact.size > DIRECT_UPLOAD_LIMIT) {
    throw new DeployError(
      `${artifact.path} is ${artifact.size} bytes, over Lambda's ${DIRECT_UPLOAD_LIMIT}-byte direct-upload limit; upload through S3 is not implemented yet — strip the Node binary or use a smaller layer`,
    );
  }
  return artifact.bytes;
}

async function ensureLayer(
  options: DeployOptions,
  architecture: string,
  retry: Required<Pick<DeployOptions, 'conflictRetry'>> & Pick<DeployOptions, 'log'>,
): Promise<LayerOutcome> {
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
      `layer ${stack.layer.name} (${architecture}): would publish a new version (content ${artifact.codeSha256})`,
    );
    return {
      architecture,
      arn: `arn:aws:lambda:${stack.region}:${stack.account}:layer:${stack.layer.name}:(new)`,
      published: true,
    };
  }
  log?.(`layer ${stack.layer.name} (${architecture}): publishing ${artifact.size} bytes`);
  const published = await withRetry('PublishLayerVersion', stack.layer.name, retry, () =>
    lambda.send(
      new PublishLayerVersionCommand({
        LayerName: stack.layer.name,
        Description: layerDescription(stack.layer.nodeVersion, architecture, artifact.codeSha256),
        Content: { ZipFile: zipBytes(artifact) },
        CompatibleRuntimes: [RUNTIME],
        CompatibleArchitectures: [architecture as 'x86_64' | 'arm64'],
      }),
    ),
  );
  if (!published.LayerVersionArn)
    throw new DeployError(`PublishLayerVersion for ${stack.layer.name} returned no ARN`);
  log?.(`layer ${stack.layer.name} (${architecture}): published ${published.LayerVersionArn}`);
  return { architecture, arn: published.LayerVersionArn, published: true };
}

async function applyFunction(
  options: DeployOptions,
  desired: DesiredFunction,
  artifact: Artifact,
  retry: Required<Pick<DeployOptions, 'conflictRetry'>> & Pick<DeployOptions, 'log'>,
): Promise<FunctionOutcome> {
  const { lambda, log, stack } = options;
  const { spec } = desired;
  const deployed = await getDeployed(lambda, spec.name);
  const steps = planFunction(desired, deployed);
  const arn = deployed?.arn ?? `arn:aws:lambda:${stack.region}:${stack.account}:function:${spec.name}`;
  if (steps.length === 0) log?.(`function ${spec.name}: unchanged`);
  for (const step of steps)
    log?.(`function ${spec.name}: ${options.dryRun ? 'would ' : ''}${step.kind} (${step.reason})`);
  if (options.dryRun || steps.length === 0) return { name: spec.name, arn, steps };

  const waiter = { client: lambda, maxWaitTime: options.maxWaitSeconds ?? 300, minDelay: 1, maxDelay: 5 };
  const config = desiredConfiguration(desired);
  let finalArn = arn;
  for (const step of steps) {
    if (step.kind === 'create') {
      const created = await withRetry('CreateFunction', spec.name, retry, () =>
        lambda.send(
          new CreateFunctionCommand({
            FunctionName: spec.name,
            Runtime: RUNTIME,
            Handler: config.handler,
            Role: config.role,
            Code: { ZipFile: zipBytes(artifact) },
            Description: config.description,
            MemorySize: config.memorySize,
            Timeout: config.timeout,
            Architectures: [spec.architecture],
            Layers: [...config.layers],
            Environment: { Variables: { ...config.environment } },
          }),
        ),
      );
      finalArn = created.FunctionArn ?? arn;
      await waitUntilFunctionActiveV2(waiter, { FunctionName: spec.name });
    } else if (step.kind === 'updateConfiguration') {
      await withRetry('UpdateFunctionConfiguration', spec.name, retry, () =>
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
      );
      await waitUntilFunctionUpdatedV2(waiter, { FunctionName: spec.name });
    } else {
      await withRetry('UpdateFunctionCode', spec.name, retry, () =>
        lambda.send(
          new UpdateFunctionCodeCommand({
            FunctionName: spec.name,
            ZipFile: zipBytes(artifact),
            Architectures: [spec.architecture],
          }),
        ),
      );
      await waitUntilFunctionUpdatedV2(waiter, { FunctionName: spec.name });
    }
  }
  log?.(`function ${spec.name}: ready`);
  return { name: spec.name, arn: finalArn, steps };
}

/**
 * Deploys the stack's layer and functions: layer per architecture (reused when a version with the same content
 * hash exists), then each function created or updated, waiting with the SDK waiters after every mutation and
 * retrying ResourceConflictException with jittered back-off. Re-running with nothing changed makes no mutating call.
 */
export async function deployStack(options: DeployOptions): Promise<DeployResult> {
  const { stack, artifacts } = options;
  const retry = {
    conflictRetry: options.conflictRetry ?? { attempts: 8, baseDelayMs: 500 },
    log: options.log,
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
    layers.push(await ensureLayer(options, architecture, retry));
  }
  const functions: FunctionOutcome[] = [];
  for (const spec of selected) {
    const artifact = artifacts.functions[spec.app];
    if (!artifact) throw new DeployError(`No zip for app ${spec.app}; build it with \`pnpm zip\``);
    const layer = layers.find((l) => l.architecture === spec.architecture);
    if (!layer) throw new DeployError(`No layer for architecture ${spec.architecture}`);
    functions.push(
      await applyFunction(
        options,
        { spec, layerArn: layer.arn, codeSha256: artifact.codeSha256 },
        artifact,
        retry,
      ),
    );
  }
  const changed = layers.some((l) => l.published) || functions.some((f) => f.steps.length > 0);
  return { dryRun: options.dryRun ?? false, layers, functions, changed };
}
