import { defineConfig } from 'vitest/config';

// The emulator is read from source through the same condition as tsc.
export default defineConfig({
  resolve: { conditions: ['@caprice/source'] },
  ssr: { resolve: { conditions: ['@caprice/source'] } },
  test: { include: ['test/**/*.test.ts'], testTimeout: 30_000, hookTimeout: 30_000 },
});
