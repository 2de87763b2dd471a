// The pipeline's own commit is checked in one place, the plan job's step own-commit, and every job
// that checks the pipeline's actions out takes the checked value through `needs.plan`: the rule
// over the workflows and planted copies, the check's real script, the values as the expressions
// hand them on, and the job graph when the check fails (GitHub's rules for failed needs).
import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { interpolate, lookupIn, type ExpressionContext } from '../src/workflows/expressions'
import { simulateJobs } from '../src/workflows/job-graph'
import { findStep, jobsOf, loadWorkflows, needsOf, workflowById, type Job, type Step, type Workflow } from '../src/workflows/load'
import { CHECK_JOB, CHECK_STEP, OWN_COMMIT_RULES, actionCheckouts, ownCommitChecks } from '../src/workflows/own-commit'
import { runActionStep } from '../src/workflows/run-action-step'
import { runStep } from '../src/workflows/run-script'
import { itChecksEachRule } from './helpers/rules'
import { pipelineCallContext } from './helpers/workflow-context'

const workflows = loadWorkflows()
const pipeline = workflowById(workflows, 'pipeline')
const redeploy = workflowById(workflows, 'redeploy')
const check = findStep(pipeline, CHECK_JOB, CHECK_STEP)
const SHA = '5e1f0c2b9a8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f'
const REPOSITORY = 'octo-org/aks-gitops'

/** A deep copy of `workflow` with one edit; the loaded workflow stays as it is. */
function edited(workflow: Workflow, edit: (jobs: Record<string, Job>) => void): Workflow {
  const copy = structuredClone(workflow)
  edit(copy.jobs)
  return copy
}
const stepsIn = (jobs: Record<string, Job>, id: string) => jobs[id]?.steps as Step[]
const checkoutIn = (jobs: Record<string, Job>, id: string) => actionCheckouts(jobs[id] as Job)[0] as Step & { with: Record<string, unknown> }
const withOne = (workflow: Workflow) => workflows.map((w) => (w.id === workflow.id ? workflow : w))

/** The check's script as the runner runs it, with the job context's two values. */
const runCheck = (sha: string, repository: string) => runStep(check, { 'job.workflow_sha': sha, 'job.workflow_repository': repository })

/** The jobs that check the pipeline's actions out, in file order. */
const checkingOut = jobsOf(pipeline).filter(([, job]) => actionCheckouts(job).length > 0)

describe("the check of the pipeline's own commit", () => {
  it('stands in one step of one job across the workflows', () => {
    expect(ownCommitChecks(workflows)).toEqual([`.github/workflows/pipeline.yml: job ${CHECK_JOB}, step ${CHECK_STEP}`])
  })

  it.each([
    ['the build job', edited(pipeline, (jobs) => void stepsIn(jobs, 'build').unshift(structuredClone(check)))],
    ['the matrix job build-platform', edited(pipeline, (jobs) => void stepsIn(jobs, 'build-platform').unshift(structuredClone(check)))],
    ["redeploy.yml's deploy job", edited(redeploy, (jobs) => void stepsIn(jobs, 'deploy').unshift(structuredClone(check)))],
    [
      'a second check of the handed-on value',
      edited(pipeline, (jobs) =>
        void stepsIn(jobs, 'deploy').unshift({ env: { SHA: '${{ needs.plan.outputs.pipeline-sha }}' }, run: '[[ "$SHA" =~ ^[0-9a-f]{40}$ ]] || exit 1\n' }),
      ),
    ],
  ])('reports a copy in %s', (_, workflow) => {
    expect(ownCommitChecks(withOne(workflow))).toHaveLength(2)
  })

  it('passes a 40-digit lower-case sha and an owner/repo, and hands exactly those on', () => {
    const run = runCheck(SHA, REPOSITORY)
    expect(run.exitCode, run.stdout + run.stderr).toBe(0)
    expect(run.outputs).toEqual({ repository: REPOSITORY, sha: SHA })
  })

  it.each([
    ['an empty sha (GitHub Enterprise Server has no job.workflow_sha)', '', REPOSITORY],
    ['an empty repository', SHA, ''],
    ['neither', '', ''],
    ['39 digits', SHA.slice(0, 39), REPOSITORY],
    ['41 digits', `${SHA}0`, REPOSITORY],
    ['a digit that is not hex', `${SHA.slice(0, 39)}g`, REPOSITORY],
    ['an upper-case sha', SHA.toUpperCase(), REPOSITORY],
    ['a branch name', 'main', REPOSITORY],
    ['a sha followed by a second output line', `${SHA}\nkind=production`, REPOSITORY],
    ['a repository without its owner', SHA, 'aks-gitops'],
    ['a repository followed by a second output line', SHA, `${REPOSITORY}\nsha=${'0'.repeat(40)}`],
  ])('fails on %s, and hands nothing on', (_, sha, repository) => {
    const run = runCheck(sha, repository)
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toContain("::error::job.workflow_sha or job.workflow_repository is not available on this runner; cannot run the pipeline's own actions")
    expect(run.outputs).toEqual({})
  })
})

