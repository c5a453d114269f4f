import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CliIo, main } from './cli.js';

function testIo(): CliIo & { out: string[]; err: string[]; stop: () => void; started: Promise<string> } {
  const out: string[] = [];
  const err: string[] = [];
  let stop = () => {};
  let announce: (url: string) => void = () => {};
  const started = new Promise<string>((resolve) => {
    announce = resolve;
  });
  return {
    out,
    err,
    started,
    stop: () => stop(),
    stdout: (line) => {
      out.push(line);
      const m = /listening on (\S+)/.exec(line);
      if (m) announce(m[1]!);
    },
    stderr: (line) => err.push(line),
    waitForStop: () =>
      new Promise<void>((resolve) => {
        stop = resolve;
      }),
  };
}

describe('caprice CLI', () => {
  let stateDir: string;
  beforeEach(async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), 'caprice-cli-'));
  });
  afterEach(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  it('runs `emulator` until asked to stop, then exits 0', async () => {
    // Prepare
    const io = testIo();
    // Act
    const exit = main(['emulator', '--port', '0', '--state-dir', stateDir], io);
    const url = await io.started;
    const health = await fetch(`${url}/_caprice/health`);
    io.stop();
    // Assess
    expect(health.status).toBe(200);
    expect(await exit).toBe(0);
    expect(io.err).toEqual([]);
  });

  it('prints `error CODE: message` and exits 1 when the port is taken', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const io = testIo();
      expect(await main(['emulator', '--port', String(port), '--state-dir', stateDir], io)).toBe(1);
      expect(io.err).toHaveLength(1);
      expect(io.err[0]).toMatch(
        new RegExp(`^error EMULATOR_LISTEN_FAILED: Cannot listen on 127\\.0\\.0\\.1:${port} `),
      );
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  it('rejects unknown commands and options with exit 1', async () => {
    const io = testIo();
    expect(await main(['deploy-everything'], io)).toBe(1);
    expect(await main(['emulator', '--colour'], io)).toBe(1);
    expect(io.err[0]).toBe(
      'error CAPRICE_UNKNOWN_COMMAND: Unknown command "deploy-everything"; run one of: emulator, dev, demo, deploy, invoke, logs',
    );
    expect(io.err[1]).toMatch(/^error CAPRICE_INVALID_OPTION: Unknown option '--colour'/);
  });

  it('`demo` with no stack running says to start one, naming the flag to point elsewhere', async () => {
    // Port 9 (discard) on loopback: nothing listens there.
    const io = testIo();
    const args = ['demo', '--api', 'http://127.0.0.1:9', '--smtp', '127.0.0.1:9'];
    expect(await main([...args, '--endpoint', 'http://127.0.0.1:9'], io)).toBe(1);
    expect(io.err).toEqual([
      'error INFRA_ENDPOINT_DOWN: Nothing answers at http://127.0.0.1:9; start the local stack with `pnpm caprice dev`, or point --endpoint at where it runs',
    ]);
    expect(await main(['demo', '--smtp', '127.0.0.1:x'], io)).toBe(1);
    expect(io.err[1]).toBe(
      'error CAPRICE_INVALID_OPTION: Invalid --smtp "x": expected a number from 0 to 65535',
    );
  });

  it('prints usage for --help', async () => {
    const io = testIo();
    expect(await main(['--help'], io)).toBe(0);
    expect(io.out.join('\n')).toMatch(/caprice <command>/);
  });
});
