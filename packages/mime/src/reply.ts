import MailComposer from 'nodemailer/lib/mail-composer';
import {
  type AddressSource,
  type BotAddressInput,
  botMailbox,
  type Mailbox,
  recipientMailbox,
} from './address.js';
import {
  AUTO_RESPONSE_SUPPRESS_HEADER,
  AUTO_RESPONSE_SUPPRESS_VALUE,
  AUTO_SUBMITTED_HEADER,
  AUTO_SUBMITTED_VALUE,
  RESERVED_HEADERS,
} from './constants.js';
import {
  describeValue,
  InvalidBodyError,
  InvalidHeaderError,
  MimeBuildError,
  MimeError,
  ReplyLoopError,
} from './errors.js';
import { encodeUnstructured, normalizeHeaderText, type PreparedHeaderValue } from './header-text.js';
import { appendToHtml, formatDate, normalizeBody, type QuoteSource, quoteHtml, quoteText } from './quote.js';
import { replySubject } from './subject.js';
import { type ThreadSource, threadHeaders } from './threading.js';

/**
 * The fields of the received message that the builder reads. mailparser's `ParsedMail` (from
 * `simpleParser`) satisfies it, so pass that directly; tests and other callers can pass just these.
 */
export interface OriginalMessage extends AddressSource, ThreadSource, QuoteSource {
  readonly subject?: string | undefined;
}

/** What the bot says back. */
export interface ReplyContent {
  /** The bot's mailbox. The envelope sender, the `From` header and the Message-ID domain come from it. */
  readonly from: BotAddressInput;
  /** The plain-text body. Any line breaks (LF, CR, CRLF) are sent as CRLF. */
  readonly text: string;
  /** An HTML body; when given the message is `multipart/alternative` with the text as the first part. */
  readonly html?: string | undefined;
  /** Append the original's plain text as a quote with an attribution line (to the HTML too, escaped). */
  readonly quote?: boolean | undefined;
  /**
   * Extra headers, e.g. `{ 'X-Caprice-Thread': 'abc' }`. Names must be RFC 5322 field names and must not
   * be ones the builder sets itself (`From`, `Subject`, `Content-*`, …); values are normalised as header
   * text (control characters become spaces) and RFC 2047-encoded when needed. Empty values are dropped.
   */
  readonly headers?: Readonly<Record<string, string>> | undefined;
}

/** Sources of time and randomness, injectable so tests get byte-identical output. */
export interface BuildReplyOptions {
  /** The clock for the `Date` header. Default: `() => new Date()`. */
  readonly now?: (() => Date) | undefined;
  /**
   * Unique ID source, called for the Message-ID's left part and for the MIME boundary (again if an ID
   * happens to occur in the body). Default: `crypto.randomUUID`. Must return printable ASCII without
   * spaces, `<`, `>`, `@`, quotes, parentheses or backslashes.
   */
  readonly generateId?: (() => string) | undefined;
}

/** The reply, ready for SES `SendRawEmail` (`RawMessage.Data` = `raw`, `Source`/`Destinations` = `envelope`). */
export interface BuiltReply {
  /** The complete message: CRLF line endings, 7-bit clean, no line over 998 octets. */
  readonly raw: Buffer;
  /** The SMTP envelope: the bot's address and exactly one recipient. */
  readonly envelope: { readonly from: string; readonly to: readonly [string] };
  /**
   * The top-level headers that were set, decoded (as a reader sees them), e.g. `Subject`, `Message-ID`,
   * `In-Reply-To`, `References` (space-separated). For logging and for storing thread state.
   */
  readonly headers: Readonly<Record<string, string>>;
}

const FIELD_NAME = /^[\x21-\x39\x3b-\x7e]{1,76}$/;

function formatMailbox(mailbox: Mailbox): string {
  return mailbox.name ? `${mailbox.name} <${mailbox.address}>` : mailbox.address;
}

function checkBody(field: string, value: unknown): string {
  if (typeof value !== 'string') throw new InvalidBodyError(field, value);
  return value;
}

interface ExtraHeader {
  readonly name: string;
  readonly text: string;
  readonly value: string | PreparedHeaderValue;
}

