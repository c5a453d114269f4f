/** Errors of the email bot. Each has a stable `code`; `retryable` tells the handler whether Lambda should retry. */

/** Base class of every error the bot raises itself. */
export class EmailBotError extends Error {
  readonly code: string = 'EMAIL_BOT_ERROR';
  /** Whether throwing (so Lambda's async retry runs) can help. */
  readonly retryable: boolean = false;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'EmailBotError';
  }
}

/** A missing or invalid environment variable, raised at init. */
export class ConfigError extends EmailBotError {
  override readonly code = 'EMAIL_BOT_CONFIG';
  readonly variable: string;
  constructor(variable: string, message: string, options?: ErrorOptions) {
    super(`Environment variable ${variable} ${message}`, options);
    this.name = 'ConfigError';
    this.variable = variable;
  }
}

/** The stored message is larger than SES could have stored; it is refused, not retried. */
export class MessageTooLargeError extends EmailBotError {
  override readonly code = 'EMAIL_BOT_MESSAGE_TOO_LARGE';
  constructor(key: string, size: number, limit: number) {
    super(`Object "${key}" is ${size} bytes, over the ${limit}-byte limit; it is refused without a reply`);
    this.name = 'MessageTooLargeError';
  }
}

/** The stored object could not be parsed as a message; retrying cannot fix it. */
export class MalformedMessageError extends EmailBotError {
  override readonly code = 'EMAIL_BOT_MALFORMED_MESSAGE';
  constructor(key: string, options?: ErrorOptions) {
    const reason =
      options?.cause instanceof Error ? options.cause.message : String(options?.cause ?? 'unknown');
    super(
      `Object "${key}" could not be parsed as a MIME message (${reason}); it is skipped without a reply`,
      options,
    );
    this.name = 'MalformedMessageError';
  }
}

/** A record of the event is not a shape we handle (logged and skipped). */
export class MalformedEventError extends EmailBotError {
  override readonly code = 'EMAIL_BOT_MALFORMED_EVENT';
  constructor(message: string) {
    super(message);
    this.name = 'MalformedEventError';
  }
}

/** An AWS call failed in a way that retrying later may fix (throttling, 5xx, network). */
export class TransientAwsError extends EmailBotError {
  override readonly code = 'EMAIL_BOT_TRANSIENT_AWS';
  override readonly retryable = true;
  constructor(operation: string, options?: ErrorOptions) {
    super(
      `${operation} failed transiently (${describeCause(options?.cause)}); Lambda will retry the event`,
      options,
    );
    this.name = 'TransientAwsError';
  }
}

/** An AWS call was refused for good (e.g. SES `MessageRejected`, S3 `NoSuchKey`). */
export class PermanentAwsError extends EmailBotError {
  override readonly code = 'EMAIL_BOT_PERMANENT_AWS';
  constructor(operation: string, options?: ErrorOptions) {
    super(`${operation} was refused (${describeCause(options?.cause)}); the message is not retried`, options);
    this.name = 'PermanentAwsError';
  }
}

/** Thrown by the handler when at least one record failed transiently, so Lambda retries the whole event. */
export class RetryableRecordsError extends EmailBotError {
  override readonly code = 'EMAIL_BOT_RETRY';
  override readonly retryable = true;
  readonly keys: readonly string[];
  constructor(keys: readonly string[], options?: ErrorOptions) {
    super(
      `${keys.length} record(s) failed transiently (${keys.join(', ')}); throwing so Lambda retries the event (records already answered are not answered again)`,
      options,
    );
    this.name = 'RetryableRecordsError';
    this.keys = keys;
  }
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) return `${cause.name}: ${cause.message}`;
  return String(cause);
}
