/**
 * Wires the email flow in deploy.md's safe order: bucket → Lambda permissions for S3 (and SES, with a Lambda action) →
 * bucket policy letting SES write the mail → merged bucket notification → receipt rule set + rule (S3 action, then
 * Lambda action if configured) → activation. Every step reads first and writes only what differs, so a
 * second deploy makes no mutating call.
 *
 * Design choice: the receipt rule has only an S3 action and the function is triggered by the bucket notification
 * (deploy.md §3: the SES Lambda action event carries no body). One trigger per message means one invoke per message.
 */
import { GetPolicyCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import {
  type BucketLocationConstraint,
  CreateBucketCommand,
  GetBucketNotificationConfigurationCommand,
  GetBucketPolicyCommand,
  HeadBucketCommand,
  type LambdaFunctionConfiguration,
  PutBucketNotificationConfigurationCommand,
  PutBucketPolicyCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import {
  CreateReceiptRuleCommand,
  CreateReceiptRuleSetCommand,
  DescribeActiveReceiptRuleSetCommand,
  DescribeReceiptRuleSetCommand,
  GetIdentityVerificationAttributesCommand,
  type ReceiptRule,
  type SESClient,
  SetActiveReceiptRuleSetCommand,
  UpdateReceiptRuleCommand,
} from '@aws-sdk/client-ses';
import type { EmailTrigger, Stack } from '../stack.js';
import {
  BucketNotOwnedError,
  BucketRegionError,
  isForeignBucket,
  UnverifiedIdentityError,
} from './errors.js';
import { addPermissionOnce } from './permissions.js';
import { checkBucket } from './plan.js';

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

/** The statement id of the SES → Lambda permission (one per receipt rule). */
export function sesStatementId(trigger: EmailTrigger): string {
  return `caprice-ses-${trigger.ruleSetName}-${trigger.ruleName}`
    .replace(/[^A-Za-z0-9_-]/g, '-')
    .slice(0, 100);
}

/** The receipt rule's ARN: what SES names as `AWS:SourceArn` when it writes to S3 or invokes Lambda. */
export function receiptRuleArn(stack: Stack, trigger: EmailTrigger): string {
  return `arn:aws:ses:${stack.region}:${stack.account}:receipt-rule-set/${trigger.ruleSetName}:receipt-rule/${trigger.ruleName}`;
}

interface PolicyStatement {
  Sid?: string;
  [key: string]: unknown;
}

/** The bucket-policy statement letting SES (this account's rule only) write mail under the prefix. */
export function sesBucketStatement(stack: Stack, trigger: EmailTrigger): PolicyStatement {
  return {
    Sid: `caprice-ses-put-${trigger.ruleName}`.replace(/[^A-Za-z0-9]/g, ''),
    Effect: 'Allow',
    Principal: { Service: 'ses.amazonaws.com' },
    Action: 's3:PutObject',
    Resource: `arn:aws:s3:::${trigger.bucket}/${trigger.keyPrefix}*`,
    Condition: {
      StringEquals: { 'AWS:SourceAccount': stack.account },
      ArnLike: { 'AWS:SourceArn': receiptRuleArn(stack, trigger) },
    },
  };
}

/** JSON with sorted keys and one-element arrays as scalars: S3 may hand a policy back reformatted. */
function canonical(value: unknown): string {
  const norm = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.length === 1 ? norm(v[0]) : v.map(norm);
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((k) => [k, norm((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return JSON.stringify(norm(value));
}

/**
 * Puts our statement into the bucket's policy (PutBucketPolicy replaces the whole document), keeping every
 * other statement; `changed` is false when an equal statement with our Sid is already there.
 */
export function mergeBucketPolicy(
  existing: string | undefined,
  ours: PolicyStatement,
): { policy: string; changed: boolean } {
  let doc: { Version?: string; Statement?: PolicyStatement[] | PolicyStatement; [k: string]: unknown } = {};
  if (existing) doc = JSON.parse(existing);
  const statements =
    doc.Statement === undefined ? [] : Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
  const current = statements.find((s) => s.Sid === ours.Sid);
  const merged = {
    ...doc,
    Version: doc.Version ?? '2012-10-17',
    Statement: [...statements.filter((s) => s.Sid !== ours.Sid), ours],
  };
  return { policy: JSON.stringify(merged), changed: !current || canonical(current) !== canonical(ours) };
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

/** The receipt rule: store the mail in S3 first (the Lambda event has no body), then the Lambda action if set. */
export function desiredRule(trigger: EmailTrigger, functionArn: string): ReceiptRule {
  return {
    Name: trigger.ruleName,
    Enabled: true,
    ScanEnabled: true,
    TlsPolicy: 'Optional',
    Recipients: [...trigger.recipients],
    Actions: [
      { S3Action: { BucketName: trigger.bucket, ObjectKeyPrefix: trigger.keyPrefix } },
      ...(trigger.lambdaAction
        ? [{ LambdaAction: { FunctionArn: functionArn, InvocationType: trigger.lambdaAction } }]
        : []),
    ],
  };
}

/** Whether the deployed rule already does what the stack wants. */
export function sameRule(a: ReceiptRule | undefined, b: ReceiptRule): boolean {
  if (!a) return false;
  const pick = (r: ReceiptRule) =>
    JSON.stringify({
      enabled: r.Enabled ?? false,
      // The bot trusts only mail SES scanned (it skips mail without SES's spam and virus verdicts).
      scan: r.ScanEnabled ?? false,
      recipients: [...(r.Recipients ?? [])].sort(),
      actions: (r.Actions ?? []).map((x) =>
        x.LambdaAction
          ? ['lambda', x.LambdaAction.FunctionArn, x.LambdaAction.InvocationType ?? 'Event']
          : ['s3', x.S3Action?.BucketName, x.S3Action?.ObjectKeyPrefix ?? ''],
      ),
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
  options: {
    readonly dryRun?: boolean;
    readonly log?: (line: string) => void;
    /** Check that SES has verified the domain (on AWS; the emulator receives mail for any domain). */
    readonly checkIdentity?: boolean;
  } = {},
): Promise<TriggerStep[]> {
  const trigger = stack.triggers.email;
  if (!trigger) return [];
  const steps: TriggerStep[] = [];
  const step = async (call: string, reason: string, run: () => Promise<unknown>) => {
    steps.push({ call, reason });
    options.log?.(`email trigger: ${options.dryRun ? 'would call' : 'calling'} ${call} (${reason})`);
    if (!options.dryRun) await run();
  };

  // 0. SES receives mail only for a verified domain (checked on AWS; the emulator receives for any domain).
  if (options.checkIdentity) {
    const attrs = await clients.ses.send(
      new GetIdentityVerificationAttributesCommand({ Identities: [trigger.domain] }),
    );
    const status = attrs.VerificationAttributes?.[trigger.domain]?.VerificationStatus;
    if (status !== 'Success') {
      throw new UnverifiedIdentityError(trigger.domain, status ?? 'not verified', stack.region);
    }
  }

  // 1. The bucket SES stores mail in, in the stack's region (SES writes only to same-region buckets).
  let bucketExists = true;
  try {
    const head = await clients.s3.send(new HeadBucketCommand({ Bucket: trigger.bucket }));
    const check = checkBucket(head.BucketRegion ? { region: head.BucketRegion } : {}, stack.region);
    if (check.kind === 'wrongRegion') {
      throw new BucketRegionError(trigger.bucket, check.region, stack.region, 'CAPRICE_EMAIL_BUCKET');
    }
  } catch (error) {
    const region = (error as { $response?: { headers?: Record<string, string> } }).$response?.headers?.[
      'x-amz-bucket-region'
    ];
    if (region && region !== stack.region) {
      throw new BucketRegionError(trigger.bucket, region, stack.region, 'CAPRICE_EMAIL_BUCKET');
    }
    if (error instanceof BucketRegionError) throw error;
    if (isForeignBucket(error))
      throw new BucketNotOwnedError(trigger.bucket, 'CAPRICE_EMAIL_BUCKET', { cause: error });
    if (nameOf(error) !== 'NotFound' && nameOf(error) !== 'NoSuchBucket') throw error;
    bucketExists = false;
    await step('CreateBucket', `bucket ${trigger.bucket} does not exist`, () =>
      clients.s3
        .send(
          new CreateBucketCommand({
            Bucket: trigger.bucket,
            ...(stack.region === 'us-east-1'
              ? {}
              : {
                  CreateBucketConfiguration: { LocationConstraint: stack.region as BucketLocationConstraint },
                }),
          }),
        )
        .catch((error: unknown) => {
          throw isForeignBucket(error)
            ? new BucketNotOwnedError(trigger.bucket, 'CAPRICE_EMAIL_BUCKET', { cause: error })
            : error;
        }),
    );
  }

  // 2. Let S3 (and SES, for a Lambda action) invoke the function; S3 and SES check this before accepting.
  let policy = '';
  try {
    policy =
      (await clients.lambda.send(new GetPolicyCommand({ FunctionName: trigger.function }))).Policy ?? '';
  } catch (error) {
    if (nameOf(error) !== 'ResourceNotFoundException') throw error;
  }
  const sids = (() => {
    try {
      return new Set<string>(
        (JSON.parse(policy || '{}').Statement ?? []).map((s: { Sid?: string }) => s.Sid),
      );
    } catch {
      return new Set<string>();
    }
  })();
  const permit = async (statementId: string, principal: string, sourceArn: string) => {
    if (sids.has(statementId)) return;
    await step('AddPermission', `${principal} may not invoke ${trigger.function} yet`, () =>
      addPermissionOnce(clients.lambda, {
        FunctionName: trigger.function,
        StatementId: statementId,
        Action: 'lambda:InvokeFunction',
        Principal: principal,
        SourceArn: sourceArn,
        SourceAccount: stack.account,
      }),
    );
  };
  await permit(s3StatementId(trigger.bucket), 's3.amazonaws.com', `arn:aws:s3:::${trigger.bucket}`);
  if (trigger.lambdaAction) {
    await permit(sesStatementId(trigger), 'ses.amazonaws.com', receiptRuleArn(stack, trigger));
  }

  // 2b. The bucket policy letting SES write the mail, merged with the bucket's other statements.
  let currentPolicy: string | undefined;
  if (bucketExists) {
    try {
      currentPolicy = (await clients.s3.send(new GetBucketPolicyCommand({ Bucket: trigger.bucket }))).Policy;
    } catch (error) {
      if (nameOf(error) !== 'NoSuchBucketPolicy') throw error;
    }
  }
  const bucketPolicy = mergeBucketPolicy(currentPolicy, sesBucketStatement(stack, trigger));
  if (bucketPolicy.changed) {
    await step(
      'PutBucketPolicy',
      `ses.amazonaws.com may not write to ${trigger.bucket}/${trigger.keyPrefix} yet`,
      () =>
        clients.s3.send(new PutBucketPolicyCommand({ Bucket: trigger.bucket, Policy: bucketPolicy.policy })),
    );
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
  const wanted = desiredRule(trigger, functionArn);
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
