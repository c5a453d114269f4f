/**
 * `caprice deploy [function…] [--target aws|local] [--endpoint URL] [--region R] [--dry-run] [--json]`:
 * builds what is stale, then deploys the stack through the Lambda API (deployStack), wires the email trigger and,
 * on AWS, the HTTP trigger (API Gateway HTTP API and/or function URL).
 */

import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { defineStack } from '../../stack.js';
import { loadArtifacts } from '../deploy/artifacts.js';
import { buildZips } from '../deploy/build.js';
import { type DeployResult, deployStack } from '../deploy/deploy.js';
import { deployEmailTrigger, type TriggerStep } from '../deploy/email-trigger.js';
import { StackConfigError } from '../deploy/errors.js';
import { deployHttpTrigger, type HttpStep } from '../deploy/http-trigger.js';
import { createProgress, type Progress, silentProgress } from '../deploy/progress.js';
import type { Stack } from '../stack.js';
import { createClients, explainAwsError } from './aws-clients.js';

export interface DeployCommandOptions {
  readonly root: string;
  readonly functions?: readonly string[];
  readonly target?: string;
  readonly endpoint?: string;
  readonly region?: string;
  readonly dryRun?: boolean;
  readonly json?: boolean;
  readonly build?: boolean;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly print?: (line: string) => void;
  /** Spinner and upload bar; default: drawn on stdout when it is a TTY (never with `json`). */
  readonly progress?: Progress;
  /** Zips over this many bytes go through the staging bucket (default Lambda's 50 MB). */
  readonly directUploadLimit?: number;
}

export interface DeployCommandResult extends DeployResult {
  readonly triggers: readonly TriggerStep[];
  readonly http: readonly HttpStep[];
  /** Where the system answers: HTTP front doors on AWS, or a note for the emulator. */
  readonly endpoints: readonly string[];
}

/** Where `caprice dev` serves the HTTP API front door by default. */
const LOCAL_FRONT_DOOR = 'http://127.0.0.1:3000';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The stack for a deploy. Locally the emulator's account. On AWS the account the credentials belong to
 * (`sts:GetCallerIdentity`, which needs no permission): it goes into the role ARN, the permissions' SourceAccount
 * and the SES bucket policy, so a fresh account needs no CAPRICE_ACCOUNT, and one set to another account is refused
 * before any change.
 */
export async function stackForTarget(env: Env, target: { local: boolean; sts: STSClient }): Promise<Stack> {
  const stack = defineStack(env);
  if (target.local) return stack;
  const { Account: account } = await target.sts.send(new GetCallerIdentityCommand({}));
  if (!account) return stack;
  if (env.CAPRICE_ACCOUNT !== undefined && env.CAPRICE_ACCOUNT !== account) {
    throw new StackConfigError(
      `account is ${JSON.stringify(env.CAPRICE_ACCOUNT)} (CAPRICE_ACCOUNT), but the credentials belong to account ${account}; unset CAPRICE_ACCOUNT or use credentials for that account (AWS_PROFILE)`,
    );
  }
  return defineStack({ ...env, CAPRICE_ACCOUNT: account });
}

/** Runs a deploy and prints progress (or, with `json`, one JSON document at the end). */
export async function deployCommand(options: DeployCommandOptions): Promise<DeployCommandResult> {
  const print = options.print ?? ((line: string) => console.log(line));
  const progress = options.json ? () => {} : print;
  const drawn = options.progress ?? (options.json ? silentProgress : createProgress(process.stdout));
  const env = {
    ...(options.env ?? process.env),
    ...(options.region ? { CAPRICE_REGION: options.region } : {}),
  };
  // Validated before the build, so a bad value costs nothing.
  const region = defineStack(env).region;
  if (options.build ?? true) await buildZips(options.root, progress);
  const clients = createClients({ target: options.target, endpoint: options.endpoint, region });
  const local = clients.endpoint !== undefined;
  const dryRun = options.dryRun ?? false;
  try {
    const stack = await stackForTarget(env, { local, sts: clients.sts });
    progress(
      `Deploying to ${clients.endpoint ?? `AWS ${stack.region}, account ${stack.account}`}${dryRun ? ' (dry run: nothing is changed)' : ''}`,
    );
    const result = await deployStack({
      stack,
      lambda: clients.lambda,
      s3: clients.s3,
      artifacts: await loadArtifacts(options.root, stack),
      ...(options.functions?.length ? { only: options.functions } : {}),
      ...(options.directUploadLimit ? { directUploadLimit: options.directUploadLimit } : {}),
      dryRun,
      log: progress,
      progress: drawn,
    });
    let triggers: TriggerStep[] = [];
    const email = stack.triggers.email;
    const emailFn = result.functions.find((f) => f.name === email?.function);
    if (email && emailFn) {
      triggers = await deployEmailTrigger(
        stack,
        emailFn.arn,
        { lambda: clients.lambda, s3: clients.s3, ses: clients.ses },
        { dryRun, log: progress, checkIdentity: !local },
      );
    }
    let http: readonly HttpStep[] = [];
    const endpoints: string[] = [];
    const httpTrigger = stack.triggers.http;
    const httpFn = result.functions.find((f) => f.name === httpTrigger?.function);
    if (httpTrigger && httpFn) {
      if (local && httpTrigger.httpApi) {
        // The emulator has no API Gateway control plane; `caprice dev` serves the HTTP API front door.
        progress(
          `http trigger: on the emulator, \`caprice dev\` serves the HTTP API front door for ${httpFn.name} (${LOCAL_FRONT_DOOR} by default)`,
        );
        endpoints.push(`${LOCAL_FRONT_DOOR} (caprice dev)`);
      }
      if (!local || httpTrigger.functionUrl) {
        const out = await deployHttpTrigger(
          stack,
          httpFn.arn,
          { lambda: clients.lambda, apigw: clients.apigw },
          { dryRun, log: progress, skipHttpApi: local },
        );
        http = out.steps;
        endpoints.push(...out.endpoints);
      }
    }
    if (email && emailFn) endpoints.push(`mail to ${email.recipients.join(', ')}`);
    const outcome: DeployCommandResult = {
      ...result,
      triggers,
      http,
      endpoints,
      changed: result.changed || triggers.length > 0 || http.length > 0,
    };
    if (options.json) {
      print(JSON.stringify(outcome, null, 2));
    } else {
      progress(
        outcome.changed ? (dryRun ? 'Planned changes listed above.' : 'Deployed.') : 'Nothing to change.',
      );
      for (const l of outcome.layers) progress(`  layer (${l.architecture})  ${l.arn}`);
      for (const f of outcome.functions) {
        const alias =
          f.versioning?.aliasArn ?? (f.versioning?.version ? `version ${f.versioning.version}` : '');
        progress(`  ${f.name}  ${f.arn}${alias ? `  (${alias})` : ''}`);
      }
      for (const e of outcome.endpoints) progress(`  endpoint  ${e}`);
    }
    return outcome;
  } catch (error) {
    throw explainAwsError(error, clients.endpoint, region);
  } finally {
    clients.destroy();
  }
}