describe("every checkout of the pipeline's actions takes the checked commit", () => {
  itChecksEachRule(
    OWN_COMMIT_RULES,
    {
      takesCheckedCommit: [
        ['a job that checks out job.workflow_sha itself', edited(pipeline, (jobs) => void (checkoutIn(jobs, 'publish').with.ref = '${{ job.workflow_sha }}'))],
        ['a job that takes the value without needing plan', edited(pipeline, (jobs) => void ((jobs.deploy as Job).needs = needsOf(jobs.deploy as Job).filter((need) => need !== 'plan')))],
        ['a ref that may be empty', edited(pipeline, (jobs) => void (checkoutIn(jobs, 'build-platform').with.ref = '${{ needs.plan.outputs.pipeline-sha }}'))],
        ['a repository not handed on', edited(pipeline, (jobs) => void (checkoutIn(jobs, 'candidate').with.repository = '${{ github.repository }}'))],
        ['a plan job that does not hand the sha on', edited(pipeline, (jobs) => void delete (jobs.plan as Job & { outputs: Record<string, string> }).outputs['pipeline-sha'])],
        ["the plan job's checkout before its check", edited(pipeline, (jobs) => void stepsIn(jobs, 'plan').push(stepsIn(jobs, 'plan').shift() as Step))],
        ["the plan job's checkout of the unchecked job.workflow_sha", edited(pipeline, (jobs) => void (checkoutIn(jobs, 'plan').with.ref = '${{ job.workflow_sha }}'))],
        ["a redeploy checkout of another commit than the run's", edited(redeploy, (jobs) => void (checkoutIn(jobs, 'deploy').with.ref = 'main'))],
      ],
    },
    workflows,
  )

  it("is every job that runs the pipeline's actions, the matrix job included", () => {
    const running = jobsOf(pipeline).filter(([, job]) => (job.steps ?? []).some((step) => step.uses?.startsWith('./pipeline/actions/')))
    expect(checkingOut.map(([id]) => id)).toEqual(running.map(([id]) => id))
    expect(checkingOut.map(([id]) => id)).toEqual(['plan', 'build-platform', 'build', 'candidate', 'publish', 'deploy'])
  })

  it('hands every checkout the commit and repository the check passed', () => {
    const run = runCheck(SHA, REPOSITORY)
    expect(run.exitCode).toBe(0)
    const inPlan: ExpressionContext = { [`steps.${CHECK_STEP}.outputs.sha`]: run.outputs.sha, [`steps.${CHECK_STEP}.outputs.repository`]: run.outputs.repository }
    const outputs = (pipeline.jobs[CHECK_JOB] as Job).outputs ?? {}
    const handed: ExpressionContext = {
      'needs.plan.outputs.pipeline-sha': interpolate(outputs['pipeline-sha'] ?? '', inPlan),
      'needs.plan.outputs.pipeline-repository': interpolate(outputs['pipeline-repository'] ?? '', inPlan),
    }
    for (const [id, job] of checkingOut) {
      for (const checkout of actionCheckouts(job)) {
        const context = id === CHECK_JOB ? inPlan : handed
        expect(interpolate(String(checkout.with?.ref), context), `job ${id}`).toBe(SHA)
        expect(interpolate(String(checkout.with?.repository), context), `job ${id}`).toBe(REPOSITORY)
      }
    }
  })

  // The runner drops a job output that contains a secret's value and the job still succeeds; an
  // empty ref would make actions/checkout take the default branch. The fallback is a name no
  // branch or tag can have, so the checkout fails instead.
  it('never hands actions/checkout an empty ref, even when the runner drops the output', () => {
    const dropped: ExpressionContext = { 'needs.plan.outputs.pipeline-sha': '', 'needs.plan.outputs.pipeline-repository': '' }
    for (const [id, job] of checkingOut.filter(([id]) => id !== CHECK_JOB)) {
      const ref = interpolate(String(actionCheckouts(job)[0]?.with?.ref), dropped)
      expect(ref, `job ${id}`).not.toBe('')
      expect(spawnSync('git', ['check-ref-format', '--branch', ref]).status, `job ${id}: '${ref}' as a branch`).not.toBe(0)
      expect(spawnSync('git', ['check-ref-format', `refs/tags/${ref}`]).status, `job ${id}: '${ref}' as a tag`).not.toBe(0)
    }
  })
})

describe("no job runs the pipeline's actions after a failed check", () => {
  // One ref of each GitFlow kind; a pull request's ref comes with its own event.
  const refs = ['refs/heads/feature/ballot', 'refs/pull/9/merge', 'refs/heads/develop', 'refs/heads/release/vote/v1.2.0', 'refs/tags/vote/v1.2.0', 'refs/heads/main']
  const events = refs.map((ref) => [ref.startsWith('refs/pull/') ? 'pull_request' : 'push', ref] as const)
  const contextFor = (event: string, ref: string, nativeRunners: boolean): ExpressionContext => ({
    ...pipelineCallContext(workflows, 'vote', { 'native-runners': nativeRunners, 'test-command': '' }),
    'github.event_name': event,
    'github.ref': ref,
    'github.sha': SHA,
    'github.run_number': '5',
  })

  // No test command: the test job is skipped, and the jobs after it continue past a skipped need.
  it.each(events.flatMap(([event, ref]) => [[event, ref, false] as const, [event, ref, true] as const]))('%s %s (native-runners: %s)', (event, ref, nativeRunners) => {
    const results = simulateJobs(pipeline.jobs, lookupIn(contextFor(event, ref, nativeRunners)), () => ({}), (job) => (job === CHECK_JOB ? 'failure' : 'success'))
    expect(Object.entries(results).filter(([id, result]) => id !== CHECK_JOB && result !== 'skipped')).toEqual([])
  })

  it('runs the matrix job build-platform, past the skipped test job, once the check passes', async () => {
    const context = contextFor('push', 'refs/heads/develop', true)
    const plan = await runActionStep(findStep(pipeline, CHECK_JOB, 'plan'), context)
    expect(plan.exitCode, plan.stdout).toBe(0)
    const results = simulateJobs(pipeline.jobs, lookupIn(context), (job) => (job === CHECK_JOB ? plan.outputs : {}))
    expect(results.test).toBe('skipped')
    expect(results['build-platform']).toBe('success')
    expect(needsOf(pipeline.jobs['build-platform'] as Job)).toContain(CHECK_JOB)
  })
})
