import { describe, expect, it } from 'vitest';
import type { FunctionSpec } from '../stack.js';
import {
  checkBucket,
  type DeployedFunction,
  type DesiredFunction,
  desiredConfiguration,
  findReusableLayer,
  layerDescription,
  needsS3Upload,
  planFunction,
  planVersion,
  stagingKey,
} from './plan.js';

const spec: FunctionSpec = {
  name: 'caprice-http-api',
  app: 'http-api',
  handler: 'index.handler',
  memorySize: 256,
  timeout: 10,
  architecture: 'x86_64',
  environment: { A: '1' },
  role: 'arn:aws:iam::000000000000:role/caprice-lambda',
};
const layerArn = 'arn:aws:lambda:us-east-1:000000000000:layer:caprice-node:3';
const desired: DesiredFunction = { spec, layerArn, codeSha256: 'abc=' };
const inSync: DeployedFunction = {
  ...desiredConfiguration(desired),
  architecture: 'x86_64',
  codeSha256: 'abc=',
};

describe('planFunction', () => {
  it('creates a function that does not exist', () => {
    expect(planFunction(desired, undefined)).toEqual([
      { kind: 'create', reason: 'the function does not exist yet' },
    ]);
  });

  it('makes no call when configuration and CodeSha256 match', () => {
    expect(planFunction(desired, inSync)).toEqual([]);
  });

  it('updates only the code when the zip hash differs', () => {
    const steps = planFunction(desired, { ...inSync, codeSha256: 'old=' });
    expect(steps.map((s) => s.kind)).toEqual(['updateCode']);
    expect(steps[0]?.reason).toContain('old=');
  });

  it('updates configuration before code when both changed, naming what changed', () => {
    const steps = planFunction(desired, {
      ...inSync,
      memorySize: 128,
      layers: ['arn:old:1'],
      codeSha256: 'old=',
    });
    expect(steps.map((s) => s.kind)).toEqual(['updateConfiguration', 'updateCode']);
    expect(steps[0]).toMatchObject({ changed: ['MemorySize', 'Layers'] });
  });

  it('sees environment changes whatever the key order, and ignores equal maps', () => {
    const twoKeys: DesiredFunction = { ...desired, spec: { ...spec, environment: { A: '1', B: '2' } } };
    const deployed = { ...desiredConfiguration(twoKeys), architecture: 'x86_64', codeSha256: 'abc=' };
    expect(planFunction(twoKeys, { ...deployed, environment: { B: '2', A: '1' } })).toEqual([]);
    expect(planFunction(twoKeys, { ...deployed, environment: { A: '1' } })[0]).toMatchObject({
      changed: ['Environment'],
    });
  });

  it('moves architecture through UpdateFunctionCode even when the code is the same', () => {
    const arm: DesiredFunction = { ...desired, spec: { ...spec, architecture: 'arm64' } };
    expect(planFunction(arm, inSync).map((s) => s.kind)).toEqual(['updateCode']);
  });
});

describe('findReusableLayer', () => {
  it('reuses the newest version whose description carries the same content hash', () => {
    const versions = [
      { arn: 'arn:l:1', version: 1, description: layerDescription('24', 'x86_64', 'h1') },
      { arn: 'arn:l:2', version: 2, description: layerDescription('24', 'x86_64', 'h2') },
      { arn: 'arn:l:3', version: 3, description: layerDescription('24', 'x86_64', 'h1') },
    ];
    expect(findReusableLayer(versions, 'h1')).toBe('arn:l:3');
    expect(findReusableLayer(versions, 'h9')).toBeUndefined();
    expect(findReusableLayer([{ arn: 'arn:l:4', version: 4 }], 'h1')).toBeUndefined();
  });
});

describe('uploads through S3', () => {
  it('sends zips up to 50 MB in the request and bigger ones through the staging bucket', () => {
    expect(needsS3Upload(50 * 1024 * 1024)).toBe(false);
    expect(needsS3Upload(50 * 1024 * 1024 + 1)).toBe(true);
    expect(needsS3Upload(2000, 1024)).toBe(true);
  });

  it('keys objects by content, so the same zip is uploaded once', () => {
    const sha = Buffer.alloc(32, 1).toString('base64');
    expect(stagingKey('caprice-http-api', sha)).toBe(`caprice/caprice-http-api/${'01'.repeat(32)}.zip`);
  });

  it('creates a missing bucket, accepts one in the stack region, refuses one elsewhere', () => {
    expect(checkBucket(undefined, 'eu-west-1')).toEqual({ kind: 'create' });
    expect(checkBucket({ region: 'eu-west-1' }, 'eu-west-1')).toEqual({ kind: 'ok' });
    expect(checkBucket({}, 'us-east-1')).toEqual({ kind: 'ok' });
    expect(checkBucket({ region: 'us-west-2' }, 'eu-west-1')).toEqual({
      kind: 'wrongRegion',
      region: 'us-west-2',
    });
  });
});

describe('planVersion', () => {
  const live: DesiredFunction = { ...desired, spec: { ...spec, publish: true, alias: 'live' } };
  const v3 = { ...inSync, version: '3' };

  it('does nothing for a function that does not publish', () => {
    expect(planVersion(desired, true, undefined, undefined)).toBeUndefined();
  });

  it('publishes the first version and creates the alias', () => {
    expect(planVersion(live, true, undefined, undefined)).toMatchObject({
      publish: true,
      version: '(new)',
      alias: { kind: 'create', name: 'live' },
    });
  });

  it('makes no call when $LATEST matches the newest version and the alias points at it', () => {
    expect(planVersion(live, false, v3, '3')).toMatchObject({ publish: false, version: '3' });
    expect(planVersion(live, false, v3, '3')?.alias).toBeUndefined();
  });

  it('moves only the alias when it points elsewhere', () => {
    expect(planVersion(live, false, v3, '2')).toMatchObject({
      publish: false,
      alias: { kind: 'update', from: '2' },
    });
  });

  it('publishes when this deploy changed the function or the newest version differs', () => {
    expect(planVersion(live, true, v3, '3')).toMatchObject({
      publish: true,
      alias: { kind: 'update', from: '3' },
    });
    expect(planVersion(live, false, { ...v3, codeSha256: 'old=' }, '3')).toMatchObject({ publish: true });
    expect(planVersion(live, false, { ...v3, memorySize: 1024 }, '3')).toMatchObject({ publish: true });
  });

  it('publishes without an alias when only publish is set', () => {
    const plain: DesiredFunction = { ...desired, spec: { ...spec, publish: true } };
    expect(planVersion(plain, true, v3, undefined)).toEqual({
      publish: true,
      version: '(new)',
      reason: '$LATEST differs from version 3',
    });
  });
});
