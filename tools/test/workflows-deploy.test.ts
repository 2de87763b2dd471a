// The decision "manifest commits start no build but do start the manifest validation", tested
// end to end: the pipeline's plan step and deploy step (inputs resolved from pipeline.yml) run
// the real bump-manifest bundle against a git remote, and the files of the commit it pushed are
// routed through the workflows' real `on:` filters.
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runAction } from '../src/action-runner'
import { interpolate, resolveEnv, type ExpressionContext } from '../src/workflows/expressions'
import { findStep, loadWorkflows, workflowById } from '../src/workflows/load'
import { runStepScript } from '../src/workflows/run-script'
import { triggeredWorkflows } from '../src/workflows/triggers'

const workflows = loadWorkflows()
const pipeline = workflowById(workflows, 'pipeline')
const SHA = '9b1f2e3d4c5b6a79881726354453627189abcdef'
const DIGEST = `sha256:${'4e'.repeat(32)}`

const FILES: Record<string, string> = {
  'apps/vote/src/server.ts': 'export {}\n',
  'k8s-specifications/base/vote-deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: vote
  namespace: vote
spec:
  selector:
    matchLabels: {app: vote}
  template:
    metadata:
      labels: {app: vote}
    spec:
      containers:
        - name: vote
          image: stagingacr.azurecr.io/vote:placeholder
`,
  'k8s-specifications/base/kustomization.yaml': 'resources:\n  - vote-deployment.yaml\n',
  'k8s-specifications/overlays/staging/kustomization.yaml': `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: vote-staging
resources:
  - ../../base
images:
  # Pinned by the pipeline's deploy job.
  - name: stagingacr.azurecr.io/vote
    newTag: sha-0000000
`,
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' },
  }).trim()
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
    for (const [path, text] of Object.entries(FILES)) {
      mkdirSync(dirname(join(seed, path)), { recursive: true })
      writeFileSync(join(seed, path), text)
    }
    git(seed, 'add', '.')
    git(seed, 'commit', '-q', '-m', 'seed')
    git(seed, 'push', '-q', 'origin', 'main')
  })
  afterAll(() => rmSync(root, { recursive: true, force: true }))

  it('bumps only k8s-specifications/ on the manifest branch, without [skip ci], and only manifests.yml runs', async () => {
    // The plan job, for a push to develop of the vote caller.
    const callWith = workflowById(workflows, 'vote').jobs.pipeline?.with ?? {}
    const declared = (pipeline.on as { workflow_call: { inputs: Record<string, { default?: unknown }> } }).workflow_call.inputs
    const context: ExpressionContext = {
      'vars.ACR_STAGING_REGISTRY': 'stagingacr.azurecr.io',
      'vars.ACR_PRODUCTION_REGISTRY': 'prodacr.azurecr.io',
      'github.event_name': 'push',
      'github.ref': 'refs/heads/develop',
      'github.sha': SHA,
      'github.run_number': '12',
      'github.token': '',
      'secrets.manifest-push-token': '',
    }
    for (const [name, input] of Object.entries(declared)) context[`inputs.${name}`] = String(input.default ?? '')
    for (const [name, value] of Object.entries(callWith)) context[`inputs.${name}`] = interpolate(String(value), context)
    const planStep = findStep(pipeline, 'plan', 'plan')
    const plan = runStepScript(planStep.run ?? '', resolveEnv(planStep.env, context))
    expect(plan.exitCode, plan.stdout).toBe(0)
    for (const [name, value] of Object.entries(plan.outputs)) context[`needs.plan.outputs.${name}`] = value
    context['needs.publish.outputs.digest'] = DIGEST

    // The deploy job: checkout of the manifest branch into source/, then bump-manifest.
    const workspace = join(root, 'workspace')
    mkdirSync(workspace)
    git(workspace, 'clone', '-q', '--branch', context['inputs.manifest-branch'] ?? '', remote, 'source')
    const bump = findStep(pipeline, 'deploy', 'bump')
    const inputs = resolveEnv(bump.with, context)
    const run = await runAction({
      action: 'actions/bump-manifest',
      inputs,
      cwd: workspace,
      env: { GITHUB_WORKSPACE: workspace, GITHUB_REF: 'refs/heads/develop', GITHUB_SHA: SHA, GITHUB_REPOSITORY: 'org/repo' },
    })
    expect(run.exitCode, run.stdout + run.stderr).toBe(0)
    expect(run.outputs.changed).toBe('true')

    const commit = git(remote, 'rev-parse', 'main')
    expect(run.outputs['commit-sha']).toBe(commit)
    const files = git(remote, 'diff-tree', '--no-commit-id', '--name-only', '-r', commit).split('\n')
    expect(files).toEqual(['k8s-specifications/overlays/staging/kustomization.yaml'])
    const pinned = git(remote, 'show', `${commit}:k8s-specifications/overlays/staging/kustomization.yaml`)
    expect(pinned).toContain(`newTag: sha-${SHA.slice(0, 7)}`)
    expect(pinned).toContain(`digest: ${DIGEST}`)
    expect(pinned).toContain('# Pinned by the pipeline\'s deploy job.')
    expect(git(remote, 'log', '-1', '--format=%B', commit)).not.toMatch(/\[(skip|no)[ -]ci\]|\[ci skip\]|\[actions skip\]|skip-checks/i)

    // GitHub's routing of that push: the manifest validation, and no build.
    expect(triggeredWorkflows(workflows, { name: 'push', ref: 'refs/heads/main', files })).toEqual(['manifests'])
  }, 120_000)
})
