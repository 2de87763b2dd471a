// The quality gates of the reusable pipeline as checks over parsed YAML: the dependency audit runs
// before the Dockerfile does, the image is scanned (every platform, from the OCI layout) before it
// leaves the build job, publish never runs after a failed gate, each gate is switched by its input
// alone, and the attestations name the digest publish pushed. Like hardening.ts, each rule returns
// readable violations; the tests run it over the repository and over planted violations.
import type { Rule } from './hardening'
import { jobsOf, jobUsesLocal, needsOf, stepsOf, usesLocal, usesRemote, type Job, type Step } from './load'

/** The inputs that switch the gates, and their severity thresholds. */
export const GATE_SWITCHES = { audit: 'dependency-audit', scan: 'vulnerability-scan', attestations: 'attestations' } as const
const GATE_LEVELS = { audit: 'audit-level', scan: 'scan-severity' } as const

const byId = (id: string) => (step: Step) => step.id === id
/** A job whose `if` lets it run after a job it needs has failed. */
const mayRunAfterFailure = (job: Job) => /always\(\)/.test(job.if ?? '') || !/!failure\(\)|success\(\)/.test(job.if ?? 'success()')

/**
 * In every job that builds an image: the audit and its gate come before the build, the scan after
 * it, and no artifact leaves the job before the scan has passed. The scan reads the OCI layout
 * (oci-dir:), never a registry, and fails on fixable findings at the severity input.
 */
export const gatesAroundTheBuild: Rule = (workflow) => {
  const problems: string[] = []
  for (const [id, job] of jobsOf(workflow)) {
    const steps = stepsOf(job)
    const build = steps.findIndex((step) => usesLocal(step, 'buildx-multiarch'))
    if (build < 0) continue
    const where = `${workflow.path}: job ${id}`
    const audit = steps.findIndex(byId('audit'))
    const auditGate = steps.findIndex(byId('audit-gate'))
    const scan = steps.findIndex(byId('scan'))
    if (audit < 0 || auditGate < 0) problems.push(`${where} has no dependency audit (steps audit and audit-gate)`)
    else {
      if (!(audit < auditGate && auditGate < build)) problems.push(`${where} audits the dependencies after the build has run the Dockerfile`)
      if (steps[auditGate]?.env?.AUDIT_LEVEL !== `\${{ inputs.${GATE_LEVELS.audit} }}`) problems.push(`${where}: the audit gate ignores input ${GATE_LEVELS.audit}`)
      if (!/pnpm audit --prod\b/.test(steps[audit]?.run ?? '')) problems.push(`${where}: the audit does not run pnpm audit --prod`)
    }
    if (scan < 0) {
      problems.push(`${where} builds an image and never scans it`)
      continue
    }
    if (scan < build) problems.push(`${where} scans before the build`)
    const script = steps[scan]?.run ?? ''
    if (!/--only-fixed\b/.test(script) || !/--fail-on "\$SEVERITY"/.test(script)) problems.push(`${where}: the scan does not fail on fixable findings at $SEVERITY`)
    if (steps[scan]?.env?.SEVERITY !== `\${{ inputs.${GATE_LEVELS.scan} }}`) problems.push(`${where}: the scan ignores input ${GATE_LEVELS.scan}`)
    if (!/"oci-dir:/.test(script) || /\b(registry|docker|podman):/.test(script)) problems.push(`${where}: the scan does not read the OCI layout (oci-dir:) alone`)
    steps.forEach((step, index) => {
      if (usesRemote(step, 'actions/upload-artifact') && index < scan) problems.push(`${where}: '${step.name ?? step.uses}' hands an artifact on before the scan`)
    })
  }
  return problems
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
    for (const step of stepsOf(job)) {
      if (step.id === 'audit' || step.id === 'audit-gate') expect(`step ${step.id} of job ${id}`, step.if, GATE_SWITCHES.audit, true)
      if (step.id === 'scan' || step.uses?.startsWith('anchore/scan-action/')) expect(`step '${step.name}' of job ${id}`, step.if, GATE_SWITCHES.scan, true)
    }
  }
  return problems
}

/** Publish takes the image from the build job, after every gate there passed. */
export const publishAfterGates: Rule = (workflow) => {
  const problems: string[] = []
  for (const [id, job] of jobsOf(workflow)) {
    const steps = stepsOf(job)
    if (!steps.some((step) => usesLocal(step, 'acr-push')) || !steps.some((step) => usesRemote(step, 'actions/download-artifact'))) continue
    const builders = jobsOf(workflow).filter(([, other]) => jobUsesLocal(other, 'buildx-multiarch'))
    for (const [builder] of builders) {
      if (!needsOf(job).includes(builder)) problems.push(`${workflow.path}: job ${id} publishes without needing ${builder}, whose gates it skips`)
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
