import {
  CreateBucketCommand,
  DeleteBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutBucketNotificationConfigurationCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  CreateReceiptRuleCommand,
  CreateReceiptRuleSetCommand,
  type ReceiptRule,
  SESClient,
  SetActiveReceiptRuleSetCommand,
} from '@aws-sdk/client-ses';
import type { S3Event, SESEvent } from 'aws-lambda';
import nodemailer, { type Transporter } from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ListenError } from '../../src/errors.js';
import { createS3Service } from '../../src/s3/s3-service.js';
import { createSesService, MAX_RECEIVE_SIZE } from '../../src/ses/ses-service.js';
import { type RunningSmtpServer, startSmtpServer } from '../../src/smtp/smtp-server.js';
import {
  eventually,
  recordingLambda,
  startTestServer,
  TEST_CREDENTIALS,
  tempStateDir,
} from '../s3/test-server.js';

const FN_S3 = 'arn:aws:lambda:us-east-1:000000000000:function:from-s3';
const FN_SES = 'arn:aws:lambda:us-east-1:000000000000:function:from-ses';

let state: ReturnType<typeof tempStateDir>;
let server: Awaited<ReturnType<typeof startTestServer>>;
let smtp: RunningSmtpServer;
let lambda: ReturnType<typeof recordingLambda>;
let s3: S3Client;
let ses: SESClient;
let transport: Transporter;

beforeEach(async () => {
  state = tempStateDir();
  lambda = recordingLambda();
  const s3Service = createS3Service({ stateDir: state.dir, lambda });
  const sesService = createSesService({ stateDir: state.dir, s3: s3Service, lambda });
  server = await startTestServer({ s3: s3Service.handle, ses: sesService.handle }, sesService.handleAdmin);
  smtp = await startSmtpServer({ port: 0, ses: sesService, maxSize: 256 * 1024 });
  s3 = new S3Client({
    endpoint: server.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: TEST_CREDENTIALS,
  });
  ses = new SESClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: TEST_CREDENTIALS });
  transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: smtp.port,
    ignoreTLS: true,
    connectionTimeout: 5000,
  });
  await s3.send(new CreateBucketCommand({ Bucket: 'mail-in' }));
  await s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: 'mail-in',
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [
          {
            Id: 'inbound',
            LambdaFunctionArn: FN_S3,
            Events: ['s3:ObjectCreated:*'],
            Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'inbound/' }] } },
          },
        ],
      },
    }),
  );
  await ses.send(new CreateReceiptRuleSetCommand({ RuleSetName: 'main' }));
  await ses.send(new SetActiveReceiptRuleSetCommand({ RuleSetName: 'main' }));
});

afterEach(async () => {
  transport.close();
  s3.destroy();
  ses.destroy();
  await smtp.close();
  await server.close();
  state.cleanup();
});

async function addRule(Rule: ReceiptRule, After?: string): Promise<void> {
  await ses.send(new CreateReceiptRuleCommand({ RuleSetName: 'main', Rule, After }));
}

async function objectBytes(Key: string): Promise<Buffer> {
  const out = await s3.send(new GetObjectCommand({ Bucket: 'mail-in', Key }));
  return Buffer.from(await out.Body!.transformToByteArray());
}

async function keys(): Promise<string[]> {
  const out = await s3.send(new ListObjectsV2Command({ Bucket: 'mail-in' }));
  return (out.Contents ?? []).map((c) => c.Key!);
}

function compose(extraHeaders: Record<string, string> = {}, text = 'héllo wörld'): Promise<Buffer> {
  return new MailComposer({
    from: '"Doe, John" <alice@example.org>',
    to: 'Bot <bot@example.com>',
    cc: 'carol@example.net',
    subject: 'Grüße 👋',
    messageId: '<orig-1@example.org>',
    inReplyTo: '<m1@example.com>',
    references: ['<m0@example.com>', '<m1@example.com>'],
    headers: { 'Auto-Submitted': 'no', ...extraHeaders },
    text,
  })
    .compile()
    .build();
}

