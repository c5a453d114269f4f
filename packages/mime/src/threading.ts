import { MAX_MESSAGE_ID_LENGTH, MAX_REFERENCES } from './constants.js';

// What we accept inside <…>: printable ASCII without the characters that would end or confuse a
// msg-id (angle brackets, quotes, parentheses for comments, backslash). `=?` is refused too, because
// mailparser decodes encoded-words even inside References. Anything else is dropped.
const MSG_ID_BODY = /^[\x21-\x7e]+$/;
const MSG_ID_FORBIDDEN = /[<>"()\\]|=\?/;

// RFC 5322 §3.6.4: msg-id = "<" id-left "@" id-right ">"; both sides are required.
const ID_LEFT_AT_RIGHT = /^[^@]+@[^@]+$/;

function isUsableId(body: string): boolean {
  return (
    body.length + 2 <= MAX_MESSAGE_ID_LENGTH &&
    ID_LEFT_AT_RIGHT.test(body) &&
    MSG_ID_BODY.test(body) &&
    !MSG_ID_FORBIDDEN.test(body)
  );
}

/**
 * Extracts the message IDs from a Message-ID / In-Reply-To / References value as mailparser gives it
 * (a string, or an array of strings for References), each as `<id>`. IDs that are malformed (no single
 * `@` between two non-empty parts, spaces, quotes, `=?`), non-ASCII or too long to fit a header line are
 * dropped rather than passed on.
 *
 * @example
 * parseMessageIds('<a@example.org> <b@example.org>') // ['<a@example.org>', '<b@example.org>']
 */
export function parseMessageIds(value: unknown): string[] {
  const parts = Array.isArray(value) ? value : [value];
  const ids: string[] = [];
  for (const part of parts) {
    if (typeof part !== 'string') continue;
    // Obsolete syntax (RFC 5322 §4.5.4) lets IDs appear without brackets; accept bare tokens then.
    const tokens = part.includes('<') ? (part.match(/<[^<>]*>/g) ?? []) : part.split(/\s+/);
    for (const token of tokens) {
      const body = token.startsWith('<') ? token.slice(1, -1) : token;
      if (isUsableId(body)) ids.push(`<${body}>`);
    }
  }
  return ids;
}

/** The threading headers of a reply. Both are absent when the original had no usable Message-ID. */
export interface ThreadHeaders {
  inReplyTo?: string;
  references?: string[];
}

/** The fields of the original message that threading reads (a mailparser `ParsedMail` fits). */
export interface ThreadSource {
  messageId?: string | undefined;
  inReplyTo?: string | undefined;
  references?: string | string[] | undefined;
}

/**
 * Computes `In-Reply-To` and `References` for a reply (RFC 5322 §3.6.4): In-Reply-To is the original
 * Message-ID; References is the original References (or, if it has none, its In-Reply-To when that
 * holds exactly one ID) followed by the original Message-ID. Duplicates are removed and the list is
 * capped at {@link MAX_REFERENCES}: the first ID (the thread root) and the most recent ones are kept.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc5322#section-3.6.4}
 * @example
 * threadHeaders({ messageId: '<b@x>', references: '<a@x>' })
 * // { inReplyTo: '<b@x>', references: ['<a@x>', '<b@x>'] }
 */
export function threadHeaders(original: ThreadSource): ThreadHeaders {
  const messageId = parseMessageIds(original.messageId)[0];
  if (messageId === undefined) return {};
  let parents = parseMessageIds(original.references);
  if (parents.length === 0) {
    const inReplyTo = parseMessageIds(original.inReplyTo);
    if (inReplyTo.length === 1) parents = inReplyTo;
  }
  const seen = new Set<string>([messageId]);
  const references: string[] = [];
  for (const id of parents) {
    if (!seen.has(id)) {
      seen.add(id);
      references.push(id);
    }
  }
  references.push(messageId);
  const capped =
    references.length > MAX_REFERENCES
      ? [references[0]!, ...references.slice(references.length - (MAX_REFERENCES - 1))]
      : references;
  return { inReplyTo: messageId, references: capped };
}
