/**
 * Conformance cases about loading, init errors, process-ending faults, logging, streaming and shutdown, each
 * with its own runtime process (real bootstrap + bundle + Node) against the mock Runtime API.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  exitWithin,
  FIXTURES,
  type RuntimeProcess,
  type StagedLayer,
  spawnRuntime,
  stageLayer,
} from './harness.js';
import { MockRuntimeApi, type RecordedRequest } from './mock-runtime-api.js';

let layer: StagedLayer;
let scratch: string;

beforeAll(async () => {
  layer = await stageLayer();
  scratch = await mkdtemp(join(tmpdir(), 'caprice-life-'));
}, 30_000);
afterAll(async () => {
  await layer?.cleanup();
  await rm(scratch, { recursive: true, force: true });
});

interface Running {
  api: MockRuntimeApi;
  rt: RuntimeProcess;
}
const running: Running[] = [];

async function start(dir: string, handler: string, env: Record<string, string> = {}): Promise<Running> {
  const api = await new MockRuntimeApi().start();
  const rt = spawnRuntime(layer, { endpoint: api.endpoint, taskRoot: join(FIXTURES, dir), handler, env });
  const r = { api, rt };
  running.push(r);
  return r;
}

afterEach(async () => {
  for (const { api, rt } of running.splice(0)) {
    rt.kill();
    await api.close();
  }
});

const json = (buf: Buffer): Record<string, unknown> => JSON.parse(buf.toString('utf8'));

describe('handler loading (cases 10, 11)', () => {
  it.each([
    ['nested export of an .mjs module', 'esm', 'index.nested.deeper.fn', 'nested-esm'],
    ['default export of an .mjs module', 'esm', 'default-export.handler', 'from-default'],
    ['a .cjs module as CommonJS', 'cjs', 'index.handler', { format: 'cjs' }],
    [
      'a .js module as CommonJS when the scope is not "type":"module"',
      'cjs',
      'plain.handler',
      { format: 'cjs' },
    ],
    [
      'lib/mod.a.b.fn as ESM under "type":"module"',
      'type-module',
      'lib/mod.a.b.fn',
      { format: 'esm', nested: true },
    ],
  ])('loads %s', async (_name, dir, handler, expected) => {
    const { api } = await start(dir, handler);
    const result = await api.invoke({ event: {} });
    expect(result.kind).toBe('response');
    expect(JSON.parse(result.request.body.toString())).toEqual(expected);
  });
});

describe('init errors go to /init/error before any /next, then the process exits non-zero (cases 12, 13)', () => {
  it.each([
    ['no dot', 'esm', 'index', 'Runtime.MalformedHandlerName', /Bad handler/],
    ['a ".." in the name', 'esm', '../x.h', 'Runtime.MalformedHandlerName', /Use absolute paths/],
    ['a missing module', 'esm', 'nope.handler', 'Runtime.ImportModuleError', /Cannot find module/],
    ['a syntax error', 'init-errors', 'syntax.handler', 'Runtime.UserCodeSyntaxError', /^SyntaxError: /],
    [
      'a missing export',
      'init-errors',
      'exports.missing',
      'Runtime.HandlerNotFound',
      /exports\.missing is undefined or not exported/,
    ],
    [
      'a non-function export',
      'init-errors',
      'exports.notAFunction',
      'Runtime.HandlerNotFound',
      /is not a function/,
    ],
    ['a throw at module top level', 'init-errors', 'throws-at-init.handler', 'Error', /init exploded/],
  ])('%s', async (_name, dir, handler, errorType, message) => {
    const { api, rt } = await start(dir, handler);
    const initError = await api.waitFor((q) => q.path === '/runtime/init/error');
    const body = json(initError.body);
    expect(initError.headers['lambda-runtime-function-error-type']).toBe(errorType);
    expect(body.errorType).toBe(errorType);
    expect(body.errorMessage).toMatch(message);
    const { code } = await exitWithin(rt);
    expect(code).toBe(129);
    expect(api.requests.some((q) => q.path === '/runtime/invocation/next')).toBe(false);
  });
});

describe('init-phase crashes', () => {
  it('an unhandled rejection during init goes to /init/error as Runtime.UnhandledPromiseRejection, exit 128', async () => {
    const { api, rt } = await start('init-errors', 'rejects-at-init.handler');
    const initError = await api.waitFor((q) => q.path === '/runtime/init/error');
    expect(initError.headers['lambda-runtime-function-error-type']).toBe('Runtime.UnhandledPromiseRejection');
    expect(json(initError.body)).toMatchObject({ errorMessage: 'Error: rejected during init' });
    expect((await exitWithin(rt)).code).toBe(128);
  });
});

describe('the awslambda global', () => {
  it('is installed by default and left out with AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA=true', async () => {
    const a = await start('esm', 'globals.handler');
    expect(JSON.parse((await a.api.invoke({ event: {} })).request.body.toString())).toEqual({
      awslambda: 'object',
    });
    const b = await start('esm', 'globals.handler', { AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA: 'true' });
    expect(JSON.parse((await b.api.invoke({ event: {} })).request.body.toString())).toEqual({
      awslambda: 'undefined',
    });
  });
});

describe('faults that end the process (case 14, fault matrix)', () => {
  it('an exception thrown in a timer during an invoke posts that invoke’s /error, then exits 129', async () => {
    const { api, rt } = await start('esm', 'index.handler');
    const result = await api.invoke({ event: { case: 'uncaught' } });
    expect(result.kind).toBe('error');
    expect(json(result.request.body)).toMatchObject({
      errorType: 'Error',
      errorMessage: 'thrown in a timer',
    });
    expect((await exitWithin(rt)).code).toBe(129);
    expect(rt.stdout()).toContain('Uncaught Exception');
  });

  it('an unhandled rejection during an invoke posts Runtime.UnhandledPromiseRejection, then exits 128', async () => {
    const { api, rt } = await start('esm', 'index.handler');
    const result = await api.invoke({ event: { case: 'unhandled' } });
    expect(result.kind).toBe('error');
    expect(json(result.request.body)).toMatchObject({
      errorType: 'Runtime.UnhandledPromiseRejection',
      errorMessage: 'Error: nobody catches me',
    });
    expect(result.request.headers['lambda-runtime-function-error-type']).toBe(
      'Runtime.UnhandledPromiseRejection',
    );
    expect((await exitWithin(rt)).code).toBe(128);
  });

  it('an unhandled rejection after the response keeps the response and exits 128 (the platform replaces the process)', async () => {
    const { api, rt } = await start('esm', 'index.handler');
    const result = await api.invoke({ event: { case: 'rejectAfterResponse' } });
    expect(result.kind).toBe('response');
    expect(result.request.body.toString()).toBe('"ok"');
    expect((await exitWithin(rt)).code).toBe(128);
    expect(api.requests.filter((q) => q.method === 'POST')).toHaveLength(1);
  });

  it('process.exit(3) in the handler exits with 3 and posts nothing (the platform reports Runtime.ExitError)', async () => {
    const { api, rt } = await start('esm', 'index.handler');
    void api.invoke({ event: { case: 'exit3' } });
    expect((await exitWithin(rt)).code).toBe(3);
    expect(api.requests.filter((q) => q.method === 'POST')).toHaveLength(0);
  });

  it('allocating past the memory size kills the process (heap limit from AWS_LAMBDA_FUNCTION_MEMORY_SIZE)', async () => {
    const { api, rt } = await start('esm', 'index.handler', { AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '64' });
    void api.invoke({ event: { case: 'alloc' } });
    const exit = await exitWithin(rt, 20_000);
    expect(exit.code !== 0 || exit.signal !== null).toBe(true);
    expect(rt.stderr()).toMatch(/heap out of memory|Allocation failed/i);
  }, 30_000);

  it('case 24: a 500 from the Runtime API ends the process promptly', async () => {
    const { api, rt } = await start('esm', 'index.handler');
    api.nextPostStatus = 500;
    void api.invoke({ event: { case: 'a1' } });
    const { code } = await exitWithin(rt);
    expect(code).not.toBe(0);
    expect(rt.stderr()).toMatch(/500/);
  });

  it('a Runtime API that goes away ends the process', async () => {
    const { api, rt } = await start('esm', 'index.handler');
    await api.waitFor((q) => q.path === '/runtime/invocation/next');
    await api.close();
    const { code } = await exitWithin(rt);
    expect(code).toBe(1);
  });
});

describe('SIGTERM', () => {
  it('runs registered shutdown hooks and exits promptly with 0', async () => {
    const { api, rt } = await start('esm', 'index.handler');
    const marker = join(scratch, 'shutdown-hook');
    await api.invoke({ event: { case: 'shutdownHook', marker } });
    await api.waitFor(() => api.requests.filter((q) => q.path === '/runtime/invocation/next').length >= 2);
    rt.child.kill('SIGTERM');
    const { code } = await exitWithin(rt, 3000);
    expect(code).toBe(0);
    expect(existsSync(marker)).toBe(true);
  });
});

describe('logging (cases 18–20)', () => {
  const lines = (rt: RuntimeProcess): string[] => rt.stdout().split('\n').filter(Boolean);

  it('case 18: text lines are <ISO>\\t<requestId>\\t<LEVEL>\\t<message> with newlines as \\r', async () => {
    const { api, rt } = await start('esm', 'index.handler');
    await api.invoke({ event: { case: 'logs' }, requestId: 'log-text' });
    await api.invoke({ event: { case: 'a1' } });
    const out = lines(rt);
    expect(out).toContainEqual(
      expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\tlog-text\tINFO\ta\rb$/),
    );
    expect(out).toContainEqual(expect.stringMatching(/\tlog-text\tINFO\t\{ x: 1 \}$/));
    expect(out).toContainEqual(expect.stringMatching(/\tlog-text\tDEBUG\tdbg$/));
    expect(out).toContainEqual(expect.stringMatching(/\tlog-text\tWARN\tw$/));
    expect(out).toContainEqual(expect.stringMatching(/\tlog-text\tERROR\te Error: err-in-log\r {4}at /));
    expect(out).toContainEqual(expect.stringMatching(/\tlog-text\tTRACE\ttr$/));
  });

  it('case 19: AWS_LAMBDA_LOG_FORMAT=JSON gives JSON lines; a single object stays an object', async () => {
    const { api, rt } = await start('esm', 'index.handler', { AWS_LAMBDA_LOG_FORMAT: 'json' });
    await api.invoke({ event: { case: 'logs' }, requestId: 'log-json' });
    await api.invoke({ event: { case: 'a1' } });
    const records = lines(rt).map((l) => JSON.parse(l) as Record<string, unknown>);
    const info = records.find((x) => typeof x.message === 'object');
    expect(info).toMatchObject({ level: 'INFO', requestId: 'log-json', message: { x: 1 } });
    expect(typeof info?.timestamp).toBe('string');
    const multi = records.find((x) => x.level === 'ERROR');
    expect(multi).toMatchObject({ errorType: 'Error', errorMessage: 'err-in-log' });
    expect(records.find((x) => x.message === 'a\nb')).toMatchObject({ level: 'INFO' });
  });

  it('case 20: AWS_LAMBDA_LOG_LEVEL=WARN drops info and debug, keeps warn and error', async () => {
    const { api, rt } = await start('esm', 'index.handler', { AWS_LAMBDA_LOG_LEVEL: 'WARN' });
    await api.invoke({ event: { case: 'logs' }, requestId: 'log-lvl' });
    await api.invoke({ event: { case: 'a1' } });
    const levels = lines(rt)
      .filter((l) => l.includes('\tlog-lvl\t'))
      .map((l) => l.split('\t')[2]);
    expect(levels.sort()).toEqual(['ERROR', 'WARN']);
  });
});

describe('response streaming (cases 21–23)', () => {
  const streamed = (q: RecordedRequest): boolean => q.method === 'POST' && q.path.endsWith('/response');

  it('case 21: one chunked POST with the streaming mode and trailer headers; the first chunk is flushed early', async () => {
    const { api } = await start('streaming', 'index.handler');
    const marker = join(scratch, 'first-chunk-seen');
    api.onChunk = (_req, data) => {
      if (data.toString().includes('first'))
        void import('node:fs').then((fs) => fs.writeFileSync(marker, '1'));
    };
    const result = await api.invoke({ event: { case: 'chunks', marker } });
    const req = result.request;
    expect(streamed(req)).toBe(true);
    expect(req.headers['lambda-runtime-function-response-mode']).toBe('streaming');
    expect(req.headers['transfer-encoding']).toBe('chunked');
    expect(req.headers.trailer).toBe(
      'Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body',
    );
    expect(req.headers['content-type']).toBe('text/plain');
    expect(req.body.toString()).toBe('firstsecond');
    expect(req.trailers['lambda-runtime-function-error-type']).toBeUndefined();
    expect(api.requests.filter(streamed)).toHaveLength(1);
  });

  it('case 22: HttpResponseStream.from writes the JSON prelude and 8 NUL bytes with the integration content type', async () => {
    const { api } = await start('streaming', 'index.handler');
    const result = await api.invoke({ event: { case: 'http' } });
    expect(result.request.headers['content-type']).toBe(
      'application/vnd.awslambda.http-integration-response',
    );
    expect(result.request.body.toString('latin1')).toBe(
      `{"statusCode":201,"headers":{"x-a":"b"}}${'\u0000'.repeat(8)}hello world`,
    );
  });

  it('case 23: a throw after writing sends the error trailers, then the runtime continues with /next', async () => {
    const { api } = await start('streaming', 'index.handler');
    const result = await api.invoke({ event: { case: 'throwsMidStream' } });
    expect(result.request.body.toString()).toBe('partial');
    expect(result.request.trailers['lambda-runtime-function-error-type']).toBe('Error');
    const errorBody = JSON.parse(
      Buffer.from(result.request.trailers['lambda-runtime-function-error-body'] ?? '', 'base64').toString(),
    );
    expect(errorBody).toMatchObject({ errorType: 'Error', errorMessage: 'mid-stream failure' });
    const notEnded = await api.invoke({ event: { case: 'notEnded' } });
    expect(notEnded.request.trailers['lambda-runtime-function-error-type']).toBe('Error');
    const hung = await api.invoke({ event: { case: 'neverSettles' } });
    expect(hung.request.body.toString()).toBe('started');
    expect(hung.request.trailers['lambda-runtime-function-error-type']).toBe('Runtime.NodeJsExit');
    const empty = await api.invoke({ event: { case: 'empty' } });
    expect(empty.request.body.length).toBe(0);
    expect(empty.request.headers['content-type']).toBe('application/octet-stream');
    expect(empty.request.trailers['lambda-runtime-function-error-type']).toBeUndefined();
  });
});
