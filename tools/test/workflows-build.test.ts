// The pipeline's build on GitHub's runners: one job per platform on a runner of that architecture
// (native-runners), merged by a job that holds no credentials; one artifact per matrix job; OCI
// layouts uploaded without compressing gzipped layers again; and a build on main that warms the
// GitHub Actions cache every branch can read.
import { describe, expect, it } from 'vitest'
import { simulateJobs, stepRuns, type JobResult } from '../src/workflows/job-graph'
import { callInputs, lookupIn, resolveEnv, type ExpressionContext } from '../src/workflows/expressions'
import { findStep, loadWorkflows, workflowById, type Step } from '../src/workflows/load'
import { runActionStep } from '../src/workflows/run-action-step'
import { runStep } from '../src/workflows/run-script'
import { triggeredWorkflows } from '../src/workflows/triggers'
import { UNSET_GITOPS_VARIABLES } from './helpers/workflow-context'

const workflows = loadWorkflows()
const pipeline = workflowById(workflows, 'pipeline')
const SHA = '0a1b2c3d4e5f60718293a4b5c6d7e8f901234567'
const buildPlatform = pipeline.jobs['build-platform']
const build = pipeline.jobs.build

function context(ref: string, overrides: Record<string, string | boolean> = {}): ExpressionContext {
  const base: ExpressionContext = { 'vars.ACR_STAGING_REGISTRY': 'stagingacr.azurecr.io', 'vars.ACR_PRODUCTION_REGISTRY': '', ...UNSET_GITOPS_VARIABLES }
  const ctx: ExpressionContext = { ...base, ...callInputs(pipeline, workflowById(workflows, 'vote').jobs.pipeline?.with ?? {}, base) }
  for (const [name, value] of Object.entries(overrides)) ctx[`inputs.${name}`] = value
  return { ...ctx, 'github.event_name': 'push', 'github.ref': ref, 'github.sha': SHA, 'github.run_number': '5' }
}

async function jobsRun(ref: string, overrides: Record<string, string | boolean> = {}): Promise<string[]> {
  const ctx = context(ref, overrides)
  const plan = await runActionStep(findStep(pipeline, 'plan', 'plan'), ctx)
  expect(plan.exitCode, plan.stdout).toBe(0)
  const results = simulateJobs(pipeline.jobs, lookupIn(ctx), (job) => (job === 'plan' ? plan.outputs : {}), (): JobResult => 'success')
  return Object.entries(results).filter(([, result]) => result !== 'skipped').map(([job]) => job).sort()
}

const uploads = (steps: readonly Step[] = []) => steps.filter((s) => s.uses?.startsWith('actions/upload-artifact@'))

describe('native-runners: each platform on its own runner, merged without credentials', () => {
  it('is off by default (one build job, QEMU where a stage needs it) and adds the per-platform jobs when on', async () => {
    expect(await jobsRun('refs/heads/develop')).not.toContain('build-platform')
    expect(await jobsRun('refs/heads/develop', { 'native-runners': true })).toEqual(expect.arrayContaining(['build-platform', 'build', 'publish', 'deploy']))
    expect(await jobsRun('refs/heads/feature/x', { 'native-runners': true })).toEqual(expect.arrayContaining(['build-platform', 'build']))
    // Production promotes the release candidate: nothing is built.
    expect(await jobsRun('refs/tags/vote/v1.2.0', { 'native-runners': true })).not.toContain('build-platform')
  })

  it('runs amd64 on ubuntu-24.04 and arm64 on ubuntu-24.04-arm, each building only its platform as a layout', () => {
    expect(buildPlatform?.['runs-on']).toBe('${{ matrix.runner }}')
    const matrix = (buildPlatform as { strategy?: { matrix?: { include?: Array<Record<string, string>> } } }).strategy?.matrix?.include
    expect(matrix).toEqual([
      { platform: 'linux/amd64', slug: 'linux-amd64', runner: 'ubuntu-24.04' },
      { platform: 'linux/arm64', slug: 'linux-arm64', runner: 'ubuntu-24.04-arm' },
    ])
    const step = buildPlatform?.steps?.find((s) => s.id === 'build')
    expect(step?.with).toMatchObject({ mode: 'platform', push: false, platforms: '${{ matrix.platform }}' })
  })

  it('writes one artifact per matrix job (one shared name would keep only the last job to finish) and the merge reads them all', () => {
    const [upload] = uploads(buildPlatform?.steps)
    expect(upload?.with?.name).toBe('${{ inputs.service }}-oci-${{ matrix.slug }}')
    const download = build?.steps?.find((s) => s.uses?.startsWith('actions/download-artifact@'))
    expect(download?.with?.pattern).toBe('${{ inputs.service }}-oci-linux-*')
    const pattern = new RegExp(`^${String(download?.with?.pattern).replace('${{ inputs.service }}', 'vote').replace('*', '.*')}$`)
    for (const slug of ['linux-amd64', 'linux-arm64']) expect(`vote-oci-${slug}`).toMatch(pattern)
    // The publish job's artifact is not one of them.
    expect('vote-oci-layout').not.toMatch(pattern)
    expect(build?.steps?.find((s) => s.id === 'merge')?.with).toMatchObject({ mode: 'merge', push: false, sources: '${{ steps.layouts.outputs.dirs }}' })
  })

  it('gives neither the platform jobs nor the merging job a credential', () => {
    for (const job of [buildPlatform, build]) {
      expect(job?.permissions).toEqual({ contents: 'read' })
      expect(JSON.stringify(job)).not.toMatch(/secrets\.|id-token/)
    }
  })

  it('builds a requested platform, skips one that was not asked for, and refuses one without a native runner', () => {
    const step = findStep(pipeline, 'build-platform', 'wanted')
    const ask = (platforms: string, platform: string) => runStep(step, { 'inputs.platforms': platforms, 'matrix.platform': platform })
    expect(ask('linux/amd64,linux/arm64', 'linux/arm64').outputs.wanted).toBe('true')
    expect(ask('linux/amd64', 'linux/arm64').outputs.wanted).toBe('false')
    const refused = ask('linux/amd64,linux/s390x', 'linux/amd64')
    expect(refused.exitCode).not.toBe(0)
    expect(refused.stdout).toContain("::error title=native-runners::input platforms: 'linux/s390x' has no native runner here")
    const later = buildPlatform?.steps?.slice(2) ?? []
    for (const s of later) expect(stepRuns(s.if, (path) => ({ 'steps.wanted.outputs.wanted': 'false' })[path] ?? null), s.name).toBe(false)
  })

  it('builds with one job (no merge) when native-runners is off', () => {
    const lookup = lookupIn(context('refs/heads/develop'))
    expect(stepRuns(build?.steps?.find((s) => s.id === 'build')?.if, lookup)).toBe(true)
    for (const id of ['layouts', 'merge']) expect(stepRuns(build?.steps?.find((s) => s.id === id)?.if, lookup)).toBe(false)
  })
})

