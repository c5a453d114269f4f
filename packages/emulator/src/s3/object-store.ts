import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChecksumAlgorithm } from './checksum.js';

/** What S3 keeps about one object besides its bytes. */
export interface ObjectMeta {
  readonly key: string;
  readonly size: number;
  /** Quoted hex MD5, exactly as S3 returns it in `ETag`. */
  readonly etag: string;
  /** ISO time. */
  readonly lastModified: string;
  readonly contentType: string;
  /** Content-Encoding, Content-Disposition, Cache-Control, Content-Language, Expires as sent. */
  readonly headers: Readonly<Record<string, string>>;
  /** User metadata without the `x-amz-meta-` prefix, names lower-cased. */
  readonly metadata: Readonly<Record<string, string>>;
  readonly checksum?: { readonly algorithm: ChecksumAlgorithm; readonly value: string };
  /** Name of the data file inside the bucket's objects folder (set by the store on commit). */
  readonly file?: string;
}

/** A stored notification rule (validated `LambdaFunctionConfiguration`). */
export interface LambdaNotification {
  readonly id: string;
  readonly functionArn: string;
  readonly events: readonly string[];
  readonly filterRules: readonly { readonly name: string; readonly value: string }[];
}

export interface BucketMeta {
  readonly name: string;
  readonly creationDate: string;
  readonly region: string;
  notifications: readonly LambdaNotification[];
  policy?: string;
}

interface Bucket {
  meta: BucketMeta;
  objects: Map<string, ObjectMeta>;
  /** Keys whose PUT is between its precondition check and its index update. */
  committing: Set<string>;
}

/**
 * Buckets and objects on disk under `<stateDir>/s3`. Object bytes live in a file named by the SHA-256 of
 * the key, so any key (unicode, `../`, 1 KiB long) maps to a safe, fixed-length file name; the key itself
 * is kept in a JSON sidecar. Bodies are written to a temporary file and renamed into place, so a failed or
 * rejected upload never changes the stored object and a reader never sees half an object.
 */
export class ObjectStore {
  readonly #root: string;
  readonly #tmp: string;
  readonly #buckets = new Map<string, Bucket>();

