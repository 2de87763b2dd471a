// What the reusable workflow (.github/workflows/pipeline.yml) would do for an event, as data.
// Tags come from the same function buildx-multiarch uses, so the local run and GitHub agree.
// Pure: no I/O.
import { computeTags, type RefKind } from '@aks-gitops/toolkit'
import { promotionRef, type Environment, type PipelineOptions } from './options'

export type StepName = 'test' | 'audit' | 'build' | 'publish' | 'candidate' | 'promote' | 'deploy' | 'verify'

export interface EventPlan {
  ref: string
  kind: RefKind
  /** Where the event deploys; undefined for build-only events (feature branches, pull requests). */
  environment?: Environment
  tags: string[]
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
}

export function overlayFile(environment: Environment): string {
  return `k8s-specifications/overlays/${environment}/kustomization.yaml`
}

function planOne(options: PipelineOptions, ref: string, sha: string, runNumber: number, runTests: boolean): EventPlan {
  const tagPlan = computeTags({ ref, sha, runNumber, service: options.service })
  const stagingImage = `${options.registry}/${options.service}`
  const base = { ref, kind: tagPlan.kind, tags: tagPlan.tags, version: tagPlan.version, stagingImage }
  if (tagPlan.kind === 'release-tag') {
    return {
      ...base,
      environment: 'production',
      // The candidate is found (and its platforms checked) before the approval; promote copies it.
      steps: ['candidate', 'promote', 'deploy', 'verify'],
      destination: `${options.productionRegistry}/${options.service}`,
      releaseCandidate: tagPlan.version,
      manifest: overlayFile('production'),
    }
  }
  // The dependency audit gates the build, as in the workflow's build job.
  const steps: StepName[] = [...(runTests ? ['test' as const] : []), ...(options.audit ? ['audit' as const] : []), 'build']
  if (!tagPlan.publish) return { ...base, steps, destination: stagingImage }
  return {
    ...base,
    environment: 'staging',
    steps: [...steps, 'publish', 'deploy', 'verify'],
    destination: stagingImage,
    manifest: overlayFile('staging'),
  }
}

/**
 * The events to run, in order: the ref's own event, and for `--env production` on a release
 * branch the tag event that promotes the same commit afterwards.
 */
export function planEvents(options: PipelineOptions, sha: string, runNumber: number): EventPlan[] {
  const first = planOne(options, options.ref, sha, runNumber, options.runTests)
  const events = [first]
  if (options.env === 'production' && first.kind === 'release') {
    const tagRef = promotionRef(options.ref)
    if (tagRef) events.push(planOne(options, tagRef, sha, runNumber, false))
  }
  return events
}
