import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  CreateFunctionCommand,
  InvokeCommand,
  InvokeWithResponseStreamCommand,
  LambdaClient,
  PublishLayerVersionCommand,
  waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';
import { type Emulator, startEmulator } from '@caprice/emulator';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ZipFile } from 'yazl';

// Peer test: AWS's own Node runtime interface client (npm aws-lambda-ric, unmodified) is the function's
// bootstrap, shipped as a layer whose /opt/bootstrap execs it, and runs against the emulator end to end.

const ricEntry = join(
  dirname(createRequire(import.meta.url).resolve('aws-lambda-ric/package.json')),
  'bin',
  'index.mjs',
);

const HANDLERS = `
export const ok = async (event, context) => ({ got: event, fn: context.functionName, id: context.awsRequestId });
export const fails = async () => { throw new TypeError('bad input'); };
export const slow = async () => new Promise((r) => setTimeout(() => r('late'), 10_000));
export const crash = async () => { setTimeout(() => process.exit(3), 0); return new Promise(() => {}); };
export const stream = awslambda.streamifyResponse(async (event, responseStream) => {
  responseStream.setContentType('text/plain');
  responseStream.write('hello ');
  await new Promise((r) => setTimeout(r, 50));
  responseStream.write('world');
  if (event.fail) throw new Error('mid-stream failure');
  responseStream.end();
});
`;

let emulator: Emulator;
let lambda: LambdaClient;
let stateDir: string;
let layerArn: string;

function zip(files: Record<string, { text: string; mode?: number }>): Promise<Buffer> {
  const z = new ZipFile();
  for (const [name, { text, mode }] of Object.entries(files)) {
    z.addBuffer(Buffer.from(text), name, { mode: mode ?? 0o100644 });
  }
  z.end();
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    z.outputStream.on('data', (c: Buffer) => chunks.push(c));
    z.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    z.outputStream.on('error', reject);
  });
}

async function createFunction(
  name: string,
  files: Record<string, string>,
  handler: string,
  timeout = 3,
): Promise<void> {
  const code = await zip(Object.fromEntries(Object.entries(files).map(([k, text]) => [k, { text }])));
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'provided.al2023',
      Role: 'arn:aws:iam::000000000000:role/lambda',
      Handler: handler,
      Code: { ZipFile: code },
      Timeout: timeout,
      MemorySize: 512,
      Layers: [layerArn],
    }),
  );
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 20 }, { FunctionName: name });
}

async function invoke(name: string, payload: unknown) {
  const out = await lambda.send(
    new InvokeCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify(payload)), LogType: 'Tail' }),
  );
  return {
    ...out,
    body: JSON.parse(Buffer.from(out.Payload ?? []).toString() || 'null') as Record<string, unknown>,
    log: Buffer.from(out.LogResult ?? '', 'base64').toString(),
  };
}

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'caprice-ric-'));
  emulator = await startEmulator({
    port: 0,
    stateDir,
    createDelayMs: 50,
    updateDelayMs: 50,
    dataPlane: { initTimeoutMs: 10_000 },
  });
  lambda = new LambdaClient({
    endpoint: emulator.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  const layer = await zip({
    bootstrap: { text: `#!/bin/sh\nexec "${process.execPath}" "${ricEntry}" "$_HANDLER"\n`, mode: 0o100755 },
  });
  const published = await lambda.send(
    new PublishLayerVersionCommand({ LayerName: 'aws-lambda-ric', Content: { ZipFile: layer } }),
  );
  layerArn = published.LayerVersionArn ?? '';
  await createFunction('ric', { 'index.mjs': HANDLERS }, 'index.ok');
}, 60_000);

afterAll(async () => {
  lambda?.destroy();
  await emulator?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

describe('aws-lambda-ric against the emulator', () => {
  test('success: the handler result comes back; context carries the function name and request id', async () => {
    const out = await invoke('ric', { hello: 'world' });
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBeUndefined();
    expect(out.body.got).toEqual({ hello: 'world' });
    expect(out.body.fn).toBe('ric');
    expect(out.body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(out.log).toContain(`END RequestId: ${String(out.body.id)}`);
    // Warm: the same runtime process answers again.
    expect((await invoke('ric', 2)).body.got).toBe(2);
  });

  test('handler error: Unhandled with the RIC error body', async () => {
    await createFunction('ric-fails', { 'index.mjs': HANDLERS }, 'index.fails');
    const out = await invoke('ric-fails', {});
    expect(out.FunctionError).toBe('Unhandled');
    expect(out.body).toMatchObject({ errorType: 'TypeError', errorMessage: 'bad input' });
    expect(Array.isArray(out.body.trace)).toBe(true);
  });

  test('timeout: Sandbox.Timedout after the function timeout', async () => {
    await createFunction('ric-slow', { 'index.mjs': HANDLERS }, 'index.slow', 1);
    const out = await invoke('ric-slow', {});
    expect(out.FunctionError).toBe('Unhandled');
    expect(out.body.errorType).toBe('Sandbox.Timedout');
    expect(out.body.errorMessage).toMatch(/Task timed out after 1\.00 seconds$/);
  });

  test('init error: a missing handler module reaches the invoker as Runtime.ImportModuleError', async () => {
    await createFunction('ric-init', { 'index.mjs': HANDLERS }, 'missing.handler');
    const out = await invoke('ric-init', {});
    expect(out.FunctionError).toBe('Unhandled');
    expect(out.body.errorType).toBe('Runtime.ImportModuleError');
  });

  test('crash: the runtime exiting mid-invoke gives Runtime.ExitError, and the next invoke re-inits', async () => {
    await createFunction('ric-crash', { 'index.mjs': HANDLERS }, 'index.crash');
    const out = await invoke('ric-crash', {});
    expect(out.FunctionError).toBe('Unhandled');
    expect(out.body.errorType).toBe('Runtime.ExitError');
    expect(out.body.errorMessage).toMatch(/Runtime exited with error: exit status 3$/);
    const again = await invoke('ric-crash', {});
    expect(again.body.errorType).toBe('Runtime.ExitError');
    expect(again.log).toContain('Init Duration');
  });

  test('streaming: streamifyResponse chunks arrive through InvokeWithResponseStream; a throw ends it with an error', async () => {
    await createFunction('ric-stream', { 'index.mjs': HANDLERS }, 'index.stream');
    const read = async (payload: unknown) => {
      const res = await lambda.send(
        new InvokeWithResponseStreamCommand({
          FunctionName: 'ric-stream',
          Payload: Buffer.from(JSON.stringify(payload)),
        }),
      );
      const chunks: string[] = [];
      let complete: { ErrorCode?: string; ErrorDetails?: string } | undefined;
      for await (const event of res.EventStream ?? []) {
        if (event.PayloadChunk?.Payload !== undefined)
          chunks.push(Buffer.from(event.PayloadChunk.Payload).toString());
        if (event.InvokeComplete !== undefined) complete = event.InvokeComplete;
      }
      return { chunks, complete };
    };
    const ok = await read({});
    expect(ok.chunks.join('')).toBe('hello world');
    expect(ok.complete?.ErrorCode).toBeUndefined();
    const failed = await read({ fail: true });
    expect(failed.chunks.join('')).toBe('hello world');
    expect(failed.complete?.ErrorCode).toBe('Error');
    expect(JSON.parse(failed.complete?.ErrorDetails ?? '{}')).toMatchObject({
      errorMessage: 'mid-stream failure',
    });
  });
});
