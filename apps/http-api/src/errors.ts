import { jsonResponse } from './json-response.js';

/**
 * Errors the function answers with. Every error a client can cause is an {@link HttpError} with `expose = true`
 * (status < 500): its code and message go into the body. Anything else becomes a generic 500 at the edge.
 * @module
 */

/** Stable machine-readable error codes sent in `{"error": {"code", "message"}}`. */
export const ErrorCode = {
  INVALID_REQUEST: 'INVALID_REQUEST',
  INVALID_ENCODING: 'INVALID_ENCODING',
  INVALID_JSON: 'INVALID_JSON',
  INVALID_TEXT: 'INVALID_TEXT',
  INVALID_SEED: 'INVALID_SEED',
  INVALID_PROBABILITY: 'INVALID_PROBABILITY',
  TEXT_TOO_LONG: 'TEXT_TOO_LONG',
  BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  NOT_FOUND: 'NOT_FOUND',
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  INTERNAL: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Message sent for every 5xx: details stay in the log. */
export const INTERNAL_ERROR_MESSAGE = 'Internal server error; the details were logged with the request id.';

/**
 * An HTTP error with a status, a stable code and a message meant for the client (when `expose`).
 * @example
 * throw new HttpError(400, ErrorCode.INVALID_SEED, 'Query parameter "seed" must be an integer, got "x"');
 */
export class HttpError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  /** Whether the message may be shown to the client: only for 4xx. */
  readonly expose: boolean;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    status: number,
    code: ErrorCode,
    message: string,
    options?: ErrorOptions & { headers?: Record<string, string> },
  ) {
    super(message, options);
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
    this.expose = status < 500;
    this.headers = options?.headers ?? {};
  }

  /** The JSON error response; a 5xx never carries its own message. */
  toResponse(): Response {
    const message = this.expose ? this.message : INTERNAL_ERROR_MESSAGE;
    const code = this.expose ? this.code : ErrorCode.INTERNAL;
    return jsonResponse(this.status, { error: { code, message } }, this.headers);
  }
}
