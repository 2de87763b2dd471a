// Reads the repository's workflows and actions as plain data for the workflow tests: jobs,
// steps, and every `run:` script with its step's env and the line it starts on.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml'
import { REPO_ROOT } from '@aks-gitops/test-support/action-runner'

export interface Step {
  id?: string
  name?: string
  uses?: string
  run?: string
  shell?: string
  if?: string
  with?: Record<string, unknown>
  env?: Record<string, unknown>
  'working-directory'?: string
}

/** A workflow's or a job's `concurrency:` block in its mapping form. */
export interface Concurrency {
  group?: string
  'cancel-in-progress'?: unknown
  queue?: unknown
}

export interface Job {
  name?: string
  'runs-on'?: unknown
  needs?: string | string[]
  if?: string
  permissions?: unknown
  environment?: unknown
  concurrency?: unknown
  outputs?: Record<string, string>
  container?: unknown
  steps?: Step[]
  uses?: string
  with?: Record<string, unknown>
  secrets?: unknown
  env?: Record<string, unknown>
}

export interface Workflow {
  /** File name without extension, e.g. `vote`. */
  id: string
  /** Path relative to the repository root. */
  path: string
  text: string
  name?: string
  on: unknown
  permissions?: unknown
  concurrency?: unknown
  jobs: Record<string, Job>
}

export interface RunScript {
  workflow: string
  job: string
  step: Step
  script: string
  /** 1-based line of the first script line in the workflow file. */
  line: number
}

export const WORKFLOWS_DIR = join(REPO_ROOT, '.github', 'workflows')

export function parseWorkflow(path: string, text: string): Workflow {
  const doc = parseDocument(text, { uniqueKeys: true })
  if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors.map((e) => e.message).join('; ')}`)
  const data = doc.toJS() as Omit<Workflow, 'id' | 'path' | 'text'>
  const id = path.replace(/^.*\//, '').replace(/\.ya?ml$/, '')
  return { ...data, jobs: data.jobs ?? {}, id, path, text }
}

/** Every workflow under .github/workflows, sorted by file name. */
export function loadWorkflows(dir = WORKFLOWS_DIR): Workflow[] {
  return readdirSync(dir)
    .filter((file) => /\.ya?ml$/.test(file))
    .sort()
    .map((file) => parseWorkflow(`.github/workflows/${file}`, readFileSync(join(dir, file), 'utf8')))
}

export interface CallInput {
  type?: string
  required?: boolean
  default?: unknown
  description?: string
}

/** A reusable workflow's `on.workflow_call` block. */
export interface WorkflowCall {
  inputs?: Record<string, CallInput>
  secrets?: Record<string, { required?: boolean } | null>
  outputs?: Record<string, unknown>
}

/** The `on.workflow_call` block ({} when it is empty), or undefined when the workflow is not reusable. */
export function workflowCall(workflow: Workflow): WorkflowCall | undefined {
  const on = workflow.on
  if (!on || typeof on !== 'object' || !('workflow_call' in on)) return undefined
  return (on as { workflow_call: WorkflowCall | null }).workflow_call ?? {}
}

export function workflowById(workflows: readonly Workflow[], id: string): Workflow {
  const found = workflows.find((workflow) => workflow.id === id)
  if (!found) throw new Error(`no workflow ${id}.yml`)
  return found
}

/** Every `run:` step with the line its script starts on. */
export function runScripts(workflow: Workflow): RunScript[] {
  const counter = new LineCounter()
  const doc = parseDocument(workflow.text, { lineCounter: counter })
  const scripts: RunScript[] = []
  const jobs = doc.get('jobs')
  if (!isMap(jobs)) return scripts
  for (const pair of jobs.items) {
    const jobId = String(isScalar(pair.key) ? pair.key.value : pair.key)
    const steps = isMap(pair.value) ? pair.value.get('steps') : undefined
    if (!isSeq(steps)) continue
    steps.items.forEach((node, index) => {
      if (!isMap(node)) return
      const run = node.get('run', true) as Node | undefined
      if (!isScalar(run) || typeof run.value !== 'string') return
      // Block scalars (`run: |`) start on the line after the indicator.
      const start = counter.linePos(run.range?.[0] ?? 0).line
      const block = run.type === 'BLOCK_LITERAL' || run.type === 'BLOCK_FOLDED'
      const step = workflow.jobs[jobId]?.steps?.[index] as Step
      scripts.push({ workflow: workflow.path, job: jobId, step, script: run.value, line: start + (block ? 1 : 0) })
    })
  }
  return scripts
}

/** The named step of a job, or an error that says which one is missing. */
export function findStep(workflow: Workflow, jobId: string, stepId: string): Step {
  const step = workflow.jobs[jobId]?.steps?.find((s) => s.id === stepId)
  if (!step) throw new Error(`${workflow.path}: job ${jobId} has no step with id ${stepId}`)
  return step
}

/** A workflow's jobs as [id, job] pairs, in file order. */
export function jobsOf(workflow: Workflow): [string, Job][] {
  return Object.entries(workflow.jobs)
}

export function stepsOf(job: Job): Step[] {
  return job.steps ?? []
}

/** The job names a job's `needs:` lists, whether it gives one name or a list. */
export function needsOf(job: Job): string[] {
  return job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs]
}

/** The step runs this repository's action NAME (`./actions/NAME`, `./pipeline/actions/NAME`, `OWNER/REPO/actions/NAME`). */
export function usesLocal(step: Step, name: string): boolean {
  return step.uses !== undefined && new RegExp(`(^|/)actions/${name}$`).test(step.uses)
}

/** Some step of the job runs this repository's action NAME. */
export function jobUsesLocal(job: Job, name: string): boolean {
  return stepsOf(job).some((step) => usesLocal(step, name))
}

/** The step runs the action `owner/name` at some ref, e.g. usesRemote(step, 'actions/checkout'). */
export function usesRemote(step: Step, action: string): boolean {
  return step.uses?.startsWith(`${action}@`) === true
}

export interface ActionMetadata {
  name?: string
  inputs?: Record<string, { description?: string; required?: boolean; default?: unknown }>
  outputs?: Record<string, { description?: string }>
  runs?: { using?: string; main?: string }
}

/** actions/NAME/action.yml parsed, or undefined while the action has not landed. */
export function loadActionMetadata(name: string): ActionMetadata | undefined {
  const path = join(REPO_ROOT, 'actions', name, 'action.yml')
  if (!existsSync(path)) return undefined
  return parseDocument(readFileSync(path, 'utf8')).toJS() as ActionMetadata
}
