/** The handler with injected fakes for S3/SES (FakeMailbox), the real MIME builder and a seeded capitalizer. */
import { InvalidAddressError, InvalidHeaderError, NoRecipientError, ReplyLoopError } from '@caprice/mime';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { TRUNCATION_NOTE } from '../src/compose.js';
import { loadConfig } from '../src/config.js';
import { PermanentAwsError, RetryableRecordsError, TransientAwsError } from '../src/errors.js';
import { markerKeyFor } from '../src/mailbox.js';
import { loadFixture } from './helpers/fixtures.js';
import { inboundMessage, type MessageOptions } from './helpers/message.js';
import { BUCKET, s3Event, setup, testConfig } from './helpers/setup.js';

const ctx = { awsRequestId: 'req-1' };

function logOf(lines: Record<string, unknown>[], msg: string) {
  return lines.filter((l) => l.msg === msg);
}

describe('handler: replies', () => {
  it('answers a plain message once, threaded, auto-replied, with the text capitalized', async () => {
    // Prepare
    const { handler, mailbox, lines } = setup();
    mailbox.put(BUCKET, 'inbound/msg1', inboundMessage());
    // Act
    const result = await handler(s3Event(['inbound/msg1']), ctx);
    // Assess
    expect(result.outcomes).toEqual([
      { index: 0, key: 'inbound/msg1', status: 'replied', replyMessageId: 'fake-1' },
    ]);
    expect(mailbox.sent).toHaveLength(1);
    const sent = mailbox.sent[0]!;
    expect(sent.source).toBe('bot@example.com');
    expect(sent.destinations).toEqual(['alice@example.org']);
    const reply = await simpleParser(Buffer.from(sent.raw));
    expect(reply.to && !Array.isArray(reply.to) && reply.to.value[0]?.address).toBe('alice@example.org');
    expect(reply.from?.value[0]).toEqual({ address: 'bot@example.com', name: 'Caprice' });
    expect(reply.subject).toBe('Re: Hello bot');
    expect(reply.inReplyTo).toBe('<m1@example.org>');
    expect(reply.references).toBe('<m1@example.org>');
    expect(reply.headers.get('auto-submitted')).toBe('auto-replied');
    const capitalized = reply.text?.split('\n\n')[0] ?? '';
    expect(capitalized.toLowerCase()).toBe('hello there, bot!\nthis is a test.');
    expect(capitalized).not.toBe(capitalized.toLowerCase());
    // Structured log line with the fields the issue asks for.
    const [replied] = logOf(lines, 'replied');
    expect(replied).toMatchObject({
      level: 'info',
      requestId: 'req-1',
      key: 'inbound/msg1',
      messageId: '<m1@example.org>',
      decision: 'reply',
      replyMessageId: 'fake-1',
      timings: expect.objectContaining({ fetchMs: expect.any(Number), totalMs: expect.any(Number) }),
    });
    // The marker records the reply.
    const marker = JSON.parse(
      (await mailbox.readMarker(BUCKET, markerKeyFor(testConfig.markerPrefix, 'inbound/msg1')))!,
    );
    expect(marker).toMatchObject({ state: 'sent', replyMessageId: 'fake-1', key: 'inbound/msg1' });
  });

  it('answers an SES receipt event, reading the object at prefix + messageId and the verdicts from the event', async () => {
    const { handler, mailbox } = setup();
    // The stored copy carries no SES verdict headers: the event's verdicts must be the ones used.
    mailbox.put(BUCKET, 'inbound/o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1', inboundMessage({ omit: true }));
    const result = await handler(loadFixture('ses', 'inbound-basic'), ctx);
    expect(result.outcomes[0]).toMatchObject({ status: 'replied' });
    expect(mailbox.sent[0]?.destinations).toEqual(['alice@example.org']);
  });

  it('skips an SES receipt event whose spam verdict is not PASS', async () => {
    const { handler, mailbox, lines } = setup();
    mailbox.put(BUCKET, 'inbound/spamid0e2ic28trm7dfhrc2v0clambda4nbp0g1', inboundMessage());
    await handler(loadFixture('ses', 'inbound-spam'), ctx);
    expect(mailbox.sent).toHaveLength(0);
    expect(logOf(lines, 'skipped')[0]).toMatchObject({ reason: 'spam-verdict' });
  });

  it('decodes form-encoded keys, and falls back to the key as given when an emulator did not encode it', async () => {
    const { handler, mailbox } = setup();
    mailbox.put(BUCKET, 'inbound/a b+c.eml', inboundMessage());
    mailbox.put(BUCKET, 'inbound/x+y', inboundMessage({ messageId: '<m2@example.org>' }));
    await handler(s3Event(['inbound/a b+c.eml']), ctx);
    await handler(s3Event(['inbound/x+y'], { encode: false }), ctx);
    expect(mailbox.sent).toHaveLength(2);
  });

  it.each([
    ['latin1', 'grüße aus köln, café und crème brûlée.'],
    ['windows1252', 'smart “quotes” cost 5 € — naïve façade.'],
    ['iso2022jp', 'こんにちは、ボットさん。hello world.'],
    ['koi8r', 'привет, бот! как дела?'],
  ])('answers %s mail with the decoded text capitalized', async (name, lowerText) => {
    const { handler, mailbox } = setup();
    mailbox.put(BUCKET, `inbound/${name}`, loadFixture('eml', name));
    await handler(s3Event([`inbound/${name}`]), ctx);
    const reply = await simpleParser(Buffer.from(mailbox.sent[0]!.raw));
    expect(reply.text?.split('\n')[0]?.toLowerCase()).toBe(lowerText);
    expect(reply.subject?.startsWith('Re: ')).toBe(true);
  });

  it('answers HTML-only mail with only the text nodes capitalized', async () => {
    const { handler, mailbox } = setup();
    mailbox.put(BUCKET, 'inbound/html', loadFixture('eml', 'html-only'));
    await handler(s3Event(['inbound/html']), ctx);
    const reply = await simpleParser(Buffer.from(mailbox.sent[0]!.raw));
    const html = reply.html || '';
    expect(html).toContain('<p title="keep me">');
    expect(html).toContain('var x = "lower";');
    expect(html).toContain('p { color: red }');
    expect(html.toLowerCase()).toContain('hello <b>html</b> world &amp; friends');
    expect(html).not.toContain('hello <b>html</b> world &amp; friends');
    expect(reply.text?.toLowerCase()).toContain('hello html world & friends');
  });

  it('answers mail with attachments without sending the attachments back', async () => {
    const { handler, mailbox } = setup();
    mailbox.put(BUCKET, 'inbound/att', loadFixture('eml', 'attachments'));
    await handler(s3Event(['inbound/att']), ctx);
    const reply = await simpleParser(Buffer.from(mailbox.sent[0]!.raw));
    expect(reply.attachments).toHaveLength(0);
    expect(reply.text?.split('\n')[0]?.toLowerCase()).toBe('see the attached report, thanks');
  });

  it('answers a 25 MB message (a large attachment) with a small reply', async () => {
    const { handler, mailbox } = setup();
    const attachment = Buffer.alloc(18 * 1024 * 1024, 7)
      .toString('base64')
      .replace(/.{76}/g, '$&\r\n');
    const body = [
      '--big',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'big file attached',
      '--big',
      'Content-Type: application/octet-stream; name=big.bin',
      'Content-Disposition: attachment; filename=big.bin',
      'Content-Transfer-Encoding: base64',
      '',
      attachment,
      '--big--',
      '',
    ].join('\r\n');
    const raw = inboundMessage({ contentType: 'multipart/mixed; boundary="big"', body });
    expect(raw.byteLength).toBeGreaterThan(24 * 1024 * 1024);
    mailbox.put(BUCKET, 'inbound/big', raw);
    await handler(s3Event(['inbound/big']), ctx);
    expect(mailbox.sent).toHaveLength(1);
    expect(mailbox.sent[0]!.raw.byteLength).toBeLessThan(10_000);
  });

  it('cuts a reply that would exceed the SES limit, with a note in the body', async () => {
    const { handler, mailbox, lines } = setup({ maxReplyBytes: 20_000 });
    const long = 'all work and no play makes jack a dull boy. '.repeat(2_000);
    mailbox.put(BUCKET, 'inbound/long', inboundMessage({ body: long }));
    await handler(s3Event(['inbound/long']), ctx);
    const sent = mailbox.sent[0]!;
    expect(sent.raw.byteLength).toBeLessThanOrEqual(20_000);
    const reply = await simpleParser(Buffer.from(sent.raw));
    expect(reply.text).toContain(TRUNCATION_NOTE.trim());
    expect(logOf(lines, 'replied')[0]).toMatchObject({ truncated: true });
  });
});

