/** Header names and limits used by the reply builder. */

export const AUTO_SUBMITTED_HEADER = 'Auto-Submitted' as const;
/** RFC 3834 §5: the value for a response generated automatically in reply to a message. */
export const AUTO_SUBMITTED_VALUE = 'auto-replied' as const;
/** MS-OXCMAIL: stops Exchange/Outlook from answering our reply with an out-of-office of its own. */
export const AUTO_RESPONSE_SUPPRESS_HEADER = 'X-Auto-Response-Suppress' as const;
export const AUTO_RESPONSE_SUPPRESS_VALUE = 'All' as const;

/** The subject prefix of every reply (RFC 5322 §3.6.5). */
export const REPLY_PREFIX = 'Re: ' as const;

/**
 * At most this many message IDs go into `References`: the first one (the thread root) and the most
 * recent ones. RFC 5322 sets no limit; mail clients keep the root and the last ~10, and very long
 * References headers are a known cause of rejected mail, so 20 keeps threading intact with margin.
 */
export const MAX_REFERENCES = 20;

/**
 * A message ID longer than this is treated as invalid. A msg-id cannot be folded, so it must fit a
 * 998-octet line together with the header name; real IDs are well under 100 characters.
 */
export const MAX_MESSAGE_ID_LENGTH = 250;

/** RFC 5321 §4.5.3.1: local part ≤ 64 octets, forward-path ≤ 256 octets including the angle brackets. */
export const MAX_LOCAL_PART_LENGTH = 64;
export const MAX_ADDRESS_LENGTH = 254;

/**
 * The longest run of non-space ASCII characters allowed in a display name. Printable-ASCII names go
 * out as a quoted-string, which can only be folded at spaces, so a longer run could push a header
 * line towards the 998-octet limit of RFC 5322 §2.1.1.
 */
export const MAX_NAME_WORD_LENGTH = 70;
/** Longest display name kept, in UTF-16 code units (names are for humans, 200 is generous). */
export const MAX_NAME_LENGTH = 200;

/**
 * Unstructured header text (Subject, extra header values) with a non-space run longer than this is
 * written as RFC 2047 encoded-words, which split into short pieces. Plain text can only be folded at
 * spaces, so a long run would otherwise produce a header line over 78 (or even 998) octets.
 */
export const MAX_PLAIN_HEADER_WORD_LENGTH = 60;

/**
 * Headers the builder sets itself. Extra headers with these names are refused (case-insensitively)
 * rather than silently overriding addressing, threading, loop protection or the MIME structure.
 */
export const RESERVED_HEADERS: ReadonlySet<string> = new Set([
  'from',
  'sender',
  'reply-to',
  'to',
  'cc',
  'bcc',
  'subject',
  'date',
  'message-id',
  'in-reply-to',
  'references',
  'mime-version',
  'auto-submitted',
  'x-auto-response-suppress',
  'return-path',
]);
