// The safe-deploy inputs the pipeline's and the redeploy's deploy steps give bump-manifest,
// evaluated per kind of event as GitHub would (README "Safe deploys"): the plan step (the committed
// bundle) decides per kind, the deploy step reads its outputs.
import { describe, expect, it } from 'vitest'
import { UNSET_GITOPS_VARIABLES } from './helpers/workflow-context'
import { callInputs, resolveEnv, type ExpressionContext } from '../src/workflows/expressions'
import { findStep, loadWorkflows, workflowById } from '../src/workflows/load'
import { runActionStep } from '../src/workflows/run-action-step'

const workflows = loadWorkflows()
const SHA = 'a'.repeat(40)
const REVISION = 'b'.repeat(40)
const SAFE = ['platforms', 'source-commit', 'supersede-hold', 'attestations', 'time-run-jobs'] as const

const REFS: Record<string, string> = { develop: 'refs/heads/develop', release: 'refs/heads/release/vote/v1.2.3', production: 'refs/tags/vote/v1.2.3' }

/** The plan job's outputs for a push of the kind's ref, from the vote caller's inputs, as `needs.plan.outputs.*`. */
async function planFor(kind: string): Promise<ExpressionContext> {
  const pipeline = workflowById(workflows, 'pipeline')
  const call = workflowById(workflows, 'vote').jobs.pipeline?.with ?? {}
  const vars = { 'vars.ACR_STAGING_REGISTRY': 'stagingacr.azurecr.io', 'vars.ACR_PRODUCTION_REGISTRY': 'prodacr.azurecr.io', ...UNSET_GITOPS_VARIABLES }
  const context = { ...callInputs(pipeline, call, vars), 'github.event_name': 'push', 'github.ref': REFS[kind] ?? '', 'github.sha': SHA, 'github.run_number': '7' }
  const run = await runActionStep(findStep(pipeline, 'plan', 'plan'), context)
  expect(run.exitCode, run.stdout).toBe(0)
  expect(run.outputs.kind).toBe(kind)
  return Object.fromEntries(Object.entries(run.outputs).map(([name, value]) => [`needs.plan.outputs.${name}`, value]))
}

async function pipelineBump(kind: string, attestations = true): Promise<Record<string, string>> {
  const step = findStep(workflowById(workflows, 'pipeline'), 'deploy', 'bump')
  const safe = Object.fromEntries(SAFE.map((key) => [key, step.with?.[key]]))
  return resolveEnv(safe, {
    'inputs.platforms': 'linux/amd64,linux/arm64',
    'inputs.attestations': attestations,
    ...(await planFor(kind)),
    'needs.candidate.outputs.revision': kind === 'production' ? REVISION : '',
    'github.sha': SHA,
  })
}

describe('pipeline deploy: safe-deploy inputs', () => {
  it('develop: the run\'s commit, no hold superseded (a held service is skipped)', async () => {
    expect(await pipelineBump('develop')).toEqual({ platforms: 'linux/amd64,linux/arm64', 'source-commit': SHA, 'supersede-hold': 'false', attestations: 'provenance, sbom', 'time-run-jobs': 'true' })
  })

  it('release branch: a deliberate release supersedes a hold when newer', async () => {
    expect((await pipelineBump('release'))['supersede-hold']).toBe('true')
  })

  it('tag: the release candidate\'s commit is the source, the hold is superseded when newer, the attestations are the rc\'s', async () => {
    expect(await pipelineBump('production')).toMatchObject({ 'source-commit': REVISION, 'supersede-hold': 'true', attestations: 'provenance, sbom (of the release candidate)' })
    expect((await pipelineBump('production', false)).attestations).toBe('none')
  })

  it('reads what each kind does from the plan (pipeline-plan.ts) instead of deciding it again', () => {
    const pipeline = workflowById(workflows, 'pipeline')
    const bump = findStep(pipeline, 'deploy', 'bump').with ?? {}
    expect(bump['supersede-hold']).toBe('${{ needs.plan.outputs.supersede-hold }}')
    expect(bump.tag).toBe('${{ needs.plan.outputs.primary-tag }}')
    expect(String(bump['source-commit'])).toContain("needs.plan.outputs.source-from-candidate == 'true'")
    const push = findStep(pipeline, 'publish', 'push').with ?? {}
    expect(push['immutable-tags']).toBe('${{ needs.plan.outputs.immutable-tags }}')
    expect(String(push.source)).toContain("needs.plan.outputs.source-from-candidate == 'true'")
    for (const name of ['source-from-candidate', 'immutable-tags', 'supersede-hold']) {
      expect(pipeline.jobs.plan?.outputs?.[name], name).toBe(`\${{ steps.plan.outputs.${name} }}`)
    }
  })

  it('reads the history and the run\'s jobs: the manifests are checked out with fetch-depth 0 and the job may read actions', () => {
    const deploy = workflowById(workflows, 'pipeline').jobs.deploy
    const checkout = deploy?.steps?.find((s) => s.name === 'Check out the branch Argo CD syncs')
    expect(checkout?.with).toMatchObject({ 'fetch-depth': 0, filter: 'blob:none' })
    expect(deploy?.permissions).toMatchObject({ actions: 'read' })
    expect(deploy?.needs).toContain('candidate')
  })
})

describe('redeploy deploy: safe-deploy inputs', () => {
  it('pins on purpose (allow-downgrade), passes release-hold, and names the image\'s revision as its source', () => {
    const step = findStep(workflowById(workflows, 'redeploy'), 'deploy', 'bump')
    const keys = ['allow-downgrade', 'release-hold', 'platforms', 'source-commit', 'time-run-jobs']
    const resolved = resolveEnv(Object.fromEntries(keys.map((key) => [key, step.with?.[key]])), {
      'inputs.release-hold': true,
      'needs.verify.outputs.platforms': 'linux/amd64,linux/arm64',
      'needs.verify.outputs.revision': REVISION,
    })
    expect(resolved).toEqual({ 'allow-downgrade': 'true', 'release-hold': 'true', platforms: 'linux/amd64,linux/arm64', 'source-commit': REVISION, 'time-run-jobs': 'true' })
    const checkout = workflowById(workflows, 'redeploy').jobs.deploy?.steps?.find((s) => s.name === 'Check out the branch Argo CD syncs')
    expect(checkout?.with).toMatchObject({ 'fetch-depth': 0 })
  })

  it('looks previous up with bump-manifest in a dry run that cannot commit', () => {
    const step = findStep(workflowById(workflows, 'redeploy'), 'resolve', 'previous')
    expect(step.uses).toBe('./pipeline/actions/bump-manifest')
    expect(step.with).toMatchObject({ previous: true, 'allow-downgrade': true, 'dry-run': true })
    expect(step.if).toBe("steps.resolve.outputs.previous == 'true'")
  })
})
