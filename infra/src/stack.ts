/**
 * @module stack — the shape of a stack and its validation. The stack itself (the values) is `infra/stack.ts`;
 * `caprice deploy` (to AWS or the emulator) and the local stack (`caprice dev`) both read it.
 */
import { StackConfigError } from './deploy/errors.js';

export const Architecture = { X86_64: 'x86_64', ARM64: 'arm64' } as const;
export type Architecture = (typeof Architecture)[keyof typeof Architecture];

/** The runtime layer (packages/runtime), published once per architecture. */
export interface LayerSpec {
  readonly name: string;
  readonly nodeVersion: string;
  readonly architectures: readonly Architecture[];
}

/** One function built from an app package's zip. */
export interface FunctionSpec {
  /** Lambda function name. */
  readonly name: string;
  /** The workspace app whose `dist/<app>.zip` is the code, e.g. `http-api`. */
  readonly app: string;
  readonly handler: string;
  readonly memorySize: number;
  /** Seconds. */
  readonly timeout: number;
  readonly architecture: Architecture;
  readonly environment: Readonly<Record<string, string>>;
  /** Execution role; the emulator accepts any well-formed ARN. */
  readonly role: string;
  readonly description?: string;
  /** Publish a numbered version after every code/configuration change (implied by `alias`). */
  readonly publish?: boolean;
  /** Alias moved to the newest version after each deploy, e.g. `live`. */
  readonly alias?: string;
}

export interface EmailTrigger {
  readonly function: string;
  readonly domain: string;
  readonly recipients: readonly string[];
  readonly bucket: string;
  readonly keyPrefix: string;
  readonly ruleSetName: string;
  readonly ruleName: string;
  /**
   * Also invoke the function from the receipt rule (after the S3 action). Off by default: the function is
   * triggered by the bucket notification, because SES's Lambda event carries no body (deploy.md §3).
   */
  readonly lambdaAction?: 'Event' | 'RequestResponse';
}

export interface HttpTrigger {
  readonly function: string;
  /** Serve through an API Gateway HTTP API (quick create) and/or a function URL. */
  readonly httpApi: boolean;
  readonly functionUrl: boolean;
  readonly corsOrigins: readonly string[];
}

export interface Stack {
  readonly region: string;
  readonly account: string;
  readonly layer: LayerSpec;
  readonly functions: readonly FunctionSpec[];
  readonly triggers: { readonly email?: EmailTrigger; readonly http?: HttpTrigger };
  /** Bucket for zips over the 50 MB direct-upload limit; created when missing. */
  readonly stagingBucket: string;
}

/** Environment variables a stack reads its overrides from. */
export type Env = Readonly<Record<string, string | undefined>>;

const NAME = /^[A-Za-z0-9_-]{1,64}$/;
const LAYER_NAME = /^[A-Za-z0-9_-]{1,140}$/;
const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
const ALIAS = /^(?!\d+$)[A-Za-z0-9_-]{1,128}$/;
const ROLE = /^arn:aws[a-zA-Z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

/** A whole number from `env[key]`, or `fallback` when unset; anything else is a StackConfigError naming the key. */
export function intFrom(env: Env, key: string, fallback: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value)) {
    throw new StackConfigError(
      `${key} must be a whole number, got ${JSON.stringify(raw)}; unset it or fix the value`,
    );
  }
  return value;
}

/** Throws StackConfigError naming the first invalid value and how to fix it. */
export function validateStack(stack: Stack): void {
  const fail = (what: string, value: unknown, expected: string): never => {
    throw new StackConfigError(`${what} is ${JSON.stringify(value)}; expected ${expected}`);
  };
  if (!REGION.test(stack.region))
    fail('region', stack.region, 'an AWS region such as us-east-1 (CAPRICE_REGION)');
  if (!/^\d{12}$/.test(stack.account))
    fail('account', stack.account, 'a 12-digit account id (CAPRICE_ACCOUNT)');
  if (!LAYER_NAME.test(stack.layer.name)) fail('layer.name', stack.layer.name, '1-140 of [A-Za-z0-9_-]');
  if (stack.layer.architectures.length === 0) fail('layer.architectures', [], 'at least one architecture');
  const names = new Set<string>();
  for (const f of stack.functions) {
    if (!NAME.test(f.name)) fail('function name', f.name, '1-64 of [A-Za-z0-9_-]');
    if (names.has(f.name)) fail('function name', f.name, 'a name used once');
    names.add(f.name);
    if (!Number.isInteger(f.memorySize) || f.memorySize < 128 || f.memorySize > 10240) {
      fail(`${f.name}.memorySize`, f.memorySize, 'a whole number of MB from 128 to 10240');
    }
    if (!Number.isInteger(f.timeout) || f.timeout < 1 || f.timeout > 900) {
      fail(`${f.name}.timeout`, f.timeout, 'a whole number of seconds from 1 to 900');
    }
    if (f.architecture !== 'x86_64' && f.architecture !== 'arm64') {
      fail(`${f.name}.architecture`, f.architecture, 'x86_64 or arm64 (CAPRICE_ARCH)');
    }
    if (!stack.layer.architectures.includes(f.architecture)) {
      fail(
        `${f.name}.architecture`,
        f.architecture,
        `one the layer is built for (${stack.layer.architectures.join(', ')})`,
      );
    }
    if (f.alias !== undefined && !ALIAS.test(f.alias)) {
      fail(`${f.name}.alias`, f.alias, '1-128 of [A-Za-z0-9_-], not only digits (CAPRICE_ALIAS)');
    }
    if (!ROLE.test(f.role)) fail(`${f.name}.role`, f.role, 'an IAM role ARN (CAPRICE_ROLE_ARN)');
    const envSize = Object.entries(f.environment).reduce((n, [k, v]) => n + k.length + v.length, 0);
    if (envSize > 4096) fail(`${f.name}.environment size`, envSize, 'at most 4 KB in total');
  }
  for (const origin of stack.triggers.http?.corsOrigins ?? []) {
    if (!/^(\*|https?:\/\/[^/\s]+)$/.test(origin)) {
      fail(
        'triggers.http.corsOrigins',
        origin,
        'an origin such as https://example.com, or * (CAPRICE_CORS_ORIGINS)',
      );
    }
  }
  for (const [kind, trigger] of Object.entries(stack.triggers)) {
    if (trigger && !names.has(trigger.function))
      fail(`triggers.${kind}.function`, trigger.function, 'a function of the stack');
  }
}
