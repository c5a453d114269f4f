import type { IncomingMessage } from 'node:http';
import { PayloadTooLargeError } from './errors.js';
import { newTraceId } from './event-context.js';

/** Everything the event builders read from one HTTP request, read once. */
export interface RequestSnapshot {
  readonly method: string;
  /** The path exactly as sent (still percent-encoded). */
  readonly rawPath: string;
  /** The query string exactly as sent, without "?" ('' when none). */
  readonly rawQuery: string;
  /** Header names with their original case, in order, repeated headers repeated. */
  readonly rawHeaders: ReadonlyArray<readonly [string, string]>;
  readonly body: Buffer;
  readonly sourceIp: string;
  readonly protocol: string;
  readonly userAgent: string;
  readonly time: Date;
}

/**
 * Reads a request and its body (at most `limit` bytes, else {@link PayloadTooLargeError}, after draining the
 * rest so the client still gets our answer).
 */
export async function readRequestSnapshot(req: IncomingMessage, limit: number): Promise<RequestSnapshot> {
  const time = new Date();
  const target = req.url ?? '/';
  const q = target.indexOf('?');
  const rawPath = q === -1 ? target : target.slice(0, q);
  const rawQuery = q === -1 ? '' : target.slice(q + 1);
  const rawHeaders: Array<[string, string]> = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    rawHeaders.push([req.rawHeaders[i] ?? '', req.rawHeaders[i + 1] ?? '']);
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    throw new PayloadTooLargeError(limit);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      req.resume();
      throw new PayloadTooLargeError(limit);
    }
    chunks.push(chunk as Buffer);
  }
  const remote = req.socket.remoteAddress ?? '127.0.0.1';
  const sourceIp = remote.startsWith('::ffff:') ? remote.slice(7) : remote;
  addGatewayHeaders(rawHeaders, sourceIp, req.socket.localPort ?? 0, time);
  return {
    method: (req.method ?? 'GET').toUpperCase(),
    rawPath: rawPath.startsWith('/') ? rawPath : `/${rawPath}`,
    rawQuery,
    rawHeaders,
    body: Buffer.concat(chunks, size),
    sourceIp,
    protocol: `HTTP/${req.httpVersion}`,
    userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'] : '',
    time,
  };
}

/**
 * The headers API Gateway and function URLs add on the way in: the client address appended to
 * `X-Forwarded-For`, the port and scheme it came in on (`http` locally), and an X-Ray trace id if none came.
 */
function addGatewayHeaders(
  headers: Array<[string, string]>,
  sourceIp: string,
  port: number,
  time: Date,
): void {
  const find = (name: string) => headers.findIndex(([k]) => k.toLowerCase() === name);
  const xff = find('x-forwarded-for');
  if (xff === -1) headers.push(['X-Forwarded-For', sourceIp]);
  else headers[xff] = [headers[xff]?.[0] ?? 'X-Forwarded-For', `${headers[xff]?.[1]}, ${sourceIp}`];
  for (const [name, value] of [
    ['X-Forwarded-Port', String(port)],
    ['X-Forwarded-Proto', 'http'],
  ] as const) {
    const at = find(name.toLowerCase());
    if (at === -1) headers.push([name, value]);
    else headers[at] = [name, value];
  }
  if (find('x-amzn-trace-id') === -1) headers.push(['X-Amzn-Trace-Id', newTraceId(time)]);
}
