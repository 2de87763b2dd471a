// The promotion rules of the reusable pipeline, checked on the workflow as data: a tag promotes
// the release candidate acr-push resolves from immutable facts (release-candidate), in a job that
// runs before the production approval, and the production job copies exactly that digest.
import { jobsOf, needsOf, stepsOf, usesLocal, usesRemote, type Job, type Step, type Workflow } from './load'

function acrPushSteps(job: Job): Step[] {
  return stepsOf(job).filter((step) => usesLocal(step, 'acr-push'))
}

function environmentName(job: Job): string {
  const environment = job.environment
  if (environment === undefined) return ''
  if (typeof environment === 'string') return environment
  return String((environment as { name?: unknown }).name ?? '')
}

/** The job's environment waits for production's reviewers (the production input, or the plan's per-event environment). */
function isApprovalGated(job: Job): boolean {
  return /production-environment|needs\.plan\.outputs\.environment|production/.test(environmentName(job))
}

/** Violations of the promotion rules in `workflow` (the reusable pipeline); empty when it keeps them. */
export function promotionViolations(workflow: Workflow): string[] {
  const problems: string[] = []
  const resolving = jobsOf(workflow).filter(([, job]) => acrPushSteps(job).some((step) => step.with?.['release-candidate'] !== undefined))
  for (const [id, job] of resolving.filter(([, job]) => isApprovalGated(job))) {
    problems.push(`${id}: resolves a release candidate in environment "${environmentName(job)}", i.e. after the production approval; it must run before it`)
  }
  const resolvers = resolving.filter(([, job]) => !isApprovalGated(job))
  if (resolvers.length !== 1) {
    problems.push(`expected exactly one job before the production approval that runs acr-push with release-candidate, found ${resolvers.length}`)
    return problems
  }
  const [candidateId, candidate] = resolvers[0] as [string, Job]
  const resolve = acrPushSteps(candidate).find((step) => step.with?.['release-candidate'] !== undefined) as Step
  const inputs = resolve.with ?? {}
  if (String(inputs['verify-only']) !== 'true') problems.push(`${candidateId}: the candidate step must be verify-only (it copies nothing before the approval)`)
  if (!/needs\.plan\.outputs\.version/.test(String(inputs['release-candidate']))) problems.push(`${candidateId}: release-candidate must be the tag's version (needs.plan.outputs.version)`)
  if (!/inputs\.paths/.test(String(inputs['release-paths'] ?? ''))) problems.push(`${candidateId}: release-paths must be the caller's paths input`)
  const directory = String(inputs['release-git-directory'] ?? '.')
  const checkout = stepsOf(candidate).find((step) => usesRemote(step, 'actions/checkout') && String(step.with?.path ?? '.') === directory && step.with?.repository === undefined)
  if (!checkout || String(checkout.with?.['fetch-depth']) !== '0') problems.push(`${candidateId}: the tagged commit must be checked out into ${directory} with fetch-depth: 0 (ancestry needs the history)`)

  const gated = jobsOf(workflow).filter(([, job]) => isApprovalGated(job) && acrPushSteps(job).length > 0)
  if (gated.length === 0) problems.push('no job behind the production environment runs acr-push')
  for (const [id, job] of gated) {
    if (!needsOf(job).includes(candidateId)) problems.push(`${id}: does not need ${candidateId}, so the approval is requested before the candidate is known`)
    for (const step of acrPushSteps(job)) {
      const source = String(step.with?.source ?? '')
      if (!source.includes(`needs.${candidateId}.outputs.image`) && !source.includes(`needs.${candidateId}.outputs.digest`)) {
        problems.push(`${id}: promotes "${source}", not the digest ${candidateId} resolved (needs.${candidateId}.outputs.image)`)
      }
    }
  }
  for (const [id, job] of jobsOf(workflow)) {
    for (const step of stepsOf(job)) {
      const text = `${String(step.with?.source ?? '')}\n${step.run ?? ''}`
      if (/sha-\$\{|:sha-/.test(text) && (usesLocal(step, 'acr-push') || /promot|candidate|release/i.test(step.name ?? ''))) {
        problems.push(`${id}: step "${step.name ?? step.id ?? step.uses}" derives a promotion source from sha-<7>, a tag that moves`)
      }
    }
  }
  return problems
}
