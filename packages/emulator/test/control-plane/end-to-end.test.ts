import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  DeleteFunctionCommand,
  DeleteFunctionConcurrencyCommand,
  GetFunctionConcurrencyCommand,
  InvokeCommand,
  LambdaClient,
  PublishVersionCommand,
  PutFunctionConcurrencyCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
  waitUntilPublishedVersionActive,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/server.js';
import { errorOf } from './errors.js';
import { makeZip, ROLE } from './helpers.js';

const WAIT = { minDelay: 0.1, maxDelay: 0.2, maxWaitTime: 10 };

/** A POSIX shell + curl runtime that answers every event with a fixed word. */
function bootstrap(word: string): string {
  return `#!/bin/sh
set -eu
API="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation"
while true; do
  HEADERS="$(mktemp)"
  curl -sS -D "$HEADERS" -o /dev/null "$API/next"
  ID="$(grep -i '^lambda-runtime-aws-request-id:' "$HEADERS" | cut -d' ' -f2 | tr -d '\\r\\n')"
  curl -sS -o /dev/null -X POST -d '"${word}"' "$API/$ID/response"
  rm -f "$HEADERS"
done
`;
}

/**
 * A shell runtime that answers with what it knows: its word, version, invoked ARN, pid and $GREETING.
 * The event "hold" waits for the file $HOLD first.
 */
function reporter(word: string): string {
  return `#!/bin/sh
API="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation"
H="$(mktemp)"
while true; do
  EVENT="$(curl -sS -D "$H" "$API/next")"
  ID="$(grep -i '^lambda-runtime-aws-request-id:' "$H" | cut -d' ' -f2 | tr -d '\\r\\n')"
  ARN="$(grep -i '^lambda-runtime-invoked-function-arn:' "$H" | cut -d' ' -f2 | tr -d '\\r\\n')"
  if [ "$EVENT" = '"hold"' ]; then while [ ! -f "$HOLD" ]; do sleep 0.05; done; fi
  curl -sS -o /dev/null -X POST "$API/$ID/response" --data-binary \\
    "{\\"word\\":\\"${word}\\",\\"version\\":\\"$AWS_LAMBDA_FUNCTION_VERSION\\",\\"arn\\":\\"$ARN\\",\\"pid\\":$$,\\"greeting\\":\\"\${GREETING:-}\\"}"
done
`;
}

interface Report {
  word: string;
  version: string;
  arn: string;
  pid: number;
  greeting: string;
}

