/**
 * createMailbox with real SDK clients over real sockets, against a small local server that answers the few
 * S3/SES calls the bot makes (the emulator's S3/SES are exercised by the e2e test).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { S3Client } from '@aws-sdk/client-s3';
import { SESClient } from '@aws-sdk/client-ses';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MessageTooLargeError, PermanentAwsError, TransientAwsError } from '../src/errors.js';
import { createMailbox, type Mailbox, markerKeyFor } from '../src/mailbox.js';

const objects = new Map<string, Buffer>();
const sesRequests: URLSearchParams[] = [];
let sesAnswer: { status: number; code?: string } = { status: 200 };
let s3Unavailable = false;
let server: Server;
let mailbox: Mailbox;

function xmlError(res: ServerResponse, status: number, code: string, message: string) {
  res.writeHead(status, { 'content-type': 'application/xml' });
  res.end(
    `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`,
  );
}

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function handle(req: IncomingMessage, res: ServerResponse) {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const data = await body(req);
  if (url.pathname.startsWith('/ses')) {
    sesRequests.push(new URLSearchParams(data.toString('utf-8')));
    if (sesAnswer.status !== 200) {
      res.writeHead(sesAnswer.status, { 'content-type': 'text/xml' });
      res.end(
        `<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error><Type>Sender</Type><Code>${sesAnswer.code}</Code><Message>refused</Message></Error><RequestId>r1</RequestId></ErrorResponse>`,
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'text/xml' });
    res.end(
      '<SendRawEmailResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><SendRawEmailResult><MessageId>0102-reply-1</MessageId></SendRawEmailResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></SendRawEmailResponse>',
    );
    return;
  }
  if (s3Unavailable) return xmlError(res, 503, 'SlowDown', 'Please reduce your request rate.');
  const key = decodeURIComponent(url.pathname.slice(1));
  if (req.method === 'GET') {
    const object = objects.get(key);
    if (!object) return xmlError(res, 404, 'NoSuchKey', 'The specified key does not exist.');
    res.writeHead(200, { 'content-length': object.length, etag: '"e"' });
    res.end(object);
    return;
  }
  if (req.method === 'PUT') {
    if (req.headers['if-none-match'] === '*' && objects.has(key)) {
      return xmlError(
        res,
        412,
        'PreconditionFailed',
        'At least one of the pre-conditions you specified did not hold',
      );
    }
    objects.set(key, data);
    res.writeHead(200, { etag: '"e"' });
    res.end();
    return;
  }
  if (req.method === 'DELETE') {
    objects.delete(key);
    res.writeHead(204);
    res.end();
    return;
  }
  xmlError(res, 405, 'MethodNotAllowed', 'no');
}

beforeAll(async () => {
  server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500);
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
  const endpoint = `http://127.0.0.1:${port}`;
  mailbox = createMailbox({
    config: { region: 'eu-west-1', s3Endpoint: endpoint, sesEndpoint: `${endpoint}/ses` },
    // One attempt, so transient failures surface at once instead of after SDK back-off.
    s3: new S3Client({
      region: 'eu-west-1',
      endpoint,
      forcePathStyle: true,
      credentials,
      maxAttempts: 1,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    }),
    ses: new SESClient({ region: 'eu-west-1', endpoint: `${endpoint}/ses`, credentials, maxAttempts: 1 }),
  });
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  objects.clear();
  sesRequests.length = 0;
  sesAnswer = { status: 200 };
  s3Unavailable = false;
});

describe('createMailbox', () => {
  it('reads an object as the exact bytes stored (no UTF-8 round trip)', async () => {
    const latin1 = Buffer.from([0x47, 0x72, 0xfc, 0xdf, 0x65, 0x0d, 0x0a, 0xff, 0x00]);
    objects.set('mail/inbound/a b+c', latin1);
    const bytes = await mailbox.getObject('mail', 'inbound/a b+c', 1024);
    expect(Buffer.from(bytes).equals(latin1)).toBe(true);
  });

  it('refuses an object over the limit', async () => {
    objects.set('mail/big', Buffer.alloc(2048));
    await expect(mailbox.getObject('mail', 'big', 1024)).rejects.toBeInstanceOf(MessageTooLargeError);
  });

  it('reports a missing object as permanent and an unavailable S3 as transient', async () => {
    await expect(mailbox.getObject('mail', 'missing', 1024)).rejects.toBeInstanceOf(PermanentAwsError);
    s3Unavailable = true;
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
    expect(id).toBe('0102-reply-1');
    const request = sesRequests[0]!;
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
    sesAnswer = { status, code };
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
