// The reusable pipeline runs its actions from its own commit (README "Using the actions from
// your repository"). One step checks that commit, the plan job's own-commit, which reads
// `job.workflow_sha` and `job.workflow_repository` and hands them on as the job outputs
// pipeline-sha and pipeline-repository; every other job that checks the actions out into
// pipeline/ takes them through `needs.plan`. Pure checks over parsed workflows.
import type { Rule } from './hardening'
import { jobsOf, needsOf, stepsOf, usesRemote, workflowCall, type Job, type Step, type Workflow } from './load'

export const CHECK_JOB = 'plan'
export const CHECK_STEP = 'own-commit'

/** What the plan job's checkout and outputs read: the values the check step wrote. */
export const CHECKED_REPOSITORY = `\${{ steps.${CHECK_STEP}.outputs.repository }}`
export const CHECKED_SHA = `\${{ steps.${CHECK_STEP}.outputs.sha }}`

/** What every later job's checkout reads. The ref falls back to a name git refuses, never to ''. */
export const HANDED_REPOSITORY = `\${{ needs.${CHECK_JOB}.outputs.pipeline-repository }}`
export const HANDED_SHA = `\${{ needs.${CHECK_JOB}.outputs.pipeline-sha || 'the plan job handed over no pipeline-sha' }}`

/** A step that reads the job context's workflow_* properties, or a script that tests a value against 40 hex digits. */
function readsOwnCommit(step: Step): boolean {
  return /\bjob\.workflow_(sha|repository)\b/.test(JSON.stringify(step)) || /\{40\}/.test(step.run ?? '')
}

/** Every step of every workflow that reads or checks the pipeline's own commit, as "path: job J, step S". */
export function ownCommitChecks(workflows: readonly Workflow[]): string[] {
  return workflows.flatMap((workflow) =>
    jobsOf(workflow).flatMap(([id, job]) =>
      stepsOf(job)
        .filter(readsOwnCommit)
        .map((step) => `${workflow.path}: job ${id}, step ${step.id ?? step.name ?? '(unnamed)'}`),
    ),
  )
}

/** The checkouts of the pipeline's own actions: actions/checkout into pipeline/. */
export function actionCheckouts(job: Job): Step[] {
  return stepsOf(job).filter((step) => usesRemote(step, 'actions/checkout') && step.with?.path === 'pipeline')
}

function checkedInPlan(workflow: Workflow, job: Job): string[] {
  const where = `${workflow.path}: job ${CHECK_JOB}`
  const problems: string[] = []
  const steps = stepsOf(job)
  const check = steps.findIndex((step) => step.id === CHECK_STEP)
  if (check < 0) return [`${where} has no step ${CHECK_STEP}`]
  for (const checkout of actionCheckouts(job)) {
    if (steps.indexOf(checkout) < check) problems.push(`${where} checks the actions out before step ${CHECK_STEP} checks the commit`)
    if (checkout.with?.repository !== CHECKED_REPOSITORY || checkout.with?.ref !== CHECKED_SHA) {
      problems.push(`${where} checks out another repository or ref than step ${CHECK_STEP} checked`)
    }
  }
  const outputs = job.outputs ?? {}
  if (outputs['pipeline-repository'] !== CHECKED_REPOSITORY || outputs['pipeline-sha'] !== CHECKED_SHA) {
    problems.push(`${where} does not hand on what step ${CHECK_STEP} checked as pipeline-repository and pipeline-sha`)
  }
  return problems
}

/**
 * In a reusable workflow, every checkout of the actions takes the checked commit: in the plan job
 * from its check step, in any other job through `needs.plan`, which that job lists itself (the
 * needs context holds direct dependencies only). A workflow that is not reusable runs its own
 * commit (github.sha), so its checkouts name no repository and no ref.
 */
export const takesCheckedCommit: Rule = (workflow) => {
  const jobs = jobsOf(workflow).filter(([, job]) => actionCheckouts(job).length > 0)
  if (workflowCall(workflow) === undefined) {
    return jobs
      .filter(([, job]) => actionCheckouts(job).some((step) => step.with?.repository !== undefined || step.with?.ref !== undefined))
      .map(([id]) => `${workflow.path}: job ${id} checks the actions out at another commit than the run's own`)
  }
  if (jobs.length === 0) return []
  const plan = workflow.jobs[CHECK_JOB]
  const problems = plan ? checkedInPlan(workflow, plan) : [`${workflow.path} has no ${CHECK_JOB} job to check its own commit`]
  for (const [id, job] of jobs) {
    if (id === CHECK_JOB) continue
    const where = `${workflow.path}: job ${id}`
    if (!needsOf(job).includes(CHECK_JOB)) problems.push(`${where} does not list ${CHECK_JOB} in needs`)
    for (const checkout of actionCheckouts(job)) {
      if (checkout.with?.repository !== HANDED_REPOSITORY) problems.push(`${where} checks out repository '${String(checkout.with?.repository)}', not ${HANDED_REPOSITORY}`)
      if (checkout.with?.ref !== HANDED_SHA) problems.push(`${where} checks out ref '${String(checkout.with?.ref)}', not ${HANDED_SHA}`)
    }
  }
  return problems
}

export const OWN_COMMIT_RULES = { takesCheckedCommit } satisfies Record<string, Rule>
