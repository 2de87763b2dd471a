// The plan job of .github/workflows/pipeline.yml (actions/buildx-multiarch/plan/action.yml):
// reads the event from the runner's GITHUB_* variables and the pipeline's inputs (inputs.ts), plans the run
// with the toolkit's planPipeline (the rules the local pipeline uses too) and sets the outputs
// the later jobs read. With `event: redeploy` it is the resolve job of .github/workflows/redeploy.yml
// instead: the toolkit's planRedeploy checks the dispatch and names the image to verify. It
// changes nothing, so a bad ref or input only fails the step. With `event: platform-views` it is
// the build job's `platforms` step: the toolkit's writePlatformViews gives each platform image of
// the exported layout a layout of its own for the scan and the SBOMs.
import * as core from '@actions/core'
import { errorMessage, planPipeline, planRedeploy, redeploySource, writePlatformViews, type PipelineEvent, type PipelinePlan, type PipelineSettings, type RedeployPlan } from '@aks-gitops/toolkit'
import { readEventInput, readPlanInputs } from './inputs'

/** The event facts as the runner gives them to every step (in a reusable workflow: the caller's). */
export function readEvent(env: NodeJS.ProcessEnv): PipelineEvent {
  return {
    eventName: env.GITHUB_EVENT_NAME ?? '',
    ref: env.GITHUB_REF ?? '',
    sha: env.GITHUB_SHA ?? '',
    runNumber: env.GITHUB_RUN_NUMBER ?? '',
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
    'primary-tag': plan.primaryTag,
    'source-from-candidate': String(plan.sourceFromCandidate),
    'immutable-tags': String(plan.immutableTags),
    'supersede-hold': String(plan.supersedeHold),
    'staging-image': plan.stagingImage,
    'staging-environment': plan.stagingEnvironment,
    'staging-manifests': plan.stagingManifests,
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

async function runRedeploy(settings: PipelineSettings, { environment, reference }: { environment: string; reference: string }, pinned?: { tag: string; digest: string }): Promise<void> {
  let plan = planRedeploy({ ref: process.env.GITHUB_REF ?? '', environment, reference }, settings)
  // redeploy-previous: the image one step back, named from what the history step found.
  if (pinned) plan = { ...plan, ...pinned, source: redeploySource(plan.image, pinned) }
  for (const [name, value] of Object.entries(redeployOutputs(plan))) core.setOutput(name, value)
  const what = plan.previous && !plan.source ? `${plan.image}, one step back (previous)` : plan.source
  core.info(`${settings.service} → ${environment}: ${what}`)
  await core.summary.addHeading(`redeploy ${settings.service} → ${environment}`, 3).addRaw(what, true).write()
}

/** `manifests`: [{platform, slug, digest}] of each view, the JSON the scan and SBOM steps and the attest-sbom matrix read. */
function runPlatformViews({ layout, dir }: { layout: string; dir: string }): void {
  const images = writePlatformViews(layout, dir)
  core.setOutput('manifests', JSON.stringify(images.map(({ platform, slug, digest }) => ({ platform, slug, digest }))))
  core.info(`${layout}: ${images.map((image) => `${image.platform} ${image.digest}`).join(', ')}`)
}

/** The error title of each event's step, as the workflow's other errors of that step are titled. */
function errorTitle(event: string): string {
  if (event === 'platform-views') return 'vulnerability scan'
  return event.startsWith('redeploy') ? 'redeploy' : 'pipeline'
}

export async function run(): Promise<void> {
  const event = readEventInput()
  try {
    const inputs = readPlanInputs(event)
    if (inputs.event === 'platform-views') return runPlatformViews(inputs.views)
    const { settings } = inputs
    if (inputs.event === 'redeploy') return await runRedeploy(settings, inputs.redeploy)
    if (inputs.event === 'redeploy-previous') return await runRedeploy(settings, inputs.redeploy, inputs.pinned)
    const plan = planPipeline(readEvent(process.env), settings)
    for (const [name, value] of Object.entries(planOutputs(plan))) core.setOutput(name, value)
    core.info(`${settings.service}: ${plan.kind}; publish=${plan.publish} environment=${plan.environment || 'none'} tags=${plan.tags.join(',') || 'none'}`)
    await core.summary
      .addHeading(`${settings.service}: ${plan.kind}`, 3)
      .addRaw(`publish=${plan.publish} environment=${plan.environment || 'none'} tags=${plan.tags.join(',') || 'none'}`, true)
      .write()
  } catch (e) {
    // Titled like the workflow's other errors, so the annotation says which step refused.
    core.error(errorMessage(e), { title: errorTitle(event) })
    process.exitCode = 1
  }
}
