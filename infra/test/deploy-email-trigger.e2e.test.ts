/**
 * The email trigger's less common paths against the emulator through the real SDK clients: a receipt rule with a
 * Lambda action (SES → Lambda permission first, or SES refuses the rule), the bucket policy kept on re-deploy,
 * the SES identity check, and an email bucket in another region.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateFunctionCommand, LambdaClient, waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import { GetBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeReceiptRuleSetCommand, SESClient, VerifyDomainIdentityCommand } from '@aws-sdk/client-ses';
import { type Emulator, emailExtension, startEmulator } from '@caprice/emulator';
import { writeReproducibleZip } from '@caprice/lambda-bundle';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployEmailTrigger } from '../src/deploy/email-trigger.js';
import type { Stack } from '../src/stack.js';
import { defineStack } from '../stack.js';
import { createBucketIn } from './helpers/buckets.js';
import { READ_ONLY, recordCalls } from './helpers/record-calls.js';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

describe('email trigger with a Lambda action', () => {
  let stateDir: string;
  let emulator: Emulator;
  let lambda: LambdaClient;
  let s3: S3Client;
  let ses: SESClient;
  const calls: string[] = [];
  const base = defineStack({});
  const stack: Stack = {
    ...base,
    triggers: { email: { ...base.triggers.email!, lambdaAction: 'Event' } },
  };
  const fnArn = 'arn:aws:lambda:us-east-1:000000000000:function:caprice-email-bot';

  beforeAll(async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), 'caprice-deploy-email-'));
    emulator = await startEmulator({
      port: 0,
      stateDir,
      createDelayMs: 50,
      updateDelayMs: 50,
      extensions: [emailExtension({ smtpPort: 0 })],
    });
    const config = { endpoint: emulator.url, region: 'us-east-1', credentials };
    lambda = new LambdaClient(config);
    s3 = new S3Client({ ...config, forcePathStyle: true });
    ses = new SESClient(config);
    for (const client of [lambda, s3, ses]) recordCalls(client, calls);
    const zip = path.join(stateDir, 'fn.zip');
    await writeReproducibleZip(zip, [
      { path: 'index.mjs', data: 'export const handler = async () => ({});\n' },
    ]);
    const { readFile } = await import('node:fs/promises');
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'caprice-email-bot',
        Runtime: 'provided.al2023',
        Handler: 'index.handler',
        Role: 'arn:aws:iam::000000000000:role/caprice-lambda',
        Code: { ZipFile: await readFile(zip) },
      }),
    );
    await waitUntilFunctionActiveV2(
      { client: lambda, maxWaitTime: 10, minDelay: 1, maxDelay: 1 },
      { FunctionName: 'caprice-email-bot' },
    );
  }, 60_000);

  afterAll(async () => {
    lambda?.destroy();
    s3?.destroy();
    ses?.destroy();
    await emulator?.close();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('stops before any change when SES has not verified the domain, and goes on once it has', async () => {
    calls.length = 0;
    await expect(
      deployEmailTrigger(stack, fnArn, { lambda, s3, ses }, { checkIdentity: true }),
    ).rejects.toMatchObject({
      code: 'INFRA_SES_UNVERIFIED',
      message: expect.stringMatching(/caprice\.localhost is not verified in us-east-1.*DKIM/),
    });
    expect(calls.filter((c) => !READ_ONLY.test(c))).toEqual([]);
    await ses.send(new VerifyDomainIdentityCommand({ Domain: 'caprice.localhost' }));

    const steps = await deployEmailTrigger(stack, fnArn, { lambda, s3, ses }, { checkIdentity: true });
    expect(steps.map((s) => [s.call, s.reason])).toEqual([
      ['CreateBucket', expect.any(String)],
      ['AddPermission', expect.stringContaining('s3.amazonaws.com')],
      ['AddPermission', expect.stringContaining('ses.amazonaws.com')],
      ['PutBucketPolicy', expect.any(String)],
      ['PutBucketNotificationConfiguration', expect.any(String)],
      ['CreateReceiptRuleSet', expect.any(String)],
      ['CreateReceiptRule', expect.any(String)],
      ['SetActiveReceiptRuleSet', expect.any(String)],
    ]);
    const rules = await ses.send(new DescribeReceiptRuleSetCommand({ RuleSetName: 'caprice' }));
    expect(rules.Rules?.[0]?.Actions?.map((a) => Object.keys(a).find((k) => a[k as keyof typeof a]))).toEqual(
      ['S3Action', 'LambdaAction'],
    );
    const policy = await s3.send(new GetBucketPolicyCommand({ Bucket: 'caprice-inbound-mail' }));
    expect(JSON.parse(policy.Policy ?? '{}').Statement[0].Principal).toEqual({
      Service: 'ses.amazonaws.com',
    });

    calls.length = 0;
    expect(await deployEmailTrigger(stack, fnArn, { lambda, s3, ses }, { checkIdentity: true })).toEqual([]);
    expect(calls.filter((c) => !READ_ONLY.test(c))).toEqual([]);
  });

  it('stops with what to do when the email bucket is in another region', async () => {
    await createBucketIn(emulator.url, 'caprice-mail-west', 'eu-west-1');
    const elsewhere = defineStack({ CAPRICE_EMAIL_BUCKET: 'caprice-mail-west' });
    await expect(deployEmailTrigger(elsewhere, fnArn, { lambda, s3, ses })).rejects.toMatchObject({
      code: 'INFRA_BUCKET_REGION',
      message: expect.stringContaining('CAPRICE_EMAIL_BUCKET'),
    });
  });
});
