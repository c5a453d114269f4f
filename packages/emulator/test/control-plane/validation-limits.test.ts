import { randomBytes } from 'node:crypto';
import {
  CreateFunctionCommand,
  type CreateFunctionCommandInput,
  PublishLayerVersionCommand,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf } from './errors.js';
import {
  BOOTSTRAP_ZIP,
  makeZip,
  ROLE,
  renameEntry,
  startTestEmulator,
  type TestEmulator,
} from './helpers.js';

describe('Lambda control plane: validation and package limits', () => {
  let t: TestEmulator;
  let base: Omit<CreateFunctionCommandInput, 'FunctionName'>;
  beforeAll(async () => {
    // Small limits so the limit paths run in milliseconds; the AWS defaults are checked in a unit test.
    t = await startTestEmulator({ limits: { zippedBytes: 4096, unzippedBytes: 64 * 1024 } });
    base = { Runtime: 'provided.al2023', Handler: 'h', Role: ROLE, Code: { ZipFile: await BOOTSTRAP_ZIP() } };
  });
  afterAll(async () => {
    await t.close();
  });

  const create = (input: Partial<CreateFunctionCommandInput> & { FunctionName: string }) =>
    errorOf(t.lambda.send(new CreateFunctionCommand({ ...base, ...input } as CreateFunctionCommandInput)));

  it('reports model constraint violations as ValidationException, like the AWS front end', async () => {
    expect(await create({ FunctionName: 'm', MemorySize: 100 })).toEqual({
      name: 'ValidationException',
      status: 400,
      message:
        "1 validation error detected: Value '100' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128",
    });
    expect((await create({ FunctionName: 't', Timeout: 901 })).message).toBe(
      "1 validation error detected: Value '901' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to 900",
    );
    const two = await create({ FunctionName: 'bad name!', Role: 'not-a-role' });
    expect(two.message).toMatch(
      /^2 validation errors detected: Value 'bad name!' at 'functionName'.*; Value 'not-a-role' at 'role'/,
    );
    expect((await create({ FunctionName: 'r', Runtime: 'cobol' as 'provided.al2023' })).message).toMatch(
      /at 'runtime' failed to satisfy constraint: Member must satisfy enum value set/,
    );
  });

  it('refuses deprecated runtimes, reserved and oversized environments', async () => {
    expect((await create({ FunctionName: 'd', Runtime: 'nodejs12.x' })).name).toBe(
      'InvalidParameterValueException',
    );
    const reserved = await create({ FunctionName: 'e', Environment: { Variables: { AWS_REGION: 'x' } } });
    expect(reserved.message).toMatch(/reserved keys .*: AWS_REGION$/);
    const big = await create({ FunctionName: 'f', Environment: { Variables: { BIG: 'x'.repeat(4100) } } });
    expect(big.name).toBe('InvalidParameterValueException');
    expect(big.message).toMatch(/exceeded the 4KB limit/);
  });

  it('rejects a zip-slip package with AWS "Could not unzip" InvalidParameterValueException', async () => {
    const zip = renameEntry(await makeZip({ 'aa/evil': 'x' }), 'aa/evil', '../evil');
    const err = await create({ FunctionName: 'slip', Code: { ZipFile: zip } });
    expect(err.name).toBe('InvalidParameterValueException');
    expect(err.message).toMatch(
      /^Could not unzip uploaded file\. Please check your file, then try to upload again\./,
    );
  });

  it('rejects a symlink pointing outside the package', async () => {
    const zip = await makeZip({ bootstrap: { content: '/bin/sh', mode: 0o120777 } });
    const err = await create({ FunctionName: 'link', Code: { ZipFile: zip } });
    expect(err.message).toMatch(/symlink "bootstrap" points to an absolute path/);
  });

  it('answers 413 RequestEntityTooLargeException over the zipped upload limit', async () => {
    const zip = await makeZip({ noise: randomBytes(8000) });
    const err = await create({ FunctionName: 'big', Code: { ZipFile: zip } });
    expect(err).toEqual({
      name: 'RequestEntityTooLargeException',
      status: 413,
      message: 'Request must be smaller than 5462 bytes for the CreateFunction operation',
    });
  });

  it('rejects a package over the unzipped limit, and code plus layers over it', async () => {
    const huge = await makeZip({ zeros: Buffer.alloc(70 * 1024) });
    const err = await create({ FunctionName: 'unz', Code: { ZipFile: huge } });
    expect(err).toEqual({
      name: 'InvalidParameterValueException',
      status: 400,
      message: 'Unzipped size must be smaller than 65536 bytes',
    });
    const layer = await t.lambda.send(
      new PublishLayerVersionCommand({
        LayerName: 'half',
        Content: { ZipFile: await makeZip({ z: Buffer.alloc(40 * 1024) }) },
      }),
    );
    const code = await makeZip({ z: Buffer.alloc(30 * 1024) });
    const combined = await create({
      FunctionName: 'comb',
      Code: { ZipFile: code },
      Layers: [layer.LayerVersionArn!],
    });
    expect(combined.message).toBe(
      'Function code combined with layers exceeds the maximum allowed size of 65536 bytes. The actual size is 71680 bytes.',
    );
  });
});
