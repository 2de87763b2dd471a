import { callInputs, type ExpressionContext } from '../../src/workflows/expressions'
import { workflowById, type Workflow } from '../../src/workflows/load'

// Repository variables as GitHub gives them to a run where the repository has not set them: empty
// strings. The callers and redeploy.yml read these to choose how the manifest commit lands.
export const UNSET_GITOPS_VARIABLES = {
  'vars.GITOPS_PULL_REQUEST': '',
  'vars.GITOPS_AUTO_MERGE': '',
  'vars.GITOPS_COMMIT_METHOD': '',
  'vars.GITOPS_APP_CLIENT_ID': '',
} as const

/**
 * What the pipeline's jobs see when the workflow `caller` (vote, result, worker) calls it: the
 * repository variables the callers read, then the pipeline's inputs (their defaults, the caller's
 * `with:`, then `overrides` by input name).
 */
export function pipelineCallContext(workflows: readonly Workflow[], caller: string, overrides: Record<string, string | boolean> = {}): ExpressionContext {
  const context: ExpressionContext = { 'vars.ACR_STAGING_REGISTRY': 'stagingacr.azurecr.io', 'vars.ACR_PRODUCTION_REGISTRY': '', ...UNSET_GITOPS_VARIABLES }
  Object.assign(context, callInputs(workflowById(workflows, 'pipeline'), workflowById(workflows, caller).jobs.pipeline?.with ?? {}, context))
  for (const [name, value] of Object.entries(overrides)) context[`inputs.${name}`] = value
  return context
}
