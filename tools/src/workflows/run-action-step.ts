// Runs a workflow step that uses one of this repository's actions (`./pipeline/actions/NAME`,
// `./actions/NAME`, or a sub-folder such as `buildx-multiarch/plan`) the way the runner would:
// its `with:` evaluated in the context, the committed bundle run by runAction, and the GITHUB_*
// variables the runner sets from the github context (in a reusable workflow, the caller's).
import { runAction, type ActionRun, type RunActionOptions } from '@aks-gitops/test-support/action-runner'
import { resolveEnv, type ExpressionContext } from './expressions'
import type { Step } from './load'
import { localActionName } from './local-actions'

// The runner's default variables for the github context properties the tests give: "most of the
// default variables have a corresponding, and similarly named, context property"
// (https://docs.github.com/en/actions/reference/variables-reference).
const GITHUB_VARIABLES: Record<string, string> = {
  'github.event_name': 'GITHUB_EVENT_NAME',
  'github.ref': 'GITHUB_REF',
  'github.ref_name': 'GITHUB_REF_NAME',
  'github.sha': 'GITHUB_SHA',
  'github.run_number': 'GITHUB_RUN_NUMBER',
  'github.repository': 'GITHUB_REPOSITORY',
}

/** The action folder a local `uses:` names, relative to the repository root, e.g. `actions/buildx-multiarch/plan`. */
function localActionFolder(uses: string | undefined): string {
  const name = localActionName(uses ?? '')
  if (!name) throw new Error(`step uses "${uses ?? ''}", not one of this repository's actions (./actions/NAME or ./pipeline/actions/NAME)`)
  return `actions/${name}`
}

/** The GITHUB_* variables of the context; the ones it lacks are removed, not taken from this process. */
function githubVariables(context: ExpressionContext): Record<string, string | undefined> {
  return Object.fromEntries(
    Object.entries(GITHUB_VARIABLES).map(([path, name]) => [name, context[path] === undefined ? undefined : String(context[path])]),
  )
}

export function runActionStep(step: Step, context: ExpressionContext, options: Omit<RunActionOptions, 'action' | 'inputs'> = {}): Promise<ActionRun> {
  return runAction({
    ...options,
    action: localActionFolder(step.uses),
    inputs: resolveEnv(step.with, context),
    env: { ...githubVariables(context), ...options.env },
  })
}
