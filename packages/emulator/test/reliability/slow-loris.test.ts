/**
 * Slow-loris on every kind of listener: a client that trickles its headers (or stalls its body) is closed in bounded
 * time, while a long-poll `/next`, a long synchronous invoke and a slow upload that keeps moving are never cut.
 * The bounds are injected small (hundreds of ms) so the test is short; real sockets trickle real bytes.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateFunctionUrlConfigCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpApiFrontDoor } from '../../src/apigw/index.js';
import { type ListenerTimeouts, RUNTIME_API_TIMEOUTS } from '../../src/http/listener-timeouts.js';
import { InvokeCall, type InvokeResult } from '../../src/runtime-api/invoke-call.js';
import { RuntimeApiServer } from '../../src/runtime-api/runtime-api-server.js';
import { type Emulator, startEmulator } from '../../src/server.js';
import { SH_PRELUDE } from '../data-plane/harness.js';
import { createFunction } from '../function-url/helpers.js';

const BOUNDS: ListenerTimeouts = {
  headersTimeoutMs: 300,
  requestTimeoutMs: 0,
  bodyIdleTimeoutMs: 1_000,
  keepAliveTimeoutMs: 5_000,
  checkIntervalMs: 50,
};
/** The Runtime API's defaults (no body or keep-alive bound) with the same small headers bound. */
const RUNTIME_BOUNDS: ListenerTimeouts = {
  ...RUNTIME_API_TIMEOUTS,
  headersTimeoutMs: 300,
  checkIntervalMs: 50,
};
/** Comfortably longer than every bound above (and than Node's check interval on top of them). */
const LONGER = 1_500;

/** Echoes the event after sleeping longer than every bound: a long synchronous invoke. */
const SLOW_ECHO = `${SH_PRELUDE}
while true; do
  next
  sleep ${LONGER / 1000}
  respond "$EVENT"
done
`;

interface RawResult {
  /** Everything the server sent before the connection ended. */
  readonly text: string;
  /** Whether the server closed it (rather than the test giving up). */
  readonly closedByServer: boolean;
}

/**
 * Opens a raw connection, writes `head`, then writes `drip` every `everyMs` until the server closes the
 * connection or `giveUpMs` passes (then the test side closes it).
 */
function trickle(port: number, head: string, drip: string | null, everyMs = 50, giveUpMs = 10_000) {
  return new Promise<RawResult>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    let gaveUp = false;
    const timer = drip === null ? undefined : setInterval(() => socket.write(drip), everyMs);
    const giveUp = setTimeout(() => {
      gaveUp = true;
      socket.destroy();
    }, giveUpMs);
    socket.on('data', (c: Buffer) => {
      text += c.toString('latin1');
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      clearTimeout(giveUp);
      resolve({ text, closedByServer: !gaveUp });
    });
    socket.write(head);
  });
}

/** Sends `body` in `parts` pieces, one every `everyMs`, then reads the whole answer (the server may keep alive). */
function slowUpload(port: number, head: string, body: string, parts: number, everyMs: number) {
  return new Promise<string>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    const size = Math.ceil(body.length / parts);
    let sent = 0;
    const timer = setInterval(() => {
      socket.write(body.slice(sent, sent + size));
      sent += size;
      if (sent >= body.length) clearInterval(timer);
    }, everyMs);
    socket.on('data', (c: Buffer) => {
      text += c.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(text)?.[1];
      if (end !== -1 && length !== undefined && text.length >= end + 4 + Number(length)) {
        socket.destroy();
        resolve(text);
      }
    });
    socket.on('error', reject);
    socket.on('close', () => {
      clearInterval(timer);
      resolve(text);
    });
    socket.write(head);
  });
}

const HALF_HEAD = 'GET /_caprice/health HTTP/1.1\r\nHost: 127.0.0.1\r\n';

