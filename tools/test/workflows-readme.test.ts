// The README's copy-paste examples are real workflows: assembled as they would be pasted, they
// pass actionlint, GitHub's schema, the hardening rules and the actions' declared inputs.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { REPO_ROOT } from '../src/action-runner'
import { lintWorkflow } from '../src/workflows/actionlint'
import { RULES } from '../src/workflows/hardening'
import { loadWorkflows, parseWorkflow } from '../src/workflows/load'
import { checkLocalActions, checkReusableCalls } from '../src/workflows/local-actions'
import { workflowSchemaErrors } from '../src/workflows/schema'

const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8')
const start = readme.indexOf('## Using the actions from your repository')
const section = readme.slice(start, readme.indexOf('\n## ', start + 1))
const blocks = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => match[1] ?? '')

// As another repository would write them; for the checks, the local copies of the same files.
const local = (text: string) =>
  text.replace(/OWNER\/REPO\/actions\/([a-z-]+)@v1/g, './actions/$1').replace('OWNER/REPO/.github/workflows/pipeline.yml@v1', './.github/workflows/pipeline.yml')

const jobs = blocks.filter((block) => /^[a-z-]+:\n/.test(block))
const callers = blocks.filter((block) => block.startsWith('name:'))
const assembled = `on: push\npermissions: {}\njobs:\n${jobs.map((job) => job.trimEnd().replace(/^/gm, '  ')).join('\n')}\n`

describe('README examples', () => {
  it('has the three action examples and a pipeline caller', () => {
    expect(section.length).toBeGreaterThan(0)
    expect(jobs.map((job) => /^([a-z-]+):/.exec(job)?.[1])).toEqual(['build', 'publish', 'deploy'])
    expect(callers).toHaveLength(1)
    for (const name of ['buildx-multiarch', 'acr-push', 'bump-manifest']) expect(section).toContain(`OWNER/REPO/actions/${name}@v1`)
  })

  const cases = [
    ['the build, publish and deploy jobs', local(assembled)],
    ['the pipeline caller', local(callers[0] ?? '')],
  ] as const

  it.each(cases)('%s pass actionlint and the workflow schema', async (_, text) => {
    expect(await lintWorkflow(text, '.github/workflows/example.yml')).toEqual([])
    expect(await workflowSchemaErrors('example.yml', text)).toEqual([])
  }, 60_000)

  it.each(cases)('%s follow the hardening rules and the actions\' inputs', (_, text) => {
    const workflow = parseWorkflow('.github/workflows/example.yml', text)
    // orderedDeploys wants the group built from the service and environment inputs; a standalone
    // example names them literally, so only its cancel-in-progress is checked here.
    const { orderedDeploys: _ordered, ...rules } = RULES
    for (const rule of Object.values(rules)) expect(rule(workflow)).toEqual([])
    const deploy = workflow.jobs.deploy?.concurrency as { 'cancel-in-progress'?: boolean } | undefined
    if (deploy) expect(deploy['cancel-in-progress']).toBe(false)
    expect(checkLocalActions(workflow)).toEqual([])
    expect(checkReusableCalls(workflow, loadWorkflows())).toEqual([])
  })
})
