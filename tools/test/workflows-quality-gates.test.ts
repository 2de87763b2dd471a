// The pipeline's quality gates (issue 12, item 7): the rules of quality-gates.ts over the real
// pipeline and over planted violations, which jobs the gate inputs switch, and the gates' own
// run: scripts executed here for real: the audit with pnpm against this machine's registry, its
// gate over pnpm's report format, and the per-platform split of a real multi-platform OCI layout
// (the step runs the plan entry's committed bundle, as the runner would).
// grype and syft themselves cannot run here (grype's database is downloaded from the internet):
// their scripts run with stand-ins in workflows-quality-gates-scripts.test.ts.
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REPO_ROOT } from '@aks-gitops/test-support/action-runner'
import type { ExpressionContext } from '../src/workflows/expressions'
import { RULES } from '../src/workflows/hardening'
import { simulateJobs, stepRuns } from '../src/workflows/job-graph'
import { findStep, loadWorkflows, parseWorkflow, workflowById, workflowCall, type Job, type Step, type Workflow } from '../src/workflows/load'
import { checkReusableCalls } from '../src/workflows/local-actions'
import { GATE_RULES, GATE_SWITCHES } from '../src/workflows/quality-gates'
import { runActionStep } from '../src/workflows/run-action-step'
import { hostEnv, runStep, type ScriptRun } from '../src/workflows/run-script'
import { copyBaseImageLayout } from '@aks-gitops/test-support/oci-dir'
import { itChecksEachRule } from './helpers/rules'

const workflows = loadWorkflows()
const pipeline = workflowById(workflows, 'pipeline')
const declared = workflowCall(pipeline)?.inputs ?? {}

/** The pipeline with one job edited (a deep copy: the loaded workflow stays as it is). */
function planted(edit: (jobs: Record<string, Job>) => void): Workflow {
  const copy = structuredClone(pipeline)
  edit(copy.jobs)
  return copy
}
const stepsOf = (jobs: Record<string, Job>, job: string) => jobs[job]?.steps as Step[]
const stepById = (jobs: Record<string, Job>, job: string, id: string) => stepsOf(jobs, job).find((s) => s.id === id) as Step
function move(steps: Step[], predicate: (s: Step) => boolean, to: (s: Step) => boolean, after = false): void {
  const [step] = steps.splice(steps.findIndex(predicate), 1)
  steps.splice(steps.findIndex(to) + (after ? 1 : 0), 0, step as Step)
}
const isUpload = (s: Step) => s.uses?.startsWith('actions/upload-artifact@') === true
const isAudit = (s: Step) => s.id === 'audit' || s.id === 'audit-gate'

