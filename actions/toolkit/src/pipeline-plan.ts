// What the reusable pipeline (.github/workflows/pipeline.yml) does for one event, from the
// GitFlow rules of gitflow.ts: the kind of run, whether it publishes, which environment deploys
// it, the image repositories and the manifests it pins. The workflow's plan job runs this
// (buildx-multiarch's `plan` entry) and the local pipeline plans with it, so GitHub and this
// machine route every event the same way. Pure: no I/O.
//
//   kind          | publish | environment | destination                  | manifests
//   develop       | yes     | staging     | registry/repository          | staging
//   release       | yes     | staging     | registry/repository          | staging
//   production    | yes     | production  | production-registry/repository | production
//   feature, pull-request, other: build only (no environment, no tags)
//
// And what each kind does at deploy time, so the workflow and the local pipeline only read it:
//   kind          | image and source commit from | immutable tags | supersedes a hold
//   develop       | this run's build             | no             | no
//   release       | this run's build             | no             | yes (a deliberate release)
//   production    | the release candidate        | yes (X.Y.Z)    | yes
import { commitShaExpected, isCommitSha } from './commit-sha'
import { computeTags, RefError, type RefKind } from './gitflow'
import { isRepositoryPath, isServiceName, REPOSITORY_COMPONENT_EXPECTED, SERVICE_NAME_EXPECTED } from './repository-name'

export interface PipelineEvent {
  /** GITHUB_EVENT_NAME: a `pull_request` run is a pull request whatever its ref. */
  eventName: string
  /** GITHUB_REF. */
  ref: string
  /** GITHUB_SHA: the full 40-character commit. */
  sha: string
  /** GITHUB_RUN_NUMBER. */
  runNumber: number | string
}

export interface PipelineSettings {
  /** The service: its image's default repository name and the prefix of its release refs. */
  service: string
  /** Repository inside the registries (default the service). */
  repository?: string
  /** Login server of the staging registry; may be empty for a run that publishes nothing. */
  registry: string
  /** Login server of the production registry (default the staging registry). */
  productionRegistry?: string
  /** GitHub environment names of the two deploy targets; an empty one is DEFAULT_ENVIRONMENTS'. */
  environments: { staging: string; production: string }
  /** Files (or globs) that pin the image per environment; an empty one is DEFAULT_MANIFESTS'. */
  manifests: { staging: string; production: string }
}

/** The environment names a caller that gives none deploys to (the workflows' and the plan entry's inputs default to ''). */
export const DEFAULT_ENVIRONMENTS = { staging: 'staging', production: 'production' } as const

/** The manifests a caller that gives none pins: this repository's kustomize overlay per environment. */
export const DEFAULT_MANIFESTS = {
  staging: 'k8s-specifications/overlays/staging/kustomization.yaml',
  production: 'k8s-specifications/overlays/production/kustomization.yaml',
} as const

/** The settings with DEFAULT_ENVIRONMENTS and DEFAULT_MANIFESTS in place of empty names and manifests. */
export function withDefaults(settings: PipelineSettings): PipelineSettings {
  const { environments: e, manifests: m } = settings
  return {
    ...settings,
    environments: { staging: e.staging || DEFAULT_ENVIRONMENTS.staging, production: e.production || DEFAULT_ENVIRONMENTS.production },
    manifests: { staging: m.staging || DEFAULT_MANIFESTS.staging, production: m.production || DEFAULT_MANIFESTS.production },
  }
}

export interface PipelinePlan {
  kind: RefKind
  publish: boolean
  /** The environment this run deploys to; '' for a build-only run. */
  environment: string
  /** X.Y.Z of a release branch or tag (the version a tag promotes a candidate of); '' otherwise. */
  version: string
  /** Tags to publish, most specific first; the first is the one the manifests pin. */
  tags: string[]
  /** The tag the manifests pin (the first of tags); '' for a build-only run. */
  primaryTag: string
  /** A promotion builds nothing: its image and its source commit are the release candidate's. */
  sourceFromCandidate: boolean
  /** Published tags may never move to another digest (a production X.Y.Z). */
  immutableTags: boolean
  /** The deploy may supersede a deploy hold with a newer image (a release branch or tag). */
  supersedeHold: boolean
  /** registry/repository in the staging registry: what builds publish and promotions copy from. */
  stagingImage: string
  /** The staging environment and its manifests, which a promotion's candidate is found with before the approval. */
  stagingEnvironment: string
  stagingManifests: string
  /** registry/repository this run publishes to. */
  destination: string
  /** The manifests the deploy edits (those of the staging environment for a build-only run). */
  manifests: string
}

/** Plans one run of the pipeline; a RefError names the input or ref that cannot be planned. */
export function planPipeline(event: PipelineEvent, given: PipelineSettings): PipelinePlan {
  const settings = withDefaults(given)
  const { service } = settings
  if (!isServiceName(service)) throw new RefError(`input service: '${service}' is not a lowercase image name (expected ${SERVICE_NAME_EXPECTED})`)
  if (settings.repository && !isRepositoryPath(settings.repository)) {
    throw new RefError(`input image-repository: '${settings.repository}' is not a repository name (expected path components joined by '/', each ${REPOSITORY_COMPONENT_EXPECTED})`)
  }
  // GITHUB_SHA as the runner sets it: the full name, and GitHub's repositories are SHA-1.
  const runnerSha = { sha1Only: true }
  if (!isCommitSha(event.sha, runnerSha)) throw new RefError(`unexpected commit SHA '${event.sha}' (expected ${commitShaExpected(runnerSha)})`)
  const tagPlan =
    event.eventName === 'pull_request'
      ? { kind: 'pull-request' as const, tags: [], publish: false, release: undefined }
      : computeTags({ ref: event.ref, sha: event.sha, runNumber: event.runNumber, service })
  // Only the published kinds keep their tags: the table's "none" for the rest.
  const tags = tagPlan.publish ? tagPlan.tags : []
  const production = tagPlan.kind === 'production'
  let registry = settings.registry
  if (!registry) {
    if (tagPlan.publish) throw new RefError('input registry is empty: set it (e.g. from vars.ACR_STAGING_REGISTRY)')
    // Build-only runs (e.g. pull requests from forks) need no registry: name the image locally.
    registry = 'localhost'
  }
  const repository = settings.repository || service
  const stagingImage = `${registry}/${repository}`
  return {
    kind: tagPlan.kind,
    publish: tagPlan.publish,
    environment: !tagPlan.publish ? '' : production ? settings.environments.production : settings.environments.staging,
    version: tagPlan.release ?? '',
    tags,
    primaryTag: tags[0] ?? '',
    sourceFromCandidate: production,
    immutableTags: production,
    supersedeHold: tagPlan.kind === 'release' || production,
    stagingImage,
    stagingEnvironment: settings.environments.staging,
    stagingManifests: settings.manifests.staging,
    destination: production ? `${settings.productionRegistry || registry}/${repository}` : stagingImage,
    manifests: production ? settings.manifests.production : settings.manifests.staging,
  }
}
