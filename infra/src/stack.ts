/**
 * @module stack — the one description of what Caprice deploys. `caprice deploy` (to AWS or the emulator) and the
 * local stack (`caprice dev`) both read it; environment variables override values for CI and other accounts.
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

type Env = Readonly<Record<string, string | undefined>>;

const NAME = /^[A-Za-z0-9_-]{1,64}$/;
const LAYER_NAME = /^[A-Za-z0-9_-]{1,140}$/;
const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
const ALIAS = /^(?!\d+$)[A-Za-z0-9_-]{1,128}$/;
const ROLE = /^arn:aws[a-zA-Z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

function intFrom(env: Env, key: string, fallback: number): number {
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

/**
 * The default stack, with overrides from the environment (`CAPRICE_REGION`, `CAPRICE_ACCOUNT`, `CAPRICE_ROLE_ARN`,
 * `CAPRICE_BOT_DOMAIN`, `CAPRICE_EMAIL_BUCKET`, `CAPRICE_NODE_VERSION`, `CAPRICE_ARCH`, `CAPRICE_STAGING_BUCKET`,
 * `CAPRICE_PUBLISH=1` (publish versions), `CAPRICE_ALIAS` (alias moved to each new version, implies publishing),
 * `CAPRICE_HTTP_API=0` (no API Gateway HTTP API), `CAPRICE_FUNCTION_URL=1` (a function URL), `CAPRICE_CORS_ORIGINS`
 * (comma-separated; none by default),
 * `CAPRICE_<FUNCTION>_MEMORY` / `_TIMEOUT` with the function name upper-cased and `-` as `_`).
 */
export function defineStack(env: Env = process.env): Stack {
  const region = env.CAPRICE_REGION ?? env.AWS_REGION ?? 'us-east-1';
  const account = env.CAPRICE_ACCOUNT ?? '000000000000';
  const role = env.CAPRICE_ROLE_ARN ?? `arn:aws:iam::${account}:role/caprice-lambda`;
  const architecture = (env.CAPRICE_ARCH ?? Architecture.X86_64) as Architecture;
  const domain = env.CAPRICE_BOT_DOMAIN ?? 'caprice.localhost';
  const bucket = env.CAPRICE_EMAIL_BUCKET ?? 'caprice-inbound-mail';
  const keyPrefix = 'inbound/';
  const fn = (
    name: string,
    app: string,
    memory: number,
    timeout: number,
    environment: Record<string, string>,
  ) => {
    const key = name.toUpperCase().replace(/-/g, '_');
    return {
      name,
      app,
      handler: 'index.handler',
      memorySize: intFrom(env, `CAPRICE_${key}_MEMORY`, memory),
      timeout: intFrom(env, `CAPRICE_${key}_TIMEOUT`, timeout),
      architecture,
      environment,
      role,
      ...(env.CAPRICE_PUBLISH === '1' || env.CAPRICE_ALIAS ? { publish: true } : {}),
      ...(env.CAPRICE_ALIAS ? { alias: env.CAPRICE_ALIAS } : {}),
    } satisfies FunctionSpec;
  };
  const stack: Stack = {
    region,
    account,
    layer: {
      name: 'caprice-node',
      nodeVersion: env.CAPRICE_NODE_VERSION ?? '24',
      architectures: [architecture],
    },
    functions: [
      fn('caprice-http-api', 'http-api', 256, 10, {}),
      fn('caprice-email-bot', 'email-bot', 512, 30, {
        EMAIL_BOT_ADDRESS: `bot@${domain}`,
        EMAIL_BOT_NAME: 'Caprice Bot',
        EMAIL_BOT_BUCKET: bucket,
        EMAIL_BOT_KEY_PREFIX: keyPrefix,
        // The bot's per-correspondent reply limit (its default when unset), e.g. "50/1h" while trying the demo.
        ...(env.CAPRICE_EMAIL_REPLY_LIMITS ? { EMAIL_BOT_REPLY_LIMITS: env.CAPRICE_EMAIL_REPLY_LIMITS } : {}),
      }),
    ],
    triggers: {
      http: {
        function: 'caprice-http-api',
        httpApi: env.CAPRICE_HTTP_API !== '0',
        functionUrl: env.CAPRICE_FUNCTION_URL === '1',
        corsOrigins: (env.CAPRICE_CORS_ORIGINS ?? '')
          .split(',')
          .map((o) => o.trim())
          .filter(Boolean),
      },
      email: {
        function: 'caprice-email-bot',
        domain,
        recipients: [`bot@${domain}`],
        bucket,
        keyPrefix,
        ruleSetName: 'caprice',
        ruleName: 'caprice-inbound',
      },
    },
    stagingBucket: env.CAPRICE_STAGING_BUCKET ?? `caprice-deploy-${account}-${region}`,
  };
  validateStack(stack);
  return stack;
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
