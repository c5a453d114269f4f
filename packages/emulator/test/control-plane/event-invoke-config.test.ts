/**
 * Lambda's event invoke config API (2019-09-25) through @aws-sdk/client-lambda: shapes, Put vs Update, per-qualifier
 * configs, AWS's validation errors and messages, persistence across a restart, and what the resolver hands the data
 * plane (the config of the invoked qualifier).
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  DeleteAliasCommand,
  DeleteFunctionEventInvokeConfigCommand,
  GetFunctionEventInvokeConfigCommand,
  type LambdaClient,
  ListFunctionEventInvokeConfigsCommand,
  PublishVersionCommand,
  PutFunctionEventInvokeConfigCommand,
  type PutFunctionEventInvokeConfigCommandInput,
  UpdateFunctionEventInvokeConfigCommand,
  waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOOTSTRAP_ZIP, ROLE, startTestEmulator, type TestEmulator } from './helpers.js';

const WAIT = { minDelay: 0.1, maxDelay: 0.2, maxWaitTime: 10 };
const ARN = 'arn:aws:lambda:us-east-1:000000000000:function';

async function createFunction(lambda: LambdaClient, name: string): Promise<void> {
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'provided.al2023',
      Handler: 'h',
      Role: ROLE,
      Code: { ZipFile: await BOOTSTRAP_ZIP() },
    }),
  );
  await waitUntilFunctionActiveV2({ client: lambda, ...WAIT }, { FunctionName: name });
}

/** The error a command fails with, as the SDK reports it. */
async function failure(p: Promise<unknown>): Promise<{ name: string; message: string; status?: number }> {
  try {
    await p;
  } catch (err) {
    const e = err as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('expected the command to fail');
}

describe('event invoke config API', () => {
  let t: TestEmulator;
  beforeAll(async () => {
    t = await startTestEmulator();
    await createFunction(t.lambda, 'worker');
    await createFunction(t.lambda, 'sink');
    await t.lambda.send(new PublishVersionCommand({ FunctionName: 'worker' }));
    await t.lambda.send(
      new CreateAliasCommand({ FunctionName: 'worker', Name: 'live', FunctionVersion: '1' }),
    );
  });
  afterAll(async () => {
    await t?.close();
  });
  const put = (
    input: Omit<PutFunctionEventInvokeConfigCommandInput, 'FunctionName'> & { FunctionName?: string },
  ) => t.lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'worker', ...input }));

  it('Put answers the FunctionEventInvokeConfig shape; Put replaces, Update merges', async () => {
    const before = Date.now();
    const first = await put({ MaximumRetryAttempts: 0 });
    expect(first.$metadata.httpStatusCode).toBe(200);
    expect(first.FunctionArn).toBe(`${ARN}:worker:$LATEST`);
    expect(first.MaximumRetryAttempts).toBe(0);
    expect(first.MaximumEventAgeInSeconds).toBeUndefined();
    expect(first.DestinationConfig).toEqual({ OnSuccess: {}, OnFailure: {} });
    expect(first.LastModified).toBeInstanceOf(Date);
    expect(first.LastModified!.getTime()).toBeGreaterThanOrEqual(before - 1000);

    // Put replaces the whole config: the retry setting goes back to its default.
    const second = await put({ MaximumEventAgeInSeconds: 60 });
    expect(second.MaximumRetryAttempts).toBeUndefined();
    expect(second.MaximumEventAgeInSeconds).toBe(60);

    // Update changes only what it is given.
    const updated = await t.lambda.send(
      new UpdateFunctionEventInvokeConfigCommand({
        FunctionName: 'worker',
        MaximumRetryAttempts: 1,
        DestinationConfig: { OnFailure: { Destination: `${ARN}:sink` } },
      }),
    );
    expect(updated.MaximumRetryAttempts).toBe(1);
    expect(updated.MaximumEventAgeInSeconds).toBe(60);
    expect(updated.DestinationConfig).toEqual({ OnSuccess: {}, OnFailure: { Destination: `${ARN}:sink` } });

    // Unqualified and $LATEST are the same config.
    const got = await t.lambda.send(
      new GetFunctionEventInvokeConfigCommand({ FunctionName: 'worker', Qualifier: '$LATEST' }),
    );
    expect(got.FunctionArn).toBe(`${ARN}:worker:$LATEST`);
    expect(got.MaximumRetryAttempts).toBe(1);
    expect(got.DestinationConfig?.OnFailure?.Destination).toBe(`${ARN}:sink`);
  });

  it('keeps one config per version and alias, lists them in order and pages', async () => {
    await put({ Qualifier: '1', MaximumEventAgeInSeconds: 120 });
    await put({ FunctionName: 'worker:live', MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 21600 });
    const byVersion = await t.lambda.send(
      new GetFunctionEventInvokeConfigCommand({ FunctionName: 'worker', Qualifier: '1' }),
    );
    expect(byVersion.FunctionArn).toBe(`${ARN}:worker:1`);
    expect(byVersion.MaximumEventAgeInSeconds).toBe(120);

    const all = await t.lambda.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: 'worker' }));
    expect(all.FunctionEventInvokeConfigs?.map((c) => c.FunctionArn)).toEqual([
      `${ARN}:worker:$LATEST`,
      `${ARN}:worker:1`,
      `${ARN}:worker:live`,
    ]);
    expect(all.NextMarker).toBeUndefined();
    const page1 = await t.lambda.send(
      new ListFunctionEventInvokeConfigsCommand({ FunctionName: 'worker', MaxItems: 2 }),
    );
    expect(page1.FunctionEventInvokeConfigs).toHaveLength(2);
    const page2 = await t.lambda.send(
      new ListFunctionEventInvokeConfigsCommand({
        FunctionName: 'worker',
        Marker: page1.NextMarker,
        MaxItems: 2,
      }),
    );
    expect(page2.FunctionEventInvokeConfigs?.map((c) => c.FunctionArn)).toEqual([`${ARN}:worker:live`]);
    expect(page2.NextMarker).toBeUndefined();
    const none = await t.lambda.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: 'sink' }));
    expect(none.FunctionEventInvokeConfigs).toEqual([]);

    // The resolver hands the data plane the config of the qualifier an invoke names.
    const cp = t.emulator.lambda;
    expect(cp.resolve('worker').asyncConfig).toEqual({
      maximumRetryAttempts: 1,
      maximumEventAgeInSeconds: 60,
      onFailure: `${ARN}:sink`,
    });
    expect(cp.resolve('worker', 'live').asyncConfig).toEqual({
      maximumRetryAttempts: 2,
      maximumEventAgeInSeconds: 21600,
    });
    expect(cp.resolve('worker:1').asyncConfig).toEqual({ maximumEventAgeInSeconds: 120 });
    expect(cp.resolve('sink').asyncConfig).toBeUndefined();
  });

  it("answers AWS's validation errors", async () => {
    const cases: [() => Promise<unknown>, string, string][] = [
      [
        () => put({ MaximumRetryAttempts: 3 }),
        'ValidationException',
        "1 validation error detected: Value '3' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value less than or equal to 2",
      ],
      [
        () => put({ MaximumEventAgeInSeconds: 59 }),
        'ValidationException',
        "1 validation error detected: Value '59' at 'maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value greater than or equal to 60",
      ],
      [
        () => put({ MaximumEventAgeInSeconds: 21601 }),
        'ValidationException',
        "1 validation error detected: Value '21601' at 'maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value less than or equal to 21600",
      ],
      [
        () => put({ DestinationConfig: { OnFailure: { Destination: 'invalid' } } }),
        'ValidationException',
        "1 validation error detected: Value 'invalid' at 'destinationConfig.onFailure.destination' failed to satisfy constraint: Member must satisfy regular expression pattern: ^$|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\\-])+:([a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\\d{1})?:(\\d{12})?:(.*)",
      ],
      [
        () => put({}),
        'InvalidParameterValueException',
        'You must specify at least one of error handling or destination setting.',
      ],
      [
        () => put({ FunctionName: 'nope', MaximumRetryAttempts: 1 }),
        'ResourceNotFoundException',
        "The function doesn't exist.",
      ],
      [
        () => put({ Qualifier: 'gone', MaximumRetryAttempts: 1 }),
        'ResourceNotFoundException',
        "The function doesn't exist.",
      ],
      [
        () => put({ FunctionName: 'worker:live', Qualifier: '1', MaximumRetryAttempts: 1 }),
        'InvalidParameterValueException',
        'The derived qualifier from the function name does not match the specified qualifier.',
      ],
      [
        () => put({ DestinationConfig: { OnSuccess: { Destination: `${ARN}:doesnotexist` } } }),
        'InvalidParameterValueException',
        `The destination ARN ${ARN}:doesnotexist is invalid.`,
      ],
      [
        () => put({ DestinationConfig: { OnFailure: { Destination: `${ARN}:worker` } } }),
        'InvalidParameterValueException',
        "You can't specify the function as a destination for itself.",
      ],
      [
        () => put({ DestinationConfig: { OnSuccess: { Destination: 'arn:aws:iam::000000000000:role/x' } } }),
        'InvalidParameterValueException',
        'The provided destination config DestinationConfig(onSuccess=OnSuccess(destination=arn:aws:iam::000000000000:role/x), onFailure=null) is invalid.',
      ],
      [
        // S3 buckets are on-failure destinations only.
        () => put({ DestinationConfig: { OnSuccess: { Destination: 'arn:aws:s3:::records' } } }),
        'InvalidParameterValueException',
        'The provided destination config DestinationConfig(onSuccess=OnSuccess(destination=arn:aws:s3:::records), onFailure=null) is invalid.',
      ],
      [
        () =>
          t.lambda.send(
            new UpdateFunctionEventInvokeConfigCommand({ FunctionName: 'sink', MaximumRetryAttempts: 1 }),
          ),
        'ResourceNotFoundException',
        `The function ${ARN}:sink:$LATEST doesn't have an EventInvokeConfig`,
      ],
      [
        () => t.lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: 'sink' })),
        'ResourceNotFoundException',
        `The function ${ARN}:sink:$LATEST doesn't have an EventInvokeConfig`,
      ],
      [
        () =>
          t.lambda.send(
            new DeleteFunctionEventInvokeConfigCommand({ FunctionName: 'sink', Qualifier: '$LATEST' }),
          ),
        'ResourceNotFoundException',
        `The function ${ARN}:sink:$LATEST doesn't have an EventInvokeConfig`,
      ],
      [
        () => t.lambda.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: 'nope' })),
        'ResourceNotFoundException',
        "The function doesn't exist.",
      ],
    ];
    for (const [p, name, message] of cases) {
      const e = await failure(p());
      expect({ name: e.name, message: e.message }).toEqual({ name, message });
      expect(e.status).toBe(name === 'ResourceNotFoundException' ? 404 : 400);
    }
  });

  it('accepts every destination type AWS accepts (SQS, SNS, EventBridge, S3 on failure, Lambda)', async () => {
    for (const [success, failureArn] of [
      ['arn:aws:sqs:us-east-1:000000000000:ok', 'arn:aws:sns:us-east-1:000000000000:failed'],
      ['arn:aws:events:us-east-1:000000000000:event-bus/default', 'arn:aws:s3:::failed-records'],
      [`${ARN}:sink`, `${ARN}:sink:$LATEST`],
    ] as const) {
      const out = await put({
        Qualifier: '1',
        DestinationConfig: { OnSuccess: { Destination: success }, OnFailure: { Destination: failureArn } },
      });
      expect(out.DestinationConfig).toEqual({
        OnSuccess: { Destination: success },
        OnFailure: { Destination: failureArn },
      });
    }
  });

  it('deleting the config, the alias or the function takes the config with it', async () => {
    await put({ FunctionName: 'sink', MaximumRetryAttempts: 0 });
    const del = await t.lambda.send(new DeleteFunctionEventInvokeConfigCommand({ FunctionName: 'sink' }));
    expect(del.$metadata.httpStatusCode).toBe(204);
    expect(
      (await failure(t.lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: 'sink' })))).name,
    ).toBe('ResourceNotFoundException');

    await t.lambda.send(new DeleteAliasCommand({ FunctionName: 'worker', Name: 'live' }));
    await t.lambda.send(
      new CreateAliasCommand({ FunctionName: 'worker', Name: 'live', FunctionVersion: '1' }),
    );
    const e = await failure(
      t.lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: 'worker', Qualifier: 'live' })),
    );
    expect(e.message).toBe(`The function ${ARN}:worker:live doesn't have an EventInvokeConfig`);
  });
});

