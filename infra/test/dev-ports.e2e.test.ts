/**
 * `caprice dev` when one of its ports is taken (3000 and 9000 often are): it stops with an error naming the flag
 * that moves that listener, and leaves nothing running or listening behind.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DevOptions } from '../src/commands/dev.js';
import { processesMentioning, startTestDev } from './helpers/dev-process.js';

describe('caprice dev with a port taken', () => {
  let blocker: Server;
  let taken = 0;
  let stateDir: string;

  beforeAll(async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), 'caprice-dev-ports-'));
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    taken = (blocker.address() as { port: number }).port;
  });

  afterAll(async () => {
    await new Promise((resolve) => blocker?.close(resolve));
    await rm(stateDir, { recursive: true, force: true });
  });

  it.each([
    ['port', 'emulator', '--port'],
    ['smtpPort', 'SMTP door', '--smtp-port'],
    ['apiPort', 'HTTP API front door', '--api-port'],
    ['dashboardPort', 'dashboard', '--dashboard-port'],
  ] as const)(
    '%s taken: says the %s cannot listen and which flag moves it, and stops everything',
    async (option, what, flag) => {
      const overrides: Partial<DevOptions> = { [option]: taken };
      await expect(startTestDev(path.join(stateDir, option), overrides)).rejects.toMatchObject({
        code: 'CAPRICE_PORT_IN_USE',
        message: `Port ${taken} on 127.0.0.1 is in use, so the ${what} cannot listen there; pick another ${flag} (0 picks any free port) or stop what is using it`,
      });
      // What started before the failing listener was closed again: no function instance is left running.
      expect(processesMentioning(path.join(stateDir, option))).toEqual([]);
    },
    60_000,
  );
});