/** Whether a process exists and is not a zombie. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const ARN = 'arn:aws:lambda:us-east-1:000000000000:function';

describe('control plane + real data plane', () => {
  let emulator: Emulator;
  let lambda: LambdaClient;
  let stateDir: string;
  beforeAll(async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), 'caprice-e2e-'));
    emulator = await startEmulator({ port: 0, stateDir, createDelayMs: 50, updateDelayMs: 50 });
    lambda = new LambdaClient({
      endpoint: emulator.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
      maxAttempts: 1,
    });
  });
  afterAll(async () => {
    lambda.destroy();
    await emulator.close();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('deploys through the SDK, invokes, updates the code and invokes the new code', async () => {
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'echo',
        Runtime: 'provided.al2023',
        Handler: 'unused',
        Role: ROLE,
        Timeout: 5,
        Code: { ZipFile: await makeZip({ bootstrap: { content: bootstrap('one'), mode: 0o100755 } }) },
      }),
    );
    await waitUntilFunctionActiveV2({ client: lambda, ...WAIT }, { FunctionName: 'echo' });
    const first = await lambda.send(new InvokeCommand({ FunctionName: 'echo', Payload: Buffer.from('{}') }));
    expect(first.FunctionError).toBeUndefined();
    expect(Buffer.from(first.Payload!).toString()).toBe('"one"');

    await lambda.send(
      new UpdateFunctionCodeCommand({
        FunctionName: 'echo',
        ZipFile: await makeZip({ bootstrap: { content: bootstrap('two'), mode: 0o100755 } }),
      }),
    );
    await waitUntilFunctionUpdatedV2({ client: lambda, ...WAIT }, { FunctionName: 'echo' });
    const second = await lambda.send(new InvokeCommand({ FunctionName: 'echo', Payload: Buffer.from('{}') }));
    expect(Buffer.from(second.Payload!).toString()).toBe('"two"');
    expect(second.ExecutedVersion).toBe('$LATEST');
  }, 30_000);
  async function invokeReport(FunctionName: string, Qualifier?: string, payload = '{}') {
    const out = await lambda.send(
      new InvokeCommand({
        FunctionName,
        ...(Qualifier === undefined ? {} : { Qualifier }),
        Payload: Buffer.from(payload),
      }),
    );
    expect(out.FunctionError).toBeUndefined();
    return {
      executed: out.ExecutedVersion,
      report: JSON.parse(Buffer.from(out.Payload!).toString()) as Report,
    };
  }

  async function createReporter(name: string, environment: Record<string, string> = {}): Promise<void> {
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: 'provided.al2023',
        Handler: 'unused',
        Role: ROLE,
        Timeout: 30,
        Environment: { Variables: { HOLD: path.join(stateDir, `${name}.go`), ...environment } },
        Code: { ZipFile: await makeZip({ bootstrap: { content: reporter('one'), mode: 0o100755 } }) },
      }),
    );
    await waitUntilFunctionActiveV2({ client: lambda, ...WAIT }, { FunctionName: name });
  }

  it('Qualifier: a version number or an alias picks the code; ExecutedVersion and the invoked ARN say which', async () => {
    await createReporter('ver');
    const v1 = await lambda.send(new PublishVersionCommand({ FunctionName: 'ver' }));
    await waitUntilPublishedVersionActive(
      { client: lambda, ...WAIT },
      { FunctionName: 'ver', Qualifier: '1' },
    );
    await lambda.send(
      new UpdateFunctionCodeCommand({
        FunctionName: 'ver',
        ZipFile: await makeZip({ bootstrap: { content: reporter('two'), mode: 0o100755 } }),
        Publish: true,
      }),
    );
    await waitUntilFunctionUpdatedV2({ client: lambda, ...WAIT }, { FunctionName: 'ver' });
    await waitUntilPublishedVersionActive(
      { client: lambda, ...WAIT },
      { FunctionName: 'ver', Qualifier: '2' },
    );
    await lambda.send(
      new CreateAliasCommand({ FunctionName: 'ver', Name: 'live', FunctionVersion: v1.Version }),
    );

    const latest = await invokeReport('ver');
    expect(latest.executed).toBe('$LATEST');
    expect(latest.report).toMatchObject({ word: 'two', version: '$LATEST', arn: `${ARN}:ver` });
    const one = await invokeReport('ver', '1');
    expect(one.executed).toBe('1');
    expect(one.report).toMatchObject({ word: 'one', version: '1', arn: `${ARN}:ver:1` });
    // Once version 1's environment is back on /next (no timing assumption), the alias invoke finds it warm.
    await until(() =>
      emulator.dataPlane.instances('ver').some((i) => i.version === '1' && i.state === 'idle'),
    );
    const live = await invokeReport('ver', 'live');
    expect(live.executed).toBe('1');
    expect(live.report).toMatchObject({ word: 'one', version: '1', arn: `${ARN}:ver:live` });
    // An alias runs in its version's execution environments, as on AWS: the warm one answers.
    expect(live.report.pid).toBe(one.report.pid);
    expect(live.report.pid).not.toBe(latest.report.pid);
    // The qualifier may also ride in the function name or ARN, as on AWS.
    expect((await invokeReport(`${ARN}:ver:live`)).report.arn).toBe(`${ARN}:ver:live`);

    await lambda.send(new UpdateAliasCommand({ FunctionName: 'ver', Name: 'live', FunctionVersion: '2' }));
    const moved = await invokeReport('ver:live');
    expect(moved.executed).toBe('2');
    expect(moved.report).toMatchObject({ word: 'two', version: '2', arn: `${ARN}:ver:live` });

    for (const Qualifier of ['7', 'nope']) {
      const err = await errorOf(
        lambda.send(new InvokeCommand({ FunctionName: 'ver', Qualifier, Payload: Buffer.from('{}') })),
      );
      expect(err).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
    }
  }, 60_000);

  it('UpdateFunctionConfiguration retires warm instances: the busy one finishes its invoke, the next sees the new configuration', async () => {
    await createReporter('conf', { GREETING: 'hello' });
    const first = await invokeReport('conf');
    expect(first.report.greeting).toBe('hello');
    await until(() => emulator.dataPlane.instances('conf').some((i) => i.state === 'idle'));
    // An invoke in flight while the configuration changes keeps running on its old instance.
    const held = invokeReport('conf', undefined, '"hold"');
    await until(() => emulator.dataPlane.instances('conf').some((i) => i.state === 'busy'));
    await lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: 'conf',
        Environment: { Variables: { GREETING: 'bonjour', HOLD: path.join(stateDir, 'conf.go') } },
      }),
    );
    await waitUntilFunctionUpdatedV2({ client: lambda, ...WAIT }, { FunctionName: 'conf' });
    const fresh = await invokeReport('conf');
    expect(fresh.report.greeting).toBe('bonjour');
    expect(fresh.report.pid).not.toBe(first.report.pid);
    writeFileSync(path.join(stateDir, 'conf.go'), '');
    const finished = await held;
    expect(finished.report).toMatchObject({ greeting: 'hello', pid: first.report.pid });
    await until(() => !alive(first.report.pid) && emulator.dataPlane.instances('conf').length === 1);
    expect(emulator.dataPlane.instances('conf').map((i) => i.pgid)).toEqual([fresh.report.pid]);
  }, 60_000);

  it('PutFunctionConcurrency limits the real data plane (429 through the SDK); Get/Delete; bad values get AWS errors', async () => {
    await createReporter('capped');
    const hold = path.join(stateDir, 'capped.go');
    await lambda.send(
      new PutFunctionConcurrencyCommand({ FunctionName: 'capped', ReservedConcurrentExecutions: 1 }),
    );
    expect(await lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: 'capped' }))).toMatchObject({
      ReservedConcurrentExecutions: 1,
    });
    const held = invokeReport('capped', undefined, '"hold"');
    await until(() => emulator.dataPlane.instances('capped').some((i) => i.state === 'busy'));
    const throttled = await errorOf(
      lambda.send(new InvokeCommand({ FunctionName: 'capped', Payload: Buffer.from('{}') })),
    );
    expect(throttled).toMatchObject({
      name: 'TooManyRequestsException',
      status: 429,
      message: 'Rate Exceeded.',
    });
    writeFileSync(hold, '');
    await held;

    await lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'capped' }));
    const none = await lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: 'capped' }));
    expect(none.ReservedConcurrentExecutions).toBeUndefined();

    const tooMuch = await errorOf(
      lambda.send(
        new PutFunctionConcurrencyCommand({ FunctionName: 'capped', ReservedConcurrentExecutions: 901 }),
      ),
    );
    expect(tooMuch).toEqual({
      name: 'InvalidParameterValueException',
      status: 400,
      message:
        "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100].",
    });
    const negative = await errorOf(
      lambda.send(
        new PutFunctionConcurrencyCommand({ FunctionName: 'capped', ReservedConcurrentExecutions: -1 }),
      ),
    );
    expect(negative).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(negative.message).toContain(
      "Value '-1' at 'reservedConcurrentExecutions' failed to satisfy constraint",
    );
    const missing = await errorOf(
      lambda.send(
        new PutFunctionConcurrencyCommand({ FunctionName: 'ghost', ReservedConcurrentExecutions: 1 }),
      ),
    );
    expect(missing).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
    // The refused values changed nothing.
    expect(
      (await lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: 'capped' })))
        .ReservedConcurrentExecutions,
    ).toBeUndefined();
  }, 60_000);

  it('DeleteFunction stops its running instances; a later invoke is ResourceNotFoundException', async () => {
    await createReporter('doomed');
    const { report } = await invokeReport('doomed');
    expect(alive(report.pid)).toBe(true);
    await lambda.send(new DeleteFunctionCommand({ FunctionName: 'doomed' }));
    await until(() => !alive(report.pid));
    const err = await errorOf(
      lambda.send(new InvokeCommand({ FunctionName: 'doomed', Payload: Buffer.from('{}') })),
    );
    expect(err).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
  }, 60_000);

  it('an invoke while the function is still Pending gets 409 ResourceConflictException', async () => {
    const slowDir = await mkdtemp(path.join(tmpdir(), 'caprice-e2e-pending-'));
    const slow = await startEmulator({
      port: 0,
      stateDir: slowDir,
      createDelayMs: 60_000,
      updateDelayMs: 50,
    });
    const client = new LambdaClient({
      endpoint: slow.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
      maxAttempts: 1,
    });
    try {
      await client.send(
        new CreateFunctionCommand({
          FunctionName: 'pending',
          Runtime: 'provided.al2023',
          Handler: 'unused',
          Role: ROLE,
          Code: { ZipFile: await makeZip({ bootstrap: { content: reporter('x'), mode: 0o100755 } }) },
        }),
      );
      const err = await errorOf(
        client.send(new InvokeCommand({ FunctionName: 'pending', Payload: Buffer.from('{}') })),
      );
      expect(err).toEqual({
        name: 'ResourceConflictException',
        status: 409,
        message:
          'The operation cannot be performed at this time. The function is currently in the following state: Pending',
      });
      expect(slow.dataPlane.instances('pending')).toHaveLength(0);
    } finally {
      client.destroy();
      await slow.close();
      await rm(slowDir, { recursive: true, force: true });
    }
  }, 30_000);
});
