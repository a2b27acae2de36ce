import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources (the `source` export condition), so the
// suite runs on a fresh clone before anything is built — in test files and in global setup alike.
const resolve = { conditions: ['source'] };

export default defineConfig({
  resolve,
  ssr: { resolve },
  environments: { __vitest__: { resolve } },
  test: {
    include: [
      'test/**/*.test.ts',
      'packages/*/test/**/*.test.ts',
      'app-*/test/**/*.test.ts',
      'web/test/**/*.test.ts',
    ],
    globalSetup: ['./test/global-setup.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: process.env.CI ? ['verbose'] : ['default'],
  },
});
