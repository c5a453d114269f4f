import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { RuntimeApi, StreamingResponseRequest } from './client.js';
import { MAX_RESPONSE_BYTES } from './constants.js';
import { type InvocationError, RuntimeApiError } from './errors.js';
import { startRuntime } from './loop.js';
import { HttpResponseStream, streamifyResponse } from './streaming.js';
import type { Invocation } from './types.js';

type Posted =
  | { kind: 'response'; id: string; body: string }
  | { kind: 'error'; id: string; error: InvocationError }
  | { kind: 'stream'; id: string; contentType: string; chunks: string[]; error?: InvocationError };

/** A fake Runtime API: serves the given events, records what the loop posts. */
class FakeApi implements RuntimeApi {
  posted: Posted[] = [];
  /** Answer for each successive post: an error to throw, or null for 202. */
  failures: Array<RuntimeApiError | null> = [];
  #events: Invocation[];
  constructor(events: Array<{ id: string; event: unknown; headers?: Record<string, string> }>) {
    this.#events = events.map(({ id, event, headers }) => ({
      body: Buffer.from(JSON.stringify(event)),
      headers: {
        'lambda-runtime-aws-request-id': id,
        'lambda-runtime-deadline-ms': String(Date.now() + 1000),
        ...headers,
      },
    }));
  }
  async nextInvocation(): Promise<Invocation> {
    const next = this.#events.shift();
    if (!next) throw new Error('no more events in the fake');
    return next;
  }
  #maybeFail(): void {
    const f = this.failures.shift();
    if (f) throw f;
  }
  async postResponse(id: string, body: string | Buffer): Promise<void> {
    this.posted.push({ kind: 'response', id, body: body.toString() });
    this.#maybeFail();
  }
  async postError(id: string, error: InvocationError): Promise<void> {
    this.posted.push({ kind: 'error', id, error });
    this.#maybeFail();
  }
  async postInitError(): Promise<void> {}
  streamResponse(id: string, contentType: string): StreamingResponseRequest {
    const rec: Posted = { kind: 'stream', id, contentType, chunks: [] };
    this.posted.push(rec);
    return {
      write: (chunk, done) => {
        rec.chunks.push(chunk.toString('latin1'));
        done();
      },
      end: async (error) => {
        if (error) rec.error = error;
      },
    };
  }
}

function run(api: FakeApi, handler: (...args: never[]) => unknown, n: number, events = new EventEmitter()) {
  const exits: number[] = [];
  const logs: string[] = [];
  const done = startRuntime({
    client: api,
    handler,
    env: {},
    functionEnvironment: {
      functionName: 'f',
      functionVersion: '1',
      memoryLimitInMB: '128',
      logGroupName: 'g',
      logStreamName: 's',
    },
    processEvents: events,
    exit: (code) => exits.push(code),
    log: (m) => logs.push(m),
    logError: (line) => logs.push(line),
    maxInvocations: n,
  });
  return { done, exits, logs, events };
}

