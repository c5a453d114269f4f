/**
 * Errors thrown by `@caprice/mime`. Every error is a {@link MimeError} with a stable `code`, so callers
 * (and the property tests) can tell "bad input, skip this reply" from a bug with one `instanceof` check.
 * @module errors
 */

/** Shows a value in an error message: JSON-quoted (so CR/LF/NUL are visible) and cut to a readable length. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    const shown = value.length > 120 ? `${value.slice(0, 120)}…` : value;
    return JSON.stringify(shown);
  }
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
  return `${typeof value} ${String(value)}`;
}

/** Base class of every error this package throws. */
export class MimeError extends Error {
  readonly code: string = 'MIME_ERROR';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MimeError';
  }
}

/** An address (the bot's own, or the one a reply would go to) is not a usable `local@domain`. */
export class InvalidAddressError extends MimeError {
  override readonly code = 'MIME_INVALID_ADDRESS';
  /** Which input field held the address, e.g. `reply.from.address` or `original.replyTo`. */
  readonly field: string;
  readonly value: unknown;
  constructor(field: string, value: unknown, reason: string, options?: ErrorOptions) {
    super(
      `Invalid address in ${field}: ${describeValue(value)} ${reason}; pass a plain ASCII local@domain address (an internationalised domain is fine).`,
      options,
    );
    this.name = 'InvalidAddressError';
    this.field = field;
    this.value = value;
  }
}

/** The original message has neither a usable `Reply-To` nor a usable `From`, so there is nobody to reply to. */
export class NoRecipientError extends MimeError {
  override readonly code = 'MIME_NO_RECIPIENT';
  constructor(replyTo: unknown, from: unknown, options?: ErrorOptions) {
    super(
      `No recipient for the reply: neither original.replyTo (${describeValue(replyTo)}) nor original.from (${describeValue(from)}) holds a mailbox address; do not reply to a message without a sender address.`,
      options,
    );
    this.name = 'NoRecipientError';
  }
}

/** The reply would go to the bot's own address: sending it would loop through SES → S3 → the bot. */
export class ReplyLoopError extends MimeError {
  override readonly code = 'MIME_REPLY_LOOP';
  constructor(address: string, options?: ErrorOptions) {
    super(
      `Refusing to reply to ${describeValue(address)}: it is the bot's own address (reply.from.address), which would loop; skip messages from the bot itself.`,
      options,
    );
    this.name = 'ReplyLoopError';
  }
}

/** A display name cannot be written as a header (only thrown for the bot's own name; a sender's odd name is dropped). */
export class InvalidDisplayNameError extends MimeError {
  override readonly code = 'MIME_INVALID_DISPLAY_NAME';
  readonly field: string;
  constructor(field: string, value: unknown, reason: string, options?: ErrorOptions) {
    super(
      `Invalid display name in ${field}: ${describeValue(value)} ${reason}; use a short human-readable name.`,
      options,
    );
    this.name = 'InvalidDisplayNameError';
    this.field = field;
  }
}

/** A body (`reply.text`, `reply.html`) is not a string. */
export class InvalidBodyError extends MimeError {
  override readonly code = 'MIME_INVALID_BODY';
  readonly field: string;
  constructor(field: string, value: unknown, options?: ErrorOptions) {
    super(
      `Invalid body in ${field}: expected a string but got ${describeValue(value)}; pass the body as a string.`,
      options,
    );
    this.name = 'InvalidBodyError';
    this.field = field;
  }
}

/** An extra header has an invalid or reserved name, or a non-string value. */
export class InvalidHeaderError extends MimeError {
  override readonly code = 'MIME_INVALID_HEADER';
  readonly header: string;
  constructor(header: string, reason: string, options?: ErrorOptions) {
    super(`Invalid extra header ${describeValue(header)}: ${reason}.`, options);
    this.name = 'InvalidHeaderError';
    this.header = header;
  }
}

/** The underlying MIME library failed to build the message (should not happen for validated input). */
export class MimeBuildError extends MimeError {
  override readonly code = 'MIME_BUILD_FAILED';
  constructor(cause: unknown) {
    super(
      `Building the MIME message failed: ${cause instanceof Error ? cause.message : describeValue(cause)}; report this with the input that caused it.`,
      { cause },
    );
    this.name = 'MimeBuildError';
  }
}
