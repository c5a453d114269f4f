import { domainToASCII } from 'node:url';
import fc from 'fast-check';
import libmime from 'libmime';
import { type AddressObject, simpleParser } from 'mailparser';
import PostalMime from 'postal-mime';
import { describe, expect, it } from 'vitest';
import {
  checkWireFormat,
  comparableText,
  type PythonParsed,
  parseWithPython,
  unfoldableLongLines,
} from '../test/helpers.js';
import { MimeError } from './errors.js';
import { normalizeHeaderText } from './header-text.js';
import { normalizeBody } from './quote.js';
import { type BuiltReply, buildReply } from './reply.js';
import { stripReplyPrefixes } from './subject.js';

// Characters that have broken mail software before: line breaks of every kind, NUL, encoded-word
// markers, quoting and address specials, bidi marks, BOM, lone surrogates.
const SPECIALS = [
  '\r',
  '\n',
  '\r\n',
  '\u0000',
  '\t',
  '\u0085',
  '\u2028',
  '\uD800',
  '\uDC00',
  '=?',
  '?=',
  '=?UTF-8?Q?x?=',
  '"',
  '\\',
  ':',
  '<',
  '>',
  '@',
  ',',
  ';',
  ' ',
  '  ',
  '.',
  'Re:',
  'Bcc: victim@example.org',
  '\u200F',
  '\u202E',
  '\uFEFF',
  '\u00A0',
  '👋',
  'مرحبا',
  'ß',
];

const unit = fc.oneof(
  { arbitrary: fc.constantFrom(...SPECIALS), weight: 2 },
  { arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }), weight: 4 },
  { arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), weight: 1 },
);

/** Hostile text: short strings of the units above, sometimes repeated into very long lines. */
const hostile = (maxLength: number) =>
  fc.oneof(
    { arbitrary: fc.string({ unit, maxLength }), weight: 4 },
    {
      arbitrary: fc
        .tuple(fc.string({ unit, minLength: 1, maxLength: 8 }), fc.integer({ min: 20, max: 400 }))
        .map(([s, n]) => s.repeat(n)),
      weight: 1,
    },
  );

// More runs locally with CAPRICE_FUZZ_RUNS=2000; the default keeps CI to a few seconds.
const RUNS = Number(process.env.CAPRICE_FUZZ_RUNS ?? 150);

const firstAddress = (to: AddressObject | AddressObject[] | undefined) =>
  (Array.isArray(to) ? to[0] : to)?.value[0];

/** The address as sent: parsers decode punycode domains, so compare in ASCII form. */
const asciiAddress = (address: string | undefined): string => {
  if (!address) return '';
  const at = address.lastIndexOf('@');
  return `${address.slice(0, at)}@${domainToASCII(address.slice(at + 1))}`;
};

const EXPECTED_HEADERS = [
  'auto-submitted',
  'x-auto-response-suppress',
  'from',
  'to',
  'subject',
  'message-id',
  'date',
  'mime-version',
  'content-type',
];

interface Sample {
  readonly built: BuiltReply;
  readonly text: string;
  readonly html: string | undefined;
}

