/**
 * Ctrl-C under `pnpm caprice …` reaches the CLI twice: the terminal signals the whole process group and pnpm relays
 * the same SIGINT (pnpm/pnpm#7374). The CLI, run as a child process like a user runs it, must treat the echo as
 * the same request and still shut down cleanly with exit code 0.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'caprice.mjs');

describe('caprice CLI signals', () => {
  let child: ChildProcess | undefined;
  let stateDir: string | undefined;

  afterEach(async () => {
    child?.kill('SIGKILL');
    if (stateDir) await rm(stateDir, { recursive: true, force: true });
  });

  it('a SIGINT repeated at once (pnpm relaying Ctrl-C) still ends in a clean stop with exit 0', async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), 'caprice-signals-'));
    const proc = spawn(
      process.execPath,
      [CLI, 'emulator', '--port', '0', '--smtp-port', '0', '--state-dir', stateDir],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_NO_WARNINGS: '1' } },
    );
    child = proc;
    let out = '';
    const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ready line within 60 s:\n${out}`)), 60_000);
      const onData = (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('Press Ctrl-C to stop.')) {
          clearTimeout(timer);
          resolve();
        }
      };
      proc.stdout?.on('data', onData);
      proc.stderr?.on('data', onData);
    });

    // The echo lands while the first one's shutdown is under way.
    const stopping = new Promise<void>((resolve) => {
      const check = () => out.includes('Stopping…') && resolve();
      proc.stdout?.on('data', check);
      check();
    });
    proc.kill('SIGINT');
    await stopping;
    proc.kill('SIGINT');
    const code = await exited;

    expect(code, out).toBe(0);
    expect(out).toContain('Stopping…');
    expect(out).not.toContain('Forced stop.');
  }, 90_000);
});
