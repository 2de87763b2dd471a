// The plan entry (plan/action.yml -> dist/plan/index.js) as the runner runs it: the event from
// GITHUB_*, the pipeline's inputs as INPUT_*, the outputs in GITHUB_OUTPUT. Which outputs each
// GitFlow ref gets through pipeline.yml is tools/test/workflows-scripts.test.ts.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runAction } from '@aks-gitops/test-support/action-runner'
import { writeLayout } from '@aks-gitops/test-support/layout'
import { planPipeline } from '@aks-gitops/toolkit'
import { planOutputs, readEvent } from '../src/pipeline-plan/main'

const SHA = '0123456789abcdef0123456789abcdef01234567'
const event = (ref: string, eventName = 'push') => ({ GITHUB_EVENT_NAME: eventName, GITHUB_REF: ref, GITHUB_SHA: SHA, GITHUB_RUN_NUMBER: '9' })
const runPlan = (env: Record<string, string>, inputs: Record<string, string>) =>
  runAction({ action: 'actions/buildx-multiarch/plan', inputs: { service: 'vote', registry: 'acr.example.io', ...inputs }, env })
const plan = (ref: string, inputs: Record<string, string> = {}) => runPlan(event(ref), inputs)

describe('the plan entry', () => {
  it('reads the event from the GITHUB_* variables', () => {
    expect(readEvent(event('refs/heads/develop'))).toEqual({ eventName: 'push', ref: 'refs/heads/develop', sha: SHA, runNumber: '9' })
  })

  it('writes the outputs the bash plan step wrote: comma-separated tags, the first as primary-tag, empty strings for none', () => {
    const settings = { service: 'vote', registry: 'r.io', environments: { staging: 's', production: 'p' }, manifests: { staging: 'a', production: 'b' } }
    expect(planOutputs(planPipeline(readEvent(event('refs/heads/release/vote/v1.0.0')), settings))).toEqual({
      kind: 'release',
      publish: 'true',
      environment: 's',
      version: '1.0.0',
      tags: '1.0.0-rc.9,sha-0123456',
      'primary-tag': '1.0.0-rc.9',
      'source-from-candidate': 'false',
      'immutable-tags': 'false',
      'supersede-hold': 'true',
      'staging-image': 'r.io/vote',
      'staging-environment': 's',
      'staging-manifests': 'a',
      destination: 'r.io/vote',
      manifests: 'a',
    })
    expect(planOutputs(planPipeline(readEvent(event('refs/heads/feature/x')), settings))).toMatchObject({ kind: 'feature', publish: 'false', environment: '', tags: '', 'primary-tag': '', version: '' })
    expect(planOutputs(planPipeline(readEvent(event('refs/tags/vote/v1.0.0')), settings))).toMatchObject({ 'source-from-candidate': 'true', 'immutable-tags': 'true', 'supersede-hold': 'true', 'staging-environment': 's', 'staging-manifests': 'a' })
  })

  it('runs as a bundle with the defaults of plan/action.yml and writes a summary', async () => {
    const run = await plan('refs/tags/vote/v2.0.0', { 'production-registry': 'prod.example.io' })
    expect(run.errors).toEqual([])
    expect(run.outputs).toMatchObject({
      kind: 'production',
      environment: 'production',
      destination: 'prod.example.io/vote',
      manifests: 'k8s-specifications/overlays/production/kustomization.yaml',
      'staging-environment': 'staging',
      'staging-manifests': 'k8s-specifications/overlays/staging/kustomization.yaml',
    })
    expect(run.summary).toContain('vote: production')
  })

  it('fails with one titled error and no outputs for a ref of another service or a bad input', async () => {
    const other = await plan('refs/heads/release/result/v1.0.0')
    expect(other.exitCode).not.toBe(0)
    expect(other.stdout).toMatch(/^::error title=pipeline::release branch "result\/v1.0.0" is for service "result", but this build is for "vote"$/m)
    expect(other.outputs).toEqual({})
    // An empty environment or manifests input is the toolkit's default (DEFAULT_ENVIRONMENTS), not an error.
    const blank = await plan('refs/heads/develop', { environment: '', manifests: '' })
    expect(blank.errors).toEqual([])
    expect(blank.outputs).toMatchObject({ environment: 'staging', manifests: 'k8s-specifications/overlays/staging/kustomization.yaml' })
    // plan/action.yml marks service required: the entry enforces it (the runner does not).
    const unnamed = await plan('refs/heads/develop', { service: '' })
    expect(unnamed.errors).toEqual(['Input "service": is required and was not given'])
    expect(unnamed.outputs).toEqual({})
  })
})

