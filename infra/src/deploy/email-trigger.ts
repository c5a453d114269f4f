/**
 * Wires the email flow in deploy.md's safe order: bucket → Lambda permission for S3 → merged bucket notification →
 * receipt rule set + rule (S3 action) → activation. Every step reads first and writes only what differs, so a
 * second deploy makes no mutating call.
 *
 * Design choice: the receipt rule has only an S3 action and the function is triggered by the bucket notification
 * (deploy.md §3: the SES Lambda action event carries no body). One trigger per message means one invoke per message.
 */
import { AddPermissionCommand, GetPolicyCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import {
  CreateBucketCommand,
  GetBucketNotificationConfigurationCommand,
  HeadBucketCommand,
  type LambdaFunctionConfiguration,
  PutBucketNotificationConfigurationCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import {
  CreateReceiptRuleCommand,
  CreateReceiptRuleSetCommand,
  DescribeActiveReceiptRuleSetCommand,
  DescribeReceiptRuleSetCommand,
  type ReceiptRule,
  type SESClient,
  SetActiveReceiptRuleSetCommand,
  UpdateReceiptRuleCommand,
} from '@aws-sdk/client-ses';
import type { EmailTrigger, Stack } from '../stack.js';

export interface EmailTriggerClients {
  readonly lambda: LambdaClient;
  readonly s3: S3Client;
  readonly ses: SESClient;
}

export interface TriggerStep {
  readonly call: string;
  readonly reason: string;
}

const nameOf = (error: unknown) => (error as { name?: string })?.name;

/** Statement ids are derived from what they allow, so re-deploys find their own statements. */
export function s3StatementId(bucket: string): string {
  return `caprice-s3-${bucket}`.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 100);
}

/** The notification entry this stack owns inside the bucket's (shared) configuration. */
export function notificationEntry(trigger: EmailTrigger, functionArn: string): LambdaFunctionConfiguration {
  return {
    Id: `caprice-${trigger.function}`,
    LambdaFunctionArn: functionArn,
    Events: ['s3:ObjectCreated:*'],
    Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: trigger.keyPrefix }] } },
  };
}

/** Merges our entry into the bucket's configuration (PutBucketNotificationConfiguration replaces the whole thing). */
export function mergeNotifications(
  existing: readonly LambdaFunctionConfiguration[],
  ours: LambdaFunctionConfiguration,
): { merged: LambdaFunctionConfiguration[]; changed: boolean } {
  const normalise = (c: LambdaFunctionConfiguration) =>
    JSON.stringify({
      arn: c.LambdaFunctionArn,
      events: [...(c.Events ?? [])].sort(),
      rules: (c.Filter?.Key?.FilterRules ?? []).map((r) => `${r.Name?.toLowerCase()}=${r.Value}`).sort(),
    });
  const current = existing.find((c) => c.Id === ours.Id);
  const others = existing.filter((c) => c.Id !== ours.Id);
  return { merged: [...others, ours], changed: !current || normalise(current) !== normalise(ours) };
}

function desiredRule(trigger: EmailTrigger): ReceiptRule {
  return {
    Name: trigger.ruleName,
    Enabled: true,
    ScanEnabled: true,
    TlsPolicy: 'Optional',
    Recipients: [...trigger.recipients],
    Actions: [{ S3Action: { BucketName: trigger.bucket, ObjectKeyPrefix: trigger.keyPrefix } }],
  };
}

function sameRule(a: ReceiptRule | undefined, b: ReceiptRule): boolean {
  if (!a) return false;
  const pick = (r: ReceiptRule) =>
    JSON.stringify({
      enabled: r.Enabled ?? false,
      recipients: [...(r.Recipients ?? [])].sort(),
      actions: (r.Actions ?? []).map((x) => [x.S3Action?.BucketName, x.S3Action?.ObjectKeyPrefix ?? '']),
    });
  return pick(a) === pick(b);
}

/**
 * Applies the email trigger for `functionArn`. With `dryRun`, only reads and returns the calls it would make.
 */
