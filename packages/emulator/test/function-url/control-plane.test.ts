import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  CreateFunctionUrlConfigCommand,
  DeleteAliasCommand,
  DeleteFunctionCommand,
  DeleteFunctionUrlConfigCommand,
  GetFunctionUrlConfigCommand,
  ListFunctionUrlConfigsCommand,
  PublishVersionCommand,
  UpdateFunctionUrlConfigCommand,
  waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOOTSTRAP_ZIP, ROLE, startTestEmulator } from '../control-plane/helpers.js';
import {
  allowPublicUrl,
  createFunction,
  ECHO_BOOTSTRAP,
  startUrlEmulator,
  type UrlTestEmulator,
  WAIT,
} from './helpers.js';

const URL_SHAPE = /^http:\/\/127\.0\.0\.1:\d+\/$/;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

async function errorOf(p: Promise<unknown>): Promise<{ name: string; message: string; status?: number }> {
  try {
    await p;
  } catch (err) {
    const e = err as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('expected the call to fail');
}

describe('function URL configs through the Lambda API', () => {
  let t: UrlTestEmulator;
  let arn: string;
  beforeAll(async () => {
    t = await startUrlEmulator();
    arn = await createFunction(t.lambda, 'urls', ECHO_BOOTSTRAP);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('creates, gets, updates, lists and deletes a URL with AWS shapes', async () => {
    const created = await t.lambda.send(
      new CreateFunctionUrlConfigCommand({ FunctionName: 'urls', AuthType: 'NONE' }),
    );
    expect(created.$metadata.httpStatusCode).toBe(201);
    expect(created.FunctionUrl).toMatch(URL_SHAPE);
    expect(created).toMatchObject({ FunctionArn: arn, AuthType: 'NONE', InvokeMode: 'BUFFERED' });
    expect(created.CreationTime).toMatch(ISO);
    expect(created.Cors).toBeUndefined();

    const conflict = await errorOf(
      t.lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'urls', AuthType: 'NONE' })),
    );
    expect(conflict).toMatchObject({ name: 'ResourceConflictException', status: 409 });
    expect(conflict.message).toContain('FunctionUrlConfig exists for this Lambda function');

    const got = await t.lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: arn }));
    expect(got).toMatchObject({
      FunctionUrl: created.FunctionUrl,
      FunctionArn: arn,
      AuthType: 'NONE',
      InvokeMode: 'BUFFERED',
      CreationTime: created.CreationTime,
    });
    expect(got.LastModifiedTime).toMatch(ISO);

    const cors = { AllowOrigins: ['https://app.example.com'], AllowMethods: ['GET'], MaxAge: 60 };
    const updated = await t.lambda.send(
      new UpdateFunctionUrlConfigCommand({ FunctionName: 'urls', AuthType: 'AWS_IAM', Cors: cors }),
    );
    expect(updated).toMatchObject({ FunctionUrl: created.FunctionUrl, AuthType: 'AWS_IAM', Cors: cors });
    expect(updated.InvokeMode).toBe('BUFFERED');

    const listed = await t.lambda.send(new ListFunctionUrlConfigsCommand({ FunctionName: 'urls' }));
    expect(listed.FunctionUrlConfigs).toHaveLength(1);
    expect(listed.FunctionUrlConfigs?.[0]).toMatchObject({
      FunctionUrl: created.FunctionUrl,
      AuthType: 'AWS_IAM',
    });

    await t.lambda.send(new DeleteFunctionUrlConfigCommand({ FunctionName: 'urls' }));
    expect(
      await errorOf(t.lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: 'urls' }))),
    ).toMatchObject({
      name: 'ResourceNotFoundException',
      status: 404,
    });
    expect(await errorOf(fetch(created.FunctionUrl!))).toMatchObject({ name: 'TypeError' }); // port closed
    expect(
      await errorOf(t.lambda.send(new DeleteFunctionUrlConfigCommand({ FunctionName: 'urls' }))),
    ).toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('answers AWS errors for bad input and missing resources', async () => {
    const bad = await errorOf(
      t.lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'urls', AuthType: 'OPEN' as 'NONE' })),
    );
    expect(bad).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(bad.message).toContain("Value 'OPEN' at 'authType' failed to satisfy constraint");

    const mode = await errorOf(
      t.lambda.send(
        new CreateFunctionUrlConfigCommand({
          FunctionName: 'urls',
          AuthType: 'NONE',
          InvokeMode: 'STREAM' as 'BUFFERED',
        }),
      ),
    );
    expect(mode).toMatchObject({ name: 'ValidationException' });

    const version = await errorOf(
      t.lambda.send(
        new CreateFunctionUrlConfigCommand({ FunctionName: 'urls', Qualifier: '1', AuthType: 'NONE' }),
      ),
    );
    expect(version).toMatchObject({ name: 'ValidationException' });
    expect(version.message).toContain("at 'qualifier'");

    const maxAge = await errorOf(
      t.lambda.send(
        new CreateFunctionUrlConfigCommand({
          FunctionName: 'urls',
          AuthType: 'NONE',
          Cors: { MaxAge: 90000 },
        }),
      ),
    );
    expect(maxAge).toMatchObject({ name: 'ValidationException' });

    const missing = await errorOf(
      t.lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'nope', AuthType: 'NONE' })),
    );
    expect(missing).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
    expect(missing.message).toContain('Function not found');

    const alias = await errorOf(
      t.lambda.send(
        new CreateFunctionUrlConfigCommand({ FunctionName: 'urls', Qualifier: 'ghost', AuthType: 'NONE' }),
      ),
    );
    expect(alias).toMatchObject({ name: 'ResourceNotFoundException' });
    expect(
      await errorOf(t.lambda.send(new ListFunctionUrlConfigsCommand({ FunctionName: 'nope' }))),
    ).toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('lets exactly one of two concurrent creates win, leaving one open port', async () => {
    await createFunction(t.lambda, 'race', ECHO_BOOTSTRAP);
    const send = () =>
      t.lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'race', AuthType: 'NONE' }));
    const results = await Promise.allSettled([send(), send()]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect((lost.reason as Error).name).toBe('ResourceConflictException');
    expect(t.emulator.functionUrls?.urls().filter((u) => u.functionName === 'race')).toHaveLength(1);
    await t.lambda.send(new DeleteFunctionUrlConfigCommand({ FunctionName: 'race' }));
    expect(t.emulator.functionUrls?.urls().filter((u) => u.functionName === 'race')).toHaveLength(0);
  });

  it('gives an alias its own URL, invoked with the alias and its policy', async () => {
    await t.lambda.send(new PublishVersionCommand({ FunctionName: 'urls' }));
    await t.lambda.send(new CreateAliasCommand({ FunctionName: 'urls', Name: 'live', FunctionVersion: '1' }));
    const created = await t.lambda.send(
      new CreateFunctionUrlConfigCommand({ FunctionName: 'urls', Qualifier: 'live', AuthType: 'NONE' }),
    );
    expect(created.FunctionArn).toBe(`${arn}:live`);
    // The unqualified function's policy does not open the alias's URL.
    await allowPublicUrl(t.lambda, 'urls');
    expect((await fetch(created.FunctionUrl!)).status).toBe(403);
    await allowPublicUrl(t.lambda, 'urls', 'live');
    const res = await fetch(`${created.FunctionUrl}hello`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { rawPath: string }).rawPath).toBe('/hello');
    const listed = await t.lambda.send(new ListFunctionUrlConfigsCommand({ FunctionName: 'urls' }));
    expect(listed.FunctionUrlConfigs?.map((c) => c.FunctionArn)).toEqual([`${arn}:live`]);
    // The URL belongs to the alias: DeleteAlias takes it away.
    await t.lambda.send(new DeleteAliasCommand({ FunctionName: 'urls', Name: 'live' }));
    await expect(fetch(created.FunctionUrl!)).rejects.toThrow();
    const after = await t.lambda.send(new ListFunctionUrlConfigsCommand({ FunctionName: 'urls' }));
    expect(after.FunctionUrlConfigs).toEqual([]);
  });
});

