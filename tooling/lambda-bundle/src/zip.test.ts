import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { ZipEntryPathError } from './errors.js';
import { collectDirectory, writeReproducibleZip } from './zip.js';

interface ReadEntry {
  name: string;
  mode: number;
  content: string;
  date: Date;
}

function readZip(file: string): Promise<ReadEntry[]> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (openError, zip) => {
      if (openError || !zip) return reject(openError);
      const out: ReadEntry[] = [];
      zip.on('error', reject);
      zip.on('end', () => resolve(out));
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError || !stream) return reject(streamError);
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('end', () => {
            out.push({
              name: entry.fileName,
              mode: (entry.externalFileAttributes >>> 16) & 0o7777,
              content: Buffer.concat(chunks).toString('utf8'),
              date: entry.getLastModDate(),
            });
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}

describe('writeReproducibleZip', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'caprice-zip-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('gives byte-identical zips for the same entries in any order', async () => {
    // Prepare
    await writeFile(join(dir, 'boot.sh'), '#!/bin/sh\necho hi\n');
    const entries = [
      { path: 'lib/index.mjs', data: 'export const a = 1;\n' },
      { path: 'bootstrap', file: join(dir, 'boot.sh'), mode: 0o755 },
    ];
    // Act
    const first = await writeReproducibleZip(join(dir, 'a.zip'), entries);
    await new Promise((r) => setTimeout(r, 1100)); // a later wall clock must not change the bytes
    const second = await writeReproducibleZip(join(dir, 'b.zip'), [...entries].reverse());
    // Assess
    expect(second.codeSha256).toBe(first.codeSha256);
    expect(Buffer.from(first.codeSha256, 'base64').toString('hex')).toBe(first.sha256Hex);
    expect(first.entries).toBe(2);
    expect(first.unzippedSize).toBe('#!/bin/sh\necho hi\n'.length + 'export const a = 1;\n'.length);
  });

  it('sorts entries, keeps the executable bit and fixes the timestamp', async () => {
    const result = await writeReproducibleZip(join(dir, 'm.zip'), [
      { path: 'z.txt', data: 'z', mode: 0o600 },
      { path: 'bin/run', data: '#!/bin/sh\n', mode: 0o700 },
    ]);
    const read = await readZip(result.outFile);
    expect(read.map((e) => [e.name, e.mode.toString(8), e.content])).toEqual([
      ['bin/run', '755', '#!/bin/sh\n'],
      ['z.txt', '644', 'z'],
    ]);
    expect(read[0]?.date.getFullYear()).toBe(1980);
  });

  it.each([
    ['/etc/passwd', 'absolute'],
    ['../escape', '".." segment'],
    ['a/../../b', '".." segment'],
    ['a\\b', 'backslash'],
    ['C:/x', 'absolute'],
    ['a//b', 'empty or "." segment'],
    ['', 'empty'],
  ])('refuses the entry path %j (%s)', async (path, reason) => {
    const attempt = writeReproducibleZip(join(dir, 'bad.zip'), [{ path, data: 'x' }]);
    await expect(attempt).rejects.toBeInstanceOf(ZipEntryPathError);
    await expect(attempt).rejects.toThrow(reason);
  });

  it('refuses duplicate paths', async () => {
    await expect(
      writeReproducibleZip(join(dir, 'dup.zip'), [
        { path: 'a', data: '1' },
        { path: 'a', data: '2' },
      ]),
    ).rejects.toThrow(/appears twice/);
  });
});

describe('collectDirectory', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'caprice-collect-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lists nested files under a prefix with their modes', async () => {
    await mkdir(join(dir, 'src', 'deep'), { recursive: true });
    await writeFile(join(dir, 'src', 'deep', 'a.js'), 'a');
    await writeFile(join(dir, 'run'), 'r', { mode: 0o755 });
    const entries = await collectDirectory(dir, 'opt/');
    expect(entries.map((e) => [e.path, (e.mode ?? 0) & 0o111 ? 'x' : '-']).sort()).toEqual([
      ['opt/run', 'x'],
      ['opt/src/deep/a.js', '-'],
    ]);
  });

  it('refuses symlinks instead of following them', async () => {
    await symlink('/etc/passwd', join(dir, 'link'));
    await expect(collectDirectory(dir)).rejects.toThrow(/symlinks are not zipped/);
  });
});
