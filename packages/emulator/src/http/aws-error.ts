import type { ServerResponse } from 'node:http';

/**
 * Writes an error the way AWS's REST-JSON services (Lambda) do: the type in `x-amzn-ErrorType`,
 * a JSON body with `Type` ("User" for 4xx, "Service" for 5xx) and `message`. The SDK v3 reads the
 * header first, so `err.name` on the client side equals `type`.
 */
export function sendAwsJsonError(res: ServerResponse, status: number, type: string, message: string): void {
  const body = JSON.stringify({ Type: status < 500 ? 'User' : 'Service', message });
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-amzn-errortype': type,
    'x-amzn-requestid': crypto.randomUUID(),
  });
  res.end(body);
}

/** An error a handler can throw to have the router answer with an AWS-shaped error. */
export class AwsServiceError extends Error {
  readonly code: string;
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'AwsServiceError';
    this.code = type;
  }
}
