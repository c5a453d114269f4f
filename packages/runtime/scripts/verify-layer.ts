/**
 * Smoke test of a built layer zip: extract it, start its own `bootstrap` (with its own bin/node) against a mock
 * Runtime API, and check one invoke round-trips. Run by `pnpm zip` for the host's architecture.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockRuntimeApi } from '../test/mock-runtime-api.js';

/** Throws unless the zip's bootstrap serves one invoke correctly. */
export async function verifyLayerZip(zipFile: string): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'caprice-verify-'));
  const api = await new MockRuntimeApi().start();
  try {
    const layerDir = join(dir, 'opt');
    const taskDir = join(dir, 'task');
    execFileSync('unzip', ['-q', zipFile, '-d', layerDir]);
    for (const f of ['bootstrap', 'bin/node']) {
      if (((await stat(join(layerDir, f))).mode & 0o111) === 0)
        throw new Error(`${f} is not executable in ${zipFile}`);
    }
    execFileSync('mkdir', ['-p', taskDir]);
    await writeFile(
      join(taskDir, 'index.mjs'),
      'export const handler = async (e) => ({ echo: e, node: process.version });\n',
    );
    const child = spawn(join(layerDir, 'bootstrap'), [], {
      env: {
        PATH: process.env.PATH,
        AWS_LAMBDA_RUNTIME_API: api.endpoint,
        _HANDLER: 'index.handler',
        LAMBDA_TASK_ROOT: taskDir,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128',
      },
      stdio: 'inherit',
    });
    try {
      const timeout = new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('the layer did not answer within 10 s')), 10_000).unref(),
      );
      const result = await Promise.race([api.invoke({ event: { ping: 1 } }), timeout]);
      const body = JSON.parse(result.request.body.toString()) as { echo: unknown; node: string };
      if (result.kind !== 'response' || JSON.stringify(body.echo) !== '{"ping":1}') {
        throw new Error(`unexpected layer answer: ${result.request.body.toString()}`);
      }
      console.log(`verified ${zipFile}: bootstrap served an invoke on node ${body.node}`);
    } finally {
      child.kill('SIGKILL');
    }
  } finally {
    await api.close();
    await rm(dir, { recursive: true, force: true });
  }
}
