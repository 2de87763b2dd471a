// The safe-deploy inputs the pipeline's and the redeploy's deploy steps give bump-manifest,
// evaluated per kind of event as GitHub would (README "Safe deploys").
import { describe, expect, it } from 'vitest'
import { resolveEnv } from '../src/workflows/expressions'
import { findStep, loadWorkflows, workflowById } from '../src/workflows/load'

const workflows = loadWorkflows()
const SHA = 'a'.repeat(40)
const REVISION = 'b'.repeat(40)
const SAFE = ['platforms', 'source-commit', 'supersede-hold', 'attestations', 'time-run-jobs'] as const

function pipelineBump(kind: string, attestations = true): Record<string, string> {
  const step = findStep(workflowById(workflows, 'pipeline'), 'deploy', 'bump')
  const safe = Object.fromEntries(SAFE.map((key) => [key, step.with?.[key]]))
  return resolveEnv(safe, {
    'inputs.platforms': 'linux/amd64,linux/arm64',
    'inputs.attestations': attestations,
    'needs.plan.outputs.kind': kind,
    'needs.candidate.outputs.revision': kind === 'production' ? REVISION : '',
    'github.sha': SHA,
  })
}

describe('pipeline deploy: safe-deploy inputs', () => {
  it('develop: the run\'s commit, no hold superseded (a held service is skipped)', () => {
    expect(pipelineBump('develop')).toEqual({ platforms: 'linux/amd64,linux/arm64', 'source-commit': SHA, 'supersede-hold': 'false', attestations: 'provenance, sbom', 'time-run-jobs': 'true' })
  })

  it('release branch: a deliberate release supersedes a hold when newer', () => {
    expect(pipelineBump('release')['supersede-hold']).toBe('true')
  })

  it('tag: the release candidate\'s commit is the source, the hold is superseded when newer, the attestations are the rc\'s', () => {
    expect(pipelineBump('production')).toMatchObject({ 'source-commit': REVISION, 'supersede-hold': 'true', attestations: 'provenance, sbom (of the release candidate)' })
    expect(pipelineBump('production', false).attestations).toBe('none')
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
