import { createHash } from 'node:crypto';
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  ListAliasesCommand,
  ListFunctionsCommand,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf } from './errors.js';
import { BOOTSTRAP_ZIP, makeZip, ROLE, startTestEmulator, type TestEmulator } from './helpers.js';

const WAIT = { minDelay: 0.1, maxDelay: 0.2, maxWaitTime: 10 };
const ARN = 'arn:aws:lambda:us-east-1:000000000000:function:fn';

describe('Lambda control plane: versions and aliases', () => {
  let t: TestEmulator;
  beforeAll(async () => {
    t = await startTestEmulator();
    await t.lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'fn',
        Runtime: 'provided.al2023',
        Handler: 'h',
        Role: ROLE,
        Code: { ZipFile: await BOOTSTRAP_ZIP() },
      }),
    );
    await waitUntilFunctionActiveV2({ client: t.lambda, ...WAIT }, { FunctionName: 'fn' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('publishes versions, and publishing an unchanged $LATEST returns the same version', async () => {
    const v1 = await t.lambda.send(new PublishVersionCommand({ FunctionName: 'fn', Description: 'first' }));
    expect(v1.Version).toBe('1');
    expect(v1.FunctionArn).toBe(`${ARN}:1`);
    expect(v1.Description).toBe('first');
    const again = await t.lambda.send(new PublishVersionCommand({ FunctionName: 'fn' }));
    expect(again.Version).toBe('1');
  });

  it('refuses PublishVersion with a stale CodeSha256', async () => {
    const err = await errorOf(
      t.lambda.send(new PublishVersionCommand({ FunctionName: 'fn', CodeSha256: 'abc' })),
    );
    expect(err.name).toBe('InvalidParameterValueException');
    expect(err.message).toMatch(/^CodeSHA256 \(abc\) is different from current CodeSHA256 in \$LATEST/);
  });

  it('publishes with the code update (Publish: true) and lists versions', async () => {
    const zip = await makeZip({ bootstrap: { content: '#!/bin/sh\necho 2\n', mode: 0o100755 } });
    const v2 = await t.lambda.send(
      new UpdateFunctionCodeCommand({ FunctionName: 'fn', ZipFile: zip, Publish: true }),
    );
    expect(v2.Version).toBe('2');
    await waitUntilFunctionUpdatedV2({ client: t.lambda, ...WAIT }, { FunctionName: 'fn' });
    const listed = await t.lambda.send(new ListVersionsByFunctionCommand({ FunctionName: 'fn' }));
    expect(listed.Versions?.map((v) => v.Version)).toEqual(['$LATEST', '1', '2']);
    const two = await t.lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: 'fn', Qualifier: '2' }),
    );
    expect(two.State).toBe('Active');
    expect(two.CodeSha256).toBe(v2.CodeSha256);
  });

  it('UpdateFunctionCode DryRun answers the would-be configuration and changes nothing; ListFunctions ALL lists versions', async () => {
    const before = await t.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'fn' }));
    const zip = await makeZip({ bootstrap: { content: '#!/bin/sh\necho dry\n', mode: 0o100755 } });
    const dry = await t.lambda.send(
      new UpdateFunctionCodeCommand({ FunctionName: 'fn', ZipFile: zip, DryRun: true }),
    );
    expect(dry.CodeSha256).toBe(createHash('sha256').update(zip).digest('base64'));
    expect(dry.CodeSize).toBe(zip.length);
    const after = await t.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'fn' }));
    expect(after).toMatchObject({
      CodeSha256: before.CodeSha256,
      RevisionId: before.RevisionId,
      LastUpdateStatus: 'Successful',
    });
    const all = await t.lambda.send(new ListFunctionsCommand({ FunctionVersion: 'ALL' }));
    expect(all.Functions?.filter((f) => f.FunctionName === 'fn').map((f) => f.Version)).toEqual([
      '$LATEST',
      '1',
      '2',
    ]);
    const latestOnly = await t.lambda.send(new ListFunctionsCommand({}));
    expect(latestOnly.Functions?.map((f) => f.Version)).toEqual(['$LATEST']);
  });

  it('creates, reads and updates an alias, and the resolver follows it', async () => {
    const created = await t.lambda.send(
      new CreateAliasCommand({ FunctionName: 'fn', Name: 'live', FunctionVersion: '1' }),
    );
    expect(created.AliasArn).toBe(`${ARN}:live`);
    const dup = await errorOf(
      t.lambda.send(new CreateAliasCommand({ FunctionName: 'fn', Name: 'live', FunctionVersion: '1' })),
    );
    expect(dup).toEqual({
      name: 'ResourceConflictException',
      status: 409,
      message: `Alias already exists: ${ARN}:live`,
    });
    expect(t.emulator.lambda.resolve('fn', 'live')).toMatchObject({
      version: '1',
      invokedFunctionArn: `${ARN}:live`,
      functionArn: ARN,
    });
    const updated = await t.lambda.send(
      new UpdateAliasCommand({ FunctionName: 'fn', Name: 'live', FunctionVersion: '2' }),
    );
    expect(updated.FunctionVersion).toBe('2');
    const got = await t.lambda.send(new GetAliasCommand({ FunctionName: 'fn', Name: 'live' }));
    expect(got.RevisionId).toBe(updated.RevisionId);
    expect(t.emulator.lambda.resolve(`${ARN}:live`).version).toBe('2');
    const listed = await t.lambda.send(new ListAliasesCommand({ FunctionName: 'fn' }));
    expect(listed.Aliases).toEqual([
      expect.objectContaining({ Name: 'live', AliasArn: `${ARN}:live`, FunctionVersion: '2' }),
    ]);
    const onOne = await t.lambda.send(new ListAliasesCommand({ FunctionName: 'fn', FunctionVersion: '1' }));
    expect(onOne.Aliases).toEqual([]);
  });

  it('answers 404 for unknown aliases and versions', async () => {
    const alias = await errorOf(t.lambda.send(new GetAliasCommand({ FunctionName: 'fn', Name: 'nope' })));
    expect(alias).toEqual({
      name: 'ResourceNotFoundException',
      status: 404,
      message: `Alias not found: ${ARN}:nope`,
    });
    const version = await errorOf(
      t.lambda.send(new CreateAliasCommand({ FunctionName: 'fn', Name: 'x', FunctionVersion: '9' })),
    );
    expect(version.message).toBe(`Function not found: ${ARN}:9`);
    expect(() => t.emulator.lambda.resolve('fn', '9')).toThrow(`Function not found: ${ARN}:9`);
  });

  it('refuses to delete a version an alias points to', async () => {
    const err = await errorOf(
      t.lambda.send(new DeleteFunctionCommand({ FunctionName: 'fn', Qualifier: '2' })),
    );
    expect(err).toEqual({
      name: 'ResourceConflictException',
      status: 409,
      message: 'Unable to delete version because the following aliases reference it: [live]',
    });
    await t.lambda.send(new DeleteFunctionCommand({ FunctionName: 'fn', Qualifier: '1' }));
    const listed = await t.lambda.send(new ListVersionsByFunctionCommand({ FunctionName: 'fn' }));
    expect(listed.Versions?.map((v) => v.Version)).toEqual(['$LATEST', '2']);
  });
});
