import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CreateFunctionCommand,
  InvokeCommand,
  LambdaClient,
  UpdateFunctionCodeCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/server.js';
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
});
