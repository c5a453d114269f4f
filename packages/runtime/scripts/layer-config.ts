/** The layer's pinned inputs and where the Node binaries are cached. */
import { join } from 'node:path';

/** Node version shipped in the layer (current LTS line 24.x); override with CAPRICE_NODE_VERSION. */
export const NODE_VERSION = process.env.CAPRICE_NODE_VERSION ?? '24.21.0';

export const ARCHES = ['x64', 'arm64'] as const;
export type Arch = (typeof ARCHES)[number];

export const PACKAGE_DIR = new URL('..', import.meta.url).pathname;
/** Git-ignored cache of `npm pack`ed Node packages and their extracted binaries. */
export const CACHE_DIR = join(PACKAGE_DIR, '.caprice', 'node');

/** Path of the extracted `bin/node` for an arch at the pinned version. */
export function cachedNodeBinary(arch: Arch, version = NODE_VERSION): string {
  return join(CACHE_DIR, `node-linux-${arch}-${version}`, 'package', 'bin', 'node');
}
