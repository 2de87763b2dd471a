import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: 'buildx-multiarch',
    include: ['test/**/*.test.ts'],
    // The end-to-end tests build real images (arm64 under QEMU) on a shared 2-core machine.
    testTimeout: 240_000,
    hookTimeout: 240_000,
  },
})
