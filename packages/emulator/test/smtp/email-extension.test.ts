import { AddPermissionCommand, CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  CreateBucketCommand,
  PutBucketNotificationConfigurationCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import {
  CreateReceiptRuleCommand,
  CreateReceiptRuleSetCommand,
  SESClient,
  SendRawEmailCommand,
  SetActiveReceiptRuleSetCommand,
} from '@aws-sdk/client-ses';
import type { S3Event, SESEvent } from 'aws-lambda';
import nodemailer from 'nodemailer';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { emailExtension } from '../../src/email/email-extension.js';
import type { DataPlane } from '../../src/lambda/data-plane.js';
import { type Emulator, startEmulator } from '../../src/server.js';
import type { RunningSmtpServer } from '../../src/smtp/smtp-server.js';
import { eventually, recordingLambda, TEST_CREDENTIALS, tempStateDir } from '../s3/test-server.js';

function bootstrapZip(): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  zip.addBuffer(Buffer.from('#!/bin/sh\nexit 0\n'), 'bootstrap', { mode: 0o100755 });
  zip.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
}

/** Only the async invoke matters here; the rest of the data plane is inert. */
function fakeDataPlane(recorder: ReturnType<typeof recordingLambda>): DataPlane {
  const inert = {
    handleInvoke: async () => undefined,
    invoke: () => Promise.reject(new Error('synchronous invoke is not used by this test')),
    retire: () => undefined,
    close: async () => undefined,
    readLogs: () => '',
    logFile: () => '',
    drainAsync: async () => undefined,
    instances: () => [],
  };
  return { ...inert, invokeAsync: recorder.invokeAsync } as unknown as DataPlane;
}

let state: ReturnType<typeof tempStateDir>;
let emulator: Emulator;
let smtp: RunningSmtpServer;
let recorder: ReturnType<typeof recordingLambda>;
let lambda: LambdaClient;
let s3: S3Client;
let ses: SESClient;

beforeEach(async () => {
  state = tempStateDir();
  recorder = recordingLambda();
  emulator = await startEmulator({
    port: 0,
    stateDir: state.dir,
    createDelayMs: 0,
    createDataPlane: () => fakeDataPlane(recorder),
    extensions: [emailExtension({ smtpPort: 0, onReady: (p) => (smtp = p.smtp) })],
  });
  const config = { endpoint: emulator.url, region: 'us-east-1', credentials: TEST_CREDENTIALS };
  lambda = new LambdaClient(config);
  s3 = new S3Client({ ...config, forcePathStyle: true });
  ses = new SESClient(config);
  const ZipFile = await bootstrapZip();
  for (const FunctionName of ['mailer', 'stranger']) {
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName,
        Runtime: 'provided.al2023',
        Handler: 'bootstrap',
        Role: 'arn:aws:iam::000000000000:role/lambda',
        Code: { ZipFile },
      }),
    );
  }
});

afterEach(async () => {
  lambda.destroy();
  s3.destroy();
  ses.destroy();
  await emulator.close();
  state.cleanup();
});

const arn = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;

describe('emailExtension on the emulator port', () => {
  it('wires S3 notifications and SES receipt rules to the data plane, checking function policies', async () => {
    // Prepare: S3 may invoke "mailer" for the bucket; "stranger" has no policy.
    await lambda.send(
      new AddPermissionCommand({
        FunctionName: 'mailer',
        StatementId: 's3',
        Action: 'lambda:InvokeFunction',
        Principal: 's3.amazonaws.com',
        SourceArn: 'arn:aws:s3:::mail-in',
        SourceAccount: '000000000000',
      }),
    );
    await lambda.send(
      new AddPermissionCommand({
        FunctionName: 'mailer',
        StatementId: 'ses',
        Action: 'lambda:InvokeFunction',
        Principal: 'ses.amazonaws.com',
        SourceAccount: '000000000000',
      }),
    );
    await s3.send(new CreateBucketCommand({ Bucket: 'mail-in' }));
    const notify = (name: string) =>
      s3.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: 'mail-in',
          NotificationConfiguration: {
            LambdaFunctionConfigurations: [
              { Id: 'n', LambdaFunctionArn: arn(name), Events: ['s3:ObjectCreated:*'] },
            ],
          },
        }),
      );
    const denied = await notify('stranger').catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(S3ServiceException);
    expect((denied as S3ServiceException).name).toBe('InvalidArgument');
    await notify('mailer');
    await ses.send(new CreateReceiptRuleSetCommand({ RuleSetName: 'main' }));
    const badRule = await ses
      .send(
        new CreateReceiptRuleCommand({
          RuleSetName: 'main',
          Rule: { Name: 'x', Enabled: true, Actions: [{ LambdaAction: { FunctionArn: arn('stranger') } }] },
        }),
      )
      .then(
        () => undefined,
        (e: { name: string }) => e,
      );
    expect(badRule?.name).toBe('InvalidLambdaFunctionException');
    await ses.send(
      new CreateReceiptRuleCommand({
        RuleSetName: 'main',
        Rule: {
          Name: 'bot',
          Enabled: true,
          Recipients: ['bot@example.com'],
          Actions: [
            { S3Action: { BucketName: 'mail-in', ObjectKeyPrefix: 'inbound/' } },
            { LambdaAction: { FunctionArn: arn('mailer'), InvocationType: 'Event' } },
          ],
        },
      }),
    );
    await ses.send(new SetActiveReceiptRuleSetCommand({ RuleSetName: 'main' }));

    // Act: mail in through the SMTP door, a reply out through SES.
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: smtp.port, ignoreTLS: true });
    try {
      await transport.sendMail({
        from: 'alice@example.org',
        to: 'bot@example.com',
        subject: 'hi',
        text: 'hello',
      });
    } finally {
      transport.close();
    }
    const sent = await ses.send(
      new SendRawEmailCommand({
        RawMessage: { Data: Buffer.from('From: bot@example.com\r\nTo: alice@example.org\r\n\r\nre\r\n') },
      }),
    );

    // Assess
    await eventually(() => expect(recorder.calls).toHaveLength(2));
    expect(recorder.calls.map((c) => c.nameOrArn)).toEqual([arn('mailer'), arn('mailer')]);
    const s3Event = recorder.calls[0]!.event as S3Event;
    const sesEvent = recorder.calls[1]!.event as SESEvent;
    expect(s3Event.Records[0]?.s3.object.key).toBe(`inbound/${sesEvent.Records[0]?.ses.mail.messageId}`);
    const outbox = (await (await fetch(`${emulator.url}/_caprice/ses/outbox`)).json()) as {
      messageId: string;
    }[];
    expect(outbox.map((e) => e.messageId)).toEqual([sent.MessageId]);
    const health = await fetch(`${emulator.url}/_caprice/health`);
    expect(health.status).toBe(200);
    // Each service reports itself.
    expect(await health.json()).toMatchObject({
      status: 'ok',
      services: {
        lambda: { functions: 2 },
        s3: { buckets: 1 },
        ses: { activeRuleSet: expect.any(String), sent: 1 },
        smtp: { host: '127.0.0.1', port: expect.any(Number) },
      },
    });
  });
});
