// A tag <svc>/vX.Y.Z promotes the release candidate staging ran, found before the production
// approval: the rules on the workflow as data (with planted violations, and the pipeline before
// this rule, which promoted sha-<7>), the job graph, and the candidate and publish steps
// themselves: their `with:` resolved from pipeline.yml and the vote caller, run as the real
// acr-push bundle against the local registry and a real git history.
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { writeLayout } from '@aks-gitops/test-support/layout'
import { REPO_ROOT, runAction } from '@aks-gitops/test-support/action-runner'
import { callInputs, lookupIn, resolveEnv, type ExpressionContext } from '../src/workflows/expressions'
import { simulateJobs, type JobResult } from '../src/workflows/job-graph'
import { findStep, loadWorkflows, parseWorkflow, workflowById, type Workflow } from '../src/workflows/load'
import { promotionViolations } from '../src/workflows/promotion'
import { runActionStep } from '../src/workflows/run-action-step'
import { git } from '@aks-gitops/test-support/repo'
import { UNSET_GITOPS_VARIABLES } from './helpers/workflow-context'

const workflows = loadWorkflows()
const pipeline = workflowById(workflows, 'pipeline')

function planted(change: (workflow: Workflow) => void): Workflow {
  const copy = parseWorkflow(pipeline.path, pipeline.text)
  change(copy)
  return copy
}

describe('the promotion rules', () => {
  it('hold for pipeline.yml', () => {
    expect(promotionViolations(pipeline)).toEqual([])
  })

  it('catch the pipeline before them, which promoted sha-<7 of the release head> after the approval', () => {
    // The last pipeline.yml before the candidate job (commit 90d0da2).
    const before = parseWorkflow('.github/workflows/pipeline.yml', execFileSync('git', ['show', '90d0da2:.github/workflows/pipeline.yml'], { cwd: REPO_ROOT, encoding: 'utf8' }))
    expect(promotionViolations(before)).toEqual(['expected exactly one job before the production approval that runs acr-push with release-candidate, found 0'])
  })

  it.each<[string, (w: Workflow) => void, RegExp]>([
    [
      'a publish job that promotes sha-<7> again',
      (w) => {
        const push = (w.jobs.publish?.steps ?? []).find((step) => step.id === 'push')
        if (push?.with) push.with.source = "${{ needs.plan.outputs.kind == 'production' && format('{0}:sha-{1}', needs.plan.outputs.staging-image, github.sha) || 'x' }}"
      },
      /publish: promotes ".*sha-.*", not the digest candidate resolved/,
    ],
    [
      'a candidate job that waits for the production approval',
      (w) => {
        if (w.jobs.candidate) w.jobs.candidate.environment = '${{ inputs.production-environment }}'
      },
      /candidate: resolves a release candidate in environment "\$\{\{ inputs\.production-environment \}\}", i\.e\. after the production approval/,
    ],
    [
      'a production job that does not wait for the candidate',
      (w) => {
        if (w.jobs.publish) w.jobs.publish.needs = ['plan', 'build']
      },
      /publish: does not need candidate, so the approval is requested before the candidate is known/,
    ],
    [
      'a production job that resolves the candidate itself, after the approval',
      (w) => {
        const resolve = findStep(w, 'candidate', 'candidate')
        w.jobs.publish?.steps?.push({ ...resolve, id: 'late' })
      },
      /publish: resolves a release candidate in environment "\$\{\{ needs\.plan\.outputs\.environment \}\}", i\.e\. after the production approval/,
    ],
    [
      'a shallow checkout of the tagged commit',
      (w) => {
        const checkout = (w.jobs.candidate?.steps ?? []).find((step) => step.with?.path === 'source')
        if (checkout?.with) checkout.with['fetch-depth'] = 2
      },
      /candidate: the tagged commit must be checked out into source with fetch-depth: 0/,
    ],
    [
      'a candidate step that copies',
      (w) => {
        const resolve = findStep(w, 'candidate', 'candidate')
        if (resolve.with) resolve.with['verify-only'] = false
      },
      /candidate: the candidate step must be verify-only/,
    ],
  ])('catch %s', (_, change, violation) => {
    expect(promotionViolations(planted(change)).join('\n')).toMatch(violation)
  })

  it.each(['vote', 'result', 'worker'])("%s passes the paths of its image: push.paths without the workflow files", (service) => {
    const caller = workflowById(workflows, service)
    const pushPaths = (caller.on as { push: { paths: string[] } }).push.paths
    const passed = String(caller.jobs.pipeline?.with?.paths ?? '').split('\n').filter(Boolean)
    expect(passed).toEqual(pushPaths.filter((path) => !path.startsWith('.github/')))
  })
})

