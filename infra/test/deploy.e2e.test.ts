/**
 * `caprice deploy` against the emulator through the real SDK clients: what a first deploy creates, that a second
 * one makes no mutating call, what a code or layer change touches, conflict retries, dry runs, and that both
 * triggers work afterwards. Needs the built zips (turbo runs `^zip` first).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetFunctionCommand, LambdaClient, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SESClient } from '@aws-sdk/client-ses';
import { createHttpApiFrontDoor, type Emulator, emailExtension, startEmulator } from '@caprice/emulator';
import { writeReproducibleZip } from '@caprice/lambda-bundle';
import { createTransport } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployCommand } from '../src/commands/deploy.js';
import { type Artifact, type Artifacts, loadArtifacts } from '../src/deploy/artifacts.js';
import { deployStack } from '../src/deploy/deploy.js';
import { deployEmailTrigger } from '../src/deploy/email-trigger.js';
import { waitForReply } from '../src/dev/demo.js';
import { defineStack } from '../stack.js';
import { ROOT } from './helpers/dev-process.js';
import { READ_ONLY, recordCalls } from './helpers/record-calls.js';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

async function zipArtifact(
  dir: string,
  name: string,
  entries: { path: string; data: string }[],
): Promise<Artifact> {
  const file = path.join(dir, name);
  const result = await writeReproducibleZip(file, entries);
  const { readFile } = await import('node:fs/promises');
  const bytes = await readFile(file);
  return { path: file, bytes, size: bytes.length, codeSha256: result.codeSha256 };
}

/**
 * Whether every function mutation was followed by the SDK waiter's GetFunction before anything else was sent
 * (waitUntilFunctionActiveV2 / waitUntilFunctionUpdatedV2 poll GetFunction).
 */
function waitedAfterEachMutation(calls: readonly string[]): boolean {
  const mutations = /^(CreateFunction|UpdateFunctionCode|UpdateFunctionConfiguration)$/;
  const at = calls.flatMap((c, i) => (mutations.test(c) ? [i] : []));
  if (at.length === 0) throw new Error('no function mutation recorded');
  return at.every((i) => calls[i + 1] === 'GetFunction');
}

