// What the reusable workflow (.github/workflows/pipeline.yml) would do for an event, as data.
// The kind, tags, environment and destinations come from the toolkit's planPipeline, the code the
// workflow's plan job runs, so the local run and GitHub agree; this adds the local steps.
// Pure: no I/O.
import { DEFAULT_ENVIRONMENTS, DEFAULT_MANIFESTS, planPipeline, planRedeploy, promotionTagRef, type DeployEnvironment, type PipelinePlan, type PipelineSettings, type RedeployPlan, type RefKind } from '@aks-gitops/toolkit'
import type { PipelineOptions, Redeploy } from './options'

export type StepName = 'test' | 'audit' | 'build' | 'publish' | 'candidate' | 'promote' | 'resolve' | 'check' | 'deploy' | 'verify'

export interface EventPlan {
  ref: string
  kind: RefKind
  /** Where the event deploys; undefined for build-only events (feature branches, pull requests). */
  environment?: DeployEnvironment
  tags: string[]
  /** What the kind does at deploy time, as planPipeline decided it (the workflow's plan outputs of the same names). */
  deploy: Pick<PipelinePlan, 'primaryTag' | 'sourceFromCandidate' | 'immutableTags' | 'supersedeHold'>
  /** X.Y.Z of a release branch or tag; '' otherwise (the workflow's plan output `version`). */
  version: string
  steps: StepName[]
  /** The staging image repository (registry/service). */
  stagingImage: string
  /** Where this event publishes: the staging image, or the production registry for a promotion. */
  destination: string
  /**
   * For a promotion, the release version whose candidate (X.Y.Z-rc.N in stagingImage) the
   * candidate step resolves with acr-push release-candidate, as the workflow's candidate job does.
   */
  releaseCandidate?: string
  /** The kustomization the deploy step edits, relative to the GitOps repository. */
  manifest?: string
  /** The redeploy event: what redeploy.yml was dispatched with, and what its resolve step planned. */
  redeploy?: Redeploy & { planned: RedeployPlan }
}

/** The inputs the callers give the workflows' plan step, for this machine's registries. */
function pipelineSettings(options: PipelineOptions): PipelineSettings {
  return {
    service: options.service,
    registry: options.registry,
    productionRegistry: options.productionRegistry,
    // This machine's environments are the default names (options.ts: staging or production).
    environments: DEFAULT_ENVIRONMENTS,
    manifests: DEFAULT_MANIFESTS,
  }
}

function planOne(options: PipelineOptions, ref: string, sha: string, runNumber: number, runTests: boolean): EventPlan {
  const planned = planPipeline({ eventName: 'push', ref, sha, runNumber }, pipelineSettings(options))
  const { primaryTag, sourceFromCandidate, immutableTags, supersedeHold } = planned
  const deploy = { primaryTag, sourceFromCandidate, immutableTags, supersedeHold }
  const base = { ref, kind: planned.kind, tags: planned.tags, deploy, version: planned.version, stagingImage: planned.stagingImage, destination: planned.destination }
  if (planned.sourceFromCandidate) {
    return {
      ...base,
      environment: 'production',
      // The candidate is found (and its platforms checked) before the approval; promote copies it.
      steps: ['candidate', 'promote', 'deploy', 'verify'],
      releaseCandidate: planned.version,
      manifest: planned.manifests,
    }
  }
  // The dependency audit gates the build, as in the workflow's build job.
  const steps: StepName[] = [...(runTests ? ['test' as const] : []), ...(options.audit ? ['audit' as const] : []), 'build']
  if (!planned.publish) return { ...base, steps }
  return { ...base, environment: 'staging', steps: [...steps, 'publish', 'deploy', 'verify'], manifest: planned.manifests }
}

/**
 * redeploy.yml's jobs: resolve (the toolkit's planRedeploy, as its resolve step runs it: the ref's
 * deployment rule, the image in the environment's registry, or `previous` from the trailers),
 * check (the image and its platforms: acr-push verify-only), deploy (bump-manifest with
 * allow-downgrade, so an older image holds the service), then what Argo CD would render.
 */
function planRedeployEvent(options: PipelineOptions, redeploy: Redeploy): EventPlan {
  const planned = planRedeploy({ ref: options.ref, environment: options.env, reference: redeploy.reference }, pipelineSettings(options))
  return {
    ref: options.ref,
    kind: 'other',
    environment: options.env,
    tags: [],
    // A redeploy pins the reference it resolved, from the commit its image's revision names.
    deploy: { primaryTag: '', sourceFromCandidate: false, immutableTags: false, supersedeHold: false },
    version: '',
    steps: ['resolve', 'check', 'deploy', 'verify'],
    stagingImage: `${options.registry}/${options.service}`,
    destination: planned.image,
    manifest: planned.manifests,
    redeploy: { ...redeploy, planned },
  }
}

/**
 * The events to run, in order: the ref's own event, and for `--env production` on a release
 * branch the tag event that promotes the same commit afterwards.
 */
export function planEvents(options: PipelineOptions, sha: string, runNumber: number): EventPlan[] {
  if (options.redeploy) return [planRedeployEvent(options, options.redeploy)]
  const first = planOne(options, options.ref, sha, runNumber, options.runTests)
  const events = [first]
  if (options.env === 'production' && first.kind === 'release') {
    const tagRef = promotionTagRef(options.ref)
    if (tagRef) events.push(planOne(options, tagRef, sha, runNumber, false))
  }
  return events
}
