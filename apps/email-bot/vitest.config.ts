import { defineConfig } from 'vitest/config';

// Tests read workspace packages from source through the same condition as tsc and esbuild.
export default defineConfig({
  resolve: { conditions: ['@caprice/source'] },
  ssr: { resolve: { conditions: ['@caprice/source'] } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'shims/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