describe('startRuntime (buffered handlers)', () => {
  it('posts async results as JSON, undefined as null, and errors with their type', async () => {
    // Prepare
    const api = new FakeApi([
      { id: '1', event: { v: 1 } },
      { id: '2', event: { v: 'undef' } },
      { id: '3', event: { v: 'throw' } },
    ]);
    const handler = async (event: { v: unknown }) => {
      if (event.v === 'undef') return undefined;
      if (event.v === 'throw') throw new TypeError('bad');
      return { got: event.v };
    };
    // Act
    await run(api, handler, 3).done;
    // Assess
    expect(api.posted[0]).toEqual({ kind: 'response', id: '1', body: '{"got":1}' });
    expect(api.posted[1]).toEqual({ kind: 'response', id: '2', body: 'null' });
    expect(api.posted[2]).toMatchObject({
      kind: 'error',
      id: '3',
      error: { errorType: 'TypeError', errorMessage: 'bad' },
    });
  });

  it('reports an oversized result as Function.ResponseSizeTooLarge without sending it', async () => {
    const api = new FakeApi([{ id: 'big', event: {} }]);
    await run(api, async () => 'x'.repeat(MAX_RESPONSE_BYTES), 1).done;
    expect(api.posted[0]).toMatchObject({
      kind: 'error',
      error: { errorType: 'Function.ResponseSizeTooLarge' },
    });
  });

  it('defers callback results to beforeExit while callbackWaitsForEmptyEventLoop is true', async () => {
    const api = new FakeApi([{ id: 'cb', event: {} }]);
    const r = run(
      api,
      ((_e: unknown, _c: unknown, cb: (e: unknown, r: unknown) => void) => cb(null, 'later')) as never,
      1,
    );
    await new Promise((res) => setTimeout(res, 10));
    expect(api.posted).toHaveLength(0);
    r.events.emit('beforeExit');
    await r.done;
    expect(api.posted).toEqual([{ kind: 'response', id: 'cb', body: '"later"' }]);
  });

  it('counts only the first completion and logs the rest', async () => {
    const api = new FakeApi([{ id: 'twice', event: {} }]);
    const handler = (_e: unknown, ctx: { succeed(v: unknown): void; fail(e: unknown): void }) => {
      ctx.succeed('one');
      ctx.fail(new Error('two'));
    };
    const r = run(api, handler as never, 1);
    await r.done;
    expect(api.posted).toEqual([{ kind: 'response', id: 'twice', body: '"one"' }]);
    expect(r.logs.join('\n')).toContain('already been reported as done');
  });

  it('posts Runtime.NodeJsExit when the loop drains under a pending promise', async () => {
    const api = new FakeApi([{ id: 'hang', event: {} }]);
    const r = run(api, () => new Promise(() => {}), 1);
    await new Promise((res) => setTimeout(res, 5));
    r.events.emit('beforeExit');
    await r.done;
    expect(api.posted[0]).toMatchObject({ kind: 'error', error: { errorType: 'Runtime.NodeJsExit' } });
  });

  it('posts an uncaught exception as the invoke’s error, then exits 129', async () => {
    const api = new FakeApi([{ id: 'boom', event: {} }]);
    const r = run(api, () => new Promise(() => {}), 1);
    await new Promise((res) => setTimeout(res, 5));
    r.events.emit('uncaughtException', new Error('kaboom'));
    await new Promise((res) => setTimeout(res, 5));
    expect(api.posted[0]).toMatchObject({ kind: 'error', id: 'boom', error: { errorMessage: 'kaboom' } });
    expect(r.exits).toEqual([129]);
  });

  it('continues after a 4xx answer and exits after a 5xx answer', async () => {
    const api = new FakeApi([
      { id: 'a', event: {} },
      { id: 'b', event: {} },
      { id: 'c', event: {} },
    ]);
    api.failures = [
      new RuntimeApiError('POST', '/x', 413, 'too large'),
      new RuntimeApiError('POST', '/x', 500, 'oops'),
    ];
    const r = run(api, async () => 1, 3);
    await r.done;
    expect(api.posted.map((p) => p.id)).toEqual(['a', 'b']);
    expect(r.exits).toEqual([1]);
  });

  it('sets and clears _X_AMZN_TRACE_ID per invoke', async () => {
    const api = new FakeApi([
      { id: '1', event: {}, headers: { 'lambda-runtime-trace-id': 'Root=1' } },
      { id: '2', event: {} },
    ]);
    const env: NodeJS.ProcessEnv = {};
    const seen: Array<string | undefined> = [];
    await startRuntime({
      client: api,
      handler: async () => {
        seen.push(env._X_AMZN_TRACE_ID);
      },
      env,
      processEvents: new EventEmitter(),
      exit: () => {},
      logError: () => {},
      maxInvocations: 2,
    });
    expect(seen).toEqual(['Root=1', undefined]);
  });
});

describe('startRuntime (streaming handlers)', () => {
  it('streams the prelude and chunks, and reports a mid-stream error in the trailers', async () => {
    const api = new FakeApi([
      { id: 's1', event: { fail: false } },
      { id: 's2', event: { fail: true } },
    ]);
    const handler = streamifyResponse<{ fail: boolean }>(async (event, stream) => {
      if (event.fail) {
        stream.write('partial');
        throw new Error('mid');
      }
      const http = HttpResponseStream.from(stream, { statusCode: 201 });
      http.write('hi');
      http.end();
    });
    await run(api, handler as never, 2).done;
    expect(api.posted[0]).toEqual({
      kind: 'stream',
      id: 's1',
      contentType: 'application/vnd.awslambda.http-integration-response',
      chunks: ['{"statusCode":201}', '\0'.repeat(8), 'hi'],
    });
    expect(api.posted[1]).toMatchObject({
      kind: 'stream',
      id: 's2',
      chunks: ['partial'],
      error: { errorMessage: 'mid' },
    });
  });
});
