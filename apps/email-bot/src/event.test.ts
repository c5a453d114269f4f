import { describe, expect, it } from 'vitest';
import { loadFixture } from '../test/helpers/fixtures.js';
import { decodeS3Key, readEvent } from './event.js';

const options = { bucket: 'caprice-mail', keyPrefix: 'inbound/', markerPrefix: 'email-bot-replied/' };

describe('decodeS3Key', () => {
  it.each([
    ['inbound/a+b%2Bc.eml', 'inbound/a b+c.eml'],
    ['inbound/plain', 'inbound/plain'],
    ['inbound/%C3%A9t%C3%A9', 'inbound/été'],
    ['inbound/100%25+done', 'inbound/100% done'],
    ['inbound/bad%zz', 'inbound/bad%zz'],
    ['inbound/%', 'inbound/%'],
  ])('%s → %s', (key, expected) => {
    expect(decodeS3Key(key)).toBe(expected);
  });
});

describe('readEvent', () => {
  it('reads an S3 notification and decodes its form-encoded key', () => {
    const entries = readEvent(loadFixture('s3', 'object-created-put'), options);
    expect(entries).toEqual([
      {
        kind: 'message',
        record: {
          index: 0,
          source: 's3',
          bucket: 'caprice-mail',
          key: 'inbound/a b+c.eml',
          rawKey: 'inbound/a+b%2Bc.eml',
          size: 1024,
        },
      },
    ]);
  });

  it('keeps every ObjectCreated record and ignores the rest with a reason', () => {
    const entries = readEvent(loadFixture('s3', 'mixed-records'), options);
    expect(entries.map((e) => (e.kind === 'message' ? e.record.key : e.reason))).toEqual([
      'inbound/first',
      'not-object-created',
      'inbound/second',
      'malformed-record',
      'marker-object',
    ]);
  });

  it('reads an SES receipt event: key from prefix + messageId, verdicts and envelope from the event', () => {
    const [entry] = readEvent(loadFixture('ses', 'inbound-basic'), options);
    expect(entry).toEqual({
      kind: 'message',
      record: {
        index: 0,
        source: 'ses',
        bucket: 'caprice-mail',
        key: 'inbound/o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1',
        rawKey: 'inbound/o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1',
        verdicts: { spam: 'PASS', virus: 'PASS', spf: 'PASS', dkim: 'GRAY', dmarc: 'GRAY' },
        recipients: ['bot@example.com'],
        envelopeSender: 'alice@example.org',
      },
    });
  });

  it('ignores SES records when no bucket is configured, saying which variable to set', () => {
    const [entry] = readEvent(loadFixture('ses', 'inbound-basic'), { ...options, bucket: undefined });
    expect(entry).toMatchObject({ kind: 'ignored', reason: 'no-bucket-configured' });
    expect(entry?.kind === 'ignored' && entry.detail).toContain('EMAIL_BOT_BUCKET');
  });

  it.each<[string, unknown, string]>([
    ['null', null, 'unrecognised-event'],
    ['a string', 'hello', 'unrecognised-event'],
    ['no Records', {}, 'unrecognised-event'],
  ])('turns %s into one ignored entry', (_name, event, reason) => {
    expect(readEvent(event, options)).toEqual([
      { kind: 'ignored', index: -1, reason, detail: expect.any(String) },
    ]);
  });

  it.each<[string, unknown, string]>([
    ['a number record', 42, 'malformed-record'],
    ['an SQS record', { eventSource: 'aws:sqs' }, 'unsupported-source'],
    ['an S3 record without eventName', { eventSource: 'aws:s3', s3: {} }, 'not-object-created'],
    ['an SES record without mail', { eventSource: 'aws:ses', ses: {} }, 'malformed-record'],
    [
      'an SES record with a path in messageId',
      { eventSource: 'aws:ses', ses: { mail: { messageId: '../etc/passwd' } } },
      'malformed-record',
    ],
  ])('ignores %s with a reason instead of throwing', (_name, record, reason) => {
    expect(readEvent({ Records: [record] }, options)).toEqual([
      { kind: 'ignored', index: 0, reason, detail: expect.any(String) },
    ]);
  });
});