describe('buildReply (property tests)', () => {
  it('turns any subject, names, bodies and header values into a valid message that round-trips, or a MimeError', async () => {
    const samples: Sample[] = [];
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          subject: fc.option(hostile(120), { nil: undefined }),
          senderName: hostile(80),
          botName: hostile(40),
          text: hostile(2000),
          html: fc.option(hostile(500), { nil: undefined }),
          headerValue: hostile(200),
          messageId: fc.option(fc.constantFrom('<m1@example.org>', 'm2@example.org', '<bad id>'), {
            nil: undefined,
          }),
        }),
        async (input) => {
          // Act
          let built: BuiltReply;
          try {
            built = await buildReply(
              {
                from: { value: [{ name: input.senderName, address: 'sender@example.org' }], text: '' },
                subject: input.subject,
                messageId: input.messageId,
                references: '<m0@example.org>',
              },
              {
                from: { address: 'bot@example.com', name: input.botName },
                text: input.text,
                html: input.html,
                headers: { 'X-Fuzz': input.headerValue },
              },
            );
          } catch (err) {
            expect(err).toBeInstanceOf(MimeError);
            return;
          }
          // Assess: wire format and no injected header
          const wire = checkWireFormat(built.raw);
          expect(unfoldableLongLines(wire.headerLines)).toEqual([]);
          const names = wire.headers.map((h) => h.name.toLowerCase());
          const expectedNames = new Set([
            ...EXPECTED_HEADERS,
            ...(built.headers['X-Fuzz'] ? ['x-fuzz'] : []),
            ...(built.headers['In-Reply-To'] ? ['in-reply-to', 'references'] : []),
          ]);
          expect(new Set(names)).toEqual(
            new Set([...expectedNames, ...names.filter((n) => n === 'content-transfer-encoding')]),
          );
          expect(names).toHaveLength(new Set(names).size);
          // Assess: the subject never carries a stack of prefixes
          expect(built.headers.Subject).toMatch(/^Re:( |$)/);
          const rest = built.headers.Subject!.slice(4);
          expect(stripReplyPrefixes(rest)).toBe(rest);
          // Assess: mailparser reads back what was meant
          const parsed = await simpleParser(built.raw);
          const to = firstAddress(parsed.to);
          expect(asciiAddress(to?.address)).toBe(built.envelope.to[0]);
          const senderName = normalizeHeaderText(input.senderName);
          expect(to?.name).toBe(built.headers.To === built.envelope.to[0] ? '' : senderName);
          expect(parsed.from?.value[0]?.name).toBe(normalizeHeaderText(input.botName));
          expect(parsed.subject ?? '').toBe(built.headers.Subject);
          // mailparser leaves headers it does not know undecoded; decode the encoded-words with libmime.
          expect(libmime.decodeWords(parsed.headers.get('x-fuzz') ?? '')).toBe(built.headers['X-Fuzz'] ?? '');
          expect(parsed.inReplyTo).toBe(built.headers['In-Reply-To']);
          const text = comparableText(normalizeBody(input.text));
          // An HTML body that is empty after normalisation is treated as no HTML.
          const html =
            input.html && normalizeBody(input.html) ? comparableText(normalizeBody(input.html)) : undefined;
          expect(comparableText(parsed.text)).toBe(text);
          expect(html === undefined ? parsed.html : comparableText(parsed.html)).toBe(html ?? false);
          // Assess: an independent JS parser agrees
          const postal = await PostalMime.parse(built.raw);
          expect(postal.subject ?? '').toBe(built.headers.Subject);
          expect(asciiAddress(postal.to?.[0]?.address)).toBe(built.envelope.to[0]);
          expect(comparableText(postal.text)).toBe(text);
          if (html !== undefined) expect(comparableText(postal.html)).toBe(html);
          samples.push({ built, text, html });
        },
      ),
      { numRuns: RUNS },
    );

    // Most inputs must build: the property is about round-tripping, not about rejecting.
    expect(samples.length).toBeGreaterThan(RUNS * 0.6);
    // Assess: Python's standard email package agrees too (one process for all samples)
    const python = parseWithPython(samples.map((s) => s.built.raw));
    python.forEach((parsed: PythonParsed, i) => {
      const { built, text, html } = samples[i]!;
      expect(parsed.defects).toEqual([]);
      expect(parsed.subject).toBe(built.headers.Subject);
      expect(parsed.to.map((a) => asciiAddress(a.address))).toEqual(built.envelope.to);
      expect(parsed.inReplyTo).toBe(built.headers['In-Reply-To'] ?? null);
      expect(parsed.autoSubmitted).toBe('auto-replied');
      expect(comparableText(parsed.text)).toBe(text);
      if (html !== undefined) expect(comparableText(parsed.html)).toBe(html);
    });
  }, 60_000);

  it('turns any sender address into either exactly that recipient or a MimeError', async () => {
    const address = fc.oneof(
      fc.emailAddress(),
      fc.tuple(hostile(20), hostile(20)).map(([local, domain]) => `${local}@${domain}`),
      fc
        .tuple(fc.string({ unit: 'grapheme-ascii', maxLength: 20 }), fc.domain())
        .map(([local, domain]) => `"${local.replace(/["\\]/g, '')}"@${domain}`),
    );
    await fc.assert(
      fc.asyncProperty(address, async (sender) => {
        let built: BuiltReply;
        try {
          built = await buildReply(
            { from: { value: [{ name: '', address: sender }], text: sender } },
            { from: { address: 'bot@example.com' }, text: 'ok' },
          );
        } catch (err) {
          expect(err).toBeInstanceOf(MimeError);
          return;
        }
        checkWireFormat(built.raw);
        expect(built.envelope.to).toHaveLength(1);
        const parsed = await simpleParser(built.raw);
        expect(parsed.to).not.toBeInstanceOf(Array);
        expect((parsed.to as AddressObject).value).toHaveLength(1);
        expect(asciiAddress(firstAddress(parsed.to)?.address)).toBe(built.envelope.to[0]);
        expect(built.envelope.to[0]).toBe(asciiAddress(sender));
      }),
      { numRuns: RUNS },
    );
  }, 30_000);

  it('quotes any original text so that removing the quote marks gives the text back', async () => {
    await fc.assert(
      fc.asyncProperty(hostile(600), async (originalText) => {
        // Act
        const built = await buildReply(
          {
            from: { value: [{ name: 'Alice', address: 'alice@example.org' }], text: '' },
            text: originalText,
          },
          { from: { address: 'bot@example.com' }, text: 'ok', quote: true },
        );
        // Assess
        checkWireFormat(built.raw);
        const parsed = comparableText((await simpleParser(built.raw)).text);
        const original = comparableText(normalizeBody(originalText));
        if (!original) {
          expect(parsed).toBe('ok');
          return;
        }
        const [head, ...quoted] = parsed.split('\n\nAlice <alice@example.org> wrote:\n');
        expect(head).toBe('ok');
        const unquoted = quoted
          .join('')
          .split('\n')
          .map((line) =>
            line.startsWith('>>')
              ? line.slice(1)
              : line.startsWith('> ')
                ? line.slice(2)
                : line === '>'
                  ? ''
                  : `!${line}`,
          )
          .join('\n');
        expect(unquoted).toBe(original);
      }),
      { numRuns: RUNS },
    );
  }, 30_000);

  it('keeps only well-formed message IDs from hostile threading headers', async () => {
    await fc.assert(
      fc.asyncProperty(
        hostile(80),
        fc.array(hostile(60), { maxLength: 30 }),
        async (messageId, references) => {
          const built = await buildReply(
            { from: { value: [{ name: '', address: 'a@example.org' }], text: '' }, messageId, references },
            { from: { address: 'bot@example.com' }, text: 'ok' },
          );
          const wire = checkWireFormat(built.raw);
          expect(unfoldableLongLines(wire.headerLines)).toEqual([]);
          const parsed = await simpleParser(built.raw);
          expect(parsed.inReplyTo).toBe(built.headers['In-Reply-To']);
          const refs = built.headers.References?.split(' ') ?? [];
          for (const id of refs) expect(id).toMatch(/^<[\x21-\x7e]+>$/);
          expect(parsed.references === undefined ? [] : [parsed.references].flat()).toEqual(refs);
        },
      ),
      { numRuns: RUNS },
    );
  }, 30_000);
});
