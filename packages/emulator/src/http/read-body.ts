import type { IncomingMessage } from 'node:http';
import { AwsServiceError } from './aws-error.js';

/**
 * Reads a request body up to `limit` bytes. Over the limit, the rest is drained (so the client sees our error
 * rather than a reset connection) and `tooLarge()` is thrown.
 */
export async function readBody(
  req: IncomingMessage,
  limit: number,
  tooLarge: () => AwsServiceError,
): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      req.resume();
      throw tooLarge();
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, size);
}

/** Reads and parses a JSON object body; an empty body is `{}`. Bad JSON is AWS's InvalidRequestContentException. */
export async function readJsonBody(
  req: IncomingMessage,
  limit: number,
  tooLarge: () => AwsServiceError,
): Promise<Record<string, unknown>> {
  const body = await readBody(req, limit, tooLarge);
  if (body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new AwsServiceError(
      400,
      'InvalidRequestContentException',
      `Could not parse request body into json: ${(err as Error).message}`,
      { cause: err },
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new AwsServiceError(
      400,
      'InvalidRequestContentException',
      'The request body must be a JSON object.',
    );
  }
  return parsed as Record<string, unknown>;
}
