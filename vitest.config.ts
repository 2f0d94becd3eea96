import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    environment: 'node',
    // The default reporter prints the summary a person reads; the JSON report is what CI counts
    // (scripts/test-moto.sh names its own, so the moto pass leaves the main report alone).
    reporters: [
      'default',
      ['json', { outputFile: process.env.PROMPTOPS_VITEST_REPORT ?? 'test-results/vitest.json' }],
    ],
    testTimeout: 20_000,
    // CDK synths in the infra tests' beforeAll take seconds on a busy 2-core runner.
    hookTimeout: 60_000,
    pool: 'forks',
    env: {
      // Handlers log through Powertools; tests assert on responses, not on log lines.
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
    },
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts', 'test/infra/**/*.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // dynalite and s3rver in-process on free ports, unless PROMPTOPS_*_ENDPOINT point elsewhere.
          globalSetup: ['test/integration/setup/global-setup.ts'],
          setupFiles: ['test/integration/setup/environment.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          // The promptops executable, spawned as a user runs it, against local mode on free ports.
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
