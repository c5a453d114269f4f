/** Where the things under test are: the built layer and app zips, AWS's aws-lambda-ric, the runtime's floor client. */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractZip } from '@caprice/emulator';
import { MissingArtifactError } from '../errors.js';

/** The workspace root (bench/ is one level down). */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export const paths = {
  layerZip: join(ROOT, 'packages/runtime/dist/layer-x64.zip'),
  layersJson: join(ROOT, 'packages/runtime/dist/layers.json'),
  httpApiZip: join(ROOT, 'apps/http-api/dist/http-api.zip'),
  httpApiBundle: join(ROOT, 'apps/http-api/dist/bundle/index.mjs'),
  emailBotZip: join(ROOT, 'apps/email-bot/dist/email-bot.zip'),
  emailBotBundle: join(ROOT, 'apps/email-bot/dist/bundle/index.mjs'),
  emailBotEntry: join(ROOT, 'apps/email-bot/src/main.ts'),
  emailBotInputs: join(ROOT, 'apps/email-bot/dist/bundle-inputs.json'),
  /** The raw-floor client of @caprice/runtime's own bench (hand-written HTTP/1.1 on one socket). */
  floorClient: join(ROOT, 'packages/runtime/bench/floor-client.mjs'),
} as const;

/** Fails with the command that builds a missing artifact. */
export function requireArtifact(path: string, build: string): void {
  if (!existsSync(path)) throw new MissingArtifactError(path, build);
}

/** The entry of AWS's Node runtime interface client, from tests/ric-peer (built there with its native addon). */
export function ricEntry(): string {
  const peer = createRequire(import.meta.url).resolve('@caprice/ric-peer-test/package.json');
  const ricPkg = createRequire(peer).resolve('aws-lambda-ric/package.json');
  return join(dirname(ricPkg), 'bin', 'index.mjs');
}

/**
 * Whether aws-lambda-ric is installed with its native addon (built by `pnpm install` in tests/ric-peer, which needs
 * a C++ toolchain); without it (or with `CAPRICE_BENCH_NO_RIC=1`) the benches report @caprice/runtime against the
 * floor only.
 */
export function ricAvailable(): boolean {
  if (process.env.CAPRICE_BENCH_NO_RIC === '1') return false;
  try {
    return existsSync(join(dirname(ricEntry()), '..', 'dist', 'rapid-client.node'));
  } catch {
    return false;
  }
}

export interface StagedLayer {
  readonly dir: string;
  readonly nodeBinary: string;
  readonly nodeVersion: string;
  readonly zip: Buffer;
}

/** Unpacks packages/runtime/dist/layer-x64.zip into `dir` (the layer's own Node binary is what runs everything). */
export async function stageLayer(dir: string): Promise<StagedLayer> {
  requireArtifact(paths.layerZip, 'pnpm --filter @caprice/runtime zip');
  const zip = await readFile(paths.layerZip);
  await extractZip(zip, dir, { maxUnzippedBytes: 262_144_000 });
  const nodeBinary = join(dir, 'bin', 'node');
  const version = spawnSync(nodeBinary, ['--version'], { encoding: 'utf8', timeout: 10_000 }).stdout.trim();
  return { dir, nodeBinary, nodeVersion: version || 'unknown', zip };
}

/** User+system CPU of one process in µs (from /proc, 10 ms ticks); NaN when it is gone. */
export function cpuMicros(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return Number.NaN;
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
