import { type CapitalizeOptions, CapitalizerImpl } from './capitalizer.js';
import { CapitalizeTypeError } from './errors.js';

/**
 * A web `TransformStream` that capitalizes text chunks as they pass. For the same `seed`, the concatenated output
 * equals `randomCapitalize(wholeText, options)` however the text is chunked, including chunks that split a
 * surrogate pair (the high half is held back until the next chunk).
 *
 * For Node streams, wrap it: `Duplex.fromWeb(createCapitalizeStream(), { decodeStrings: false, encoding: 'utf8' })`
 * and write strings (this package imports no `node:` modules).
 *
 * @throws {CapitalizeTypeError} | {CapitalizeRangeError} on bad options, synchronously; a non-string chunk errors
 * the stream with a `CapitalizeTypeError`.
 * @example
 * const upper = new Response('hello world').body!
 *   .pipeThrough(new TextDecoderStream())
 *   .pipeThrough(createCapitalizeStream({ seed: 42 }));
 */
export function createCapitalizeStream(options?: CapitalizeOptions): TransformStream<string, string> {
  const capitalizer = new CapitalizerImpl(options);
  return new TransformStream<string, string>({
    transform(chunk, controller) {
      if (typeof chunk !== 'string') throw new CapitalizeTypeError('stream chunk', 'a string', chunk);
      const out = capitalizer.push(chunk);
      if (out !== '') controller.enqueue(out);
    },
    flush(controller) {
      const out = capitalizer.flush();
      if (out !== '') controller.enqueue(out);
    },
  });
}
