import { type AddressObject, simpleParser } from 'mailparser';
import PostalMime from 'postal-mime';
import { describe, expect, it } from 'vitest';
import {
  type BuiltReply,
  buildReply,
  InvalidAddressError,
  MAX_REFERENCES,
  type ReplyContent,
} from '../src/index.js';
import {
  checkWireFormat,
  comparableText,
  deterministic,
  loadFixture,
  loadFixtureText,
  parseWithPython,
  unfoldableLongLines,
} from './helpers.js';

const REPLY: ReplyContent = {
  from: { address: 'bot@example.com', name: 'Caprice Bot' },
  text: 'Thanks for your message.\nWe will get back to you.',
  html: '<p>Thanks for your message.</p><p>We will get back to you.</p>',
  quote: true,
};

/** Parses a fixture with mailparser exactly as the email bot does, then builds the reply. */
async function replyTo(fixture: string): Promise<BuiltReply> {
  const original = await simpleParser(loadFixture(fixture), { skipTextToHtml: true });
  return buildReply(original, REPLY, deterministic());
}

interface Expected {
  to: string;
  toName: string;
  subject: string;
  inReplyTo?: string;
  references?: string[];
}

const CASES: [string, Expected][] = [
  [
    'reply-to-html',
    {
      to: 'desk@support.example.org',
      toName: 'Support Desk',
      subject: 'Re: Quarterly report',
      inReplyTo: '<CAF3x-m3@mail.example.org>',
      references: [
        '<CAF3x-m1@mail.example.org>',
        '<CAF3x-m2@mail.example.org>',
        '<CAF3x-m3@mail.example.org>',
      ],
    },
  ],
  ['no-message-id', { to: 'bob@example.net', toName: '', subject: 'Re:' }],
  [
    'unicode-names',
    {
      to: '"jorg mueller"@xn--exmple-cua.de',
      toName: 'Jörg Müller',
      subject: 'Re: 👋 مرحبا من',
      inReplyTo: '<u1@example.jp>',
      references: ['<u1@example.jp>'],
    },
  ],
  [
    'quoted-local-part',
    {
      to: '"john..doe"@example.com',
      toName: 'Doe, John',
      subject: 'Re: Quoted local part',
      inReplyTo: '<q1@example.com>',
      references: ['<q1@example.com>'],
    },
  ],
  [
    'hostile-headers',
    {
      to: 'mallory@evil.example',
      toName: 'Mallory Bcc: victim@example.org',
      subject: 'Re: Hi Bcc: victim@example.org body',
      inReplyTo: '<h1@evil.example>',
      // mailparser splits the malformed "<bad id@evil.example>" into <bad> and <id@evil.example>; the
      // first has no @ and is dropped, as is the over-long one.
      references: ['<ok@evil.example>', '<id@evil.example>', '<h1@evil.example>'],
    },
  ],
];

describe('replies to fixture messages', () => {
  it.each(CASES)(
    '%s: round-trips through mailparser, postal-mime and Python email',
    async (fixture, expected) => {
      // Act
      const built = await replyTo(fixture);
      // Assess: wire format
      const wire = checkWireFormat(built.raw);
      expect(unfoldableLongLines(wire.headerLines)).toEqual([]);
      expect(wire.headerLines.filter((line) => line.length > 78)).toEqual([]);
      expect(built.envelope).toEqual({ from: 'bot@example.com', to: [expected.to] });
      const text = 'Thanks for your message.\nWe will get back to you.';

      // mailparser
      const parsed = await simpleParser(built.raw);
      const to = parsed.to as AddressObject;
      expect(to.value).toHaveLength(1);
      expect(to.value[0]?.name).toBe(expected.toName);
      expect(parsed.subject).toBe(expected.subject);
      expect(parsed.inReplyTo).toBe(expected.inReplyTo);
      expect(parsed.references === undefined ? undefined : [parsed.references].flat()).toEqual(
        expected.references,
      );
      expect(parsed.headers.get('auto-submitted')).toBe('auto-replied');
      expect(parsed.headers.get('x-auto-response-suppress')).toBe('All');
      expect(comparableText(parsed.text).startsWith(`${text}\n\n`)).toBe(true);
      expect(parsed.html).toContain('<blockquote type="cite"');

      // postal-mime
      const postal = await PostalMime.parse(built.raw);
      expect(postal.to).toHaveLength(1);
      expect(postal.to?.[0]?.name).toBe(expected.toName);
      expect(postal.subject).toBe(expected.subject);
      expect(postal.inReplyTo).toBe(expected.inReplyTo);
      expect(comparableText(postal.text)).toBe(comparableText(parsed.text));

      // Python's email package (policy.default)
      const [python] = parseWithPython([built.raw]);
      expect(python?.defects).toEqual([]);
      expect(python?.to).toHaveLength(1);
      expect(python?.to[0]?.name).toBe(expected.toName);
      expect(python?.subject).toBe(expected.subject);
      expect(python?.inReplyTo).toBe(expected.inReplyTo ?? null);
      expect(python?.references?.split(/\s+/)).toEqual(expected.references);
      expect(python?.autoSubmitted).toBe('auto-replied');
      expect(python?.contentType).toBe('multipart/alternative');
      expect(comparableText(python?.text)).toBe(comparableText(parsed.text));
      expect(comparableText(python?.html)).toBe(comparableText(parsed.html));
    },
  );

  it('long-references: keeps the thread root and the most recent IDs', async () => {
    const built = await replyTo('long-references');
    const references = built.headers.References?.split(' ') ?? [];
    expect(references).toHaveLength(MAX_REFERENCES);
    expect(references[0]).toBe('<ref-01@lists.example.org>');
    expect(references.at(-1)).toBe('<ref-41@lists.example.org>');
    expect(built.headers.Subject).toBe('Re: Long thread');
    const [python] = parseWithPython([built.raw]);
    expect(python?.references?.split(/\s+/)).toEqual(references);
    expect(checkWireFormat(built.raw).headerLines.every((line) => line.length <= 78)).toBe(true);
  });

  it('hostile-headers: decoded CR/LF in the original never becomes a header', async () => {
    const built = await replyTo('hostile-headers');
    const names = checkWireFormat(built.raw)
      .headers.map((h) => h.name.toLowerCase())
      .sort();
    expect(names).not.toContain('bcc');
    expect(new Set(names).size).toBe(names.length);
    expect((await simpleParser(built.raw)).bcc).toBeUndefined();
  });

  it('refuses a sender whose local part is not ASCII (SES cannot send to it)', async () => {
    const raw = Buffer.from('From: <jörg@example.de>\r\nSubject: x\r\n\r\nbody\r\n', 'utf8');
    const original = await simpleParser(raw);
    await expect(buildReply(original, REPLY)).rejects.toThrowError(InvalidAddressError);
  });

  it.each(['reply-to-html', 'unicode-names'])(
    '%s: matches the reviewed golden reply byte for byte',
    async (fixture) => {
      // The golden files were generated once with the deterministic clock/ids and reviewed by hand; a diff
      // here means the bytes we send changed (e.g. after a nodemailer upgrade) and needs a new review.
      const built = await replyTo(fixture);
      expect(built.raw.toString('latin1')).toBe(loadFixtureText(`${fixture}.expected.eml`));
    },
  );
});