describe('handler: skips', () => {
  it.each<[string, MessageOptions, string]>([
    ['Auto-Submitted: auto-replied', { headers: ['Auto-Submitted: auto-replied'] }, 'auto-submitted'],
    ['Auto-Submitted: auto-generated', { headers: ['Auto-Submitted: auto-generated'] }, 'auto-submitted'],
    ['Return-Path <>', { returnPath: '<>' }, 'null-return-path'],
    ['List-Id', { headers: ['List-Id: <users.lists.example.org>'] }, 'list-headers'],
    ['List-Unsubscribe', { headers: ['List-Unsubscribe: <mailto:u@example.org>'] }, 'list-headers'],
    ['Precedence: bulk', { headers: ['Precedence: bulk'] }, 'bulk-precedence'],
    ['Precedence: junk', { headers: ['Precedence: junk'] }, 'bulk-precedence'],
    ['From MAILER-DAEMON', { from: 'MAILER-DAEMON@example.org' }, 'robot-sender'],
    ['From postmaster', { from: 'postmaster@example.org' }, 'robot-sender'],
    ['From a -request address', { from: 'users-request@lists.example.org' }, 'robot-sender'],
    ['From noreply', { from: 'GitHub <noreply@github.com>' }, 'robot-sender'],
    ['From the bot itself', { from: 'Caprice <bot@example.com>' }, 'own-address'],
    ['a spam verdict FAIL', { spam: 'FAIL' }, 'spam-verdict'],
    ['a spam verdict GRAY', { spam: 'GRAY' }, 'spam-verdict'],
    ['a virus verdict FAIL', { virus: 'FAIL' }, 'virus-verdict'],
    ['no SES verdicts at all', { omit: true }, 'virus-verdict'],
    ['neither SPF nor DKIM passing', { spf: 'softfail', dkim: 'fail', dmarc: 'none' }, 'unauthenticated'],
    ['DMARC failing', { dmarc: 'fail' }, 'dmarc-fail'],
    ['the bot only in Bcc', { to: 'carol@example.org' }, 'not-addressed-to-bot'],
    ['no usable From', { from: 'undisclosed-recipients:;' }, 'no-reply-address'],
    [
      'a From with a non-ASCII local part (SES cannot send to it)',
      { from: 'Jörg <jörg@example.org>' },
      'no-reply-address',
    ],
    ['a From with a domain literal', { from: '<alice@[192.0.2.1]>' }, 'no-reply-address'],
    [
      'a multipart/report (ARF) from an ordinary address',
      {
        from: 'Abuse Desk <abuse@mail.example.org>',
        contentType: 'multipart/report; report-type=feedback-report; boundary="arf"',
        body: [
          '--arf',
          'Content-Type: text/plain',
          '',
          'This is an abuse report.',
          '--arf',
          'Content-Type: message/feedback-report',
          '',
          'Feedback-Type: abuse',
          'Version: 1',
          '--arf--',
          '',
        ].join('\r\n'),
      },
      'delivery-report',
    ],
  ])('skips mail with %s, logging the reason', async (_name, options, reason) => {
    // Prepare
    const { handler, mailbox, lines } = setup();
    mailbox.put(BUCKET, 'inbound/skip', inboundMessage(options));
    // Act
    const result = await handler(s3Event(['inbound/skip']), ctx);
    // Assess
    expect(mailbox.sent).toHaveLength(0);
    expect(result.outcomes).toEqual([{ index: 0, key: 'inbound/skip', status: 'skipped', reason }]);
    expect(logOf(lines, 'skipped')[0]).toMatchObject({
      key: 'inbound/skip',
      decision: 'skip',
      reason,
      detail: expect.any(String),
      messageId: '<m1@example.org>',
    });
    expect(mailbox.markers(BUCKET, testConfig.markerPrefix)).toEqual([]);
  });

  it('skips a multipart/report bounce', async () => {
    const { handler, mailbox, lines } = setup();
    mailbox.put(BUCKET, 'inbound/dsn', loadFixture('eml', 'dsn'));
    await handler(s3Event(['inbound/dsn']), ctx);
    expect(mailbox.sent).toHaveLength(0);
    // The null Return-Path is checked first; both mark it as a bounce.
    expect(logOf(lines, 'skipped')[0]).toMatchObject({ reason: 'null-return-path' });
  });

  it("logs and ignores non-ObjectCreated records and the bot's own marker objects", async () => {
    const { handler, mailbox, lines } = setup();
    const result = await handler(loadFixture('s3', 'mixed-records'), ctx);
    expect(mailbox.sent).toHaveLength(0);
    expect(logOf(lines, 'ignored').map((l) => l.reason)).toEqual([
      'not-object-created',
      'malformed-record',
      'marker-object',
    ]);
    // inbound/first and inbound/second are missing from the bucket: logged permanent failures, no retry.
    expect(result.outcomes.filter((o) => o.status === 'failed').map((o) => o.reason)).toEqual([
      'aws-refused',
      'aws-refused',
    ]);
  });

  it('logs a message mailparser rejects as a permanent failure and goes on with the next record', async () => {
    // Prepare: a header block over the parser's 256 KiB bound, then a good message in the same event.
    const { handler, mailbox, lines } = setup();
    mailbox.put(BUCKET, 'inbound/hostile', Buffer.from(`X-Pad: ${'a'.repeat(300 * 1024)}\r\n\r\nhi\r\n`));
    mailbox.put(BUCKET, 'inbound/fine', inboundMessage());
    // Act
    const result = await handler(s3Event(['inbound/hostile', 'inbound/fine']), ctx);
    // Assess: no throw (not retried), the reason logged with the key, the other record answered.
    expect(result.outcomes.map((o) => [o.key, o.status, o.reason])).toEqual([
      ['inbound/hostile', 'failed', 'malformed-message'],
      ['inbound/fine', 'replied', undefined],
    ]);
    expect(logOf(lines, 'failed')[0]).toMatchObject({
      level: 'error',
      key: 'inbound/hostile',
      decision: 'fail',
      reason: 'malformed-message',
      retryable: false,
      error: expect.objectContaining({ name: 'MalformedMessageError', code: 'EMAIL_BOT_MALFORMED_MESSAGE' }),
    });
  });

  it('refuses a message over 40 MB with a logged reason, without retrying', async () => {
    const { handler, mailbox, lines } = setup();
    mailbox.put(BUCKET, 'inbound/huge', Buffer.alloc(40 * 1024 * 1024 + 1, 0x61));
    const result = await handler(s3Event(['inbound/huge']), ctx);
    expect(result.outcomes[0]).toMatchObject({ status: 'failed', reason: 'too-large' });
    expect(logOf(lines, 'failed')[0]).toMatchObject({
      reason: 'too-large',
      retryable: false,
      key: 'inbound/huge',
    });
  });

  it('refuses a message the notification already says is over 40 MB, without reading it', async () => {
    const { handler, mailbox } = setup();
    mailbox.getFailures.set('inbound/huge', new Error('must not be read'));
    const result = await handler(s3Event(['inbound/huge'], { size: 41 * 1024 * 1024 }), ctx);
    expect(result.outcomes[0]).toMatchObject({ status: 'failed', reason: 'too-large' });
  });
});

