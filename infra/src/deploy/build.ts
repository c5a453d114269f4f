import { spawn } from 'node:child_process';
import path from 'node:path';
import { DeployError } from './errors.js';

/** Runs `turbo run zip` for the layer and both apps; turbo's cache makes this a no-op when nothing changed. */
export async function buildZips(root: string, log: (line: string) => void): Promise<void> {
  const turbo = path.join(root, 'node_modules', '.bin', 'turbo');
  const args = [
    'run',
    'zip',
    '--filter=@caprice/runtime',
    '--filter=@caprice/http-api',
    '--filter=@caprice/email-bot',
  ];
  log(`build: turbo ${args.join(' ')}`);
  const output: string[] = [];
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(turbo, [...args, '--output-logs=errors-only'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.on('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'ENOENT'
          ? new DeployError(
              `turbo is not installed at ${turbo}; run \`pnpm install\` in ${root} (or deploy prebuilt zips with --no-build)`,
              { cause: error },
            )
          : error,
      ),
    );
    child.on('close', resolve);
  });
  if (code !== 0) {
    throw new DeployError(`Building the zips failed (turbo exited ${code}):\n${output.join('').trim()}`);
  }
}
