import { randomBytes } from 'node:crypto';
import {
  CreateFunctionCommand,
  PublishLayerVersionCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf } from './errors.js';
import { BOOTSTRAP_ZIP, makeZip, ROLE, startTestEmulator, type TestEmulator } from './helpers.js';

const WAIT = { minDelay: 0.1, maxDelay: 0.2, maxWaitTime: 10 };

describe('Lambda control plane: concurrent mutations and quotas', () => {
  let t: TestEmulator;
  beforeAll(async () => {
    t = await startTestEmulator({ limits: { codeStorageBytes: 64 * 1024 } });
    await t.lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'race',
        Runtime: 'provided.al2023',
        Handler: 'h',
        Role: ROLE,
        Code: { ZipFile: await BOOTSTRAP_ZIP() },
      }),
    );
    await waitUntilFunctionActiveV2({ client: t.lambda, ...WAIT }, { FunctionName: 'race' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('lets exactly one of two simultaneous code updates through; the other gets 409', async () => {
    // Prepare
    const [a, b] = await Promise.all([makeZip({ bootstrap: 'a' }), makeZip({ bootstrap: 'b' })]);
    // Act
    const results = await Promise.allSettled([
      t.lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'race', ZipFile: a })),
      t.lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'race', ZipFile: b })),
    ]);
    // Assess
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason.name).toBe('ResourceConflictException');
    expect(rejected.reason.$metadata.httpStatusCode).toBe(409);
    await waitUntilFunctionUpdatedV2({ client: t.lambda, ...WAIT }, { FunctionName: 'race' });
  });

  it('refuses a stale RevisionId with 412 PreconditionFailedException', async () => {
    const err = await errorOf(
      t.lambda.send(
        new UpdateFunctionConfigurationCommand({ FunctionName: 'race', Timeout: 9, RevisionId: 'stale' }),
      ),
    );
    expect(err.name).toBe('PreconditionFailedException');
    expect(err.status).toBe(412);
  });

  it('answers CodeStorageExceededException when the stored code would pass the quota', async () => {
    const err = await errorOf(
      t.lambda.send(
        new PublishLayerVersionCommand({
          LayerName: 'big',
          Content: { ZipFile: await makeZip({ noise: randomBytes(80 * 1024) }) },
        }),
      ),
    );
    expect(err).toEqual({
      name: 'CodeStorageExceededException',
      status: 400,
      message: 'Code storage limit exceeded.',
    });
  });
});
