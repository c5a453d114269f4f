/** mailparser with the options that bound its cost on big or hostile input. */
import { type ParsedMail, type SimpleParserOptions, simpleParser } from 'mailparser';

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

/**
 * Parses raw message bytes. Pass the bytes, never a decoded string (mailparser#343, forwarder #81).
 *
 * @example
 * const parsed = await parseMail(bytes);
 */
export function parseMail(bytes: Uint8Array): Promise<ParsedMail> {
  const buffer = Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return simpleParser(buffer, PARSER_OPTIONS);
}
