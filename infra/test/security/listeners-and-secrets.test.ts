/**
 * Security of the local stack as `caprice dev` wires it (real layer and app zips, emulator, SMTP door, HTTP API
 * front door, dashboard):
 * - every listening socket of this process and of every child (function instances) is on loopback by default;
 * - canary credentials in the host environment never reach a function's environment, a log line, the dashboard,
 *   the outbox or any file in the state folder, while real traffic (the demo mail and API calls, plus failing
 *   requests) flows.
 * Needs the zips (turbo runs `^zip` before this package's tests).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateFunctionUrlConfigCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DevStack } from '../../src/commands/dev.js';
import { emulatorCommand } from '../../src/commands/emulator.js';
import { runDemo } from '../../src/dev/demo.js';
import { startTestDev } from '../helpers/dev-process.js';
import { descendants, environOf, isLoopback, listeners } from './proc.js';

const CANARIES = {
  AWS_ACCESS_KEY_ID: 'AKIACANARY7Q3ZX9KEYID',
  AWS_SECRET_ACCESS_KEY: 'canarySecret/9f8e7d6c5b4a3921+DoNotLeak',
  AWS_SESSION_TOKEN: 'canarySessionToken-IQoJb3JpZ2luX2VjEJr-DoNotLeak',
  CAPRICE_CANARY_API_KEY: 'canary-api-key-5d41402abc4b2a76',
};
const canaryValues = Object.values(CANARIES);

describe('caprice dev: loopback only, no credentials in logs', () => {
  let stateDir: string;
  let dev: DevStack;
  const lines: string[] = [];
  const saved: Record<string, string | undefined> = {};

  beforeAll(async () => {
    for (const [k, v] of Object.entries(CANARIES)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    stateDir = await mkdtemp(path.join(tmpdir(), 'caprice-security-'));
    dev = await startTestDev(stateDir, { env: { ...process.env }, log: (line) => lines.push(line) });
  }, 180_000);

  afterAll(async () => {
    await dev?.close();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await rm(stateDir, { recursive: true, force: true });
  });

  it('binds every listener (emulator, SMTP, front door, dashboard, function URL, Runtime APIs) to loopback', async () => {
    // Warm both functions so that their instances (and their Runtime API ports) exist.
    const [host = '127.0.0.1', port = '0'] = dev.endpoints.smtp.split(':');
    await runDemo(
      {
        apiUrl: dev.endpoints.api,
        smtp: { host, port: Number(port) },
        botAddress: dev.endpoints.bot,
        outboxUrl: `${dev.endpoints.emulator}/_caprice/ses/outbox`,
      },
      (line) => lines.push(line),
    );
    // A function URL gets a port of its own too.
    const lambda = new LambdaClient({
      endpoint: dev.endpoints.emulator,
      region: dev.stack.region,
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    const fnUrl = await lambda.send(
      new CreateFunctionUrlConfigCommand({ FunctionName: dev.stack.functions[0]!.name, AuthType: 'NONE' }),
    );
    lambda.destroy();
    const pids = [process.pid, ...descendants(process.pid)];
    const open = listeners(pids);
    const ports = [dev.endpoints.emulator, dev.endpoints.api, dev.endpoints.dashboard].map((u) =>
      Number(new URL(u).port),
    );
    ports.push(Number(port), Number(new URL(fnUrl.FunctionUrl!).port));
    for (const p of ports)
      expect(
        open.map((l) => l.port),
        `port ${p} is listening`,
      ).toContain(p);
    console.log(`\n[security] ${open.length} listening sockets across ${pids.length} processes`);
    console.table(open.map((l) => ({ address: l.address, port: l.port, pid: l.pid })));
    for (const l of open) expect(isLoopback(l.address), `${l.address}:${l.port} (pid ${l.pid})`).toBe(true);
  }, 120_000);

  it('gives functions no host credentials: their environments hold no canary', async () => {
    const instances = descendants(process.pid);
    expect(instances.length).toBeGreaterThan(0);
    let checked = 0;
    for (const pid of instances) {
      const env = environOf(pid);
      if (env === undefined) continue;
      checked++;
      for (const canary of canaryValues) expect(env.includes(canary), `pid ${pid} environment`).toBe(false);
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('writes no canary into any log line, the dashboard, the outbox or the state folder', async () => {
    // Some failing traffic too: error paths are where values get dumped.
    await fetch(`${dev.endpoints.api}/?seed=nope`);
    await fetch(`${dev.endpoints.api}/`, {
      method: 'POST',
      body: '{',
      headers: { 'content-type': 'application/json' },
    });
    await fetch(`${dev.endpoints.emulator}/2015-03-31/functions/nope/invocations`, {
      method: 'POST',
      body: '{}',
    });
    const texts: Array<[string, string]> = [['caprice dev output', lines.join('\n')]];
    for (const f of dev.stack.functions)
      texts.push([`logs of ${f.name}`, dev.emulator.dataPlane.readLogs(f.name)]);
    for (const pathname of ['/', '/api/state']) {
      const res = await fetch(`${dev.endpoints.dashboard}${pathname}`);
      texts.push([`dashboard ${pathname}`, await res.text()]);
    }
    texts.push(['outbox', await (await fetch(`${dev.endpoints.emulator}/_caprice/ses/outbox`)).text()]);
    const walk = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const p = path.join(dir, e.name);
        return e.isDirectory() ? walk(p) : e.isFile() ? [p] : [];
      });
    let files = 0;
    for (const file of walk(stateDir)) {
      if (statSync(file).size > 64 * 1024 * 1024) continue;
      texts.push([file, readFileSync(file, 'latin1')]);
      files++;
    }
    expect(texts.find(([name]) => name === 'logs of caprice-email-bot')?.[1]).toMatch(/replied/);
    for (const [name, text] of texts)
      for (const canary of canaryValues) expect(text.includes(canary), `${canary} in ${name}`).toBe(false);
    console.log(`\n[security] no canary in ${texts.length} texts (${files} state files, every log)`);
  });
});

describe('caprice emulator', () => {
  it('binds loopback by default', async () => {
    const stateDir = await mkdtemp(path.join(tmpdir(), 'caprice-security-emu-'));
    const printed: string[] = [];
    const running = await emulatorCommand({ port: 0, smtpPort: 0, stateDir, print: (l) => printed.push(l) });
    try {
      const open = listeners([process.pid]).filter((l) => l.port === Number(new URL(running.url).port));
      expect(open.length).toBeGreaterThan(0);
      for (const l of open) expect(isLoopback(l.address)).toBe(true);
      expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:/);
    } finally {
      await running.close();
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});
