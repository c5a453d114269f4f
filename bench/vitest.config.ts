import { defineConfig } from 'vitest/config';

// Unit tests of the pure helpers only (stats, SVG, markdown); the benchmarks themselves run through `pnpm bench`.
export default defineConfig({
  resolve: { conditions: ['@caprice/source'] },
  ssr: { resolve: { conditions: ['@caprice/source'] } },
  test: { include: ['src/**/*.test.ts'], testTimeout: 10_000 },
});
