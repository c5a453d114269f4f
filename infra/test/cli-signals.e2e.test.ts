/**
 * Ctrl-C under `pnpm caprice …` can reach the CLI twice: the terminal signals the whole process group and pnpm
 * relays the same SIGINT (pnpm/pnpm#7374). The CLI, run as a child process like a user runs it, must treat the echo
 * as the same request and finish its clean shutdown — here one that takes a while, because a warm function instance
 * ignores SIGTERM and the emulator waits out its grace before SIGKILL. Cut short, that instance would be orphaned.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateFunctionCommand,
  InvokeCommand,
  LambdaClient,
  waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';
import { writeReproducibleZip } from '@caprice/lambda-bundle';
import { afterEach, describe, expect, it } from 'vitest';

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'caprice.mjs');

// A POSIX shell runtime that answers every event with "ok" and ignores SIGTERM.
const BOOTSTRAP = `#!/bin/sh
trap '' TERM
api="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"
while :; do
  id=$(curl -sS -D - -o /dev/null "$api/invocation/next" | tr -d '\\r' | sed -n 's/^[Ll]ambda-[Rr]untime-[Aa]ws-[Rr]equest-[Ii]d: //p')
  curl -sS -X POST -d '"ok"' "$api/invocation/$id/response" >/dev/null
done
`;

/** Live processes whose command line contains `fragment` (zombies count as gone). */
function processesWith(fragment: string): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        return cmd.includes(fragment) && stat.split(' ')[2] !== 'Z';
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('caprice CLI signals', () => {
  let child: ChildProcess | undefined;
  let stateDir: string | undefined;

  afterEach(async () => {
    child?.kill('SIGKILL');
    if (stateDir) {
      // A failed run may leave the instance behind: don't let it outlive the test.
      for (const pid of processesWith(stateDir)) process.kill(pid, 'SIGKILL');
      await rm(stateDir, { recursive: true, force: true });
    }
  });

  it('a SIGINT repeated during the shutdown (pnpm relaying Ctrl-C) does not cut it short', async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), 'caprice-signals-'));
    const proc = spawn(
      process.execPath,
      [CLI, 'emulator', '--port', '0', '--smtp-port', '0', '--state-dir', path.join(stateDir, 'state')],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_NO_WARNINGS: '1' } },
    );
    child = proc;
    let out = '';
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      proc.on('exit', (code, signal) => resolve({ code, signal })),
    );
    const seen = (text: string, ms: number) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "${text}" within ${ms} ms:\n${out}`)), ms);
        const check = () => {
          if (!out.includes(text)) return;
          clearTimeout(timer);
          resolve();
        };
        proc.stdout?.on('data', check);
        check();
      });
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
    await seen('Press Ctrl-C to stop.', 60_000);

    // A warm instance whose runtime ignores SIGTERM: the emulator's close waits its grace before SIGKILL.
    const url = /listening on (http:\/\/\S+)/.exec(out)?.[1] ?? '';
    const lambda = new LambdaClient({
      endpoint: url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    const zip = path.join(stateDir, 'code.zip');
    await writeReproducibleZip(zip, [{ path: 'bootstrap', data: BOOTSTRAP, mode: 0o755 }]);
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'stubborn',
        Runtime: 'provided.al2023',
        Role: 'arn:aws:iam::000000000000:role/caprice-test',
        Handler: 'x',
        Code: { ZipFile: await readFile(zip) },
      }),
    );
    await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30 }, { FunctionName: 'stubborn' });
    const invoked = await lambda.send(new InvokeCommand({ FunctionName: 'stubborn', Payload: '{}' }));
    expect(Buffer.from(invoked.Payload ?? []).toString()).toBe('"ok"');
    lambda.destroy();
    expect(processesWith(`${stateDir}/state`)).not.toEqual([]);

    proc.kill('SIGINT');
    await seen('Stopping…', 30_000);
    proc.kill('SIGINT');
    const { code, signal } = await exited;

    // The shutdown ran to its end ("Stopped."), not cut short by the echo. An echo landing after that, while Node
    // is already tearing down (its signal handlers gone), can still end the process by SIGINT: nothing is left then.
    expect(out, out).toContain('Stopped.');
    expect(out).not.toContain('Forced stop.');
    expect(code === 0 || signal === 'SIGINT', `code ${code}, signal ${signal}\n${out}`).toBe(true);
    expect(processesWith(`${stateDir}/state`), 'the instance outlived the CLI').toEqual([]);
  }, 120_000);
});