  constructor(stateDir: string) {
    this.#root = join(stateDir, 's3', 'buckets');
    this.#tmp = join(stateDir, 's3', 'tmp');
    mkdirSync(this.#root, { recursive: true });
    rmSync(this.#tmp, { recursive: true, force: true });
    mkdirSync(this.#tmp, { recursive: true });
    this.#load();
  }

  #load(): void {
    for (const name of readdirSync(this.#root)) {
      const dir = join(this.#root, name);
      let meta: BucketMeta;
      try {
        meta = JSON.parse(readFileSync(join(dir, 'bucket.json'), 'utf8')) as BucketMeta;
      } catch {
        continue; // half-created bucket: ignore
      }
      const objects = new Map<string, ObjectMeta>();
      for (const file of readdirSync(join(dir, 'objects'))) {
        if (!file.endsWith('.json')) continue;
        try {
          const obj = JSON.parse(readFileSync(join(dir, 'objects', file), 'utf8')) as ObjectMeta;
          objects.set(obj.key, obj);
        } catch {
          // a sidecar torn by a crash: the object is treated as absent
        }
      }
      this.#buckets.set(name, { meta, objects, committing: new Set() });
    }
  }

  listBuckets(): BucketMeta[] {
    return [...this.#buckets.values()].map((b) => b.meta).sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  getBucket(name: string): BucketMeta | undefined {
    return this.#buckets.get(name)?.meta;
  }

  async createBucket(name: string, region: string): Promise<BucketMeta> {
    const meta: BucketMeta = { name, region, creationDate: new Date().toISOString(), notifications: [] };
    this.#buckets.set(name, { meta, objects: new Map(), committing: new Set() });
    await mkdir(join(this.#root, name, 'objects'), { recursive: true });
    await this.saveBucket(meta);
    return meta;
  }

  async saveBucket(meta: BucketMeta): Promise<void> {
    await this.#atomicWrite(join(this.#root, meta.name, 'bucket.json'), JSON.stringify(meta));
  }

  async deleteBucket(name: string): Promise<void> {
    this.#buckets.delete(name);
    await rm(join(this.#root, name), { recursive: true, force: true });
  }

  objectCount(bucket: string): number {
    return this.#buckets.get(bucket)?.objects.size ?? 0;
  }

  getObject(bucket: string, key: string): ObjectMeta | undefined {
    return this.#buckets.get(bucket)?.objects.get(key);
  }

  /** Keys of a bucket in S3's order (UTF-8 byte order, which differs from JS string order for astral chars). */
  sortedKeys(bucket: string): string[] {
    const keys = [...(this.#buckets.get(bucket)?.objects.keys() ?? [])];
    const encoded = new Map(keys.map((k) => [k, Buffer.from(k, 'utf8')]));
    return keys.sort((a, b) => Buffer.compare(encoded.get(a)!, encoded.get(b)!));
  }

  /**
   * Opens the object's bytes. Done synchronously right after the index lookup, so a concurrent overwrite
   * (which renames a new file in and unlinks the old one on a later tick) can never pair new metadata with
   * old bytes: the returned descriptor keeps the version it was opened on.
   */
  openObject(bucket: string, key: string): { meta: ObjectMeta; fd: number } | undefined {
    const meta = this.getObject(bucket, key);
    if (meta?.file === undefined) return undefined;
    return { meta, fd: openSync(join(this.#root, bucket, 'objects', meta.file), 'r') };
  }

  /** A fresh temporary file path on the same file system as the objects (so rename is atomic). */
  tempPath(): string {
    return join(this.#tmp, randomUUID());
  }

  /**
   * Moves an uploaded temporary file into place and records its metadata. `precondition` runs after any
   * concurrent commit of the same key finished and right before the swap; it throws to refuse the write.
   */
  async commit(
    bucket: string,
    meta: ObjectMeta,
    tempFile: string,
    precondition?: (current?: ObjectMeta) => void,
  ): Promise<ObjectMeta> {
    const b = this.#buckets.get(bucket);
    if (b === undefined) throw new Error(`bucket ${bucket} vanished during the upload`);
    while (b.committing.has(meta.key)) await new Promise((r) => setTimeout(r, 1));
    b.committing.add(meta.key);
    try {
      const previous = b.objects.get(meta.key);
      precondition?.(previous);
      const hash = keyHash(meta.key);
      const file = `${hash}-${randomUUID()}.bin`;
      const dir = join(this.#root, bucket, 'objects');
      await rename(tempFile, join(dir, file));
      const stored: ObjectMeta = { ...meta, file };
      await this.#atomicWrite(join(dir, `${hash}.json`), JSON.stringify(stored));
      b.objects.set(meta.key, stored);
      if (previous?.file !== undefined) await rm(join(dir, previous.file), { force: true });
      return stored;
    } finally {
      b.committing.delete(meta.key);
    }
  }

  async deleteObject(bucket: string, key: string): Promise<boolean> {
    const b = this.#buckets.get(bucket);
    if (b === undefined || !b.objects.has(key)) return false;
    const previous = b.objects.get(key)!;
    b.objects.delete(key);
    const dir = join(this.#root, bucket, 'objects');
    await rm(join(dir, `${keyHash(key)}.json`), { force: true });
    if (previous.file !== undefined) await rm(join(dir, previous.file), { force: true });
    return true;
  }

  async discard(tempFile: string): Promise<void> {
    await rm(tempFile, { force: true });
  }

  async #atomicWrite(path: string, text: string): Promise<void> {
    const tmp = this.tempPath();
    await writeFile(tmp, text);
    await rename(tmp, path);
  }
}

function keyHash(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}
