import { defineConfig } from 'vitest/config'

// One vitest run over the whole workspace: each package is a project, so
// `pnpm test` gives one summary. Packages may add their own vitest.config.ts.
export default defineConfig({
  test: {
    // apps/ holds the services' shared Dockerfile next to the packages: take the packages' configs.
    projects: ['actions/*', 'apps/*/vitest.config.ts', 'tools', 'tools/test-support'],
    reporters: ['default', './tools/test-summary-reporter.ts'],
  },
})
