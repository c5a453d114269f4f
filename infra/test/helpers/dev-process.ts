/**
 * Runs `caprice dev` the way a user does — as a child process of the real CLI — and reads its banner.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DevOptions, type DevStack, startDev } from '../../src/commands/dev.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface DevProcess {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly endpoints: {
    api: string;
    smtp: { host: string; port: number };
    dashboard: string;
    emulator: string;
  };
  /** Resolves when a line matching `pattern` has been printed (after `from` characters of output). */
  waitFor(pattern: RegExp, timeoutMs: number, from?: number): Promise<RegExpExecArray>;
  /** Ctrl-C, then waits for the exit code. */
  stop(): Promise<number | null>;
}

export async function startDevProcess(
  stateDir: string,
  extraArgs: readonly string[] = [],
): Promise<DevProcess> {
  const child = spawn(
    process.execPath,
    [
      path.join(ROOT, 'infra', 'bin', 'caprice.mjs'),
      'dev',
      '--no-build',
      '--port',
      '0',
      '--api-port',
      '0',
      '--smtp-port',
      '0',
      '--dashboard-port',
      '0',
      '--state-dir',
      stateDir,
      ...extraArgs,
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_NO_WARNINGS: '1' } },
  );
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    out += chunk.toString();
    for (const l of listeners) l();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

  const waitFor = (pattern: RegExp, timeoutMs: number, from = 0) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(out.slice(from));
        if (match) {
          listeners.delete(check);
          clearTimeout(timer);
          resolve(match);
        }
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`caprice dev did not print ${pattern} within ${timeoutMs} ms; output:\n${out}`));
      }, timeoutMs);
      listeners.add(check);
      void exited.then((code) => {
        if (listeners.has(check)) {
          listeners.delete(check);
          clearTimeout(timer);
          reject(new Error(`caprice dev exited with ${code} before printing ${pattern}; output:\n${out}`));
        }
      });
      check();
    });

  await waitFor(/Press Ctrl-C to stop\./, 90_000);
  const grab = (label: string) => new RegExp(`${label}\\s+(\\S+)`).exec(out)?.[1] ?? '';
  const smtp = grab('SMTP');
  const [smtpHost, smtpPort] = smtp.split(':');
  return {
    child,
    output: () => out,
    endpoints: {
      api: grab('HTTP API').replace(/\/\?text=hello$/, ''),
      smtp: { host: smtpHost ?? '127.0.0.1', port: Number(smtpPort) },
      dashboard: grab('Dashboard'),
      emulator: grab('AWS APIs'),
    },
    waitFor,
    async stop() {
      child.kill('SIGINT');
      return exited;
    },
  };
}

/** Whether something still listens on `port` of 127.0.0.1. */
export async function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(true));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(false)));
  });
}

/** Processes whose command line mentions `needle` (e.g. the state folder every instance runs from). */
export function processesMentioning(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.includes(needle)) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

/** The whole local stack in-process on free ports, without building or watching: what most stack tests need. */
export function startTestDev(stateDir: string, overrides: Partial<DevOptions> = {}): Promise<DevStack> {
  return startDev({
    root: ROOT,
    build: false,
    watch: false,
    port: 0,
    apiPort: 0,
    smtpPort: 0,
    dashboardPort: 0,
    stateDir,
    env: {},
    log: () => undefined,
    ...overrides,
  });
}
