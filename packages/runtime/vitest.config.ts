import { defineConfig } from 'vitest/config';

// Tests read workspace packages from source through the same condition as tsc and esbuild.
export default defineConfig({
  resolve: { conditions: ['@caprice/source'] },
  ssr: { resolve: { conditions: ['@caprice/source'] } },
  // Conformance tests spawn real runtime processes; leave room for a loaded CI machine.
  test: { include: ['src/**/*.test.ts', 'test/**/*.test.ts'], testTimeout: 20_000, hookTimeout: 60_000 },
});
