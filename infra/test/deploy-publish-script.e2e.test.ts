/**
 * The per-app publish scripts, run the way a user runs them (`pnpm --filter @caprice/email-bot run publish`),
 * pointed at an emulator: each deploys its own function (and the layer), not the other app's; `pnpm deploy:all`
 * (the root script) deploys the whole stack.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { type Emulator, emailExtension, startEmulator } from '@caprice/emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './helpers/dev-process.js';

// The pnpm that runs this test (pnpm sets npm_execpath for scripts); a fresh machine may have no global pnpm,
// only the one `npx pnpm@…` fetched.
const PNPM: [string, string[]] = process.env.npm_execpath?.includes('pnpm')
  ? [process.execPath, [process.env.npm_execpath]]
  : ['pnpm', []];

function run(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(PNPM[0], [...PNPM[1], ...args], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CI: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('per-app publish scripts', () => {
  let stateDir: string;
  let emulator: Emulator;
  let lambda: LambdaClient;

  beforeAll(async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), 'caprice-publish-'));
    emulator = await startEmulator({
      port: 0,
      stateDir,
      createDelayMs: 50,
      updateDelayMs: 50,
      extensions: [emailExtension({ smtpPort: 0 })],
    });
    lambda = new LambdaClient({
      endpoint: emulator.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
  }, 60_000);

  afterAll(async () => {
    lambda?.destroy();
    await emulator?.close();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('pnpm --filter @caprice/email-bot run publish deploys only the email bot (and the layer and its trigger)', async () => {
    const out = await run(
      [
        '--filter',
        '@caprice/email-bot',
        'run',
        'publish',
        '--endpoint',
        emulator.url,
        '--no-build',
        '--json',
      ],
      ROOT,
    );
    expect(out.code, out.stderr).toBe(0);
    const result = JSON.parse(out.stdout.slice(out.stdout.indexOf('{'))) as {
      functions: { name: string }[];
      layers: { published: boolean }[];
      triggers: { call: string }[];
    };
    expect(result.functions.map((f) => f.name)).toEqual(['caprice-email-bot']);
    expect(result.layers).toEqual([expect.objectContaining({ published: true })]);
    expect(result.triggers.map((t) => t.call)).toContain('SetActiveReceiptRuleSet');
    await expect(
      lambda.send(new GetFunctionCommand({ FunctionName: 'caprice-http-api' })),
    ).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  }, 120_000);

  it('the http-api script works from the app folder and reuses the layer', async () => {
    const out = await run(
      ['run', 'publish', '--endpoint', emulator.url, '--no-build'],
      path.join(ROOT, 'apps', 'http-api'),
    );
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/layer caprice-node \(x86_64\): unchanged/);
    expect(out.stdout).toMatch(
      /function caprice-http-api: calling CreateFunction \(the function does not exist yet\)/,
    );
    expect(out.stdout).not.toMatch(/caprice-email-bot/);
    expect(out.stdout).toMatch(/caprice dev` serves the HTTP API front door/);
  }, 120_000);

  it('pnpm deploy:all deploys the whole stack: after both publish scripts, nothing is left to change', async () => {
    const out = await run(['deploy:all', '--endpoint', emulator.url, '--no-build', '--json'], ROOT);
    expect(out.code, out.stderr).toBe(0);
    const result = JSON.parse(out.stdout.slice(out.stdout.indexOf('{'))) as {
      changed: boolean;
      functions: { name: string; steps: unknown[] }[];
      layers: { published: boolean }[];
    };
    expect(result.functions.map((f) => [f.name, f.steps])).toEqual([
      ['caprice-http-api', []],
      ['caprice-email-bot', []],
    ]);
    expect(result.layers).toEqual([expect.objectContaining({ published: false })]);
    expect(result.changed).toBe(false);
  }, 120_000);
});