describe('event invoke config on disk', () => {
  let stateDir: string;
  afterAll(async () => {
    if (stateDir) await rm(stateDir, { recursive: true, force: true });
  });

  it('survives a restart of the emulator', async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), 'caprice-eic-'));
    const first = await startTestEmulator({ stateDir, keepState: true });
    try {
      await createFunction(first.lambda, 'kept');
      await createFunction(first.lambda, 'dlq');
      await first.lambda.send(
        new PutFunctionEventInvokeConfigCommand({
          FunctionName: 'kept',
          MaximumRetryAttempts: 1,
          MaximumEventAgeInSeconds: 300,
          DestinationConfig: { OnFailure: { Destination: `${ARN}:dlq` } },
        }),
      );
    } finally {
      await first.close();
    }
    const second = await startTestEmulator({ stateDir, keepState: true });
    try {
      const got = await second.lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: 'kept' }));
      expect(got.MaximumRetryAttempts).toBe(1);
      expect(got.MaximumEventAgeInSeconds).toBe(300);
      expect(got.DestinationConfig).toEqual({ OnSuccess: {}, OnFailure: { Destination: `${ARN}:dlq` } });
      expect(second.emulator.lambda.resolve('kept').asyncConfig?.onFailure).toBe(`${ARN}:dlq`);
    } finally {
      await second.close();
    }
  });
});