describe('deploy to the emulator', () => {
  const stack = defineStack({});
  let stateDir: string;
  let emulator: Emulator;
  let smtpPort = 0;
  const calls: string[] = [];
  let lambda: LambdaClient;
  let s3: S3Client;
  let ses: SESClient;
  let artifacts: Artifacts;
  const mutating = () => calls.filter((c) => !READ_ONLY.test(c));

  const deployAll = async (a: Artifacts, extra: Partial<Parameters<typeof deployStack>[0]> = {}) => {
    const result = await deployStack({
      stack,
      lambda,
      artifacts: a,
      conflictRetry: { attempts: 10, baseDelayMs: 100 },
      ...extra,
    });
    const emailFn = result.functions.find((f) => f.name === stack.triggers.email?.function);
    const triggers = emailFn
      ? await deployEmailTrigger(stack, emailFn.arn, { lambda, s3, ses }, { dryRun: extra.dryRun ?? false })
      : [];
    return { result, triggers };
  };

  beforeAll(async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), 'caprice-deploy-e2e-'));
    emulator = await startEmulator({
      port: 0,
      stateDir,
      createDelayMs: 100,
      updateDelayMs: 300,
      extensions: [emailExtension({ smtpPort: 0, onReady: ({ smtp }) => (smtpPort = smtp.port) })],
    });
    const config = { endpoint: emulator.url, region: stack.region, credentials };
    lambda = recordCalls(new LambdaClient(config), calls);
    s3 = recordCalls(new S3Client({ ...config, forcePathStyle: true }), calls);
    ses = recordCalls(new SESClient(config), calls);
    artifacts = await loadArtifacts(ROOT, stack);
  }, 60_000);

  afterAll(async () => {
    lambda?.destroy();
    s3?.destroy();
    ses?.destroy();
    await emulator?.close();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('first deploy publishes the layer, creates both functions and wires the email trigger', async () => {
    const { result, triggers } = await deployAll(artifacts);
    expect(result.layers).toEqual([
      expect.objectContaining({
        architecture: 'x86_64',
        published: true,
        arn: expect.stringMatching(/:layer:caprice-node:1$/),
      }),
    ]);
    expect(result.functions.map((f) => [f.name, f.steps.map((s) => s.kind)])).toEqual([
      ['caprice-http-api', ['create']],
      ['caprice-email-bot', ['create']],
    ]);
    expect(triggers.map((t) => t.call)).toEqual([
      'CreateBucket',
      'AddPermission',
      'PutBucketPolicy',
      'PutBucketNotificationConfiguration',
      'CreateReceiptRuleSet',
      'CreateReceiptRule',
      'SetActiveReceiptRuleSet',
    ]);
    // Each function as the stack describes it, on the layer just published, with a waiter after each create.
    expect(mutating().filter((c) => !/Bucket|Receipt|Permission/.test(c))).toEqual([
      'PublishLayerVersion',
      'CreateFunction',
      'CreateFunction',
    ]);
    expect(waitedAfterEachMutation(calls)).toBe(true);
    for (const spec of stack.functions) {
      const { Configuration: c } = await lambda.send(new GetFunctionCommand({ FunctionName: spec.name }));
      expect(c).toMatchObject({
        Runtime: 'provided.al2023',
        Handler: 'index.handler',
        MemorySize: spec.memorySize,
        Timeout: spec.timeout,
        Architectures: [spec.architecture],
        Role: spec.role,
        Layers: [expect.objectContaining({ Arn: result.layers[0]?.arn })],
        CodeSha256: artifacts.functions[spec.app]?.codeSha256,
        State: 'Active',
        LastUpdateStatus: 'Successful',
      });
      expect(c?.Environment?.Variables ?? {}).toEqual(spec.environment);
    }
  }, 120_000);

  it('both triggers work after the deploy: a mail gets its reply, the function answers the API event', async () => {
    const transport = createTransport({ host: '127.0.0.1', port: smtpPort, ignoreTLS: true });
    const info = await transport.sendMail({
      from: 'Tester <tester@example.com>',
      to: stack.triggers.email?.recipients[0],
      subject: 'After deploy',
      text: 'does the deployed bot answer?',
    });
    transport.close();
    const reply = await waitForReply(`${emulator.url}/_caprice/ses/outbox`, info.messageId, {
      timeoutMs: 30_000,
    });
    expect(reply.subject).toBe('Re: After deploy');
    expect(reply.text.toLowerCase()).toContain('does the deployed bot answer?');

    const event = {
      version: '2.0',
      rawPath: '/',
      rawQueryString: 'text=ok',
      queryStringParameters: { text: 'ok' },
      headers: {},
      isBase64Encoded: false,
      requestContext: {
        http: { method: 'GET', path: '/', sourceIp: '127.0.0.1', protocol: 'HTTP/1.1', userAgent: 't' },
        requestId: 'r',
        routeKey: '$default',
        stage: '$default',
        accountId: stack.account,
        apiId: 'a',
        domainName: 'localhost',
        domainPrefix: 'localhost',
        time: '',
        timeEpoch: 0,
      },
      routeKey: '$default',
    };
    const out = await emulator.dataPlane.invoke('caprice-http-api', Buffer.from(JSON.stringify(event)));
    const result = JSON.parse(Buffer.from(out.payload).toString()) as { statusCode: number; body: string };
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body).text.toLowerCase()).toBe('ok');
  }, 60_000);

  it('the HTTP API front door, built from the stack as caprice dev does, answers through the deployed function', async () => {
    const http = stack.triggers.http;
    if (!http) throw new Error('the stack has no HTTP trigger');
    const door = await createHttpApiFrontDoor({
      functionName: http.function,
      region: stack.region,
      accountId: stack.account,
      invoke: async (name, payload) => {
        const out = await emulator.dataPlane.invoke(name, payload);
        return { payload: out.payload, ...(out.functionError ? { functionError: out.functionError } : {}) };
      },
    }).listen({ host: '127.0.0.1', port: 0 });
    try {
      const res = await fetch(`${door.url}/?text=hello`, { signal: AbortSignal.timeout(20_000) });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { text: string }).text.toLowerCase()).toBe('hello');
    } finally {
      await door.close();
    }
  }, 60_000);

  it('a second deploy with nothing changed makes no mutating call', async () => {
    calls.length = 0;
    const { result, triggers } = await deployAll(artifacts);
    expect(result.changed).toBe(false);
    expect(triggers).toEqual([]);
    expect(mutating()).toEqual([]);
    expect(calls.length).toBeGreaterThan(0);
  }, 60_000);

  it('a code change updates only that function, with UpdateFunctionCode alone', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'caprice-zip-'));
    try {
      const { readFile } = await import('node:fs/promises');
      const bundle = await readFile(
        path.join(ROOT, 'apps', 'http-api', 'dist', 'bundle', 'index.mjs'),
        'utf8',
      );
      const changed = await zipArtifact(dir, 'http-api.zip', [
        { path: 'index.mjs', data: `${bundle}\n// changed\n` },
      ]);
      calls.length = 0;
      const { result } = await deployAll({
        ...artifacts,
        functions: { ...artifacts.functions, 'http-api': changed },
      });
      expect(result.functions.map((f) => [f.name, f.steps.map((s) => s.kind)])).toEqual([
        ['caprice-http-api', ['updateCode']],
        ['caprice-email-bot', []],
      ]);
      expect(mutating()).toEqual(['UpdateFunctionCode']);
      expect(waitedAfterEachMutation(calls)).toBe(true);
      // Put the built code back, so later steps compare against what is on disk.
      await deployAll(artifacts);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('a layer change publishes a new version and moves both functions to it', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'caprice-zip-'));
    try {
      // A tiny stand-in layer: this test is about the calls, not about running it.
      const layer = await zipArtifact(dir, 'layer.zip', [{ path: 'bootstrap', data: '#!/bin/sh\nexit 1\n' }]);
      calls.length = 0;
      const { result } = await deployAll({ ...artifacts, layers: { x86_64: layer } });
      expect(result.layers[0]).toMatchObject({
        published: true,
        arn: expect.stringMatching(/:layer:caprice-node:2$/),
      });
      expect(result.functions.map((f) => f.steps.map((s) => s.kind))).toEqual([
        ['updateConfiguration'],
        ['updateConfiguration'],
      ]);
      expect(mutating()).toEqual([
        'PublishLayerVersion',
        'UpdateFunctionConfiguration',
        'UpdateFunctionConfiguration',
      ]);
      expect(waitedAfterEachMutation(calls)).toBe(true);
      // And back: the real layer's version 1 carries the same hash, so it is reused, not published again.
      calls.length = 0;
      const back = await deployAll(artifacts);
      expect(back.result.layers[0]).toMatchObject({
        published: false,
        arn: expect.stringMatching(/:layer:caprice-node:1$/),
      });
      expect(mutating()).toEqual(['UpdateFunctionConfiguration', 'UpdateFunctionConfiguration']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('retries ResourceConflictException while another update is in progress', async () => {
    // Prepare: someone else starts an update (InProgress for updateDelayMs).
    await lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: 'caprice-http-api',
        Description: 'someone else',
      }),
    );
    calls.length = 0;
    // Act: our deploy wants to put the description back while that update runs.
    const { result } = await deployAll(artifacts);
    // Assess: the first attempt conflicted and was retried until it went through.
    expect(result.functions[0]?.steps.map((s) => s.kind)).toEqual(['updateConfiguration']);
    expect(mutating().filter((c) => c === 'UpdateFunctionConfiguration').length).toBeGreaterThan(1);
  }, 60_000);

  it('--dry-run reads the state and lists the plan without changing anything', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'caprice-zip-'));
    try {
      const changed = await zipArtifact(dir, 'email-bot.zip', [
        { path: 'index.mjs', data: 'export const handler = () => 1;\n' },
      ]);
      calls.length = 0;
      const { result } = await deployAll(
        { ...artifacts, functions: { ...artifacts.functions, 'email-bot': changed } },
        { dryRun: true },
      );
      expect(result.dryRun).toBe(true);
      expect(result.functions.find((f) => f.name === 'caprice-email-bot')?.steps.map((s) => s.kind)).toEqual([
        'updateCode',
      ]);
      expect(mutating()).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('the CLI command prints a JSON result and reports nothing to change', async () => {
    const lines: string[] = [];
    const outcome = await deployCommand({
      root: ROOT,
      endpoint: emulator.url,
      build: false,
      json: true,
      env: {},
      print: (line) => lines.push(line),
    });
    expect(outcome.changed, JSON.stringify(outcome)).toBe(false);
    const printed = JSON.parse(lines.join('\n')) as { functions: { name: string; arn: string }[] };
    expect(printed.functions.map((f) => f.arn)).toEqual([
      'arn:aws:lambda:us-east-1:000000000000:function:caprice-http-api',
      'arn:aws:lambda:us-east-1:000000000000:function:caprice-email-bot',
    ]);
    expect(outcome.endpoints).toEqual([
      'http://127.0.0.1:3000 (caprice dev)',
      'mail to bot@caprice.localhost',
    ]);
  }, 60_000);

  it('the CLI command prints progress and ends with the ARNs and endpoints', async () => {
    const lines: string[] = [];
    await deployCommand({
      root: ROOT,
      endpoint: emulator.url,
      build: false,
      dryRun: true,
      env: {},
      print: (line) => lines.push(line),
    });
    expect(lines[0]).toBe(`Deploying to ${emulator.url} (dry run: nothing is changed)`);
    expect(lines).toContain('function caprice-http-api: unchanged');
    expect(lines).toContain('Nothing to change.');
    expect(lines.slice(-4)).toEqual([
      expect.stringMatching(/^ {2}caprice-http-api {2}arn:aws:lambda:/),
      expect.stringMatching(/^ {2}caprice-email-bot {2}arn:aws:lambda:/),
      '  endpoint  http://127.0.0.1:3000 (caprice dev)',
      '  endpoint  mail to bot@caprice.localhost',
    ]);
  }, 60_000);

  it('a function URL from the stack is created on the emulator through the same code path as AWS, and answers', async () => {
    const env = { CAPRICE_FUNCTION_URL: '1', CAPRICE_HTTP_API: '0' };
    const first = await deployCommand({
      root: ROOT,
      endpoint: emulator.url,
      build: false,
      json: true,
      env,
      print: () => {},
    });
    expect(first.http.map((s) => ('permission' in s ? `${s.call}:${s.permission}` : s.call))).toEqual([
      'CreateFunctionUrlConfig',
      'AddPermission:functionUrl',
      'AddPermission:functionUrlInvoke',
    ]);
    const url = first.endpoints.find((e) => e.startsWith('http'));
    expect(url).toBeDefined();
    const res = await fetch(new URL('/?text=via-url', url), { signal: AbortSignal.timeout(20_000) });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { text: string }).text.toLowerCase()).toBe('via-url');

    const again = await deployCommand({
      root: ROOT,
      endpoint: emulator.url,
      build: false,
      json: true,
      env,
      print: () => {},
    });
    expect(again.http).toEqual([]);
    expect(again.endpoints).toContain(url);
  }, 60_000);

  it('says what to do when nothing answers at the endpoint', async () => {
    await expect(
      deployCommand({ root: ROOT, endpoint: 'http://127.0.0.1:9', build: false, env: {}, print: () => {} }),
    ).rejects.toMatchObject({ code: 'INFRA_ENDPOINT_DOWN', message: expect.stringMatching(/caprice dev/) });
  }, 30_000);
});
