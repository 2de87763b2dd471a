// The plan job of .github/workflows/pipeline.yml (actions/buildx-multiarch/plan/action.yml):
// reads the event from the runner's GITHUB_* variables and the pipeline's inputs, plans the run
// with the toolkit's planPipeline (the rules the local pipeline uses too) and sets the outputs
// the later jobs read. It changes nothing, so a bad ref or input only fails the step.
import * as core from '@actions/core'
import { errorMessage, getString, planPipeline, type PipelineEvent, type PipelinePlan, type PipelineSettings } from '@aks-gitops/toolkit'

/** The event facts as the runner gives them to every step (in a reusable workflow: the caller's). */
export function readEvent(env: NodeJS.ProcessEnv): PipelineEvent {
  return {
    eventName: env.GITHUB_EVENT_NAME ?? '',
    ref: env.GITHUB_REF ?? '',
    sha: env.GITHUB_SHA ?? '',
    runNumber: env.GITHUB_RUN_NUMBER ?? '',
  }
}

export function readSettings(): PipelineSettings {
  return {
    service: getString('service'),
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

export async function run(): Promise<void> {
  try {
    const settings = readSettings()
    const plan = planPipeline(readEvent(process.env), settings)
    for (const [name, value] of Object.entries(planOutputs(plan))) core.setOutput(name, value)
    core.info(`${settings.service}: ${plan.kind}; publish=${plan.publish} environment=${plan.environment || 'none'} tags=${plan.tags.join(',') || 'none'}`)
    await core.summary
      .addHeading(`${settings.service}: ${plan.kind}`, 3)
      .addRaw(`publish=${plan.publish} environment=${plan.environment || 'none'} tags=${plan.tags.join(',') || 'none'}`, true)
      .write()
  } catch (e) {
    // Titled like the workflow's other errors, so the annotation says which step refused.
    core.error(errorMessage(e), { title: 'pipeline' })
    process.exitCode = 1
  }
}
