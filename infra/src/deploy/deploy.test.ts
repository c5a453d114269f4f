import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { defineStack } from '../../stack.js';
import type { Artifact } from './artifacts.js';
import { deployStack } from './deploy.js';
import { layerDescription } from './plan.js';

const artifact = (codeSha256: string, size = 10): Artifact => ({
  path: `/zips/${codeSha256}.zip`,
  bytes: new Uint8Array(size),
  size,
  codeSha256,
});

/** A stand-in for the injected Lambda client: answers by command name, records every call. */
function fakeLambda(answer: (command: string, input: Record<string, unknown>) => unknown) {
  const calls: string[] = [];
  const client = {
    async send(command: { constructor: { name: string }; input: Record<string, unknown> }) {
      const name = command.constructor.name.replace(/Command$/, '');
      calls.push(name);
      const result = answer(name, command.input);
      if (result instanceof Error) throw result;
      return result;
    },
  };
  return { client: client as unknown as LambdaClient, calls };
}

const notFound = () => Object.assign(new Error('Function not found'), { name: 'ResourceNotFoundException' });
const roleNotReady = () =>
  Object.assign(new Error('The role defined for the function cannot be assumed by Lambda.'), {
    name: 'InvalidParameterValueException',
  });

describe('deployStack retries', () => {
  const stack = defineStack({});
  const artifacts = {
    layers: { x86_64: artifact('layer=') },
    functions: { 'http-api': artifact('api='), 'email-bot': artifact('bot=') },
  };
  const layerList = {
    LayerVersions: [
      {
        LayerVersionArn: 'arn:aws:lambda:us-east-1:000000000000:layer:caprice-node:1',
        Version: 1,
        Description: layerDescription('24', 'x86_64', 'layer='),
      },
    ],
  };

  it('retries a role Lambda cannot assume yet, then explains what to check', async () => {
    const { client, calls } = fakeLambda((name) =>
      name === 'ListLayerVersions' ? layerList : name === 'GetFunction' ? notFound() : roleNotReady(),
    );
    await expect(
      deployStack({
        stack,
        lambda: client,
        artifacts,
        only: ['caprice-http-api'],
        conflictRetry: { attempts: 3, baseDelayMs: 1 },
      }),
    ).rejects.toMatchObject({
      code: 'INFRA_ROLE_NOT_ASSUMABLE',
      message: expect.stringMatching(
        /caprice-lambda.*lambda\.amazonaws\.com.*iam:PassRole.*CAPRICE_ROLE_ARN/,
      ),
    });
    expect(calls.filter((c) => c === 'CreateFunction')).toHaveLength(3);
  });

  it('goes on once the role propagated', async () => {
    let refusals = 2;
    const { client, calls } = fakeLambda((name) => {
      if (name === 'ListLayerVersions') return layerList;
      if (name === 'GetFunction') {
        // The waiter's GetFunction after the create sees it Active.
        return calls.includes('CreateFunction')
          ? { Configuration: { State: 'Active', LastUpdateStatus: 'Successful' } }
          : notFound();
      }
      if (name === 'CreateFunction') {
        return refusals-- > 0
          ? roleNotReady()
          : { FunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:caprice-http-api' };
      }
      throw new Error(`unexpected ${name}`);
    });
    const result = await deployStack({
      stack,
      lambda: client,
      artifacts,
      only: ['caprice-http-api'],
      conflictRetry: { attempts: 5, baseDelayMs: 1 },
    });
    expect(result.functions[0]?.steps.map((s) => s.kind)).toEqual(['create']);
    expect(calls.filter((c) => c === 'CreateFunction')).toHaveLength(3);
  });

  it('refuses a function the stack does not have before any call, listing the ones it has', async () => {
    const { client, calls } = fakeLambda(() => new Error('no call expected'));
    await expect(
      deployStack({ stack, lambda: client, artifacts, only: ['caprice-nope'] }),
    ).rejects.toMatchObject({
      code: 'INFRA_DEPLOY_ERROR',
      message: 'Unknown function "caprice-nope"; the stack has caprice-http-api, caprice-email-bot',
    });
    expect(calls).toEqual([]);
  });

  it('says why when a zip is over the direct-upload limit and no S3 client was given', async () => {
    const { client } = fakeLambda((name) => (name === 'ListLayerVersions' ? layerList : notFound()));
    await expect(
      deployStack({ stack, lambda: client, artifacts, only: ['caprice-http-api'], directUploadLimit: 5 }),
    ).rejects.toMatchObject({
      message: expect.stringMatching(/over Lambda's direct-upload limit.*caprice-deploy-/),
    });
  });

  it('says the staging bucket is someone else’s when S3 answers 403 (bucket names are global)', async () => {
    const { client } = fakeLambda((name) => (name === 'ListLayerVersions' ? layerList : notFound()));
    const forbidden = Object.assign(new Error('Forbidden'), {
      name: 'Forbidden',
      $metadata: { httpStatusCode: 403 },
    });
    const s3 = { send: async () => Promise.reject(forbidden) } as unknown as S3Client;
    await expect(
      deployStack({ stack, lambda: client, s3, artifacts, only: ['caprice-http-api'], directUploadLimit: 5 }),
    ).rejects.toMatchObject({
      code: 'INFRA_BUCKET_NOT_OWNED',
      message: expect.stringMatching(/S3 bucket names are global.*CAPRICE_STAGING_BUCKET/),
    });
  });
});

describe('deployStack layers per architecture', () => {
  it('publishes one layer version per architecture in use, and gives each function the one of its architecture', async () => {
    const base = defineStack({});
    const [api, bot] = base.functions;
    if (!api || !bot) throw new Error('the stack has two functions');
    const stack = {
      ...base,
      layer: { ...base.layer, architectures: ['x86_64', 'arm64'] as const },
      functions: [api, { ...bot, architecture: 'arm64' as const }],
    };
    const inputs: { name: string; input: Record<string, unknown> }[] = [];
    const created = new Set<string>();
    let version = 0;
    const { client } = fakeLambda((name, input) => {
      inputs.push({ name, input });
      if (name === 'ListLayerVersions') return { LayerVersions: [] };
      if (name === 'PublishLayerVersion') {
        return { LayerVersionArn: `arn:aws:lambda:us-east-1:000000000000:layer:caprice-node:${++version}` };
      }
      if (name === 'GetFunction') {
        return created.has(String(input.FunctionName))
          ? { Configuration: { State: 'Active', LastUpdateStatus: 'Successful' } }
          : notFound();
      }
      if (name === 'CreateFunction') {
        created.add(String(input.FunctionName));
        return { FunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${input.FunctionName}` };
      }
      throw new Error(`unexpected ${name}`);
    });
    const result = await deployStack({
      stack,
      lambda: client,
      artifacts: {
        layers: { x86_64: artifact('x64layer='), arm64: artifact('armlayer=') },
        functions: { 'http-api': artifact('api='), 'email-bot': artifact('bot=') },
      },
    });
    const publishes = inputs.filter((i) => i.name === 'PublishLayerVersion').map((i) => i.input);
    expect(publishes).toEqual([
      expect.objectContaining({
        CompatibleArchitectures: ['x86_64'],
        CompatibleRuntimes: ['provided.al2023'],
        Description: layerDescription('24', 'x86_64', 'x64layer='),
      }),
      expect.objectContaining({
        CompatibleArchitectures: ['arm64'],
        Description: layerDescription('24', 'arm64', 'armlayer='),
      }),
    ]);
    expect(result.layers.map((l) => [l.architecture, l.arn.split(':').at(-1)])).toEqual([
      ['x86_64', '1'],
      ['arm64', '2'],
    ]);
    const creates = inputs.filter((i) => i.name === 'CreateFunction').map((i) => i.input);
    expect(creates).toEqual([
      expect.objectContaining({
        FunctionName: 'caprice-http-api',
        Architectures: ['x86_64'],
        Layers: [expect.stringMatching(/:1$/)],
      }),
      expect.objectContaining({
        FunctionName: 'caprice-email-bot',
        Architectures: ['arm64'],
        Layers: [expect.stringMatching(/:2$/)],
      }),
    ]);
  });
});
