import libmime from 'libmime';
import addressparser from 'nodemailer/lib/addressparser';

/** One header field of a raw message, with its byte span (folded lines included) in the original buffer. */
export interface HeaderField {
  /** Name as written. */
  readonly name: string;
  /** Unfolded value (CRLF + whitespace joined), leading whitespace trimmed, raw bytes read as UTF-8. */
  readonly value: string;
  readonly start: number;
  readonly end: number;
}

/** Offset where the body starts (after the blank line), or the buffer length when there is no body. */
export function headerBlockEnd(raw: Uint8Array): number {
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  if (buf[0] === 0x0a) return 1;
  if (buf[0] === 0x0d && buf[1] === 0x0a) return 2;
  const crlf = buf.indexOf('\r\n\r\n');
  const lf = buf.indexOf('\n\n');
  if (crlf === -1 && lf === -1) return buf.length;
  if (lf === -1 || (crlf !== -1 && crlf < lf)) return crlf + 4;
  return lf + 2;
}

/**
 * Splits the top-level header block into fields without decoding or re-encoding anything, so callers
 * can drop or prepend fields and keep every other byte of the message intact.
 */
export function parseHeaderFields(raw: Uint8Array): HeaderField[] {
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const end = headerBlockEnd(buf);
  const fields: HeaderField[] = [];
  let pos = 0;
  while (pos < end) {
    let lineEnd = buf.indexOf(0x0a, pos);
    if (lineEnd === -1 || lineEnd >= end) lineEnd = end - 1;
    // Continuation lines (starting with space or tab) belong to the same field.
    let fieldEnd = lineEnd + 1;
    while (fieldEnd < end && (buf[fieldEnd] === 0x20 || buf[fieldEnd] === 0x09)) {
      const next = buf.indexOf(0x0a, fieldEnd);
      fieldEnd = next === -1 || next >= end ? end : next + 1;
    }
    const text = buf.subarray(pos, fieldEnd).toString('utf8');
    const colon = text.indexOf(':');
    if (colon > 0 && text.trim() !== '') {
      fields.push({
        name: text.slice(0, colon).trim(),
        value: text
          .slice(colon + 1)
          .replace(/\r?\n(?=[ \t])/g, '')
          .replace(/\r?\n$/, '')
          .trim(),
        start: pos,
        end: fieldEnd,
      });
    }
    pos = fieldEnd;
  }
  return fields;
}

/** The raw message without the top-level header fields `drop` selects; all other bytes unchanged. */
export function removeHeaderFields(raw: Uint8Array, drop: (name: string) => boolean): Buffer {
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const parts: Buffer[] = [];
  let pos = 0;
  for (const field of parseHeaderFields(buf)) {
    if (!drop(field.name)) continue;
    parts.push(buf.subarray(pos, field.start));
    pos = field.end;
  }
  parts.push(buf.subarray(pos));
  return Buffer.concat(parts);
}

/** First value of a header (case-insensitive name). */
export function headerValue(fields: readonly HeaderField[], name: string): string | undefined {
  const lower = name.toLowerCase();
  return fields.find((f) => f.name.toLowerCase() === lower)?.value;
}

/** Decodes RFC 2047 encoded words (`=?UTF-8?Q?…?=`). */
export function decodeHeaderWords(value: string): string {
  try {
    return libmime.decodeWords(value);
  } catch {
    return value;
  }
}

/** Bare addresses of an address-list header value (groups flattened). */
export function parseAddresses(value: string | undefined): string[] {
  if (value === undefined) return [];
  return addressparser(value, { flatten: true })
    .map((a) => a.address)
    .filter((a) => a !== '');
}

/**
 * Splits an address list into its entries as written (`"Doe, John" <j@x>`), as SES's `commonHeaders`
 * lists them; encoded words in display names are decoded.
 */
export function splitAddressList(value: string | undefined): string[] {
  if (value === undefined) return [];
  return addressparser(decodeHeaderWords(value), { flatten: true })
    .filter((a) => a.address !== '')
    .map((a) =>
      a.name === ''
        ? a.address
        : `${/[",;:<>@()[\]\\]/.test(a.name) ? JSON.stringify(a.name) : a.name} <${a.address}>`,
    );
}
