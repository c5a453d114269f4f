import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RuntimeClient } from './client.js';
import { MissingEnvironmentError, RuntimeApiConnectionError, RuntimeApiError } from './errors.js';

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** A raw TCP server that answers each request (split on the blank line) with `reply(i)` written in pieces. */
async function rawServer(
  reply: (i: number, socket: Socket) => void,
): Promise<{ endpoint: string; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  let i = 0;
  const server = createServer((socket) => {
    sockets.push(socket);
    let buf = '';
    socket.on('data', (d) => {
      buf += d.toString('latin1');
      while (buf.includes('\r\n\r\n')) {
        const end = buf.indexOf('\r\n\r\n') + 4;
        const len = /content-length: (\d+)/i.exec(buf.slice(0, end))?.[1];
        const total = end + Number(len ?? 0);
        if (buf.length < total) return;
        buf = buf.slice(total);
        reply(i++, socket);
      }
    });
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { endpoint: `127.0.0.1:${(server.address() as AddressInfo).port}`, sockets };
}

/** Writes a string byte by byte-ish (in 3-byte pieces) to exercise the incremental parser. */
function dribble(socket: Socket, text: string): void {
  for (let i = 0; i < text.length; i += 3) socket.write(text.slice(i, i + 3));
}

describe('RuntimeClient', () => {
  it('parses Content-Length and chunked answers delivered in small pieces, on one connection', async () => {
    // Prepare
    const { endpoint, sockets } = await rawServer((i, socket) => {
      if (i === 0) {
        dribble(
          socket,
          'HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: r1\r\nContent-Length: 7\r\n\r\n{"a":1}',
        );
      } else if (i === 1) {
        dribble(socket, 'HTTP/1.1 202 Accepted\r\nContent-Length: 15\r\n\r\n{"status":"OK"}');
      } else {
        dribble(
          socket,
          'HTTP/1.1 200 OK\r\nlambda-runtime-aws-request-id: r2\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{"b\r\n5;x=y\r\n":\0 2\r\n1\r\n}\r\n0\r\nX-T: 1\r\n\r\n',
        );
      }
    });
    const client = new RuntimeClient({ endpoint });
    // Act
    const first = await client.nextInvocation();
    await client.postResponse('r1', '{"ok":true}');
    const second = await client.nextInvocation();
    // Assess
    expect(first.headers['lambda-runtime-aws-request-id']).toBe('r1');
    expect(first.body.toString()).toBe('{"a":1}');
    expect(second.headers['lambda-runtime-aws-request-id']).toBe('r2');
    expect(second.body.toString()).toBe('{"b":\0 2}');
    expect(sockets).toHaveLength(1);
  });

  it('throws RuntimeApiError with the status for non-2xx answers', async () => {
    const { endpoint } = await rawServer((_i, socket) => {
      socket.write('HTTP/1.1 500 Internal Server Error\r\nContent-Length: 2\r\n\r\n{}');
    });
    const client = new RuntimeClient({ endpoint });
    const err = await client.postResponse('x', 'null').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RuntimeApiError);
    expect((err as RuntimeApiError).status).toBe(500);
  });

  it('reconnects after "Connection: close" and retries once when an idle kept-alive socket was closed', async () => {
    const { endpoint, sockets } = await rawServer((i, socket) => {
      if (i === 0) socket.end('HTTP/1.1 202 Accepted\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      else if (i === 1) {
        socket.write('HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n');
        // The server drops the idle connection; the client learns it only on its next write.
        setTimeout(() => socket.destroy(), 5);
      } else socket.write('HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n');
    });
    const client = new RuntimeClient({ endpoint });
    await client.postResponse('a', '1');
    await client.postResponse('b', '2');
    await new Promise((r) => setTimeout(r, 30));
    await client.postResponse('c', '3');
    expect(sockets.length).toBe(3);
  });

  it('fails with RuntimeApiConnectionError when nothing listens', async () => {
    const { endpoint } = await rawServer(() => {});
    servers[0]?.close();
    await new Promise((r) => setTimeout(r, 10));
    const client = new RuntimeClient({ endpoint });
    await expect(client.nextInvocation()).rejects.toBeInstanceOf(RuntimeApiConnectionError);
  });

  it('sends errors with the error-type header, and streams chunked bodies with error trailers', async () => {
    // Prepare: node:http parses chunked bodies and trailers independently of our client.
    const seen: Array<{
      url: string;
      headers: Record<string, unknown>;
      body: string;
      trailers: Record<string, unknown>;
    }> = [];
    const server = createHttpServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => {
        body += d.toString('latin1');
      });
      req.on('end', () => {
        seen.push({ url: req.url ?? '', headers: req.headers, body, trailers: req.trailers });
        res.writeHead(202).end('{"status":"OK"}');
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const client = new RuntimeClient({ endpoint: `127.0.0.1:${(server.address() as AddressInfo).port}` });
    // Act
    await client.postError('id/1', {
      errorType: 'Bad\r\nInjected: yes',
      errorMessage: 'm',
      stackTrace: [],
      trace: [],
    });
    const stream = client.streamResponse('s', 'text/plain');
    await new Promise<void>((r) => stream.write(Buffer.from('hello '), r));
    stream.write(Buffer.from([0, 1, 2]), () => {});
    await stream.end({ errorType: 'Oops', errorMessage: 'mid', stackTrace: [], trace: [] });
    server.close();
    server.closeAllConnections();
    // Assess
    expect(seen[0]?.url).toBe('/2018-06-01/runtime/invocation/id%2F1/error');
    expect(seen[0]?.headers['lambda-runtime-function-error-type']).toBe('Bad  Injected: yes');
    expect(seen[0]?.headers.injected).toBeUndefined();
    expect(seen[1]?.headers['lambda-runtime-function-response-mode']).toBe('streaming');
    expect(seen[1]?.body).toBe('hello \0\x01\x02');
    expect(seen[1]?.trailers['lambda-runtime-function-error-type']).toBe('Oops');
    const errorBody = JSON.parse(
      Buffer.from(String(seen[1]?.trailers['lambda-runtime-function-error-body']), 'base64').toString(),
    );
    expect(errorBody).toMatchObject({ errorType: 'Oops', errorMessage: 'mid' });
  });

  it('requires AWS_LAMBDA_RUNTIME_API when no endpoint is given', () => {
    const saved = process.env.AWS_LAMBDA_RUNTIME_API;
    delete process.env.AWS_LAMBDA_RUNTIME_API;
    try {
      expect(() => new RuntimeClient()).toThrow(MissingEnvironmentError);
    } finally {
      if (saved !== undefined) process.env.AWS_LAMBDA_RUNTIME_API = saved;
    }
  });
});
