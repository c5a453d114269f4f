import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { extractZip } from '../zip/extract-zip.js';
import { readJsonFile, writeJsonFile } from './json-file.js';

/** One deployment package, stored once per content hash. */
export interface StoredCode {
  /** Base64 SHA-256 of the zip (AWS's CodeSha256). */
  readonly sha256: string;
  /** Hex SHA-256 of the zip: the folder name under code/. */
  readonly hex: string;
  /** Zip size in bytes (AWS's CodeSize). */
  readonly size: number;
  /** Sum of the uncompressed entry sizes. */
  readonly unzippedSize: number;
}

export interface CodeStoreOptions {
  /** Per-zip unzipped limit applied while extracting. */
  readonly maxUnzippedBytes: number;
}

/**
 * Deployment packages by content hash: `<root>/<hex>/code.zip`, `meta.json` and the extracted `content/`.
 * The same zip uploaded twice (or shared by function versions) is stored and extracted once.
 */
export class CodeStore {
  readonly #root: string;
  readonly #tmp: string;
  readonly #options: CodeStoreOptions;
  readonly #pending = new Map<string, Promise<StoredCode>>();
  #totalBytes: number;

  constructor(root: string, tmp: string, options: CodeStoreOptions) {
    this.#root = root;
    this.#tmp = tmp;
    this.#options = options;
    this.#totalBytes = 0;
    if (existsSync(root)) {
      for (const hex of readdirSync(root)) this.#totalBytes += this.get(hex)?.size ?? 0;
    }
  }

  /** Bytes of all stored zips (what AWS counts against the code storage quota). */
  get totalBytes(): number {
    return this.#totalBytes;
  }

  static hash(zip: Buffer): { sha256: string; hex: string } {
    const digest = createHash('sha256').update(zip).digest();
    return { sha256: digest.toString('base64'), hex: digest.toString('hex') };
  }

  get(hex: string): StoredCode | undefined {
    return readJsonFile<StoredCode>(this.#metaPath(hex));
  }

  /** Folder with the extracted content. */
  dir(hex: string): string {
    return path.join(this.#root, hex, 'content');
  }

  zipPath(hex: string): string {
    return path.join(this.#root, hex, 'code.zip');
  }

  /** Stores and extracts a zip (once per content); throws UnsafeZipError / UnzippedSizeError. */
  put(zip: Buffer): Promise<StoredCode> {
    const { hex } = CodeStore.hash(zip);
    const existing = this.get(hex);
    if (existing) return Promise.resolve(existing);
    let pending = this.#pending.get(hex);
    if (!pending) {
      pending = this.#store(zip).finally(() => this.#pending.delete(hex));
      this.#pending.set(hex, pending);
    }
    return pending;
  }

  async #store(zip: Buffer): Promise<StoredCode> {
    const { sha256, hex } = CodeStore.hash(zip);
    const work = path.join(this.#tmp, randomUUID());
    try {
      const { unzippedSize } = await extractZip(zip, path.join(work, 'content'), this.#options);
      await writeFile(path.join(work, 'code.zip'), zip);
      const meta: StoredCode = { sha256, hex, size: zip.length, unzippedSize };
      await mkdir(this.#root, { recursive: true });
      // A folder without meta.json is what an interrupted store leaves behind: replace it.
      await rm(path.join(this.#root, hex), { recursive: true, force: true });
      await rename(work, path.join(this.#root, hex));
      // meta.json last: its presence means the folder is complete.
      writeJsonFile(this.#metaPath(hex), meta);
      this.#totalBytes += meta.size;
      return meta;
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  #metaPath(hex: string): string {
    return path.join(this.#root, hex, 'meta.json');
  }
}
