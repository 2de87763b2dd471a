// The scan and SBOM gates of the pipeline's build job (issue 12, item 7), run for real: the
// workflow's own steps, from the per-platform split of a real amd64 + arm64 OCI layout (the plan
// entry's committed bundle) to the SBOMs, in the job's order and under each step's `if:`, with grype and syft stand-ins on the
// paths download-grype and download-syft would output. The stand-ins (helpers/anchore-standins.ts)
// implement the CLI behaviour the scripts rely on as grype v0.110.0's and syft v1.42.3's sources
// define it (cited there): --fail-on exit code 2, 1 for any other error, --only-fixed, the JSON
// report grype/presenter/models describes, `-o spdx-json=FILE`. Only cataloguing and matching come
// from a fixture, since grype's database cannot be downloaded here.
import { execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ExpressionContext } from '../src/workflows/expressions'
import { stepRuns } from '../src/workflows/job-graph'
import { loadWorkflows, workflowById, type Step } from '../src/workflows/load'
import { runActionStep } from '../src/workflows/run-action-step'
import { runStep, type ScriptRun } from '../src/workflows/run-script'
import { BASE_IMAGE, copyBaseImageLayout } from '@aks-gitops/test-support/oci-dir'
import { installStandins, runStandin, type StandinDb, type StandinVulnerability, type Standins } from './helpers/anchore-standins'

const pipeline = workflowById(loadWorkflows(), 'pipeline')
const buildSteps = pipeline.jobs.build?.steps ?? []
const first = buildSteps.findIndex((s) => s.id === 'platforms')
const last = buildSteps.findIndex((s) => s.name === 'Generate an SBOM of every platform')
/** From the split of the layout to the SBOMs: the gate steps and the upload between them. */
const GATE_STEPS = buildSteps.slice(first, last + 1)
const keyOf = (step: Step) => step.id ?? step.name ?? ''
const UPLOAD = 'Hand the OCI layout to the publish job'
const SBOM = 'Generate an SBOM of every platform'

let temp: string
let layout: string
let standins: Standins
/** The digest of each platform's manifest in the layout's index, by architecture. */
let digests: Record<string, string>

beforeAll(() => {
  temp = mkdtempSync(join(tmpdir(), 'gate-scripts-'))
  layout = join(temp, 'layout')
  copyBaseImageLayout(layout)
  const index = JSON.parse(execFileSync('skopeo', ['inspect', '--raw', `oci:${layout}`], { encoding: 'utf8' })) as { manifests: { digest: string; platform: { architecture: string } }[] }
  digests = Object.fromEntries(index.manifests.map((m) => [m.platform.architecture, m.digest]))
  standins = installStandins(mkdtempSync(join(temp, 'bin-')))
}, 120_000)
afterAll(() => rmSync(temp, { recursive: true, force: true }))

interface GateRun {
  /** The steps that ran, in order (id, or name without one). */
  ran: string[]
  runs: Record<string, ScriptRun>
  /** The stand-ins' command lines during this run. */
  calls: string[]
  runnerTemp: string
}

interface GateOptions {
  inputs?: ExpressionContext
  publish?: boolean
  /** The fixture the stand-ins read (null: none, so grype has no database). */
  db?: StandinDb | null
  /** native-runners: the build step was skipped and the merge step wrote the layout. */
  merged?: boolean
  /** Called after a step ran, before the next one (to break what it left behind). */
  after?: (key: string, runnerTemp: string) => void
}

/**
 * Runs GATE_STEPS as the runner would: each `if:` evaluated over the inputs, plan outputs and
 * earlier steps' outputs, `run:` scripts through runStep, the split through the committed bundle
 * (runActionStep), the download actions by handing
 * out the stand-ins' paths as their `cmd` output, and nothing after a failed step.
 */
