import { type IncomingHttpHeaders, request } from 'node:http';
import type { FrontDoor, ListeningFrontDoor } from '../../src/apigw/index.js';
import type { InvokeFunction } from '../../src/apigw/types.js';

/** A fake data plane: records each event and answers with what `respond` returns for it. */
export function fakeInvoke(respond: (event: Record<string, unknown>) => unknown | Promise<unknown>) {
  const events: Array<Record<string, unknown>> = [];
  const names: string[] = [];
  const invoke: InvokeFunction = async (functionName, payload) => {
    const event = JSON.parse(payload.toString('utf8')) as Record<string, unknown>;
    events.push(event);
    names.push(functionName);
    const result = await respond(event);
    if (result instanceof FunctionFailure) {
      return { payload: Buffer.from(JSON.stringify(result.body)), functionError: 'Unhandled' };
    }
    return { payload: Buffer.isBuffer(result) ? result : Buffer.from(JSON.stringify(result)) };
  };
  return { invoke, events, names };
}

/** Returned by a fake to make the invoke end in a function error. */
export class FunctionFailure {
  constructor(readonly body: unknown = { errorType: 'Error', errorMessage: 'boom' }) {}
}

/** Starts a front door on a free port and closes it after the test. */
export async function serve(
  door: FrontDoor,
  cleanup: Array<() => Promise<void>>,
): Promise<ListeningFrontDoor> {
  const listening = await door.listen();
  cleanup.push(() => listening.close());
  return listening;
}

export function logSink() {
  const lines: string[] = [];
  return { lines, log: (e: { message: string }) => lines.push(e.message) };
}

/** A GET through node:http, which (unlike fetch) sends repeated headers as separate lines. */
export function rawGet(
  base: string,
  path: string,
  headers: Record<string, string | string[]>,
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, method: 'GET', headers, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

/** Sends a request target exactly as given (fetch would normalise it), waits for the answer, returns the status. */
export function rawRequest(port: number, path: string, method = 'GET'): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}