describe('function URLs on disk', () => {
  it('survive a restart on the same port, and go away with DeleteFunction', async () => {
    const first = await startUrlEmulator({ keepState: true });
    const stateDir = first.stateDir;
    let url: string;
    try {
      await createFunction(first.lambda, 'kept', ECHO_BOOTSTRAP);
      await allowPublicUrl(first.lambda, 'kept');
      url = (
        await first.lambda.send(
          new CreateFunctionUrlConfigCommand({
            FunctionName: 'kept',
            AuthType: 'NONE',
            InvokeMode: 'RESPONSE_STREAM',
          }),
        )
      ).FunctionUrl!;
    } finally {
      await first.close();
    }
    expect(await errorOf(fetch(url))).toMatchObject({ name: 'TypeError' }); // closed with the emulator

    const second = await startUrlEmulator({ stateDir });
    try {
      const got = await second.lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: 'kept' }));
      expect(got).toMatchObject({ FunctionUrl: url, InvokeMode: 'RESPONSE_STREAM', AuthType: 'NONE' });
      const res = await fetch(`${url}again?x=1`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ rawPath: '/again', rawQueryString: 'x=1' });

      await second.lambda.send(new DeleteFunctionCommand({ FunctionName: 'kept' }));
      expect(existsSync(path.join(stateDir, 'lambda', 'function-urls', 'kept.json'))).toBe(false);
      await expect(fetch(url)).rejects.toThrow();
      expect(
        await errorOf(second.lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: 'kept' }))),
      ).toMatchObject({ name: 'ResourceNotFoundException' });
    } finally {
      await second.close();
    }
  });

  it('move to a free port when their old one is taken at start', async () => {
    const first = await startUrlEmulator({ keepState: true });
    let url: string;
    try {
      await createFunction(first.lambda, 'moved', ECHO_BOOTSTRAP);
      await allowPublicUrl(first.lambda, 'moved');
      url = (
        await first.lambda.send(
          new CreateFunctionUrlConfigCommand({ FunctionName: 'moved', AuthType: 'NONE' }),
        )
      ).FunctionUrl!;
    } finally {
      await first.close();
    }
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(Number(new URL(url).port), '127.0.0.1', resolve));
    const second = await startUrlEmulator({ stateDir: first.stateDir });
    try {
      const got = await second.lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: 'moved' }));
      expect(got.FunctionUrl).not.toBe(url);
      expect((await fetch(got.FunctionUrl!)).status).toBe(200);
    } finally {
      await second.close();
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });
});

describe('function URLs over a data plane without streaming', () => {
  it('serve RESPONSE_STREAM from the buffered invoke (test fakes need no invokeStreaming)', async () => {
    const t = await startTestEmulator();
    try {
      await t.lambda.send(
        new CreateFunctionCommand({
          FunctionName: 'fake',
          Runtime: 'provided.al2023',
          Handler: 'h',
          Role: ROLE,
          Code: { ZipFile: await BOOTSTRAP_ZIP() },
        }),
      );
      await waitUntilFunctionActiveV2({ client: t.lambda, ...WAIT }, { FunctionName: 'fake' });
      await allowPublicUrl(t.lambda, 'fake');
      const { FunctionUrl } = await t.lambda.send(
        new CreateFunctionUrlConfigCommand({
          FunctionName: 'fake',
          AuthType: 'NONE',
          InvokeMode: 'RESPONSE_STREAM',
        }),
      );
      const res = await fetch(FunctionUrl!);
      expect(res.status).toBe(200);
      // The fake answers with the snapshot it resolved.
      expect(await res.json()).toMatchObject({ functionName: 'fake', version: '$LATEST' });
    } finally {
      await t.close();
    }
  });
});
