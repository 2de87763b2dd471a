import { defineConfig } from 'vitest/config'

// One vitest run over the whole workspace: each package is a project, so
// `pnpm test` gives one summary. Packages may add their own vitest.config.ts.
export default defineConfig({
  test: {
    projects: ['actions/*', 'apps/*', 'tools'],
    reporters: ['default', './tools/test-summary-reporter.ts'],
  },
})
