import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emulatorCommand } from './emulator.js';

describe('emulatorCommand', () => {
  let stateDir: string;
  beforeEach(async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), 'caprice-cli-'));
  });
  afterEach(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  it('starts the emulator, prints the endpoint, answers health, and frees the port on close', async () => {
    // Prepare
    const lines: string[] = [];
    // Act
    const running = await emulatorCommand({ port: '0', stateDir, print: (l) => lines.push(l) });
    const health = await fetch(`${running.url}/_caprice/health`);
    await running.close();
    // Assess
    expect(health.status).toBe(200);
    expect(lines[0]).toBe(`Caprice emulator listening on ${running.url}`);
    expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const again = createServer();
    await new Promise<void>((resolve, reject) => {
      again.once('error', reject);
      again.listen(running.port, '127.0.0.1', () => resolve());
    });
    await new Promise<void>((resolve) => again.close(() => resolve()));
  });

  it('refuses a port that is not a number', async () => {
    await expect(emulatorCommand({ port: '90x', stateDir })).rejects.toMatchObject({
      code: 'CAPRICE_INVALID_OPTION',
    });
  });
});
