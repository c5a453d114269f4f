import { type AddressObject, simpleParser } from 'mailparser';
import MailComposer from 'nodemailer/lib/mail-composer';
import PostalMime from 'postal-mime';
import { describe, expect, it } from 'vitest';
import { checkWireFormat, comparableText, deterministic, unfoldableLongLines } from '../test/helpers.js';
import { MAX_REFERENCES } from './constants.js';
import {
  InvalidAddressError,
  InvalidBodyError,
  InvalidDisplayNameError,
  InvalidHeaderError,
  MimeError,
  NoRecipientError,
  ReplyLoopError,
} from './errors.js';
import { buildReply, type OriginalMessage, type ReplyContent } from './reply.js';

const addresses = (...value: { name: string; address: string }[]) => ({ value, text: '' });

const ORIGINAL: OriginalMessage = {
  from: addresses({ name: 'Alice', address: 'alice@example.org' }),
  subject: 'Quarterly report',
  messageId: '<m2@example.org>',
  references: '<m1@example.org>',
  date: new Date(Date.UTC(2026, 10, 24, 9, 0, 0)),
  text: 'Hello bot,\nhow are you?\n',
};

const REPLY: ReplyContent = { from: { address: 'bot@example.com', name: 'Caprice Bot' }, text: 'Thanks!' };

const firstAddress = (to: AddressObject | AddressObject[] | undefined) =>
  (Array.isArray(to) ? to[0] : to)?.value[0];

