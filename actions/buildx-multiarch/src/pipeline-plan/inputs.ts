// Every input of the plan entry (plan/action.yml), read once and validated before anything
// happens: which plan (event), the pipeline's settings, for a redeploy what was dispatched, and
// for the build job's platform views the layout and where they go.
// Nothing else in the entry reads inputs.
import * as core from '@actions/core'
import { getString, RefError, type PipelineSettings } from '@aks-gitops/toolkit'

const EVENTS = ['pipeline', 'redeploy', 'redeploy-previous', 'platform-views'] as const

export type PlanInputs =
  | { event: 'pipeline'; settings: PipelineSettings }
  | { event: 'redeploy'; settings: PipelineSettings; redeploy: { environment: string; reference: string } }
  | { event: 'redeploy-previous'; settings: PipelineSettings; redeploy: { environment: string; reference: string }; pinned: { tag: string; digest: string } }
  | { event: 'platform-views'; views: { layout: string; dir: string } }

/** The event input as given, read apart from the rest so that a failure reading those is titled for it. */
export function readEventInput(): string {
  return getString('event') || 'pipeline'
}

function readSettings(): PipelineSettings {
  return {
    service: getString('service', { required: true }),
    repository: getString('image-repository'),
    registry: getString('registry'),
    productionRegistry: getString('production-registry'),
    // Empty means the toolkit's DEFAULT_ENVIRONMENTS and DEFAULT_MANIFESTS (applied where the plan is made).
    environments: { staging: getString('environment'), production: getString('production-environment') },
    manifests: { staging: getString('manifests'), production: getString('production-manifests') },
  }
}

const isEvent = (event: string): event is PlanInputs['event'] => (EVENTS as readonly string[]).includes(event)

/** The plan's inputs for `event` (readEventInput's value); throws on the first bad one. */
export function readPlanInputs(event: string): PlanInputs {
  if (!isEvent(event)) throw new RefError(`input event: expected ${EVENTS.slice(0, -1).join(', ')} or ${EVENTS.at(-1)}, got '${event}'`)
  // The build job's views plan nothing: no settings are read.
  if (event === 'platform-views') return { event, views: { layout: getString('oci-layout', { required: true }), dir: getString('views', { required: true }) } }
  const settings = readSettings()
  if (event === 'pipeline') return { event, settings }
  const environment = getString('target-environment')
  // What the history step found one step back; a RefError later when it found neither.
  if (event === 'redeploy-previous') {
    const pinned = { tag: getString('pinned-tag'), digest: getString('pinned-digest') }
    return { event, settings, redeploy: { environment, reference: 'previous' }, pinned }
  }
  // Free text typed by a person: validated as given (planRedeploy), not trimmed into something else.
  const redeploy = { environment, reference: core.getInput('reference', { trimWhitespace: false }) }
  return { event, settings, redeploy }
}