describe('OCI layout artifacts', () => {
  // actions/upload-artifact: compression-level 0 = no compression ("for files that are already
  // compressed"); the layout's layers are tar+gzip blobs.
  it('uploads every OCI layout with compression-level 0', () => {
    const layouts = [...uploads(buildPlatform?.steps), ...uploads(build?.steps)].filter((s) => /oci/.test(String(s.with?.name)))
    expect(layouts).toHaveLength(2)
    for (const step of layouts) expect(step.with?.['compression-level'], String(step.with?.name)).toBe(0)
  })
})

describe('the cache every branch can read', () => {
  // https://docs.github.com/en/actions/using-workflows/caching-dependencies-to-speed-up-workflows#restrictions-for-accessing-a-cache:
  // "Workflow runs can restore caches created in either the current branch or the default
  // branch (usually main)"; a pull request also reads its base branch. A cache written on
  // develop or release/* is invisible to every other branch, so the first build of each new
  // branch started cold.
  it.each(['vote', 'result', 'worker'])('%s builds on main (no publish), writing the cache under the default branch', async (service) => {
    expect(triggeredWorkflows(workflows, { name: 'push', ref: 'refs/heads/main', files: [`apps/${service}/src/a.ts`] })).toContain(service)
    const jobs = await jobsRun('refs/heads/main')
    expect(jobs).toContain('build')
    expect(jobs).not.toContain('publish')
  })
})

describe('same commit, same image: SOURCE_DATE_EPOCH from the commit time', () => {
  // https://docs.docker.com/build/ci/github-actions/reproducible-builds/: every build and merge
  // step dates the image with the commit's committer time (so every re-run of the commit gets the
  // same one). The rule has one home, buildx-multiarch's `source-date-epoch: commit`, which reads it
  // with git at the build context (test/source-date-epoch.test.ts and test/e2e-reproducible.test.ts
  // in that action): here each step passes it, its context is in the repository's checkout, and no
  // step computes the time itself.
  it('is the checked-out commit\'s committer time, not the run\'s, on every build and merge step', () => {
    const ctx = context('refs/heads/develop')
    for (const job of ['build', 'build-platform']) {
      const checkout = pipeline.jobs[job]?.steps?.find((step) => step.name === 'Check out the repository')
      expect(checkout?.with, job).toMatchObject({ path: 'source' })
      expect(checkout?.with?.ref, job).toBeUndefined()
      expect(checkout?.with?.repository, job).toBeUndefined()
      for (const step of pipeline.jobs[job]?.steps ?? []) {
        expect(step.run ?? '', `${job}/${step.name}`).not.toMatch(/--format=%ct/)
        expect(Object.keys(step.env ?? {}), `${job}/${step.name}`).not.toContain('SOURCE_DATE_EPOCH')
      }
    }
    for (const [job, id] of [['build', 'build'], ['build', 'merge'], ['build-platform', 'build']] as const) {
      const { 'source-date-epoch': epoch, context: contextDir } = findStep(pipeline, job, id).with ?? {}
      const inputs = resolveEnv({ 'source-date-epoch': epoch, context: contextDir }, ctx)
      expect(inputs['source-date-epoch'], `${job}/${id}`).toBe('commit')
      expect(inputs.context, `${job}/${id}`).toMatch(/^source\//)
    }
  })
})