export async function deployEmailTrigger(
  stack: Stack,
  functionArn: string,
  clients: EmailTriggerClients,
  options: { readonly dryRun?: boolean; readonly log?: (line: string) => void } = {},
): Promise<TriggerStep[]> {
  const trigger = stack.triggers.email;
  if (!trigger) return [];
  const steps: TriggerStep[] = [];
  const step = async (call: string, reason: string, run: () => Promise<unknown>) => {
    steps.push({ call, reason });
    options.log?.(`email trigger: ${options.dryRun ? 'would call' : 'calling'} ${call} (${reason})`);
    if (!options.dryRun) await run();
  };

  // 1. The bucket SES stores mail in.
  let bucketExists = true;
  try {
    await clients.s3.send(new HeadBucketCommand({ Bucket: trigger.bucket }));
  } catch (error) {
    if (nameOf(error) !== 'NotFound' && nameOf(error) !== 'NoSuchBucket') throw error;
    bucketExists = false;
    await step('CreateBucket', `bucket ${trigger.bucket} does not exist`, () =>
      clients.s3.send(new CreateBucketCommand({ Bucket: trigger.bucket })),
    );
  }

  // 2. Let S3 invoke the function (S3 validates this before accepting the notification).
  const statementId = s3StatementId(trigger.bucket);
  let policy = '';
  try {
    policy =
      (await clients.lambda.send(new GetPolicyCommand({ FunctionName: trigger.function }))).Policy ?? '';
  } catch (error) {
    if (nameOf(error) !== 'ResourceNotFoundException') throw error;
  }
  const hasStatement = (() => {
    try {
      return (JSON.parse(policy || '{}').Statement ?? []).some(
        (s: { Sid?: string }) => s.Sid === statementId,
      );
    } catch {
      return false;
    }
  })();
  if (!hasStatement) {
    await step('AddPermission', `s3.amazonaws.com may not invoke ${trigger.function} yet`, async () => {
      try {
        await clients.lambda.send(
          new AddPermissionCommand({
            FunctionName: trigger.function,
            StatementId: statementId,
            Action: 'lambda:InvokeFunction',
            Principal: 's3.amazonaws.com',
            SourceArn: `arn:aws:s3:::${trigger.bucket}`,
            SourceAccount: stack.account,
          }),
        );
      } catch (error) {
        // A statement with this id already exists: another deploy got there first, which is what we wanted.
        if (nameOf(error) !== 'ResourceConflictException') throw error;
      }
    });
  }

  // 3. The bucket notification, merged with whatever else the bucket notifies.
  const existing = bucketExists
    ? ((await clients.s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: trigger.bucket })))
        .LambdaFunctionConfigurations ?? [])
    : [];
  const { merged, changed } = mergeNotifications(existing, notificationEntry(trigger, functionArn));
  if (changed) {
    await step(
      'PutBucketNotificationConfiguration',
      `ObjectCreated under ${trigger.keyPrefix} → ${trigger.function}`,
      () =>
        clients.s3.send(
          new PutBucketNotificationConfigurationCommand({
            Bucket: trigger.bucket,
            NotificationConfiguration: { LambdaFunctionConfigurations: merged },
          }),
        ),
    );
  }

  // 4. The receipt rule set and rule, then activation.
  let rules: ReceiptRule[] | undefined;
  try {
    rules =
      (await clients.ses.send(new DescribeReceiptRuleSetCommand({ RuleSetName: trigger.ruleSetName })))
        .Rules ?? [];
  } catch (error) {
    if (nameOf(error) !== 'RuleSetDoesNotExist' && nameOf(error) !== 'RuleSetDoesNotExistException')
      throw error;
  }
  if (!rules) {
    await step('CreateReceiptRuleSet', `rule set ${trigger.ruleSetName} does not exist`, () =>
      clients.ses.send(new CreateReceiptRuleSetCommand({ RuleSetName: trigger.ruleSetName })),
    );
  }
  const wanted = desiredRule(trigger);
  const current = rules?.find((r) => r.Name === trigger.ruleName);
  if (!current) {
    await step('CreateReceiptRule', `rule ${trigger.ruleName} does not exist`, () =>
      clients.ses.send(new CreateReceiptRuleCommand({ RuleSetName: trigger.ruleSetName, Rule: wanted })),
    );
  } else if (!sameRule(current, wanted)) {
    await step('UpdateReceiptRule', `rule ${trigger.ruleName} differs`, () =>
      clients.ses.send(new UpdateReceiptRuleCommand({ RuleSetName: trigger.ruleSetName, Rule: wanted })),
    );
  }
  const active = await clients.ses.send(new DescribeActiveReceiptRuleSetCommand({}));
  if (active.Metadata?.Name !== trigger.ruleSetName) {
    await step('SetActiveReceiptRuleSet', `active rule set is ${active.Metadata?.Name ?? '(none)'}`, () =>
      clients.ses.send(new SetActiveReceiptRuleSetCommand({ RuleSetName: trigger.ruleSetName })),
    );
  }
  return steps;
}
