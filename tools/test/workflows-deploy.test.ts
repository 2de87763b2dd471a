// The decision "manifest commits start no build but do start the manifest validation", tested
// end to end on the repository's real k8s-specifications/: the pipeline's plan step and deploy
// step (inputs resolved from pipeline.yml and the vote caller) run the real bump-manifest bundle
// against a git remote, and the files of the commit it pushed are routed through the
// workflows' real `on:` filters.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'yaml'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REPO_ROOT, runAction } from '@aks-gitops/test-support/action-runner'
import { git } from '@aks-gitops/test-support/repo'
import { UNSET_GITOPS_VARIABLES } from './helpers/workflow-context'
import { callInputs, resolveEnv, type ExpressionContext } from '../src/workflows/expressions'
import { findStep, loadWorkflows, workflowById } from '../src/workflows/load'
import { runActionStep } from '../src/workflows/run-action-step'
import { triggeredWorkflows } from '../src/workflows/triggers'

const workflows = loadWorkflows()
const pipeline = workflowById(workflows, 'pipeline')
const SHA = '9b1f2e3d4c5b6a79881726354453627189abcdef'
const DIGEST = `sha256:${'4e'.repeat(32)}`

/** The registry host the real overlay pins vote to (the repository variable must name it). */
function overlayRegistry(environment: string): string {
  const overlay = parse(readFileSync(join(REPO_ROOT, `k8s-specifications/overlays/${environment}/kustomization.yaml`), 'utf8')) as {
    images: { name: string; newName?: string }[]
  }
  const vote = overlay.images.find((image) => image.name === 'vote')
  return (vote?.newName ?? '').replace(/\/vote$/, '')
}

describe('a deploy of the pipeline pushes a manifest commit that starts no build', () => {
  let root: string
  let remote: string
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'deploy-'))
    remote = join(root, 'remote.git')
    git(root, 'init', '-q', '--bare', '-b', 'main', remote)
    const seed = join(root, 'seed')
    git(root, 'clone', '-q', remote, seed)
    cpSync(join(REPO_ROOT, 'k8s-specifications'), join(seed, 'k8s-specifications'), { recursive: true })
    mkdirSync(join(seed, 'apps/vote/src'), { recursive: true })
    writeFileSync(join(seed, 'apps/vote/src/server.ts'), 'export {}\n')
    git(seed, 'add', '.')
    git(seed, 'commit', '-q', '-m', 'seed')
    git(seed, 'push', '-q', 'origin', 'main')
  })
  afterAll(() => rmSync(root, { recursive: true, force: true }))

  async function deploy(ref: string, environment: string) {
    // The plan job of the vote caller's run.
    const callWith = workflowById(workflows, 'vote').jobs.pipeline?.with ?? {}
    const context: ExpressionContext = {
      'vars.ACR_STAGING_REGISTRY': overlayRegistry('staging'),
      'vars.ACR_PRODUCTION_REGISTRY': overlayRegistry('production'),
      'github.event_name': 'push',
      'github.ref': ref,
      'github.sha': SHA,
      'github.run_number': '12',
      'github.token': '',
      'secrets.GITOPS_PUSH_TOKEN': '',
      'secrets.manifest-push-token': '',
      'steps.app.outputs.token': '',
      ...UNSET_GITOPS_VARIABLES,
    }
    Object.assign(context, callInputs(pipeline, callWith, context))
    const planStep = findStep(pipeline, 'plan', 'plan')
    const plan = await runActionStep(planStep, context)
    expect(plan.exitCode, plan.stdout).toBe(0)
    expect(plan.outputs.environment).toBe(environment)
    for (const [name, value] of Object.entries(plan.outputs)) context[`needs.plan.outputs.${name}`] = value
    context['needs.publish.outputs.digest'] = DIGEST
    // The candidate job's revision: the commit the release candidate was built from (a promotion's Source-Commit).
    context['needs.candidate.outputs.revision'] = SHA

    // The deploy job: checkout of the manifest branch into source/, then bump-manifest.
    const workspace = mkdtempSync(join(root, 'workspace-'))
    git(workspace, 'clone', '-q', '--branch', String(context['inputs.manifest-branch']), remote, 'source')
    const run = await runAction({
      action: 'actions/bump-manifest',
      inputs: resolveEnv(findStep(pipeline, 'deploy', 'bump').with, context),
      cwd: workspace,
      // time-run-jobs reads this run's jobs from the API: nothing answers on the discard port, so the
      // receipt only warns and times the step (that read has its own e2e test).
      env: { GITHUB_WORKSPACE: workspace, GITHUB_REF: ref, GITHUB_SHA: SHA, GITHUB_REPOSITORY: 'org/repo', GITHUB_RUN_ID: '7', GITHUB_RUN_ATTEMPT: '1', GITHUB_API_URL: 'http://127.0.0.1:9' },
    })
    expect(run.exitCode, run.stdout + run.stderr).toBe(0)
    expect(run.outputs.changed).toBe('true')
    const commit = git(remote, 'rev-parse', 'main')
    expect(run.outputs['commit-sha']).toBe(commit)
    return { commit, tag: plan.outputs['primary-tag'] ?? '' }
  }

  it.each([
    ['refs/heads/develop', 'staging'],
    ['refs/tags/vote/v1.2.3', 'production'],
  ])('%s: bumps only the %s overlay on main, without a skip marker, and only manifests.yml runs', async (ref, environment) => {
    const { commit, tag } = await deploy(ref, environment)
    const overlay = `k8s-specifications/overlays/${environment}/kustomization.yaml`
    const files = git(remote, 'diff-tree', '--no-commit-id', '--name-only', '-r', commit).split('\n')
    expect(files).toEqual([overlay])
    const pinned = parse(git(remote, 'show', `${commit}:${overlay}`)) as { images: { name: string; newTag?: string; digest?: string }[] }
    expect(pinned.images.find((image) => image.name === 'vote')).toMatchObject({ newTag: tag, digest: DIGEST })
    expect(pinned.images.find((image) => image.name === 'worker')?.digest).not.toBe(DIGEST)
    expect(git(remote, 'log', '-1', '--format=%B', commit)).not.toMatch(/\[(skip|no)[ -]ci\]|\[ci skip\]|\[actions skip\]|skip-checks/i)

    // GitHub's routing of that push: the manifest validation, and no build.
    expect(triggeredWorkflows(workflows, { name: 'push', ref: 'refs/heads/main', files })).toEqual(['manifests'])
  }, 120_000)
})
