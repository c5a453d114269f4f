import { createHash } from 'node:crypto';
import {
  copyFileSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { join } from 'node:path';
import type { ResolvedLayer } from '../lambda/types.js';

/**
 * Builds (once per layer set) the folder an instance sees as `/opt`: every layer's files in order, later layers
 * winning, as hardlinks (a copy only across file systems) so a 120 MB layer costs no space per instance.
 * Returns the folder; the same layer set always maps to the same cached folder under `cacheRoot`.
 */
export function composeLayers(layers: readonly ResolvedLayer[], cacheRoot: string): string {
  const key = createHash('sha256')
    .update(JSON.stringify(layers.map((l) => [l.arn, l.dir])))
    .digest('hex')
    .slice(0, 24);
  const target = join(cacheRoot, key);
  try {
    if (lstatSync(target).isDirectory()) return target;
  } catch {
    // not built yet
  }
  const tmp = `${target}.tmp-${process.pid}-${Date.now()}`;
  mkdirSync(tmp, { recursive: true });
  for (const layer of layers) overlay(layer.dir, tmp);
  try {
    renameSync(tmp, target);
  } catch (err) {
    // Built concurrently by another caller: keep theirs.
    rmSync(tmp, { recursive: true, force: true });
    if (!lstatSync(target).isDirectory()) throw err;
  }
  return target;
}

function overlay(from: string, to: string): void {
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const src = join(from, entry.name);
    const dst = join(to, entry.name);
    if (entry.isDirectory()) {
      let existing: ReturnType<typeof lstatSync> | undefined;
      try {
        existing = lstatSync(dst);
      } catch {
        existing = undefined;
      }
      if (existing !== undefined && !existing.isDirectory()) rmSync(dst, { force: true });
      mkdirSync(dst, { recursive: true });
      overlay(src, dst);
      continue;
    }
    rmSync(dst, { recursive: true, force: true });
    if (entry.isSymbolicLink()) {
      symlinkSync(readlinkSync(src), dst);
    } else {
      try {
        linkSync(src, dst);
      } catch {
        copyFileSync(src, dst);
      }
    }
  }
}
