// What the README tells a team about GitHub's side, checked against the workflows it points to: the
// concurrency group it suggests must be valid for the reusable pipeline (its key an input that
// exists there), and both READMEs must say which token makes the validation workflow run.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'

const read = (file: string): string => readFileSync(new URL(`../../../${file}`, import.meta.url), 'utf8')
const readme = read('actions/bump-manifest/README.md')
const section = readme.slice(readme.indexOf('## Tokens'), readme.indexOf('## Design decisions'))
const prose = section.replace(/\s+/g, ' ')

describe('README: tokens and the push rate', () => {
  it('suggests a concurrency group per manifest branch that the reusable pipeline can take as it is', () => {
    const block = /```yaml\n(concurrency:[\s\S]*?)```/.exec(section)?.[1]
    expect(block).toBeDefined()
    const { concurrency } = parse(block!) as { concurrency: { group: string; 'cancel-in-progress': boolean; queue: string } }
    expect(concurrency['cancel-in-progress']).toBe(false)
    expect(concurrency.queue).toBe('max')
    // Every input the group names is an input of the pipeline's workflow_call.
    const pipeline = parse(read('.github/workflows/pipeline.yml')) as { on: { workflow_call: { inputs: Record<string, unknown> } } }
    const named = [...concurrency.group.matchAll(/inputs\.([a-z-]+)/g)].map((m) => m[1]!)
    expect(named).toEqual(['manifest-branch'])
    for (const input of named) expect(Object.keys(pipeline.on.workflow_call.inputs)).toContain(input)
  })

  it('gives GitHub\'s push rate with its source', () => {
    expect(prose).toMatch(/at most about 6 pushes per minute to one repository/)
    expect(section).toContain('https://docs.github.com/en/repositories/creating-and-managing-repositories/repository-limits')
  })

  it.each(['actions/bump-manifest/README.md', 'k8s-specifications/README.md'])('%s: github.token pushes start no workflow, so the validation does not run; which token does', (file) => {
    const text = read(file).replace(/\s+/g, ' ')
    expect(text).toMatch(/push(?:ed)? (?:made )?with `github\.token` starts? no workflow/)
    expect(text).toMatch(/`manifests` workflow|manifests\.yml/)
    expect(text).toContain('App token')
    expect(text).toContain('GITOPS_PUSH_TOKEN')
  })

  it('names the setting behind the 403 of pull-request mode, and recommends an App token', () => {
    expect(prose).toContain('Allow GitHub Actions to create and approve pull requests')
    expect(prose).toContain('GitHub Actions is not permitted to create or approve pull requests.')
    expect(prose).toMatch(/use an App token/)
  })
})
