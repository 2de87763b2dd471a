import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: 'acr-push',
    include: ['test/**/*.test.ts'],
    // End-to-end tests start registries and run the bundle against them on a shared 2-core machine.
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
})
