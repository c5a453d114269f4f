import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';

/** Sends a JSON response the way AWS REST-JSON services do (with an `x-amzn-RequestId`). */
export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-amzn-requestid': randomUUID(),
  });
  res.end(body);
}

/** Sends an empty response (204 for deletes). */
export function sendEmpty(res: ServerResponse, status: number): void {
  res.writeHead(status, { 'x-amzn-requestid': randomUUID() });
  res.end();
}
