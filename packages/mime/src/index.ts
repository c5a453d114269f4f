/**
 * @module @caprice/mime
 * Builds RFC-correct MIME replies (threading, RFC 3834 auto-reply headers) as bytes for SES SendRawEmail.
 */
export type { AddressEntryLike, AddressListLike, BotAddressInput, Mailbox } from './address.js';
export { botMailbox, canonicalAddress } from './address.js';
export {
  AUTO_RESPONSE_SUPPRESS_HEADER,
  AUTO_RESPONSE_SUPPRESS_VALUE,
  AUTO_SUBMITTED_HEADER,
  AUTO_SUBMITTED_VALUE,
  MAX_MESSAGE_ID_LENGTH,
  MAX_REFERENCES,
  RESERVED_HEADERS,
} from './constants.js';
export {
  InvalidAddressError,
  InvalidBodyError,
  InvalidDisplayNameError,
  InvalidHeaderError,
  MimeBuildError,
  MimeError,
  NoRecipientError,
  ReplyLoopError,
} from './errors.js';
export { normalizeHeaderText } from './header-text.js';
export { attributionLine, normalizeBody, quoteText } from './quote.js';
export type { BuildReplyOptions, BuiltReply, OriginalMessage, ReplyContent } from './reply.js';
export { buildReply } from './reply.js';
export { replySubject, stripReplyPrefixes } from './subject.js';
export type { ThreadHeaders } from './threading.js';
export { parseMessageIds, threadHeaders } from './threading.js';
