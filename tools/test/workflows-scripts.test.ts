// Executes the workflows' own steps (extracted from the YAML) the way the runner would: run:
// scripts with their env, and the pipeline's plan step as the committed bundle it uses, with the
// inputs the callers pass; the plan must agree with actions/toolkit/src/gitflow.ts.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { computeTags } from '@aks-gitops/toolkit'
import { git } from '@aks-gitops/test-support/repo'
import { UNSET_GITOPS_VARIABLES } from './helpers/workflow-context'
import { callInputs, resolveEnv, type ExpressionContext } from '../src/workflows/expressions'
import { findStep, loadWorkflows, workflowById, type Workflow } from '../src/workflows/load'
import { runActionStep } from '../src/workflows/run-action-step'
import { runStepScript } from '../src/workflows/run-script'

const workflows = loadWorkflows()
const pipeline = workflowById(workflows, 'pipeline')
const SHA = '3f9c2e1a7b6d5c4e3f2a1b0c9d8e7f6a5b4c3d2e'
const VARS = { 'vars.ACR_STAGING_REGISTRY': 'stagingacr.azurecr.io', 'vars.ACR_PRODUCTION_REGISTRY': 'prodacr.azurecr.io', ...UNSET_GITOPS_VARIABLES }

/** The inputs the pipeline receives from a caller: workflow_call defaults, then the caller's `with:`. */
function pipelineInputs(caller: Workflow): ExpressionContext {
  const call = Object.values(caller.jobs).find((job) => job.uses === './.github/workflows/pipeline.yml')
  if (!call) throw new Error(`${caller.path} does not call the pipeline`)
  return callInputs(pipeline, call.with ?? {}, VARS)
}

function plan(caller: string, event: string, ref: string, runNumber = 42) {
  const step = findStep(pipeline, 'plan', 'plan')
  const context = {
    ...pipelineInputs(workflowById(workflows, caller)),
    'github.event_name': event,
    'github.ref': ref,
    'github.sha': SHA,
    'github.run_number': String(runNumber),
  }
  return runActionStep(step, context)
}

const KIND = { develop: 'develop', release: 'release', production: 'production', feature: 'feature', 'pull-request': 'pull-request', other: 'other' }

describe('the pipeline plan agrees with gitflow.ts on every GitFlow ref', () => {
  const refs: [string, string][] = [
    ['push', 'refs/heads/develop'],
    ['push', 'refs/heads/release/vote/v1.2.3'],
    ['push', 'refs/heads/release/vote/v0.10.0'],
    ['push', 'refs/tags/vote/v1.2.3'],
    ['push', 'refs/tags/vote/v10.0.7'],
    ['push', 'refs/heads/feature/login-form'],
    ['push', 'refs/heads/feature/nested/topic'],
    ['pull_request', 'refs/pull/17/merge'],
    ['push', 'refs/heads/main'],
    // Refs that must fail in both places:
    ['push', 'refs/heads/release/vote/v1.2'],
    ['push', 'refs/heads/release/vote/v01.2.3'],
    ['push', 'refs/heads/release/vote/v1.2.3/hotfix'],
    ['push', 'refs/heads/release/result/v1.2.3'],
    ['push', 'refs/tags/vote/v1.2.3-beta.1'],
    ['push', 'refs/tags/vote/1.2.3'],
    ['push', 'refs/tags/result/v1.0.0'],
    ['push', 'refs/tags/v1.2.3'],
  ]
  for (const runNumber of [1, 42, 1234]) {
    it.each(refs)(`%s %s (run ${runNumber})`, async (event, ref) => {
      const run = await plan('vote', event, ref, runNumber)
      let expected: ReturnType<typeof computeTags> | undefined
      try {
        expected = computeTags({ ref, sha: SHA, runNumber, service: 'vote' })
      } catch {
        expected = undefined
      }
      if (!expected) {
        expect(run.exitCode, run.stdout).not.toBe(0)
        expect(run.stdout).toMatch(/::error title=pipeline::/)
        expect(run.outputs).toEqual({})
        return
      }
      expect(run.exitCode, run.stderr + run.stdout).toBe(0)
      expect(KIND[run.outputs.kind as keyof typeof KIND]).toBe(expected.kind)
      expect(run.outputs.tags ? run.outputs.tags.split(',') : []).toEqual(expected.tags)
      expect(run.outputs.publish).toBe(String(expected.publish))
      if (expected.tags.length > 0) expect(run.outputs['primary-tag']).toBe(expected.version)
    })
  }
})