async function runGates(options: GateOptions = {}): Promise<GateRun> {
  const runnerTemp = mkdtempSync(join(temp, 'runner-'))
  const db = join(runnerTemp, 'standin-db.json')
  if (options.db !== null) writeFileSync(db, JSON.stringify(options.db ?? {}))
  const context: ExpressionContext = {
    'inputs.vulnerability-scan': true,
    'inputs.scan-severity': 'high',
    'inputs.attestations': true,
    'inputs.service': 'vote',
    ...options.inputs,
    'needs.plan.outputs.publish': String(options.publish ?? true),
    'runner.temp': runnerTemp,
    'steps.build.outputs.oci-layout': options.merged === true ? '' : layout,
    'steps.merge.outputs.oci-layout': options.merged === true ? layout : '',
  }
  const callsBefore = standins.calls().length
  const result: GateRun = { ran: [], runs: {}, calls: [], runnerTemp }
  for (const step of GATE_STEPS) {
    const key = keyOf(step)
    if (!stepRuns(step.if, (path) => context[path] ?? null)) continue
    result.ran.push(key)
    const outputs: Record<string, string> = {}
    if (step.id === 'grype' || step.id === 'syft') outputs.cmd = standins[step.id]
    else if (step.run !== undefined || step.uses?.startsWith('./') === true) {
      // The split is the plan entry's bundle (event platform-views), the rest run: scripts.
      const run = step.run !== undefined ? runStep(step, context, { env: { ANCHORE_STANDIN_DB: db } }) : await runActionStep(step, context)
      result.runs[key] = run
      Object.assign(outputs, run.outputs)
      if (run.exitCode !== 0) break
    }
    for (const [name, value] of Object.entries(outputs)) context[`steps.${step.id}.outputs.${name}`] = value
    options.after?.(key, runnerTemp)
  }
  result.calls = standins.calls().slice(callsBefore)
  return result
}

const vulnerability = (id: string, severity: string, state: StandinVulnerability['fix']['state'], versions: string[] = []): StandinVulnerability => ({ id, severity, fix: { state, versions } })
/** One Debian package of the image of `arch` with the given findings. */
const holding = (arch: string, ...vulnerabilities: StandinVulnerability[]): StandinDb => ({
  [arch]: [{ name: 'libssl3', version: '3.0.17-1~deb12u2', type: 'deb', purl: `pkg:deb/debian/libssl3@3.0.17-1~deb12u2?arch=${arch}`, vulnerabilities }],
})
const summaryRow = (arch: string, counts: string, result: string) => `| linux/${arch} | \`${digests[arch]?.slice(7, 19)}\` | ${counts} | ${result} |`
const report = (run: GateRun, slug: string) =>
  JSON.parse(readFileSync(join(run.runnerTemp, 'grype', `${slug}.json`), 'utf8')) as { matches: unknown[]; ignoredMatches?: unknown[]; source: { target: { manifestDigest: string; architecture: string } } }

