/**
 * The per-correspondent reply limit through the real handler (FakeMailbox as the S3/SES edge, fixed clock):
 * counting, redelivery, failed sends, concurrency, and which address is counted.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { PermanentAwsError, RetryableRecordsError, TransientAwsError } from '../src/errors.js';
import { LIMIT_KEY_SEGMENT } from '../src/reply-limit.js';
import { inboundMessage, type MessageOptions } from './helpers/message.js';
import { BUCKET, s3Event, setup } from './helpers/setup.js';

const ctx = { awsRequestId: 'req-limit' };
const NINE = new Date('2026-11-25T09:00:00Z');

function limited(env: Record<string, string> = {}, start = NINE) {
  let now = start.getTime();
  const config = loadConfig({
    EMAIL_BOT_ADDRESS: 'bot@example.com',
    EMAIL_BOT_BUCKET: BUCKET,
    EMAIL_BOT_KEY_PREFIX: 'inbound/',
    AWS_REGION: 'eu-west-1',
    ...env,
  });
  const harness = setup({ config, clock: () => new Date(now) });
  let n = 0;
  /** Stores a new message (its own key and Message-ID) and returns its key. */
  const mail = (options: MessageOptions = {}) => {
    const key = `inbound/limit-${++n}`;
    harness.mailbox.put(BUCKET, key, inboundMessage({ messageId: `<limit-${n}@example.org>`, ...options }));
    return key;
  };
  const advance = (ms: number) => {
    now += ms;
  };
  const slots = () => harness.mailbox.markers(BUCKET, `${config.markerPrefix}${LIMIT_KEY_SEGMENT}`);
  return { ...harness, config, mail, advance, slots };
}

async function statuses(handler: ReturnType<typeof setup>['handler'], keys: string[]) {
  const out: string[] = [];
  for (const key of keys) {
    const result = await handler(s3Event([key]), ctx);
    const o = result.outcomes[0]!;
    out.push(o.reason ? `${o.status}: ${o.reason}` : o.status);
  }
  return out;
}

