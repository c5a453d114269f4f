import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ZipFile } from 'yazl';
import { ZipEntryPathError } from './errors.js';

/** One file to put in a zip: its content inline (`data`) or read from disk (`file`). */
export interface ZipEntry {
  /** Path inside the zip, "/"-separated, relative. */
  readonly path: string;
  readonly data?: Uint8Array | string;
  readonly file?: string;
  /** Unix permission bits; defaults to 0o644. Only the executable bit is kept (0o755 or 0o644). */
  readonly mode?: number;
}

/** What was written, in the terms Lambda reports back (`CodeSha256` is base64, like the Lambda API). */
export interface ZipResult {
  readonly outFile: string;
  readonly codeSha256: string;
  readonly sha256Hex: string;
  readonly zippedSize: number;
  readonly unzippedSize: number;
  readonly entries: number;
}

// DOS timestamps are local wall-clock fields; building the Date from local fields makes the encoded value
// 1980-01-01 00:00 in every time zone, so two builds on any machine give identical bytes.
const FIXED_MTIME = new Date(1980, 0, 1, 0, 0, 0);

/** Throws ZipEntryPathError unless `path` stays inside the folder the zip is extracted into. */
export function assertSafeEntryPath(path: string): void {
  if (path.length === 0) throw new ZipEntryPathError(path, 'it is empty');
  if (path.includes('\\')) throw new ZipEntryPathError(path, 'it contains a backslash');
  if (path.includes('\0')) throw new ZipEntryPathError(path, 'it contains a NUL byte');
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) throw new ZipEntryPathError(path, 'it is absolute');
  for (const segment of path.split('/')) {
    if (segment === '..') throw new ZipEntryPathError(path, 'it has a ".." segment');
    if (segment === '' || segment === '.')
      throw new ZipEntryPathError(path, 'it has an empty or "." segment');
  }
}

/**
 * Writes a zip whose bytes depend only on the entries: sorted paths, fixed timestamps, normalised modes.
 * Two builds of the same inputs therefore get the same `CodeSha256`, so deploys can skip unchanged code.
 */
export async function writeReproducibleZip(
  outFile: string,
  entries: readonly ZipEntry[],
): Promise<ZipResult> {
  const seen = new Set<string>();
  for (const entry of entries) {
    assertSafeEntryPath(entry.path);
    if (seen.has(entry.path)) throw new ZipEntryPathError(entry.path, 'it appears twice');
    seen.add(entry.path);
  }
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

  const zip = new ZipFile();
  let unzippedSize = 0;
  for (const entry of sorted) {
    const mode = (entry.mode ?? 0o644) & 0o111 ? 0o100755 : 0o100644;
    const options = {
      mtime: FIXED_MTIME,
      mode,
      forceDosTimestamp: true,
      compress: true,
      compressionLevel: 9,
    };
    if (entry.data === undefined && entry.file !== undefined) {
      // Streamed from disk: a 120 MB Node binary never sits in memory whole.
      unzippedSize += (await stat(entry.file)).size;
      zip.addFile(entry.file, entry.path, options);
    } else {
      const data = Buffer.from(entry.data ?? '');
      unzippedSize += data.length;
      zip.addBuffer(data, entry.path, options);
    }
  }
  zip.end();

  await mkdir(dirname(outFile), { recursive: true });
  const hash = createHash('sha256');
  let zippedSize = 0;
  zip.outputStream.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    zippedSize += chunk.length;
  });
  // Written beside the target and renamed into place: a deploy or watcher reading the zip meanwhile sees the old
  // file or the new one, never a half-written one.
  const partial = `${outFile}.${process.pid}.partial`;
  try {
    await pipeline(zip.outputStream, createWriteStream(partial));
    await rename(partial, outFile);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
  const digest = hash.digest();
  return {
    outFile,
    codeSha256: digest.toString('base64'),
    sha256Hex: digest.toString('hex'),
    zippedSize,
    unzippedSize,
    entries: sorted.length,
  };
}

/**
 * Lists every regular file under `dir` as zip entries under `prefix`, keeping the executable bit.
 * Symlinks are refused: a zip entry for a link would point wherever the build machine's link did.
 */
export async function collectDirectory(dir: string, prefix = ''): Promise<ZipEntry[]> {
  const out: ZipEntry[] = [];
  const walk = async (current: string): Promise<void> => {
    for (const dirent of await readdir(current, { withFileTypes: true })) {
      const full = join(current, dirent.name);
      if (dirent.isDirectory()) {
        await walk(full);
      } else if (dirent.isFile()) {
        const { mode } = await stat(full);
        const rel = relative(dir, full).split(sep).join('/');
        out.push({ path: prefix ? `${prefix.replace(/\/+$/, '')}/${rel}` : rel, file: full, mode });
      } else {
        throw new ZipEntryPathError(
          relative(dir, full),
          'it is not a regular file or folder (symlinks are not zipped)',
        );
      }
    }
  };
  await walk(dir);
  return out;
}
