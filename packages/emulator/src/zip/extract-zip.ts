import { createWriteStream } from 'node:fs';
import { chmod, mkdir, readlink, realpath, symlink } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { EmulatorError, UnsafeZipError, UnzippedSizeError } from '../errors.js';

/** What extraction found. */
export interface ExtractedZip {
  /** Sum of the entries' uncompressed sizes in bytes. */
  readonly unzippedSize: number;
  readonly files: number;
}

export interface ExtractZipOptions {
  /** Unzipped bytes allowed in total (AWS: 262 144 000). Checked before anything is written. */
  readonly maxUnzippedBytes: number;
}

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;
const MADE_BY_UNIX = 3;

function openZip(zip: Buffer): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    // yauzl rejects absolute names and `..` segments itself (decodeStrings), and checks that every entry's
    // real size equals the size its header declares (validateEntrySizes), so the size limit below can trust them.
    yauzl.fromBuffer(zip, { lazyEntries: true, validateEntrySizes: true }, (err, file) =>
      err ? reject(err) : resolve(file),
    );
  });
}

function readEntries(file: yauzl.ZipFile): Promise<yauzl.Entry[]> {
  return new Promise((resolve, reject) => {
    const entries: yauzl.Entry[] = [];
    file.on('entry', (entry: yauzl.Entry) => {
      entries.push(entry);
      file.readEntry();
    });
    file.on('end', () => resolve(entries));
    file.on('error', reject);
    file.readEntry();
  });
}

function openEntry(file: yauzl.ZipFile, entry: yauzl.Entry): Promise<Readable> {
  return new Promise((resolve, reject) => {
    file.openReadStream(entry, (err, stream) => (err ? reject(err) : resolve(stream)));
  });
}

async function readSmall(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Unix mode from the entry's external attributes, or undefined when the zip was not made on Unix. */
function unixMode(entry: yauzl.Entry): number | undefined {
  if (entry.versionMadeBy >> 8 !== MADE_BY_UNIX) return undefined;
  const mode = (entry.externalFileAttributes >>> 16) & 0xffff;
  return mode === 0 ? undefined : mode;
}

/** Rejects names that would land outside the destination (belt and braces over yauzl's own check). */
function safeRelative(name: string): string {
  const trimmed = name.replace(/\/+$/, '');
  if (trimmed.includes('\0')) throw new UnsafeZipError(`zip entry "${name}" contains a NUL byte`);
  if (path.posix.isAbsolute(trimmed) || /^[a-zA-Z]:/.test(trimmed)) {
    throw new UnsafeZipError(`zip entry "${name}" has an absolute path`);
  }
  const parts = trimmed.split('/');
  if (parts.includes('..')) throw new UnsafeZipError(`zip entry "${name}" escapes the folder with ".."`);
  return parts.filter((p) => p !== '' && p !== '.').join('/');
}

/** Whether `candidate` is `root` or below it. A first segment like `...` or `..data` is a name, not a way up. */
export function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

/**
 * Extracts a zip into `destDir` (which must not exist yet or be empty), refusing anything that could write or
 * point outside it: absolute names, `..` segments, symlinks whose target leaves the folder (checked lexically and
 * again with the kernel's resolution after extraction), entries that pass through a symlink. Unix permission
 * bits from the external attributes are applied (so `bootstrap` stays executable). The unzipped size is checked
 * against the limit from the central directory before anything is written.
 */
export async function extractZip(
  zip: Buffer,
  destDir: string,
  options: ExtractZipOptions,
): Promise<ExtractedZip> {
  let file: yauzl.ZipFile;
  let entries: yauzl.Entry[];
  try {
    file = await openZip(zip);
    entries = await readEntries(file);
  } catch (err) {
    throw new UnsafeZipError(`cannot read the zip: ${(err as Error).message}`, { cause: err });
  }
  try {
    const unzippedSize = entries.reduce((sum, e) => sum + e.uncompressedSize, 0);
    if (unzippedSize > options.maxUnzippedBytes)
      throw new UnzippedSizeError(options.maxUnzippedBytes, unzippedSize);

    await mkdir(destDir, { recursive: true });
    const root = await realpath(destDir);
    const links: { rel: string; target: string }[] = [];
    let files = 0;

    for (const entry of entries) {
      const rel = safeRelative(entry.fileName);
      if (rel === '') continue;
      const target = path.join(root, rel);
      const mode = unixMode(entry);
      const type = mode === undefined ? undefined : mode & S_IFMT;
      if (type === S_IFLNK) {
        links.push({ rel, target: await readSmall(await openEntry(file, entry)) });
        continue;
      }
      if (entry.fileName.endsWith('/') || type === S_IFDIR) {
        await mkdir(target, { recursive: true });
        if (mode !== undefined) await chmod(target, (mode & 0o777) | 0o700);
        continue;
      }
      await mkdir(path.dirname(target), { recursive: true });
      // 'wx': a duplicate entry name fails instead of silently overwriting.
      await pipeline(await openEntry(file, entry), createWriteStream(target, { flags: 'wx' }));
      await chmod(target, mode === undefined ? 0o644 : (mode & 0o777) | 0o400);
      files++;
    }

    // Links are made last so that no file is ever written through one.
    for (const link of links) {
      if (path.isAbsolute(link.target) || link.target.includes('\0')) {
        throw new UnsafeZipError(`symlink "${link.rel}" points to an absolute path "${link.target}"`);
      }
      const at = path.join(root, link.rel);
      if (!isInside(root, path.resolve(path.dirname(at), link.target))) {
        throw new UnsafeZipError(`symlink "${link.rel}" points outside the folder: "${link.target}"`);
      }
      await mkdir(path.dirname(at), { recursive: true });
      try {
        await symlink(link.target, at);
      } catch (err) {
        throw new UnsafeZipError(`symlink "${link.rel}" collides with another entry`, { cause: err });
      }
    }
    // A chain of individually harmless links (a -> ".", b -> "a/..") can still escape: check the real resolution.
    for (const link of links) {
      const at = path.join(root, link.rel);
      const parentReal = await realpath(path.dirname(at));
      if (!isInside(root, parentReal)) {
        throw new UnsafeZipError(`symlink "${link.rel}" sits under a link that leaves the folder`);
      }
      let resolved: string | undefined;
      try {
        resolved = await realpath(at);
      } catch {
        resolved = undefined;
      }
      if (resolved !== undefined && !isInside(root, resolved)) {
        throw new UnsafeZipError(
          `symlink "${link.rel}" resolves outside the folder: "${await readlink(at)}"`,
        );
      }
      if (resolved === undefined && link.target.split('/').includes('..')) {
        // A dangling link with ".." cannot be proven safe once other trees (layers) are merged next to it.
        throw new UnsafeZipError(`dangling symlink "${link.rel}" uses "..": "${link.target}"`);
      }
    }
    return { unzippedSize, files };
  } catch (err) {
    if (err instanceof EmulatorError) throw err;
    throw new UnsafeZipError(`cannot extract the zip: ${(err as Error).message}`, { cause: err });
  } finally {
    file.close();
  }
}