describe('handler: reply address', () => {
  it('answers a sender in an internationalised domain at its punycode address', async () => {
    const { handler, mailbox } = setup();
    mailbox.put(BUCKET, 'inbound/idn', inboundMessage({ from: 'Alice <alice@bücher.example>' }));
    const result = await handler(s3Event(['inbound/idn']), ctx);
    expect(result.outcomes[0]).toMatchObject({ status: 'replied' });
    expect(mailbox.sent[0]?.destinations).toEqual(['alice@xn--bcher-kva.example']);
  });

  it('recognises a bot in an internationalised domain however the mail spells it (addressed to it; its own mail)', async () => {
    // Prepare: the bot's address is configured in ASCII; mail may write the domain in Unicode or punycode.
    const config = loadConfig({
      EMAIL_BOT_ADDRESS: 'bot@xn--bcher-kva.example',
      EMAIL_BOT_BUCKET: BUCKET,
      EMAIL_BOT_KEY_PREFIX: 'inbound/',
      AWS_REGION: 'eu-west-1',
    });
    const { handler, mailbox } = setup({ config });
    mailbox.put(BUCKET, 'inbound/to-idn', inboundMessage({ to: 'Bot <bot@bücher.example>' }));
    mailbox.put(
      BUCKET,
      'inbound/from-self',
      inboundMessage({ from: 'Bot <bot@bücher.example>', to: 'bot@xn--bcher-kva.example' }),
    );
    // Act
    const result = await handler(s3Event(['inbound/to-idn', 'inbound/from-self']), ctx);
    // Assess
    expect(result.outcomes.map((o) => [o.status, o.reason])).toEqual([
      ['replied', undefined],
      ['skipped', 'own-address'],
    ]);
    expect(mailbox.sent[0]?.source).toBe('bot@xn--bcher-kva.example');
  });

  it.each([
    ['NoRecipientError', new NoRecipientError(undefined, undefined), 'no-reply-address'],
    [
      'InvalidAddressError for the original sender',
      new InvalidAddressError('original.from', 'x@y', 'is odd'),
      'no-reply-address',
    ],
    ['ReplyLoopError', new ReplyLoopError('bot@example.com'), 'own-address'],
  ])('logs a skip when the MIME builder refuses the recipient (%s)', async (_name, error, reason) => {
    // Prepare: a builder that disagrees with the policy (defence in depth; the policy normally decides first).
    const { handler, mailbox, lines } = setup({
      buildReply: () => Promise.reject(error),
    });
    mailbox.put(BUCKET, 'inbound/refused', inboundMessage());
    // Act
    const result = await handler(s3Event(['inbound/refused']), ctx);
    // Assess
    expect(result.outcomes[0]).toMatchObject({ status: 'skipped', reason });
    expect(logOf(lines, 'skipped')[0]).toMatchObject({ reason, detail: error.message });
    expect(mailbox.sent).toHaveLength(0);
    expect(mailbox.markers(BUCKET, testConfig.markerPrefix)).toEqual([]);
  });

  it('fails (permanently, logged) when the MIME builder refuses something else', async () => {
    const { handler, mailbox, lines } = setup({
      buildReply: () => Promise.reject(new InvalidHeaderError('X-A', 'bad')),
    });
    mailbox.put(BUCKET, 'inbound/bug', inboundMessage());
    const result = await handler(s3Event(['inbound/bug']), ctx);
    expect(result.outcomes[0]).toMatchObject({ status: 'failed', reason: 'malformed-message' });
    expect(logOf(lines, 'failed')[0]).toMatchObject({ retryable: false, key: 'inbound/bug' });
  });
});