describe('quality gate rules', () => {
  const violations: Record<keyof typeof GATE_RULES, [string, Workflow][]> = {
    gatesAroundTheBuild: [
      // The audit has a job of its own that every job running a Dockerfile needs.
      ['the audit after the build', planted((jobs) => {
        stepsOf(jobs, 'build').splice(stepsOf(jobs, 'build').findIndex((s) => s.id === 'build') + 1, 0, ...stepsOf(jobs, 'audit').filter(isAudit))
        jobs.audit = { ...jobs.audit, steps: stepsOf(jobs, 'audit').filter((s) => !isAudit(s)) }
      })],
      ['a build that does not wait for the audit', planted((jobs) => void ((jobs.build as Job).needs = ['plan', 'test']))],
      ['native-runners builds that do not wait for the audit', planted((jobs) => void ((jobs['build-platform'] as Job).needs = ['plan', 'test']))],
      ['a build after a failed audit', planted((jobs) => void ((jobs['build-platform'] as Job).if = "${{ always() && inputs.native-runners }}"))],
      ['no audit at all', planted((jobs) => void delete jobs.audit)],
      ['a scan of the single-runner layout only', planted((jobs) => void ((stepById(jobs, 'build', 'platforms').with as Record<string, string>)['oci-layout'] = '${{ steps.build.outputs.oci-layout }}'))],
      ['per-platform layouts that nothing merges', planted((jobs) => void (jobs.build = { ...jobs.build, steps: stepsOf(jobs, 'build').filter((s) => s.id !== 'merge') }))],
      ['a per-platform build that pushes before any scan', planted((jobs) => void ((stepById(jobs, 'build-platform', 'build').with as Record<string, unknown>).push = true))],
      ['an artifact uploaded before the scan', planted((jobs) => move(stepsOf(jobs, 'build'), isUpload, (s) => s.id === 'scan'))],
      ['a scan that fails on every finding, fixable or not', planted((jobs) => void (stepById(jobs, 'build', 'scan').run = stepById(jobs, 'build', 'scan').run?.replace('--only-fixed ', '')))],
      ['a scan that pulls from the registry', planted((jobs) => void (stepById(jobs, 'build', 'scan').run = stepById(jobs, 'build', 'scan').run?.replace('"oci-dir:$VIEWS/$slug"', '"registry:$IMAGE"')))],
      ['a scan with a fixed severity', planted((jobs) => void ((stepById(jobs, 'build', 'scan').env as Record<string, string>).SEVERITY = 'critical'))],
      ['no scan at all', planted((jobs) => void (jobs.build = { ...jobs.build, steps: stepsOf(jobs, 'build').filter((s) => s.id !== 'scan') }))],
    ],
    gatesSwitchedByInputs: [
      ['a scan that always runs', planted((jobs) => void (stepById(jobs, 'build', 'scan').if = 'always()'))],
      ['an audit gate on another input', planted((jobs) => void (stepById(jobs, 'audit', 'audit-gate').if = 'inputs.vulnerability-scan'))],
      ['an audit job that runs on another input', planted((jobs) => void ((jobs.audit as Job).if = "needs.plan.outputs.kind != 'production' && inputs.vulnerability-scan"))],
      ['attestations that ignore their input', planted((jobs) => void ((jobs.provenance as Job).if = "${{ needs.publish.result == 'success' }}"))],
    ],
    publishAfterGates: [
      ['publish after a failed build', planted((jobs) => void ((jobs.publish as Job).if = "${{ always() && needs.plan.outputs.publish == 'true' }}"))],
      ['publish without the build job', planted((jobs) => void ((jobs.publish as Job).needs = ['plan']))],
      ['publish after the platform builds, not their merge and its scan', planted((jobs) => void ((jobs.publish as Job).needs = ['plan', 'build-platform', 'candidate']))],
      ['publish of an unscanned per-platform layout', planted((jobs) => {
        const download = stepsOf(jobs, 'publish').find((s) => s.uses?.startsWith('actions/download-artifact@')) as Step
        download.with = { pattern: '${{ inputs.service }}-oci-linux-*', path: '${{ runner.temp }}/oci-layout' }
      })],
    ],
    attestThePublishedDigest: [
      ['provenance of the built, not the published, digest', planted((jobs) => void ((stepsOf(jobs, 'provenance')[0]?.with ?? {})['subject-digest'] = '${{ needs.build.outputs.digest }}'))],
      ['an attestation pushed to the registry', planted((jobs) => void ((stepsOf(jobs, 'attest-sbom').at(-1)?.with ?? {})['push-to-registry'] = true))],
      ['no SBOM attestation', planted((jobs) => void delete jobs['attest-sbom'])],
      ['SBOMs for the platform manifests only', planted((jobs) => void stepsOf(jobs, 'attest-sbom').pop())],
    ],
    deployAfterAttestations: [
      ['a deploy that does not wait for the provenance', planted((jobs) => void ((jobs.deploy as Job).needs = ['plan', 'publish', 'attest-sbom']))],
      ['a deploy after a failed attestation', planted((jobs) => void ((jobs.deploy as Job).if = "${{ always() && needs.publish.result == 'success' }}"))],
    ],
  }

  itChecksEachRule(GATE_RULES, violations, workflows)
})

