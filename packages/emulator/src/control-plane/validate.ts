import { AwsServiceError } from '../http/aws-error.js';

/** Runtimes Lambda's API model accepts; the deprecated ones cannot be used to create or update. */
export const RUNTIMES = [
  'nodejs',
  'nodejs4.3',
  'nodejs6.10',
  'nodejs8.10',
  'nodejs10.x',
  'nodejs12.x',
  'nodejs14.x',
  'nodejs16.x',
  'nodejs18.x',
  'nodejs20.x',
  'nodejs22.x',
  'nodejs24.x',
  'java8',
  'java8.al2',
  'java11',
  'java17',
  'java21',
  'java25',
  'python2.7',
  'python3.6',
  'python3.7',
  'python3.8',
  'python3.9',
  'python3.10',
  'python3.11',
  'python3.12',
  'python3.13',
  'python3.14',
  'dotnetcore1.0',
  'dotnetcore2.0',
  'dotnetcore2.1',
  'dotnetcore3.1',
  'dotnet6',
  'dotnet8',
  'dotnet10',
  'nodejs4.3-edge',
  'go1.x',
  'ruby2.5',
  'ruby2.7',
  'ruby3.2',
  'ruby3.3',
  'ruby3.4',
  'provided',
  'provided.al2',
  'provided.al2023',
] as const;

const DEPRECATED = new Set([
  'nodejs',
  'nodejs4.3',
  'nodejs6.10',
  'nodejs8.10',
  'nodejs10.x',
  'nodejs12.x',
  'nodejs14.x',
  'nodejs4.3-edge',
  'python2.7',
  'python3.6',
  'python3.7',
  'dotnetcore1.0',
  'dotnetcore2.0',
  'dotnetcore2.1',
  'dotnetcore3.1',
  'ruby2.5',
  'go1.x',
  'provided',
]);

/** Environment variable names Lambda sets itself and refuses in a function's configuration. */
const RESERVED_ENV = new Set([
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
  'AWS_DEFAULT_REGION',
  'AWS_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
]);

export const ROLE_PATTERN = /^arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role\/?[a-zA-Z_0-9+=,.@\-_/]+$/;
const ENV_KEY = /^[a-zA-Z]([a-zA-Z0-9_])+$/;
export const MAX_LAYERS = 5;
export const MAX_ENV_BYTES = 4096;

/**
 * Collects model-level constraint violations and throws them as one `ValidationException`, worded like the
 * AWS API front end ("1 validation error detected: Value '100' at 'memorySize' failed to satisfy constraint: …").
 */
export class Validation {
  readonly #errors: string[] = [];

  fail(value: unknown, field: string, constraint: string): void {
    const shown = typeof value === 'string' ? value : JSON.stringify(value);
    this.#errors.push(`Value '${shown}' at '${field}' failed to satisfy constraint: ${constraint}`);
  }

  range(value: unknown, field: string, min: number, max?: number): void {
    if (value === undefined) return;
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      this.fail(value, field, 'Member must be an integer');
    } else if (value < min) {
      this.fail(value, field, `Member must have value greater than or equal to ${min}`);
    } else if (max !== undefined && value > max) {
      this.fail(value, field, `Member must have value less than or equal to ${max}`);
    }
  }

  pattern(value: unknown, field: string, re: RegExp, shown: string): void {
    if (value === undefined) return;
    if (typeof value !== 'string' || !re.test(value)) {
      this.fail(value, field, `Member must satisfy regular expression pattern: ${shown}`);
    }
  }

  maxLength(value: unknown, field: string, max: number): void {
    if (typeof value === 'string' && value.length > max) {
      this.fail(value, field, `Member must have length less than or equal to ${max}`);
    }
  }

  oneOf(value: unknown, field: string, allowed: readonly string[]): void {
    if (value === undefined) return;
    if (typeof value !== 'string' || !allowed.includes(value)) {
      this.fail(value, field, `Member must satisfy enum value set: [${allowed.join(', ')}]`);
    }
  }

  throwIfAny(): void {
    const n = this.#errors.length;
    if (n === 0) return;
    throw new AwsServiceError(
      400,
      'ValidationException',
      `${n} validation error${n === 1 ? '' : 's'} detected: ${this.#errors.join('; ')}`,
    );
  }
}

export function invalidParameter(message: string): AwsServiceError {
  return new AwsServiceError(400, 'InvalidParameterValueException', message);
}

/** Configuration fields shared by CreateFunction and UpdateFunctionConfiguration. */
export interface ConfigInput {
  Runtime?: unknown;
  Handler?: unknown;
  Role?: unknown;
  MemorySize?: unknown;
  Timeout?: unknown;
  Description?: unknown;
  Environment?: unknown;
  Layers?: unknown;
  Architectures?: unknown;
  EphemeralStorage?: unknown;
}

/** Checks the model constraints of the configuration fields present. */
export function validateConfig(input: ConfigInput, v: Validation): void {
  v.oneOf(input.Runtime, 'runtime', RUNTIMES);
  v.pattern(input.Handler, 'handler', /^[^\s]+$/, '[^\\s]+');
  v.maxLength(input.Handler, 'handler', 128);
  v.pattern(
    input.Role,
    'role',
    ROLE_PATTERN,
    'arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+',
  );
  v.range(input.MemorySize, 'memorySize', 128, 10240);
  v.range(input.Timeout, 'timeout', 1, 900);
  v.maxLength(input.Description, 'description', 256);
  if (input.Architectures !== undefined) {
    const archs = input.Architectures;
    if (!Array.isArray(archs) || archs.length !== 1) {
      v.fail(archs, 'architectures', 'Member must have length less than or equal to 1');
    } else {
      v.oneOf(archs[0], 'architectures', ['x86_64', 'arm64']);
    }
  }
  // JSON null is an absent member to AWS's deserializer.
  if (input.EphemeralStorage !== undefined && input.EphemeralStorage !== null) {
    v.range((input.EphemeralStorage as { Size?: unknown }).Size, 'ephemeralStorage.size', 512, 10240);
  }
}

/** Semantic checks AWS makes after the model: deprecated runtime, reserved and oversized environment. */
export function checkRuntimeAndEnvironment(input: ConfigInput): void {
  if (typeof input.Runtime === 'string' && DEPRECATED.has(input.Runtime)) {
    throw invalidParameter(
      `The runtime parameter of ${input.Runtime} is no longer supported for creating or updating AWS Lambda functions. We recommend you use a supported runtime while creating or updating functions.`,
    );
  }
  const env = input.Environment as { Variables?: unknown } | undefined;
  if (env?.Variables === undefined) return;
  const vars = env.Variables;
  if (typeof vars !== 'object' || vars === null || Array.isArray(vars)) {
    throw invalidParameter('Environment.Variables must be a map of strings to strings.');
  }
  const entries = Object.entries(vars as Record<string, unknown>);
  const v = new Validation();
  for (const [key, value] of entries) {
    v.pattern(key, 'environment.variables', ENV_KEY, '[a-zA-Z]([a-zA-Z0-9_])+');
    if (typeof value !== 'string') v.fail(value, 'environment.variables', 'Member must be a string');
  }
  v.throwIfAny();
  const reserved = entries.map(([k]) => k).filter((k) => RESERVED_ENV.has(k));
  if (reserved.length > 0) {
    throw invalidParameter(
      `Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: ${reserved.join(', ')}`,
    );
  }
  const measured = JSON.stringify(vars);
  if (Buffer.byteLength(measured) > MAX_ENV_BYTES) {
    throw invalidParameter(
      `Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: ${measured}`,
    );
  }
}
