/**
 * Code from S3 locations (`S3Bucket`/`S3Key`), the path deploys take for zips over the 50 MB direct-upload limit:
 * functions, code updates and layers read the object through the emulated S3; missing buckets/keys and a bucket in
 * another region fail with Lambda's own error shapes.
 */

import { createHash } from 'node:crypto';
import {
  CreateFunctionCommand,
  GetFunctionCommand,
  PublishLayerVersionCommand,
  UpdateFunctionCodeCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emailExtension } from '../../src/email/email-extension.js';
import { BOOTSTRAP_ZIP, makeZip, ROLE, startTestEmulator, type TestEmulator } from './helpers.js';

const sha = (zip: Buffer) => createHash('sha256').update(zip).digest('base64');

describe('S3 code locations', () => {
  let t: TestEmulator;
  let s3: S3Client;
  let s3West: S3Client;

  beforeAll(async () => {
    t = await startTestEmulator({ extensions: [emailExtension({ smtpPort: 0 })] });
    const config = {
      endpoint: t.emulator.url,
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
      forcePathStyle: true,
    };
    s3 = new S3Client({ ...config, region: 'us-east-1' });
    s3West = new S3Client({ ...config, region: 'eu-west-1' });
    await s3.send(new CreateBucketCommand({ Bucket: 'staging' }));
    await s3West.send(
      new CreateBucketCommand({
        Bucket: 'staging-west',
        CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
      }),
    );
  });

  afterAll(async () => {
    s3?.destroy();
    s3West?.destroy();
    await t?.close();
  });

  it('creates a function, updates its code and publishes a layer from S3 objects', async () => {
    const first = await BOOTSTRAP_ZIP();
    const second = await makeZip({ bootstrap: { content: '#!/bin/sh\necho two\n', mode: 0o100755 } });
    await s3.send(new PutObjectCommand({ Bucket: 'staging', Key: 'fn/one.zip', Body: first }));
    await s3.send(new PutObjectCommand({ Bucket: 'staging', Key: 'fn/two.zip', Body: second }));

    const created = await t.lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'from-s3',
        Runtime: 'provided.al2023',
        Handler: 'h',
        Role: ROLE,
        Code: { S3Bucket: 'staging', S3Key: 'fn/one.zip' },
      }),
    );
    expect(created.CodeSha256).toBe(sha(first));
    const waiter = { client: t.lambda, maxWaitTime: 10, minDelay: 1, maxDelay: 1 };
    await waitUntilFunctionActiveV2(waiter, { FunctionName: 'from-s3' });

    await t.lambda.send(
      new UpdateFunctionCodeCommand({ FunctionName: 'from-s3', S3Bucket: 'staging', S3Key: 'fn/two.zip' }),
    );
    await waitUntilFunctionUpdatedV2(waiter, { FunctionName: 'from-s3' });
    const got = await t.lambda.send(new GetFunctionCommand({ FunctionName: 'from-s3' }));
    expect(got.Configuration?.CodeSha256).toBe(sha(second));

    const layer = await t.lambda.send(
      new PublishLayerVersionCommand({
        LayerName: 'from-s3',
        Content: { S3Bucket: 'staging', S3Key: 'fn/one.zip' },
      }),
    );
    expect(layer.Content?.CodeSha256).toBe(sha(first));
  });

  it('answers a missing key, a missing bucket and a bucket in another region like Lambda does', async () => {
    const code = (S3Bucket: string, S3Key: string) =>
      t.lambda.send(new PublishLayerVersionCommand({ LayerName: 'bad', Content: { S3Bucket, S3Key } }));
    await expect(code('staging', 'nope.zip')).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
      message: expect.stringContaining('S3 Error Code: NoSuchKey'),
    });
    await expect(code('no-such-bucket', 'x.zip')).rejects.toMatchObject({
      message: expect.stringContaining('S3 Error Code: NoSuchBucket'),
    });
    await s3West.send(
      new PutObjectCommand({ Bucket: 'staging-west', Key: 'x.zip', Body: await BOOTSTRAP_ZIP() }),
    );
    await expect(code('staging-west', 'x.zip')).rejects.toMatchObject({
      message: expect.stringContaining('The bucket is in this region: eu-west-1'),
    });
  });
});

describe('S3 code locations without the S3 service', () => {
  it('are refused with what to do instead', async () => {
    const t = await startTestEmulator();
    try {
      await expect(
        t.lambda.send(
          new PublishLayerVersionCommand({ LayerName: 'l', Content: { S3Bucket: 'b', S3Key: 'k' } }),
        ),
      ).rejects.toMatchObject({
        name: 'InvalidParameterValueException',
        message: expect.stringContaining('send ZipFile instead'),
      });
    } finally {
      await t.close();
    }
  });
});
