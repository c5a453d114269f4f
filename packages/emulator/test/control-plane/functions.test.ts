import { createHash } from 'node:crypto';
import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  ListFunctionsCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf } from './errors.js';
import { BOOTSTRAP_ZIP, makeZip, ROLE, startTestEmulator, type TestEmulator } from './helpers.js';

const WAIT = { minDelay: 0.1, maxDelay: 0.2, maxWaitTime: 10 };

describe('Lambda control plane: functions', () => {
  let t: TestEmulator;
  beforeAll(async () => {
    t = await startTestEmulator({ createDelayMs: 300, updateDelayMs: 600 });
  });
  afterAll(async () => {
    await t.close();
  });

  it('creates a function Pending, then the SDK waiter sees it Active', async () => {
    // Prepare
    const zip = await BOOTSTRAP_ZIP();
    // Act
    const created = await t.lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'hello',
        Runtime: 'provided.al2023',
        Handler: 'index.handler',
        Role: ROLE,
        Code: { ZipFile: zip },
        Environment: { Variables: { GREETING: 'hi' } },
        MemorySize: 256,
        Timeout: 10,
      }),
    );
    // Assess
    expect(created.State).toBe('Pending');
    expect(created.StateReasonCode).toBe('Creating');
    expect(created.FunctionArn).toBe('arn:aws:lambda:us-east-1:000000000000:function:hello');
    expect(created.CodeSha256).toBe(createHash('sha256').update(zip).digest('base64'));
    expect(created.CodeSize).toBe(zip.length);
    expect(created.LastModified).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
    expect(created.Version).toBe('$LATEST');
    expect(created.Environment?.Variables).toEqual({ GREETING: 'hi' });
    const result = await waitUntilFunctionActiveV2({ client: t.lambda, ...WAIT }, { FunctionName: 'hello' });
    expect(result.state).toBe('SUCCESS');
    const got = await t.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'hello' }));
    expect(got.State).toBe('Active');
    expect(got.LastUpdateStatus).toBe('Successful');
    expect(got.RevisionId).not.toBe(created.RevisionId);
  });

  it('serves the deployment package at GetFunction Code.Location', async () => {
    const got = await t.lambda.send(new GetFunctionCommand({ FunctionName: 'hello' }));
    expect(got.Code?.RepositoryType).toBe('S3');
    const res = await fetch(got.Code!.Location!);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(createHash('sha256').update(bytes).digest('base64')).toBe(got.Configuration?.CodeSha256);
  });

  it('refuses a second mutation during an update with 409, then the updated waiter succeeds', async () => {
    // Prepare
    const zip = await makeZip({ bootstrap: { content: '#!/bin/sh\necho v2\n', mode: 0o100755 } });
    // Act
    const updated = await t.lambda.send(
      new UpdateFunctionCodeCommand({ FunctionName: 'hello', ZipFile: zip }),
    );
    const second = await errorOf(
      t.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'hello', Timeout: 20 })),
    );
    // Assess
    expect(updated.LastUpdateStatus).toBe('InProgress');
    expect(updated.CodeSha256).toBe(createHash('sha256').update(zip).digest('base64'));
    expect(second).toEqual({
      name: 'ResourceConflictException',
      status: 409,
      message:
        'The operation cannot be performed at this time. An update is in progress for resource: arn:aws:lambda:us-east-1:000000000000:function:hello',
    });
    // Invokes keep running the previous code while the update is in progress.
    expect(t.emulator.lambda.resolve('hello').codeSha256).not.toBe(updated.CodeSha256);
    const waited = await waitUntilFunctionUpdatedV2({ client: t.lambda, ...WAIT }, { FunctionName: 'hello' });
    expect(waited.state).toBe('SUCCESS');
    expect(t.emulator.lambda.resolve('hello').codeSha256).toBe(updated.CodeSha256);
    expect(t.dataPlane().retired).toContain('hello');
  });

  it('updates the configuration and the snapshot the data plane resolves', async () => {
    const updated = await t.lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: 'hello',
        Timeout: 30,
        MemorySize: 512,
        Environment: { Variables: { AB: '1' } },
      }),
    );
    expect(updated.LastUpdateStatus).toBe('InProgress');
    await waitUntilFunctionUpdatedV2({ client: t.lambda, ...WAIT }, { FunctionName: 'hello' });
    const snap = t.emulator.lambda.resolve('arn:aws:lambda:us-east-1:000000000000:function:hello');
    expect(snap).toMatchObject({
      functionName: 'hello',
      version: '$LATEST',
      timeout: 30,
      memorySize: 512,
      environment: { AB: '1' },
      handler: 'index.handler',
      runtime: 'provided.al2023',
      state: 'Active',
      logGroupName: '/aws/lambda/hello',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:hello',
    });
  });

  it('answers AWS errors for missing and duplicate functions', async () => {
    const missing = await errorOf(t.lambda.send(new GetFunctionCommand({ FunctionName: 'nope' })));
    expect(missing).toEqual({
      name: 'ResourceNotFoundException',
      status: 404,
      message: 'Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope',
    });
    const dup = await errorOf(
      t.lambda.send(
        new CreateFunctionCommand({
          FunctionName: 'hello',
          Runtime: 'provided.al2023',
          Handler: 'h',
          Role: ROLE,
          Code: { ZipFile: await BOOTSTRAP_ZIP() },
        }),
      ),
    );
    expect(dup).toEqual({
      name: 'ResourceConflictException',
      status: 409,
      message: 'Function already exist: hello',
    });
  });

  it('refuses to update a function that is still Pending', async () => {
    await t.lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'pending',
        Runtime: 'provided.al2023',
        Handler: 'h',
        Role: ROLE,
        Code: { ZipFile: await BOOTSTRAP_ZIP() },
      }),
    );
    const err = await errorOf(
      t.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'pending', Timeout: 5 })),
    );
    expect(err.status).toBe(409);
    expect(err.message).toBe(
      'The operation cannot be performed at this time. The function is currently in the following state: Pending',
    );
    expect(t.emulator.lambda.resolve('pending').state).toBe('Pending');
    await waitUntilFunctionActiveV2({ client: t.lambda, ...WAIT }, { FunctionName: 'pending' });
  });

  it('pages ListFunctions with Marker and MaxItems', async () => {
    const first = await t.lambda.send(new ListFunctionsCommand({ MaxItems: 1 }));
    expect(first.Functions?.map((f) => f.FunctionName)).toEqual(['hello']);
    expect(first.NextMarker).toBeDefined();
    const second = await t.lambda.send(new ListFunctionsCommand({ MaxItems: 1, Marker: first.NextMarker }));
    expect(second.Functions?.map((f) => f.FunctionName)).toEqual(['pending']);
    expect(second.NextMarker).toBeUndefined();
  });

  it('deletes a function and retires its instances', async () => {
    await t.lambda.send(new DeleteFunctionCommand({ FunctionName: 'pending' }));
    expect(t.dataPlane().retired).toContain('pending');
    const err = await errorOf(
      t.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'pending' })),
    );
    expect(err.name).toBe('ResourceNotFoundException');
  });
});
