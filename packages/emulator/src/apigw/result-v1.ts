import { MalformedResultError } from './errors.js';
import { isRecord, readBody, readStatus, scalarHeader } from './result-v2.js';
import type { HttpReply } from './types.js';

/**
 * Turns a payload 1.0 (REST proxy / HTTP API 1.0) result into HTTP. Unlike 2.0 nothing is inferred: the result
 * must be an object with `statusCode`. `headers` and `multiValueHeaders` are merged; where both name a header,
 * the `multiValueHeaders` values win.
 * @param decodeBase64 whether an `isBase64Encoded` body is decoded (REST: only for binary media types).
 * @throws {MalformedResultError} for anything else.
 * @see {@link https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html#api-gateway-simple-proxy-for-lambda-output-format}
 */
export function replyFromResultV1(
  payload: Buffer,
  decodeBase64: (contentType: string | undefined) => boolean,
): HttpReply {
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch {
    throw new MalformedResultError('the payload is not valid JSON');
  }
  if (!isRecord(value)) throw new MalformedResultError('the payload is not a JSON object');
  const status = readStatus(value.statusCode);
  const headers: Record<string, string | string[]> = Object.create(null);
  if (value.headers !== undefined && value.headers !== null) {
    if (!isRecord(value.headers)) throw new MalformedResultError('"headers" is not an object');
    for (const [name, v] of Object.entries(value.headers))
      headers[name.toLowerCase()] = scalarHeader(name, v);
  }
  if (value.multiValueHeaders !== undefined && value.multiValueHeaders !== null) {
    if (!isRecord(value.multiValueHeaders))
      throw new MalformedResultError('"multiValueHeaders" is not an object');
    for (const [name, list] of Object.entries(value.multiValueHeaders)) {
      if (!Array.isArray(list)) throw new MalformedResultError(`multiValueHeaders "${name}" is not an array`);
      headers[name.toLowerCase()] = list.map((v) => scalarHeader(name, v));
    }
  }
  const contentType = headers['content-type'];
  const decode = decodeBase64(Array.isArray(contentType) ? contentType[0] : contentType);
  return { status, headers, body: readBody(value.body, value.isBase64Encoded, decode) };
}
