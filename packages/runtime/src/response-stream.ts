/** The Writable given to streaming handlers; it feeds a chunked streaming `/response` request. */
import { Writable } from 'node:stream';
import type { StreamingResponseRequest } from './client.js';
import { InvalidStreamingOperationError, type InvocationError } from './errors.js';
import type { ResponseStream } from './types.js';

const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/**
 * Streams a handler's output to the Runtime API. The request head goes out at the first write (or at the end), so
 * the content type can be set until then; every chunk is flushed to the socket as written.
 */
export class ResponseStreamWriter extends Writable implements ResponseStream {
  #contentType = DEFAULT_CONTENT_TYPE;
  #request: StreamingResponseRequest | null = null;
  #open: (contentType: string) => StreamingResponseRequest;
  #ended: Promise<void> | null = null;
  /** Set by `HttpResponseStream.from` (AWS's protocol): writes the prelude before the body. */
  _onBeforeFirstWrite?: ((write: (chunk: string | Buffer) => void) => void) | undefined;

  constructor(open: (contentType: string) => StreamingResponseRequest, highWaterMark?: number) {
    super(highWaterMark === undefined ? {} : { highWaterMark });
    this.#open = open;
    // Failures are reported through completed()/fail(); an 'error' event must not become an uncaught exception.
    this.on('error', () => {});
  }

  setContentType(contentType: string): void {
    if (this.#request !== null) {
      throw new InvalidStreamingOperationError('Cannot set content-type, too late: the response has started');
    }
    this.#contentType = contentType;
  }

  #start(): StreamingResponseRequest {
    if (this.#request !== null) return this.#request;
    const request = this.#open(this.#contentType);
    this.#request = request;
    const before = this._onBeforeFirstWrite;
    if (before !== undefined) {
      before((chunk) => request.write(typeof chunk === 'string' ? Buffer.from(chunk) : chunk, () => {}));
    }
    return request;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#start().write(chunk, () => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#ended = this.#start().end();
    this.#ended.then(
      () => callback(),
      (err: Error) => callback(err),
    );
  }

  /** Resolves when the body was ended normally and the Runtime API answered. */
  async completed(): Promise<void> {
    if (this.#ended === null) {
      await new Promise<void>((resolve, reject) => {
        this.once('finish', resolve);
        this.once('error', reject);
      });
    }
    await this.#ended;
  }

  /** True once the final chunk was sent (no trailers possible any more). */
  get bodyEnded(): boolean {
    return this.#ended !== null;
  }

  /** Ends the body with error trailers. Unflushed buffered writes are dropped. */
  async fail(error: InvocationError): Promise<void> {
    if (this.#ended !== null) {
      await this.#ended;
      return;
    }
    this.#ended = this.#start().end(error);
    this.destroy();
    await this.#ended;
  }
}
