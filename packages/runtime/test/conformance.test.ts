/**
 * Runtime conformance cases 1–26 (shared/reference/runtime-api.md §6) and the fault matrix, run against the real
 * bootstrap, runtime bundle and Node binary as a child process talking to a recording mock Runtime API.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, type RuntimeProcess, type StagedLayer, spawnRuntime, stageLayer } from './harness.js';
import { MockRuntimeApi } from './mock-runtime-api.js';

let layer: StagedLayer;

beforeAll(async () => {
  layer = await stageLayer();
}, 30_000);
afterAll(async () => {
  await layer?.cleanup();
});

const json = (buf: Buffer): unknown => JSON.parse(buf.toString('utf8'));

interface Running {
  api: MockRuntimeApi;
  rt: RuntimeProcess;
}

describe('runtime loop against a mock Runtime API (one process, many invokes)', () => {
  let r: Running;
  beforeAll(async () => {
    const api = await new MockRuntimeApi().start();
    const rt = spawnRuntime(layer, {
      endpoint: api.endpoint,
      taskRoot: join(FIXTURES, 'esm'),
      handler: 'index.handler',
    });
    r = { api, rt };
  }, 10_000);
  afterAll(async () => {
    r.rt.kill();
    await r.api.close();
  });
  const invoke = (event: Record<string, unknown>, options: Parameters<MockRuntimeApi['invoke']>[0] = {}) =>
    r.api.invoke({ event, ...options });

  it('case 1: first request is GET /next, and a /next held open (no client timeout) does not fail', async () => {
    const first = await r.api.waitFor(() => true);
    expect(first.method).toBe('GET');
    expect(first.path).toBe('/runtime/invocation/next');
    // Hold /next for 1.5 s (a client timeout would surface as a reconnect or an exit).
    await new Promise((res) => setTimeout(res, 1500));
    expect(r.rt.child.exitCode).toBeNull();
    expect(r.api.requests.filter((q) => q.path === '/runtime/invocation/next')).toHaveLength(1);
    const result = await invoke({ case: 'a1' });
    expect(result.kind).toBe('response');
  });

  it('cases 2, 3: the event is JSON-parsed, the response goes to the exact (URL-encoded) request ID', async () => {
    const requestId = 'id with/slash+plus';
    const result = await invoke({ case: 'echo', payload: { n: 1, s: 'é' } }, { requestId });
    expect(result.request.path).toBe(`/runtime/invocation/${encodeURIComponent(requestId)}/response`);
    expect((json(result.request.body) as { event: unknown }).event).toEqual({
      case: 'echo',
      payload: { n: 1, s: 'é' },
    });
    const a1 = await invoke({ case: 'a1' });
    expect(a1.request.body.toString()).toBe('{"a":1}');
    const undef = await invoke({ case: 'undef' });
    expect(undef.kind).toBe('response');
    expect(undef.request.body.toString()).toBe('null');
  });

  it('cases 4, 5: a thrown TypeError posts /error with type, message, trace and the error-type header; loop continues', async () => {
    const result = await invoke({ case: 'typeError' });
    expect(result.kind).toBe('error');
    const body = json(result.request.body) as Record<string, unknown>;
    expect(body.errorType).toBe('TypeError');
    expect(body.errorMessage).toBe('x');
    expect(Array.isArray(body.stackTrace)).toBe(true);
    expect((body.stackTrace as string[])[0]).toBe('TypeError: x');
    expect(body.trace).toEqual(body.stackTrace);
    expect(result.request.headers['lambda-runtime-function-error-type']).toBe('TypeError');
    expect(result.request.headers['content-type']).toBe('application/vnd.aws.lambda.error+json');
    expect((await invoke({ case: 'a1' })).kind).toBe('response');
    expect(r.rt.child.exitCode).toBeNull();
  });

  it('case 6: awsRequestId, invokedFunctionArn, deadline; getRemainingTimeInMillis decreases', async () => {
    const deadlineMs = Date.now() + 10_000;
    const result = await invoke(
      { case: 'echo' },
      {
        requestId: 'ctx-1',
        deadlineMs,
        headers: { 'Lambda-Runtime-Invoked-Function-Arn': 'arn:aws:lambda:eu-west-1:1:function:f:live' },
      },
    );
    const body = json(result.request.body) as Record<string, unknown>;
    expect(body.awsRequestId).toBe('ctx-1');
    expect(body.invokedFunctionArn).toBe('arn:aws:lambda:eu-west-1:1:function:f:live');
    const [first, second] = body.remaining as [number, number];
    expect(first).toBeLessThanOrEqual(10_000);
    expect(first).toBeGreaterThan(5_000);
    expect(second).toBeLessThan(first);
    expect(Math.abs(deadlineMs - (body.now as number) - second)).toBeLessThan(50);
  });

  it('case 7: clientContext and identity are parsed JSON, or undefined when absent', async () => {
    const withHeaders = await invoke(
      { case: 'echo' },
      {
        headers: {
          'Lambda-Runtime-Client-Context': JSON.stringify({ custom: { k: 'v' }, env: { e: 1 } }),
          'Lambda-Runtime-Cognito-Identity': JSON.stringify({
            cognitoIdentityId: 'id',
            cognitoIdentityPoolId: 'pool',
          }),
        },
      },
    );
    const a = json(withHeaders.request.body) as Record<string, unknown>;
    expect(a.clientContext).toEqual({ custom: { k: 'v' }, env: { e: 1 } });
    expect(a.identity).toEqual({ cognitoIdentityId: 'id', cognitoIdentityPoolId: 'pool' });
    const without = json((await invoke({ case: 'echo' })).request.body) as Record<string, unknown>;
    expect(without.hasClientContext).toBe(false);
    expect(without.hasIdentity).toBe(false);
  });

  it('case 8: _X_AMZN_TRACE_ID follows the trace header per invoke and is cleared when absent', async () => {
    const trace = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
    const a = json(
      (await invoke({ case: 'echo' }, { headers: { 'Lambda-Runtime-Trace-Id': trace } })).request.body,
    );
    expect((a as { trace: unknown }).trace).toBe(trace);
    const b = json((await invoke({ case: 'echo' })).request.body);
    expect((b as { trace: unknown }).trace).toBeNull();
  });

  it('case 9: function name, version, memory (a string), log group and stream come from the environment', async () => {
    const body = json((await invoke({ case: 'echo' })).request.body) as Record<string, unknown>;
    expect(body).toMatchObject({
      functionName: 'test-fn',
      functionVersion: '$LATEST',
      memoryLimitInMB: '256',
      logGroupName: '/aws/lambda/test-fn',
      logStreamName: '2026/11/25/[$LATEST]abc',
      waits: true,
    });
  });

  it('case 15: callback(null, r) waits for the event loop to drain unless callbackWaitsForEmptyEventLoop=false', async () => {
    const waits = await invoke({ case: 'callbackWaits' });
    expect(json(waits.request.body)).toEqual({ timerRan: true });
    const noWait = await invoke({ case: 'callbackNoWait' });
    expect(json(noWait.request.body)).toEqual({ timerRan: false });
    const cbError = await invoke({ case: 'callbackError' });
    expect(cbError.kind).toBe('error');
    expect((json(cbError.request.body) as { errorMessage: string }).errorMessage).toBe('cb failed');
  });

  it('case 16: only the first completion counts (callback twice; return then callback)', async () => {
    const twice = await invoke({ case: 'callbackTwice' }, { requestId: 'twice' });
    expect(json(twice.request.body)).toBe('first');
    const both = await invoke({ case: 'returnThenCallback' }, { requestId: 'both' });
    expect(json(both.request.body)).toBe('from-return');
    // Let the late callback fire, then prove nothing else was posted for these IDs.
    await invoke({ case: 'a1' });
    const posts = r.api.requests.filter((q) => q.method === 'POST' && /\/(twice|both)\//.test(q.path));
    expect(posts).toHaveLength(2);
  });

  it('context.succeed / fail / done post at once; fail(undefined) is errorType string, message handled', async () => {
    expect(json((await invoke({ case: 'succeed' })).request.body)).toEqual({ via: 'succeed' });
    const failed = await invoke({ case: 'fail' });
    expect(failed.kind).toBe('error');
    expect(json(failed.request.body)).toMatchObject({ errorType: 'Error', errorMessage: 'via fail' });
    const failedUndefined = await invoke({ case: 'failUndefined' });
    expect(json(failedUndefined.request.body)).toMatchObject({
      errorType: 'string',
      errorMessage: 'handled',
    });
    expect(json((await invoke({ case: 'done' })).request.body)).toBe('via done');
  });

  it('case 17: a never-settling async handler with a drained loop posts Runtime.NodeJsExit and does not hang', async () => {
    const result = await invoke({ case: 'neverSettles' });
    expect(result.kind).toBe('error');
    expect(json(result.request.body)).toMatchObject({ errorType: 'Runtime.NodeJsExit' });
    expect(result.request.headers['lambda-runtime-function-error-type']).toBe('Runtime.NodeJsExit');
    // A sync handler that never calls back succeeds with null once the loop drains (AWS's behaviour).
    const sync = await invoke({ case: 'syncNoResult' });
    expect(sync.kind).toBe('response');
    expect(sync.request.body.toString()).toBe('null');
  });

  it('case 26: events with NUL bytes reach the handler intact and results with NUL bytes survive', async () => {
    const result = await invoke({ case: 'binary', s: 'a\u0000b\u0000' });
    expect(json(result.request.body)).toEqual({ s: 'a\u0000b\u0000', codes: [97, 0, 98, 0] });
    const nul = await invoke({ case: 'nul' });
    expect(json(nul.request.body)).toBe('a\u0000b');
  });

  it('fault matrix: sync throw, reject, throw a string, circular result, 7 MB result; next invoke still succeeds', async () => {
    const sync = await invoke({ case: 'syncThrow' });
    expect(json(sync.request.body)).toMatchObject({ errorType: 'RangeError', errorMessage: 'sync' });
    const rejected = await invoke({ case: 'reject' });
    expect(json(rejected.request.body)).toMatchObject({ errorType: 'Error', errorMessage: 'rejected' });
    const str = await invoke({ case: 'throwString' });
    expect(json(str.request.body)).toEqual({
      errorType: 'string',
      errorMessage: 'boom',
      stackTrace: [],
      trace: [],
    });
    expect(str.request.headers['lambda-runtime-function-error-type']).toBe('string');
    const circular = await invoke({ case: 'circular' });
    expect(circular.kind).toBe('error');
    const circ = json(circular.request.body) as { errorType: string; errorMessage: string };
    expect(circ.errorType).toBe('Runtime.JSONStringifyError');
    expect(circ.errorMessage).toMatch(/Unable to stringify response body.*circular/i);
    const big = await invoke({ case: 'big' });
    expect(big.kind).toBe('error');
    const bigBody = json(big.request.body) as { errorType: string; errorMessage: string };
    expect(bigBody.errorType).toBe('Function.ResponseSizeTooLarge');
    expect(bigBody.errorMessage).toContain(`(${7 * 1024 * 1024 + 2} bytes)`);
    expect(bigBody.errorMessage).toContain('6291556 bytes');
    // Nothing of the 7 MB went over the wire.
    expect(big.request.body.length).toBeLessThan(10_000);
    const exact = await invoke({ case: 'exactLimit' });
    expect(exact.kind).toBe('response');
    expect(exact.request.body.length).toBe(6291556);
    expect((await invoke({ case: 'a1' })).kind).toBe('response');
  });

  it('case 24: a 413 or 400 answer to a POST is logged and the loop continues', async () => {
    r.api.nextPostStatus = 413;
    await invoke({ case: 'a1' });
    r.api.nextPostStatus = 400;
    await invoke({ case: 'typeError' });
    expect((await invoke({ case: 'a1' })).kind).toBe('response');
    expect(r.rt.stderr()).toMatch(/rejected the result .* 413/);
    expect(r.rt.child.exitCode).toBeNull();
  });

  it('case 25 (functional part): one kept-alive connection serves every request', async () => {
    for (let i = 0; i < 20; i++) await invoke({ case: 'a1' });
    // Node's server gives each request the same socket object when the client keeps it alive.
    const ports = new Set(r.api.requests.map((q) => q.headers.host));
    expect(ports.size).toBe(1);
    expect(r.api.connections).toBe(1);
  });
});
