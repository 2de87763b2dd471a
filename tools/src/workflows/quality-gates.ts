// The quality gates of the reusable pipeline as checks over parsed YAML: the dependency audit runs
// before the Dockerfile does, the image is scanned (every platform, from the OCI layout) before it
// leaves the build job, publish never runs after a failed gate, each gate is switched by its input
// alone, and the attestations name the digest publish pushed. Like hardening.ts, each rule returns
// readable violations; the tests run it over the repository and over planted violations.
import type { Rule } from './hardening'
import { ancestorsOf } from './job-graph'
import { jobsOf, jobUsesLocal, needsOf, stepsOf, usesLocal, usesRemote, type Job, type Step } from './load'

/** The inputs that switch the gates, and their severity thresholds. */
export const GATE_SWITCHES = { audit: 'dependency-audit', scan: 'vulnerability-scan', attestations: 'attestations' } as const
const GATE_LEVELS = { audit: 'audit-level', scan: 'scan-severity' } as const

const byId = (id: string) => (step: Step) => step.id === id
/** A job whose `if` lets it run after a job it needs has failed. */
const mayRunAfterFailure = (job: Job) => /always\(\)/.test(job.if ?? '') || !/!failure\(\)|success\(\)/.test(job.if ?? 'success()')

const isBuild = (step: Step) => usesLocal(step, 'buildx-multiarch')
const modeOf = (step: Step) => String(step.with?.mode ?? 'multi')
const pushes = (step: Step) => String(step.with?.push ?? 'false') !== 'false'

/**
 * In every job that builds an image: the audit and its gate come before any Dockerfile runs, in
 * that job or in a job it needs (then a failed audit must skip it), the scan after the build or
 * merge, and no artifact leaves the job before the scan has passed. The scan reads the OCI layout
 * of each build or merge step of its job (oci-dir:), never a registry, and fails on fixable findings
 * at the severity input. A job that only exports one platform's layout (mode platform, no push, for
 * native runners) leaves the scan to a job that needs it and merges the layouts.
 */
