/**
 * `caprice deploy` paths beyond the basic create/update, against the emulator through the real SDK clients: code
 * through the staging bucket (threshold lowered so the real zips take that path), a staging bucket in another
 * region, and versions with an alias moved only when something changed.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  GetAliasCommand,
  GetFunctionCommand,
  GetLayerVersionCommand,
  LambdaClient,
} from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { type Emulator, emailExtension, startEmulator } from '@caprice/emulator';
import { writeReproducibleZip } from '@caprice/lambda-bundle';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Artifact, type Artifacts, loadArtifacts } from '../src/deploy/artifacts.js';
import { deployStack } from '../src/deploy/deploy.js';
import type { Stack } from '../src/stack.js';
import { defineStack } from '../stack.js';
import { createBucketIn } from './helpers/buckets.js';
import { ROOT } from './helpers/dev-process.js';
import { READ_ONLY, recordCalls } from './helpers/record-calls.js';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

async function changedHttpApi(dir: string, marker: string): Promise<Artifact> {
  const bundle = await readFile(path.join(ROOT, 'apps', 'http-api', 'dist', 'bundle', 'index.mjs'), 'utf8');
  const file = path.join(dir, `http-api-${marker}.zip`);
  const result = await writeReproducibleZip(file, [{ path: 'index.mjs', data: `${bundle}\n// ${marker}\n` }]);
  const bytes = await readFile(file);
  return { path: file, bytes, size: bytes.length, codeSha256: result.codeSha256 };
}

describe('deploy through S3 and with versions', () => {
  let stateDir: string;
  let zipDir: string;
  let emulator: Emulator;
  const calls: string[] = [];
  let lambda: LambdaClient;
  let s3: S3Client;
  let artifacts: Artifacts;
  const mutating = () => calls.filter((c) => !READ_ONLY.test(c));
  const deploy = (stack: Stack, a: Artifacts, extra: Partial<Parameters<typeof deployStack>[0]> = {}) =>
    deployStack({
      stack,
      lambda,
      s3,
      artifacts: a,
      directUploadLimit: 1024,
      conflictRetry: { attempts: 10, baseDelayMs: 100 },
      ...extra,
    });

  beforeAll(async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), 'caprice-deploy-s3-'));
    zipDir = await mkdtemp(path.join(tmpdir(), 'caprice-deploy-s3-zips-'));
    emulator = await startEmulator({
      port: 0,
      stateDir,
      createDelayMs: 100,
      updateDelayMs: 100,
      extensions: [emailExtension({ smtpPort: 0 })],
    });
    const config = { endpoint: emulator.url, region: 'us-east-1', credentials };
    lambda = recordCalls(new LambdaClient(config), calls);
    s3 = recordCalls(new S3Client({ ...config, forcePathStyle: true }), calls);
    artifacts = await loadArtifacts(ROOT, defineStack({}));
  }, 60_000);

  afterAll(async () => {
    lambda?.destroy();
    s3?.destroy();
    await emulator?.close();
    await rm(stateDir, { recursive: true, force: true });
    await rm(zipDir, { recursive: true, force: true });
  });

  it('uploads zips over the limit to the staging bucket (created once) and deploys from there', async () => {
    const stack = defineStack({});
    calls.length = 0;
    const result = await deploy(stack, artifacts);
    expect(result.layers[0]).toMatchObject({ published: true });
    expect(result.functions.map((f) => f.uploadedTo)).toEqual([
      expect.stringMatching(
        /^s3:\/\/caprice-deploy-000000000000-us-east-1\/caprice\/caprice-http-api\/[0-9a-f]{64}\.zip$/,
      ),
      expect.stringMatching(/caprice\/caprice-email-bot\//),
    ]);
    expect(mutating()).toEqual([
      'CreateBucket',
      'PutObject',
      'PublishLayerVersion',
      'PutObject',
      'CreateFunction',
      'PutObject',
      'CreateFunction',
    ]);
    // Lambda read the objects: the deployed code is the local zip, byte for byte.
    for (const [name, app] of [
      ['caprice-http-api', 'http-api'],
      ['caprice-email-bot', 'email-bot'],
    ] as const) {
      const got = await lambda.send(new GetFunctionCommand({ FunctionName: name }));
      expect(got.Configuration?.CodeSha256).toBe(artifacts.functions[app]?.codeSha256);
    }

    calls.length = 0;
    const again = await deploy(stack, artifacts);
    expect(again.changed).toBe(false);
    expect(mutating()).toEqual([]);
  }, 120_000);

  it('a changed zip is uploaded under its own key and only that function is updated', async () => {
    const changed = await changedHttpApi(zipDir, 's3-change');
    calls.length = 0;
    const result = await deploy(defineStack({}), {
      ...artifacts,
      functions: { ...artifacts.functions, 'http-api': changed },
    });
    expect(result.functions.map((f) => f.steps.map((s) => s.kind))).toEqual([['updateCode'], []]);
    expect(mutating()).toEqual(['PutObject', 'UpdateFunctionCode']);
    const got = await lambda.send(new GetFunctionCommand({ FunctionName: 'caprice-http-api' }));
    expect(got.Configuration?.CodeSha256).toBe(changed.codeSha256);
    // Back to the built zip: its object is still in the bucket, so nothing is uploaded again.
    calls.length = 0;
    await deploy(defineStack({}), artifacts);
    expect(mutating()).toEqual(['UpdateFunctionCode']);
  }, 60_000);

  it('stops with what to do when the staging bucket is in another region', async () => {
    await createBucketIn(emulator.url, 'caprice-staging-west', 'eu-west-1');
    const changed = await changedHttpApi(zipDir, 'west');
    await expect(
      deploy(defineStack({ CAPRICE_STAGING_BUCKET: 'caprice-staging-west' }), {
        ...artifacts,
        functions: { ...artifacts.functions, 'http-api': changed },
      }),
    ).rejects.toMatchObject({
      code: 'INFRA_BUCKET_REGION',
      message: expect.stringMatching(
        /caprice-staging-west is in eu-west-1.*--region eu-west-1.*CAPRICE_STAGING_BUCKET/,
      ),
    });
  }, 60_000);

  it('publishes a version and moves the alias only when the function changed', async () => {
    const stack = defineStack({ CAPRICE_ALIAS: 'live' });
    const only = { only: ['caprice-http-api'] };
    calls.length = 0;
    const first = await deploy(stack, artifacts, only);
    expect(first.functions[0]?.versioning).toMatchObject({
      publish: true,
      version: '1',
      alias: { kind: 'create' },
    });
    expect(mutating()).toEqual(['PublishVersion', 'CreateAlias']);

    calls.length = 0;
    const same = await deploy(stack, artifacts, only);
    expect(same.changed).toBe(false);
    expect(same.functions[0]?.versioning).toMatchObject({ publish: false, version: '1' });
    expect(mutating()).toEqual([]);

    const changed = await changedHttpApi(zipDir, 'version-2');
    calls.length = 0;
    const next = await deploy(
      stack,
      { ...artifacts, functions: { ...artifacts.functions, 'http-api': changed } },
      only,
    );
    expect(next.functions[0]?.versioning).toMatchObject({
      publish: true,
      version: '2',
      alias: { kind: 'update', from: '1' },
    });
    expect(mutating()).toEqual(['PutObject', 'UpdateFunctionCode', 'PublishVersion', 'UpdateAlias']);
    // Each waited for: the code update (GetFunction), the new version (GetFunctionConfiguration on it).
    expect(calls[calls.indexOf('UpdateFunctionCode') + 1]).toBe('GetFunction');
    expect(calls[calls.indexOf('PublishVersion') + 1]).toBe('GetFunctionConfiguration');
    const alias = await lambda.send(new GetAliasCommand({ FunctionName: 'caprice-http-api', Name: 'live' }));
    expect(alias.FunctionVersion).toBe('2');

    // A dry run reads the versions and alias and plans, but calls nothing that mutates.
    calls.length = 0;
    const dry = await deploy(stack, artifacts, { ...only, dryRun: true });
    expect(dry.functions[0]?.versioning).toMatchObject({
      publish: true,
      alias: { kind: 'update', from: '2' },
    });
    expect(mutating()).toEqual([]);
  }, 60_000);

  it('with the default limit, a real zip over 50 MB goes through S3 and small ones stay in the request', async () => {
    const file = path.join(zipDir, 'big-layer.zip');
    const zipped = await writeReproducibleZip(file, [
      { path: 'bootstrap', data: '#!/bin/sh\nexit 1\n' },
      { path: 'blob', data: randomBytes(51 * 1024 * 1024) },
    ]);
    const bytes = await readFile(file);
    expect(bytes.length).toBeGreaterThan(50 * 1024 * 1024);
    const big: Artifact = { path: file, bytes, size: bytes.length, codeSha256: zipped.codeSha256 };
    calls.length = 0;
    const result = await deploy(
      defineStack({}),
      { ...artifacts, layers: { x86_64: big } },
      {
        directUploadLimit: undefined,
        only: ['caprice-http-api'],
      },
    );
    // The function's zip (back to the built one after the version test) is small: sent in the request.
    expect(mutating()).toEqual([
      'PutObject',
      'PublishLayerVersion',
      'UpdateFunctionConfiguration',
      'UpdateFunctionCode',
    ]);
    expect(result.functions[0]?.uploadedTo).toBeUndefined();
    const layerArn = result.layers[0]?.arn ?? '';
    const version = await lambda.send(
      new GetLayerVersionCommand({
        LayerName: 'caprice-node',
        VersionNumber: Number(layerArn.split(':').at(-1)),
      }),
    );
    expect(version.Content?.CodeSha256).toBe(big.codeSha256);
  }, 120_000);
});
