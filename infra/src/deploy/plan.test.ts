import { describe, expect, it } from 'vitest';
import type { FunctionSpec } from '../stack.js';
import {
  type DeployedFunction,
  type DesiredFunction,
  desiredConfiguration,
  findReusableLayer,
  layerDescription,
  planFunction,
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
