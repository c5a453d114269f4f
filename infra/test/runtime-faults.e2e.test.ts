/**
 * The runtime layer's fault matrix and conformance end to end: the real layer zip of the host's arch
 * (`packages/runtime/dist/layer-x64.zip`: bootstrap, Node, runtime bundle) published to the emulator, functions created from `test/fixtures/runtime-faults`, invoked
 * through the real SDK. Each fault must reach the invoker as AWS reports it, and the next invoke must succeed —
 * on the same instance when the runtime survives the fault, on a fresh one when the process had to go (the
 * handler returns `process.pid`, which tells them apart). Needs the built layer zip (turbo runs `^zip` first;
 * locally `pnpm --filter @caprice/runtime zip`).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CreateFunctionCommand,
  type CreateFunctionCommandInput,
  InvokeCommand,
  type InvokeCommandOutput,
  InvokeWithResponseStreamCommand,
  LambdaClient,
  PublishLayerVersionCommand,
  waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';
import { type Emulator, startEmulator } from '@caprice/emulator';
import { writeReproducibleZip } from '@caprice/lambda-bundle';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './helpers/dev-process.js';

/** The host's layer: the emulator runs instances on the host, so its Node binary must match the host's arch. */
const LAYER_ZIP = path.join(
  ROOT,
  'packages',
  'runtime',
  'dist',
  `layer-${process.arch === 'arm64' ? 'arm64' : 'x64'}.zip`,
);
const FIXTURES = path.join(ROOT, 'infra', 'test', 'fixtures', 'runtime-faults');
const MEMORY_MB = 128;
const TIMEOUT_S = 3;
/** The Runtime API's response limit (runtime-api.md §1): 6 MB plus the 100 bytes Lambda allows on top. */
const RESPONSE_LIMIT = 6_291_556;

interface Invoked {
  readonly output: InvokeCommandOutput;
  readonly requestId: string;
  readonly body: unknown;
  readonly text: string;
}

