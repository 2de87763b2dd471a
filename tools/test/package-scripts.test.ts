// Every `test:*` script of the root package.json must select vitest projects that exist: vitest
// answers an unknown `--project` with "No projects matched" and runs nothing.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { REPO_ROOT } from '@aks-gitops/test-support/action-runner'

/** Each project of the root vitest.config.ts (actions/*, apps/*, tools, tools/test-support) by its name: `test.name` in its config, else its package's. */
function projectNames(): string[] {
  const dirs = [...['actions', 'apps'].flatMap((parent) => readdirSync(join(REPO_ROOT, parent)).map((dir) => join(parent, dir))), 'tools', 'tools/test-support']
  return dirs
    .filter((dir) => existsSync(join(REPO_ROOT, dir, 'package.json')))
    .map((dir) => {
      const config = join(REPO_ROOT, dir, 'vitest.config.ts')
      const named = existsSync(config) ? /\btest: \{[^}]*?\bname: '([^']+)'/.exec(readFileSync(config, 'utf8'))?.[1] : undefined
      return named ?? (JSON.parse(readFileSync(join(REPO_ROOT, dir, 'package.json'), 'utf8')) as { name: string }).name
    })
}

const scripts = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts
const testScripts = Object.entries(scripts).filter(([name]) => name.startsWith('test:'))

describe('the test:* scripts', () => {
  const names = projectNames()

  it('knows the workspace projects', () => {
    expect(names).toEqual(expect.arrayContaining(['@aks-gitops/toolkit', 'app-shared', 'vote', 'tools']))
  })

  it.each(testScripts)('%s selects only projects that exist', (_, command) => {
    const selected = [...command.matchAll(/--project[= ](\S+)/g)].map((m) => m[1])
    for (const project of selected) expect(names, `--project ${project}`).toContain(project)
  })

  it('would catch the script that matched no project', () => {
    expect(names).not.toContain('unit')
  })
})