describe('permissions and pins of the gates', () => {
  it('gives the attestation jobs id-token and attestations write and nothing else; the build job neither', () => {
    for (const job of ['provenance', 'attest-sbom']) expect(pipeline.jobs[job]?.permissions).toEqual({ 'id-token': 'write', attestations: 'write' })
    expect(pipeline.jobs.build?.permissions).toEqual({ contents: 'read' })
    expect(pipeline.jobs.publish?.permissions).not.toHaveProperty('attestations')
  })

  it('reports an attestation job that can also write contents, and a job that attests beside other work', () => {
    const contents = planted((jobs) => void ((jobs.provenance as Job).permissions = { 'id-token': 'write', attestations: 'write', contents: 'write' }))
    expect(RULES.separatedPrivileges(contents).join('\n')).toMatch(/provenance/)
    const busy = planted((jobs) => void stepsOf(jobs, 'provenance').unshift({ run: 'curl https://example.invalid | sh' }))
    expect(RULES.separatedPrivileges(busy).join('\n')).toMatch(/provenance can write attestations but does more than attest/)
  })

  // A called workflow's jobs can only narrow the caller's token: without attestations: write in
  // the caller, GitHub refuses the whole run before any job starts.
  it('reports a caller that does not grant the attestation jobs their permission', () => {
    const vote = structuredClone(workflowById(workflows, 'vote'))
    delete (vote.jobs.pipeline?.permissions as Record<string, string>).attestations
    expect(checkReusableCalls(vote, workflows).join('\n')).toMatch(/its job provenance needs attestations: write, which this job does not grant/)
  })

  it('reports a gate action pinned to a tag', () => {
    const text = pipeline.text.replace(/actions\/attest@[0-9a-f]{40} # v4\.2\.2/, 'actions/attest@v4')
    expect(RULES.pinnedActions(parseWorkflow(pipeline.path, text)).join('\n')).toMatch(/actions\/attest@v4 is not pinned/)
  })
})

describe('which gates run', () => {
  type Value = string | boolean
  const defaults = Object.fromEntries(Object.entries(declared).map(([name, input]) => [`inputs.${name}`, (input.default ?? '') as Value]))
  const on = (step: Step, inputs: Record<string, Value>, plan: Record<string, string>) =>
    stepRuns(step.if, (path) => (path.startsWith('needs.plan.outputs.') ? (plan[path.slice(19)] ?? '') : (inputs[path] ?? null)))
  const develop = { kind: 'develop', publish: 'true', environment: 'staging', destination: 'acr.example.io/vote' }
  const pullRequest = { kind: 'pull-request', publish: 'false', environment: '', destination: 'localhost/vote' }
  // The gate steps of the audit job and the build job; the steps native-runners switches (build
  // here, or fetch and merge the per-platform layouts) are the build itself.
  const buildMode = (s: Step) => /inputs\.native-runners/.test(s.if ?? '')
  const conditional = (inputs: Record<string, Value>, plan: Record<string, string>) =>
    ['audit', 'build'].flatMap((job) => pipeline.jobs[job]?.steps ?? []).filter((s) => s.if !== undefined && on(s, inputs, plan))
  const gateSteps = (inputs: Record<string, Value>, plan: Record<string, string>) =>
    conditional(inputs, plan).filter((s) => !buildMode(s)).map((s) => s.id ?? s.name)

  it('runs the audit and the scan on a pull request build, and nothing for attestations', () => {
    expect(gateSteps(defaults, pullRequest)).toEqual([
      'Set up pnpm for the dependency audit', 'audit', 'audit-gate', 'platforms', 'grype', 'scan',
    ])
  })

  it('runs the same gates with native-runners, on the merged layout instead of the one built here', () => {
    const native = { ...defaults, 'inputs.native-runners': true }
    for (const plan of [pullRequest, develop]) expect(gateSteps(native, plan)).toEqual(gateSteps(defaults, plan))
    const builds = (inputs: Record<string, Value>) => conditional(inputs, develop).filter(buildMode).map((s) => s.id ?? s.name)
    expect(builds(defaults)).toEqual(['build'])
    expect(builds(native)).toEqual(['Fetch the per-platform layouts', 'layouts', 'merge'])
  })

  it('adds the SBOMs on a build that publishes, and each input turns its gate off alone', () => {
    expect(gateSteps(defaults, develop)).toEqual(expect.arrayContaining(['audit', 'scan', 'syft', 'Generate an SBOM of every platform']))
    const off = (input: string) => gateSteps({ ...defaults, [`inputs.${input}`]: false }, develop)
    expect(off(GATE_SWITCHES.audit)).not.toContain('audit-gate')
    expect(off(GATE_SWITCHES.audit)).toContain('scan')
    expect(off(GATE_SWITCHES.scan)).not.toContain('scan')
    expect(off(GATE_SWITCHES.scan)).toContain('platforms') // the SBOMs still need the views
    expect(off(GATE_SWITCHES.attestations)).not.toContain('syft')
    expect(off(GATE_SWITCHES.attestations)).toContain('scan')
  })

  it('attests after a publish of a build, never for a promotion, a pull request or with the input off', () => {
    const jobs = (inputs: Record<string, Value>, plan: Record<string, string>, failing?: string) =>
      Object.entries(
        simulateJobs(pipeline.jobs, (path) => inputs[path] ?? null, (job) => (job === 'plan' ? plan : {}), (job) => (job === failing ? 'failure' : 'success')),
      ).filter(([id, result]) => ['provenance', 'attest-sbom'].includes(id) && result !== 'skipped').map(([id]) => id)
    const withVars = { ...defaults, 'inputs.test-command': 'true' }
    expect(jobs(withVars, develop)).toEqual(['provenance', 'attest-sbom'])
    expect(jobs(withVars, { ...develop, kind: 'production' })).toEqual([])
    expect(jobs(withVars, pullRequest)).toEqual([])
    expect(jobs({ ...withVars, 'inputs.attestations': false }, develop)).toEqual([])
    expect(jobs(withVars, develop, 'publish')).toEqual([])
    expect(jobs(withVars, develop, 'build')).toEqual([])
    expect(jobs(withVars, develop, 'audit')).toEqual([])
    const native = { ...withVars, 'inputs.native-runners': true }
    expect(jobs(native, develop)).toEqual(['provenance', 'attest-sbom'])
    expect(jobs(native, develop, 'build-platform')).toEqual([])
  })

  it('declares every switch as a boolean that defaults to on', () => {
    for (const input of Object.values(GATE_SWITCHES)) expect(declared[input], input).toMatchObject({ type: 'boolean', default: true })
  })
})

/** Runs a step's script of job `job` with the env the runner would give it (plus `extra`). */
function runJobStep(job: 'audit' | 'build', id: string, context: ExpressionContext, cwd?: string, extra: Record<string, string> = {}): ScriptRun {
  return runStep(findStep(pipeline, job, id), context, { env: extra, cwd })
}

describe('the dependency audit, run here', () => {
  let temp: string
  beforeAll(() => {
    temp = mkdtempSync(join(tmpdir(), 'audit-'))
  })
  afterAll(() => rmSync(temp, { recursive: true, force: true }))
  const context = (service: string, directory = '') => ({ 'inputs.service': service, 'inputs.audit-directory': directory, 'runner.temp': temp })

  // This machine reaches the registry for GET only: its audit endpoints answer 405 (measured
  // 2026-11-30). Wherever the endpoint answers, the report is there and the step passes.
  it('selects the service and the workspace packages it depends on, and fails clearly without a report', () => {
    const run = runJobStep('audit', 'audit', context('vote'), REPO_ROOT, hostEnv())
    expect(run.outputs.importers).toBe('apps__vote apps__shared')
    if (run.outputs.status === 'unavailable') {
      expect(run.exitCode).toBe(1)
      expect(run.stdout).toMatch(/::error title=dependency audit::pnpm audit got no report from the registry's audit endpoint \(.*\d{3}.*\); retry, or set input dependency-audit: false/)
      expect(run.summary).toMatch(/### Dependency audit: no report/)
    } else {
      expect(run.outputs.status).toBe('ok')
      expect(JSON.parse(readFileSync(join(temp, 'pnpm-audit.json'), 'utf8'))).toHaveProperty('advisories')
    }
  }, 60_000)

  it('fails without a report when nothing answers at the registry address', () => {
    const run = runJobStep('audit', 'audit', context('result'), REPO_ROOT, { ...hostEnv(), npm_config_registry: 'http://127.0.0.1:9/', npm_config_fetch_retries: '0' })
    expect(run.outputs).toMatchObject({ importers: 'apps__result apps__shared', status: 'unavailable' })
    expect(run.outputs.reason).toMatch(/ECONNREFUSED 127\.0\.0\.1:9/)
    expect(run.exitCode).toBe(1)
  }, 60_000)

  // Here, without the machine's CA bundle, pnpm dies on TLS before any answer and leaves an
  // empty report, which once passed as "ok". Wherever it runs: "ok" only with a report.
  it('never says ok without a report it can read', () => {
    for (const env of [{}, hostEnv()]) {
      const run = runJobStep('audit', 'audit', context('result'), REPO_ROOT, env)
      let report: unknown
      try {
        report = JSON.parse(readFileSync(join(temp, 'pnpm-audit.json'), 'utf8'))
      } catch {
        report = undefined
      }
      const readable = typeof report === 'object' && report !== null && 'advisories' in report
      expect(run.outputs.status, run.stderr).toBe(readable ? 'ok' : 'unavailable')
      if (!readable) expect([run.exitCode, Boolean(run.outputs.reason)]).toEqual([1, true])
    }
  }, 60_000)

  it('refuses an audit directory without a package, before asking the registry', () => {
    const run = runJobStep('audit', 'audit', context('vote', 'apps/nope'), REPO_ROOT)
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toMatch(/input audit-directory: 'apps\/nope' holds no package.json/)
    expect(run.outputs.importers).toBeUndefined()
  })

  // pnpm's report: advisories keyed by id, each finding's paths starting with the importer
  // (https://github.com/pnpm/pnpm/blob/main/lockfile/audit/src/types.ts, lockfileToAuditTree.ts).
  const advisory = (id: number, module: string, severity: string, paths: string[]) => ({
    id, module_name: module, severity, title: `${module} advisory | ${id}`, url: `https://github.com/advisories/GHSA-${id}`,
    patched_versions: '>=9.9.9', findings: [{ version: '1.0.0', paths, dev: false, optional: false, bundled: false }],
  })
  function gate(advisories: ReturnType<typeof advisory>[], level = 'high', importers = 'apps__vote apps__shared'): ScriptRun {
    writeFileSync(join(temp, 'pnpm-audit.json'), JSON.stringify({ actions: [], muted: [], metadata: {}, advisories: Object.fromEntries(advisories.map((a) => [a.id, a])) }))
    return runJobStep('audit', 'audit-gate', { 'runner.temp': temp, 'steps.audit.outputs.importers': importers, 'inputs.audit-level': level })
  }

  it('fails on an advisory at the level in the service or a workspace package it uses', () => {
    const run = gate([advisory(1, 'ioredis', 'high', ['apps__vote>ioredis']), advisory(2, 'pg', 'critical', ['apps__shared>pg>pg-protocol'])])
    expect(run.exitCode).toBe(1)
    expect(run.outputs).toMatchObject({ advisories: '2', failing: '2' })
    expect(run.stdout).toMatch(/::error title=dependency audit::2 advisories at or above high in the dependencies of apps\/vote apps\/shared/)
    expect(run.summary).toMatch(/\| critical \(fails\) \| pg \| \[pg advisory \/ 2\]\(https:\/\/github.com\/advisories\/GHSA-2\) \| >=9.9.9 \| apps__shared > pg > pg-protocol \|/)
  })

  it("passes what is below the level or in another service's dependencies, and lists it", () => {
    const run = gate([advisory(3, 'ioredis', 'moderate', ['apps__vote>ioredis']), advisory(4, 'pg', 'critical', ['apps__result>pg', '.>vitest>pg'])])
    expect(run.exitCode, run.stdout).toBe(0)
    expect(run.outputs).toMatchObject({ advisories: '1', failing: '0' })
    expect(run.summary).toMatch(/### Dependency audit: 0 advisories at or above high/)
    expect(run.summary).toMatch(/\| moderate \| ioredis \|/)
    expect(run.summary).not.toMatch(/critical/)
  })

  it('lowers the bar with the level input and refuses an unknown level', () => {
    expect(gate([advisory(5, 'ioredis', 'moderate', ['apps__vote>ioredis'])], 'moderate').exitCode).toBe(1)
    const bad = gate([], 'severe')
    expect(bad.exitCode).toBe(1)
    expect(bad.stdout).toMatch(/input audit-level: 'severe' is not one of low, moderate, high, critical/)
  })
})

describe('the per-platform views the scan and the SBOMs read', () => {
  let temp: string
  let layout: string
  beforeAll(() => {
    temp = mkdtempSync(join(tmpdir(), 'views-'))
    layout = join(temp, 'layout')
    copyBaseImageLayout(layout)
  }, 120_000)
  afterAll(() => rmSync(temp, { recursive: true, force: true }))

  // The step runs the plan entry's bundle (event platform-views) from the pipeline's checkout.
  const splitLayout = (context: ExpressionContext) => runActionStep(findStep(pipeline, 'build', 'platforms'), { 'inputs.service': 'vote', ...context })
  const inspect = (dir: string) =>
    JSON.parse(execFileSync('skopeo', ['inspect', `oci:${dir}`], { encoding: 'utf8' })) as { Architecture: string; Digest: string }

  it('gives each platform an OCI layout of its own image that skopeo reads, blobs shared', async () => {
    const run = await splitLayout({ 'steps.build.outputs.oci-layout': layout, 'steps.merge.outputs.oci-layout': '', 'runner.temp': temp })
    expect(run.exitCode, run.stdout + run.stderr).toBe(0)
    const manifests = JSON.parse(run.outputs.manifests ?? '[]') as { platform: string; slug: string; digest: string }[]
    expect(manifests.map((m) => m.platform).sort()).toEqual(['linux/amd64', 'linux/arm64'])
    const index = JSON.parse(execFileSync('skopeo', ['inspect', '--raw', `oci:${layout}`], { encoding: 'utf8' })) as { manifests: { digest: string }[] }
    for (const manifest of manifests) {
      const view = join(temp, 'oci-platforms', manifest.slug)
      expect(inspect(view)).toMatchObject({ Architecture: manifest.platform.split('/')[1], Digest: manifest.digest })
      expect(index.manifests.map((m) => m.digest)).toContain(manifest.digest)
    }
  }, 60_000)

  // native-runners: the build step is skipped (no output), the merge step's layout is split.
  it('splits the merged layout when the platforms were built on their own runners', async () => {
    const run = await splitLayout({ 'steps.build.outputs.oci-layout': '', 'steps.merge.outputs.oci-layout': layout, 'runner.temp': temp })
    expect(run.exitCode, run.stdout + run.stderr).toBe(0)
    const manifests = JSON.parse(run.outputs.manifests ?? '[]') as { platform: string; slug: string; digest: string }[]
    expect(manifests.map((m) => m.platform).sort()).toEqual(['linux/amd64', 'linux/arm64'])
    for (const manifest of manifests) expect(inspect(join(temp, 'oci-platforms', manifest.slug)).Digest).toBe(manifest.digest)
  }, 60_000)

  it('fails, naming the layout, when it holds no platform image', async () => {
    const empty = join(temp, 'empty')
    spawnSync('mkdir', ['-p', join(empty, 'blobs')])
    writeFileSync(join(empty, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}')
    writeFileSync(join(empty, 'index.json'), '{"schemaVersion":2,"manifests":[]}')
    const run = await splitLayout({ 'steps.build.outputs.oci-layout': empty, 'steps.merge.outputs.oci-layout': '', 'runner.temp': temp })
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toContain(`::error title=vulnerability scan::the OCI layout ${empty} holds no platform image`)
  })
})
