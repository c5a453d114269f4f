import { lstat, mkdtemp, readFile, readlink, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeZip, renameEntry } from '../../test/control-plane/helpers.js';
import { UnsafeZipError, UnzippedSizeError } from '../errors.js';
import { extractZip, isInside } from './extract-zip.js';

const LIMIT = { maxUnzippedBytes: 1024 * 1024 };

describe('extractZip', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'caprice-zip-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('extracts files and folders and honours executable bits', async () => {
    // Prepare
    const zip = await makeZip({
      bootstrap: { content: '#!/bin/sh\n', mode: 0o100755 },
      'lib/data.txt': { content: 'data', mode: 0o100644 },
      'plain.txt': 'plain',
    });
    // Act
    const out = await extractZip(zip, path.join(dir, 'x'), LIMIT);
    // Assess
    expect(out).toEqual({ unzippedSize: 10 + 4 + 5, files: 3 });
    expect((await stat(path.join(dir, 'x/bootstrap'))).mode & 0o777).toBe(0o755);
    expect((await stat(path.join(dir, 'x/lib/data.txt'))).mode & 0o777).toBe(0o644);
    expect(await readFile(path.join(dir, 'x/lib/data.txt'), 'utf8')).toBe('data');
  });

  it('rejects entries that climb out with ".." (zip-slip)', async () => {
    const zip = renameEntry(await makeZip({ 'aa/evil.txt': 'x' }), 'aa/evil.txt', '../evil.txt');
    await expect(extractZip(zip, path.join(dir, 'x'), LIMIT)).rejects.toBeInstanceOf(UnsafeZipError);
    await expect(stat(path.join(dir, 'evil.txt'))).rejects.toThrow();
  });

  it('rejects absolute entry names', async () => {
    const zip = renameEntry(await makeZip({ 'xtmp/evil': 'x' }), 'xtmp/evil', '/tmp/evil');
    await expect(extractZip(zip, path.join(dir, 'x'), LIMIT)).rejects.toThrow(/absolute path/);
  });

  it('keeps names that merely start with dots ("...", "..data"), and links through them', async () => {
    // Kubernetes-style "..data" folders are ordinary names; only a whole ".." segment climbs.
    const zip = await makeZip({
      '.../a': 'x',
      '..data/config.json': '{}',
      'config.json': { content: '..data/config.json', mode: 0o120777 },
    });
    const out = await extractZip(zip, path.join(dir, 'x'), LIMIT);
    expect(out.files).toBe(2);
    expect(await readFile(path.join(dir, 'x/.../a'), 'utf8')).toBe('x');
    expect(await readFile(path.join(dir, 'x/config.json'), 'utf8')).toBe('{}');
  });

  it('keeps symlinks that stay inside', async () => {
    const zip = await makeZip({
      'real/file.txt': 'x',
      'link.txt': { content: 'real/file.txt', mode: 0o120777 },
    });
    await extractZip(zip, path.join(dir, 'x'), LIMIT);
    expect((await lstat(path.join(dir, 'x/link.txt'))).isSymbolicLink()).toBe(true);
    expect(await readlink(path.join(dir, 'x/link.txt'))).toBe('real/file.txt');
  });

  it('rejects symlinks pointing outside, absolute or relative', async () => {
    const absolute = await makeZip({ passwd: { content: '/etc/passwd', mode: 0o120777 } });
    await expect(extractZip(absolute, path.join(dir, 'a'), LIMIT)).rejects.toThrow(/absolute path/);
    const relative = await makeZip({ 'sub/up': { content: '../../outside', mode: 0o120777 } });
    await expect(extractZip(relative, path.join(dir, 'b'), LIMIT)).rejects.toThrow(/outside the folder/);
  });

  it('rejects a chain of links that escapes only when followed', async () => {
    // "here" -> "." is harmless, "esc" -> "here/.." looks like the root lexically but is the parent when followed.
    const zip = await makeZip({
      'd/here': { content: '..', mode: 0o120777 },
      'd/esc': { content: 'here/..', mode: 0o120777 },
    });
    await expect(extractZip(zip, path.join(dir, 'x'), LIMIT)).rejects.toThrow(/resolves outside/);
  });

  it('rejects a file written through a symlink entry', async () => {
    const zip = await makeZip({
      dir: { content: 'target', mode: 0o120777 },
      'dir/file.txt': 'x',
    });
    await expect(extractZip(zip, path.join(dir, 'x'), LIMIT)).rejects.toBeInstanceOf(UnsafeZipError);
  });

  it('rejects content over the unzipped limit before writing anything', async () => {
    const zip = await makeZip({ big: Buffer.alloc(2048) });
    const err = await extractZip(zip, path.join(dir, 'x'), { maxUnzippedBytes: 1024 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UnzippedSizeError);
    expect((err as UnzippedSizeError).message).toMatch(/^Unzipped size must be smaller than 1024 bytes/);
    await expect(stat(path.join(dir, 'x/big'))).rejects.toThrow();
  });

  it('rejects bytes that are not a zip', async () => {
    await expect(extractZip(Buffer.from('not a zip'), path.join(dir, 'x'), LIMIT)).rejects.toThrow(
      /cannot read the zip/,
    );
  });
});

describe('isInside', () => {
  it('tells a way up from a name that starts with dots', () => {
    expect(isInside('/r', '/r')).toBe(true);
    expect(isInside('/r', '/r/a/b')).toBe(true);
    expect(isInside('/r', '/r/...')).toBe(true);
    expect(isInside('/r', '/r/..data/x')).toBe(true);
    expect(isInside('/r', '/')).toBe(false);
    expect(isInside('/r', '/r2')).toBe(false);
    expect(isInside('/r', '/other/x')).toBe(false);
  });
});