describe('reply limit (default 5/1h, 20/1d)', () => {
  it('answers 5 messages from one sender in an hour, then skips with a logged reply-limit reason', async () => {
    const { handler, mailbox, lines, mail, slots } = limited();
    const keys = Array.from({ length: 7 }, () => mail());
    expect(await statuses(handler, keys)).toEqual([
      ...Array(5).fill('replied'),
      'skipped: reply-limit',
      'skipped: reply-limit',
    ]);
    expect(mailbox.sent).toHaveLength(5);
    // One hourly and one daily slot per reply.
    expect(slots()).toHaveLength(10);
    const skip = lines.find((l) => l.msg === 'skipped' && l.reason === 'reply-limit');
    expect(skip).toMatchObject({
      level: 'info',
      decision: 'skip',
      to: 'alice@example.org',
      key: 'inbound/limit-6',
      messageId: '<limit-6@example.org>',
    });
    expect(String(skip?.detail)).toContain('limit 5/1h');
    // Nobody else is affected.
    expect(await statuses(handler, [mail({ from: 'dave@example.org' })])).toEqual(['replied']);
  });

  it('counts case and +tag variants of an address together', async () => {
    const { handler, mail } = limited({ EMAIL_BOT_REPLY_LIMITS: '2/1h' });
    const keys = [
      mail({ from: 'Carol <carol@example.org>' }),
      mail({ from: 'Carol <CAROL+a@Example.org>' }),
      mail({ from: 'Carol <carol+b@example.org>' }),
    ];
    expect(await statuses(handler, keys)).toEqual(['replied', 'replied', 'skipped: reply-limit']);
  });

  it('opens again in the next hour, and the daily cap ends it for the day', async () => {
    const { handler, mailbox, mail, advance } = limited();
    const out: string[] = [];
    // 8 hours, 4 messages an hour (under the hourly limit): 20 replies, then the daily cap.
    for (let hour = 0; hour < 8; hour++) {
      out.push(...(await statuses(handler, [mail(), mail(), mail(), mail()])));
      advance(3_600_000);
    }
    expect(out.filter((s) => s === 'replied')).toHaveLength(20);
    expect(out.slice(20).every((s) => s === 'skipped: reply-limit')).toBe(true);
    expect(mailbox.sent).toHaveLength(20);
    // The next UTC day starts a new daily window.
    advance(24 * 3_600_000);
    expect(await statuses(handler, [mail()])).toEqual(['replied']);
  });

  it('does not count redeliveries of an answered message, and a limited message stays limited', async () => {
    const { handler, mailbox, mail, slots, lines } = limited({ EMAIL_BOT_REPLY_LIMITS: '2/1h' });
    const first = mail();
    expect(await statuses(handler, [first, first, first])).toEqual([
      'replied',
      'skipped: already-answered',
      'skipped: already-answered',
    ]);
    expect(slots()).toHaveLength(1);
    const second = mail();
    const third = mail();
    expect(await statuses(handler, [second, third, third])).toEqual([
      'replied',
      'skipped: reply-limit',
      'skipped: reply-limit',
    ]);
    expect(slots()).toHaveLength(2);
    expect(mailbox.sent).toHaveLength(2);
    expect(lines.filter((l) => l.reason === 'reply-limit').at(-1)?.detail).toMatch(
      /records a reply-limit refusal/,
    );
  });

  it('gives the slots back when the send fails transiently, so the retry is answered and counted once', async () => {
    const { handler, mailbox, mail, slots } = limited({ EMAIL_BOT_REPLY_LIMITS: '2/1h' });
    const key = mail();
    mailbox.sendFailures.push(
      new TransientAwsError('SES SendRawEmail', {
        cause: Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }),
      }),
    );
    await expect(handler(s3Event([key]), ctx)).rejects.toBeInstanceOf(RetryableRecordsError);
    expect(slots()).toEqual([]);
    expect(await statuses(handler, [key, mail(), mail()])).toEqual([
      'replied',
      'replied',
      'skipped: reply-limit',
    ]);
  });

  it('gives the slots back on a permanent refusal (nothing was sent)', async () => {
    const { handler, mailbox, mail, slots } = limited();
    mailbox.sendFailures.push(
      new PermanentAwsError('SES SendRawEmail', {
        cause: Object.assign(new Error('Email address is not verified.'), { name: 'MessageRejected' }),
      }),
    );
    expect(await statuses(handler, [mail()])).toEqual(['failed: aws-refused']);
    expect(slots()).toEqual([]);
  });

  it('releases the message claim when taking a slot fails, so the retry can answer', async () => {
    const { handler, mailbox, mail, config } = limited();
    const key = mail();
    mailbox.claimFails = (markerKey) =>
      markerKey.includes(LIMIT_KEY_SEGMENT)
        ? new TransientAwsError('S3 PutObject (claim)', { cause: new Error('503 SlowDown') })
        : undefined;
    await expect(handler(s3Event([key]), ctx)).rejects.toBeInstanceOf(RetryableRecordsError);
    expect(mailbox.markers(BUCKET, config.markerPrefix)).toEqual([]);
    mailbox.claimFails = undefined;
    expect(await statuses(handler, [key])).toEqual(['replied']);
  });

  it('lets exactly the limit through when many messages from one sender are handled at once', async () => {
    const { handler, mailbox, mail } = limited();
    const keys = Array.from({ length: 12 }, () => mail());
    const results = await Promise.all(keys.map((key) => handler(s3Event([key]), ctx)));
    const replied = results.filter((r) => r.outcomes[0]?.status === 'replied');
    expect(replied).toHaveLength(5);
    expect(mailbox.sent).toHaveLength(5);
  });

  it('is off with EMAIL_BOT_REPLY_LIMITS=off', async () => {
    const { handler, mailbox, mail, slots } = limited({ EMAIL_BOT_REPLY_LIMITS: 'off' });
    const keys = Array.from({ length: 8 }, () => mail());
    await statuses(handler, keys);
    expect(mailbox.sent).toHaveLength(8);
    expect(slots()).toEqual([]);
  });

  it('counts the address the reply goes to (Reply-To in the From domain)', async () => {
    const { handler, mailbox, mail } = limited({ EMAIL_BOT_REPLY_LIMITS: '1/1h' });
    const keys = [
      mail({ headers: ['Reply-To: team@example.org'] }),
      mail({ from: 'Bob <bob@example.org>', headers: ['Reply-To: team@example.org'] }),
      mail(),
    ];
    expect(await statuses(handler, keys)).toEqual(['replied', 'skipped: reply-limit', 'replied']);
    expect(mailbox.sent.map((s) => s.destinations[0])).toEqual(['team@example.org', 'alice@example.org']);
  });
});