export const gatesAroundTheBuild: Rule = (workflow) => {
  const problems: string[] = []
  for (const [id, job] of jobsOf(workflow)) {
    const steps = stepsOf(job)
    const builds = steps.flatMap((step, index) => (isBuild(step) ? [index] : []))
    if (builds.length === 0) continue
    const where = `${workflow.path}: job ${id}`
    const dockerfile = builds.find((index) => modeOf(steps[index] as Step) !== 'merge')
    if (dockerfile !== undefined) problems.push(...auditBefore(workflow.jobs, id, dockerfile, where))
    const platformOnly = builds.every((index) => modeOf(steps[index] as Step) === 'platform' && !pushes(steps[index] as Step))
    if (platformOnly) {
      const mergers = jobsOf(workflow).filter(([, other]) => needsOf(other).includes(id) && stepsOf(other).some((step) => isBuild(step) && modeOf(step) === 'merge'))
      if (mergers.length === 0) problems.push(`${where} exports per-platform layouts that no job needing it merges and scans`)
      continue
    }
    const scan = steps.findIndex(byId('scan'))
    if (scan < 0) {
      problems.push(`${where} builds an image and never scans it`)
      continue
    }
    if (builds.some((index) => scan < index)) problems.push(`${where} scans before the build`)
    const script = steps[scan]?.run ?? ''
    if (!/--only-fixed\b/.test(script) || !/--fail-on "\$SEVERITY"/.test(script)) problems.push(`${where}: the scan does not fail on fixable findings at $SEVERITY`)
    if (steps[scan]?.env?.SEVERITY !== `\${{ inputs.${GATE_LEVELS.scan} }}`) problems.push(`${where}: the scan ignores input ${GATE_LEVELS.scan}`)
    if (!/"oci-dir:/.test(script) || /\b(registry|docker|podman):/.test(script)) problems.push(`${where}: the scan does not read the OCI layout (oci-dir:) alone`)
    problems.push(...scanReadsEveryLayout(steps, builds, scan, where))
    steps.forEach((step, index) => {
      if (usesRemote(step, 'actions/upload-artifact') && index < scan) problems.push(`${where}: '${step.name ?? step.uses}' hands an artifact on before the scan`)
    })
  }
  return problems
}

/** The audit and its gate before step `before` of job `id`, or in a job it needs that a failed audit stops it after. */
function auditBefore(jobs: Record<string, Job>, id: string, before: number, where: string): string[] {
  const own = stepsOf(jobs[id] ?? {})
  const inJob = (steps: Step[]) => ({ audit: steps.findIndex(byId('audit')), gate: steps.findIndex(byId('audit-gate')) })
  let found = inJob(own)
  let steps = own
  if (found.audit < 0 && found.gate < 0) {
    const home = ancestorsOf(jobs, id).find((need) => stepsOf(jobs[need] ?? {}).some(byId('audit')))
    if (home === undefined) return [`${where} has no dependency audit (steps audit and audit-gate)`]
    steps = stepsOf(jobs[home] ?? {})
    found = inJob(steps)
    if (mayRunAfterFailure(jobs[id] ?? {})) return [`${where} may run the Dockerfile after a failed audit in job ${home} (if: ${jobs[id]?.if})`]
    before = steps.length
  }
  if (found.audit < 0 || found.gate < 0) return [`${where} has no dependency audit (steps audit and audit-gate)`]
  const problems: string[] = []
  if (!(found.audit < found.gate && found.gate < before)) problems.push(`${where} audits the dependencies after the build has run the Dockerfile`)
  if (steps[found.gate]?.env?.AUDIT_LEVEL !== `\${{ inputs.${GATE_LEVELS.audit} }}`) problems.push(`${where}: the audit gate ignores input ${GATE_LEVELS.audit}`)
  if (!/pnpm audit --prod\b/.test(steps[found.audit]?.run ?? '')) problems.push(`${where}: the audit does not run pnpm audit --prod`)
  return problems
}

/**
 * The scan's views (its MANIFESTS come from the split step) are cut from the layout of every
 * build or merge step of the job: with native runners that is the merged layout, not a platform's.
 */
function scanReadsEveryLayout(steps: Step[], builds: number[], scan: number, where: string): string[] {
  const split = /\bsteps\.([\w-]+)\.outputs\.manifests\b/.exec(String(steps[scan]?.env?.MANIFESTS ?? ''))?.[1]
  const index = steps.findIndex((step) => split !== undefined && step.id === split)
  if (index < 0) return [`${where}: the scan does not name the split step its platforms come from (env MANIFESTS)`]
  // The split is the plan entry's platform-views event: its oci-layout input names the layout.
  const layout = String(steps[index]?.with?.['oci-layout'] ?? '')
  return builds
    .filter((build) => !layout.includes(`steps.${steps[build]?.id ?? '?'}.outputs.oci-layout`) || index < build)
    .map((build) => `${where}: the scan does not read the layout of step '${steps[build]?.id ?? steps[build]?.name}'`)
}

/** Each gate step or job runs when its input is on and is skipped when it is off: no `always()`, no other switch. */
export const gatesSwitchedByInputs: Rule = (workflow) => {
  const problems: string[] = []
  const expect = (where: string, condition: string | undefined, input: string, exact: boolean) => {
    const text = (condition ?? '').replace(/^\$\{\{\s*|\s*\}\}$/g, '')
    const ok = exact ? text === `inputs.${input}` : text.endsWith(`&& inputs.${input}`) && !/always\(\)/.test(text)
    if (!ok) problems.push(`${workflow.path}: ${where} is not switched by input ${input} (if: ${condition ?? 'none'})`)
  }
  for (const [id, job] of jobsOf(workflow)) {
    if (stepsOf(job).some((step) => usesRemote(step, 'actions/attest'))) expect(`job ${id}`, job.if, GATE_SWITCHES.attestations, false)
    // A job of its own for the audit (before every build) is switched by the input too, if at all.
    if (job.if !== undefined && stepsOf(job).some(byId('audit')) && !stepsOf(job).some(isBuild)) expect(`job ${id}`, job.if, GATE_SWITCHES.audit, false)
    for (const step of stepsOf(job)) {
      if (step.id === 'audit' || step.id === 'audit-gate') expect(`step ${step.id} of job ${id}`, step.if, GATE_SWITCHES.audit, true)
      if (step.id === 'scan' || step.uses?.startsWith('anchore/scan-action/')) expect(`step '${step.name}' of job ${id}`, step.if, GATE_SWITCHES.scan, true)
    }
  }
  return problems
}

/** The names of the artifacts a job uploads after its scan step. */
function scannedArtifacts(jobs: Record<string, Job>): string[] {
  return Object.values(jobs).flatMap((job) => {
    const steps = stepsOf(job)
    const scan = steps.findIndex(byId('scan'))
    if (scan < 0) return []
    return steps.slice(scan + 1).flatMap((step) => (usesRemote(step, 'actions/upload-artifact') && typeof step.with?.name === 'string' ? [step.with.name] : []))
  })
}

/** Publish takes the image from the build job, after every gate there (and in the jobs before it) passed. */
export const publishAfterGates: Rule = (workflow) => {
  const problems: string[] = []
  const scanned = scannedArtifacts(workflow.jobs)
  for (const [id, job] of jobsOf(workflow)) {
    const steps = stepsOf(job)
    if (!steps.some((step) => usesLocal(step, 'acr-push')) || !steps.some((step) => usesRemote(step, 'actions/download-artifact'))) continue
    // Through the jobs it needs: a failed platform build fails the merging job's needs, and
    // failure() is true in every job after it.
    const above = ancestorsOf(workflow.jobs, id)
    const builders = jobsOf(workflow).filter(([, other]) => jobUsesLocal(other, 'buildx-multiarch'))
    for (const [builder] of builders) {
      if (!above.includes(builder)) problems.push(`${workflow.path}: job ${id} publishes without needing ${builder}, whose gates it skips`)
    }
    // Only a layout handed on after its scan: an artifact by name that a scanning job uploads
    // after its scan, never a pattern that could take an unscanned per-platform layout.
    for (const download of stepsOf(job).filter((step) => usesRemote(step, 'actions/download-artifact'))) {
      const name = download.with?.name
      if (typeof name !== 'string' || !scanned.includes(name)) {
        problems.push(`${workflow.path}: job ${id} downloads '${String(name ?? download.with?.pattern)}', which no job uploads after its scan`)
      }
    }
    if (mayRunAfterFailure(job)) {
      problems.push(`${workflow.path}: job ${id} may publish after a failed gate (if: ${job.if})`)
    }
  }
  return problems
}

/**
 * Attestations name what publish pushed: the destination repository with the published index
 * digest (provenance; each platform's SBOM too) or a platform manifest digest of that index (that
 * platform's SBOM), kept in GitHub's attestation store (push-to-registry false: the attest jobs
 * hold no registry credential).
 */
export const attestThePublishedDigest: Rule = (workflow) => {
  const problems: string[] = []
  const kinds = new Set<string>()
  for (const [id, job] of jobsOf(workflow)) {
    for (const step of stepsOf(job)) {
      if (!usesRemote(step, 'actions/attest')) continue
      const where = `${workflow.path}: job ${id}`
      const sbom = step.with?.['sbom-path'] !== undefined
      const digest = step.with?.['subject-digest']
      const published = digest === '${{ needs.publish.outputs.digest }}'
      kinds.add(sbom ? (published ? 'index SBOM' : 'platform SBOM') : 'provenance')
      if (!needsOf(job).includes('publish')) problems.push(`${where} attests without waiting for publish`)
      if (step.with?.['subject-name'] !== '${{ needs.plan.outputs.destination }}') problems.push(`${where}: subject-name is not the published repository`)
      if (!published && !(sbom && digest === '${{ matrix.digest }}')) {
        problems.push(`${where}: subject-digest ${String(digest)} is neither the published digest nor (for an SBOM) a platform's`)
      }
      if (sbom) {
        const include = (job as { strategy?: { matrix?: { include?: unknown } } }).strategy?.matrix?.include
        if (include !== '${{ fromJSON(needs.build.outputs.platform-manifests) }}') problems.push(`${where}: the SBOM matrix is not the build's platform manifests`)
      }
      if (step.with?.['push-to-registry'] !== false) problems.push(`${where}: push-to-registry needs a registry credential in an attestation job`)
    }
  }
  const publishes = Object.values(workflow.jobs).some((job) => jobUsesLocal(job, 'acr-push'))
  const builds = Object.values(workflow.jobs).some((job) => jobUsesLocal(job, 'buildx-multiarch'))
  if (publishes && builds) {
    for (const kind of ['provenance', 'platform SBOM', 'index SBOM']) if (!kinds.has(kind)) problems.push(`${workflow.path}: publishes images without a ${kind} attestation`)
  }
  return problems
}

/** The manifest commit waits for every attestation job and never follows a failed one. */
export const deployAfterAttestations: Rule = (workflow) => {
  const problems: string[] = []
  const attesters = jobsOf(workflow)
    .filter(([, job]) => stepsOf(job).some((step) => usesRemote(step, 'actions/attest')))
    .map(([id]) => id)
  if (attesters.length === 0) return problems
  for (const [id, job] of jobsOf(workflow)) {
    if (!jobUsesLocal(job, 'bump-manifest')) continue
    for (const attester of attesters) {
      if (!needsOf(job).includes(attester)) problems.push(`${workflow.path}: job ${id} commits the manifests without waiting for ${attester}`)
    }
    if (mayRunAfterFailure(job)) problems.push(`${workflow.path}: job ${id} may commit the manifests after a failed attestation (if: ${job.if})`)
  }
  return problems
}

export const GATE_RULES = {
  gatesAroundTheBuild,
  gatesSwitchedByInputs,
  publishAfterGates,
  attestThePublishedDigest,
  deployAfterAttestations,
} satisfies Record<string, Rule>
