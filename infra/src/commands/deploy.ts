/**
 * `caprice deploy [function…] [--target aws|local] [--endpoint URL] [--region R] [--dry-run] [--json]`:
 * builds what is stale, then deploys the stack through the Lambda API (deployStack) and wires the email trigger.
 */
import { loadArtifacts } from '../deploy/artifacts.js';
import { buildZips } from '../deploy/build.js';
import { type DeployResult, deployStack } from '../deploy/deploy.js';
import { deployEmailTrigger, type TriggerStep } from '../deploy/email-trigger.js';
import { defineStack } from '../stack.js';
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
}

export interface DeployCommandResult extends DeployResult {
  readonly triggers: readonly TriggerStep[];
}

/** Runs a deploy and prints progress (or, with `json`, one JSON document at the end). */
export async function deployCommand(options: DeployCommandOptions): Promise<DeployCommandResult> {
  const print = options.print ?? ((line: string) => console.log(line));
  const progress = options.json ? () => {} : print;
  const env = {
    ...(options.env ?? process.env),
    ...(options.region ? { CAPRICE_REGION: options.region } : {}),
  };
  const stack = defineStack(env);
  if (options.build ?? true) await buildZips(options.root, progress);
  const clients = createClients({ target: options.target, endpoint: options.endpoint, region: stack.region });
  try {
    progress(
      `Deploying to ${clients.endpoint ?? `AWS ${stack.region}`}${options.dryRun ? ' (dry run: nothing is changed)' : ''}`,
    );
    const result = await deployStack({
      stack,
      lambda: clients.lambda,
      artifacts: await loadArtifacts(options.root, stack),
      ...(options.functions?.length ? { only: options.functions } : {}),
      dryRun: options.dryRun ?? false,
      log: progress,
    });
    let triggers: TriggerStep[] = [];
    const email = stack.triggers.email;
    const emailFn = result.functions.find((f) => f.name === email?.function);
    if (email && emailFn) {
      triggers = await deployEmailTrigger(
        stack,
        emailFn.arn,
        { lambda: clients.lambda, s3: clients.s3, ses: clients.ses },
        { dryRun: options.dryRun ?? false, log: progress },
      );
    }
    const outcome: DeployCommandResult = {
      ...result,
      triggers,
      changed: result.changed || triggers.length > 0,
    };
    if (options.json) {
      print(JSON.stringify(outcome, null, 2));
    } else {
      progress(
        outcome.changed
          ? options.dryRun
            ? 'Planned changes listed above.'
            : 'Deployed.'
          : 'Nothing to change.',
      );
      for (const f of outcome.functions) progress(`  ${f.name}  ${f.arn}`);
      for (const l of outcome.layers) progress(`  layer (${l.architecture})  ${l.arn}`);
    }
    return outcome;
  } catch (error) {
    throw explainAwsError(error, clients.endpoint);
  } finally {
    clients.destroy();
  }
}