describe('handler: exactly one reply', () => {
  it('answers once when the same event is delivered twice', async () => {
    const { handler, mailbox, lines } = setup();
    mailbox.put(BUCKET, 'inbound/dup', inboundMessage());
    await handler(s3Event(['inbound/dup']), ctx);
    const second = await handler(s3Event(['inbound/dup']), ctx);
    expect(mailbox.sent).toHaveLength(1);
    expect(second.outcomes[0]).toMatchObject({ status: 'skipped', reason: 'already-answered' });
    expect(logOf(lines, 'skipped')[0]).toMatchObject({ level: 'info', reason: 'already-answered' });
  });

  it('answers once when an S3 notification and an SES receipt event both name the message', async () => {
    const { handler, mailbox } = setup();
    mailbox.put(BUCKET, 'inbound/o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1', inboundMessage());
    await handler(s3Event(['inbound/o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1']), ctx);
    await handler(loadFixture('ses', 'inbound-basic'), ctx);
    expect(mailbox.sent).toHaveLength(1);
  });

  it('releases the claim when SES fails transiently and throws, so the retry sends exactly one reply', async () => {
    // Prepare
    const { handler, mailbox, lines } = setup();
    mailbox.put(BUCKET, 'inbound/retry', inboundMessage());
    mailbox.sendFailures.push(
      new TransientAwsError('SES SendRawEmail', {
        cause: Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }),
      }),
    );
    // Act
    const first = handler(s3Event(['inbound/retry']), ctx);
    // Assess
    await expect(first).rejects.toBeInstanceOf(RetryableRecordsError);
    expect(mailbox.markers(BUCKET, testConfig.markerPrefix)).toEqual([]);
    expect(logOf(lines, 'failed')[0]).toMatchObject({ reason: 'aws-transient', retryable: true });
    await handler(s3Event(['inbound/retry']), ctx);
    await handler(s3Event(['inbound/retry']), ctx);
    expect(mailbox.sent).toHaveLength(1);
  });

  it('logs a permanent SES refusal (MessageRejected) and does not throw', async () => {
    const { handler, mailbox, lines } = setup();
    mailbox.put(BUCKET, 'inbound/rejected', inboundMessage());
    mailbox.sendFailures.push(
      new PermanentAwsError('SES SendRawEmail', {
        cause: Object.assign(new Error('Email address is not verified.'), { name: 'MessageRejected' }),
      }),
    );
    const result = await handler(s3Event(['inbound/rejected']), ctx);
    expect(result.outcomes[0]).toMatchObject({ status: 'failed', reason: 'aws-refused' });
    expect(logOf(lines, 'failed')[0]).toMatchObject({
      level: 'error',
      key: 'inbound/rejected',
      messageId: '<m1@example.org>',
      retryable: false,
      cause: expect.objectContaining({ name: 'MessageRejected' }),
    });
    expect(mailbox.markers(BUCKET, testConfig.markerPrefix)).toEqual([]);
  });

  it('keeps the claim and says so when releasing it fails, and throws so the event is retried or dead-lettered', async () => {
    const { handler, mailbox, lines } = setup();
    mailbox.put(BUCKET, 'inbound/stuck', inboundMessage());
    mailbox.sendFailures.push(new TransientAwsError('SES SendRawEmail', { cause: new Error('ECONNRESET') }));
    mailbox.releaseFails = true;
    await expect(handler(s3Event(['inbound/stuck']), ctx)).rejects.toBeInstanceOf(RetryableRecordsError);
    expect(logOf(lines, 'claim-stuck')).toHaveLength(1);
    mailbox.releaseFails = false;
    const again = await handler(s3Event(['inbound/stuck']), ctx);
    expect(again.outcomes[0]).toMatchObject({ status: 'skipped', reason: 'already-answered' });
    expect(logOf(lines, 'skipped')[0]).toMatchObject({ level: 'warn' });
    expect(mailbox.sent).toHaveLength(0);
  });

  it('processes every record of a multi-record event even when one is broken', async () => {
    // Prepare: a good message, one whose read fails transiently, one missing, one not parseable into anything useful.
    const { handler, mailbox } = setup();
    mailbox.put(BUCKET, 'inbound/ok1', inboundMessage({ messageId: '<a@example.org>' }));
    mailbox.put(BUCKET, 'inbound/flaky', inboundMessage({ messageId: '<b@example.org>' }));
    mailbox.getFailures.set(
      'inbound/flaky',
      new TransientAwsError('S3 GetObject', { cause: new Error('503 SlowDown') }),
    );
    mailbox.put(BUCKET, 'inbound/garbage', Buffer.from([0, 1, 2, 3, 0xff, 0xfe, 10, 10, 0]));
    mailbox.put(BUCKET, 'inbound/ok2', inboundMessage({ messageId: '<c@example.org>' }));
    const event = s3Event([
      'inbound/ok1',
      'inbound/flaky',
      'inbound/missing',
      'inbound/garbage',
      'inbound/ok2',
    ]);
    // Act
    const error = await handler(event, ctx).catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(RetryableRecordsError);
    expect((error as RetryableRecordsError).keys).toEqual(['inbound/flaky']);
    expect(mailbox.sent.map((s) => s.destinations[0])).toEqual(['alice@example.org', 'alice@example.org']);
    // Lambda retries the whole event: the two answered records are not answered again, the flaky one is.
    mailbox.getFailures.delete('inbound/flaky');
    const retried = await handler(event, ctx);
    expect(mailbox.sent).toHaveLength(3);
    expect(retried.outcomes.map((o) => o.status)).toEqual([
      'skipped',
      'replied',
      'failed',
      'skipped',
      'skipped',
    ]);
  });
});

