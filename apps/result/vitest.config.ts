import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: 'result',
    include: ['test/**/*.test.ts'],
    // Real Redis and PostgreSQL for this package's integration tests.
    globalSetup: ['../shared/test-support/global-setup.ts'],
    testTimeout: 60000,
    hookTimeout: 60000,
  },
})
