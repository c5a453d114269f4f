import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Stack } from '../stack.js';
import { ArtifactNotFoundError } from './errors.js';

/** A built zip with the figures a deploy compares against Lambda's. */
export interface Artifact {
  readonly path: string;
  readonly bytes: Uint8Array;
  readonly size: number;
  /** base64 SHA-256, the form of Lambda's CodeSha256. */
  readonly codeSha256: string;
}

export interface Artifacts {
  /** Layer zip per architecture (`x86_64`, `arm64`). */
  readonly layers: Readonly<Record<string, Artifact>>;
  /** Function zip per app name (`http-api`, `email-bot`). */
  readonly functions: Readonly<Record<string, Artifact>>;
}

/** Where the runtime package writes the layer zip of an architecture. */
export function layerZipPath(root: string, architecture: string): string {
  return join(root, 'packages', 'runtime', 'dist', `layer-${architecture === 'arm64' ? 'arm64' : 'x64'}.zip`);
}

/** Where an app writes its function zip. */
export function appZipPath(root: string, app: string): string {
  return join(root, 'apps', app, 'dist', `${app}.zip`);
}

async function readArtifact(path: string, buildCommand: string): Promise<Artifact> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new ArtifactNotFoundError(path, buildCommand);
    throw error;
  }
  return { path, bytes, size: bytes.length, codeSha256: createHash('sha256').update(bytes).digest('base64') };
}

/** Reads the zips the stack needs from the workspace at `root`. */
export async function loadArtifacts(root: string, stack: Stack): Promise<Artifacts> {
  const layers: Record<string, Artifact> = {};
  for (const arch of stack.layer.architectures) {
    layers[arch] = await readArtifact(layerZipPath(root, arch), 'pnpm --filter @caprice/runtime zip');
  }
  const functions: Record<string, Artifact> = {};
  for (const fn of stack.functions) {
    functions[fn.app] ??= await readArtifact(
      appZipPath(root, fn.app),
      `pnpm --filter @caprice/${fn.app} zip`,
    );
  }
  return { layers, functions };
}
