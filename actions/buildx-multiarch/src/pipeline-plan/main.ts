// The plan job of .github/workflows/pipeline.yml (actions/buildx-multiarch/plan/action.yml):
// reads the event from the runner's GITHUB_* variables and the pipeline's inputs, plans the run
// with the toolkit's planPipeline (the rules the local pipeline uses too) and sets the outputs
// the later jobs read. With `event: redeploy` it is the resolve job of .github/workflows/redeploy.yml
// instead: the toolkit's planRedeploy checks the dispatch and names the image to verify. It
// changes nothing, so a bad ref or input only fails the step.
import * as core from '@actions/core'
import {
  errorMessage,
  getString,
  planPipeline,
  planRedeploy,
  RefError,
  type PipelineEvent,
  type PipelinePlan,
  type PipelineSettings,
  type RedeployPlan,
} from '@aks-gitops/toolkit'

/** The event facts as the runner gives them to every step (in a reusable workflow: the caller's). */
export function readEvent(env: NodeJS.ProcessEnv): PipelineEvent {
  return {
    eventName: env.GITHUB_EVENT_NAME ?? '',
    ref: env.GITHUB_REF ?? '',
    sha: env.GITHUB_SHA ?? '',
    runNumber: env.GITHUB_RUN_NUMBER ?? '',
  }
}

function readSettings(): PipelineSettings {
  return {
    service: getString('service', { required: true }),
    repository: getString('image-repository'),
    registry: getString('registry'),
    productionRegistry: getString('production-registry'),
    environments: { staging: getString('environment', { required: true }), production: getString('production-environment', { required: true }) },
    manifests: { staging: getString('manifests', { required: true }), production: getString('production-manifests', { required: true }) },
  }
}

/** The step outputs, named and formatted as the plan job's bash step wrote them before. */
export function planOutputs(plan: PipelinePlan): Record<string, string> {
  return {
    kind: plan.kind,
    publish: String(plan.publish),
    environment: plan.environment,
    version: plan.version,
    tags: plan.tags.join(','),
    'primary-tag': plan.tags[0] ?? '',
    'staging-image': plan.stagingImage,
    destination: plan.destination,
    manifests: plan.manifests,
  }
}

/** The redeploy's step outputs, named as its resolve step wrote them before (`previous` is true or false). */
function redeployOutputs(plan: RedeployPlan): Record<string, string> {
  return {
    previous: String(plan.previous),
    source: plan.source,
    image: plan.image,
    tag: plan.tag,
    digest: plan.digest,
    manifests: plan.manifests,
  }
}

const EVENTS = ['pipeline', 'redeploy'] as const

async function runRedeploy(settings: PipelineSettings): Promise<void> {
  const environment = getString('target-environment')
  // Free text typed by a person: validated as given, not trimmed into something else.
  const reference = core.getInput('reference', { trimWhitespace: false })
  const plan = planRedeploy({ ref: process.env.GITHUB_REF ?? '', environment, reference }, settings)
  for (const [name, value] of Object.entries(redeployOutputs(plan))) core.setOutput(name, value)
  const what = plan.previous ? `${plan.image}, one step back (previous)` : plan.source
  core.info(`${settings.service} → ${environment}: ${what}`)
  await core.summary.addHeading(`redeploy ${settings.service} → ${environment}`, 3).addRaw(what, true).write()
}

export async function run(): Promise<void> {
  const event = getString('event') || 'pipeline'
  try {
    if (!(EVENTS as readonly string[]).includes(event)) throw new RefError(`input event: expected ${EVENTS.join(' or ')}, got '${event}'`)
    const settings = readSettings()
    if (event === 'redeploy') return await runRedeploy(settings)
    const plan = planPipeline(readEvent(process.env), settings)
    for (const [name, value] of Object.entries(planOutputs(plan))) core.setOutput(name, value)
    core.info(`${settings.service}: ${plan.kind}; publish=${plan.publish} environment=${plan.environment || 'none'} tags=${plan.tags.join(',') || 'none'}`)
    await core.summary
      .addHeading(`${settings.service}: ${plan.kind}`, 3)
      .addRaw(`publish=${plan.publish} environment=${plan.environment || 'none'} tags=${plan.tags.join(',') || 'none'}`, true)
      .write()
  } catch (e) {
    // Titled like the workflow's other errors, so the annotation says which step refused.
    core.error(errorMessage(e), { title: event === 'redeploy' ? 'redeploy' : 'pipeline' })
    process.exitCode = 1
  }
}
