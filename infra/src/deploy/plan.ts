/**
 * The pure half of a deploy: what is deployed now + what the stack wants → the calls to make and why.
 * No I/O here, so every "what changes → which calls" rule is unit-tested without a server.
 */
import type { FunctionSpec } from '../stack.js';

export const RUNTIME = 'provided.al2023';

/** The deployed state of a function, in the fields the plan compares (from GetFunction.Configuration). */
export interface DeployedFunction {
  readonly runtime?: string;
  readonly handler?: string;
  readonly memorySize?: number;
  readonly timeout?: number;
  readonly role?: string;
  readonly description?: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly layers: readonly string[];
  readonly architecture?: string;
  readonly codeSha256?: string;
}

/** The function as it should be after the deploy. */
export interface DesiredFunction {
  readonly spec: FunctionSpec;
  readonly layerArn: string;
  /** base64 SHA-256 of the local zip, comparable with Lambda's CodeSha256. */
  readonly codeSha256: string;
}

export type FunctionStep =
  | { readonly kind: 'create'; readonly reason: string }
  | { readonly kind: 'updateCode'; readonly reason: string }
  | { readonly kind: 'updateConfiguration'; readonly changed: readonly string[]; readonly reason: string };

/** The configuration fields UpdateFunctionConfiguration sets, with the stack's values. */
export function desiredConfiguration(
  desired: DesiredFunction,
): Omit<DeployedFunction, 'codeSha256' | 'architecture'> {
  return {
    runtime: RUNTIME,
    handler: desired.spec.handler,
    memorySize: desired.spec.memorySize,
    timeout: desired.spec.timeout,
    role: desired.spec.role,
    description: desired.spec.description ?? `Caprice ${desired.spec.app}`,
    environment: desired.spec.environment,
    layers: [desired.layerArn],
  };
}

function sameRecord(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

/**
 * Steps for one function, in the order they must run. Configuration goes before code, so a new layer and the
 * code written against it arrive before the next cold start; an architecture change rides on UpdateFunctionCode
 * (the only call that accepts `Architectures`).
 */
export function planFunction(
  desired: DesiredFunction,
  deployed: DeployedFunction | undefined,
): FunctionStep[] {
  if (!deployed) return [{ kind: 'create', reason: 'the function does not exist yet' }];
  const want = desiredConfiguration(desired);
  const changed: string[] = [];
  if (deployed.runtime !== want.runtime) changed.push('Runtime');
  if (deployed.handler !== want.handler) changed.push('Handler');
  if (deployed.memorySize !== want.memorySize) changed.push('MemorySize');
  if (deployed.timeout !== want.timeout) changed.push('Timeout');
  if (deployed.role !== want.role) changed.push('Role');
  if ((deployed.description ?? '') !== want.description) changed.push('Description');
  if (!sameRecord(deployed.environment, want.environment)) changed.push('Environment');
  if (deployed.layers.join('\n') !== want.layers.join('\n')) changed.push('Layers');
  const steps: FunctionStep[] = [];
  if (changed.length > 0) {
    steps.push({ kind: 'updateConfiguration', changed, reason: `${changed.join(', ')} changed` });
  }
  if (deployed.codeSha256 !== desired.codeSha256) {
    steps.push({
      kind: 'updateCode',
      reason: `CodeSha256 ${deployed.codeSha256 ?? '(none)'} → ${desired.codeSha256}`,
    });
  } else if ((deployed.architecture ?? 'x86_64') !== desired.spec.architecture) {
    steps.push({
      kind: 'updateCode',
      reason: `architecture ${deployed.architecture} → ${desired.spec.architecture}`,
    });
  }
  return steps;
}

/** The content hash a layer version carries in its Description, so re-deploys can find and reuse it. */
export function layerDescription(nodeVersion: string, architecture: string, codeSha256: string): string {
  return `Caprice Node ${nodeVersion} runtime (${architecture}) sha256:${codeSha256}`;
}

/** Picks the newest existing layer version whose Description carries the same content hash. */
export function findReusableLayer(
  versions: readonly { readonly arn: string; readonly version: number; readonly description?: string }[],
  codeSha256: string,
): string | undefined {
  const marker = `sha256:${codeSha256}`;
  return [...versions].filter((v) => v.description?.includes(marker)).sort((a, b) => b.version - a.version)[0]
    ?.arn;
}

/** Lambda's limit for code sent in the request (`ZipFile`); bigger zips go through the staging bucket. */
export const DIRECT_UPLOAD_LIMIT = 50 * 1024 * 1024;

/** Whether a zip of `size` bytes must go through S3 rather than in the request. */
export function needsS3Upload(size: number, limit: number = DIRECT_UPLOAD_LIMIT): boolean {
  return size > limit;
}

/** Content-addressed key in the staging bucket: the same zip is uploaded once, whatever deploys it. */
export function stagingKey(owner: string, codeSha256: string): string {
  return `caprice/${owner}/${Buffer.from(codeSha256, 'base64').toString('hex')}.zip`;
}

/** What the staging bucket needs: nothing, creating, or it lives in another region (AWS would refuse the code). */
export type BucketCheck =
  | { readonly kind: 'ok' }
  | { readonly kind: 'create' }
  | { readonly kind: 'wrongRegion'; readonly region: string };

/** Compares HeadBucket's answer (undefined = no such bucket) with the stack's region. */
export function checkBucket(
  head: { readonly region?: string } | undefined,
  stackRegion: string,
): BucketCheck {
  if (!head) return { kind: 'create' };
  // us-east-1 buckets may report no region at all.
  const region = head.region || 'us-east-1';
  return region === stackRegion ? { kind: 'ok' } : { kind: 'wrongRegion', region };
}

/** The newest published version of a function, as ListVersionsByFunction shows it. */
export interface PublishedVersion extends DeployedFunction {
  readonly version: string;
}

export interface VersionPlan {
  /** Publish a new version (PublishVersion + waitUntilPublishedVersionActive). */
  readonly publish: boolean;
  /** The version the alias should point at; `(new)` when it is the one about to be published. */
  readonly version?: string;
  readonly alias?: { readonly kind: 'create' | 'update'; readonly name: string; readonly from?: string };
  readonly reason: string;
}

/**
 * Versions and aliases: publish when the function is configured to and `$LATEST` differs from the newest
 * published version (code or configuration), then point the alias at that version. Nothing changed → no call.
 */
export function planVersion(
  desired: DesiredFunction,
  latestChanged: boolean,
  newest: PublishedVersion | undefined,
  aliasVersion: string | undefined,
): VersionPlan | undefined {
  const { publish, alias } = desired.spec;
  if (!publish && !alias) return undefined;
  const upToDate = !latestChanged && newest !== undefined && planFunction(desired, newest).length === 0;
  const version = upToDate ? newest.version : '(new)';
  const reason = upToDate
    ? `version ${newest.version} already has this code and configuration`
    : newest
      ? `$LATEST differs from version ${newest.version}`
      : 'no version published yet';
  const aliasStep: VersionPlan['alias'] =
    alias === undefined || aliasVersion === version
      ? undefined
      : aliasVersion === undefined
        ? { kind: 'create', name: alias }
        : { kind: 'update', name: alias, from: aliasVersion };
  return { publish: !upToDate, version, ...(aliasStep ? { alias: aliasStep } : {}), reason };
}
