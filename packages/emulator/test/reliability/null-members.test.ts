/**
 * JSON `null` for an optional member of the Lambda control plane's requests is "absent" to AWS's deserializer;
 * the emulator must never answer it with a 500 (found by api-fuzz.test.ts, seed 2: `EphemeralStorage: null`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/server.js';
import { makeZip, ROLE } from '../control-plane/helpers.js';

const MEMBERS = [
  'Description',
  'Timeout',
  'MemorySize',
  'Publish',
  'VpcConfig',
  'PackageType',
  'DeadLetterConfig',
  'Environment',
  'KMSKeyArn',
  'TracingConfig',
  'Tags',
  'Layers',
  'FileSystemConfigs',
  'ImageConfig',
  'CodeSigningConfigArn',
  'Architectures',
  'EphemeralStorage',
  'SnapStart',
  'LoggingConfig',
];

let dir: string;
let emulator: Emulator;
let zip: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'caprice-null-'));
  emulator = await startEmulator({ port: 0, stateDir: dir, createDelayMs: 0, updateDelayMs: 0 });
  zip = (await makeZip({ bootstrap: { content: '#!/bin/sh\nexit 0\n', mode: 0o100755 } })).toString('base64');
});
afterAll(async () => {
  await emulator.close();
  rmSync(dir, { recursive: true, force: true });
});

const call = async (method: string, path: string, body: unknown) => {
  const res = await fetch(`${emulator.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
};

describe('null optional members', () => {
  it.each(MEMBERS)(
    'CreateFunction and UpdateFunctionConfiguration with %s: null answer below 500',
    async (member) => {
      const name = `null-${member}`;
      const created = await call('POST', '/2015-03-31/functions', {
        FunctionName: name,
        Runtime: 'provided.al2023',
        Handler: 'bootstrap',
        Role: ROLE,
        Code: { ZipFile: zip },
        [member]: null,
      });
      expect(created.status, created.text).toBeLessThan(500);
      const updated = await call('PUT', `/2015-03-31/functions/${name}/configuration`, { [member]: null });
      expect(updated.status, updated.text).toBeLessThan(500);
    },
  );
});