describe('the plan entry with event redeploy', () => {
  const redeploy = (ref: string, inputs: Record<string, string>) => runPlan({ GITHUB_REF: ref }, { event: 'redeploy', ...inputs })

  it('writes only the redeploy outputs, in the environment\'s registry, and a summary', async () => {
    const run = await redeploy('refs/heads/main', { 'production-registry': 'prod.example.io', 'target-environment': 'production', reference: '1.4.2' })
    expect(run.errors).toEqual([])
    expect(run.outputs).toEqual({
      previous: 'false',
      source: 'prod.example.io/vote:1.4.2',
      image: 'prod.example.io/vote',
      tag: '1.4.2',
      digest: '',
      manifests: 'k8s-specifications/overlays/production/kustomization.yaml',
    })
    expect(run.summary).toContain('redeploy vote → production')
  })

  it('fails with one redeploy error and no outputs for a refused ref, an untrimmed reference or an unknown event', async () => {
    const refused = await redeploy('refs/heads/develop', { 'target-environment': 'production', reference: '1.4.2' })
    expect(refused.exitCode).not.toBe(0)
    expect(refused.stdout).toMatch(/^::error title=redeploy::the production environment deploys only from branch main or a tag \*\/v\* \(<service>\/vX.Y.Z\); this run was dispatched from refs\/heads\/develop\./m)
    expect(refused.outputs).toEqual({})
    const spaced = await redeploy('refs/heads/main', { 'target-environment': 'staging', reference: ' 1.4.2' })
    expect(spaced.errors).toEqual(['input reference: expected a tag ([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}), a digest (sha256:<64 hex>) or previous'])
    const unknown = await redeploy('refs/heads/main', { event: 'deploy', 'target-environment': 'staging', reference: '1.4.2' })
    expect(unknown.stdout).toMatch(/^::error title=pipeline::input event: expected pipeline, redeploy, redeploy-previous or platform-views, got 'deploy'$/m)
    expect(unknown.outputs).toEqual({})
  })

  it('with event redeploy-previous, names the image one step back from what the history found, or fails', async () => {
    const digest = `sha256:${'ef'.repeat(32)}`
    const previous = (inputs: Record<string, string>) => redeploy('refs/heads/main', { event: 'redeploy-previous', 'target-environment': 'staging', ...inputs })
    const found = await previous({ 'pinned-tag': '1.4.1', 'pinned-digest': digest })
    expect(found.errors).toEqual([])
    expect(found.outputs).toMatchObject({ previous: 'true', source: `acr.example.io/vote:1.4.1@${digest}`, image: 'acr.example.io/vote', tag: '1.4.1', digest })
    expect(found.summary).toContain(`acr.example.io/vote:1.4.1@${digest}`)
    const none = await previous({})
    expect(none.stdout).toMatch(/^::error title=redeploy::previous: the history names no earlier image$/m)
    expect(none.outputs).toEqual({})
  })
})

// What the views hold is the toolkit's platform-views test and, through pipeline.yml's step,
// tools/test/workflows-quality-gates.test.ts; here the entry's inputs, output and error title.
describe('the plan entry with event platform-views', () => {
  it('writes a view per platform image and outputs [{platform, slug, digest}], or fails as the scan without a layout', async () => {
    const temp = mkdtempSync(join(tmpdir(), 'plan-views-'))
    try {
      const layout = writeLayout(join(temp, 'layout'), { platforms: [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }], attestations: true })
      const views = join(temp, 'views')
      const run = await runPlan({}, { event: 'platform-views', 'oci-layout': layout.dir, views })
      expect(run.errors).toEqual([])
      const manifests = JSON.parse(run.outputs.manifests ?? '') as { platform: string; slug: string; digest: string }[]
      expect(manifests.map(({ platform, slug }) => [platform, slug])).toEqual([['linux/amd64', 'linux-amd64'], ['linux/arm64', 'linux-arm64']])
      expect(Object.keys(run.outputs)).toEqual(['manifests'])
      expect(readdirSync(views).sort()).toEqual(['linux-amd64', 'linux-arm64'])
      const missing = await runPlan({}, { event: 'platform-views', views })
      expect(missing.stdout).toMatch(/^::error title=vulnerability scan::.*oci-layout/m)
      expect(missing.outputs).toEqual({})
    } finally {
      rmSync(temp, { recursive: true, force: true })
    }
  })
})
