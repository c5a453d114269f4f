import {
  CreateReceiptRuleCommand,
  CreateReceiptRuleSetCommand,
  DeleteIdentityCommand,
  DeleteReceiptRuleCommand,
  DeleteReceiptRuleSetCommand,
  DeleteVerifiedEmailAddressCommand,
  DescribeActiveReceiptRuleSetCommand,
  DescribeReceiptRuleCommand,
  DescribeReceiptRuleSetCommand,
  GetIdentityVerificationAttributesCommand,
  GetSendQuotaCommand,
  ListConfigurationSetsCommand,
  ListIdentitiesCommand,
  ListReceiptRuleSetsCommand,
  ListVerifiedEmailAddressesCommand,
  SESClient,
  SESServiceException,
  SendEmailCommand,
  SendRawEmailCommand,
  SetActiveReceiptRuleSetCommand,
  UpdateReceiptRuleCommand,
  VerifyDomainIdentityCommand,
  VerifyEmailAddressCommand,
  VerifyEmailIdentityCommand,
} from '@aws-sdk/client-ses';
import MailComposer from 'nodemailer/lib/mail-composer';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createS3Service } from '../../src/s3/s3-service.js';
import { createSesService, type SesService } from '../../src/ses/ses-service.js';
import { recordingLambda, startTestServer, TEST_CREDENTIALS, tempStateDir } from '../s3/test-server.js';

let state: ReturnType<typeof tempStateDir>;
let server: Awaited<ReturnType<typeof startTestServer>>;
let ses: SESClient;
let service: SesService;
let allowLambda: boolean;

async function errorOf(promise: Promise<unknown>): Promise<SESServiceException> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof SESServiceException) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

const FN = 'arn:aws:lambda:us-east-1:000000000000:function:mailer';

beforeEach(async () => {
  state = tempStateDir();
  const lambda = recordingLambda();
  const s3 = createS3Service({ stateDir: state.dir, lambda });
  allowLambda = true;
  service = createSesService({
    stateDir: state.dir,
    s3,
    lambda,
    permissions: { canInvoke: ({ principal }) => principal === 'ses.amazonaws.com' && allowLambda },
  });
  server = await startTestServer({ s3: s3.handle, ses: service.handle }, service.handleAdmin);
  ses = new SESClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: TEST_CREDENTIALS });
  // A bucket for S3 actions, created through the S3 handler.
  const { S3Client, CreateBucketCommand } = await import('@aws-sdk/client-s3');
  const client = new S3Client({
    endpoint: server.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: TEST_CREDENTIALS,
  });
  await client.send(new CreateBucketCommand({ Bucket: 'mail-in' }));
  client.destroy();
});

afterEach(async () => {
  ses.destroy();
  await server.close();
  state.cleanup();
});

async function outboxIndex(): Promise<
  { messageId: string; source: string; destinations: string[]; subject?: string }[]
> {
  const res = await fetch(`${server.endpoint}/_caprice/ses/outbox`);
  expect(res.status).toBe(200);
  return (await res.json()) as never;
}

