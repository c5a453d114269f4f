import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Until apps/email-bot/vitest.config.ts includes shims/**, these run with `npx vitest run --config shims/vitest.config.ts`.
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('..', import.meta.url)),
    include: ['shims/**/*.test.ts'],
    testTimeout: 60_000,
  },
});
