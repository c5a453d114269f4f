/**
 * createMailbox with real SDK clients over real sockets, against a small local server that answers the few
 * S3/SES calls the bot makes (the emulator's S3/SES are exercised by the e2e test).
 */
import { S3Client } from '@aws-sdk/client-s3';
import { SESClient } from '@aws-sdk/client-ses';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MessageTooLargeError, PermanentAwsError, TransientAwsError } from '../src/errors.js';
import { createMailbox, type Mailbox, markerKeyFor } from '../src/mailbox.js';
import { type AwsStub, startAwsStub } from './helpers/aws-stub.js';

let stub: AwsStub;
let mailbox: Mailbox;

beforeAll(async () => {
  stub = await startAwsStub();
  const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
  mailbox = createMailbox({
    config: { region: 'eu-west-1', s3Endpoint: stub.endpoint, sesEndpoint: stub.sesEndpoint },
    // One attempt, so transient failures surface at once instead of after SDK back-off.
    s3: new S3Client({
      region: 'eu-west-1',
      endpoint: stub.endpoint,
      forcePathStyle: true,
      credentials,
      maxAttempts: 1,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    }),
    ses: new SESClient({ region: 'eu-west-1', endpoint: stub.sesEndpoint, credentials, maxAttempts: 1 }),
  });
});

afterAll(async () => {
  await stub.close();
});

beforeEach(() => {
  stub.reset();
});

describe('createMailbox', () => {
  it('reads an object as the exact bytes stored (no UTF-8 round trip)', async () => {
    const latin1 = Buffer.from([0x47, 0x72, 0xfc, 0xdf, 0x65, 0x0d, 0x0a, 0xff, 0x00]);
    stub.objects.set('mail/inbound/a b+c', latin1);
    const bytes = await mailbox.getObject('mail', 'inbound/a b+c', 1024);
    expect(Buffer.from(bytes).equals(latin1)).toBe(true);
  });

  it('refuses an object over the limit', async () => {
    stub.objects.set('mail/big', Buffer.alloc(2048));
    await expect(mailbox.getObject('mail', 'big', 1024)).rejects.toBeInstanceOf(MessageTooLargeError);
  });

  it('reports a missing object as permanent and an unavailable S3 as transient', async () => {
    await expect(mailbox.getObject('mail', 'missing', 1024)).rejects.toBeInstanceOf(PermanentAwsError);
    stub.s3Unavailable = true;
    await expect(mailbox.getObject('mail', 'missing', 1024)).rejects.toBeInstanceOf(TransientAwsError);
  });

  it('claims a marker once with If-None-Match, and again after a release', async () => {
    const key = markerKeyFor('replied/', 'inbound/x');
    expect(await mailbox.claim('mail', key, '{"state":"claimed"}')).toBe('claimed');
    expect(await mailbox.claim('mail', key, '{"state":"claimed"}')).toBe('taken');
    await mailbox.putMarker('mail', key, '{"state":"sent"}');
    expect(await mailbox.readMarker('mail', key)).toBe('{"state":"sent"}');
    await mailbox.release('mail', key);
    expect(await mailbox.readMarker('mail', key)).toBeUndefined();
    expect(await mailbox.claim('mail', key, '{}')).toBe('claimed');
  });

  it('sends raw mail through SES v1 SendRawEmail and returns its MessageId', async () => {
    const raw = Buffer.from('From: bot@example.com\r\nTo: alice@example.org\r\nSubject: x\r\n\r\nhi\r\n');
    const id = await mailbox.sendRawEmail({
      source: 'bot@example.com',
      destinations: ['alice@example.org'],
      raw,
      configurationSet: 'bot',
    });
    expect(id).toMatch(/^0102-reply-\d+$/);
    const request = stub.sesRequests[0]!;
    expect(request.get('Action')).toBe('SendRawEmail');
    expect(request.get('Source')).toBe('bot@example.com');
    expect(request.get('Destinations.member.1')).toBe('alice@example.org');
    expect(request.get('ConfigurationSetName')).toBe('bot');
    expect(Buffer.from(request.get('RawMessage.Data') ?? '', 'base64').equals(raw)).toBe(true);
  });

  it.each([
    ['MessageRejected', 400, PermanentAwsError],
    ['InvalidParameterValue', 400, PermanentAwsError],
    ['Throttling', 400, TransientAwsError],
    ['AccountSendingPausedException', 400, TransientAwsError],
    ['ServiceUnavailable', 503, TransientAwsError],
  ])('classifies SES %s as %s', async (code, status, type) => {
    stub.sesError = { status, code };
    const send = mailbox.sendRawEmail({
      source: 'bot@example.com',
      destinations: ['a@example.org'],
      raw: Buffer.from('x'),
    });
    await expect(send).rejects.toBeInstanceOf(type);
  });
});

describe('markerKeyFor', () => {
  it('is the prefix plus a SHA-256 of the key: fixed length, one per object', () => {
    const a = markerKeyFor('replied/', 'inbound/a');
    expect(a).toMatch(/^replied\/[0-9a-f]{64}$/);
    expect(markerKeyFor('replied/', 'inbound/a')).toBe(a);
    expect(markerKeyFor('replied/', 'inbound/b')).not.toBe(a);
  });
});
