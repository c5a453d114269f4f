import { existsSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  AddPermissionCommand,
  CreateAliasCommand,
  CreateFunctionCommand,
  GetAliasCommand,
  GetFunctionCommand,
  GetPolicyCommand,
  ListLayerVersionsCommand,
  ListVersionsByFunctionCommand,
  PublishLayerVersionCommand,
  PublishVersionCommand,
  PutFunctionConcurrencyCommand,
  waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import { ListenError, StateFileError } from '../../src/errors.js';
import { startEmulator } from '../../src/server.js';
import { BOOTSTRAP_ZIP, makeZip, ROLE, startTestEmulator } from './helpers.js';

const WAIT = { minDelay: 0.1, maxDelay: 0.2, maxWaitTime: 10 };

describe('emulator state on disk', () => {
  let stateDir: string;
  afterAll(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  it('keeps functions, versions, aliases, layers, policies and concurrency across a restart', async () => {
    // Prepare
    stateDir = await mkdtemp(path.join(tmpdir(), 'caprice-persist-'));
    const first = await startTestEmulator({ stateDir, keepState: true });
    const layer = await first.lambda.send(
      new PublishLayerVersionCommand({
        LayerName: 'rt',
        Content: { ZipFile: await makeZip({ bootstrap: 'x' }) },
      }),
    );
    const created = await first.lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'keep',
        Runtime: 'provided.al2023',
        Handler: 'h',
        Role: ROLE,
        Code: { ZipFile: await BOOTSTRAP_ZIP() },
        Layers: [layer.LayerVersionArn!],
      }),
    );
    await waitUntilFunctionActiveV2({ client: first.lambda, ...WAIT }, { FunctionName: 'keep' });
    await first.lambda.send(new PublishVersionCommand({ FunctionName: 'keep' }));
    await first.lambda.send(
      new CreateAliasCommand({ FunctionName: 'keep', Name: 'prod', FunctionVersion: '1' }),
    );
    await first.lambda.send(
      new AddPermissionCommand({
        FunctionName: 'keep',
        StatementId: 'ses',
        Action: 'lambda:InvokeFunction',
        Principal: 'ses.amazonaws.com',
      }),
    );
    await first.lambda.send(
      new PutFunctionConcurrencyCommand({ FunctionName: 'keep', ReservedConcurrentExecutions: 2 }),
    );
    await first.close();

    // Act
    const second = await startTestEmulator({ stateDir, keepState: true });
    try {
      // Assess
      const got = await second.lambda.send(new GetFunctionCommand({ FunctionName: 'keep' }));
      expect(got.Configuration?.CodeSha256).toBe(created.CodeSha256);
      expect(got.Configuration?.State).toBe('Active');
      expect(got.Configuration?.Layers?.[0]?.Arn).toBe(layer.LayerVersionArn);
      expect(got.Concurrency?.ReservedConcurrentExecutions).toBe(2);
      const versions = await second.lambda.send(new ListVersionsByFunctionCommand({ FunctionName: 'keep' }));
      expect(versions.Versions?.map((v) => v.Version)).toEqual(['$LATEST', '1']);
      const alias = await second.lambda.send(new GetAliasCommand({ FunctionName: 'keep', Name: 'prod' }));
      expect(alias.FunctionVersion).toBe('1');
      const policy = await second.lambda.send(new GetPolicyCommand({ FunctionName: 'keep' }));
      expect(JSON.parse(policy.Policy!).Statement[0].Sid).toBe('ses');
      const layers = await second.lambda.send(new ListLayerVersionsCommand({ LayerName: 'rt' }));
      expect(layers.LayerVersions).toHaveLength(1);
      const snap = second.emulator.lambda.resolve('keep', 'prod');
      expect(snap.version).toBe('1');
      expect(snap.codeDir.startsWith(stateDir)).toBe(true);
    } finally {
      await second.close();
    }
  });

  it('finishes a transition that a restart interrupted', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'caprice-persist-'));
    const first = await startTestEmulator({ stateDir: dir, keepState: true, createDelayMs: 60_000 });
    const created = await first.lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'slow',
        Runtime: 'provided.al2023',
        Handler: 'h',
        Role: ROLE,
        Code: { ZipFile: await BOOTSTRAP_ZIP() },
      }),
    );
    expect(created.State).toBe('Pending');
    await first.close();
    const second = await startTestEmulator({ stateDir: dir });
    try {
      const got = await second.lambda.send(new GetFunctionCommand({ FunctionName: 'slow' }));
      expect(got.Configuration?.State).toBe('Active');
    } finally {
      await second.close();
    }
  });
  it('refuses a corrupt state file with StateFileError naming it, before taking the port', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'caprice-corrupt-'));
    const bad = path.join(dir, 'lambda', 'functions', 'broken.json');
    await mkdir(path.dirname(bad), { recursive: true });
    await writeFile(bad, '{"name": "broken", truncated');
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
    try {
      const err = await startEmulator({ port, stateDir: dir }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(StateFileError);
      expect((err as StateFileError).code).toBe('EMULATOR_STATE_CORRUPT');
      expect((err as Error).message).toBe(
        `Cannot read emulator state file ${bad}; fix or delete it (or the whole state folder)`,
      );
      // Nothing was left listening: once the file is gone, the same port starts.
      await rm(bad);
      const again = await startEmulator({ port, stateDir: dir });
      await again.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports a taken port as ListenError with what to do, touching nothing of the running emulator', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'caprice-port-'));
    const first = await startEmulator({ port: 0, stateDir: dir });
    const marker = path.join(dir, 'tmp', 'in-progress');
    writeFileSync(marker, 'x');
    try {
      const err = await startEmulator({ port: first.port, stateDir: dir }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ListenError);
      expect((err as ListenError).code).toBe('EMULATOR_LISTEN_FAILED');
      expect((err as Error).message).toMatch(
        new RegExp(
          `^Cannot listen on 127\\.0\\.0\\.1:${first.port} \\(listen EADDRINUSE.*\\); pick another --port or stop what is using it$`,
        ),
      );
      expect((await fetch(`${first.url}/_caprice/health`)).status).toBe(200);
      // The failed start left the running emulator's scratch folder alone.
      expect(existsSync(marker)).toBe(true);
    } finally {
      await first.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
