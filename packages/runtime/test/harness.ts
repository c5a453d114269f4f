/**
 * Runs the real layer (bootstrap + runtime bundle + Node binary) as a child process against a mock Runtime API.
 * The layer is staged once per test file in a temp folder: the esbuild bundle of src/main.ts, layer/bootstrap, and
 * bin/node linked to the layer's cached Node (x64) when `pnpm zip` has fetched it, else to the host's node.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildRuntimeBundle } from '../scripts/build-runtime-bundle.js';
import { cachedNodeBinary } from '../scripts/layer-config.js';

export const PACKAGE_DIR = new URL('..', import.meta.url).pathname;
export const FIXTURES = join(PACKAGE_DIR, 'test', 'fixtures');

export interface StagedLayer {
  dir: string;
  nodeBinary: string;
  cleanup(): Promise<void>;
}

/**
 * The layer's real x64 Node: from the `pnpm zip` cache, else extracted from dist/layer-x64.zip, else (no layer
 * built yet, or not an x64 host) the host's node.
 */
async function layerNodeBinary(dir: string): Promise<string> {
  if (process.arch !== 'x64') return process.execPath;
  const cached = cachedNodeBinary('x64');
  if (existsSync(cached)) return cached;
  const zip = join(PACKAGE_DIR, 'dist', 'layer-x64.zip');
  if (existsSync(zip)) {
    const out = join(dir, 'node-from-zip');
    execFileSync('sh', ['-c', 'unzip -p "$1" bin/node > "$2" && chmod 755 "$2"', 'sh', zip, out]);
    return out;
  }
  return process.execPath;
}

/** Stages a layer folder for tests: the bundle, the bootstrap, and a Node binary. */
export async function stageLayer(): Promise<StagedLayer> {
  const dir = await mkdtemp(join(tmpdir(), 'caprice-layer-'));
  await mkdir(join(dir, 'runtime'));
  await mkdir(join(dir, 'bin'));
  await buildRuntimeBundle(join(dir, 'runtime', 'index.cjs'));
  await copyFile(join(PACKAGE_DIR, 'layer', 'bootstrap'), join(dir, 'bootstrap'));
  const nodeBinary = await layerNodeBinary(dir);
  await symlink(nodeBinary, join(dir, 'bin', 'node'));
  return { dir, nodeBinary, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export interface RuntimeProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(): void;
}

/** Starts `bootstrap` with the Lambda environment. */
export function spawnRuntime(
  layer: StagedLayer,
  options: { endpoint: string; taskRoot: string; handler: string; env?: Record<string, string> },
): RuntimeProcess {
  const child = spawn('sh', [join(layer.dir, 'bootstrap')], {
    cwd: options.taskRoot,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      AWS_LAMBDA_RUNTIME_API: options.endpoint,
      _HANDLER: options.handler,
      LAMBDA_TASK_ROOT: options.taskRoot,
      AWS_LAMBDA_FUNCTION_NAME: 'test-fn',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
      AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/test-fn',
      AWS_LAMBDA_LOG_STREAM_NAME: '2026/11/25/[$LATEST]abc',
      TZ: ':UTC',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** Resolves with the exit, or rejects after `ms`. */
export function exitWithin(
  p: RuntimeProcess,
  ms = 5000,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return Promise.race([
    p.exited,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`runtime did not exit within ${ms} ms; stderr: ${p.stderr()}`)), ms),
    ),
  ]);
}
