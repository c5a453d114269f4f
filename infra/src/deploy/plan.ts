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
