// Each action's action.yml is what `uses:` runs and its README is what users read: they must
// agree, and the names DESIGN.md's contracts fix between the actions must be there.
import { readdirSync, readFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { DEFAULT_PLATFORMS } from '@aks-gitops/toolkit'
import { REPO_ROOT } from '@aks-gitops/test-support/action-runner'

interface ActionYml {
  name?: string
  description?: string
  inputs?: Record<string, { description?: string; required?: boolean; default?: unknown }>
  outputs?: Record<string, { description?: string }>
  runs: { using: string; main: string; post?: string }
}

const actions = readdirSync(join(REPO_ROOT, 'actions')).filter((name) => existsSync(join(REPO_ROOT, 'actions', name, 'action.yml')))

/** The names in the first column of the table under `## <section>`. */
function tableNames(readme: string, section: string): string[] {
  const body = readme.split(`\n## ${section}\n`)[1]?.split('\n## ')[0] ?? ''
  return [...body.matchAll(/^\| `([a-z0-9-]+)` \|/gm)].map((m) => m[1] as string)
}

/** The contracts between the actions (DESIGN.md): outputs the other actions and the workflows rely on. */
const CONTRACT_OUTPUTS: Record<string, string[]> = {
  'buildx-multiarch': ['digest', 'image', 'tags', 'platforms', 'oci-layout'],
  'acr-push': ['image', 'digest', 'platforms'],
  'bump-manifest': ['changed', 'commit-sha', 'previous-images', 'updated-files', 'pull-request-url'],
}
const CONTRACT_INPUTS: Record<string, string[]> = {
  'acr-push': ['source', 'destination', 'tags', 'require-platforms', 'verify-only', 'immutable-tags', 'auth'],
  'bump-manifest': ['files', 'image', 'tag', 'digest', 'new-name', 'container', 'commit', 'push', 'remote', 'branch', 'token', 'max-attempts', 'pull-request', 'dry-run'],
}

describe('the three actions', () => {
  it('are all here', () => {
    expect(actions.sort()).toEqual(['acr-push', 'buildx-multiarch', 'bump-manifest'])
  })
})

describe.each(actions)('actions/%s', (name) => {
  const dir = join(REPO_ROOT, 'actions', name)
  const action = parse(readFileSync(join(dir, 'action.yml'), 'utf8')) as ActionYml
  const readme = readFileSync(join(dir, 'README.md'), 'utf8')

  it('runs its committed bundle on node24', () => {
    expect(action.runs.using).toBe('node24')
    expect(action.runs.main).toBe('dist/index.js')
    expect(existsSync(join(dir, action.runs.main))).toBe(true)
  })

  it('describes every input and output', () => {
    expect(action.name && action.description).toBeTruthy()
    for (const [input, spec] of Object.entries(action.inputs ?? {})) expect(spec.description?.trim(), input).toBeTruthy()
    for (const [output, spec] of Object.entries(action.outputs ?? {})) expect(spec.description?.trim(), output).toBeTruthy()
  })

  it('lists the same inputs and outputs in its README tables, in the same order', () => {
    expect(tableNames(readme, 'Inputs')).toEqual(Object.keys(action.inputs ?? {}))
    expect(tableNames(readme, 'Outputs')).toEqual(Object.keys(action.outputs ?? {}))
  })

  // Entries beside the main one (buildx-multiarch's plan/): a README section per entry, whose
  // `| input |` and `| output |` tables list the entry's action.yml.
  const entries = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory() && existsSync(join(dir, e.name, 'action.yml')))
  it.each(entries.map((e) => e.name))('documents its %s/ entry with the same inputs and outputs, in the same order', (entry) => {
    const sub = parse(readFileSync(join(dir, entry, 'action.yml'), 'utf8')) as ActionYml
    const section = readme.split('\n## ').find((part) => part.split('\n')[0]?.includes(`(\`${entry}/\`)`)) ?? ''
    const table = (header: string): string[] => {
      const body = section.split(`\n| ${header} |`)[1]?.split('\n\n')[0] ?? ''
      return [...body.matchAll(/^\| `([a-z0-9-]+)` \|/gm)].map((m) => m[1] as string)
    }
    expect(section, `a README section titled with (\`${entry}/\`)`).not.toBe('')
    expect(table('input')).toEqual(Object.keys(sub.inputs ?? {}))
    expect(table('output')).toEqual(Object.keys(sub.outputs ?? {}))
  })

  it("keeps the names DESIGN.md's contracts fix", () => {
    expect(Object.keys(action.outputs ?? {})).toEqual(expect.arrayContaining(CONTRACT_OUTPUTS[name] ?? []))
    expect(Object.keys(action.inputs ?? {})).toEqual(expect.arrayContaining(CONTRACT_INPUTS[name] ?? []))
  })
})

// A default a toolkit constant holds is not written again in an action.yml: the input defaults to
// '' and the action applies the constant. acr-push keeps its own because its empty value means
// "no check"; it must equal the constant.
describe('defaults the toolkit holds', () => {
  const inputs = (name: string) => (parse(readFileSync(join(REPO_ROOT, 'actions', name, 'action.yml'), 'utf8')) as ActionYml).inputs ?? {}
  it('buildx-multiarch builds DEFAULT_PLATFORMS for an empty platforms input; acr-push requires the same by default', () => {
    expect(inputs('buildx-multiarch').platforms?.default).toBe('')
    expect(inputs('acr-push')['require-platforms']?.default).toBe(DEFAULT_PLATFORMS.join(','))
  })

  it("the pipeline's platforms input defaults to DEFAULT_PLATFORMS (a workflow input cannot read the constant, so this test ties them)", () => {
    const pipeline = parse(readFileSync(join(REPO_ROOT, '.github/workflows/pipeline.yml'), 'utf8')) as { on: { workflow_call: { inputs: Record<string, { default?: unknown }> } } }
    expect(pipeline.on.workflow_call.inputs.platforms?.default).toBe(DEFAULT_PLATFORMS.join(','))
  })
})