describe('the vulnerability scan, run with a grype stand-in', () => {
  it('scans each platform from its own view and passes a clean image, with a row per platform in the summary', async () => {
    const run = await runGates({ publish: false })
    expect(run.ran).toEqual(['platforms', 'grype', 'scan'])
    expect(run.runs.scan?.exitCode, run.runs.scan?.stdout).toBe(0)
    const views = join(run.runnerTemp, 'oci-platforms')
    expect(run.calls.sort()).toEqual(['amd64', 'arm64'].map((arch) =>
      `grype oci-dir:${views}/linux-${arch} --only-fixed --fail-on high -o json --file ${run.runnerTemp}/grype/linux-${arch}.json`))
    for (const arch of ['amd64', 'arm64']) {
      expect(report(run, `linux-${arch}`).source.target).toMatchObject({ manifestDigest: digests[arch], architecture: arch })
      expect(run.runs.scan?.summary).toContain(summaryRow(arch, '0 | 0 | 0 | 0 | 0', 'passed'))
    }
    expect(run.runs.scan?.summary).toMatch(/^### Vulnerability scan: fixable findings, failing at high or above$/m)
  }, 60_000)

  it('fails on a fixable High at threshold high, naming the finding and the platform, and hands nothing to publish', async () => {
    const run = await runGates({ db: holding('arm64', vulnerability('CVE-2026-1111', 'High', 'fixed', ['3.0.18-1~deb12u1'])) })
    const scan = run.runs.scan as ScriptRun
    expect(scan.exitCode).toBe(1)
    expect(run.ran.at(-1)).toBe('scan')
    expect(run.ran).not.toContain(UPLOAD)
    expect(scan.stdout).toMatch(/::error title=vulnerability scan::fixable vulnerabilities at or above high in linux\/arm64: CVE-2026-1111 \(High, libssl3 3\.0\.17-1~deb12u2, fixed in 3\.0\.18-1~deb12u1\)/)
    expect(scan.summary).toContain(summaryRow('amd64', '0 | 0 | 0 | 0 | 0', 'passed'))
    expect(scan.summary).toContain(summaryRow('arm64', '0 | 1 | 0 | 0 | 0', 'FAILED'))
    expect(scan.summary).toContain('| CVE-2026-1111 | High (fails) | libssl3 3.0.17-1~deb12u2 | 3.0.18-1~deb12u1 | linux/arm64 |')
  }, 60_000)

  it('passes an unfixed Critical: --only-fixed leaves it out of the matches grype fails on', async () => {
    const run = await runGates({ db: holding('amd64', vulnerability('CVE-2026-2222', 'Critical', 'not-fixed'), vulnerability('CVE-2026-2223', 'Critical', 'wont-fix')) })
    expect(run.runs.scan?.exitCode, run.runs.scan?.stdout).toBe(0)
    expect(report(run, 'linux-amd64')).toMatchObject({ matches: [], ignoredMatches: [{}, {}] })
    expect(run.runs.scan?.summary).toContain(summaryRow('amd64', '0 | 0 | 0 | 0 | 0', 'passed'))
    expect(run.runs.scan?.summary).not.toContain('CVE-2026-222')
    expect(run.ran).toContain(UPLOAD)
  }, 60_000)

  it('passes and lists a fixable Medium below threshold high, and fails it at threshold medium', async () => {
    const db = holding('amd64', vulnerability('CVE-2026-3333', 'Medium', 'fixed', ['3.0.18-1~deb12u1']))
    const passed = await runGates({ db })
    expect(passed.runs.scan?.exitCode, passed.runs.scan?.stdout).toBe(0)
    expect(passed.runs.scan?.summary).toContain(summaryRow('amd64', '0 | 0 | 1 | 0 | 0', 'passed'))
    expect(passed.runs.scan?.summary).toContain('| CVE-2026-3333 | Medium | libssl3 3.0.17-1~deb12u2 | 3.0.18-1~deb12u1 | linux/amd64 |')
    const failed = await runGates({ db, inputs: { 'inputs.scan-severity': 'medium' } })
    expect(failed.runs.scan?.exitCode).toBe(1)
    expect(failed.runs.scan?.stdout).toMatch(/at or above medium in linux\/amd64: CVE-2026-3333 \(Medium/)
  }, 60_000)

  it('lists a finding both platforms share once, naming both', async () => {
    const medium = vulnerability('CVE-2026-4444', 'Low', 'fixed', ['3.0.18-1~deb12u1'])
    const run = await runGates({ db: { ...holding('amd64', medium), ...holding('arm64', medium) } })
    expect(run.runs.scan?.exitCode).toBe(0)
    expect(run.runs.scan?.summary).toContain('| CVE-2026-4444 | Low | libssl3 3.0.17-1~deb12u2 | 3.0.18-1~deb12u1 | linux/amd64, linux/arm64 |')
  }, 60_000)

  it('fails as "grype failed" when grype exits 1 (no database), not as findings', async () => {
    const run = await runGates({ db: null })
    const scan = run.runs.scan as ScriptRun
    expect(scan.exitCode).toBe(1)
    expect(scan.stdout).toMatch(/::error title=vulnerability scan::grype failed on linux\/(amd64|arm64) \(exit code 1\)/)
    expect(scan.stdout).not.toMatch(/fixable vulnerabilities/)
    expect(scan.summary).toMatch(/\| linux\/(amd64|arm64) \| `[0-9a-f]{12}` \| \| \| \| \| \| grype failed \(exit code 1\) \|/)
    expect(run.calls).toHaveLength(1)
  }, 60_000)

  it('fails as "grype failed" when a view names the whole index instead of one platform', async () => {
    const run = await runGates({ after: (key, runnerTemp) => key === 'platforms' && copyFileSync(join(layout, 'index.json'), join(runnerTemp, 'oci-platforms', 'linux-arm64', 'index.json')) })
    expect(run.runs.scan?.exitCode).toBe(1)
    expect(run.runs.scan?.stdout).toContain('grype failed on linux/arm64 (exit code 1)')
  }, 60_000)

  it('refuses an unknown scan-severity before grype runs', async () => {
    const run = await runGates({ inputs: { 'inputs.scan-severity': 'severe' } })
    expect(run.runs.scan?.exitCode).toBe(1)
    expect(run.runs.scan?.stdout).toContain("::error title=vulnerability scan::input scan-severity: 'severe' is not one of negligible, low, medium, high, critical")
    expect(run.calls).toEqual([])
  }, 60_000)

  it('skips the scan with vulnerability-scan: false, and still splits the layout for the SBOMs', async () => {
    const run = await runGates({ inputs: { 'inputs.vulnerability-scan': false }, db: holding('arm64', vulnerability('CVE-2026-5555', 'Critical', 'fixed', ['9'])) })
    expect(run.ran).toEqual(['platforms', UPLOAD, 'syft', SBOM])
    expect(run.calls.filter((c) => c.startsWith('grype'))).toEqual([])
    expect(run.runs[SBOM]?.exitCode).toBe(0)
    expect((await runGates({ inputs: { 'inputs.vulnerability-scan': false }, publish: false })).ran).toEqual([])
  }, 60_000)
})

describe('the gates with native-runners, on the layout the merge step wrote', () => {
  it('scans and describes each platform of the merged layout, and fails on its findings before the upload', async () => {
    const clean = await runGates({ merged: true, db: holding('arm64') })
    expect(clean.ran).toEqual(['platforms', 'grype', 'scan', UPLOAD, 'syft', SBOM])
    expect(clean.calls.filter((c) => c.startsWith('grype')).sort()).toEqual(['amd64', 'arm64'].map((arch) =>
      `grype oci-dir:${clean.runnerTemp}/oci-platforms/linux-${arch} --only-fixed --fail-on high -o json --file ${clean.runnerTemp}/grype/linux-${arch}.json`))
    for (const arch of ['amd64', 'arm64']) expect(report(clean, `linux-${arch}`).source.target).toMatchObject({ manifestDigest: digests[arch], architecture: arch })
    expect(clean.runs[SBOM]?.summary).toContain('SBOM of linux/arm64: 2 packages')
    const failed = await runGates({ merged: true, db: holding('amd64', vulnerability('CVE-2026-6666', 'Critical', 'fixed', ['9'])) })
    expect(failed.runs.scan?.exitCode).toBe(1)
    expect(failed.ran).not.toContain(UPLOAD)
    expect(failed.runs.scan?.stdout).toMatch(/at or above high in linux\/amd64: CVE-2026-6666 \(Critical/)
  }, 60_000)
})

describe('the SBOMs, run with a syft stand-in', () => {
  it('writes an SPDX document of each platform, naming its manifest digest, and counts its packages in the summary', async () => {
    const run = await runGates({ db: holding('arm64') })
    expect(run.ran).toEqual(['platforms', 'grype', 'scan', UPLOAD, 'syft', SBOM])
    const sbom = run.runs[SBOM] as ScriptRun
    expect(sbom.exitCode, sbom.stderr).toBe(0)
    for (const [arch, packages] of [['amd64', 1], ['arm64', 2]] as const) {
      const file = join(run.runnerTemp, 'sbom', `linux-${arch}.spdx.json`)
      const document = JSON.parse(readFileSync(file, 'utf8')) as { spdxVersion: string; packages: { versionInfo: string }[] }
      expect(document.spdxVersion).toBe('SPDX-2.3')
      expect(document.packages.map((p) => p.versionInfo)).toContain(digests[arch])
      expect(sbom.summary).toContain(`SBOM of linux/${arch}: ${packages} packages`)
    }
    expect(run.calls.filter((c) => c.startsWith('syft')).sort()).toEqual(['amd64', 'arm64'].map((arch) =>
      `syft scan oci-dir:${run.runnerTemp}/oci-platforms/linux-${arch} -o spdx-json=${run.runnerTemp}/sbom/linux-${arch}.spdx.json`))
  }, 60_000)

  it('fails naming the platform when syft fails, and leaves no SBOM of it for the attest job', async () => {
    const run = await runGates({
      inputs: { 'inputs.vulnerability-scan': false },
      after: (key, runnerTemp) => key === 'platforms' && copyFileSync(join(layout, 'index.json'), join(runnerTemp, 'oci-platforms', 'linux-arm64', 'index.json')),
    })
    const sbom = run.runs[SBOM] as ScriptRun
    expect(sbom.exitCode).toBe(1)
    expect(sbom.stdout).toContain('::error title=SBOM::syft failed on linux/arm64 (exit code 1)')
    expect(existsSync(join(run.runnerTemp, 'sbom', 'linux-arm64.spdx.json'))).toBe(false)
  }, 60_000)

  it('generates no SBOM without a publish or with attestations: false', async () => {
    expect((await runGates({ publish: false })).ran).not.toContain(SBOM)
    const off = await runGates({ inputs: { 'inputs.attestations': false } })
    expect(off.ran).not.toContain('syft')
    expect(off.calls.filter((c) => c.startsWith('syft'))).toEqual([])
  }, 60_000)
})

// The stand-ins themselves, against the behaviour cited in helpers/anchore-standins.ts: what the
// scripts above rely on must hold of them, or the tests above prove nothing.
describe('the stand-ins, against grype\'s and syft\'s sources', () => {
  let dir: string
  let oci: string
  beforeAll(() => {
    // A single-platform layout as skopeo writes it: index.json names that image's manifest.
    dir = mkdtempSync(join(temp, 'standins-'))
    oci = join(dir, 'one')
    execFileSync('skopeo', ['copy', '--src-tls-verify=false', '--override-arch', 'arm64', `docker://${BASE_IMAGE}`, `oci:${oci}`], { stdio: 'ignore' })
  }, 120_000)
  const grype = (db: StandinDb | undefined, ...argv: string[]) => {
    const file = join(dir, 'db.json')
    if (db !== undefined) writeFileSync(file, JSON.stringify(db))
    else rmSync(file, { force: true })
    return runStandin('grype', argv, { ANCHORE_STANDIN_DB: file })
  }
  const fixable = holding('arm64', vulnerability('CVE-2026-7777', 'High', 'fixed', ['2']), vulnerability('CVE-2026-7778', 'Critical', 'unknown'))

  it('grype: exit code 2 with the report written when --fail-on is hit, 0 below it', () => {
    const file = join(dir, 'report.json')
    expect(grype(fixable, `oci-dir:${oci}`, '--only-fixed', '--fail-on', 'high', '-o', 'json', '--file', file).exitCode).toBe(2)
    const document = JSON.parse(readFileSync(file, 'utf8')) as { matches: { vulnerability: { id: string } }[]; ignoredMatches: { appliedIgnoreRules: unknown[] }[] }
    expect(document.matches.map((m) => m.vulnerability.id)).toEqual(['CVE-2026-7777'])
    expect(document.ignoredMatches[0]?.appliedIgnoreRules).toEqual([{ namespace: '', 'fix-state': 'unknown' }])
    expect(grype(fixable, `oci-dir:${oci}`, '--only-fixed', '--fail-on=critical', '-o', 'json', '--file', file).exitCode).toBe(0)
    expect(grype(fixable, `oci-dir:${oci}`, '-f', 'critical', '-o', 'json', '--file', file).exitCode).toBe(2) // the unfixed Critical counts without --only-fixed
  })

  it('grype: exit code 1 for a bad --fail-on (no report) and without a database (the report created empty first)', () => {
    const file = join(dir, 'bad.json')
    expect(grype(fixable, `oci-dir:${oci}`, '--fail-on', 'severe', '-o', 'json', '--file', file)).toMatchObject({ exitCode: 1, stderr: "ERROR bad --fail-on severity value 'severe'\n" })
    expect(existsSync(file)).toBe(false)
    expect(grype(undefined, `oci-dir:${oci}`, '--fail-on', 'high', '-o', 'json', '--file', file)).toMatchObject({ exitCode: 1, stderr: expect.stringMatching(/failed to load vulnerability db/) })
    expect(readFileSync(file, 'utf8')).toBe('')
    expect(grype(fixable, `oci-dir:${layout}`, '-o', 'json').stderr).toMatch(/unexpected number of OCI directory manifests|unexpected media type/)
    expect(grype(fixable, `oci-dir:${oci}`, '--only-fixd').stderr).toMatch(/unknown flag: --only-fixd/)
  })

  it('syft: an SPDX document for -o spdx-json=FILE, exit code 1 for another format', () => {
    const file = join(dir, 'sbom.json')
    expect(runStandin('syft', ['scan', `oci-dir:${oci}`, '-o', `spdx-json=${file}`], {}).exitCode).toBe(0)
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ spdxVersion: 'SPDX-2.3', packages: [{ versionInfo: expect.stringMatching(/^sha256:/) }] })
    expect(runStandin('syft', ['scan', `oci-dir:${oci}`, '-o', 'cyclonedx-json'], {}).exitCode).toBe(1)
  })
})
