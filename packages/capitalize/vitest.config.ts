import { defineConfig } from 'vitest/config';

// Tests read workspace packages from source through the same condition as tsc and esbuild.
export default defineConfig({
  resolve: { conditions: ['@caprice/source'] },
  ssr: { resolve: { conditions: ['@caprice/source'] } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // The exhaustive and property suites take ~1 s each on an idle machine; leave room for a loaded CI box.
    testTimeout: 30_000,
  },
});
