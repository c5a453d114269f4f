/**
 * `caprice invoke` and `caprice logs` through the CLI's `main()`, against an emulator running the real layer and
 * the http-api zip (turbo builds the zips before this package's tests).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { type Emulator, startEmulator } from '@caprice/emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliIo, main } from '../src/cli.js';
import { loadArtifacts } from '../src/deploy/artifacts.js';
import { deployStack } from '../src/deploy/deploy.js';
import { defineStack } from '../stack.js';
import { ROOT } from './helpers/dev-process.js';

function io(stop: Promise<void> = Promise.resolve()): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (l) => out.push(l), stderr: (l) => err.push(l), waitForStop: () => stop };
}

describe('caprice invoke and logs', () => {
  const stack = defineStack({});
  let stateDir: string;
  let emulator: Emulator;

  beforeAll(async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), 'caprice-invoke-'));
    emulator = await startEmulator({ port: 0, stateDir, createDelayMs: 50, updateDelayMs: 50 });
    const lambda = new LambdaClient({
      endpoint: emulator.url,
      region: stack.region,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    const httpOnly = { ...stack, functions: stack.functions.filter((f) => f.app === 'http-api') };
    await deployStack({ stack: httpOnly, lambda, artifacts: await loadArtifacts(ROOT, httpOnly) });
    lambda.destroy();
  }, 120_000);

  afterAll(async () => {
    await emulator?.close();
    await rm(stateDir, { recursive: true, force: true });
  });

  it.each(['apigw-v1', 'apigw-v2', 'url', 'alb'])(
    'invokes the HTTP function with a real-shaped %s event',
    async (kind) => {
      const cli = io();
      const code = await main(
        ['invoke', 'caprice-http-api', '--event', kind, '--endpoint', emulator.url],
        cli,
      );
      expect(code, cli.err.join('\n')).toBe(0);
      const resultLine = cli.out.find((l) => l.startsWith('result  '));
      const result = JSON.parse(resultLine?.slice('result  '.length) ?? '{}') as {
        statusCode: number;
        body: string;
      };
      expect(result.statusCode).toBe(200);
      expect((JSON.parse(result.body) as { text: string }).text.toLowerCase()).toBe(
        'hello from caprice invoke',
      );
      // The log tail comes along, framed like CloudWatch.
      expect(cli.out.some((l) => /^log +REPORT RequestId: /.test(l))).toBe(true);
    },
  );

  it('takes a payload from a file, and reports a function error with exit status 1', async () => {
    const file = path.join(stateDir, 'event.json');
    await writeFile(file, JSON.stringify({ not: 'an http event' }));
    const cli = io();
    const code = await main(
      ['invoke', 'caprice-http-api', '--payload', `@${file}`, '--endpoint', emulator.url],
      cli,
    );
    // The function answers an unknown event shape itself (a 400 result), so the invoke succeeds.
    expect(code, cli.err.join('\n')).toBe(0);
    expect(cli.out.at(-1)).toMatch(/^result +\{.*"statusCode":400/);
  });

  it.each([
    [['invoke', 'caprice-http-api', '--payload', '{nope'], /CAPRICE_INVALID_OPTION: --payload is not JSON/],
    [['invoke', 'caprice-http-api', '--payload', '@/no/such/file.json'], /Cannot read --payload file/],
    [
      ['invoke', 'caprice-http-api', '--event', 'kafka'],
      /Invalid --event "kafka": expected one of s3-put, ses/,
    ],
    [['invoke', 'caprice-http-api', '--event', 'url', '--payload', '{}'], /either --payload or --event/],
    [['invoke'], /needs exactly one function name/],
    [['invoke', 'caprice-http-api', '--target', 'mars'], /Invalid --target "mars"/],
  ])('refuses %j with a message saying what to do', async (argv, message) => {
    const cli = io();
    expect(await main([...argv, '--endpoint', emulator.url], cli)).toBe(1);
    expect(cli.err.join('\n')).toMatch(message);
  });

  it('says so when the function does not exist', async () => {
    const cli = io();
    expect(await main(['invoke', 'nope', '--event', 'url', '--endpoint', emulator.url], cli)).toBe(1);
    expect(cli.err[0]).toMatch(/^error .*Function not found/);
  });

  it('prints the START / END / REPORT-framed log of a function', async () => {
    const cli = io();
    expect(await main(['logs', 'caprice-http-api', '--state-dir', stateDir], cli)).toBe(0);
    const text = cli.out.join('\n');
    expect(text).toMatch(/^START RequestId: \S+ Version: \$LATEST$/m);
    expect(text).toMatch(
      /^REPORT RequestId: \S+\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\tMemory Size: 256 MB/m,
    );
  });

  it('follows the log: what a later invoke writes is printed until stopped', async () => {
    let stop: () => void = () => {};
    const stopped = new Promise<void>((resolve) => {
      stop = resolve;
    });
    const cli = io(stopped);
    const following = main(['logs', 'caprice-http-api', '--follow', '--state-dir', stateDir], cli);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const before = cli.out.join('\n').split('REPORT RequestId').length;
    expect(
      await main(['invoke', 'caprice-http-api', '--event', 'url', '--endpoint', emulator.url], io()),
    ).toBe(0);
    const deadline = Date.now() + 10_000;
    while (cli.out.join('\n').split('REPORT RequestId').length === before && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    stop();
    expect(await following).toBe(0);
    expect(cli.out.join('\n').split('REPORT RequestId').length).toBe(before + 1);
  });

  it('refuses to read logs for a name that is not a function name', async () => {
    const cli = io();
    expect(await main(['logs', '../../etc/passwd', '--state-dir', stateDir], cli)).toBe(1);
    expect(cli.err[0]).toMatch(/Invalid function name/);
  });
});