describe('the pipeline plan', () => {
  it('sends develop and release builds to staging and tags to production, with the right registries and files', async () => {
    const develop = (await plan('vote', 'push', 'refs/heads/develop')).outputs
    expect(develop).toMatchObject({
      environment: 'staging',
      'staging-image': 'stagingacr.azurecr.io/vote',
      destination: 'stagingacr.azurecr.io/vote',
      manifests: 'k8s-specifications/overlays/staging/kustomization.yaml',
    })
    const release = (await plan('result', 'push', 'refs/heads/release/result/v2.0.1', 7)).outputs
    expect(release).toMatchObject({ environment: 'staging', tags: '2.0.1-rc.7,sha-3f9c2e1', 'primary-tag': '2.0.1-rc.7', version: '2.0.1' })
    const production = (await plan('worker', 'push', 'refs/tags/worker/v3.1.4')).outputs
    expect(production).toMatchObject({
      kind: 'production',
      environment: 'production',
      tags: '3.1.4',
      'staging-image': 'stagingacr.azurecr.io/worker',
      destination: 'prodacr.azurecr.io/worker',
      manifests: 'k8s-specifications/overlays/production/kustomization.yaml',
    })
  })

  it('does not publish or deploy feature branches and pull requests', async () => {
    for (const [event, ref] of [['push', 'refs/heads/feature/x'], ['pull_request', 'refs/pull/3/merge']] as const) {
      const { outputs } = await plan('vote', event, ref)
      expect(outputs).toMatchObject({ publish: 'false', environment: '', tags: '' })
    }
  })

  it('treats a hostile branch name as data', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hostile-'))
    try {
      const run = await plan('vote', 'push', `refs/heads/feature/$(touch ${dir}/pwned)\`touch ${dir}/pwned2\``)
      expect(run.exitCode).toBe(0)
      expect(() => execFileSync('ls', [`${dir}/pwned`], { stdio: 'ignore' })).toThrow()
      expect(() => execFileSync('ls', [`${dir}/pwned2`], { stdio: 'ignore' })).toThrow()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

function commit(cwd: string, file: string): string {
  writeFileSync(join(cwd, file), `${file}\n`)
  git(cwd, 'add', file)
  git(cwd, 'commit', '-q', '-m', file)
  return git(cwd, 'rev-parse', 'HEAD')
}

// The production promotion's candidate (no longer a script here) is tested in workflows-promotion.test.ts.

describe('the release workflow moves the major tag forward only', () => {
  let root: string
  let work: string
  let remote: string
  const step = findStep(workflowById(workflows, 'release'), 'major-tag', 'move')

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'release-'))
    remote = join(root, 'remote.git')
    git(root, 'init', '-q', '--bare', '-b', 'main', remote)
    const seed = join(root, 'seed')
    git(root, 'clone', '-q', remote, seed)
    commit(seed, 'one')
    git(seed, 'push', '-q', 'origin', 'main')
    work = join(root, 'work')
    git(root, 'clone', '-q', remote, work)
  })
  afterAll(() => rmSync(root, { recursive: true, force: true }))

  /** Pushes a new commit on `branch` of the remote, tagged `tag`, as a maintainer would. */
  function tagNewCommit(branch: string, tag: string): void {
    const seed = join(root, 'seed')
    git(seed, 'fetch', '-q', 'origin')
    git(seed, 'switch', '-q', '-C', branch, 'origin/main')
    commit(seed, `${branch}-${tag}`)
    git(seed, 'tag', tag)
    git(seed, 'push', '-q', 'origin', `HEAD:refs/heads/${branch}`, `refs/tags/${tag}`)
  }

  function release(tag: string) {
    // actions/checkout with fetch-depth: 0 fetches every branch and tag.
    git(work, 'fetch', '-q', '--tags', '--force', 'origin')
    const sha = git(work, 'rev-parse', `${tag}^{commit}`)
    const env = resolveEnv(step.env, { 'github.ref_name': tag, 'github.sha': sha, 'github.event.repository.default_branch': 'main' })
    return { run: runStepScript(step.run ?? '', env, work), sha }
  }
  const remoteTag = (name: string) => git(work, 'ls-remote', remote, `refs/tags/${name}`).split(/\s/)[0]

  it('creates v1 on the first release and moves it to a newer minor', () => {
    tagNewCommit('main', 'v1.0.0')
    const first = release('v1.0.0')
    expect(first.run.exitCode, first.run.stdout + first.run.stderr).toBe(0)
    expect(remoteTag('v1')).toBe(first.sha)
    tagNewCommit('main', 'v1.1.0')
    const second = release('v1.1.0')
    expect(second.run.exitCode, second.run.stdout + second.run.stderr).toBe(0)
    expect(remoteTag('v1')).toBe(second.sha)
    expect(second.run.summary).toContain('v1 -> v1.1.0')
  })

  it('leaves v1 on the newest release when an older line gets a patch', () => {
    // A maintenance branch off v1.0.0 would be tagged v1.0.1 after v1.1.0 exists; on main here.
    const seed = join(root, 'seed')
    git(seed, 'fetch', '-q', '--force', '--tags', 'origin')
    git(seed, 'switch', '-q', '-C', 'main', 'origin/main')
    git(seed, 'tag', 'v1.0.1', 'v1.0.0')
    git(seed, 'push', '-q', 'origin', 'refs/tags/v1.0.1')
    const before = remoteTag('v1')
    const patch = release('v1.0.1')
    expect(patch.run.exitCode, patch.run.stdout).toBe(0)
    expect(patch.run.stdout).toContain('v1 stays on v1.1.0')
    expect(remoteTag('v1')).toBe(before)
  })

  it('refuses a release that is not on the default branch, and a malformed tag', () => {
    const before = remoteTag('v1')
    tagNewCommit('side', 'v1.9.0')
    const side = release('v1.9.0')
    expect(side.run.exitCode).not.toBe(0)
    expect(side.run.stdout).toContain('is not on main')
    expect(remoteTag('v1')).toBe(before)
    // ...and the refused tag does not hold v1 back afterwards.
    tagNewCommit('main', 'v1.2.0')
    const next = release('v1.2.0')
    expect(next.run.exitCode, next.run.stdout).toBe(0)
    expect(remoteTag('v1')).toBe(next.sha)
    const bad = runStepScript(step.run ?? '', resolveEnv(step.env, {
      'github.ref_name': 'v1.2', 'github.sha': SHA, 'github.event.repository.default_branch': 'main',
    }), work)
    expect(bad.exitCode).not.toBe(0)
    expect(bad.stdout).toContain("tag 'v1.2' is not vX.Y.Z")
  })
})

