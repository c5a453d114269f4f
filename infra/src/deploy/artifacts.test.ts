import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineStack } from '../../stack.js';
import { appZipPath, layerZipPath, loadArtifacts } from './artifacts.js';
import { ArtifactNotFoundError } from './errors.js';

describe('loadArtifacts', () => {
  let root: string;
  const stack = defineStack({});

  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'caprice-artifacts-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('hashes each zip the way Lambda reports CodeSha256 (base64 SHA-256 of the bytes)', async () => {
    for (const file of [
      layerZipPath(root, 'x86_64'),
      appZipPath(root, 'http-api'),
      appZipPath(root, 'email-bot'),
    ]) {
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, 'abc');
    }
    const artifacts = await loadArtifacts(root, stack);
    // SHA-256("abc"), base64: a known vector.
    expect(artifacts.functions['http-api']).toMatchObject({
      size: 3,
      codeSha256: 'ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=',
    });
    expect(Object.keys(artifacts.layers)).toEqual(['x86_64']);
  });

  it('names the missing zip and the command that builds it', async () => {
    const error = await loadArtifacts(root, stack).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArtifactNotFoundError);
    expect(error).toMatchObject({
      code: 'INFRA_ZIP_NOT_FOUND',
      message: `Artifact ${layerZipPath(root, 'x86_64')} does not exist; build it with \`pnpm --filter @caprice/runtime zip\` (caprice deploy builds it unless --no-build)`,
    });
  });
});