describe('slow-loris bounds on the main port and function URLs', () => {
  let emulator: Emulator;
  let lambda: LambdaClient;
  let stateDir: string;
  let urlPort = 0;

  beforeAll(async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), 'caprice-loris-'));
    emulator = await startEmulator({
      port: 0,
      stateDir,
      createDelayMs: 50,
      updateDelayMs: 50,
      listenerTimeouts: BOUNDS,
      dataPlane: { idleTimeoutMs: 60_000, runtimeApiTimeouts: RUNTIME_BOUNDS },
    });
    lambda = new LambdaClient({
      endpoint: emulator.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
      maxAttempts: 1,
    });
    await createFunction(lambda, 'slow', SLOW_ECHO);
    const url = await lambda.send(
      new CreateFunctionUrlConfigCommand({ FunctionName: 'slow', AuthType: 'NONE' }),
    );
    urlPort = Number(new URL(url.FunctionUrl ?? '').port);
  }, 60_000);

  afterAll(async () => {
    lambda?.destroy();
    await emulator?.close();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('closes a connection that trickles its headers (408), and keeps answering others', async () => {
    const result = await trickle(emulator.port, HALF_HEAD, 'X-Slow: a\r\n');
    expect(result.closedByServer).toBe(true);
    expect(result.text).toMatch(/^(HTTP\/1\.1 408 |$)/);
    expect((await fetch(`${emulator.url}/_caprice/health`)).status).toBe(200);
  }, 20_000);

  it('closes a connection whose body stalls', async () => {
    const head = `POST /2015-03-31/functions/slow/invocations HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{"a":`;
    const result = await trickle(emulator.port, head, null);
    expect(result.closedByServer).toBe(true);
  }, 20_000);

  it('a slow upload that keeps moving, then a long synchronous invoke: 200 with the whole body', async () => {
    const body = JSON.stringify({ text: 'x'.repeat(2000) });
    const head = `POST /2015-03-31/functions/slow/invocations HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
    // 10 parts, one every 100 ms: the upload takes longer than the headers bound; each gap is a tenth of the body
    // bound (room for a loaded machine).
    const text = await slowUpload(emulator.port, head, body, 10, 100);
    expect(text).toMatch(/^HTTP\/1\.1 200 /);
    expect(text.slice(text.indexOf('\r\n\r\n') + 4)).toBe(body);
  }, 30_000);

  it('a function URL closes a header trickler too', async () => {
    const result = await trickle(urlPort, 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n', 'X-Slow: a\r\n');
    expect(result.closedByServer).toBe(true);
  }, 20_000);
});

describe('slow-loris bounds on an API Gateway front door', () => {
  it('answers a header trickler with a JSON 408 and closes; a long invoke still answers', async () => {
    const door = await createHttpApiFrontDoor({
      functionName: 'f',
      invoke: async () => {
        await new Promise((r) => setTimeout(r, LONGER));
        return { payload: Buffer.from('{"statusCode":200,"body":"late"}') };
      },
    }).listen({ timeouts: BOUNDS });
    try {
      const result = await trickle(door.port, 'GET / HTTP/1.1\r\nHost: x\r\n', 'X-Slow: a\r\n');
      expect(result.closedByServer).toBe(true);
      if (result.text !== '') expect(result.text).toMatch(/^HTTP\/1\.1 408 [\s\S]*application\/json/);
      const res = await fetch(`${door.url}/`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('late');
    } finally {
      await door.close();
    }
  }, 20_000);
});

describe('slow-loris bounds on a Runtime API', () => {
  it('closes a header trickler; a /next held far longer than the bounds still gets its invoke', async () => {
    let ready = false;
    const api = new RuntimeApiServer(
      { functionName: 'f', functionVersion: '$LATEST', handler: 'h' },
      { onReady: () => (ready = true), onInitError: () => undefined },
      RUNTIME_BOUNDS,
    );
    const address = await api.listen('127.0.0.1');
    const port = Number(address.split(':').pop());
    try {
      const next = fetch(`http://${address}/2018-06-01/runtime/invocation/next`);
      const trickler = await trickle(
        port,
        'POST /2018-06-01/runtime/init/error HTTP/1.1\r\nHost: x\r\n',
        'X: a\r\n',
      );
      expect(trickler.closedByServer).toBe(true);
      // Poll for the runtime's /next to be held (no sleep as synchronisation), then hold it past every bound.
      for (let i = 0; i < 500 && !ready; i++) await new Promise((r) => setTimeout(r, 10));
      expect(ready).toBe(true);
      await new Promise((r) => setTimeout(r, LONGER));
      let result: InvokeResult | undefined;
      const call = new InvokeCall(
        {
          requestId: 'req-1',
          payload: Buffer.from('{"late":true}'),
          deadlineMs: Date.now() + 60_000,
          invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f',
        },
        { start: () => undefined, chunk: () => undefined, finish: (r) => (result = r) },
      );
      api.deliver(call);
      const res = await next;
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('{"late":true}');
      expect(res.headers.get('lambda-runtime-aws-request-id')).toBe('req-1');
      // A streamed /response that pauses longer than the bounds between chunks is not cut either.
      const chunks = ['first ', 'second'];
      const stream = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const c = chunks.shift();
          if (c === undefined) return controller.close();
          if (c === 'second') await new Promise((r) => setTimeout(r, LONGER));
          controller.enqueue(new TextEncoder().encode(c));
        },
      });
      const posted = await fetch(`http://${address}/2018-06-01/runtime/invocation/req-1/response`, {
        method: 'POST',
        headers: { 'lambda-runtime-function-response-mode': 'streaming' },
        body: stream,
        duplex: 'half',
      } as RequestInit);
      expect(posted.status).toBe(202);
      expect(result).toEqual({ ok: true });
    } finally {
      await api.close();
    }
  }, 30_000);
});
