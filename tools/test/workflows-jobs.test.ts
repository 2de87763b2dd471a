// Which pipeline jobs run for each GitFlow event: the plan step's real outputs (its committed
// bundle) fed through the jobs' real `needs:` and `if:` conditions (GitHub's rules for skipped
// and failed needs).
import { describe, expect, it } from 'vitest'
import { evaluate, simulateJobs, type JobResult } from '../src/workflows/job-graph'
import { lookupIn, type ExpressionContext } from '../src/workflows/expressions'
import { findStep, loadWorkflows, workflowById } from '../src/workflows/load'
import { runActionStep } from '../src/workflows/run-action-step'
import { pipelineCallContext } from './helpers/workflow-context'

const workflows = loadWorkflows()
const pipeline = workflowById(workflows, 'pipeline')
const SHA = '0a1b2c3d4e5f60718293a4b5c6d7e8f901234567'

async function jobsFor(event: string, ref: string, options: { failing?: string; inputs?: Record<string, string> } = {}): Promise<string[]> {
  const context: ExpressionContext = { ...pipelineCallContext(workflows, 'vote', options.inputs), 'github.event_name': event, 'github.ref': ref, 'github.sha': SHA, 'github.run_number': '5' }
  const step = findStep(pipeline, 'plan', 'plan')
  const plan = await runActionStep(step, context)
  expect(plan.exitCode, plan.stdout).toBe(0)
  const results = simulateJobs(
    pipeline.jobs,
    lookupIn(context),
    (job) => (job === 'plan' ? plan.outputs : {}),
    (job): JobResult => (job === options.failing ? 'failure' : 'success'),
  )
  return Object.entries(results).filter(([, result]) => result !== 'skipped').map(([job]) => job).sort()
}

describe('pipeline jobs per GitFlow event', () => {
  it.each([
    ['push', 'refs/heads/feature/ballot', ['audit', 'build', 'plan', 'test']],
    ['pull_request', 'refs/pull/9/merge', ['audit', 'build', 'plan', 'test']],
    // audit: the dependency audit every build needs; provenance and attest-sbom: the attestations
    // of what publish pushed (quality gates).
    ['push', 'refs/heads/develop', ['attest-sbom', 'audit', 'build', 'deploy', 'plan', 'provenance', 'publish', 'test']],
    ['push', 'refs/heads/release/vote/v1.2.0', ['attest-sbom', 'audit', 'build', 'deploy', 'plan', 'provenance', 'publish', 'test']],
    // Production promotes the release candidate (found by `candidate` before the approval): no test, no build.
    ['push', 'refs/tags/vote/v1.2.0', ['candidate', 'deploy', 'plan', 'publish']],
    ['push', 'refs/heads/main', ['audit', 'build', 'plan', 'test']],
  ])('%s %s runs %j', async (event, ref, expected) => {
    expect(await jobsFor(event, ref)).toEqual(expected)
  })

  it('builds even when the caller has no test command', async () => {
    expect(await jobsFor('push', 'refs/heads/develop', { inputs: { 'test-command': '' } })).toEqual(['attest-sbom', 'audit', 'build', 'deploy', 'plan', 'provenance', 'publish'])
  })

  it('publishes and deploys nothing after a failed test, audit or build, and deploys nothing after a failed publish', async () => {
    expect(await jobsFor('push', 'refs/heads/develop', { failing: 'test' })).toEqual(['audit', 'plan', 'test'])
    expect(await jobsFor('push', 'refs/heads/develop', { failing: 'audit' })).toEqual(['audit', 'plan', 'test'])
    expect(await jobsFor('push', 'refs/heads/develop', { failing: 'build' })).toEqual(['audit', 'build', 'plan', 'test'])
    expect(await jobsFor('push', 'refs/heads/develop', { failing: 'publish' })).toEqual(['audit', 'build', 'plan', 'publish', 'test'])
    expect(await jobsFor('push', 'refs/tags/vote/v1.2.0', { failing: 'publish' })).toEqual(['candidate', 'plan', 'publish'])
  })
})

describe('the job-condition evaluator', () => {
  const lookup = (path: string) => ({ 'inputs.x': '', 'needs.a.outputs.k': 'Production' })[path] ?? null
  const status = (fn: string) => fn === 'success'
  it.each([
    ["inputs.x != ''", false],
    ["needs.a.outputs.k == 'production'", true], // GitHub compares strings case-insensitively
    ["!cancelled() && needs.a.outputs.k != 'production'", false],
    ["(inputs.x == '' || false) && success()", true],
    ['!success()', false],
  ])('%s is %s', (expression, expected) => {
    expect(evaluate(expression, lookup, status)).toBe(expected)
  })
  it('refuses what it cannot read', () => {
    expect(() => evaluate("contains(inputs.x, 'a')", lookup, status)).toThrow()
  })
})