async function outboxRaw(id: string): Promise<Buffer> {
  const res = await fetch(`${server.endpoint}/_caprice/ses/outbox/${id}.eml`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('message/rfc822');
  return Buffer.from(await res.arrayBuffer());
}

describe('SES sending', () => {
  it('stores the exact raw bytes of SendRawEmail, threading headers included', async () => {
    // Prepare: a reply with the headers aws-ses-v2-local drops, plus 8-bit Latin-1 bytes in the body.
    const composed = await new MailComposer({
      from: 'Bot <bot@example.com>',
      to: 'Alice Ällen <alice@example.org>',
      subject: 'Re: Grüße 👋',
      inReplyTo: '<m1@example.org>',
      references: ['<m0@example.org>', '<m1@example.org>'],
      headers: { 'Auto-Submitted': 'auto-replied' },
      text: 'hÉlLo WöRlD',
    })
      .compile()
      .build();
    const raw = Buffer.concat([composed, Buffer.from('\r\nlatin1: caf\xe9\r\n', 'latin1')]);
    // Act
    const out = await ses.send(
      new SendRawEmailCommand({
        RawMessage: { Data: raw },
        Source: 'bot@example.com',
        Destinations: ['alice@example.org', 'b@x.org'],
      }),
    );
    // Assess
    expect(out.MessageId).toMatch(/^[0-9a-f]{16}-[0-9a-f-]{36}-000000$/);
    const index = await outboxIndex();
    expect(index).toEqual([
      expect.objectContaining({
        messageId: out.MessageId,
        action: 'SendRawEmail',
        source: 'bot@example.com',
        destinations: ['alice@example.org', 'b@x.org'],
        subject: 'Re: Grüße 👋',
        size: raw.length,
      }),
    ]);
    const stored = await outboxRaw(out.MessageId!);
    expect(stored.equals(raw)).toBe(true);
    const text = stored.toString('latin1');
    expect(text).toContain('In-Reply-To: <m1@example.org>');
    expect(text).toContain('References: <m0@example.org> <m1@example.org>');
    expect(text).toContain('Auto-Submitted: auto-replied');
  });

  it('answers unknown or malicious outbox ids with 404', async () => {
    for (const id of [
      'nope',
      '..%2F..%2Fses%2Fstate.json%00',
      '0000000000000000-00000000-0000-0000-0000-000000000000-000000',
    ]) {
      const res = await fetch(`${server.endpoint}/_caprice/ses/outbox/${id}.eml`);
      expect(res.status).toBe(404);
    }
  });

  it('takes Source and Destinations from the headers when not given', async () => {
    const raw = Buffer.from(
      'From: A <a@example.com>\r\nTo: b@example.org, C <c@example.org>\r\nCc: d@example.org\r\nSubject: hi\r\n\r\nbody\r\n',
    );
    const out = await ses.send(new SendRawEmailCommand({ RawMessage: { Data: raw } }));
    const [entry] = await outboxIndex();
    expect(entry).toMatchObject({
      messageId: out.MessageId,
      source: 'a@example.com',
      destinations: ['b@example.org', 'c@example.org', 'd@example.org'],
    });
  });

  it('builds MIME for SendEmail and stores it', async () => {
    const out = await ses.send(
      new SendEmailCommand({
        Source: 'Bot <bot@example.com>',
        Destination: { ToAddresses: ['alice@example.org'], BccAddresses: ['hidden@example.org'] },
        Message: {
          Subject: { Data: 'Héllo' },
          Body: { Text: { Data: 'plain' }, Html: { Data: '<p>html</p>' } },
        },
        ReplyToAddresses: ['reply@example.com'],
      }),
    );
    const [entry] = await outboxIndex();
    expect(entry).toMatchObject({
      source: 'bot@example.com',
      destinations: ['alice@example.org', 'hidden@example.org'],
      subject: 'Héllo',
    });
    // Unfold: a long Message-ID is folded onto its own line.
    const text = (await outboxRaw(out.MessageId!)).toString('utf8').replace(/\r\n(?=[ \t])/g, '');
    expect(text).toContain(`Message-ID: <${out.MessageId}@email.amazonses.com>`);
    expect(text).toContain('Reply-To: reply@example.com');
    expect(text).toContain('multipart/alternative');
    expect(text).not.toMatch(/^Bcc:/m);
  });

  it('refuses messages over 10 MB and duplicate single-instance headers, storing nothing', async () => {
    const big = Buffer.alloc(8 * 1024 * 1024, 'a'); // 8 MiB → ~10.7 MB of base64
    const tooBig = await errorOf(
      ses.send(
        new SendRawEmailCommand({
          RawMessage: { Data: Buffer.concat([Buffer.from('From: a@x.com\r\nTo: b@y.com\r\n\r\n'), big]) },
        }),
      ),
    );
    expect(tooBig.name).toBe('MessageRejected');
    expect(tooBig.message).toMatch(/Message length is more than 10485760 bytes long/);
    const dup = await errorOf(
      ses.send(
        new SendRawEmailCommand({
          RawMessage: {
            Data: Buffer.from(
              'From: a@x.com\r\nTo: b@y.com\r\nMessage-ID: <1@x>\r\nMessage-ID: <2@x>\r\n\r\nx',
            ),
          },
        }),
      ),
    );
    expect(dup.name).toBe('InvalidParameterValue');
    expect(dup.message).toContain("Duplicate header 'Message-ID'");
    expect(await outboxIndex()).toEqual([]);
  });

  it('rejects unverified identities in sandbox mode and accepts verified ones', async () => {
    service.setSandbox(true);
    const send = () =>
      ses.send(
        new SendEmailCommand({
          Source: 'bot@example.com',
          Destination: { ToAddresses: ['alice@example.org'] },
          Message: { Subject: { Data: 's' }, Body: { Text: { Data: 't' } } },
        }),
      );
    const rejected = await errorOf(send());
    expect(rejected.name).toBe('MessageRejected');
    expect(rejected.message).toBe(
      'Email address is not verified. The following identities failed the check in region US-EAST-1: bot@example.com, alice@example.org',
    );
    await ses.send(new VerifyDomainIdentityCommand({ Domain: 'example.com' }));
    await ses.send(new VerifyEmailIdentityCommand({ EmailAddress: 'alice@example.org' }));
    await send();
    const ids = await ses.send(new ListIdentitiesCommand({}));
    expect(ids.Identities).toEqual(['alice@example.org', 'example.com']);
    const attrs = await ses.send(
      new GetIdentityVerificationAttributesCommand({ Identities: ['example.com', 'unknown@x.com'] }),
    );
    expect(attrs.VerificationAttributes?.['example.com']?.VerificationStatus).toBe('Success');
    expect(attrs.VerificationAttributes?.['unknown@x.com']).toBeUndefined();
    expect(await outboxIndex()).toHaveLength(1);
  });
});

describe('SES operations that are not emulated', () => {
  it('answer InvalidAction with the action named (v1) or a JSON 404 (v2 paths), sending nothing', async () => {
    const err = await errorOf(ses.send(new ListConfigurationSetsCommand({})));
    expect(err.name).toBe('InvalidAction');
    expect(err.$metadata.httpStatusCode).toBe(400);
    expect(err.message).toBe('The action ListConfigurationSets is not valid for this web service.');
    // SES v2 shares the signing name; its REST paths get a JSON 404 that says what to use instead.
    const v2 = await fetch(`${server.endpoint}/v2/email/outbound-emails`, {
      method: 'POST',
      headers: {
        authorization:
          'AWS4-HMAC-SHA256 Credential=AKIDCAPRICETEST/20261125/us-east-1/ses/aws4_request, SignedHeaders=host, Signature=00',
        'content-type': 'application/json',
      },
      body: '{}',
    });
    expect(v2.status).toBe(404);
    expect(((await v2.json()) as { message: string }).message).toContain('use the SES v1 API');
    expect(await outboxIndex()).toEqual([]);
  });
});

describe('SES identities and quota', () => {
  it('verifies, lists and deletes identities through both API generations; GetSendQuota follows sandbox mode', async () => {
    await ses.send(new VerifyEmailAddressCommand({ EmailAddress: 'Old@Example.org' }));
    await ses.send(new VerifyEmailIdentityCommand({ EmailAddress: 'new@example.org' }));
    await ses.send(new VerifyDomainIdentityCommand({ Domain: 'example.com' }));
    expect((await ses.send(new ListIdentitiesCommand({}))).Identities).toEqual([
      'example.com',
      'new@example.org',
      'old@example.org',
    ]);
    expect((await ses.send(new ListIdentitiesCommand({ IdentityType: 'EmailAddress' }))).Identities).toEqual([
      'new@example.org',
      'old@example.org',
    ]);
    expect((await ses.send(new ListIdentitiesCommand({ IdentityType: 'Domain' }))).Identities).toEqual([
      'example.com',
    ]);
    expect(
      ((await ses.send(new ListVerifiedEmailAddressesCommand({}))).VerifiedEmailAddresses ?? []).sort(),
    ).toEqual(['new@example.org', 'old@example.org']);
    await ses.send(new DeleteVerifiedEmailAddressCommand({ EmailAddress: 'old@example.org' }));
    await ses.send(new DeleteIdentityCommand({ Identity: 'example.com' }));
    expect((await ses.send(new ListIdentitiesCommand({}))).Identities).toEqual(['new@example.org']);

    const open = await ses.send(new GetSendQuotaCommand({}));
    expect(open).toMatchObject({ Max24HourSend: 50000, MaxSendRate: 14, SentLast24Hours: 0 });
    await ses.send(
      new SendRawEmailCommand({
        RawMessage: { Data: Buffer.from('From: new@example.org\r\nTo: a@b.org\r\n\r\nx') },
      }),
    );
    service.setSandbox(true);
    const sandboxed = await ses.send(new GetSendQuotaCommand({}));
    expect(sandboxed).toMatchObject({ Max24HourSend: 200, MaxSendRate: 1, SentLast24Hours: 1 });
    // The outbox index records when each message was sent.
    const [entry] = (await outboxIndex()) as unknown as { timestamp: string }[];
    expect(entry?.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    // DELETE empties the outbox index (tests start from a clean outbox with it).
    const cleared = await fetch(`${server.endpoint}/_caprice/ses/outbox`, { method: 'DELETE' });
    expect(cleared.status).toBe(200);
    expect(await cleared.json()).toEqual({ cleared: true });
    expect(await outboxIndex()).toEqual([]);
    const put = await fetch(`${server.endpoint}/_caprice/ses/outbox`, { method: 'PUT' });
    expect(put.status).toBe(405);
  });
});

describe('SES receipt rules', () => {
  it('lists rule sets, replaces a rule with UpdateReceiptRule, and answers unknown rules with RuleDoesNotExist', async () => {
    await ses.send(new CreateReceiptRuleSetCommand({ RuleSetName: 'main' }));
    await ses.send(new CreateReceiptRuleSetCommand({ RuleSetName: 'spare' }));
    const sets = await ses.send(new ListReceiptRuleSetsCommand({}));
    expect(sets.RuleSets?.map((r) => r.Name)).toEqual(['main', 'spare']);
    expect(sets.RuleSets?.[0]?.CreatedTimestamp).toBeInstanceOf(Date);
    await ses.send(
      new CreateReceiptRuleCommand({
        RuleSetName: 'main',
        Rule: { Name: 'inbound', Enabled: true, Recipients: ['bot@example.com'] },
      }),
    );
    await ses.send(
      new UpdateReceiptRuleCommand({
        RuleSetName: 'main',
        Rule: {
          Name: 'inbound',
          Enabled: true,
          Recipients: ['example.net'],
          Actions: [{ S3Action: { BucketName: 'mail-in', ObjectKeyPrefix: 'in/' } }],
        },
      }),
    );
    const rule = await ses.send(new DescribeReceiptRuleCommand({ RuleSetName: 'main', RuleName: 'inbound' }));
    expect(rule.Rule).toMatchObject({
      Name: 'inbound',
      Recipients: ['example.net'],
      Actions: [{ S3Action: { BucketName: 'mail-in', ObjectKeyPrefix: 'in/' } }],
    });
    const updateMissing = await errorOf(
      ses.send(new UpdateReceiptRuleCommand({ RuleSetName: 'main', Rule: { Name: 'ghost' } })),
    );
    expect(updateMissing.name).toBe('RuleDoesNotExistException');
    const describeMissing = await errorOf(
      ses.send(new DescribeReceiptRuleCommand({ RuleSetName: 'main', RuleName: 'ghost' })),
    );
    expect(describeMissing.name).toBe('RuleDoesNotExistException');
    // A refused update leaves the stored rule as it was.
    const badUpdate = await errorOf(
      ses.send(
        new UpdateReceiptRuleCommand({
          RuleSetName: 'main',
          Rule: { Name: 'inbound', Actions: [{ S3Action: { BucketName: 'missing-bucket' } }] },
        }),
      ),
    );
    expect(badUpdate.name).toBe('InvalidS3ConfigurationException');
    expect(
      (await ses.send(new DescribeReceiptRuleCommand({ RuleSetName: 'main', RuleName: 'inbound' }))).Rule
        ?.Recipients,
    ).toEqual(['example.net']);
  });

  it('creates, describes, orders, activates and deletes rules', async () => {
    await ses.send(new CreateReceiptRuleSetCommand({ RuleSetName: 'main' }));
    expect((await errorOf(ses.send(new CreateReceiptRuleSetCommand({ RuleSetName: 'main' })))).name).toBe(
      'AlreadyExistsException',
    );
    await ses.send(
      new CreateReceiptRuleCommand({
        RuleSetName: 'main',
        Rule: {
          Name: 'store',
          Enabled: true,
          ScanEnabled: true,
          TlsPolicy: 'Optional',
          Recipients: ['bot@example.com', 'example.net'],
          Actions: [
            { S3Action: { BucketName: 'mail-in', ObjectKeyPrefix: 'inbound/' } },
            { LambdaAction: { FunctionArn: FN, InvocationType: 'Event' } },
            { StopAction: { Scope: 'RuleSet' } },
          ],
        },
      }),
    );
    await ses.send(
      new CreateReceiptRuleCommand({ RuleSetName: 'main', Rule: { Name: 'first', Enabled: false } }),
    );
    await ses.send(
      new CreateReceiptRuleCommand({
        RuleSetName: 'main',
        After: 'store',
        Rule: { Name: 'last', Enabled: true },
      }),
    );
    const described = await ses.send(new DescribeReceiptRuleSetCommand({ RuleSetName: 'main' }));
    expect(described.Metadata?.Name).toBe('main');
    expect(described.Rules?.map((r) => r.Name)).toEqual(['first', 'store', 'last']);
    const rule = await ses.send(new DescribeReceiptRuleCommand({ RuleSetName: 'main', RuleName: 'store' }));
    expect(rule.Rule).toEqual({
      Name: 'store',
      Enabled: true,
      TlsPolicy: 'Optional',
      ScanEnabled: true,
      Recipients: ['bot@example.com', 'example.net'],
      Actions: [
        { S3Action: { BucketName: 'mail-in', ObjectKeyPrefix: 'inbound/' } },
        { LambdaAction: { FunctionArn: FN, InvocationType: 'Event' } },
        { StopAction: { Scope: 'RuleSet' } },
      ],
    });
    expect((await ses.send(new DescribeActiveReceiptRuleSetCommand({}))).Metadata).toBeUndefined();
    await ses.send(new SetActiveReceiptRuleSetCommand({ RuleSetName: 'main' }));
    const active = await ses.send(new DescribeActiveReceiptRuleSetCommand({}));
    expect(active.Metadata?.Name).toBe('main');
    expect(service.acceptsRecipient('BOT@example.com')).toBe(true);
    expect(service.acceptsRecipient('x@example.net')).toBe(true);
    expect(service.acceptsRecipient('x@sub.example.net')).toBe(true); // the enabled catch-all rule "last"
    expect((await errorOf(ses.send(new DeleteReceiptRuleSetCommand({ RuleSetName: 'main' })))).name).toBe(
      'CannotDeleteException',
    );
    await ses.send(new DeleteReceiptRuleCommand({ RuleSetName: 'main', RuleName: 'last' }));
    expect(service.acceptsRecipient('x@sub.example.net')).toBe(false);
    await ses.send(new SetActiveReceiptRuleSetCommand({}));
    await ses.send(new DeleteReceiptRuleSetCommand({ RuleSetName: 'main' }));
    expect((await errorOf(ses.send(new DescribeReceiptRuleSetCommand({ RuleSetName: 'main' })))).name).toBe(
      'RuleSetDoesNotExistException',
    );
  });

  it('keeps identities, rule sets, the active set and the outbox across a restart', async () => {
    await ses.send(new VerifyEmailIdentityCommand({ EmailAddress: 'bot@example.com' }));
    await ses.send(new CreateReceiptRuleSetCommand({ RuleSetName: 'main' }));
    await ses.send(
      new CreateReceiptRuleCommand({ RuleSetName: 'main', Rule: { Name: 'all', Enabled: true } }),
    );
    await ses.send(new SetActiveReceiptRuleSetCommand({ RuleSetName: 'main' }));
    const sent = await ses.send(
      new SendRawEmailCommand({
        RawMessage: { Data: Buffer.from('From: bot@example.com\r\nTo: a@b.org\r\n\r\nx') },
      }),
    );
    const again = createSesService({
      stateDir: state.dir,
      s3: createS3Service({ stateDir: state.dir, lambda: recordingLambda() }),
      lambda: recordingLambda(),
    });
    expect(again.acceptsRecipient('anyone@example.net')).toBe(true);
    expect(again.health()).toEqual({ identities: 1, activeRuleSet: 'main', sent: 1 });
    expect(again.outbox().map((e) => e.messageId)).toEqual([sent.MessageId]);
  });

  it('refuses rules with unknown buckets, un-permitted functions, bad names or unknown After', async () => {
    await ses.send(new CreateReceiptRuleSetCommand({ RuleSetName: 'main' }));
    const create = (Rule: object, After?: string) =>
      ses.send(new CreateReceiptRuleCommand({ RuleSetName: 'main', Rule: Rule as never, After }));
    expect((await errorOf(create({ Name: 'r', Actions: [{ S3Action: { BucketName: 'nope' } }] }))).name).toBe(
      'InvalidS3ConfigurationException',
    );
    allowLambda = false;
    expect(
      (await errorOf(create({ Name: 'r', Actions: [{ LambdaAction: { FunctionArn: FN } }] }))).name,
    ).toBe('InvalidLambdaFunctionException');
    expect((await errorOf(create({ Name: 'bad name!' }))).name).toBe('InvalidParameterValue');
    expect((await errorOf(create({ Name: 'r' }, 'missing'))).name).toBe('RuleDoesNotExistException');
    expect(
      (await errorOf(ses.send(new CreateReceiptRuleCommand({ RuleSetName: 'other', Rule: { Name: 'r' } }))))
        .name,
    ).toBe('RuleSetDoesNotExistException');
    expect((await ses.send(new DescribeReceiptRuleSetCommand({ RuleSetName: 'main' }))).Rules ?? []).toEqual(
      [],
    );
  });
});
