import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildZips } from './build.js';

/** A workspace whose `node_modules/.bin/turbo` is a shell script standing in for turbo (the injected tool). */
async function workspaceWithTurbo(root: string, script: string): Promise<void> {
  const bin = path.join(root, 'node_modules', '.bin');
  await mkdir(bin, { recursive: true });
  await writeFile(path.join(bin, 'turbo'), `#!/bin/sh\n${script}\n`);
  await chmod(path.join(bin, 'turbo'), 0o755);
}

describe('buildZips', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'caprice-build-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('runs turbo zip for the layer and both apps from the workspace root, and says so', async () => {
    await workspaceWithTurbo(root, 'echo "$PWD $*" > args.txt');
    const lines: string[] = [];
    await buildZips(root, (line) => lines.push(line));
    expect((await readFile(path.join(root, 'args.txt'), 'utf8')).trim()).toBe(
      `${root} run zip --filter=@caprice/runtime --filter=@caprice/http-api --filter=@caprice/email-bot --output-logs=errors-only`,
    );
    expect(lines).toEqual([
      'build: turbo run zip --filter=@caprice/runtime --filter=@caprice/http-api --filter=@caprice/email-bot',
    ]);
  });

  it('stops with turbo’s own output when the build fails', async () => {
    await workspaceWithTurbo(root, 'echo "apps/http-api/src/main.ts(3,1): error TS1005" >&2; exit 2');
    await expect(buildZips(root, () => {})).rejects.toMatchObject({
      code: 'INFRA_DEPLOY_ERROR',
      message: 'Building the zips failed (turbo exited 2):\napps/http-api/src/main.ts(3,1): error TS1005',
    });
  });

  it('says to install when turbo is missing', async () => {
    await expect(buildZips(root, () => {})).rejects.toMatchObject({
      message: expect.stringMatching(
        /^turbo is not installed at .*node_modules\/\.bin\/turbo; run `pnpm install`.*--no-build/,
      ),
    });
  });
});