describe('inbound SMTP → SES receipt rules', () => {
  it('stores the mail in S3 with SES headers on top, fires the S3 notification, then the Lambda action', async () => {
    // Prepare
    await addRule({
      Name: 'bot',
      Enabled: true,
      ScanEnabled: true,
      Recipients: ['bot@example.com'],
      Actions: [
        { S3Action: { BucketName: 'mail-in', ObjectKeyPrefix: 'inbound/' } },
        { LambdaAction: { FunctionArn: FN_SES, InvocationType: 'Event' } },
      ],
    });
    const original = await compose();
    const raw = Buffer.concat([Buffer.from('X-Caprice-Test-Verdicts: spam=FAIL; dkim=GRAY\r\n'), original]);
    // Act
    const info = await transport.sendMail({
      envelope: { from: 'alice@example.org', to: ['bot@example.com'] },
      raw,
    });
    // Assess: the SMTP answer carries SES's message id, which is also the object name.
    const messageId = /^250 Ok ([a-z0-9]{40})$/.exec(String(info.response))?.[1];
    expect(messageId).toBeDefined();
    expect(await keys()).toEqual([`inbound/${messageId}`]);
    const stored = await objectBytes(`inbound/${messageId}`);
    const headerText = stored.subarray(0, stored.length - original.length).toString('utf8');
    expect(stored.subarray(stored.length - original.length).equals(original)).toBe(true);
    expect(headerText).toMatch(/^Return-Path: <alice@example\.org>\r\nReceived: from /);
    expect(headerText).toContain(`with SMTP id ${messageId}`);
    expect(headerText).toContain('X-SES-Spam-Verdict: FAIL\r\n');
    expect(headerText).toContain('X-SES-Virus-Verdict: PASS\r\n');
    expect(headerText).toMatch(
      /Received-SPF: pass \(spfCheck: domain of example\.org designates 127\.0\.0\.1/,
    );
    expect(headerText).toContain('Authentication-Results: amazonses.com;\r\n spf=pass');
    expect(headerText).toContain('dkim=none header.i=@example.org;');
    expect(headerText).toContain('dmarc=pass header.from=example.org;');
    expect(stored.toString('utf8')).not.toContain('X-Caprice-Test-Verdicts');

    await eventually(() => expect(lambda.calls).toHaveLength(2));
    const [s3Call, sesCall] = lambda.calls;
    expect(s3Call?.nameOrArn).toBe(FN_S3);
    const s3Record = (s3Call!.event as S3Event).Records[0]!;
    expect(s3Record.eventName).toBe('ObjectCreated:Put');
    expect(s3Record.s3.object.key).toBe(`inbound/${messageId}`);
    expect(s3Record.s3.object.size).toBe(stored.length);

    expect(sesCall?.nameOrArn).toBe(FN_SES);
    const sesEvent = sesCall!.event as SESEvent;
    const record = sesEvent.Records[0]!;
    expect(record.eventSource).toBe('aws:ses');
    expect(record.eventVersion).toBe('1.0');
    expect(record.ses.mail).toMatchObject({
      source: 'alice@example.org',
      messageId,
      destination: ['bot@example.com', 'carol@example.net'],
      headersTruncated: false,
      commonHeaders: {
        returnPath: 'alice@example.org',
        from: ['"Doe, John" <alice@example.org>'],
        to: ['Bot <bot@example.com>'],
        cc: ['carol@example.net'],
        messageId: '<orig-1@example.org>',
        subject: 'Grüße 👋',
      },
    });
    expect(record.ses.mail.headers.slice(0, 2).map((h) => h.name)).toEqual(['Return-Path', 'Received']);
    expect(record.ses.mail.headers).toContainEqual({ name: 'In-Reply-To', value: '<m1@example.com>' });
    expect(record.ses.mail.headers).toContainEqual({
      name: 'References',
      value: '<m0@example.com> <m1@example.com>',
    });
    expect(record.ses.mail.headers).toContainEqual({ name: 'Auto-Submitted', value: 'no' });
    expect(record.ses.receipt).toMatchObject({
      recipients: ['bot@example.com'],
      spamVerdict: { status: 'FAIL' },
      virusVerdict: { status: 'PASS' },
      spfVerdict: { status: 'PASS' },
      dkimVerdict: { status: 'GRAY' },
      dmarcVerdict: { status: 'PASS' },
      action: { type: 'Lambda', functionArn: FN_SES, invocationType: 'Event' },
    });
    expect(record.ses.receipt).not.toHaveProperty('dmarcPolicy');
    expect(JSON.stringify(sesEvent)).not.toContain('wörld'); // no body in the Lambda event
  });

  it('refuses unknown recipients with 550 and stores nothing; a mixed envelope is delivered to the known one', async () => {
    await addRule({
      Name: 'bot',
      Enabled: true,
      Recipients: ['bot@example.com'],
      Actions: [{ S3Action: { BucketName: 'mail-in' } }],
    });
    const err = await transport
      .sendMail({
        envelope: { from: 'alice@example.org', to: ['stranger@example.com'] },
        raw: await compose(),
      })
      .then(
        () => undefined,
        (e: { responseCode?: number }) => e,
      );
    expect(err?.responseCode).toBe(550);
    expect(await keys()).toEqual([]);
    expect(lambda.calls).toEqual([]);
    // With one known and one unknown recipient, only the unknown RCPT gets 550: the mail is delivered once.
    const mixed = await transport.sendMail({
      envelope: { from: 'alice@example.org', to: ['stranger@example.com', 'bot@example.com'] },
      raw: await compose(),
    });
    expect(mixed.accepted).toEqual(['bot@example.com']);
    expect(mixed.rejected).toEqual(['stranger@example.com']);
    expect(await keys()).toHaveLength(1);
  });

  it('refuses oversize mail with 552 and stores nothing', async () => {
    expect(MAX_RECEIVE_SIZE).toBe(40 * 1024 * 1024);
    await addRule({
      Name: 'bot',
      Enabled: true,
      Actions: [{ S3Action: { BucketName: 'mail-in', ObjectKeyPrefix: 'inbound/' } }],
    });
    const err = await transport
      .sendMail({
        envelope: { from: 'alice@example.org', to: ['bot@example.com'] },
        raw: await compose({}, 'x'.repeat(300 * 1024)),
      })
      .then(
        () => undefined,
        (e: { responseCode?: number }) => e,
      );
    expect(err?.responseCode).toBe(552);
    expect(await keys()).toEqual([]);
    expect(lambda.calls).toEqual([]);
  });

  it('applies rules in order per recipient, honouring Stop and AddHeader, with a null sender', async () => {
    await addRule({
      Name: 'vip',
      Enabled: true,
      Recipients: ['vip@example.com'],
      Actions: [
        { AddHeaderAction: { HeaderName: 'X-Rule', HeaderValue: 'vip' } },
        { S3Action: { BucketName: 'mail-in', ObjectKeyPrefix: 'vip/' } },
        { StopAction: { Scope: 'RuleSet' } },
      ],
    });
    await addRule(
      {
        Name: 'rest',
        Enabled: true,
        Recipients: ['example.com'],
        Actions: [
          { S3Action: { BucketName: 'mail-in', ObjectKeyPrefix: 'rest/' } },
          { LambdaAction: { FunctionArn: FN_SES } },
        ],
      },
      'vip',
    );
    const info = await transport.sendMail({
      envelope: { from: '', to: ['vip@example.com', 'other@example.com'] },
      raw: await compose({ 'X-Caprice-Test-Verdicts': 'spf=FAIL, dmarc=FAIL, dmarcPolicy=reject' }),
    });
    const messageId = /([a-z0-9]{40})$/.exec(String(info.response))?.[1];
    expect((await keys()).sort()).toEqual([`rest/${messageId}`, `vip/${messageId}`]);
    const vip = (await objectBytes(`vip/${messageId}`)).toString('utf8');
    expect(vip).toMatch(/^X-Rule: vip\r\nReturn-Path: <>\r\n/);
    expect(vip).toMatch(/Received-SPF: fail \(spfCheck: domain of .* does not designate 127\.0\.0\.1/);
    await eventually(() => expect(lambda.calls).toHaveLength(1));
    const record = (lambda.calls[0]!.event as SESEvent).Records[0]!;
    expect(record.ses.receipt.recipients).toEqual(['other@example.com']);
    expect(record.ses.receipt.spfVerdict.status).toBe('FAIL');
    expect(record.ses.receipt.dmarcVerdict.status).toBe('FAIL');
    expect(record.ses.receipt.dmarcPolicy).toBe('reject');
    expect(record.ses.mail.source).toBe('');
  });

  it('reports a taken port as a ListenError', async () => {
    const clash = await startSmtpServer({
      port: smtp.port,
      ses: { acceptsRecipient: () => false, receive: () => Promise.reject(new Error('unused')) },
    }).catch((e: unknown) => e);
    expect(clash).toBeInstanceOf(ListenError);
  });

  it('answers 554 when the S3 action cannot write (bucket gone)', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'gone' }));
    await addRule({ Name: 'bot', Enabled: true, Actions: [{ S3Action: { BucketName: 'gone' } }] });
    await s3.send(new DeleteBucketCommand({ Bucket: 'gone' }));
    const err = await transport
      .sendMail({ envelope: { from: 'alice@example.org', to: ['bot@example.com'] }, raw: await compose() })
      .then(
        () => undefined,
        (e: { responseCode?: number }) => e,
      );
    expect(err?.responseCode).toBe(554);
  });
});
