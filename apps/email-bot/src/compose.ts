/**
 * Builds the reply: capitalizes the text (and the HTML's text nodes), lets the MIME builder thread and encode
 * it, and cuts it to fit SES's size limit with a note when needed.
 */
import type { ParsedMail } from 'mailparser';

/** The capitalization the reply applies (production: `@caprice/capitalize`). */
export interface TextTransform {
  /** Capitalizes plain text. */
  text(input: string): string;
  /** Capitalizes only the text nodes of an HTML document (tags, attributes, scripts untouched). */
  html(input: string): string;
}

/** The reply content handed to the MIME builder (the `@caprice/mime` `buildReply` contract). */
export interface ReplyContent {
  from: { address: string; name: string };
  text: string;
  html?: string | undefined;
  quote?: boolean | undefined;
  headers?: Record<string, string> | undefined;
}

/** What the MIME builder returns. */
export interface BuiltReply {
  raw: Uint8Array | string;
  envelope: { from: string; to: readonly string[] };
  headers: Record<string, unknown>;
}

/** The MIME builder (production: `buildReply` from `@caprice/mime`). */
export type ReplyBuilder = (original: ParsedMail, reply: ReplyContent) => Promise<BuiltReply>;

/** A reply ready for SES. */
export interface ComposedReply {
  raw: Uint8Array;
  envelope: { from: string; to: readonly string[] };
  /** True when the body was cut to fit `maxBytes`. */
  truncated: boolean;
}

/** Appended to a reply cut to fit SES's limit. */
export const TRUNCATION_NOTE = '\n\n[This reply was cut short to fit the 10 MB limit of the mail service.]';

const EMPTY_NOTE = '(Your message had no text to capitalize.)';

/**
 * Composes the reply to `parsed` from the bot's mailbox `from`, never larger than `maxBytes`.
 *
 * @example
 * const reply = await composeReply(parsed, { from: { address: 'bot@example.com', name: 'Caprice' }, quote: true, maxBytes }, { transform, buildReply });
 */
export async function composeReply(
  parsed: ParsedMail,
  options: { from: ReplyContent['from']; quote: boolean; maxBytes: number },
  deps: { transform: TextTransform; buildReply: ReplyBuilder },
): Promise<ComposedReply> {
  const sourceText = typeof parsed.text === 'string' ? parsed.text : '';
  const sourceHtml = typeof parsed.html === 'string' && parsed.html.trim() !== '' ? parsed.html : undefined;

  // Every UTF-16 unit is at least one byte in the reply, so a text or HTML longer than maxBytes can never fit:
  // skip building the full reply (several copies of a 25 MB text: capitalized, quoted, encoded) and capitalize
  // only the prefix the cut reply can hold.
  const cannotFit = sourceText.length > options.maxBytes || (sourceHtml?.length ?? 0) > options.maxBytes;
  let text: string;
  let keep: number;
  if (cannotFit) {
    text = deps.transform.text(cutAt(sourceText, options.maxBytes));
    keep = Math.floor(text.length * 0.9);
  } else {
    text =
      sourceText.trim() === '' && sourceHtml === undefined ? EMPTY_NOTE : deps.transform.text(sourceText);
    const html = sourceHtml === undefined ? undefined : deps.transform.html(sourceHtml);
    const first = await build(
      parsed,
      { from: options.from, text, html, quote: options.quote },
      deps.buildReply,
    );
    if (first.raw.byteLength <= options.maxBytes) return { ...first, truncated: false };
    keep = Math.floor(text.length * Math.min(0.9, options.maxBytes / first.raw.byteLength));
  }

  // Too big: drop the HTML alternative and the quote (both copies of the text), then shrink the text until it fits.
  for (let attempt = 0; attempt < 8; attempt++) {
    const cut = cutAt(text, keep) + TRUNCATION_NOTE;
    const reply = await build(parsed, { from: options.from, text: cut, quote: false }, deps.buildReply);
    if (reply.raw.byteLength <= options.maxBytes) return { ...reply, truncated: true };
    keep = Math.floor(keep * Math.min(0.9, options.maxBytes / reply.raw.byteLength));
  }
  const reply = await build(
    parsed,
    { from: options.from, text: TRUNCATION_NOTE.trim(), quote: false },
    deps.buildReply,
  );
  return { ...reply, truncated: true };
}

async function build(
  parsed: ParsedMail,
  content: ReplyContent,
  buildReply: ReplyBuilder,
): Promise<{ raw: Uint8Array; envelope: BuiltReply['envelope'] }> {
  const built = await buildReply(parsed, content);
  const raw = typeof built.raw === 'string' ? Buffer.from(built.raw, 'utf-8') : built.raw;
  return { raw, envelope: built.envelope };
}

/** Cuts at a UTF-16 index without splitting a surrogate pair. */
function cutAt(text: string, index: number): string {
  if (index <= 0) return '';
  if (index >= text.length) return text;
  const code = text.charCodeAt(index - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? index - 1 : index);
}
