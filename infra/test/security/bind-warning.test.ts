/**
 * Binding anything but loopback needs the explicit `--host` flag and prints a warning. The emulator start is
 * injected here, so nothing is actually bound to a non-loopback address.
 */
import type { Emulator, EmulatorOptions } from '@caprice/emulator';
import { describe, expect, it } from 'vitest';
import { emulatorCommand, isLoopbackHost } from '../../src/commands/emulator.js';

function fakeStart(seen: EmulatorOptions[]) {
  return async (options: EmulatorOptions) => {
    seen.push(options);
    return {
      url: `http://${options.host}:9000`,
      stateDir: options.stateDir,
      close: async () => {},
    } as unknown as Emulator;
  };
}

describe('caprice emulator --host', () => {
  it('binds 127.0.0.1 by default and prints no warning', async () => {
    const seen: EmulatorOptions[] = [];
    const lines: string[] = [];
    await emulatorCommand({
      port: 0,
      stateDir: '/tmp/unused',
      start: fakeStart(seen),
      print: (l) => lines.push(l),
    });
    expect(seen[0]?.host).toBe('127.0.0.1');
    expect(lines.join('\n')).not.toMatch(/WARNING/);
  });

  it.each(['0.0.0.0', '::', '192.0.2.10', 'example.org'])('warns when asked to bind %s', async (host) => {
    const seen: EmulatorOptions[] = [];
    const lines: string[] = [];
    await emulatorCommand({
      host,
      port: 0,
      stateDir: '/tmp/unused',
      start: fakeStart(seen),
      print: (l) => lines.push(l),
    });
    expect(seen[0]?.host).toBe(host);
    expect(lines[0]).toMatch(/^WARNING: binding .* not loopback/);
  });

  it('treats 127.0.0.0/8, ::1 and localhost as loopback', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1'])
      expect(isLoopbackHost(h)).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', 'localhost.example.org'])
      expect(isLoopbackHost(h)).toBe(false);
  });
});
