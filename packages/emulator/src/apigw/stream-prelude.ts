import { MalformedResultError } from './errors.js';
import { isRecord, readStatus, scalarHeader } from './result-v2.js';

/** Content-Type of a streamed function URL response that starts with a JSON prelude. */
export const HTTP_INTEGRATION_CONTENT_TYPE = 'application/vnd.awslambda.http-integration-response';
const DELIMITER = Buffer.alloc(8);

export interface StreamPrelude {
  readonly status: number;
  readonly headers: Record<string, string | string[]>;
  /** The bytes after the prelude's 8 NUL delimiter, still streaming. */
  readonly rest: AsyncIterable<Uint8Array>;
}

/**
 * Splits `awslambda.HttpResponseStream.from(stream, prelude)` output: JSON prelude, 8 NUL bytes, then the body.
 * @throws {MalformedResultError} when the stream ends before the delimiter or the prelude is not valid.
 */
export async function readStreamPrelude(body: AsyncIterable<Uint8Array>): Promise<StreamPrelude> {
  const iterator = body[Symbol.asyncIterator]();
  let buffered = Buffer.alloc(0);
  let at = -1;
  while (at === -1) {
    const next = await iterator.next();
    if (next.done)
      throw new MalformedResultError('the stream ended before the prelude delimiter (8 NUL bytes)');
    buffered = Buffer.concat([buffered, next.value]);
    at = buffered.indexOf(DELIMITER);
  }
  let prelude: unknown;
  try {
    prelude = JSON.parse(buffered.subarray(0, at).toString('utf8'));
  } catch {
    throw new MalformedResultError('the streaming prelude is not valid JSON');
  }
  if (!isRecord(prelude)) throw new MalformedResultError('the streaming prelude is not a JSON object');
  const headers: Record<string, string | string[]> = Object.create(null);
  if (isRecord(prelude.headers)) {
    for (const [name, v] of Object.entries(prelude.headers))
      headers[name.toLowerCase()] = scalarHeader(name, v);
  }
  if (Array.isArray(prelude.cookies) && prelude.cookies.length > 0) {
    headers['set-cookie'] = prelude.cookies.map((c) => String(c));
  }
  const first = buffered.subarray(at + DELIMITER.length);
  async function* rest(): AsyncIterable<Uint8Array> {
    if (first.length > 0) yield first;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  }
  return {
    status: prelude.statusCode === undefined ? 200 : readStatus(prelude.statusCode),
    headers,
    rest: rest(),
  };
}