const SHA = 'c0ffee0000000000000000000000000000000001'

async function planOutputs(ref: string, sha: string, overrides: ExpressionContext = {}): Promise<{ context: ExpressionContext; outputs: Record<string, string> }> {
  const defaults: ExpressionContext = {
    'vars.ACR_STAGING_REGISTRY': 'stagingacr.azurecr.io',
    'vars.ACR_PRODUCTION_REGISTRY': 'prodacr.azurecr.io',
    'vars.AZURE_CLIENT_ID': '',
    'vars.AZURE_TENANT_ID': '',
    ...UNSET_GITOPS_VARIABLES,
    'github.event_name': 'push',
    'github.ref': ref,
    'github.sha': sha,
    'github.run_number': '12',
  }
  const base = { ...defaults, ...overrides }
  const context: ExpressionContext = { ...base, ...callInputs(pipeline, workflowById(workflows, 'vote').jobs.pipeline?.with ?? {}, base) }
  const step = findStep(pipeline, 'plan', 'plan')
  const plan = await runActionStep(step, context)
  expect(plan.exitCode, plan.stdout).toBe(0)
  return { context, outputs: plan.outputs }
}

describe('pipeline jobs for a tag', () => {
  async function jobs(failing?: string): Promise<string[]> {
    const { context, outputs } = await planOutputs('refs/tags/vote/v1.2.0', SHA)
    const results = simulateJobs(
      pipeline.jobs,
      lookupIn(context),
      (job) => (job === 'plan' ? outputs : {}),
      (job): JobResult => (job === failing ? 'failure' : 'success'),
    )
    return Object.entries(results).filter(([, result]) => result !== 'skipped').map(([job]) => job).sort()
  }
  it('finds the candidate, then publishes behind the approval and deploys', async () => {
    expect(await jobs()).toEqual(['candidate', 'deploy', 'plan', 'publish'])
  })
  it('never reaches the approval when no candidate can be promoted', async () => {
    expect(await jobs('candidate')).toEqual(['candidate', 'plan'])
  })
})

