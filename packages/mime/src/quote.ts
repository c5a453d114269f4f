import { type AddressSource, senderOf } from './address.js';
import { toWellFormed } from './header-text.js';

/**
 * Normalises a body for the wire: lone surrogates become U+FFFD, a leading byte-order mark is dropped
 * and every line break (CRLF, CR or LF) becomes CRLF, as RFC 5322 §2.3 requires. Other characters are
 * left to the transfer encoding.
 *
 * @example
 * normalizeBody('a\nb\rc') // 'a\r\nb\r\nc'
 */
export function normalizeBody(text: string): string {
  let body = toWellFormed(text);
  // A leading byte-order mark is dropped: decoders (iconv-lite in mailparser) strip it on the way in,
  // and it means nothing in a UTF-8 body.
  if (body.charCodeAt(0) === 0xfeff) body = body.replace(/^\uFEFF+/, '');
  // Test before replacing: a body that already uses CRLF (the common case) is then not copied.
  return BARE_LINE_BREAK.test(body) ? body.replace(/\r\n|\r|\n/g, '\r\n') : body;
}

const BARE_LINE_BREAK = /\r(?!\n)|(?<!\r)\n/;

/** The parts of the original message quoting reads (a mailparser `ParsedMail` fits). */
export interface QuoteSource extends AddressSource {
  readonly date?: Date | undefined;
  readonly text?: string | false | undefined;
}

/** `Thu, 01 Jan 1970 00:00:00 +0000`, the RFC 5322 date format nodemailer also uses for `Date`. */
export function formatDate(date: Date): string {
  return date.toUTCString().replace(/GMT$/, '+0000');
}

/**
 * The line introducing a quoted original, e.g. `On Tue, 24 Nov 2026 10:00:00 +0000, Alice <alice@example.org> wrote:`.
 * The date part is left out when the original has no valid date.
 */
export function attributionLine(original: QuoteSource): string {
  const sender = senderOf(original);
  const who = sender ? (sender.name ? `${sender.name} <${sender.address}>` : sender.address) : 'the sender';
  const date =
    original.date instanceof Date && !Number.isNaN(original.date.getTime()) ? original.date : undefined;
  if (date) return `On ${formatDate(date)}, ${who} wrote:`;
  return sender ? `${who} wrote:` : 'The sender wrote:';
}

/** The original plain text, normalised, without trailing blank lines; empty when there is none. */
function originalText(original: QuoteSource): string {
  return typeof original.text === 'string' ? normalizeBody(original.text).replace(/(?:\r\n)+$/, '') : '';
}

/**
 * The original text as a plain-text quote: the attribution line, then each line prefixed with `> `
 * (lines already quoted get just `>`, so nesting reads `>> `). Returns '' when the original has no text.
 */
export function quoteText(original: QuoteSource): string {
  const text = originalText(original);
  if (!text) return '';
  const quoted = text
    .split('\r\n')
    .map((line) => (line === '' ? '>' : line.startsWith('>') ? `>${line}` : `> ${line}`))
    .join('\r\n');
  return `${attributionLine(original)}\r\n${quoted}`;
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch]!);
}

/**
 * The original text as an HTML quote (`<blockquote type="cite">`). Built from the original's *plain
 * text*, escaped, never from its HTML: echoing untrusted HTML from an unknown sender in mail we sign
 * would let them put arbitrary markup (links, forms, tracking) in our outgoing messages.
 */
export function quoteHtml(original: QuoteSource): string {
  const text = originalText(original);
  if (!text) return '';
  const body = text.split('\r\n').map(escapeHtml).join('<br>\r\n');
  return (
    `<div>${escapeHtml(attributionLine(original))}</div>\r\n` +
    `<blockquote type="cite" style="margin:0 0 0 .8ex;border-left:1px solid #ccc;padding-left:1ex">\r\n${body}\r\n</blockquote>`
  );
}

/** Puts `fragment` before the last `</body>` when the HTML has one, otherwise at the end. */
export function appendToHtml(html: string, fragment: string): string {
  let close = -1;
  for (const match of html.matchAll(/<\/body\s*>/gi)) close = match.index;
  return close < 0 ? `${html}\r\n${fragment}` : `${html.slice(0, close)}${fragment}\r\n${html.slice(close)}`;
}
