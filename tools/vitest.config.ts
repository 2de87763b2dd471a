import { readFileSync } from 'node:fs'
import { defineProject } from 'vitest/config'

export default defineProject({
  // @actions/workflow-parser (workflow tests) imports its JSON schemas without import attributes,
  // which only a bundler accepts, so vite transforms it (server.deps.inline); its published
  // source maps point at files it does not ship, so they are dropped on load.
  plugins: [
    {
      name: 'workflow-parser-without-source-maps',
      load(id) {
        if (!id.includes('@actions/workflow-parser/dist/') || !id.endsWith('.js')) return null
        return { code: readFileSync(id, 'utf8').replace(/^\/\/# sourceMappingURL=.*$/m, ''), map: null }
      },
    },
  ],
  test: {
    name: 'tools',
    include: ['test/**/*.test.ts'],
    server: { deps: { inline: ['@actions/workflow-parser'] } },
  },
})
