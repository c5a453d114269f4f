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
    // The SDK warns once per process that releases after January 2027 need Node >= 22 (noted in the README);
    // every spawned `caprice` would repeat it in the test log.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
