import { defineConfig } from 'vitest/config';

// Tests read workspace packages from source through the same condition as tsc and esbuild.
export default defineConfig({
  resolve: { conditions: ['@caprice/source'] },
  ssr: { resolve: { conditions: ['@caprice/source'] } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // turbo runs several packages' suites at once on CI's 2 cores: leave room for a loaded machine.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