describe('redeploy validates the requested reference before anything uses it', () => {
  // The plan bundle's redeploy event (the toolkit's planRedeploy), dispatched from main.
  const step = findStep(workflowById(workflows, 'redeploy'), 'resolve', 'resolve')
  const resolve = (environment: string, reference: string, production = 'prodacr.azurecr.io') =>
    runActionStep(step, {
      'github.ref': 'refs/heads/main',
      'inputs.service': 'vote',
      'inputs.environment': environment,
      'inputs.reference': reference,
      'vars.ACR_STAGING_REGISTRY': 'stagingacr.azurecr.io',
      'vars.ACR_PRODUCTION_REGISTRY': production,
    })

  it('accepts a tag or a digest and names the environment\'s registry and manifests', async () => {
    expect((await resolve('staging', '1.4.2-rc.17')).outputs).toEqual({
      previous: 'false',
      source: 'stagingacr.azurecr.io/vote:1.4.2-rc.17',
      image: 'stagingacr.azurecr.io/vote',
      tag: '1.4.2-rc.17',
      digest: '',
      manifests: 'k8s-specifications/overlays/staging/kustomization.yaml',
    })
    const digest = `sha256:${'ab'.repeat(32)}`
    expect((await resolve('production', digest)).outputs).toMatchObject({ source: `prodacr.azurecr.io/vote@${digest}`, tag: '', digest })
    expect((await resolve('production', '1.4.2', '')).outputs.source).toBe('stagingacr.azurecr.io/vote:1.4.2')
  })

  it('takes previous as the request to roll back one step, which the history step resolves', async () => {
    expect((await resolve('production', 'previous')).outputs).toMatchObject({ previous: 'true', source: '', tag: '', digest: '', image: 'prodacr.azurecr.io/vote' })
  })

  it('names the image one step back from what bump-manifest found, and fails when it found none', async () => {
    // The plan bundle's redeploy-previous event (the toolkit's redeploySource), as the step gives it.
    const name = findStep(workflowById(workflows, 'redeploy'), 'resolve', 'previous-source')
    expect(name.uses).toBe('./pipeline/actions/buildx-multiarch/plan')
    const digest = `sha256:${'cd'.repeat(32)}`
    const found = (tag: string, d: string) =>
      runActionStep(name, {
        'github.ref': 'refs/heads/main',
        'inputs.service': 'vote',
        'inputs.environment': 'production',
        'vars.ACR_STAGING_REGISTRY': 'stagingacr.azurecr.io',
        'vars.ACR_PRODUCTION_REGISTRY': 'prodacr.azurecr.io',
        'steps.previous.outputs.pinned-tag': tag,
        'steps.previous.outputs.pinned-digest': d,
      })
    expect((await found('1.4.1', digest)).outputs).toMatchObject({ source: `prodacr.azurecr.io/vote:1.4.1@${digest}` })
    expect((await found('', digest)).outputs).toMatchObject({ source: `prodacr.azurecr.io/vote@${digest}` })
    const none = await found('', '')
    expect(none.exitCode).not.toBe(0)
    expect(none.stdout).toContain('previous: the history names no earlier image')
    expect(none.stdout).toContain('::error title=redeploy::previous: the history names no earlier image')
    expect(none.outputs).toEqual({})
  })

  it.each(['1.2.3; rm -rf /', '$(id)', '../1.2.3', 'a b', '', `x${'y'.repeat(128)}`, 'sha256:abc', '-rc1'])(
    'refuses %j',
    async (reference) => {
      const run = await resolve('staging', reference)
      expect(run.exitCode).not.toBe(0)
      expect(run.stdout).toContain('input reference: expected a tag')
      expect(run.stdout).toContain('::error title=redeploy::input reference: expected a tag')
      expect(run.outputs).toEqual({})
    },
  )
})
