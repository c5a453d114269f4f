import { AwsServiceError } from '../http/aws-error.js';

/** A function reference as the Lambda API accepts it: name, partial ARN or full ARN, maybe qualified. */
export interface FunctionRef {
  readonly name: string;
  readonly qualifier?: string;
  readonly region?: string;
  readonly account?: string;
}

const FULL_ARN =
  /^arn:aws[a-zA-Z-]*:lambda:([a-z]{2}(?:-gov)?-[a-z]+-\d):(\d{12}):function:([^:]+)(?::([^:]+))?$/;
const PARTIAL_ARN = /^(\d{12}):function:([^:]+)(?::([^:]+))?$/;
const NAME_WITH_QUALIFIER = /^([^:]+)(?::([^:]+))?$/;
/** AWS's pattern for the name part (64 characters at most). */
export const FUNCTION_NAME = /^[a-zA-Z0-9-_]{1,64}$/;
export const LAYER_NAME = /^[a-zA-Z0-9-_]{1,140}$/;
const LAYER_VERSION_ARN =
  /^arn:aws[a-zA-Z-]*:lambda:([a-z]{2}(?:-gov)?-[a-z]+-\d):(\d{12}):layer:([a-zA-Z0-9-_]+):(\d+)$/;
const LAYER_ARN = /^arn:aws[a-zA-Z-]*:lambda:([a-z]{2}(?:-gov)?-[a-z]+-\d):(\d{12}):layer:([a-zA-Z0-9-_]+)$/;

/** Parses `name`, `name:qualifier`, `123456789012:function:name[:q]` or a full function ARN. */
export function parseFunctionRef(value: string): FunctionRef {
  const full = FULL_ARN.exec(value);
  if (full) return { region: full[1], account: full[2], name: full[3]!, qualifier: full[4] };
  const partial = PARTIAL_ARN.exec(value);
  if (partial) return { account: partial[1], name: partial[2]!, qualifier: partial[3] };
  const plain = NAME_WITH_QUALIFIER.exec(value);
  if (plain && !value.startsWith('arn:')) return { name: plain[1]!, qualifier: plain[2] };
  throw new AwsServiceError(
    400,
    'ValidationException',
    `1 validation error detected: Value '${value}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?`,
  );
}

/** Combines the qualifier of the name/ARN with the Qualifier parameter, as Lambda does. */
export function mergeQualifier(ref: FunctionRef, qualifier: string | undefined): string | undefined {
  if (ref.qualifier !== undefined && qualifier !== undefined && ref.qualifier !== qualifier) {
    throw new AwsServiceError(
      400,
      'InvalidParameterValueException',
      'The derived qualifier from the function name does not match the specified qualifier.',
    );
  }
  return qualifier ?? ref.qualifier;
}

export function functionArn(region: string, account: string, name: string, qualifier?: string): string {
  const arn = `arn:aws:lambda:${region}:${account}:function:${name}`;
  return qualifier === undefined ? arn : `${arn}:${qualifier}`;
}

export function layerArn(region: string, account: string, name: string): string {
  return `arn:aws:lambda:${region}:${account}:layer:${name}`;
}

export function layerVersionArn(region: string, account: string, name: string, version: number): string {
  return `${layerArn(region, account, name)}:${version}`;
}

export function parseLayerVersionArn(
  arn: string,
): { region: string; account: string; name: string; version: number } | undefined {
  const m = LAYER_VERSION_ARN.exec(arn);
  if (!m) return undefined;
  return { region: m[1]!, account: m[2]!, name: m[3]!, version: Number(m[4]) };
}

/** Accepts a layer name or a layer ARN (as GetLayerVersion & co do) and returns the name. */
export function parseLayerName(value: string): string {
  const m = LAYER_ARN.exec(value);
  const name = m ? m[3]! : value;
  if (!LAYER_NAME.test(name)) {
    throw new AwsServiceError(
      400,
      'ValidationException',
      `1 validation error detected: Value '${value}' at 'layerName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+`,
    );
  }
  return name;
}