describe('the candidate and publish steps, run as the real acr-push bundle', () => {
  const namespace = `wf-promotion-${process.pid}-${Date.now().toString(36)}`
  const staging = `127.0.0.1:5000/${namespace}`
  const production = `127.0.0.1:5001/${namespace}`
  let root: string
  let repo: string
  const commits: Record<string, string> = {}
  const digests: Record<string, string> = {}

  function commit(name: string, file: string): string {
    mkdirSync(dirname(join(repo, file)), { recursive: true })
    writeFileSync(join(repo, file), `${name}\n`)
    git(repo, 'add', file)
    git(repo, 'commit', '-q', '-m', name)
    commits[name] = git(repo, 'rev-parse', 'HEAD')
    return commits[name]
  }

  async function publish(tag: string, revision: string): Promise<void> {
    const layout = writeLayout(mkdtempSync(join(root, 'layout-')), {
      platforms: [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }],
      indexAnnotations: { 'org.opencontainers.image.revision': revision },
    })
    const run = await runAction({ action: 'actions/acr-push', inputs: { source: layout.dir, destination: `${staging}/vote`, tags: tag, auth: 'none' }, env: { GITHUB_WORKSPACE: root } })
    expect(run.errors).toEqual([])
    digests[tag] = layout.indexDigest
  }

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'wf-promotion-'))
    repo = join(root, 'origin')
    git(root, 'init', '-q', '-b', 'main', repo)
    commit('base', 'apps/vote/app.ts')
    git(repo, 'switch', '-q', '-c', 'release/vote/v1.2.0')
    commit('rc', 'apps/vote/app.ts')
    // The last push to the release branch touched no service path: no build, no sha-<7> of it.
    commit('docs', 'README.md')
    git(repo, 'switch', '-q', 'main')
    git(repo, 'merge', '-q', '--no-ff', '-m', 'Merge release/vote/v1.2.0', 'release/vote/v1.2.0')
    commits.merge = git(repo, 'rev-parse', 'HEAD')
    await publish('1.2.0-rc.4', commits.rc ?? '')
    // develop builds the same commit after the release merges back: sha-<7> moves to its digest.
    await publish(`sha-${(commits.rc ?? '').slice(0, 7)}`, commits.rc ?? '')
  }, 120_000)
  afterAll(() => rmSync(root, { recursive: true, force: true }))

  it('resolves the rc before the approval and copies exactly that digest after it', async () => {
    const { context, outputs } = await planOutputs('refs/tags/vote/v1.2.0', commits.merge ?? '', { 'vars.ACR_STAGING_REGISTRY': staging, 'vars.ACR_PRODUCTION_REGISTRY': production })
    for (const [name, value] of Object.entries(outputs)) context[`needs.plan.outputs.${name}`] = value
    Object.assign(context, { 'inputs.registry-auth': 'none', 'inputs.azure-client-id': '', 'inputs.azure-tenant-id': '' })

    // The candidate job's workspace: the manifest branch at its root (staging runs a develop build,
    // not a candidate of 1.2.0), the tagged commit with its history in source/.
    const workspace = mkdtempSync(join(root, 'candidate-'))
    const manifest = join(workspace, String(context['needs.plan.outputs.staging-manifests']))
    mkdirSync(dirname(manifest), { recursive: true })
    writeFileSync(manifest, `images:\n  - name: vote\n    newName: ${staging}/vote\n    newTag: sha-${(commits.rc ?? '').slice(0, 7)}\n    digest: ${digests[`sha-${(commits.rc ?? '').slice(0, 7)}`]}\n`)
    git(workspace, 'clone', '-q', repo, 'source')
    git(join(workspace, 'source'), 'checkout', '-q', '--detach', commits.merge ?? '')
    const resolveStep = findStep(pipeline, 'candidate', 'candidate')
    const candidate = await runAction({ action: 'actions/acr-push', inputs: resolveEnv(resolveStep.with, context), env: { GITHUB_WORKSPACE: workspace, GITHUB_SHA: commits.merge ?? '' }, cwd: workspace })
    expect(candidate.errors).toEqual([])
    expect(candidate.outputs).toMatchObject({ 'candidate-tag': '1.2.0-rc.4', 'candidate-revision': commits.rc, digest: digests['1.2.0-rc.4'] })
    const declared = pipeline.jobs.candidate?.outputs ?? {}
    for (const [name, value] of Object.entries(declared)) {
      context[`needs.candidate.outputs.${name}`] = resolveEnv({ value }, Object.fromEntries(Object.entries(candidate.outputs).map(([k, v]) => [`steps.candidate.outputs.${k}`, v]))).value
    }

    // The production job, after the approval: its acr-push step as written.
    const pushStep = findStep(pipeline, 'publish', 'push')
    // format() is beyond the test evaluator; it only names the layout of non-tag events.
    const source = String(pushStep.with?.source ?? '')
    expect(source).toContain("format('{0}/oci-layout', runner.temp)")
    const publishInputs = resolveEnv({ ...pushStep.with, source: source.replace("format('{0}/oci-layout', runner.temp)", "'layout'") }, context)
    expect(publishInputs.source).toBe(`${staging}/vote@${digests['1.2.0-rc.4']}`)
    const promoted = await runAction({ action: 'actions/acr-push', inputs: publishInputs, env: { GITHUB_WORKSPACE: workspace } })
    expect(promoted.errors).toEqual([])
    expect(promoted.outputs.digest).toBe(digests['1.2.0-rc.4'])
    expect(promoted.outputs.digest).not.toBe(digests[`sha-${(commits.rc ?? '').slice(0, 7)}`])
    expect(promoted.outputs.tags).toBe(`${production}/vote:1.2.0`)
    // The deploy job pins what publish copied.
    expect(parse(JSON.stringify(pipeline.jobs.deploy?.steps?.find((s) => s.id === 'bump')?.with ?? {}))).toMatchObject({ digest: '${{ needs.publish.outputs.digest }}' })
  }, 180_000)
})
