import { decodeHeaderWords } from '../email/headers.js';

const NON_ASCII = /[\u0080-\uffff]/;
const ENCODED_WORD = /=\?[^?\s]+\?[BbQq]\?[^?\s]*\?=/;

/**
 * A user metadata value (`x-amz-meta-*`) as S3 stores it: RFC 2047 encoded words are decoded first
 * (UsingMetadata: values "are character decoded as per RFC 2047 before storing"). Raw header bytes arrive as
 * Latin-1 characters (Node's parser, like S3, reads each byte as one character). An encoded word that does not
 * decode is kept as sent.
 */
export function decodeMetadataValue(value: string): string {
  return ENCODED_WORD.test(value) ? decodeHeaderWords(value) : value;
}

/**
 * A stored user metadata value as S3 answers it: US-ASCII as is, anything else as one RFC 2047 encoded word of
 * its UTF-8 bytes (`=?UTF-8?B?…?=`, "encoded as per RFC 2047 to make them mail-safe before returning").
 */
export function encodeMetadataValue(value: string): string {
  return NON_ASCII.test(value) ? `=?UTF-8?B?${Buffer.from(value, 'utf8').toString('base64')}?=` : value;
}
