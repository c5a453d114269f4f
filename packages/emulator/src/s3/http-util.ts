import type { IncomingMessage } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { AwsChunkedDecoder } from './aws-chunked.js';
import { S3Error } from './s3-error.js';

/** Whether the body uses the `aws-chunked` content encoding (streamed upload with chunk framing). */
export function isAwsChunked(req: IncomingMessage): boolean {
  const sha = String(req.headers['x-amz-content-sha256'] ?? '');
  const encoding = String(req.headers['content-encoding'] ?? '');
  return sha.startsWith('STREAMING-') || encoding.split(',').some((e) => e.trim() === 'aws-chunked');
}

/**
 * Reads a small request body (XML configuration, JSON policy) into memory, decoding aws-chunked framing
 * when present. Refuses bodies over `limit` bytes with `MaxMessageLengthExceeded` without buffering them.
 */
export async function readSmallBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  const collect = async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      else chunks.push(chunk);
    }
  };
  const body = req.iterator({ destroyOnReturn: false });
  if (isAwsChunked(req)) await pipeline(body, new AwsChunkedDecoder(), collect);
  else await collect(body);
  if (tooLarge) {
    throw new S3Error(
      400,
      'MaxMessageLengthExceeded',
      `Your request was too big (more than ${limit} bytes).`,
    );
  }
  return Buffer.concat(chunks);
}

/** Splits a raw request target into bucket, key and query without normalising `.`/`..` segments. */
export function parseTarget(rawUrl: string): { bucket: string; key: string; query: URLSearchParams } {
  const q = rawUrl.indexOf('?');
  const path = q === -1 ? rawUrl : rawUrl.slice(0, q);
  const query = new URLSearchParams(q === -1 ? '' : rawUrl.slice(q + 1));
  const rest = path.startsWith('/') ? path.slice(1) : path;
  const slash = rest.indexOf('/');
  const rawBucket = slash === -1 ? rest : rest.slice(0, slash);
  const rawKey = slash === -1 ? '' : rest.slice(slash + 1);
  try {
    return { bucket: decodeURIComponent(rawBucket), key: decodeURIComponent(rawKey), query };
  } catch {
    throw new S3Error(400, 'InvalidURI', `Couldn't parse the specified URI: ${path.slice(0, 200)}`);
  }
}

/** S3's RFC 7231 date (Last-Modified). */
export function httpDate(iso: string): string {
  return new Date(iso).toUTCString();
}