function extraHeaders(headers: unknown): ExtraHeader[] {
  if (headers === undefined) return [];
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) {
    throw new InvalidHeaderError(
      'reply.headers',
      `expected an object of name: value but got ${describeValue(headers)}`,
    );
  }
  const out: ExtraHeader[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (!FIELD_NAME.test(name)) {
      throw new InvalidHeaderError(
        name,
        'a header name must be 1 to 76 printable ASCII characters without spaces or a colon (RFC 5322 §3.6.8); rename it',
      );
    }
    const lower = name.toLowerCase();
    if (RESERVED_HEADERS.has(lower) || lower.startsWith('content-')) {
      throw new InvalidHeaderError(name, 'buildReply sets this header itself; remove it from reply.headers');
    }
    if (typeof value !== 'string') {
      throw new InvalidHeaderError(
        name,
        `the value must be a string but is ${describeValue(value)}; convert it first`,
      );
    }
    const text = normalizeHeaderText(value);
    if (text) out.push({ name, text, value: encodeUnstructured(text) });
  }
  return out;
}

function generatedId(generateId: () => string): string {
  const id = generateId();
  if (typeof id !== 'string' || !/^[\x21-\x7e]{1,200}$/.test(id) || /[<>@"()\\]/.test(id)) {
    throw new InvalidHeaderError(
      'Message-ID',
      `options.generateId returned ${describeValue(id)}; it must return 1 to 200 printable ASCII characters without <, >, @, quotes, parentheses or backslashes`,
    );
  }
  return id;
}

/**
 * The shared part of the MIME boundaries. A body that contains a boundary line would split its part,
 * so an ID that occurs in a body (only plausible with a predictable test generator) is not used.
 */
function pickBoundary(generateId: () => string, text: string, html: string | undefined): string {
  for (let attempt = 0; attempt < 5; attempt++) {
    const boundary = generatedId(generateId).replace(/[^A-Za-z0-9]/g, '') || 'b';
    const marker = `_NmP-${boundary}-Part_`;
    if (!text.includes(marker) && !html?.includes(marker)) return boundary;
  }
  throw new InvalidHeaderError(
    'Content-Type',
    'options.generateId kept returning IDs that occur in the body as MIME boundaries; return unique random IDs',
  );
}

/**
 * Builds the reply to a received message as raw MIME bytes for SES `SendRawEmail`.
 *
 * The reply goes to the original `Reply-To` (else `From`), exactly one recipient; the subject is
 * `Re: ` + the original subject with stacked reply prefixes collapsed; `In-Reply-To`/`References`
 * thread it under the original (RFC 5322 §3.6.4); `Auto-Submitted: auto-replied` (RFC 3834 §5) and
 * `X-Auto-Response-Suppress: All` stop auto-reply loops. Every untrusted string is normalised before it
 * reaches a header, so CR/LF in any input can never start a new header line.
 *
 * Pure: no I/O. Asynchronous only because nodemailer's MIME builder is stream-based.
 *
 * @param original the received message: mailparser's `simpleParser` result, or the fields of {@link OriginalMessage}
 * @param reply the bot's answer
 * @param options injectable clock and ID source (for deterministic tests)
 * @throws {MimeError} for unusable input: {@link NoRecipientError}, {@link InvalidAddressError},
 *   {@link InvalidDisplayNameError}, {@link InvalidBodyError}, {@link InvalidHeaderError}, {@link ReplyLoopError}
 * @see {@link https://www.rfc-editor.org/rfc/rfc3834} Recommendations for Automatic Responses to Electronic Mail
 * @example
 * const original = await simpleParser(rawEmailBytes);
 * const { raw, envelope } = await buildReply(original, {
 *   from: { address: 'bot@example.com', name: 'Caprice Bot' },
 *   text: 'Thanks, we got your message.',
 *   quote: true,
 * });
 * await ses.send(new SendRawEmailCommand({ Source: envelope.from, Destinations: [...envelope.to], RawMessage: { Data: raw } }));
 */
export async function buildReply(
  original: OriginalMessage,
  reply: ReplyContent,
  options: BuildReplyOptions = {},
): Promise<BuiltReply> {
  if (typeof original !== 'object' || original === null) {
    throw new MimeError(
      `Invalid original message: expected the object simpleParser returns but got ${describeValue(original)}; parse the raw email first.`,
    );
  }
  if (typeof reply !== 'object' || reply === null) {
    throw new MimeError(
      `Invalid reply: expected an object with from and text but got ${describeValue(reply)}.`,
    );
  }
  const { now = () => new Date(), generateId = () => globalThis.crypto.randomUUID() } = options;

  const bot = botMailbox(reply.from);
  const recipient = recipientMailbox(original);
  // Defence in depth against mail loops; the caller's skip-list should have caught this already.
  if (recipient.address.toLowerCase() === bot.address.toLowerCase())
    throw new ReplyLoopError(recipient.address);
  let text = normalizeBody(checkBody('reply.text', reply.text));
  // An empty HTML body is treated as no HTML: an empty alternative would show a blank message.
  let html =
    reply.html === undefined ? undefined : normalizeBody(checkBody('reply.html', reply.html)) || undefined;
  const extras = extraHeaders(reply.headers);

  if (reply.quote) {
    const quoted = quoteText(original);
    if (quoted) text = text ? `${text}\r\n\r\n${quoted}\r\n` : `${quoted}\r\n`;
    if (html !== undefined) {
      const quotedHtml = quoteHtml(original);
      if (quotedHtml) html = appendToHtml(html, quotedHtml);
    }
  }

  const subject = replySubject(original.subject);
  const thread = threadHeaders(original);
  const date = now();
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
    throw new MimeError(`Invalid clock: options.now returned ${describeValue(date)}; return a valid Date.`);
  }
  const botDomain = bot.address.slice(bot.address.lastIndexOf('@') + 1);
  const messageId = `<${generatedId(generateId)}@${botDomain}>`;
  const boundary = pickBoundary(generateId, text, html);

  const subjectValue = encodeUnstructured(subject);
  const composer = new MailComposer({
    from: { name: bot.name, address: bot.address },
    to: { name: recipient.name, address: recipient.address },
    // A prepared (pre-encoded) subject must go through `headers`: `subject` only takes a string.
    ...(typeof subjectValue === 'string' ? { subject: subjectValue } : {}),
    messageId,
    date,
    ...(thread.inReplyTo ? { inReplyTo: thread.inReplyTo, references: thread.references } : {}),
    headers: [
      ...(typeof subjectValue === 'string' ? [] : [{ key: 'Subject', value: subjectValue }]),
      { key: AUTO_SUBMITTED_HEADER, value: AUTO_SUBMITTED_VALUE },
      { key: AUTO_RESPONSE_SUPPRESS_HEADER, value: AUTO_RESPONSE_SUPPRESS_VALUE },
      ...extras.map((header) => ({ key: header.name, value: header.value })),
    ],
    // nodemailer skips a falsy text; an empty Buffer still yields the (empty) text/plain part.
    text: text || Buffer.alloc(0),
    ...(html !== undefined ? { html } : {}),
    baseBoundary: boundary,
    envelope: { from: bot.address, to: [recipient.address] },
    // Content never comes from files or URLs; refuse them outright since inputs are untrusted.
    disableFileAccess: true,
    disableUrlAccess: true,
  });

  let raw: Buffer;
  try {
    raw = await composer.compile().build();
  } catch (err) {
    throw new MimeBuildError(err);
  }

  const headers: Record<string, string> = {
    From: formatMailbox(bot),
    To: formatMailbox(recipient),
    Subject: subject,
    Date: formatDate(date),
    'Message-ID': messageId,
    ...(thread.inReplyTo
      ? { 'In-Reply-To': thread.inReplyTo, References: (thread.references ?? []).join(' ') }
      : {}),
    [AUTO_SUBMITTED_HEADER]: AUTO_SUBMITTED_VALUE,
    [AUTO_RESPONSE_SUPPRESS_HEADER]: AUTO_RESPONSE_SUPPRESS_VALUE,
    'MIME-Version': '1.0',
  };
  for (const header of extras) {
    // defineProperty, so that an (allowed) header named "__proto__" is stored rather than ignored.
    Object.defineProperty(headers, header.name, {
      value: header.text,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }

  return { raw, envelope: { from: bot.address, to: [recipient.address] }, headers };
}
