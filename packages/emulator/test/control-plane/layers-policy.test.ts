import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  AddPermissionCommand,
  CreateFunctionCommand,
  DeleteLayerVersionCommand,
  GetFunctionCommand,
  GetLayerVersionByArnCommand,
  GetLayerVersionCommand,
  GetPolicyCommand,
  ListLayersCommand,
  ListLayerVersionsCommand,
  PublishLayerVersionCommand,
  PutFunctionConcurrencyCommand,
  RemovePermissionCommand,
  waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf } from './errors.js';
import { BOOTSTRAP_ZIP, makeZip, ROLE, startTestEmulator, type TestEmulator } from './helpers.js';

const WAIT = { minDelay: 0.1, maxDelay: 0.2, maxWaitTime: 10 };
const LAYER = 'arn:aws:lambda:us-east-1:000000000000:layer:runtime';
const FN = 'arn:aws:lambda:us-east-1:000000000000:function:withlayer';

describe('Lambda control plane: layers, policy, concurrency', () => {
  let t: TestEmulator;
  let layerZip: Buffer;
  beforeAll(async () => {
    t = await startTestEmulator();
    layerZip = await makeZip({ bootstrap: { content: '#!/bin/sh\n', mode: 0o100755 }, 'lib/x.txt': 'layer' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('publishes layer versions with AWS ARNs and auto-incremented numbers', async () => {
    const v1 = await t.lambda.send(
      new PublishLayerVersionCommand({
        LayerName: 'runtime',
        Content: { ZipFile: layerZip },
        CompatibleRuntimes: ['provided.al2023'],
        CompatibleArchitectures: ['x86_64'],
        Description: 'one',
      }),
    );
    expect(v1).toMatchObject({
      LayerArn: LAYER,
      LayerVersionArn: `${LAYER}:1`,
      Version: 1,
      Description: 'one',
    });
    expect(v1.Content?.CodeSha256).toBe(createHash('sha256').update(layerZip).digest('base64'));
    expect(v1.Content?.CodeSize).toBe(layerZip.length);
    const v2 = await t.lambda.send(
      new PublishLayerVersionCommand({ LayerName: 'runtime', Content: { ZipFile: layerZip } }),
    );
    expect(v2.Version).toBe(2);
    const listed = await t.lambda.send(new ListLayerVersionsCommand({ LayerName: 'runtime' }));
    expect(listed.LayerVersions?.map((l) => l.Version)).toEqual([2, 1]);
    const filtered = await t.lambda.send(
      new ListLayerVersionsCommand({ LayerName: 'runtime', CompatibleRuntime: 'provided.al2023' }),
    );
    expect(filtered.LayerVersions?.map((l) => l.Version)).toEqual([1]);
    const got = await t.lambda.send(new GetLayerVersionCommand({ LayerName: 'runtime', VersionNumber: 1 }));
    expect(got.LayerVersionArn).toBe(`${LAYER}:1`);
    const byArn = await t.lambda.send(new GetLayerVersionByArnCommand({ Arn: `${LAYER}:2` }));
    expect(byArn.Version).toBe(2);
    const layers = await t.lambda.send(new ListLayersCommand({}));
    expect(layers.Layers).toEqual([
      expect.objectContaining({
        LayerName: 'runtime',
        LayerArn: LAYER,
        LatestMatchingVersion: expect.objectContaining({ LayerVersionArn: `${LAYER}:2`, Version: 2 }),
      }),
    ]);
  });

  it('attaches layers to a function: config Layers and resolved folders', async () => {
    await t.lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'withlayer',
        Runtime: 'provided.al2023',
        Handler: 'h',
        Role: ROLE,
        Code: { ZipFile: await BOOTSTRAP_ZIP() },
        Layers: [`${LAYER}:1`],
      }),
    );
    await waitUntilFunctionActiveV2({ client: t.lambda, ...WAIT }, { FunctionName: 'withlayer' });
    const got = await t.lambda.send(new GetFunctionCommand({ FunctionName: 'withlayer' }));
    expect(got.Configuration?.Layers).toEqual([{ Arn: `${LAYER}:1`, CodeSize: layerZip.length }]);
    const snap = t.emulator.lambda.resolve('withlayer');
    expect(snap.layers).toHaveLength(1);
    expect(await readFile(path.join(snap.layers[0]!.dir, 'lib/x.txt'), 'utf8')).toBe('layer');
    expect(await readFile(path.join(snap.codeDir, 'handler.txt'), 'utf8')).toBe('x');
  });

  it('deleting a layer version keeps it for functions that use it', async () => {
    await t.lambda.send(new DeleteLayerVersionCommand({ LayerName: 'runtime', VersionNumber: 1 }));
    const err = await errorOf(
      t.lambda.send(new GetLayerVersionCommand({ LayerName: 'runtime', VersionNumber: 1 })),
    );
    expect(err).toEqual({
      name: 'ResourceNotFoundException',
      status: 404,
      message: 'The resource you requested does not exist.',
    });
    expect(t.emulator.lambda.resolve('withlayer').layers[0]?.arn).toBe(`${LAYER}:1`);
  });

  it('refuses missing layers and more than 5 layers', async () => {
    const base = {
      Runtime: 'provided.al2023' as const,
      Handler: 'h',
      Role: ROLE,
      Code: { ZipFile: await BOOTSTRAP_ZIP() },
    };
    const missing = await errorOf(
      t.lambda.send(new CreateFunctionCommand({ ...base, FunctionName: 'x1', Layers: [`${LAYER}:1`] })),
    );
    expect(missing).toEqual({
      name: 'InvalidParameterValueException',
      status: 400,
      message: `Layer version ${LAYER}:1 does not exist.`,
    });
    const six = Array.from({ length: 6 }, (_, i) => `${LAYER}-${i}:1`);
    const tooMany = await errorOf(
      t.lambda.send(new CreateFunctionCommand({ ...base, FunctionName: 'x2', Layers: six })),
    );
    expect(tooMany.message).toBe('Cannot reference more than 5 layers.');
  });

  it('adds, reads and removes permissions', async () => {
    const added = await t.lambda.send(
      new AddPermissionCommand({
        FunctionName: 'withlayer',
        StatementId: 's3-invoke',
        Action: 'lambda:InvokeFunction',
        Principal: 's3.amazonaws.com',
        SourceArn: 'arn:aws:s3:::inbox',
        SourceAccount: '000000000000',
      }),
    );
    expect(JSON.parse(added.Statement!)).toEqual({
      Sid: 's3-invoke',
      Effect: 'Allow',
      Principal: { Service: 's3.amazonaws.com' },
      Action: 'lambda:InvokeFunction',
      Resource: FN,
      Condition: {
        StringEquals: { 'AWS:SourceAccount': '000000000000' },
        ArnLike: { 'AWS:SourceArn': 'arn:aws:s3:::inbox' },
      },
    });
    const dup = await errorOf(
      t.lambda.send(
        new AddPermissionCommand({
          FunctionName: 'withlayer',
          StatementId: 's3-invoke',
          Action: 'lambda:InvokeFunction',
          Principal: 's3.amazonaws.com',
        }),
      ),
    );
    expect(dup.status).toBe(409);
    expect(dup.message).toMatch(/^The statement id \(s3-invoke\) provided already exists/);
    const policy = await t.lambda.send(new GetPolicyCommand({ FunctionName: 'withlayer' }));
    expect(JSON.parse(policy.Policy!).Statement).toHaveLength(1);
    expect(t.emulator.lambda.policyStatements('withlayer')[0]?.Sid).toBe('s3-invoke');
    await t.lambda.send(new RemovePermissionCommand({ FunctionName: 'withlayer', StatementId: 's3-invoke' }));
    const gone = await errorOf(t.lambda.send(new GetPolicyCommand({ FunctionName: 'withlayer' })));
    expect(gone.name).toBe('ResourceNotFoundException');
    const latest = await errorOf(
      t.lambda.send(
        new AddPermissionCommand({
          FunctionName: 'withlayer',
          Qualifier: '$LATEST',
          StatementId: 'x',
          Action: 'lambda:InvokeFunction',
          Principal: 's3.amazonaws.com',
        }),
      ),
    );
    expect(latest.message).toBe('We currently do not support adding policies for $LATEST.');
  });

  it('answers the S3/SES permission check from the policy', async () => {
    await t.lambda.send(
      new AddPermissionCommand({
        FunctionName: 'withlayer',
        StatementId: 's3-inbox',
        Action: 'lambda:InvokeFunction',
        Principal: 's3.amazonaws.com',
        SourceArn: 'arn:aws:s3:::inbox-*',
        SourceAccount: '000000000000',
      }),
    );
    const ask = (
      over: Partial<{ functionArn: string; principal: string; sourceArn: string; sourceAccount: string }>,
    ) =>
      t.emulator.lambda.canInvoke({
        functionArn: FN,
        principal: 's3.amazonaws.com',
        sourceArn: 'arn:aws:s3:::inbox-1',
        sourceAccount: '000000000000',
        ...over,
      });
    expect(ask({})).toBe(true);
    expect(ask({ sourceArn: 'arn:aws:s3:::other' })).toBe(false);
    expect(ask({ principal: 'ses.amazonaws.com' })).toBe(false);
    expect(ask({ sourceAccount: '111111111111' })).toBe(false);
    expect(ask({ functionArn: `${FN}:1` })).toBe(false);
    expect(ask({ functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:missing' })).toBe(false);
  });

  it('sets reserved concurrency, shown by GetFunction and in the snapshot', async () => {
    const put = await t.lambda.send(
      new PutFunctionConcurrencyCommand({ FunctionName: 'withlayer', ReservedConcurrentExecutions: 3 }),
    );
    expect(put.ReservedConcurrentExecutions).toBe(3);
    const got = await t.lambda.send(new GetFunctionCommand({ FunctionName: 'withlayer' }));
    expect(got.Concurrency?.ReservedConcurrentExecutions).toBe(3);
    expect(t.emulator.lambda.resolve('withlayer').reservedConcurrency).toBe(3);
  });
});