describe('handler: From alignment (forged From, backscatter)', () => {
  // The attacker's own envelope domain passes SPF, its own DKIM signature passes, the victim's domain publishes no
  // DMARC (SES: dmarc=none, not FAIL): every verdict passes, only alignment tells the From is not theirs.
  const forged: MessageOptions = {
    from: 'Victim <victim@bank.example>',
    returnPath: '<mallory@attacker.example>',
    authDomain: 'attacker.example',
    dmarc: 'none',
  };

  it('skips a forged From (S3 notification, trusted headers), naming the domains, and takes no marker', async () => {
    const { handler, mailbox, lines } = setup();
    mailbox.put(BUCKET, 'inbound/forged', inboundMessage(forged));
    const result = await handler(s3Event(['inbound/forged']), ctx);
    expect(result.outcomes).toEqual([
      { index: 0, key: 'inbound/forged', status: 'skipped', reason: 'unaligned-from' },
    ]);
    expect(mailbox.sent).toHaveLength(0);
    expect(mailbox.markers(BUCKET, testConfig.markerPrefix)).toEqual([]);
    expect(logOf(lines, 'skipped')[0]?.detail).toBe(
      'From domain bank.example (organization bank.example) is not aligned with an authenticated domain: ' +
        'SPF attacker.example; DKIM attacker.example; DMARC NONE',
    );
  });

  it('ignores Authentication-Results forged below SES block', async () => {
    const { handler, mailbox } = setup();
    mailbox.put(
      BUCKET,
      'inbound/forged-ar',
      inboundMessage({
        ...forged,
        headers: [
          'Authentication-Results: amazonses.com; spf=pass smtp.mailfrom=bank.example; dkim=pass header.d=bank.example; dmarc=pass header.from=bank.example',
        ],
      }),
    );
    const result = await handler(s3Event(['inbound/forged-ar']), ctx);
    expect(result.outcomes[0]).toMatchObject({ status: 'skipped', reason: 'unaligned-from' });
  });

  it.each<[string, MessageOptions]>([
    [
      'SPF passes for its bounce subdomain (no DKIM, no DMARC)',
      { returnPath: '<b-1@bounce.example.org>', authDomain: 'esp.example', dkim: 'none', dmarc: 'none' },
    ],
    [
      'its ESP signs with DKIM for its domain (SPF for the ESP)',
      { returnPath: '<b-1@esp.example>', authDomain: 'example.org', dmarc: 'none' },
    ],
    [
      'DMARC passed for its domain',
      { returnPath: '<b-1@esp.example>', authDomain: 'example.org', dkim: 'none' },
    ],
  ])('answers a legitimate sender whose %s', async (_name, options) => {
    const { handler, mailbox } = setup();
    mailbox.put(BUCKET, 'inbound/ok', inboundMessage(options));
    const result = await handler(s3Event(['inbound/ok']), ctx);
    expect(result.outcomes[0]).toMatchObject({ status: 'replied' });
    expect(mailbox.sent[0]?.destinations).toEqual(['alice@example.org']);
  });

  it('skips a forged From on the SES receipt event path (SPF domain from mail.source)', async () => {
    const event = loadFixture('ses', 'inbound-basic') as {
      Records: { ses: { mail: { source: string } } }[];
    };
    event.Records[0]!.ses.mail.source = 'mallory@attacker.example';
    const { handler, mailbox, lines } = setup();
    // The stored copy (Alice's From) has no SES block: the event's verdicts say SPF PASS, DKIM and DMARC GRAY.
    mailbox.put(BUCKET, 'inbound/o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1', inboundMessage({ omit: true }));
    const result = await handler(event, ctx);
    expect(result.outcomes[0]).toMatchObject({ status: 'skipped', reason: 'unaligned-from' });
    expect(logOf(lines, 'skipped')[0]?.detail).toContain('SPF attacker.example; DKIM no pass; DMARC GRAY');
    expect(mailbox.sent).toHaveLength(0);
  });

  it('answers the forged From when EMAIL_BOT_REQUIRE_ALIGNMENT=off', async () => {
    const config = loadConfig({
      EMAIL_BOT_ADDRESS: 'bot@example.com',
      EMAIL_BOT_BUCKET: BUCKET,
      EMAIL_BOT_KEY_PREFIX: 'inbound/',
      EMAIL_BOT_REQUIRE_ALIGNMENT: 'off',
      AWS_REGION: 'eu-west-1',
    });
    const { handler, mailbox } = setup({ config });
    mailbox.put(BUCKET, 'inbound/forged', inboundMessage(forged));
    const result = await handler(s3Event(['inbound/forged']), ctx);
    expect(result.outcomes[0]).toMatchObject({ status: 'replied' });
    expect(mailbox.sent[0]?.destinations).toEqual(['victim@bank.example']);
  });
});