describe('buildReply', () => {
  it('addresses the reply to Reply-To over From, with exactly one recipient', async () => {
    // Prepare
    const original = {
      ...ORIGINAL,
      replyTo: addresses(
        { name: 'Desk', address: 'desk@support.example.org' },
        { name: 'Also', address: 'also@example.org' },
      ),
    };
    // Act
    const { raw, envelope, headers } = await buildReply(original, REPLY, deterministic());
    // Assess
    expect(envelope).toEqual({ from: 'bot@example.com', to: ['desk@support.example.org'] });
    expect(headers.To).toBe('Desk <desk@support.example.org>');
    const parsed = await simpleParser(raw);
    expect(parsed.to).toMatchObject({ value: [{ name: 'Desk', address: 'desk@support.example.org' }] });
    expect(parsed.cc).toBeUndefined();
    expect(parsed.bcc).toBeUndefined();
  });

  it('collapses stacked reply prefixes in the subject', async () => {
    const { raw, headers } = await buildReply({ ...ORIGINAL, subject: 'RE: Aw: Re[2]: Sv: Budget' }, REPLY);
    expect(headers.Subject).toBe('Re: Budget');
    expect((await simpleParser(raw)).subject).toBe('Re: Budget');
  });

  it('threads the reply under the original with In-Reply-To and References', async () => {
    const { raw, headers } = await buildReply(ORIGINAL, REPLY);
    expect(headers['In-Reply-To']).toBe('<m2@example.org>');
    expect(headers.References).toBe('<m1@example.org> <m2@example.org>');
    const parsed = await simpleParser(raw);
    expect(parsed.inReplyTo).toBe('<m2@example.org>');
    expect(parsed.references).toEqual(['<m1@example.org>', '<m2@example.org>']);
  });

  it('omits In-Reply-To and References when the original has no Message-ID', async () => {
    // Prepare
    const { messageId: _omitted, ...original } = ORIGINAL;
    // Act
    const { raw, headers } = await buildReply(original, REPLY);
    // Assess
    expect(headers).not.toHaveProperty('In-Reply-To');
    expect(headers).not.toHaveProperty('References');
    const names = checkWireFormat(raw).headers.map((h) => h.name.toLowerCase());
    expect(names).not.toContain('in-reply-to');
    expect(names).not.toContain('references');
  });

  it('caps a long References list and keeps every header line within limits', async () => {
    // Prepare
    const references = Array.from({ length: 60 }, (_, i) => `<thread-message-${i + 1}@lists.example.org>`);
    // Act
    const { raw } = await buildReply(
      { ...ORIGINAL, messageId: '<thread-message-61@lists.example.org>', references },
      REPLY,
    );
    // Assess
    const parsed = await simpleParser(raw);
    expect(parsed.references).toHaveLength(MAX_REFERENCES);
    expect((parsed.references as string[])[0]).toBe('<thread-message-1@lists.example.org>');
    expect((parsed.references as string[]).at(-1)).toBe('<thread-message-61@lists.example.org>');
    const { headerLines } = checkWireFormat(raw);
    expect(headerLines.every((line) => line.length <= 78)).toBe(true);
  });

  it('always sets the auto-reply, date, id and MIME headers', async () => {
    // Act
    const { raw, headers } = await buildReply(ORIGINAL, REPLY, deterministic());
    // Assess
    const wire = Object.fromEntries(checkWireFormat(raw).headers.map((h) => [h.name, h.value]));
    expect(wire).toMatchObject({
      'Auto-Submitted': 'auto-replied',
      'X-Auto-Response-Suppress': 'All',
      'MIME-Version': '1.0',
      Date: 'Wed, 25 Nov 2026 12:00:00 +0000',
      'Message-ID': '<test-id-1@example.com>',
      From: 'Caprice Bot <bot@example.com>',
    });
    expect(headers['Message-ID']).toBe('<test-id-1@example.com>');
    expect(headers.Date).toBe('Wed, 25 Nov 2026 12:00:00 +0000');
  });

  it('puts the Message-ID on the domain of the bot address, punycoded', async () => {
    const { headers } = await buildReply(ORIGINAL, { ...REPLY, from: { address: 'bot@bücher.example' } });
    expect(headers['Message-ID']).toMatch(/^<[0-9a-f-]{36}@xn--bcher-kva\.example>$/);
  });

  it('builds multipart/alternative with text and HTML, both UTF-8', async () => {
    // Act
    const { raw } = await buildReply(ORIGINAL, { ...REPLY, text: 'Grüße 👋', html: '<p>Grüße 👋</p>' });
    // Assess
    expect(raw.toString('latin1')).toMatch(/^Content-Type: multipart\/alternative;/m);
    const parsed = await simpleParser(raw);
    expect(parsed.text).toBe('Grüße 👋');
    expect(parsed.html).toBe('<p>Grüße 👋</p>');
    const postal = await PostalMime.parse(raw);
    expect(comparableText(postal.text)).toBe('Grüße 👋');
    expect(comparableText(postal.html)).toBe('<p>Grüße 👋</p>');
  });

  it('sends a single text/plain part without HTML, even for an empty text', async () => {
    const { raw } = await buildReply(ORIGINAL, { ...REPLY, text: '' });
    expect(raw.toString('latin1')).toMatch(/^Content-Type: text\/plain/m);
    expect(raw.toString('latin1')).not.toMatch(/multipart/);
  });

  it('encodes a non-ASCII display name as an RFC 2047 encoded-word', async () => {
    // Prepare
    const original = {
      ...ORIGINAL,
      from: addresses({ name: 'Jörg Müller 山田', address: 'joerg@example.de' }),
    };
    // Act
    const { raw } = await buildReply(original, {
      ...REPLY,
      from: { address: 'bot@example.com', name: 'Bötchen' },
    });
    // Assess
    const wire = Object.fromEntries(checkWireFormat(raw).headers.map((h) => [h.name, h.value]));
    expect(wire.To).toMatch(/^=\?UTF-8\?[QB]\?.+\?= <joerg@example\.de>$/);
    expect(wire.From).toMatch(/^=\?UTF-8\?[QB]\?.+\?= <bot@example\.com>$/);
    const parsed = await simpleParser(raw);
    expect(firstAddress(parsed.to)).toEqual({ name: 'Jörg Müller 山田', address: 'joerg@example.de' });
    expect(parsed.from?.value[0]).toEqual({ name: 'Bötchen', address: 'bot@example.com' });
  });

  it('keeps an address with a quoted local part intact', async () => {
    // Prepare
    const original = {
      ...ORIGINAL,
      from: addresses({ name: 'Doe, John', address: '"john doe"@example.com' }),
    };
    // Act
    const { raw, envelope } = await buildReply(original, REPLY);
    // Assess
    expect(envelope.to).toEqual(['"john doe"@example.com']);
    expect(raw.toString('latin1')).toContain('To: "Doe, John" <"john doe"@example.com>');
    expect(firstAddress((await simpleParser(raw)).to)).toEqual({
      name: 'Doe, John',
      address: '"john doe"@example.com',
    });
    expect((await PostalMime.parse(raw)).to?.[0]).toMatchObject({ address: '"john doe"@example.com' });
  });

  it('quotes the original text under an attribution line', async () => {
    // Act
    const { raw } = await buildReply(ORIGINAL, {
      ...REPLY,
      text: 'Fine.',
      html: '<p>Fine.</p>',
      quote: true,
    });
    // Assess
    const parsed = await simpleParser(raw);
    expect(parsed.text).toBe(
      'Fine.\n\nOn Tue, 24 Nov 2026 09:00:00 +0000, Alice <alice@example.org> wrote:\n> Hello bot,\n> how are you?\n',
    );
    expect(parsed.html).toContain(
      '<div>On Tue, 24 Nov 2026 09:00:00 +0000, Alice &lt;alice@example.org&gt; wrote:</div>',
    );
    expect(parsed.html).toContain('<blockquote type="cite"');
    expect(parsed.html).toContain('Hello bot,<br>');
  });

  it('escapes the original text in the HTML quote instead of echoing markup', async () => {
    const original = { ...ORIGINAL, text: '<script>alert(1)</script>' };
    const { raw } = await buildReply(original, {
      ...REPLY,
      html: '<html><body><p>Hi</p></body></html>',
      quote: true,
    });
    const html = (await simpleParser(raw)).html as string;
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html.indexOf('</blockquote>')).toBeLessThan(html.indexOf('</body>'));
  });

  it('adds extra headers, normalising their values', async () => {
    // Act
    const { raw, headers } = await buildReply(ORIGINAL, {
      ...REPLY,
      headers: { 'X-Caprice-Thread': 'abc\r\nBcc: victim@example.org', 'X-Empty': '  ' },
    });
    // Assess
    expect(headers['X-Caprice-Thread']).toBe('abc Bcc: victim@example.org');
    expect(headers).not.toHaveProperty('X-Empty');
    const parsed = await simpleParser(raw);
    expect(parsed.headers.get('x-caprice-thread')).toBe('abc Bcc: victim@example.org');
    expect(parsed.bcc).toBeUndefined();
  });

  it('never lets CR/LF in any input create a header', async () => {
    // Prepare
    const evil = '\r\nBcc: victim@example.org\r\n\r\n<html>';
    const original: OriginalMessage = {
      from: addresses({ name: `Mallory${evil}`, address: 'mallory@evil.example' }),
      subject: `Hi${evil}`,
      messageId: `<m1@evil.example>${evil}`,
      references: [`<r1@evil.example>${evil}`],
      text: `body${evil}`,
    };
    // Act
    const { raw } = await buildReply(original, {
      from: { address: 'bot@example.com', name: `Bot${evil}` },
      text: `reply${evil}`,
      headers: { 'X-Note': `n${evil}` },
      quote: true,
    });
    // Assess
    const names = checkWireFormat(raw).headers.map((h) => h.name);
    expect(names.sort()).toEqual(
      [
        'Auto-Submitted',
        'Content-Transfer-Encoding',
        'Content-Type',
        'Date',
        'From',
        'In-Reply-To',
        'MIME-Version',
        'Message-ID',
        'References',
        'Subject',
        'To',
        'X-Auto-Response-Suppress',
        'X-Note',
      ].sort(),
    );
    const parsed = await simpleParser(raw);
    expect(parsed.bcc).toBeUndefined();
    expect(parsed.subject).toBe('Re: Hi Bcc: victim@example.org <html>');
  });

  it('is deterministic with an injected clock and ID generator', async () => {
    const first = await buildReply(ORIGINAL, { ...REPLY, html: '<p>x</p>' }, deterministic());
    const second = await buildReply(ORIGINAL, { ...REPLY, html: '<p>x</p>' }, deterministic());
    expect(first.raw.equals(second.raw)).toBe(true);
  });

  it('sends long lines and non-ASCII bodies 7-bit safe, CRLF only', async () => {
    // Act
    const { raw } = await buildReply(ORIGINAL, {
      ...REPLY,
      text: `${'ש'.repeat(3000)}\n${'x'.repeat(5000)}\rend`,
    });
    // Assess
    const { headerLines } = checkWireFormat(raw);
    expect(unfoldableLongLines(headerLines)).toEqual([]);
    expect(comparableText((await simpleParser(raw)).text)).toBe(
      `${'ש'.repeat(3000)}\n${'x'.repeat(5000)}\nend`,
    );
  });

  it('produces the same structure as calling MailComposer directly', async () => {
    // Nothing hand-written on the MIME level: the body parts come out as nodemailer builds them.
    const ours = await buildReply(ORIGINAL, { ...REPLY, html: '<p>x</p>' }, deterministic());
    const direct = await new MailComposer({
      text: 'Thanks!',
      html: '<p>x</p>',
      baseBoundary: 'testid2',
    })
      .compile()
      .build();
    const body = (raw: Buffer) => raw.toString('latin1').slice(raw.toString('latin1').indexOf('\r\n\r\n'));
    expect(body(ours.raw)).toBe(body(direct));
  });

  describe('errors', () => {
    it('throws NoRecipientError when the original has no sender', async () => {
      await expect(buildReply({ subject: 'x' }, REPLY)).rejects.toThrowError(NoRecipientError);
    });

    it('throws InvalidAddressError for an unusable recipient or bot address', async () => {
      const badSender = { ...ORIGINAL, from: addresses({ name: '', address: 'jörg@example.de' }) };
      await expect(buildReply(badSender, REPLY)).rejects.toThrowError(InvalidAddressError);
      await expect(buildReply(badSender, REPLY)).rejects.toThrowError(/original\.from: "jörg@example\.de"/);
      await expect(buildReply(ORIGINAL, { ...REPLY, from: { address: 'bot' } })).rejects.toThrowError(
        /reply\.from\.address: "bot"/,
      );
    });

    it('throws ReplyLoopError when the reply would go to the bot itself', async () => {
      const original = { ...ORIGINAL, replyTo: addresses({ name: 'Me', address: 'BOT@Example.com' }) };
      await expect(buildReply(original, REPLY)).rejects.toThrowError(ReplyLoopError);
      await expect(buildReply(original, REPLY)).rejects.toThrowError(/"BOT@example\.com".*own address/);
    });

    it('throws InvalidDisplayNameError for an unwritable bot name', async () => {
      const reply = { ...REPLY, from: { address: 'bot@example.com', name: 'B'.repeat(100) } };
      await expect(buildReply(ORIGINAL, reply)).rejects.toThrowError(InvalidDisplayNameError);
    });

    it('throws InvalidBodyError for a non-string body', async () => {
      const reply = { ...REPLY, text: 42 } as unknown as ReplyContent;
      await expect(buildReply(ORIGINAL, reply)).rejects.toThrowError(InvalidBodyError);
      await expect(buildReply(ORIGINAL, reply)).rejects.toThrowError(
        'reply.text: expected a string but got number 42',
      );
      const html = { ...REPLY, html: Buffer.from('x') } as unknown as ReplyContent;
      await expect(buildReply(ORIGINAL, html)).rejects.toThrowError(/reply\.html/);
    });

    it('refuses file and URL contents: bodies are strings only (and MailComposer runs with file/URL access off)', async () => {
      // nodemailer would read `{ path }` from disk or fetch `{ href }`; neither can reach it through buildReply.
      for (const [field, body] of [
        ['text', { path: '/etc/passwd' }],
        ['html', { path: '/etc/passwd' }],
        ['html', { href: 'http://127.0.0.1:1/' }],
      ] as const) {
        const reply = { ...REPLY, [field]: body } as unknown as ReplyContent;
        await expect(buildReply(ORIGINAL, reply)).rejects.toThrowError(InvalidBodyError);
        await expect(buildReply(ORIGINAL, reply)).rejects.toThrowError(`reply.${field}: expected a string`);
      }
    });

    it.each([
      ['Bad Name', 'printable ASCII'],
      ['X-A:b', 'printable ASCII'],
      ['', 'printable ASCII'],
      ['Bcc', 'sets this header itself'],
      ['subject', 'sets this header itself'],
      ['Content-Type', 'sets this header itself'],
      ['Auto-Submitted', 'sets this header itself'],
    ])('throws InvalidHeaderError for the extra header %j', async (name, message) => {
      const reply = { ...REPLY, headers: { [name]: 'v' } };
      await expect(buildReply(ORIGINAL, reply)).rejects.toThrowError(InvalidHeaderError);
      await expect(buildReply(ORIGINAL, reply)).rejects.toThrowError(message);
    });

    it('throws InvalidHeaderError for a non-string header value or a bad generated id', async () => {
      const reply = { ...REPLY, headers: { 'X-N': 1 } } as unknown as ReplyContent;
      await expect(buildReply(ORIGINAL, reply)).rejects.toThrowError(InvalidHeaderError);
      await expect(buildReply(ORIGINAL, REPLY, { generateId: () => 'a b' })).rejects.toThrowError(
        /generateId returned "a b"/,
      );
    });

    it('throws MimeError for an invalid clock', async () => {
      await expect(buildReply(ORIGINAL, REPLY, { now: () => new Date(Number.NaN) })).rejects.toThrowError(
        /options\.now returned/,
      );
    });

    it('does not use a boundary that occurs in the body', async () => {
      // Prepare: the first boundary candidate ("id2") appears in the text as a boundary would.
      const ids = ['id1', 'id2', 'id3'];
      const text = 'evil\n----_NmP-id2-Part_1\nContent-Type: text/html\n\n<b>x</b>';
      // Act
      const { raw } = await buildReply(
        ORIGINAL,
        { ...REPLY, text, html: '<p>x</p>' },
        { generateId: () => ids.shift()! },
      );
      // Assess
      expect(raw.toString('latin1')).toContain('boundary="--_NmP-id3-Part_1"');
      expect(comparableText((await simpleParser(raw)).text)).toBe(text);
    });

    it('gives every error a MimeError code', async () => {
      const error = await buildReply({}, REPLY).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(MimeError);
      expect((error as MimeError).code).toBe('MIME_NO_RECIPIENT');
    });
  });
});
