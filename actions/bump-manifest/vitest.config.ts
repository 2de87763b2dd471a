import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: 'bump-manifest',
    include: ['test/**/*.test.ts'],
    // The end-to-end tests run the bundle against real git remotes, 16 at a time.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
})
