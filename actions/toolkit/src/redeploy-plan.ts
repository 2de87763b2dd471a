// What the redeploy workflow (.github/workflows/redeploy.yml) does for one dispatch, from the
// GitFlow rules of gitflow.ts: whether the ref it was dispatched from may deploy to the chosen
// environment, and which image (in that environment's registry) and manifests it verifies and
// pins. The workflow's resolve job runs this (buildx-multiarch's `plan` entry with
// `event: redeploy`) and the local pipeline's `--redeploy` plans with it. Pure: no I/O.
//
//   environment | dispatched from                          | image                         | manifests
//   staging     | main, develop, release/*/*               | registry/repository           | staging
//   production  | main, a tag */v*                         | production-registry/repository | production
import { DEPLOYMENT_RULES, RefError, type DeployEnvironment } from './gitflow'
import { digestProblem, formatImageReference, isValidTag } from './image-ref'
import { withDefaults, type PipelineSettings } from './pipeline-plan'
import { isServiceName } from './repository-name'

export interface RedeployRequest {
  /** GITHUB_REF: the ref the workflow was dispatched from. */
  ref: string
  /** The environment input: the name of the staging or the production environment. */
  environment: string
  /** The reference input, typed by a person: a tag, a digest (sha256:...) or `previous`. */
  reference: string
}

/** What a reference asks for: an existing tag, a digest, or `previous` (one step back in the history). */
export interface RedeployReference {
  previous: boolean
  tag: string
  digest: string
}

export interface RedeployPlan {
  /** Which of the two environments (and so which deployment rule) the request names. */
  target: DeployEnvironment
  /** Whether the image is the one step back that the manifests' history names (found later). */
  previous: boolean
  /** registry/repository in the environment's registry: what the manifests pin. */
  image: string
  /** The reference to verify: image:tag or image@digest; '' for previous. */
  source: string
  tag: string
  digest: string
  /** The environment's manifests. */
  manifests: string
}

/** What a redeploy reference may be, as its errors name it (redeploy.yml's input, the local pipeline's --redeploy). */
export const REDEPLOY_REFERENCE_EXPECTED = 'a tag ([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}), a digest (sha256:<64 hex>) or previous'

/** Reads a reference as a tag, a sha256 digest or `previous`; undefined when it is none of them. */
export function parseRedeployReference(reference: string): RedeployReference | undefined {
  if (reference === 'previous') return { previous: true, tag: '', digest: '' }
  if (reference.startsWith('sha256:') && !digestProblem(reference)) return { previous: false, tag: '', digest: reference }
  if (isValidTag(reference)) return { previous: false, tag: reference, digest: '' }
  return undefined
}

/**
 * The image a redeploy verifies: image (registry/repository) with the tag and/or digest, as
 * image-ref writes a reference. For `previous` these are what the manifests' history named; a
 * RefError when it named neither.
 */
export function redeploySource(image: string, { tag, digest }: { tag: string; digest: string }): string {
  if (!tag && !digest) throw new RefError('previous: the history names no earlier image')
  // Split at the first '/', so repositoryName writes the image back exactly as given.
  const slash = image.indexOf('/')
  return formatImageReference({ registry: image.slice(0, slash), repository: image.slice(slash + 1), tag, digest })
}

/**
 * Plans one redeploy; a RefError names the input or the rule that refuses it. The checks run in
 * the order a person fixes them: the environment, the ref it allows, the registry, the service,
 * then the reference.
 */
export function planRedeploy(request: RedeployRequest, given: PipelineSettings): RedeployPlan {
  const settings = withDefaults(given)
  const { environment, ref } = request
  const target = environment === settings.environments.production ? 'production' : environment === settings.environments.staging ? 'staging' : undefined
  if (!target) throw new RefError(`input environment: expected ${settings.environments.staging} or ${settings.environments.production}, got '${environment}'`)
  if (!DEPLOYMENT_RULES[target].refs.test(ref)) {
    throw new RefError(
      `the ${environment} environment deploys only from ${DEPLOYMENT_RULES[target].text}; this run was dispatched from ${ref}. ` +
        'Run the workflow from main (Actions → redeploy → Use workflow from: main).',
    )
  }
  const registry = target === 'production' ? settings.productionRegistry || settings.registry : settings.registry
  // The workflow gives the registry from this repository variable; an empty one is the usual cause.
  if (!registry) throw new RefError('the repository variable ACR_STAGING_REGISTRY is not set')
  if (!isServiceName(settings.service)) throw new RefError(`input service: '${settings.service}' is not an image name`)
  const parsed = parseRedeployReference(request.reference)
  if (!parsed) throw new RefError(`input reference: expected ${REDEPLOY_REFERENCE_EXPECTED}`)
  const image = `${registry}/${settings.repository || settings.service}`
  return {
    target,
    ...parsed,
    image,
    source: parsed.previous ? '' : redeploySource(image, parsed),
    manifests: settings.manifests[target],
  }
}
