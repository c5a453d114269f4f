import { MalformedResultError } from './errors.js';
import type { HttpReply } from './types.js';

/**
 * Turns a payload 2.0 (HTTP API / function URL) result into HTTP. A JSON object with `statusCode` is a
 * structured response; any other valid JSON is a body AWS infers: 200, `content-type: application/json`, the
 * body being the string itself for a JSON string and the JSON text otherwise.
 * @throws {MalformedResultError} for invalid JSON or a structured response with wrong field types.
 * @see {@link https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html#http-api-develop-integrations-lambda.response}
 */
export function replyFromResultV2(payload: Buffer): HttpReply {
  const text = payload.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new MalformedResultError('the payload is not valid JSON');
  }
  if (!isRecord(value) || !('statusCode' in value)) {
    const body = typeof value === 'string' ? value : text;
    return { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(body, 'utf8') };
  }
  const status = readStatus(value.statusCode);
  const headers: Record<string, string | string[]> = Object.create(null);
  if (value.headers !== undefined && value.headers !== null) {
    if (!isRecord(value.headers)) throw new MalformedResultError('"headers" is not an object');
    for (const [name, v] of Object.entries(value.headers))
      headers[name.toLowerCase()] = scalarHeader(name, v);
  }
  if (value.cookies !== undefined && value.cookies !== null) {
    if (!Array.isArray(value.cookies) || !value.cookies.every((c) => typeof c === 'string')) {
      throw new MalformedResultError('"cookies" is not an array of strings');
    }
    if (value.cookies.length > 0) headers['set-cookie'] = value.cookies as string[];
  }
  return { status, headers, body: readBody(value.body, value.isBase64Encoded, true) };
}

/** `statusCode` as AWS accepts it: an integer 100–599 (a numeric string works too). */
export function readStatus(raw: unknown): number {
  const n = typeof raw === 'string' && /^\d{3}$/.test(raw) ? Number(raw) : raw;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 100 || n > 599) {
    throw new MalformedResultError(
      `"statusCode" must be an integer from 100 to 599, got ${JSON.stringify(raw)}`,
    );
  }
  return n;
}

/** A header value: strings, numbers and booleans are sent as text. */
export function scalarHeader(name: string, v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new MalformedResultError(`header "${name}" is not a string, number or boolean`);
}

/** The body bytes; base64 bodies are decoded when `decode` says so (REST decides by media type). */
export function readBody(body: unknown, isBase64Encoded: unknown, decode: boolean): Buffer {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body !== 'string') throw new MalformedResultError('"body" is not a string');
  if (isBase64Encoded !== undefined && isBase64Encoded !== null && typeof isBase64Encoded !== 'boolean') {
    throw new MalformedResultError('"isBase64Encoded" is not a boolean');
  }
  return isBase64Encoded === true && decode ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
