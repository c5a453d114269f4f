/**
 * A small local server answering the S3 (path-style GET/PUT/DELETE with If-None-Match) and SES v1
 * (SendRawEmail under /ses) calls the bot makes, so real SDK clients run over a real socket.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface AwsStub {
  readonly endpoint: string;
  readonly sesEndpoint: string;
  /** Objects by `bucket/key`. */
  readonly objects: Map<string, Buffer>;
  /** Form parameters of every SES request. */
  readonly sesRequests: URLSearchParams[];
  /** Answer SES with this error instead of success. */
  sesError: { status: number; code: string } | undefined;
  /** Answer every S3 request with 503 SlowDown. */
  s3Unavailable: boolean;
  reset(): void;
  close(): Promise<void>;
}

export async function startAwsStub(): Promise<AwsStub> {
  let sent = 0;
  const state = {
    objects: new Map<string, Buffer>(),
    sesRequests: [] as URLSearchParams[],
    sesError: undefined as { status: number; code: string } | undefined,
    s3Unavailable: false,
  };

  const xmlError = (res: ServerResponse, status: number, code: string, message: string) => {
    res.writeHead(status, { 'content-type': 'application/xml' });
    res.end(
      `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`,
    );
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const data = Buffer.concat(chunks);
    if (url.pathname.startsWith('/ses')) {
      state.sesRequests.push(new URLSearchParams(data.toString('utf-8')));
      if (state.sesError) {
        res.writeHead(state.sesError.status, { 'content-type': 'text/xml' });
        res.end(
          `<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error><Type>Sender</Type><Code>${state.sesError.code}</Code><Message>refused</Message></Error><RequestId>r1</RequestId></ErrorResponse>`,
        );
        return;
      }
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(
        `<SendRawEmailResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><SendRawEmailResult><MessageId>0102-reply-${++sent}</MessageId></SendRawEmailResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></SendRawEmailResponse>`,
      );
      return;
    }
    if (state.s3Unavailable) return xmlError(res, 503, 'SlowDown', 'Please reduce your request rate.');
    const key = decodeURIComponent(url.pathname.slice(1));
    if (req.method === 'GET') {
      const object = state.objects.get(key);
      if (!object) return xmlError(res, 404, 'NoSuchKey', 'The specified key does not exist.');
      res.writeHead(200, { 'content-length': object.length, etag: '"e"' });
      res.end(object);
      return;
    }
    if (req.method === 'PUT') {
      if (req.headers['if-none-match'] === '*' && state.objects.has(key)) {
        return xmlError(
          res,
          412,
          'PreconditionFailed',
          'At least one of the pre-conditions you specified did not hold',
        );
      }
      state.objects.set(key, data);
      res.writeHead(200, { etag: '"e"' });
      res.end();
      return;
    }
    if (req.method === 'DELETE') {
      state.objects.delete(key);
      res.writeHead(204);
      res.end();
      return;
    }
    xmlError(res, 405, 'MethodNotAllowed', `${req.method} is not answered by the stub`);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500);
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  return Object.assign(state, {
    endpoint,
    sesEndpoint: `${endpoint}/ses`,
    reset() {
      state.objects.clear();
      state.sesRequests.length = 0;
      state.sesError = undefined;
      state.s3Unavailable = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
