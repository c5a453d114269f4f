/**
 * Where the CLI's SDK clients point: real AWS through the standard credential chain (profiles, env, SSO — never
 * printed), or the emulator with throwaway credentials. Every command builds its clients here, so `--target local`
 * and AWS share one code path.
 */
import { ApiGatewayV2Client } from '@aws-sdk/client-apigatewayv2';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SESClient } from '@aws-sdk/client-ses';
import { STSClient } from '@aws-sdk/client-sts';
import { InvalidOptionError } from '../cli-errors.js';

export const Target = { AWS: 'aws', LOCAL: 'local' } as const;
export type Target = (typeof Target)[keyof typeof Target];

/** Where `caprice dev` and `caprice emulator` listen by default. */
export const DEFAULT_LOCAL_ENDPOINT = 'http://127.0.0.1:9000';

export interface ClientTarget {
  readonly target?: string;
  readonly endpoint?: string;
  readonly region: string;
}

export interface AwsClients {
  readonly lambda: LambdaClient;
  readonly s3: S3Client;
  readonly ses: SESClient;
  /** API Gateway v2 (HTTP APIs); AWS only, the emulator has no such control plane. */
  readonly apigw: ApiGatewayV2Client;
  /** STS, for the account the credentials belong to (AWS only). */
  readonly sts: STSClient;
  /** The endpoint in use, or undefined for AWS's own. */
  readonly endpoint?: string;
  destroy(): void;
}

/** Validates `--target` / `--endpoint` and builds the clients. */
export function createClients(options: ClientTarget): AwsClients {
  const target = options.target ?? (options.endpoint ? Target.LOCAL : Target.AWS);
  if (target !== Target.AWS && target !== Target.LOCAL) {
    throw new InvalidOptionError(`Invalid --target "${target}": expected aws or local`);
  }
  let endpoint = options.endpoint ?? (target === Target.LOCAL ? DEFAULT_LOCAL_ENDPOINT : undefined);
  if (endpoint !== undefined) {
    try {
      endpoint = new URL(endpoint).toString().replace(/\/$/, '');
    } catch {
      throw new InvalidOptionError(
        `Invalid --endpoint "${endpoint}": expected a URL such as ${DEFAULT_LOCAL_ENDPOINT}`,
      );
    }
  }
  const config = {
    region: options.region,
    ...(endpoint ? { endpoint } : {}),
    // The emulator checks no signature: give it throwaway credentials so real ones are never sent to it.
    ...(target === Target.LOCAL
      ? { credentials: { accessKeyId: 'caprice-local', secretAccessKey: 'caprice-local' } }
      : {}),
  };
  const lambda = new LambdaClient(config);
  const s3 = new S3Client({ ...config, forcePathStyle: target === Target.LOCAL });
  const ses = new SESClient(config);
  const apigw = new ApiGatewayV2Client(config);
  const sts = new STSClient(config);
  return {
    lambda,
    s3,
    ses,
    apigw,
    sts,
    ...(endpoint ? { endpoint } : {}),
    destroy() {
      lambda.destroy();
      s3.destroy();
      ses.destroy();
      apigw.destroy();
      sts.destroy();
    },
  };
}

/** Turns the SDK's credential and network errors into what to do next. */
export function explainAwsError(error: unknown, endpoint: string | undefined, region?: string): Error {
  const e = error as { name?: string; message?: string; code?: string };
  // EAI_AGAIN is a resolver that did not answer (offline, DNS down): not the region's fault.
  if (!endpoint && (e?.code === 'EAI_AGAIN' || /getaddrinfo EAI_AGAIN/.test(e?.message ?? ''))) {
    return Object.assign(
      new Error(
        `Cannot resolve the AWS endpoint for region ${JSON.stringify(region)} (DNS did not answer: ${e.message ?? e.code}); check your network or proxy, then deploy again`,
      ),
      { code: 'INFRA_NETWORK', cause: error },
    );
  }
  if (!endpoint && (e?.code === 'ENOTFOUND' || /ENOTFOUND/.test(e?.message ?? ''))) {
    return Object.assign(
      new Error(
        `Cannot reach AWS in region ${JSON.stringify(region)} (no such endpoint): check --region / CAPRICE_REGION (e.g. us-east-1, eu-west-1) and your network`,
      ),
      { code: 'INFRA_UNKNOWN_REGION', cause: error },
    );
  }
  if (e?.name === 'AccessDeniedException' || e?.name === 'AccessDenied') {
    return Object.assign(
      new Error(
        `AWS denied a deploy call (${e.name}: ${e.message ?? ''}); give the deploying identity the policy in infra/README.md ("What the deployer needs on AWS")`,
      ),
      { code: 'INFRA_ACCESS_DENIED', cause: error },
    );
  }
  if (e?.name === 'CredentialsProviderError') {
    return Object.assign(
      new Error(
        'No AWS credentials found: set AWS_PROFILE (or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY), run `aws sso login`, or use --target local for the emulator',
      ),
      { code: 'INFRA_NO_CREDENTIALS', cause: error },
    );
  }
  if (e?.code === 'ECONNREFUSED' || /ECONNREFUSED/.test(e?.message ?? '')) {
    return Object.assign(
      new Error(
        `Nothing answers at ${endpoint ?? 'the AWS endpoint'}; start the local stack with \`pnpm caprice dev\` (or \`pnpm caprice emulator\`)`,
      ),
      { code: 'INFRA_ENDPOINT_DOWN', cause: error },
    );
  }
  if (e?.name === 'UnrecognizedClientException' || e?.name === 'InvalidSignatureException') {
    return Object.assign(
      new Error(`AWS refused the credentials (${e.name}); check AWS_PROFILE and the region`),
      {
        code: 'INFRA_BAD_CREDENTIALS',
        cause: error,
      },
    );
  }
  return error instanceof Error ? error : new Error(String(error));
}
