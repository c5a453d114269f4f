/**
 * Credentials, the way a user meets them: `caprice deploy` as a child process of the real CLI.
 * - With no credentials anywhere in the SDK's standard chain (no env, no profile files, instance metadata off),
 *   it stops before any call with INFRA_NO_CREDENTIALS and says what to do — no network is touched.
 * - With real-looking (canary) credentials in the environment and `--endpoint`, the emulator gets the throwaway
 *   ones (checked on the wire by a recording proxy in front of the real emulator) and no output shows the canary.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Emulator, emailExtension, startEmulator } from '@caprice/emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './helpers/dev-process.js';

const CANARY = {
  AWS_ACCESS_KEY_ID: 'AKIACANARYDONOTLEAK1',
  AWS_SECRET_ACCESS_KEY: 'canarySecret/0a1b2c3d4e5f+DoNotLeak',
  AWS_SESSION_TOKEN: 'canarySession-DoNotLeak',
};

/** The environment of a machine with no AWS setup at all: only what Node and the CLI need. */
function bareEnv(home: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: home,
    NODE_NO_WARNINGS: '1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    // No ~/.aws files, and no instance-metadata probe (it would leave 127.0.0.1).
    AWS_CONFIG_FILE: path.join(home, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'no-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

function caprice(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'infra', 'bin', 'caprice.mjs'), ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('caprice deploy and credentials', () => {
  let home: string;
  let emulator: Emulator;
  let proxy: Server;
  let proxyUrl = '';
  /** The `Credential=<access key id>/…` of every request that reached the emulator through the proxy. */
  const accessKeys: string[] = [];

  beforeAll(async () => {
    home = await mkdtemp(path.join(tmpdir(), 'caprice-creds-'));
    emulator = await startEmulator({
      port: 0,
      stateDir: path.join(home, 'state'),
      extensions: [emailExtension({ smtpPort: 0 })],
    });
    const target = new URL(emulator.url);
    proxy = createServer((req, res) => {
      const auth = String(req.headers.authorization ?? '');
      accessKeys.push(/Credential=([^/]+)\//.exec(auth)?.[1] ?? '(unsigned)');
      const upstream = request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  }, 60_000);

  afterAll(async () => {
    await new Promise((resolve) => proxy?.close(resolve));
    await emulator?.close();
    await rm(home, { recursive: true, force: true });
  });

  it('with no credentials in the SDK chain, stops before any call and says what to do', async () => {
    const out = await caprice(['deploy', '--no-build', '--target', 'aws'], bareEnv(home));
    expect(out.code, out.stdout + out.stderr).toBe(1);
    expect(out.stderr).toMatch(
      /^error INFRA_NO_CREDENTIALS: No AWS credentials found: set AWS_PROFILE .*aws sso login.*--target local/m,
    );
  });

  it('--dry-run on an empty account prints every call it would make and why, and changes nothing', async () => {
    const env = bareEnv(home);
    const out = await caprice(['deploy', '--no-build', '--endpoint', proxyUrl, '--dry-run'], env);
    expect(out.code, out.stderr).toBe(0);
    const lines = out.stdout.split('\n');
    expect(lines[0]).toBe(`Deploying to ${proxyUrl} (dry run: nothing is changed)`);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^layer caprice-node \(x86_64\): would call PublishLayerVersion \(no version has content \S+=\)$/,
        ),
        'function caprice-http-api: would call CreateFunction (the function does not exist yet)',
        'function caprice-email-bot: would call CreateFunction (the function does not exist yet)',
        'email trigger: would call CreateBucket (bucket caprice-inbound-mail does not exist)',
        'email trigger: would call AddPermission (s3.amazonaws.com may not invoke caprice-email-bot yet)',
        'email trigger: would call PutBucketPolicy (ses.amazonaws.com may not write to caprice-inbound-mail/inbound/ yet)',
        'email trigger: would call PutBucketNotificationConfiguration (ObjectCreated under inbound/ → caprice-email-bot)',
        'email trigger: would call CreateReceiptRuleSet (rule set caprice does not exist)',
        'email trigger: would call CreateReceiptRule (rule caprice-inbound does not exist)',
        'email trigger: would call SetActiveReceiptRuleSet (active rule set is (none))',
        'Planned changes listed above.',
      ]),
    );
    // Nothing was made: a second dry run plans the same calls.
    const again = await caprice(['deploy', '--no-build', '--endpoint', proxyUrl, '--dry-run'], env);
    expect(again.stdout.split('\n').filter((l) => l.includes('would call'))).toEqual(
      lines.filter((l) => l.includes('would call')),
    );
  }, 120_000);

  it('sends the emulator throwaway credentials, never the ones in the environment, and prints none', async () => {
    const env = { ...bareEnv(home), ...CANARY };
    const runs = [
      await caprice(['deploy', '--no-build', '--endpoint', proxyUrl, '--dry-run'], env),
      await caprice(['deploy', '--no-build', '--endpoint', proxyUrl, '--json', '--dry-run'], env),
      // An error path prints too: a region the stack refuses.
      await caprice(['deploy', '--no-build', '--endpoint', proxyUrl, '--region', 'mars'], env),
    ];
    expect(runs.map((r) => r.code)).toEqual([0, 0, 1]);
    expect(runs[2]?.stderr).toMatch(/^error INFRA_STACK_INVALID: Invalid stack: region is "mars"/m);
    for (const run of runs) {
      for (const secret of Object.values(CANARY)) {
        expect(run.stdout + run.stderr, 'a canary in the output').not.toContain(secret);
      }
    }
    expect(accessKeys.length).toBeGreaterThan(0);
    expect(new Set(accessKeys)).toEqual(new Set(['caprice-local']));
  }, 120_000);
});
