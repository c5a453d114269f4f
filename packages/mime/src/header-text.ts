import { encodeWord } from 'nodemailer/lib/mime-funcs';
import { MAX_PLAIN_HEADER_WORD_LENGTH } from './constants.js';

/** `String.prototype.isWellFormed`/`toWellFormed` (ES2024, in Node ≥ 20): our lib setting is ES2023. */
interface WellFormedString {
  isWellFormed(): boolean;
  toWellFormed(): string;
}

/**
 * Replaces unpaired UTF-16 surrogates with U+FFFD. UTF-8 cannot encode a lone surrogate, so doing it
 * here makes the output predictable instead of depending on each encoder's fallback. Uses the native
 * methods: a regex scan of a 10 MB body costs ~60 ms, the native check a fraction of that.
 */
export function toWellFormed(value: string): string {
  const s = value as unknown as WellFormedString;
  return s.isWellFormed() ? value : s.toWellFormed();
}

// C0 controls (CR, LF, TAB, NUL …), DEL, C1 controls (NEL …) and the Unicode line/paragraph separators.
const HEADER_BREAKING = /[\p{Cc}\u2028\u2029]+/gu;

/**
 * Normalises text bound for an unstructured header (a subject, a display name, an extra header value):
 * every control character becomes a space, runs of spaces collapse to one and the ends are trimmed;
 * lone surrogates become U+FFFD and U+FEFF is removed.
 *
 * This is what makes header injection impossible by construction: no CR or LF (nor anything a lenient
 * parser might treat as a line break) survives into a header, whatever the MIME library does later.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc5322#section-2.2.1} unstructured header field bodies
 * @example
 * normalizeHeaderText('Hello\r\nBcc: victim@example.org') // 'Hello Bcc: victim@example.org'
 */
export function normalizeHeaderText(value: string): string {
  return (
    toWellFormed(value)
      // U+FEFF (byte-order mark / zero-width no-break space) is invisible, and decoders strip it from
      // the start of each encoded-word, so where it survived would depend on where the words split.
      .replace(/\uFEFF/g, '')
      .replace(HEADER_BREAKING, ' ')
      .replace(/ {2,}/g, ' ')
      .replace(/^ | $/g, '')
  );
}

/** A header value that nodemailer writes as given (folded at spaces), bypassing its own encoding. */
export interface PreparedHeaderValue {
  readonly prepared: true;
  readonly foldLines: true;
  readonly value: string;
}

/** True when `value` has a run of non-space characters longer than `max`. */
export function hasLongWord(value: string, max: number): boolean {
  let run = 0;
  for (let i = 0; i < value.length; i++) {
    run = value.charCodeAt(i) === 0x20 ? 0 : run + 1;
    if (run > max) return true;
  }
  return false;
}

/**
 * Prepares already-normalised unstructured text for nodemailer. Usually the text is returned as is and
 * nodemailer applies RFC 2047 where needed. Text with a very long word, or with a literal `=?`, is turned
 * into encoded-words here instead: nodemailer folds only at spaces, so a long word (a URL, a hash,
 * hostile padding) would give a header line over 78 or even 998 octets, whereas encoded-words split
 * into short pieces.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc2047} encoded-words
 */
export function encodeUnstructured(normalized: string): string | PreparedHeaderValue {
  // Text that merely looks like an encoded-word ("=?UTF-8?Q?x?=") is encoded too, otherwise readers
  // would decode it and show something else (nodemailer leaves well-formed ones alone).
  if (!hasLongWord(normalized, MAX_PLAIN_HEADER_WORD_LENGTH) && !normalized.includes('=?')) return normalized;
  // Q keeps mostly-ASCII text readable in raw form; B is shorter for other scripts.
  // The result holds only encoded-word characters and spaces, so writing it unescaped is safe.
  const mode = /^[\x20-\x7e]*$/.test(normalized) ? 'Q' : 'B';
  return { prepared: true, foldLines: true, value: encodeWord(normalized, mode, 52) };
}