describe('runtime layer under the real emulator: fault matrix and conformance', () => {
  let stateDir: string;
  let emulator: Emulator;
  let lambda: LambdaClient;
  let layerArn: string;

  const createFunction = async (
    name: string,
    handler: string,
    extra: Partial<CreateFunctionCommandInput> = {},
  ): Promise<void> => {
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: 'provided.al2023',
        Role: 'arn:aws:iam::000000000000:role/caprice-test',
        Handler: handler,
        Code: { ZipFile: await readFile(path.join(stateDir, 'code.zip')) },
        Layers: [layerArn],
        MemorySize: MEMORY_MB,
        Timeout: TIMEOUT_S,
        ...extra,
      }),
    );
    await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30 }, { FunctionName: name });
  };

  const invoke = async (name: string, event: unknown, tail = false): Promise<Invoked> => {
    const output = await lambda.send(
      new InvokeCommand({
        FunctionName: name,
        Payload: Buffer.from(JSON.stringify(event)),
        ...(tail ? { LogType: 'Tail' as const } : {}),
      }),
    );
    const text = Buffer.from(output.Payload ?? new Uint8Array()).toString('utf8');
    return { output, requestId: output.$metadata.requestId ?? '', text, body: JSON.parse(text) };
  };

  /** Pid of the instance that serves the next invoke of `name`, after checking that the invoke succeeds. */
  const healthyPid = async (name = 'faults'): Promise<number> => {
    const next = await invoke(name, { case: 'ok' });
    expect(next.output.FunctionError).toBeUndefined();
    return (next.body as { pid: number }).pid;
  };

  /** Waits until the emulator no longer lists the instance whose runtime is `pid` (own process group). */
  const instanceGone = async (pid: number): Promise<void> => {
    const deadline = Date.now() + 10_000;
    while (emulator.dataPlane.instances('faults').some((i) => i.pgid === pid)) {
      if (Date.now() > deadline) throw new Error(`instance ${pid} of faults is still listed after 10 s`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  beforeAll(async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), 'caprice-runtime-faults-'));
    await writeReproducibleZip(
      path.join(stateDir, 'code.zip'),
      ['faults.mjs', 'syntax.mjs', 'not-a-function.mjs'].map((f) => ({
        path: f,
        file: path.join(FIXTURES, f),
      })),
    );
    emulator = await startEmulator({ port: 0, stateDir, createDelayMs: 20, updateDelayMs: 20 });
    lambda = new LambdaClient({
      endpoint: emulator.url,
      region: emulator.region,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    const layer = await lambda.send(
      new PublishLayerVersionCommand({
        LayerName: 'caprice-node',
        Content: {
          ZipFile: await readFile(LAYER_ZIP).catch((err: unknown) => {
            throw new Error(
              `Cannot read the runtime layer ${LAYER_ZIP} (${String(err)}): build it with \`pnpm --filter @caprice/runtime zip\``,
            );
          }),
        },
        CompatibleRuntimes: ['provided.al2023'],
      }),
    );
    layerArn = layer.LayerVersionArn ?? '';
    await Promise.all([
      createFunction('faults', 'faults.handler'),
      // The 128 MB memory faults take a second or more to climb: a longer timeout keeps them from timing out
      // on a loaded machine.
      createFunction('faults-memory', 'faults.handler', { Timeout: 20 }),
      createFunction('faults-1024', 'faults.handler', { MemorySize: 1024, Timeout: 30 }),
      createFunction('faults-stream', 'faults.stream'),
      createFunction('init-malformed', 'faults'),
      createFunction('init-missing-module', 'missing.handler'),
      createFunction('init-syntax', 'syntax.handler'),
      createFunction('init-missing-export', 'faults.nope'),
      createFunction('init-not-a-function', 'not-a-function.handler'),
    ]);
  }, 60_000);

  afterAll(async () => {
    lambda?.destroy();
    await emulator?.close();
    if (stateDir) await rm(stateDir, { recursive: true, force: true });
  });

  describe('faults the runtime survives: the error reaches the invoker, the same instance serves the next invoke', () => {
    it.each([
      ['a thrown TypeError', 'throwError', 'TypeError', 'bad type here'],
      ['a rejected promise', 'reject', 'RangeError', 'rejected on purpose'],
      ['a thrown string', 'throwString', 'string', 'a plain string'],
    ])('%s', async (_label, kase, errorType, errorMessage) => {
      const before = await healthyPid();
      const result = await invoke('faults', { case: kase });
      expect(result.output.StatusCode).toBe(200);
      expect(result.output.FunctionError).toBe('Unhandled');
      expect(result.body).toMatchObject({ errorType, errorMessage });
      const body = result.body as { stackTrace: string[]; trace: string[] };
      if (errorType === 'string') {
        expect(body).toEqual({ errorType, errorMessage, stackTrace: [], trace: [] });
      } else {
        // AWS's shape: the stack's lines, headed by `Type: message`, in both `stackTrace` and `trace`.
        expect(body.stackTrace[0]).toBe(`${errorType}: ${errorMessage}`);
        expect(body.stackTrace.some((line) => /faults\.mjs:\d+:\d+/.test(line))).toBe(true);
        expect(body.trace).toEqual(body.stackTrace);
      }
      expect(await healthyPid()).toBe(before);
    });

    it('a circular result: Runtime.JSONStringifyError', async () => {
      const before = await healthyPid();
      const result = await invoke('faults', { case: 'circular' });
      expect(result.output.FunctionError).toBe('Unhandled');
      expect(result.body).toMatchObject({ errorType: 'Runtime.JSONStringifyError' });
      expect((result.body as { errorMessage: string }).errorMessage).toMatch(
        /^Unable to stringify response body: .*circular/i,
      );
      expect(await healthyPid()).toBe(before);
    });

    it('a 7 MB result: Function.ResponseSizeTooLarge naming the size and the limit', async () => {
      const before = await healthyPid();
      const result = await invoke('faults', { case: 'big' });
      expect(result.output.FunctionError).toBe('Unhandled');
      const body = result.body as { errorType: string; errorMessage: string };
      expect(body.errorType).toBe('Function.ResponseSizeTooLarge');
      // The JSON string of 7 MiB 'x' is 7 MiB plus its two quotes.
      expect(body.errorMessage).toContain(`(${7 * 1024 * 1024 + 2} bytes)`);
      expect(body.errorMessage).toContain(`${RESPONSE_LIMIT} bytes`);
      expect(result.text.length).toBeLessThan(10_000);
      expect(await healthyPid()).toBe(before);
    });
  });

  describe('faults that end the process: AWS’s platform error, then a fresh instance', () => {
    it('a timeout: Sandbox.Timedout "Task timed out after 3.00 seconds"', async () => {
      const before = await healthyPid();
      const result = await invoke('faults', { case: 'sleep', ms: 60_000 });
      expect(result.output.FunctionError).toBe('Unhandled');
      expect(result.body).toEqual({
        errorType: 'Sandbox.Timedout',
        errorMessage: `RequestId: ${result.requestId} Error: Task timed out after ${TIMEOUT_S}.00 seconds`,
      });
      expect(await healthyPid()).not.toBe(before);
    }, 20_000);

    it('process.exit(3): Runtime.ExitError "exit status 3"', async () => {
      const before = await healthyPid();
      const result = await invoke('faults', { case: 'exit3' });
      expect(result.output.FunctionError).toBe('Unhandled');
      expect(result.body).toEqual({
        errorType: 'Runtime.ExitError',
        errorMessage: `RequestId: ${result.requestId} Error: Runtime exited with error: exit status 3`,
      });
      expect(await healthyPid()).not.toBe(before);
    });

    it('a throw in a setTimeout: that error is posted for the invoke, then the process exits', async () => {
      const before = await healthyPid();
      const result = await invoke('faults', { case: 'throwInTimer' });
      expect(result.output.FunctionError).toBe('Unhandled');
      expect(result.body).toMatchObject({ errorType: 'SyntaxError', errorMessage: 'thrown in a timer' });
      expect(await healthyPid()).not.toBe(before);
      expect(emulator.dataPlane.readLogs('faults')).toMatch(
        new RegExp(`\\t${result.requestId}\\tERROR\\tUncaught Exception \\t.*thrown in a timer`),
      );
    });

    it('an unhandled rejection during an invoke: Runtime.UnhandledPromiseRejection for that invoke, then exit', async () => {
      const before = await healthyPid();
      const result = await invoke('faults', { case: 'unhandledRejection' });
      expect(result.output.FunctionError).toBe('Unhandled');
      expect(result.body).toMatchObject({
        errorType: 'Runtime.UnhandledPromiseRejection',
        errorMessage: 'Error: nobody catches me',
      });
      expect(await healthyPid()).not.toBe(before);
    });

    it('an unhandled rejection after the response: the response stands, the next invoke gets a fresh instance', async () => {
      const before = await healthyPid();
      // The runtime is the leader of its instance's process group (bootstrap execs node).
      expect(emulator.dataPlane.instances('faults').map((i) => i.pgid)).toContain(before);
      const result = await invoke('faults', { case: 'rejectAfterResponse' });
      expect(result.output.FunctionError).toBeUndefined();
      expect(result.body).toEqual({ pid: before, answered: true });
      // The rejection fires 30 ms after the answer, between invokes: the runtime exits 128 without posting and
      // the platform replaces it. (An invoke sent before it dies would get that rejection, as on AWS.)
      await instanceGone(before);
      expect(await healthyPid()).not.toBe(before);
    });

    // What AWS reports depends on which limit is hit first. The sandbox's memory size kills the process
    // (Runtime.OutOfMemory, "signal: killed"); V8's heap limit, which the bootstrap sets to 90% of the memory
    // size, aborts it (Runtime.ExitError, "signal: aborted", after Node's FATAL ERROR line). At 128 MB the
    // runtime's own ~45 MB of RSS means the memory size is reached first; with 1024 MB the heap limit is.
    it.each([
      ['off-heap Buffers', 'allocBuffers'],
      ['a JS heap leak', 'allocHeapPaced'],
    ])(
      'allocating past the memory size (%s): Runtime.OutOfMemory "signal: killed"',
      async (_label, kase) => {
        const before = await healthyPid('faults-memory');
        const result = await invoke('faults-memory', { case: kase });
        expect(result.output.FunctionError).toBe('Unhandled');
        expect(result.body).toEqual({
          errorType: 'Runtime.OutOfMemory',
          errorMessage: `RequestId: ${result.requestId} Error: Runtime exited with error: signal: killed`,
        });
        expect(await healthyPid('faults-memory')).not.toBe(before);
        expect(emulator.dataPlane.readLogs('faults-memory')).toMatch(
          new RegExp(
            `^REPORT RequestId: ${result.requestId}\\t.*Memory Size: ${MEMORY_MB} MB\\tMax Memory Used: \\d+ MB\\t.*Status: error\\tError Type: Runtime.OutOfMemory`,
            'm',
          ),
        );
      },
      40_000,
    );

    it('exhausting the heap limit the bootstrap derives from the memory size: Runtime.ExitError "signal: aborted"', async () => {
      const result = await invoke('faults-1024', { case: 'allocHeap' });
      expect(result.output.FunctionError).toBe('Unhandled');
      expect(result.body).toEqual({
        errorType: 'Runtime.ExitError',
        errorMessage: `RequestId: ${result.requestId} Error: Runtime exited with error: signal: aborted`,
      });
      const log = emulator.dataPlane.readLogs('faults-1024');
      expect(log).toContain(
        'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory',
      );
      const used = new RegExp(
        `^REPORT RequestId: ${result.requestId}\\t.*Memory Size: 1024 MB\\tMax Memory Used: (\\d+) MB`,
        'm',
      ).exec(log);
      // Ended by V8 below the memory size, not by the sandbox.
      expect(Number(used?.[1])).toBeLessThan(1024);
      expect((await invoke('faults-1024', { case: 'ok' })).output.FunctionError).toBeUndefined();
    }, 40_000);
  });

  describe('init errors reach the invoker as Unhandled with AWS’s error types', () => {
    it.each([
      ['init-malformed', 'Runtime.MalformedHandlerName', /^Bad handler faults: expected "module\.export"/],
      ['init-missing-module', 'Runtime.ImportModuleError', /^Error: Cannot find module 'missing'/],
      ['init-syntax', 'Runtime.UserCodeSyntaxError', /^SyntaxError: /],
      ['init-missing-export', 'Runtime.HandlerNotFound', /^faults\.nope is undefined or not exported$/],
      ['init-not-a-function', 'Runtime.HandlerNotFound', /^not-a-function\.handler is not a function$/],
    ])('%s: %s', async (name, errorType, message) => {
      for (let attempt = 0; attempt < 2; attempt++) {
        // Every invoke retries init, so the second one fails the same way.
        const result = await invoke(name, {});
        expect(result.output.FunctionError).toBe('Unhandled');
        expect(result.body).toMatchObject({ errorType });
        expect((result.body as { errorMessage: string }).errorMessage).toMatch(message);
      }
      expect(emulator.dataPlane.readLogs(name)).toMatch(
        new RegExp(`^INIT_REPORT .*\\tPhase: invoke\\tStatus: error\\tError Type: ${errorType}$`, 'm'),
      );
    });
  });

  describe('conformance through the emulator', () => {
    it('context fields, the heap sized from the memory, and requestId-tagged log lines', async () => {
      const result = await invoke('faults', { case: 'context' }, true);
      expect(result.output.FunctionError).toBeUndefined();
      const ctx = result.body as {
        awsRequestId: string;
        invokedFunctionArn: string;
        functionName: string;
        functionVersion: string;
        memoryLimitInMB: string;
        logGroupName: string;
        logStreamName: string;
        remaining: [number, number];
        heapSizeLimit: number;
      };
      expect(ctx).toMatchObject({
        awsRequestId: result.requestId,
        invokedFunctionArn: `arn:aws:lambda:${emulator.region}:${emulator.accountId}:function:faults`,
        functionName: 'faults',
        functionVersion: '$LATEST',
        memoryLimitInMB: String(MEMORY_MB),
        logGroupName: '/aws/lambda/faults',
      });
      expect(ctx.logStreamName).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]+$/);
      const [first, second] = ctx.remaining;
      expect(first).toBeLessThanOrEqual(TIMEOUT_S * 1000);
      expect(second).toBeGreaterThan(0);
      expect(second).toBeLessThan(first);
      // bootstrap: --max-old-space-size=M-M/10 and --max-semi-space-size=M/10/2 (MB); V8 adds its own margins.
      const mb = ctx.heapSizeLimit / (1024 * 1024);
      expect(mb).toBeGreaterThan(MEMORY_MB - MEMORY_MB / 10);
      expect(mb).toBeLessThan(MEMORY_MB + 40);

      const log = emulator.dataPlane.readLogs('faults');
      const id = result.requestId;
      const iso = '\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z';
      expect(log).toMatch(new RegExp(`^START RequestId: ${id} Version: \\$LATEST$`, 'm'));
      expect(log).toMatch(new RegExp(`^${iso}\\t${id}\\tINFO\\tcontext line ${id}$`, 'm'));
      // A multi-line message stays one line (newlines as \r), as CloudWatch would keep it one event.
      expect(log).toMatch(new RegExp(`^${iso}\\t${id}\\tERROR\\tmulti\\rline$`, 'm'));
      expect(log).toMatch(new RegExp(`^END RequestId: ${id}$`, 'm'));
      // The same lines come back to the invoker with LogType Tail.
      const tail = Buffer.from(result.output.LogResult ?? '', 'base64').toString('utf8');
      expect(tail).toMatch(new RegExp(`^START RequestId: ${id} Version: \\$LATEST\n`));
      expect(tail).toMatch(new RegExp(`^${iso}\\t${id}\\tINFO\\tcontext line ${id}$`, 'm'));
      expect(tail).toMatch(new RegExp(`^REPORT RequestId: ${id}\\t`, 'm'));
      expect(log).toMatch(
        new RegExp(
          `^REPORT RequestId: ${id}\\tDuration: [\\d.]+ ms\\tBilled Duration: \\d+ ms\\tMemory Size: ${MEMORY_MB} MB`,
          'm',
        ),
      );
    });

    it('a streaming handler through InvokeWithResponseStream: chunks as written, then InvokeComplete', async () => {
      const parts = ['one ', 'two ', 'three'];
      const output = await lambda.send(
        new InvokeWithResponseStreamCommand({
          FunctionName: 'faults-stream',
          Payload: Buffer.from(JSON.stringify({ parts })),
        }),
      );
      expect(output.StatusCode).toBe(200);
      const chunks: string[] = [];
      let complete: { ErrorCode?: string } | undefined;
      for await (const event of output.EventStream ?? []) {
        if (event.PayloadChunk?.Payload) chunks.push(Buffer.from(event.PayloadChunk.Payload).toString());
        if (event.InvokeComplete) complete = event.InvokeComplete;
      }
      expect(chunks.join('')).toBe('one two three');
      // Written 30 ms apart and flushed one by one: not buffered into a single payload.
      expect(chunks.length).toBeGreaterThan(1);
      expect(complete).toBeDefined();
      expect(complete?.ErrorCode).toBeUndefined();
    });

    it('a streaming handler that throws mid-stream: the chunks so far, then InvokeComplete with the error', async () => {
      const output = await lambda.send(
        new InvokeWithResponseStreamCommand({
          FunctionName: 'faults-stream',
          Payload: Buffer.from(JSON.stringify({ parts: ['partial'], fail: true })),
        }),
      );
      const chunks: string[] = [];
      let complete: { ErrorCode?: string; ErrorDetails?: string } | undefined;
      for await (const event of output.EventStream ?? []) {
        if (event.PayloadChunk?.Payload) chunks.push(Buffer.from(event.PayloadChunk.Payload).toString());
        if (event.InvokeComplete) complete = event.InvokeComplete;
      }
      expect(chunks.join('')).toBe('partial');
      expect(complete?.ErrorCode).toBe('Error');
      expect(JSON.parse(complete?.ErrorDetails ?? '{}')).toMatchObject({
        errorType: 'Error',
        errorMessage: 'failed mid-stream',
      });
    });
  });
});
