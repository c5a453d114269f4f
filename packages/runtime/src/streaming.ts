/**
 * Response-streaming helpers, usable from application code without starting the runtime. They follow AWS's
 * protocol (a `Symbol.for` tag on the handler, `_onBeforeFirstWrite` on the stream), so a handler bundled with its
 * own copy of this package works under this runtime's loop and under AWS's runtime alike.
 * @module
 */
import {
  HTTP_INTEGRATION_CONTENT_TYPE,
  STREAMING_HANDLER_SYMBOL,
  STREAMING_HIGH_WATER_MARK_SYMBOL,
} from './constants.js';
import type { HttpResponseMetadata, ResponseStream, StreamingHandler } from './types.js';

/** Options of {@link streamifyResponse}. */
export interface StreamifyOptions {
  /** Buffer size of the response stream in bytes. */
  highWaterMark?: number;
}

/**
 * Marks a handler as a response-streaming handler: it is called as `handler(event, responseStream, context)`.
 *
 * @example
 * export const handler = streamifyResponse(async (event, stream) => { stream.write('hi'); stream.end(); });
 */
export function streamifyResponse<TEvent = unknown>(
  handler: StreamingHandler<TEvent>,
  options?: StreamifyOptions,
): StreamingHandler<TEvent> {
  const tagged = handler as StreamingHandler<TEvent> & Record<symbol, unknown>;
  tagged[STREAMING_HANDLER_SYMBOL] = 'response';
  if (options?.highWaterMark !== undefined) tagged[STREAMING_HIGH_WATER_MARK_SYMBOL] = options.highWaterMark;
  return handler;
}

/** True for handlers wrapped by {@link streamifyResponse} (of any copy of this package, or AWS's global). */
export function isStreamingHandler(handler: unknown): boolean {
  return (
    typeof handler === 'function' &&
    (handler as unknown as Record<symbol, unknown>)[STREAMING_HANDLER_SYMBOL] === 'response'
  );
}

/** The highWaterMark a handler was streamified with, if any. */
export function getStreamingHighWaterMark(handler: unknown): number | undefined {
  const value = (handler as Record<symbol, unknown>)[STREAMING_HIGH_WATER_MARK_SYMBOL];
  return typeof value === 'number' ? value : undefined;
}

type PreludeAwareStream = ResponseStream & {
  _onBeforeFirstWrite?: (write: (chunk: string | Buffer) => void) => void;
};

// Separates the JSON prelude (status, headers, cookies) from the body for function URLs.
const PRELUDE_DELIMITER = Buffer.alloc(8);

/** Function-URL streaming responses: a JSON prelude with status and headers, then the body. */
export const HttpResponseStream = {
  /**
   * Sets the HTTP-integration content type and arranges for `JSON.stringify(prelude)` and 8 NUL bytes to be
   * written before the first body byte.
   *
   * @example
   * const http = HttpResponseStream.from(responseStream, { statusCode: 201, headers: { 'content-type': 'text/plain' } });
   * http.end('created');
   */
  from<T extends ResponseStream>(stream: T, prelude: HttpResponseMetadata): T {
    stream.setContentType(HTTP_INTEGRATION_CONTENT_TYPE);
    const metadata = JSON.stringify(prelude);
    (stream as PreludeAwareStream)._onBeforeFirstWrite = (write) => {
      write(metadata);
      write(PRELUDE_DELIMITER);
    };
    return stream;
  },
};
