/** mailparser with the options that bound its cost on big or hostile input, attachments counted but not kept. */
import {
  type Attachment,
  type AttachmentStream,
  MailParser,
  type MessageText,
  type ParsedMail,
  type SimpleParserOptions,
} from 'mailparser';

/**
 * Options chosen for a bot that only needs headers, text and HTML:
 * - no text→HTML conversion and no link scanning (mailparser#262/#389: linkify on megabytes blocks for seconds);
 * - HTML→text only for HTML up to 1 MiB (PR #203: the converter ran out of memory on spam);
 * - no attachment hashing and no inlining of `cid:` images as `data:` URLs (copies of attachments in memory);
 * - delivery-status parts and embedded messages kept as attachments, not parsed into the text;
 * - at most 256 KiB of headers per part and 256 parts (defaults 1 MiB and 1000).
 */
export const PARSER_OPTIONS: SimpleParserOptions = {
  skipTextToHtml: true,
  skipTextLinks: true,
  skipImageLinks: true,
  keepCidLinks: true,
  maxHtmlLengthToParse: 1024 * 1024,
  checksumAlgo: false,
  keepDeliveryStatus: true,
  ignoreEmbedded: true,
  maxHeadSize: 256 * 1024,
  maxChildNodes: 256,
};

/** An empty attachment body: the bot never sends attachments back, so their bytes are read and dropped. */
const NO_CONTENT = Buffer.alloc(0);

/**
 * Parses raw message bytes. Pass the bytes, never a decoded string (mailparser#343, forwarder #81).
 *
 * Like mailparser's `simpleParser` (same fields, same options), except that attachment contents are drained
 * without being stored: each attachment keeps its metadata and `size`, its `content` is an empty Buffer.
 * `simpleParser` would hold every attachment decoded (an 18 MB file costs ~36 MB more at its peak: the chunk
 * list plus the concatenated copy).
 *
 * @example
 * const parsed = await parseMail(bytes);
 */
export function parseMail(bytes: Uint8Array): Promise<ParsedMail> {
  const buffer = Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return new Promise<ParsedMail>((resolve, reject) => {
    // MailParser may emit a non-fatal 'error' and still reach 'end': the first outcome wins (as in simpleParser).
    let settled = false;
    const settle = (error: unknown, mail?: ParsedMail) => {
      if (settled) return;
      settled = true;
      if (mail === undefined) reject(error);
      else resolve(mail);
    };
    const parser = new MailParser(PARSER_OPTIONS);
    const mail: Partial<ParsedMail> & { attachments: Attachment[] } = { attachments: [] };
    parser.on('error', (error: unknown) => settle(error));
    parser.on('headers', (headers) => {
      mail.headers = headers;
      mail.headerLines = parser.headerLines || [];
    });
    let reading = false;
    const reader = (): void => {
      reading = true;
      const data = parser.read() as AttachmentStream | MessageText | null;
      if (data === null) {
        reading = false;
        return;
      }
      if (data.type === 'text') {
        for (const key of ['text', 'html', 'textAsHtml', 'textConversionError'] as const) {
          if (key in data) (mail as Record<string, unknown>)[key] = data[key as keyof MessageText];
        }
        reader();
        return;
      }
      const stream = data.content;
      let size = 0;
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
      });
      stream.on('end', () => {
        const release = data.release;
        mail.attachments.push({ ...data, content: NO_CONTENT, size, release: null } as Attachment);
        release?.();
        reader();
      });
    };
    parser.on('readable', () => {
      if (!reading) reader();
    });
    parser.on('end', () => {
      const headers = mail.headers;
      for (const key of [
        'subject',
        'references',
        'date',
        'to',
        'from',
        'cc',
        'bcc',
        'message-id',
        'in-reply-to',
        'reply-to',
      ]) {
        if (headers?.has(key)) {
          (mail as Record<string, unknown>)[key.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase())] =
            headers.get(key);
        }
      }
      settle(undefined, mail as ParsedMail);
    });
    parser.end(buffer);
  });
}
